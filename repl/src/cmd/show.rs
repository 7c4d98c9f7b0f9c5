//! `tx`, `moves`, `block`, `utxo`, `mine`: reading the chain and the UTXO set, with every move
//! in a table that says what its key is and what its values mean.

use alloy_dyn_abi::JsonAbiExt;
use alloy_primitives::{Address, B256, Bytes, U256, hex};
use anyhow::{Context, bail};
use comfy_table::Table;
use manaflow_types::{Call, Mark, Move, StateKey};

use crate::abi;
use crate::backend::{Mining, Sent};
use crate::console::Console;
use crate::describe::{self, SlotNames, trim_ether};
use crate::render::{BAD, DIM, GOOD, HEADING, NAME, paint, short_hash, table};
use crate::session::{Located, Session};
use crate::words::Args;

/// The move table of `moves`: mark, key (decoded), the output it references, prev → next
/// (decoded), read or write, first use. A `mask` column appears for native txs that carry masks
/// (the extension point for masked moves).
pub fn move_table(session: &Session, moves: &[Move]) -> Table {
    let slots = SlotNames::for_moves(&session.names, moves);
    let masked = moves.iter().any(|m| m.mask.0 != 0);
    let mut header = vec!["#", "mark", "key", "intx", "prev → next", "kind", "first use"];
    if masked {
        header.push("mask");
    }
    let mut t = table(&header);
    let code_len = |hash: &B256| session.backend.code(hash).map(|c| c.len());
    for (i, m) in moves.iter().enumerate() {
        let intx = if m.intx == B256::ZERO { "never written".to_string() } else { short_hash(&m.intx) };
        let (values, kind) = if m.mark == Mark::Context {
            (format!("= {}", describe::value(m, &m.next, &code_len)), "context".to_string())
        } else if m.is_write() {
            let change =
                format!("{} → {}", describe::value(m, &m.prev, &code_len), describe::value(m, &m.next, &code_len));
            (change, "write".to_string())
        } else {
            (format!("= {}", describe::value(m, &m.prev, &code_len)), "read".to_string())
        };
        let mut row = vec![
            i.to_string(),
            m.mark.letter().to_string(),
            describe::key(&session.names, &slots, m),
            intx,
            values,
            kind,
            if m.is_first_use() { "yes".into() } else { String::new() },
        ];
        if masked {
            row.push(format!("{:#04x}", m.mask.0));
        }
        t.add_row(row);
    }
    t
}

/// The move table with every field as it is encoded: addr, slot, intx, prev and next in full hex.
pub fn raw_move_table(moves: &[Move]) -> Table {
    let mut t = table(&["#", "mark", "addr", "slot", "intx", "prev", "next", "mask", "kind", "first use"]);
    for (i, m) in moves.iter().enumerate() {
        t.add_row(vec![
            i.to_string(),
            m.mark.letter().to_string(),
            format!("{:#x}", m.addr),
            format!("{:#x}", m.slot),
            format!("{:#x}", m.intx),
            format!("{:#x}", m.prev),
            format!("{:#x}", m.next),
            format!("{:#04x}", m.mask.0),
            if m.is_write() { "write" } else { "read" }.to_string(),
            if m.is_first_use() { "yes".into() } else { String::new() },
        ]);
    }
    t
}

/// `function(args…)` when the callee's ABI knows the selector, else the raw calldata.
fn describe_input(session: &Session, call: &Call) -> String {
    let Some(to) = call.to else { return format!("create ({} bytes of init code)", call.input.len()) };
    if call.input.is_empty() {
        return "plain transfer".into();
    }
    if let Some(abi) = session.names.abi_of(&to)
        && let Some(f) = abi.functions().find(|f| call.input.len() >= 4 && f.selector()[..] == call.input[..4])
        && let Ok(values) = f.abi_decode_input(&call.input[4..])
    {
        let args: Vec<String> = values.iter().map(|v| abi::show(v, &session.names)).collect();
        return format!("{}({})", f.name, args.join(", "));
    }
    format!("calldata {}", hex::encode_prefixed(&call.input))
}

/// One line for a tx just sent.
pub fn print_sent(session: &Session, sent: &Sent, console: &mut dyn Console) -> anyhow::Result<()> {
    let Some(block) = sent.block else {
        writeln!(console.out(), "tx {} pooled (mining is not automatic: `mine` mines it)", sent.hash)?;
        return Ok(());
    };
    let located = session.locate(sent.hash)?;
    let outcome = &located.block.outcomes[located.index];
    let moves = located.tx().moves();
    let writes = moves.iter().filter(|m| m.is_write()).count();
    let status = if outcome.success { paint(GOOD, "success") } else { paint(BAD, "failed") };
    writeln!(
        console.out(),
        "tx {} mined in block {block}: {status}, gas {}, {} moves ({writes} writes, {} reads)",
        sent.hash,
        outcome.gas_used,
        moves.len(),
        moves.len() - writes
    )?;
    for log in &outcome.logs {
        writeln!(console.out(), "  {}", abi::show_log(log, &session.names))?;
    }
    print_console_log(&sent.console, console)
}

/// The `console.log` lines of an execution's console calls, one per line.
pub fn print_console_log(calls: &[Bytes], console: &mut dyn Console) -> anyhow::Result<()> {
    for line in manaflow_types::console::lines(calls) {
        writeln!(console.out(), "  {} {line}", paint(DIM, "console.log"))?;
    }
    Ok(())
}

fn print_tx(
    session: &Session,
    located: &Located,
    console: &mut dyn Console,
    with_call: bool,
    raw: bool,
) -> anyhow::Result<()> {
    let tx = located.tx();
    let header = &located.block.header;
    let outcome = &located.block.outcomes[located.index];
    writeln!(
        console.out(),
        "{} {} ({}) in block {}, index {}",
        paint(HEADING, "tx"),
        located.hash,
        tx.kind_name(),
        header.number,
        located.index
    )?;
    if with_call {
        if let Some(call) = session.backend.call_of(tx) {
            let to = call.to.map_or_else(|| "new contract".to_string(), |to| session.names.show(&to));
            writeln!(
                console.out(),
                "  {} → {}: {} · value {} ETH · nonce {}",
                paint(NAME, session.names.show(&call.caller)),
                paint(NAME, to),
                describe_input(session, &call),
                trim_ether(call.value),
                call.nonce
            )?;
            let price = call.effective_gas_price(header.base_fee);
            let fee = U256::from(price) * U256::from(outcome.gas_used);
            writeln!(
                console.out(),
                "  receipt: {} · gas {} · price {} wei · fee {} ETH",
                if outcome.success { paint(GOOD, "success") } else { paint(BAD, "failed") },
                outcome.gas_used,
                price,
                trim_ether(fee)
            )?;
        } else {
            writeln!(
                console.out(),
                "  a system tx (genesis or a cheat): it executes nothing, its moves are the change"
            )?;
        }
        for log in &outcome.logs {
            writeln!(console.out(), "  log {}", abi::show_log(log, &session.names))?;
        }
    }
    let moves = tx.moves();
    let writes = moves.iter().filter(|m| m.is_write()).count();
    writeln!(
        console.out(),
        "{} ({} moves: {writes} writes, {} reads)",
        paint(HEADING, "moves"),
        moves.len(),
        moves.len() - writes
    )?;
    if raw {
        writeln!(console.out(), "{}", raw_move_table(moves))?;
    } else {
        writeln!(console.out(), "{}", move_table(session, moves))?;
    }
    Ok(())
}

/// `tx [hash|last] [--raw]`: the call, the receipt and the move table.
pub fn tx(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&["raw"])?;
    let hash = session.tx_hash(args.word(0))?;
    let located = session.locate(hash)?;
    session.remember(hash);
    print_tx(session, &located, console, true, args.switch("raw"))
}

/// `moves [hash|last] [--raw]`: the move table alone.
pub fn moves(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&["raw"])?;
    let hash = session.tx_hash(args.word(0))?;
    let located = session.locate(hash)?;
    session.remember(hash);
    print_tx(session, &located, console, false, args.switch("raw"))
}

/// `block [n|latest]`: the header and its txs.
pub fn block(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&[])?;
    let number = session.block_number(args.word(0))?;
    let block = session.backend.block(number)?;
    let h = &block.header;
    let gas: u64 = block.outcomes.iter().map(|o| o.gas_used).sum();
    let mut out = String::new();
    use std::fmt::Write as _;
    writeln!(out, "{} {number} {}", paint(HEADING, "block"), block.hash())?;
    writeln!(out, "  parent     {}", h.parent_hash)?;
    writeln!(out, "  timestamp  {} · base fee {} wei · gas {gas} of {}", h.timestamp, h.base_fee, h.gas_limit)?;
    writeln!(out, "  tx root    {}", h.tx_root)?;
    writeln!(out, "  outcomes   {}", h.outcomes_root)?;
    writeln!(out, "  commitment {} (the UTXO set after this block)", h.commitment)?;
    let mut t = table(&["#", "tx", "kind", "call", "status", "moves"]);
    for (i, (tx, outcome)) in block.txs.iter().zip(&block.outcomes).enumerate() {
        let call = session.backend.call_of(tx).map_or_else(
            || "system".to_string(),
            |c| {
                let to = c.to.map_or_else(|| "create".into(), |to| session.names.show(&to));
                format!("{} → {to}: {}", session.names.show(&c.caller), describe_input(session, &c))
            },
        );
        let status = if outcome.success { "success" } else { "failed" };
        t.add_row(vec![
            i.to_string(),
            short_hash(&tx.id()),
            tx.kind_name().into(),
            call,
            status.into(),
            tx.moves().len().to_string(),
        ]);
    }
    writeln!(console.out(), "{out}{t}")?;
    for tx in &block.txs {
        session.remember(tx.id());
    }
    Ok(())
}

/// The slot a storage key needs (zero for other marks); `usage` says how to give it.
pub(crate) fn parse_slot(mark: Mark, word: Option<&str>, usage: &str) -> anyhow::Result<B256> {
    match (mark, word) {
        (Mark::Storage, Some(slot)) => {
            Ok(B256::from(slot.parse::<U256>().with_context(|| format!("{slot:?} is not a slot number"))?))
        }
        (Mark::Storage, None) => bail!("a storage output needs its slot: `{usage}`"),
        _ => Ok(B256::ZERO),
    }
}

pub(crate) fn parse_mark(word: &str) -> anyhow::Result<Mark> {
    Ok(match word {
        "b" | "balance" => Mark::Balance,
        "n" | "nonce" => Mark::Nonce,
        "c" | "code" => Mark::Code,
        "s" | "storage" => Mark::Storage,
        other => bail!("{other:?} is not a mark: use balance, nonce, code or storage (b, n, c, s)"),
    })
}

/// `utxo [who [mark [slot]]]`: the set's size and commitment, an account's outputs, or one.
pub fn utxo(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&[])?;
    let Some(who) = args.word(0) else {
        let set = session.backend.set_summary();
        writeln!(
            console.out(),
            "UTXO set after block {}: {} outputs live, {} first-use markers · commitment {}",
            set.height,
            set.outputs,
            set.outputs,
            set.commitment
        )?;
        return Ok(());
    };
    let address: Address = session.names.resolve(who)?;
    let outputs: Vec<(StateKey, manaflow_types::Output)> = match args.word(1) {
        Some(mark) => {
            let mark = parse_mark(mark)?;
            let slot = parse_slot(mark, args.word(2), &format!("utxo {who} storage <slot>"))?;
            let key = StateKey { addr: address, mark, slot };
            vec![(key, session.backend.output(&key)?)]
        }
        None => session.backend.outputs_of(address)?,
    };
    let moves: Vec<Move> = outputs.iter().map(|(k, o)| Move::read(*k, o.intx, o.value)).collect();
    let slots = SlotNames::for_moves(&session.names, &moves);
    let code_len = |hash: &B256| session.backend.code(hash).map(|c| c.len());
    let mut t = table(&["key", "created by tx", "value"]);
    for m in &moves {
        let intx = if m.intx == B256::ZERO { "never written".to_string() } else { format!("{:#x}", m.intx) };
        t.add_row(vec![describe::key(&session.names, &slots, m), intx, describe::value(m, &m.prev, &code_len)]);
    }
    writeln!(
        console.out(),
        "{} of {} ({} outputs)\n{t}",
        paint(HEADING, "outputs"),
        session.names.show(&address),
        moves.len()
    )?;
    Ok(())
}

/// `mine [n]`: mines blocks now (with the pooled txs), then tells the fate of each tx sent here
/// and still pooled: mined, refused at sequencing (and why), or still waiting.
pub fn mine(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&[])?;
    let count: u64 = args.word(0).map_or(Ok(1), str::parse).context("`mine` takes a number of blocks")?;
    for _ in 0..count {
        let mined = session.backend.mine()?;
        for id in &mined.ids {
            session.remember(*id);
        }
        writeln!(console.out(), "mined block {} ({} txs)", mined.number, mined.ids.len())?;
    }
    let pending = std::mem::take(&mut session.pending);
    for hash in pending {
        let mined = session.backend.locate(&hash).map(|loc| loc.block);
        match (mined, session.backend.refusal(&hash)) {
            (Some(block), _) => {
                writeln!(console.out(), "  {} tx {} in block {block}", paint(GOOD, "✔"), short_hash(&hash))?
            }
            (None, Some(why)) => {
                writeln!(console.out(), "  {} tx {} refused at sequencing: {why}", paint(BAD, "✘"), short_hash(&hash))?
            }
            (None, None) => {
                writeln!(console.out(), "  tx {} still pooled", short_hash(&hash))?;
                session.pending.push(hash);
            }
        }
    }
    Ok(())
}

/// `automine [on|off]`: mine each tx as it arrives, or only on `mine`.
pub fn automine(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&[])?;
    match args.word(0) {
        Some("on") => session.backend.set_automine(true),
        Some("off") => session.backend.set_automine(false),
        Some(other) => bail!("automine takes on or off, not {other:?}"),
        None => {}
    }
    let state = match session.backend.mining() {
        Mining::Auto => "on: each tx is mined as it arrives".to_string(),
        Mining::Manual => "off: txs wait in the pool until `mine`".to_string(),
        Mining::Interval(every) => format!("off: a block every {:?}", every),
    };
    writeln!(console.out(), "automine {state}")?;
    Ok(())
}
