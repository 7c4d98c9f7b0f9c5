//! Hardhat's `console.log`, decoded: the calldata each execution recorded
//! ([`crate::Execution::console`]) is decoded with the console library's ABI (every
//! `log*` overload of `console.sol`, by selector, the legacy `uint`/`int` spellings included) and
//! formatted as Hardhat and Foundry do: a first string argument is a format string (`%s`, `%d`,
//! `%i`, `%o`, `%x`, `%%`), the arguments it does not consume follow, separated by spaces.

use std::collections::HashMap;
use std::sync::OnceLock;

use alloy_dyn_abi::{DynSolType, DynSolValue};
use alloy_primitives::{Address, Bytes, address, keccak256};

/// The address Hardhat's and Foundry's `console.sol` call.
pub const CONSOLE_ADDRESS: Address = address!("0x000000000000000000636F6e736F6c652e6c6f67");

/// The argument types of each console overload, by selector.
fn overloads() -> &'static HashMap<[u8; 4], Vec<DynSolType>> {
    static TABLE: OnceLock<HashMap<[u8; 4], Vec<DynSolType>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = HashMap::new();
        let mut add = |name: &str, spelled: &[&str], types: Vec<DynSolType>| {
            let signature = format!("{name}({})", spelled.join(","));
            let hash = keccak256(signature.as_bytes());
            table.insert([hash[0], hash[1], hash[2], hash[3]], types);
        };
        // The single-type helpers: logUint(uint256), logBytes1(bytes1)…
        let singles = [
            ("logInt", "int256"),
            ("logUint", "uint256"),
            ("logString", "string"),
            ("logBool", "bool"),
            ("logAddress", "address"),
            ("logBytes", "bytes"),
        ];
        for (name, ty) in singles {
            add(name, &[ty], vec![ty.parse().expect("a Solidity type")]);
        }
        for n in 1..=32 {
            let ty = format!("bytes{n}");
            add(&format!("logBytes{n}"), &[&ty], vec![ty.parse().expect("a Solidity type")]);
        }
        add("log", &[], Vec::new());
        add("log", &["bytes"], vec![DynSolType::Bytes]);
        // Every `log` of 1 to 4 arguments of these types, canonical and legacy spellings.
        let kinds: [(&str, &str, DynSolType); 5] = [
            ("uint256", "uint", DynSolType::Uint(256)),
            ("int256", "int", DynSolType::Int(256)),
            ("string", "string", DynSolType::String),
            ("bool", "bool", DynSolType::Bool),
            ("address", "address", DynSolType::Address),
        ];
        for arity in 1..=4u32 {
            for combo in 0..5usize.pow(arity) {
                let picked: Vec<&(&str, &str, DynSolType)> =
                    (0..arity).map(|i| &kinds[combo / 5usize.pow(i) % 5]).collect();
                let types: Vec<DynSolType> = picked.iter().map(|k| k.2.clone()).collect();
                let canonical: Vec<&str> = picked.iter().map(|k| k.0).collect();
                let legacy: Vec<&str> = picked.iter().map(|k| k.1).collect();
                add("log", &canonical, types.clone());
                add("log", &legacy, types);
            }
        }
        table
    })
}

/// One console line from `calldata`; `None` when it is no console overload or does not decode.
pub fn decode(calldata: &Bytes) -> Option<String> {
    let selector: [u8; 4] = calldata.get(..4)?.try_into().ok()?;
    let types = overloads().get(&selector)?;
    let values = match DynSolType::Tuple(types.clone()).abi_decode_params(&calldata[4..]).ok()? {
        DynSolValue::Tuple(values) => values,
        _ => return None,
    };
    Some(format_line(&values))
}

/// Every console line of an execution's recorded calls.
pub fn lines(calls: &[Bytes]) -> Vec<String> {
    calls.iter().filter_map(decode).collect()
}

/// A value as console.log prints it.
fn plain(value: &DynSolValue) -> String {
    match value {
        DynSolValue::String(s) => s.clone(),
        DynSolValue::Uint(v, _) => v.to_string(),
        DynSolValue::Int(v, _) => v.to_string(),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Address(a) => a.to_checksum(None),
        DynSolValue::Bytes(b) => alloy_primitives::hex::encode_prefixed(b),
        DynSolValue::FixedBytes(word, size) => alloy_primitives::hex::encode_prefixed(&word[..*size]),
        other => format!("{other:?}"),
    }
}

/// A value for a format specifier (`%d`/`%i` as integers, `%x` as hex, `%o` and `%s` plainly).
fn specified(value: &DynSolValue, spec: char) -> String {
    match (spec, value) {
        ('x', DynSolValue::Uint(v, _)) => format!("{v:#x}"),
        ('x', DynSolValue::Int(v, _)) => format!("{:#x}", v.into_raw()),
        ('d' | 'i', DynSolValue::Bool(b)) => u8::from(*b).to_string(),
        ('d' | 'i', DynSolValue::String(_)) => "NaN".to_owned(),
        _ => plain(value),
    }
}

/// The line a console call prints.
fn format_line(values: &[DynSolValue]) -> String {
    let Some((DynSolValue::String(format), rest)) = values.split_first() else {
        return values.iter().map(plain).collect::<Vec<_>>().join(" ");
    };
    let mut args = rest.iter();
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('%') => {
                chars.next();
                out.push('%');
            }
            Some(spec @ ('s' | 'd' | 'i' | 'o' | 'x')) => match args.next() {
                Some(value) => {
                    chars.next();
                    out.push_str(&specified(value, spec));
                }
                None => out.push('%'),
            },
            _ => out.push('%'),
        }
    }
    for value in args {
        out.push(' ');
        out.push_str(&plain(value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_dyn_abi::JsonAbiExt;
    use alloy_json_abi::Function;
    use alloy_primitives::U256;

    fn call(signature: &str, args: &[DynSolValue]) -> Bytes {
        let function = Function::parse(signature).unwrap();
        function.abi_encode_input(args).unwrap().into()
    }

    #[test]
    fn overloads_decode_and_format_as_hardhat_prints_them() {
        let hello = call("log(string)", &[DynSolValue::String("hello".into())]);
        assert_eq!(decode(&hello).as_deref(), Some("hello"));
        let who = Address::repeat_byte(0xab);
        let formatted = call(
            "log(string,address,uint256)",
            &[
                DynSolValue::String("%s has %d tokens".into()),
                DynSolValue::Address(who),
                DynSolValue::Uint(U256::from(42), 256),
            ],
        );
        assert_eq!(decode(&formatted), Some(format!("{} has 42 tokens", who.to_checksum(None))));
        let extra = call(
            "log(uint256,bool,string)",
            &[DynSolValue::Uint(U256::from(7), 256), DynSolValue::Bool(true), DynSolValue::String("x".into())],
        );
        assert_eq!(decode(&extra).as_deref(), Some("7 true x"));
        let percent = call(
            "log(string,uint256)",
            &[DynSolValue::String("100%% of %x".into()), DynSolValue::Uint(U256::from(255), 256)],
        );
        assert_eq!(decode(&percent).as_deref(), Some("100% of 0xff"));
        let negative = call("logInt(int256)", &[DynSolValue::Int(alloy_primitives::I256::try_from(-5).unwrap(), 256)]);
        assert_eq!(decode(&negative).as_deref(), Some("-5"));
        let mut word = alloy_primitives::B256::ZERO;
        word[..4].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        let word = call("logBytes4(bytes4)", &[DynSolValue::FixedBytes(word, 4)]);
        assert_eq!(decode(&word).as_deref(), Some("0xdeadbeef"));
        // Hardhat's legacy selectors (`uint` rather than `uint256`).
        let legacy_selector = &keccak256("log(uint)")[..4];
        let mut legacy = legacy_selector.to_vec();
        legacy.extend_from_slice(&U256::from(9).to_be_bytes::<32>());
        assert_eq!(decode(&legacy.into()).as_deref(), Some("9"));
        // Four arguments of mixed types.
        let four = call(
            "log(address,string,bool,uint256)",
            &[
                DynSolValue::Address(who),
                DynSolValue::String("s".into()),
                DynSolValue::Bool(false),
                DynSolValue::Uint(U256::from(1), 256),
            ],
        );
        assert_eq!(decode(&four), Some(format!("{} s false 1", who.to_checksum(None))));
        assert_eq!(decode(&Bytes::from_static(&[1, 2, 3, 4])), None, "not a console selector");
        assert_eq!(decode(&Bytes::from_static(&[1])), None);
    }
}
