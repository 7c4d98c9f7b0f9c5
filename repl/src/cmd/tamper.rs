//! `tamper`: copies a tx or a block with one field changed, re-seals the copy as a dishonest
//! block producer would (tx root, outcomes root and commitment recomputed, so only the model's
//! rules can catch it), and validates it both ways — the real chain is never touched.

use alloy_dyn_abi::{DynSolType, DynSolValue};
use alloy_primitives::B256;
use anyhow::{Context, bail};
use manaflow_ledger::{MemoryChain, builder::fill_references, positions, seal_with_references};
use manaflow_types::{Block, Move, Tx, TxLoc};

use crate::cmd::validate::{self, Direction};
use crate::console::Console;
use crate::render::{HEADING, fail, ok, paint, short_hash, word};
use crate::session::Session;
use crate::words::Args;

/// A value typed by the user as a 32-byte word: decimal, `1ether`, 0x hex (left-padded) or a
/// name (an address).
fn parse_word(session: &Session, text: &str) -> anyhow::Result<B256> {
    if let Some(hex) = text.strip_prefix("0x") {
        let bytes = alloy_primitives::hex::decode(if hex.len() % 2 == 1 { format!("0{hex}") } else { hex.to_string() })
            .with_context(|| format!("{text:?} is not hex"))?;
        if bytes.len() > 32 {
            bail!("{text:?} is longer than 32 bytes");
        }
        let mut word = [0u8; 32];
        word[32 - bytes.len()..].copy_from_slice(&bytes);
        return Ok(B256::from(word));
    }
    if let Ok(address) = session.names.resolve(text)
        && text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
    {
        return Ok(address.into_word());
    }
    match DynSolType::Uint(256).coerce_str(text) {
        Ok(DynSolValue::Uint(n, _)) => Ok(B256::from(n)),
        _ => bail!("{text:?} is not a value: give a number, 1ether, 0x hex or a name"),
    }
}

fn index(args: &Args, i: usize, what: &str) -> anyhow::Result<usize> {
    let text = args.need(i, what)?;
    text.parse().with_context(|| format!("{what}: {text:?} is not an index"))
}

/// The copy of the chain up to the tampered block, and a sentence saying what changed.
struct Tampered {
    blocks: Vec<Block>,
    change: String,
    reseal: bool,
    /// A reference planted after the producer filled the others: (tx, move, reference).
    planted: Option<(usize, usize, TxLoc)>,
}

/// Parses a reference typed as `<block>:<index>`.
fn parse_ref(text: &str) -> anyhow::Result<TxLoc> {
    let (block, index) =
        text.split_once(':').with_context(|| format!("{text:?} is not a reference: give <block>:<index>"))?;
    Ok(TxLoc::new(
        block.parse().with_context(|| format!("{block:?} is not a block number"))?,
        index.parse().with_context(|| format!("{index:?} is not a tx index"))?,
    ))
}

fn tamper_tx(session: &Session, args: &Args) -> anyhow::Result<Tampered> {
    let hash = session.tx_hash(Some(args.need(0, "the tx (a hash, or last)")?))?;
    let located = session.locate(hash)?;
    let n = located.block.header.number;
    let mut blocks = session.backend.blocks()?;
    blocks.truncate(n as usize + 1);
    let tx = &mut blocks[n as usize].txs[located.index];
    let field = args.need(1, "what to change: move <i> <intx|prev|next|value|ref> <value>, or drop-move <i>")?;
    let mut planted = None;
    let change = match field {
        "move" if args.word(3) == Some("ref") => {
            let i = index(args, 2, "the move's index (see `moves`)")?;
            if i >= tx.moves().len() {
                bail!("the tx has {} moves; no move {i}", tx.moves().len());
            }
            let reference = parse_ref(args.need(4, "the reference to plant, as <block>:<index>")?)?;
            planted = Some((located.index, i, reference));
            format!("tx {}'s move {i} referencing {reference}", short_hash(&hash))
        }
        "move" => {
            let i = index(args, 2, "the move's index (see `moves`)")?;
            let part = args.need(3, "the field: intx, prev, next, value (prev and next) or ref")?;
            let value = parse_word(session, args.need(4, "the new value")?)?;
            let moves = tx.moves_mut();
            let count = moves.len();
            let m: &mut Move = moves.get_mut(i).with_context(|| format!("the tx has {count} moves; no move {i}"))?;
            let old = match part {
                "intx" => std::mem::replace(&mut m.intx, value),
                "prev" => std::mem::replace(&mut m.prev, value),
                "next" => std::mem::replace(&mut m.next, value),
                // A read keeps prev = next: both change, so re-execution may still agree.
                "value" => {
                    m.next = value;
                    std::mem::replace(&mut m.prev, value)
                }
                other => bail!("{other:?} is not a move field: use intx, prev, next, value (prev and next) or ref"),
            };
            format!("tx {}'s move {i} {part} changed from {} to {}", short_hash(&hash), word(&old), word(&value))
        }
        "drop-move" => {
            let i = index(args, 2, "the move's index (see `moves`)")?;
            let moves = tx.moves_mut();
            if i >= moves.len() {
                bail!("the tx has {} moves; no move {i}", moves.len());
            }
            moves.remove(i);
            format!("tx {}'s move {i} dropped", short_hash(&hash))
        }
        other => {
            bail!("cannot change {other:?} of a tx: use move <i> <intx|prev|next|value|ref> <value>, or drop-move <i>")
        }
    };
    Ok(Tampered { blocks, change, reseal: true, planted })
}

fn tamper_block(session: &Session, args: &Args) -> anyhow::Result<Tampered> {
    let n = session.block_number(Some(args.need(1, "the block number")?))?;
    if n == 0 {
        bail!("the genesis block defines the chain; tamper with a later block");
    }
    let mut blocks = session.backend.blocks()?;
    blocks.truncate(n as usize + 1);
    let block = &mut blocks[n as usize];
    let count = block.txs.len();
    let field = args.need(2, "what to change: drop <i>, swap <i> <j>, replay <tx>, or commitment <value>")?;
    let check = |i: usize| if i < count { Ok(i) } else { Err(anyhow::anyhow!("block {n} has {count} txs; no tx {i}")) };
    let (change, reseal) = match field {
        "drop" => {
            let i = check(index(args, 3, "the tx's index in the block")?)?;
            block.txs.remove(i);
            block.outcomes.remove(i);
            (format!("block {n} without its tx {i}"), true)
        }
        "swap" => {
            let i = check(index(args, 3, "the first tx's index")?)?;
            let j = check(index(args, 4, "the second tx's index")?)?;
            block.txs.swap(i, j);
            block.outcomes.swap(i, j);
            (format!("block {n} with txs {i} and {j} swapped"), true)
        }
        "replay" => {
            let hash = session.tx_hash(Some(args.need(3, "the tx to replay")?))?;
            let located = session.locate(hash)?;
            block.txs.push(located.tx().clone());
            block.outcomes.push(located.block.outcomes[located.index].clone());
            (format!("block {n} with tx {} appended again", short_hash(&hash)), true)
        }
        "commitment" => {
            let value = parse_word(session, args.need(3, "the commitment to declare")?)?;
            let old = std::mem::replace(&mut block.header.commitment, value);
            (format!("block {n} declaring commitment {} instead of {}", short_hash(&value), short_hash(&old)), false)
        }
        other => {
            bail!("cannot change {other:?} of a block: use drop <i>, swap <i> <j>, replay <tx> or commitment <value>")
        }
    };
    Ok(Tampered { blocks, change, reseal, planted: None })
}

/// `tamper <tx> …` or `tamper block <n> …`.
pub fn tamper(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&["step", "proof"])?;
    let before = {
        let set = session.backend.set_summary();
        (set.height, set.commitment)
    };
    let Tampered { mut blocks, change, reseal, planted } =
        if args.word(0) == Some("block") { tamper_block(session, args)? } else { tamper_tx(session, args)? };
    let verifier = session.backend.verifier();
    let n = blocks.len() - 1;
    if reseal {
        // As a dishonest producer would: the header's roots and commitment recomputed for the
        // changed contents, so only the model's rules can tell.
        let (parent_chain, valid) = MemoryChain::validate(&blocks[..n], verifier.as_ref(), &mut ());
        valid.map_err(|v| anyhow::anyhow!("the chain before the block does not validate: {v}"))?;
        let block = blocks.pop().context("a block to seal")?;
        let parent = &blocks[n - 1].header;
        // References filled as the producer fills them, then the planted one (if any).
        let located = positions(&blocks);
        let ids: Vec<_> = block.txs.iter().map(Tx::id).collect();
        let mut refs = fill_references(n as u64, &block.txs, &ids, &|id| located.get(id).copied());
        if let Some((t, i, reference)) = planted {
            refs[t][i] = reference;
        }
        let lthash = &parent_chain.state.lthash;
        blocks.push(seal_with_references(Some(parent), &block.header, block.txs, block.outcomes, refs, lthash));
    }
    writeln!(console.out(), "{} a copy of {change}", paint(HEADING, "tampered:"))?;
    if reseal {
        writeln!(
            console.out(),
            "  re-sealed: tx root, outcomes root and commitment recomputed, as a dishonest producer would"
        )?;
    }
    let backend = &session.backend;
    let codes = |hash: &B256| backend.code(hash).map(|c| c.len());
    let stepping = args.switch("step");
    let mut accepted = 0;
    for direction in [Direction::Forward, Direction::Reverse] {
        let progress = validate::progress_bar(blocks.len() as u64);
        let show = validate::Show { focus: Some(n as u64), detail: false };
        let run = validate::Run {
            verifier: verifier.as_ref(),
            names: &session.names,
            codes: &codes,
            progress: &progress,
            show,
        };
        let (lines, verdict) = match direction {
            Direction::Forward => validate::forward(&blocks, &run),
            Direction::Reverse => validate::reverse(&blocks, &run),
        };
        progress.finish_and_clear();
        accepted += usize::from(verdict.is_none());
        if stepping {
            writeln!(console.out(), "validating the copy {}:", direction.name())?;
            validate::print(console, &lines, false, &verdict, direction)?;
        } else {
            validate::print_verdict(console, &verdict, direction)?;
        }
    }
    if accepted == 2 {
        writeln!(console.out(), "both validators accept the copy: this change breaks no rule")?;
    } else if args.switch("proof") {
        crate::cmd::proof::show_fraud_proof(&blocks, verifier.as_ref(), console)?;
    }
    let after = {
        let set = session.backend.set_summary();
        (set.height, set.commitment)
    };
    let untouched = if after == before { ok() } else { fail() };
    writeln!(
        console.out(),
        "{untouched} the real chain is untouched: height {}, commitment {}",
        after.0,
        short_hash(&after.1)
    )?;
    Ok(())
}
