//! `proof`: the inclusion proof of a tx or of an output, shown and checked as a light client
//! checks it (headers only); and what `tamper --proof` prints for a refused copy: its fraud
//! proof, checked the same way (DESIGN §9).

use anyhow::bail;
use manaflow_ledger::MemoryChain;
use manaflow_types::proof::{self, Evidence, FraudProof, TxProof, Verdict};
use manaflow_types::{Block, Header, StateKey, TxVerifier, moves_hash, refs_hash};

use crate::cmd::show::{parse_mark, parse_slot};
use crate::console::Console;
use crate::render::{DIM, HEADING, fail, ok, paint, short_hash};
use crate::session::Session;
use crate::words::Args;

fn headers(blocks: &[Block]) -> Vec<Header> {
    blocks.iter().map(|b| b.header.clone()).collect()
}

/// `proof tx <hash|last>` or `proof output <who> [balance|nonce|code|storage <slot>]`.
pub fn proof(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&[])?;
    match args.need(0, "what to prove: tx <hash|last>, or output <who> [balance|nonce|code|storage <slot>]")? {
        "tx" => {
            let hash = session.tx_hash(args.word(1))?;
            let located = session.locate(hash)?;
            let p = manaflow_ledger::tx_proof(&located.block, located.index).map_err(anyhow::Error::msg)?;
            show_tx_proof(session, &p, console)?;
            let held = headers(&session.backend.blocks()?);
            report(
                console,
                proof::verify_tx_proof(&held, &p)
                    .map(|()| format!("tx {} is in block {}", short_hash(&hash), p.at.block)),
            )
        }
        "output" => {
            let who = session.names.resolve(args.need(1, "whose state: a name or an address")?)?;
            let mark = parse_mark(args.word(2).unwrap_or("balance"))?;
            let slot = parse_slot(mark, args.word(3), "proof output <who> storage <slot>")?;
            let key = StateKey { addr: who, mark, slot };
            let output = session.backend.output(&key)?;
            let out = console.out();
            if !output.is_written() {
                writeln!(out, "{key}: no producer — never written, its value is the implicit zero")?;
                return Ok(());
            }
            let Some(at) = session.backend.locate(&output.intx) else {
                writeln!(out, "{key}: no producer in a block yet (written by a dev cheat the next block carries)")?;
                return Ok(());
            };
            let block = session.backend.block(at.block)?;
            let p = manaflow_ledger::tx_proof(&block, at.index as usize).map_err(anyhow::Error::msg)?;
            writeln!(
                out,
                "{} {key} = {} was written by tx {}",
                paint(HEADING, "output proof:"),
                output.value,
                short_hash(&output.intx)
            )?;
            writeln!(
                out,
                "  {}",
                paint(
                    DIM,
                    "it proves the write, not that the output is still live: a tx reading it is what checks that"
                )
            )?;
            show_tx_proof(session, &p, console)?;
            let held = headers(&session.backend.blocks()?);
            report(console, proof::verify_output(&held, &p, &key).map(|v| format!("{key} was written with {v}")))
        }
        other => bail!("cannot prove {other:?}: use `proof tx <hash|last>` or `proof output <who> …`"),
    }
}

fn show_tx_proof(session: &Session, p: &TxProof, console: &mut dyn Console) -> anyhow::Result<()> {
    let out = console.out();
    let id = p.tx.id();
    writeln!(
        out,
        "{} tx {} at block {} index {}",
        paint(HEADING, "inclusion proof:"),
        short_hash(&id),
        p.at.block,
        p.at.index
    )?;
    writeln!(out, "  leaf = keccak(id ‖ keccak(moves) ‖ keccak(references))")?;
    writeln!(out, "       id {id}\n       moves {} ({} moves)", moves_hash(p.tx.moves()), p.tx.moves().len())?;
    writeln!(out, "       references {}", refs_hash(&p.refs))?;
    for (i, (m, r)) in p.tx.moves().iter().zip(&p.refs).enumerate().filter(|(_, (m, _))| !m.intx.is_zero()) {
        let names = session.backend.block(r.block).ok().and_then(|b| b.txs.get(r.index as usize).map(|t| t.id()));
        let check = if names == Some(m.intx) { ok() } else { fail() };
        writeln!(out, "         move {i}: output of {} at {r} {check}", short_hash(&m.intx))?;
    }
    writeln!(
        out,
        "  branch: {} siblings up to the tx root; outcome branch: {} siblings up to the outcomes root",
        p.branch.len(),
        p.outcome_branch.len()
    )?;
    writeln!(
        out,
        "  outcome: {}, gas {}, {} logs (proven with it)",
        if p.outcome.success { "success" } else { "failed" },
        p.outcome.gas_used,
        p.outcome.logs.len()
    )?;
    writeln!(out, "  size: {} bytes", p.encode().len())?;
    Ok(())
}

fn report(console: &mut dyn Console, checked: Result<String, String>) -> anyhow::Result<()> {
    match checked {
        Ok(what) => writeln!(console.out(), "{} checked with headers alone, as a light client would: {what}", ok())?,
        Err(why) => writeln!(console.out(), "{} the proof does not check out: {why}", fail())?,
    }
    Ok(())
}

/// What a fraud proof carries, in words.
fn carries(proof: &FraudProof) -> String {
    let inc =
        |i: &manaflow_types::Inclusion| format!("tx {} at {} (moves, references, branch)", short_hash(&i.id), i.at);
    match &proof.evidence {
        Evidence::Tx { tx, codes } => format!(
            "the tx {} with its moves, references, branch and outcome, and {} bytes of code it runs",
            short_hash(&tx.tx.id()),
            codes.iter().map(|c| c.len()).sum::<usize>()
        ),
        Evidence::Duplicate { first, second } => {
            format!("two inclusions of one id: {} and {}", inc(first), inc(second))
        }
        Evidence::Unknown { consumer, mv, named: Some(named) } => {
            format!("the move's {}, move {mv}; and the tx its reference names: {}", inc(consumer), inc(named))
        }
        Evidence::Unknown { consumer, mv, named: None } => {
            format!("the move's {}, move {mv}, whose reference names no earlier tx", inc(consumer))
        }
        Evidence::Prev { consumer, mv, producer } => format!(
            "the move's {}, move {mv}; {}",
            inc(consumer),
            producer.as_ref().map_or("never-written state is zero".into(), |p| format!("and its producer {}", inc(p)))
        ),
        Evidence::Conflict { first, first_move, second, second_move } => {
            format!(
                "the earlier consumer {} move {first_move}, and the later {} move {second_move}",
                inc(first),
                inc(second)
            )
        }
        Evidence::Body { txs, .. } => {
            format!("the whole body ({} txs) and the parent's 2 KB multiset-hash state", txs.len())
        }
        Evidence::Header => "the header itself, against its parent".into(),
    }
}

/// Prints the fraud proof of `blocks`' last block (refused on top of the others) and checks it
/// with the headers before it alone.
pub fn show_fraud_proof(blocks: &[Block], verifier: &dyn TxVerifier, console: &mut dyn Console) -> anyhow::Result<()> {
    let n = blocks.len() - 1;
    let (mut chain, valid) = MemoryChain::validate(&blocks[..n], verifier, &mut ());
    valid.map_err(|v| anyhow::anyhow!("the chain before the copy does not validate: {v}"))?;
    let out = console.out();
    let proof = match chain.fraud_proof(&blocks[n], verifier) {
        Ok(proof) => proof,
        Err(why) => {
            writeln!(out, "{} {why}", paint(HEADING, "fraud proof:"))?;
            return Ok(());
        }
    };
    let bytes = proof.encode();
    writeln!(out, "{} {} at {}, {} bytes", paint(HEADING, "fraud proof:"), proof.rule, proof.position, bytes.len())?;
    writeln!(out, "  carries {}", carries(&proof))?;
    let held = headers(&blocks[..n]);
    match proof::verify(&held, &FraudProof::decode(&bytes)?, verifier) {
        Verdict::BlockInvalid(v) => writeln!(
            out,
            "{} checked with the {} headers before it and nothing else: block {} is invalid: {v}",
            ok(),
            held.len(),
            proof.header.number
        )?,
        Verdict::NotProven(why) => writeln!(out, "{} a light client would not accept it: {why}", fail())?,
    }
    Ok(())
}
