//! `accounts`, `balance`, `alias`: who is on the chain and what they hold.

use alloy_dyn_abi::DynSolValue;
use anyhow::Context;

use crate::abi;
use crate::console::Console;
use crate::describe::trim_ether;
use crate::names::Kind;
use crate::render::{HEADING, NAME, paint, table};
use crate::session::Session;
use crate::words::Args;

/// `accounts`: the dev accounts with their names, balances and nonces.
pub fn accounts(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&[])?;
    let backend = &session.backend;
    let mut t = table(&["name", "address", "balance (ETH)", "nonce"]);
    for named in session.names.all().iter().filter(|n| matches!(n.kind, Kind::Account(_))) {
        t.add_row(vec![
            named.name.clone(),
            named.address.to_string(),
            trim_ether(backend.balance(named.address)?),
            backend.nonce(named.address)?.to_string(),
        ]);
    }
    writeln!(console.out(), "{t}")?;
    Ok(())
}

/// `balance <who> [token]`: ether, or an ERC20 balance through `balanceOf`.
pub fn balance(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&[])?;
    let who = session.names.resolve(args.need(0, "whose balance (a name or address)")?)?;
    let out = match args.word(1) {
        None => format!("{} ETH", trim_ether(session.backend.balance(who)?)),
        Some(token_word) => {
            let token = session.names.resolve(token_word)?;
            let f = abi::function("balanceOf(address)(uint256)", None, 1)?;
            let input = abi::calldata(&f, &[who.to_string()], &session.names)?;
            let exec = session.simulate(who, Some(token), input, Default::default())?;
            if exec.status != manaflow_types::Status::Success {
                anyhow::bail!("{token_word}.balanceOf failed: {}", abi::show_revert(&exec.output, &session.names));
            }
            format!("{} {token_word}", abi::show_output(&f, &exec.output, &session.names))
        }
    };
    writeln!(console.out(), "{} {out}", paint(NAME, session.names.show(&who)))?;
    Ok(())
}

/// `alias [name address]`: names an address, or lists every name.
pub fn alias(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&[])?;
    if let Some(name) = args.word(0) {
        let address = session.names.resolve(args.need(1, "the address to name")?)?;
        let kind = session.names.get(args.need(1, "")?).map_or(Kind::Alias, |n| n.kind.clone());
        let kind = if matches!(kind, Kind::Account(_)) { Kind::Alias } else { kind };
        session.names.set(name, address, kind)?;
        writeln!(console.out(), "{} = {address}", paint(NAME, name))?;
        return Ok(());
    }
    let mut t = table(&["name", "address", "what"]);
    for named in session.names.all() {
        let what = match &named.kind {
            Kind::Account(i) => format!("dev account {i}"),
            Kind::Contract { source, .. } => format!("contract from {source}"),
            Kind::Alias => "alias".into(),
        };
        t.add_row(vec![named.name.clone(), named.address.to_string(), what]);
    }
    writeln!(console.out(), "{}\n{t}", paint(HEADING, "names"))?;
    Ok(())
}

/// A value for `--value`: `1ether`, `5gwei`, or wei.
pub fn parse_value(text: Option<&str>) -> anyhow::Result<alloy_primitives::U256> {
    let Some(text) = text else { return Ok(Default::default()) };
    match alloy_dyn_abi::DynSolType::Uint(256).coerce_str(text) {
        Ok(DynSolValue::Uint(n, _)) => Ok(n),
        _ => None.with_context(|| format!("--value {text:?}: give wei, or a number with a unit (1ether, 5gwei)")),
    }
}
