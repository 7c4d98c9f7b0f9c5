//! `deploy`, `call`, `send`: contracts from solc artifacts or raw bytecode, called with human
//! signatures or by name from their ABI.

use std::path::{Path, PathBuf};

use alloy_dyn_abi::JsonAbiExt;
use alloy_json_abi::{Constructor, JsonAbi};
use alloy_primitives::{Address, Bytes, U256, hex};
use anyhow::{Context, bail};
use manaflow_types::Status;

use crate::abi;
use crate::backend::{Backend, Envelope};
use crate::cmd::accounts::parse_value;
use crate::cmd::show::{print_console_log, print_sent};
use crate::console::Console;
use crate::names::Kind;
use crate::render::{GOOD, NAME, paint};
use crate::session::Session;
use crate::words::Args;
use manaflow_types::Masking;

/// Where a bare contract name is looked for, relative to the session's working directory.
const ARTIFACT_DIRS: &[&str] = &["examples/contracts/artifacts", "examples/wasm/artifacts", "artifacts", "out"];

/// A contract to deploy: its init code and, from an artifact, its ABI.
struct Artifact {
    code: Bytes,
    abi: Option<JsonAbi>,
    source: String,
}

/// Reads a solc, Hardhat or Foundry artifact: `abi` and `bytecode` (a hex string, or an object
/// with `object`).
fn read_artifact(path: &Path) -> anyhow::Result<Artifact> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let abi: JsonAbi = serde_json::from_value(json.get("abi").cloned().unwrap_or_default())
        .with_context(|| format!("{}: no valid \"abi\"", path.display()))?;
    let bytecode = match json.get("bytecode") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Object(o)) => o.get("object").and_then(|v| v.as_str()).unwrap_or_default().to_string(),
        _ => String::new(),
    };
    let code = hex::decode(bytecode.trim()).with_context(|| format!("{}: \"bytecode\" is not hex", path.display()))?;
    if code.is_empty() {
        bail!("{}: the artifact has no bytecode (an interface or abstract contract?)", path.display());
    }
    Ok(Artifact { code: code.into(), abi: Some(abi), source: path.display().to_string() })
}

/// Reads a WASM module; its ABI comes from `<name>.abi.json` beside it when there is one (the
/// SDK's build writes it), so functions can be called by name as a Solidity contract's.
fn read_wasm(backend: &dyn Backend, path: &Path) -> anyhow::Result<Artifact> {
    let code = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if !manaflow_types::is_wasm(&code) {
        bail!("{} is not a WASM module (no \\0asm magic)", path.display());
    }
    backend.check_module(&code).with_context(|| format!("{} cannot be deployed", path.display()))?;
    let abi_path = path.with_extension("abi.json");
    let abi = match std::fs::read_to_string(&abi_path) {
        Ok(text) => Some(
            serde_json::from_str::<JsonAbi>(&text)
                .with_context(|| format!("{} is not a JSON ABI", abi_path.display()))?,
        ),
        Err(_) => None,
    };
    Ok(Artifact { code: code.into(), abi, source: path.display().to_string() })
}

/// Finds `Name`'s artifact (solc JSON or WASM module) in the usual directories.
fn find_artifact(workdir: &Path, name: &str) -> Option<PathBuf> {
    ARTIFACT_DIRS
        .iter()
        .flat_map(|dir| {
            let dir = workdir.join(dir);
            [
                dir.join(format!("{name}.json")),
                dir.join(format!("{name}.sol")).join(format!("{name}.json")),
                dir.join(format!("{name}.wasm")),
            ]
        })
        .find(|p| p.is_file())
}

fn read_any(backend: &dyn Backend, path: &Path) -> anyhow::Result<Artifact> {
    let is_module = path.extension().is_some_and(|e| e == "wasm")
        || std::fs::read(path).is_ok_and(|bytes| manaflow_types::is_wasm(&bytes));
    if is_module { read_wasm(backend, path) } else { read_artifact(path) }
}

fn load(backend: &dyn Backend, workdir: &Path, source: &str) -> anyhow::Result<Artifact> {
    if let Some(hex_code) = source.strip_prefix("0x") {
        let code = hex::decode(hex_code).context("the bytecode is not hex")?;
        return Ok(Artifact { code: code.into(), abi: None, source: "bytecode".into() });
    }
    // Shown as the user would write it: relative to the working directory.
    let shown = |mut artifact: Artifact, path: &Path| {
        artifact.source = path.strip_prefix(workdir).unwrap_or(path).display().to_string();
        artifact
    };
    let path = workdir.join(source);
    if path.is_file() {
        return read_any(backend, &path).map(|a| shown(a, &path));
    }
    match find_artifact(workdir, source) {
        Some(found) => read_any(backend, &found).map(|a| shown(a, &found)),
        None => bail!(
            "no contract {source:?}: give an artifact .json or a .wasm module path, 0x bytecode, or a name found in {}",
            ARTIFACT_DIRS.join(", ")
        ),
    }
}

/// The envelope `--native` or `--masked <contracts>` asks for (default: Ethereum's).
fn envelope(session: &Session, args: &Args) -> anyhow::Result<Envelope> {
    match (args.switch("native"), args.flag("masked")) {
        (true, Some(_)) => bail!("--native signs everything; --masked leaves contracts to the coordinator: pick one"),
        (true, None) => Ok(Envelope::Native(Masking::Full)),
        (false, Some(list)) => {
            let contracts = list.split(',').map(|w| session.names.resolve(w.trim())).collect::<anyhow::Result<_>>()?;
            Ok(Envelope::Native(Masking::Contested(contracts)))
        }
        (false, None) => Ok(Envelope::Ethereum),
    }
}

/// `--from`, or the first dev account.
fn sender(session: &Session, args: &Args) -> anyhow::Result<Address> {
    match args.flag("from") {
        Some(who) => session.names.resolve(who),
        None => session.backend.accounts().first().copied().context("the node has no dev accounts"),
    }
}

/// `deploy <name> <artifact|0xbytecode> [constructor args…]`.
pub fn deploy(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&["from", "value", "sig", "force", "native", "masked"])?;
    let name = args.need(0, "a name for the contract (e.g. `deploy token TestToken`)")?.to_string();
    let artifact = load(
        session.backend.as_ref(),
        &session.workdir,
        args.need(1, "the contract: an artifact .json, a .wasm module, 0x bytecode, or a name")?,
    )?;
    let ctor_words = &args.words[2..];
    let constructor: Option<Constructor> = match (args.flag("sig"), &artifact.abi) {
        (Some(sig), _) => Some(
            Constructor::parse(&format!("constructor{}", sig.trim_start_matches("constructor")))
                .with_context(|| format!("--sig {sig:?} is not a constructor signature like \"(uint256,string)\""))?,
        ),
        (None, Some(abi)) => abi.constructor.clone(),
        (None, None) => None,
    };
    let mut init = artifact.code.to_vec();
    match constructor {
        Some(ctor) => {
            let values = abi::values(&ctor.inputs, ctor_words, &session.names).context("constructor arguments")?;
            init.extend(ctor.abi_encode_input(&values).context("encoding the constructor arguments")?);
        }
        None if !ctor_words.is_empty() => {
            bail!("raw bytecode takes constructor arguments only with --sig \"(type,…)\"")
        }
        None => {}
    }
    let from = sender(session, args)?;
    let value = parse_value(args.flag("value"))?;
    let envelope = envelope(session, args)?;
    let sent = session.send(from, None, init.into(), value, args.switch("force"), &envelope)?;
    let located = session.locate(sent.hash)?;
    let outcome = &located.block.outcomes[located.index];
    let created =
        located.tx().moves().iter().find(|m| m.mark == manaflow_types::Mark::Code && m.is_write()).map(|m| m.addr);
    let Some(address) = created.filter(|_| outcome.success) else {
        bail!("the deploy tx {} failed", sent.hash);
    };
    session.names.set(&name, address, Kind::Contract { abi: artifact.abi, source: artifact.source })?;
    writeln!(console.out(), "{} {} at {address}", paint(GOOD, "deployed"), paint(NAME, &name))?;
    print_sent(session, &sent, console)
}

/// The calldata of `function args…` on `to`.
fn encode(
    session: &Session,
    to: &Address,
    words: &[String],
) -> anyhow::Result<(Option<alloy_json_abi::Function>, Bytes)> {
    let Some(spec) = words.first() else { return Ok((None, Bytes::new())) };
    if let Some(raw) = spec.strip_prefix("0x") {
        return Ok((None, hex::decode(raw).context("calldata is not hex")?.into()));
    }
    let function = abi::function(spec, session.names.abi_of(to), words.len() - 1)?;
    let data = abi::calldata(&function, &words[1..], &session.names)?;
    Ok((Some(function), data))
}

/// `call <contract> <function> [args…]`: runs it on the latest state, sending nothing.
pub fn call(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&["from", "value"])?;
    let to = session.names.resolve(args.need(0, "the contract to call")?)?;
    if args.words.len() < 2 {
        bail!("missing the function, by name or signature (e.g. `call token balanceOf alice`)");
    }
    let (function, input) = encode(session, &to, &args.words[1..])?;
    let from = sender(session, args)?;
    let exec = session.simulate(from, Some(to), input, parse_value(args.flag("value"))?)?;
    let text = match (&exec.status, function) {
        (Status::Success, Some(f)) => abi::show_output(&f, &exec.output, &session.names),
        (Status::Success, None) => hex::encode_prefixed(&exec.output),
        (Status::Revert, _) => bail!("{}", abi::show_revert(&exec.output, &session.names)),
        (Status::Halt(reason), _) => bail!("halted: {reason}"),
    };
    writeln!(console.out(), "{text}")?;
    print_console_log(&exec.console, console)
}

/// `send <to> [function [args…]]`: a tx, mined at once in automine.
pub fn send(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&["from", "value", "force", "native", "masked"])?;
    let to = session.names.resolve(args.need(0, "who to send to (an account or a contract)")?)?;
    let (_, input) = encode(session, &to, &args.words[1..])?;
    let value: U256 = parse_value(args.flag("value"))?;
    let from = sender(session, args)?;
    let envelope = envelope(session, args)?;
    let sent = session.send(from, Some(to), input, value, args.switch("force"), &envelope)?;
    print_sent(session, &sent, console)
}
