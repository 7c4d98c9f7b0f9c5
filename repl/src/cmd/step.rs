//! `step`: re-executes a tx the way the validator does (against nothing but its declared moves)
//! and shows each state access (and each log) as it happens, ending with the move set the
//! accesses add up to.

use std::collections::HashSet;

use alloy_primitives::B256;
use manaflow_types::StateKey;
use manaflow_types::trace::{Access, Touch};

use crate::abi::show_log;
use crate::cmd::show::move_table;
use crate::console::{Console, Stepper};
use crate::describe::{SlotNames, trim_ether};
use crate::render::{BAD, DIM, GOOD, HEADING, NAME, WRITE, paint};
use crate::session::Session;
use crate::words::Args;

/// The access in words.
fn describe_access(session: &Session, slots: &SlotNames, access: &Access) -> String {
    let names = &session.names;
    let slot_name = |slot: &B256| {
        slots.get(&access.contract, slot).map_or_else(|| format!("slot {}", crate::render::word(slot)), str::to_string)
    };
    match &access.touch {
        Touch::StorageRead { slot, value } => {
            format!("reads {} = {}", paint(NAME, slot_name(slot)), crate::render::word(value))
        }
        Touch::StorageWrite { slot, value } => {
            paint(WRITE, format!("writes {} := {}", slot_name(slot), crate::render::word(value)))
        }
        Touch::Balance { account, value } => {
            format!("reads {}.balance = {} ETH", paint(NAME, names.show(account)), trim_ether(*value))
        }
        Touch::Code { account, value } => format!("inspects {}.code → {value}", paint(NAME, names.show(account))),
        Touch::Context { value } => format!("reads the block context → {value}"),
        Touch::Call { target, code, value } => {
            let via = if code != target { format!(" running {}'s code", names.show(code)) } else { String::new() };
            format!("calls {}{via} with {} ETH", paint(NAME, names.show(target)), trim_ether(*value))
        }
        Touch::Create { created: Some(address), value } => {
            format!(
                "created {} with {} ETH (its constructor returned)",
                paint(NAME, names.show(address)),
                trim_ether(*value)
            )
        }
        Touch::Create { created: None, .. } => paint(BAD, "create failed"),
        Touch::Log(log) => {
            format!("emits {}{}", show_log(log, names), paint(DIM, "  (a log: the receipt's, not a move)"))
        }
    }
}

/// `step [hash|last] [--step]`.
pub fn step(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&["step"])?;
    let hash = session.tx_hash(args.word(0))?;
    let located = session.locate(hash)?;
    session.remember(hash);
    let tx = located.tx();
    let moves = tx.moves();
    let header = &located.block.header;
    writeln!(
        console.out(),
        "{} tx {hash} (block {}, index {}): re-executed against its own declared moves, as the validator does",
        paint(HEADING, "step"),
        header.number,
        located.index
    )?;
    let mut accesses: Vec<Access> = Vec::new();
    let traced = session.backend.trace(tx, located.index as u32, header, &mut |access| accesses.push(access));
    let slots = SlotNames::for_moves(&session.names, moves);
    let mut seen: HashSet<StateKey> = HashSet::new();
    if let Some(sender) = accesses.iter().find(|a| a.opcode == "TX").map(|a| a.contract) {
        let own: Vec<String> =
            moves.iter().enumerate().filter(|(_, m)| m.addr == sender).map(|(i, _)| format!("#{i}")).collect();
        writeln!(
            console.out(),
            "  before any code runs, the tx checks {}'s nonce and balance and charges the fee: moves {}",
            paint(NAME, session.names.show(&sender)),
            own.join(" ")
        )?;
        for key in [StateKey::nonce(sender), StateKey::balance(sender), StateKey::code(sender)] {
            seen.insert(key);
        }
    }
    let mut stepper = Stepper::new(args.switch("step"));
    for access in &accesses {
        let first = access.key(moves).filter(|k| seen.insert(*k)).and_then(|k| moves.iter().position(|m| m.key() == k));
        let note = first.map_or_else(String::new, |i| paint(DIM, format!("  (first touch: move #{i})")));
        // A WASM frame shows its host calls by number and name, with the instruction each ran.
        let (pc, op) = match access.host {
            Some(host) => (format!("#{}", access.pc), format!("{host} ({})", access.opcode)),
            None => (access.pc.to_string(), access.opcode.to_string()),
        };
        writeln!(
            console.out(),
            "  {}{:<13} {:>5} {:<12} {}{note}",
            "  ".repeat(access.depth.min(8)),
            session.names.show(&access.contract),
            pc,
            op,
            describe_access(session, &slots, access)
        )?;
        if !stepper.next(console) {
            break;
        }
    }
    let execution = match traced {
        Ok(Some(execution)) => execution,
        Ok(None) => {
            writeln!(console.out(), "a system tx executes nothing: its moves are the change")?;
            writeln!(console.out(), "{}", move_table(session, moves))?;
            return Ok(());
        }
        Err(violation) => {
            writeln!(console.out(), "{} re-execution refuses it: {violation}", paint(BAD, "✘"))?;
            return Ok(());
        }
    };
    crate::cmd::show::print_console_log(&execution.console, console)?;
    let same = execution.moves == moves;
    writeln!(
        console.out(),
        "{} ({} moves, in canonical order)",
        paint(HEADING, "the move set"),
        execution.moves.len()
    )?;
    writeln!(console.out(), "{}", move_table(session, &execution.moves))?;
    if same {
        writeln!(
            console.out(),
            "{} re-execution reproduces the {} declared moves exactly",
            paint(GOOD, "✔"),
            moves.len()
        )?;
    } else {
        writeln!(console.out(), "{} re-execution differs from the declared moves", paint(BAD, "✘"))?;
    }
    Ok(())
}
