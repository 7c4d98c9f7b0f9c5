//! Calls as people type them: a function by name (from the contract's ABI) or by human
//! signature (`transfer(address,uint256)`, `balanceOf(address)(uint256)` as cast writes it),
//! arguments where names stand for addresses and `1ether` for wei; results, logs and revert data
//! decoded back into words.

use alloy_dyn_abi::{DynSolType, DynSolValue, ErrorExt, EventExt, FunctionExt, JsonAbiExt, Specifier};
use alloy_json_abi::{Function, JsonAbi, Param};
use alloy_primitives::{Bytes, Log, hex};
use anyhow::{Context, bail};

use crate::names::Names;

/// `Error(string)`'s selector.
const ERROR_STRING: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];
/// `Panic(uint256)`'s selector.
const PANIC: [u8; 4] = [0x4e, 0x48, 0x7b, 0x71];

/// The function `spec` names: a human signature, or a name looked up in `abi` (overloads told
/// apart by argument count).
pub fn function(spec: &str, abi: Option<&JsonAbi>, arg_count: usize) -> anyhow::Result<Function> {
    if spec.contains('(') {
        // cast writes outputs as a second list: `f(address)(uint256)`.
        let text = match spec.find(")(") {
            Some(i) => format!("{} returns {}", &spec[..=i], &spec[i + 1..]),
            None => spec.to_string(),
        };
        return Function::parse(&text).with_context(|| format!("{spec:?} is not a function signature"));
    }
    let abi = abi.with_context(|| {
        format!("this contract has no ABI here: give the signature, as in `{spec}(address,uint256)`")
    })?;
    let overloads = abi.function(spec).with_context(|| {
        let mut known: Vec<&str> = abi.functions.keys().map(String::as_str).collect();
        known.sort_unstable();
        format!("the contract has no function {spec:?}; it has {}", known.join(", "))
    })?;
    overloads.iter().find(|f| f.inputs.len() == arg_count).cloned().with_context(|| {
        let arities: Vec<String> = overloads.iter().map(|f| f.signature()).collect();
        format!("{spec} takes other arguments: {}", arities.join(" or "))
    })
}

/// `words` as values of `params`: names resolve to addresses, numbers may carry units.
pub fn values(params: &[Param], words: &[String], names: &Names) -> anyhow::Result<Vec<DynSolValue>> {
    if params.len() != words.len() {
        let types: Vec<String> = params.iter().map(|p| p.ty.clone()).collect();
        bail!("expected {} argument(s) ({}), got {}", params.len(), types.join(", "), words.len());
    }
    params
        .iter()
        .zip(words)
        .enumerate()
        .map(|(i, (param, word))| {
            let ty = param.resolve().with_context(|| format!("argument {}: type {}", i + 1, param.ty))?;
            let word = match ty {
                DynSolType::Address => names.resolve(word)?.to_string(),
                _ => word.clone(),
            };
            ty.coerce_str(&word).with_context(|| format!("argument {} ({}): cannot read {word:?}", i + 1, param.ty))
        })
        .collect()
}

/// The calldata of `function` with `words` as its arguments.
pub fn calldata(function: &Function, words: &[String], names: &Names) -> anyhow::Result<Bytes> {
    let values = values(&function.inputs, words, names)?;
    Ok(function.abi_encode_input(&values).context("encoding the arguments")?.into())
}

/// A value in words: addresses by name, numbers in decimal.
pub fn show(value: &DynSolValue, names: &Names) -> String {
    match value {
        DynSolValue::Address(a) => names.show(a),
        DynSolValue::Uint(n, _) => n.to_string(),
        DynSolValue::Int(n, _) => n.to_string(),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::Bytes(b) => hex::encode_prefixed(b),
        DynSolValue::FixedBytes(w, size) => hex::encode_prefixed(&w[..*size]),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => {
            format!("[{}]", items.iter().map(|v| show(v, names)).collect::<Vec<_>>().join(", "))
        }
        DynSolValue::Tuple(items) => {
            format!("({})", items.iter().map(|v| show(v, names)).collect::<Vec<_>>().join(", "))
        }
        other => format!("{other:?}"),
    }
}

/// `function`'s return data in words (raw hex when it has no outputs or does not decode).
pub fn show_output(function: &Function, data: &[u8], names: &Names) -> String {
    if function.outputs.is_empty() {
        return if data.is_empty() { "(nothing returned)".into() } else { hex::encode_prefixed(data) };
    }
    match function.abi_decode_output(data) {
        Ok(values) => values.iter().map(|v| show(v, names)).collect::<Vec<_>>().join(", "),
        Err(_) => hex::encode_prefixed(data),
    }
}

/// Revert data in words: `Error(string)`, `Panic(code)`, or a custom error from any known ABI.
pub fn show_revert(data: &[u8], names: &Names) -> String {
    if data.is_empty() {
        return "reverted without data".into();
    }
    let selector: [u8; 4] = match data.get(..4).and_then(|s| s.try_into().ok()) {
        Some(s) => s,
        None => return format!("reverted with {}", hex::encode_prefixed(data)),
    };
    let body = &data[4..];
    if selector == ERROR_STRING
        && let Ok(reason) = DynSolType::String.abi_decode(body)
    {
        return format!("reverted: {}", show(&reason, names).trim_matches('"'));
    }
    if selector == PANIC
        && let Ok(DynSolValue::Uint(code, _)) = DynSolType::Uint(256).abi_decode(body)
    {
        return format!("panicked with code {code:#x}");
    }
    for named in names.all() {
        let Some(abi) = names.abi_of(&named.address) else { continue };
        for error in abi.errors() {
            if error.selector().0 == selector
                && let Ok(decoded) = error.decode_error(data)
            {
                let args: Vec<String> = decoded.body.iter().map(|v| show(v, names)).collect();
                return format!("reverted with {}({})", error.name, args.join(", "));
            }
        }
    }
    format!("reverted with {}", hex::encode_prefixed(data))
}

/// A log in words, decoded with the emitting contract's ABI when known.
pub fn show_log(log: &Log, names: &Names) -> String {
    let emitter = names.show(&log.address);
    if let (Some(abi), Some(topic0)) = (names.abi_of(&log.address), log.data.topics().first()) {
        for event in abi.events() {
            if event.selector() == *topic0
                && let Ok(decoded) = event.decode_log(&log.data)
            {
                let (mut indexed, mut body) = (decoded.indexed.iter(), decoded.body.iter());
                let args: Vec<String> = event
                    .inputs
                    .iter()
                    .filter_map(|input| {
                        let value = if input.indexed { indexed.next() } else { body.next() }?;
                        Some(format!("{}: {}", input.name, show(value, names)))
                    })
                    .collect();
                return format!("{emitter}.{}({})", event.name, args.join(", "));
            }
        }
    }
    let topics: Vec<String> = log.data.topics().iter().map(|t| format!("{t:#x}")).collect();
    format!("{emitter} log topics [{}] data {}", topics.join(", "), hex::encode_prefixed(&log.data.data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Address, U256};

    #[test]
    fn encodes_with_names_and_units() {
        let names = Names::for_accounts(&[Address::repeat_byte(0xb0)]);
        let f = function("transfer(address,uint256)", None, 2).expect("parses");
        let data = calldata(&f, &["alice".into(), "1ether".into()], &names).expect("encodes");
        assert_eq!(&data[..4], &f.selector()[..]);
        assert_eq!(&data[16..36], Address::repeat_byte(0xb0).as_slice());
        assert_eq!(U256::from_be_slice(&data[36..68]), U256::from(10u64).pow(U256::from(18u64)));
        assert!(calldata(&f, &["alice".into()], &names).is_err());
        let cast = function("balanceOf(address)(uint256)", None, 1).expect("cast style");
        assert_eq!(cast.outputs.len(), 1);
        assert_eq!(show_output(&cast, &U256::from(7u64).to_be_bytes::<32>(), &names), "7");
    }

    #[test]
    fn decodes_reverts() {
        let names = Names::default();
        let mut data = ERROR_STRING.to_vec();
        data.extend(DynSolValue::String("nope".into()).abi_encode_params());
        assert_eq!(show_revert(&data, &names), "reverted: nope");
        assert_eq!(show_revert(&[], &names), "reverted without data");
    }
}
