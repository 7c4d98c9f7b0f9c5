//! Making proofs (DESIGN §9) from a chain: inclusion proofs of txs and outputs, and the fraud
//! proof of a block the validator refused, built from the violation the validator reported so
//! that a header-only verifier re-derives the same rule at the same position.

use std::collections::BTreeSet;

use manaflow_types::proof::{Evidence, FraudProof, Inclusion, TxProof};
use manaflow_types::{
    B256, Block, Bytes, CodeSource, Header, LtHash, Mark, Rule, Site, StateKey, Tx, TxId, TxLoc, Violation,
    merkle_branch, outcomes_root,
};

use crate::history::History;
use crate::pertx::BlockCodes;
use crate::utxo::Placed;

/// How far a search for the earlier consumer of an output walks back through the writes of
/// its key before giving up.
pub const MAX_WALK_BACK: usize = 100_000;

/// What the proof maker reads from the chain below a block: the chain's history (positions,
/// code), its blocks and headers, and its UTXO set at the tip.
pub trait ProofSource: History {
    /// Header `number`, if committed.
    fn header_of(&self, number: u64) -> Option<Header>;
    /// Block `number`.
    fn block_of(&self, number: u64) -> Result<Block, String>;
    /// The UTXO-set commitment state at the tip (the parent of the block being proven).
    fn tip_state(&self) -> LtHash;
    /// The live output of `key` at the tip, with where its tx sits.
    fn live_output(&self, key: &StateKey) -> Result<Placed, String>;
}

/// The inclusion of tx `index` of `block`: its id, moves, references and branch.
pub fn inclusion(block: &Block, index: usize) -> Result<Inclusion, String> {
    inclusion_among(block, &block.tx_leaves(), index)
}

/// [`inclusion`] with the block's leaves already computed.
fn inclusion_among(block: &Block, leaves: &[B256], index: usize) -> Result<Inclusion, String> {
    let tx = block.txs.get(index).ok_or_else(|| format!("block {} has no tx {index}", block.header.number))?;
    Ok(Inclusion {
        at: TxLoc::new(block.header.number, index as u32),
        id: tx.id(),
        moves: tx.moves().to_vec(),
        refs: block.refs_of(index).to_vec(),
        branch: merkle_branch(leaves, index).unwrap_or_default(),
    })
}

/// The proof of tx `index` of `block` with its outcome (a tx, receipt or output proof).
pub fn tx_proof(block: &Block, index: usize) -> Result<TxProof, String> {
    let tx = block.txs.get(index).ok_or_else(|| format!("block {} has no tx {index}", block.header.number))?;
    let outcome = block.outcomes.get(index).ok_or_else(|| format!("tx {index} has no outcome"))?;
    let outcome_leaves: Vec<B256> = block.outcomes.iter().map(|o| o.leaf()).collect();
    Ok(TxProof {
        at: TxLoc::new(block.header.number, index as u32),
        tx: tx.clone(),
        refs: block.refs_of(index).to_vec(),
        branch: merkle_branch(&block.tx_leaves(), index).unwrap_or_default(),
        outcome: outcome.clone(),
        outcome_branch: merkle_branch(&outcome_leaves, index).unwrap_or_default(),
    })
}

/// The output proof of `key`: the proof of the tx that created its live output, or `None` when
/// the key was never written (no producer).
pub fn output_proof(source: &dyn ProofSource, key: &StateKey) -> Result<Option<TxProof>, String> {
    let live = source.live_output(key)?;
    if !live.out.is_written() {
        return Ok(None);
    }
    tx_proof(&source.block_of(live.at.block)?, live.at.index as usize).map(Some)
}

/// The fraud proof of `block`, which the validator refused with `violation` on top of
/// `source`'s tip.
pub fn fraud_proof(source: &dyn ProofSource, block: &Block, violation: &Violation) -> Result<FraudProof, String> {
    let number = block.header.number;
    if let Site::Tx { tx, .. } = violation.position.site
        && tx as usize >= block.txs.len()
    {
        return Err(format!("{} names tx {tx}, but block {number} has {} txs", violation.position, block.txs.len()));
    }
    let leaves = block.tx_leaves();
    let at = |t: u32| inclusion_among(block, &leaves, t as usize);
    // Evidence in this block or an earlier one.
    let at_loc = |loc: TxLoc| -> Result<Inclusion, String> {
        if loc.block == number { at(loc.index) } else { inclusion(&source.block_of(loc.block)?, loc.index as usize) }
    };
    let header_count = |n: u64| -> Option<u64> {
        if n == number { Some(block.header.tx_count) } else { source.header_of(n).map(|h| h.tx_count) }
    };
    let evidence = match (violation.rule, violation.position.site) {
        (Rule::BadCommitment, _) => body(source, block),
        (Rule::BadHeader, _) => {
            if !roots_bind(block) {
                return Err("the block's body does not hash to its header's roots: it is not that header's body, \
                            and no proof about the header follows from it (a question of data availability)"
                    .into());
            }
            if counts_match(block) { Evidence::Header } else { body(source, block) }
        }
        (Rule::DuplicateTx, Site::Tx { tx: t, .. }) => {
            let id = block.txs.get(t as usize).ok_or("no such tx")?.id();
            let first = match block.txs[..t as usize].iter().position(|tx| tx.id() == id) {
                Some(j) => at(j as u32)?,
                None => at_loc(source.locate(&id).ok_or("the duplicated id is nowhere in the chain")?)?,
            };
            Evidence::Duplicate { first, second: at(t)? }
        }
        (Rule::UnknownOutput, Site::Tx { tx: t, mv: Some(mv) }) => {
            let consumer = at(t)?;
            let r = consumer.refs.get(mv as usize).copied().unwrap_or_default();
            let names =
                (r.block, r.index) < (number, t) && header_count(r.block).is_some_and(|c| u64::from(r.index) < c);
            let named = if names { Some(at_loc(r)?) } else { None };
            Evidence::Unknown { consumer, mv, named }
        }
        (Rule::PrevMismatch, Site::Tx { tx: t, mv: Some(mv) }) => {
            let consumer = at(t)?;
            let m = consumer.moves.get(mv as usize).copied().ok_or("no such move")?;
            let producer = if m.intx.is_zero() {
                None
            } else {
                Some(at_loc(consumer.refs.get(mv as usize).copied().unwrap_or_default())?)
            };
            Evidence::Prev { consumer, mv, producer }
        }
        (Rule::DoubleUse | Rule::ReadAfterConsume, Site::Tx { tx: t, mv: Some(mv) }) => {
            let second = at(t)?;
            let m = second.moves.get(mv as usize).copied().ok_or("no such move")?;
            let (first_at, first_move) = earlier_consumer(source, block, t, m.key(), m.intx)?;
            Evidence::Conflict { first: at_loc(first_at)?, first_move, second, second_move: mv }
        }
        (_, Site::Tx { tx: t, .. }) => {
            let codes = codes_named(source, block, t as usize);
            Evidence::Tx { tx: tx_proof(block, t as usize)?, codes }
        }
        (rule, site) => return Err(format!("no proof shape for {rule} at {site:?}")),
    };
    Ok(FraudProof { header: block.header.clone(), rule: violation.rule, position: violation.position, evidence })
}

fn body(source: &dyn ProofSource, block: &Block) -> Evidence {
    Evidence::Body {
        txs: block.txs.clone(),
        outcomes: block.outcomes.clone(),
        refs: block.refs.clone(),
        parent_state: Box::new(source.tip_state()),
    }
}

/// Whether the body hashes to the header's tx and outcomes roots (it is that header's body).
fn roots_bind(block: &Block) -> bool {
    let h = &block.header;
    manaflow_types::merkle_root(&block.tx_leaves()) == h.tx_root && outcomes_root(&block.outcomes) == h.outcomes_root
}

/// Whether the header's tx count and the outcomes' count match the txs.
fn counts_match(block: &Block) -> bool {
    block.header.tx_count == block.txs.len() as u64 && block.outcomes.len() == block.txs.len()
}

/// The first consumer of output `(intx, key)`: an earlier tx of the block, else found by
/// walking back from the key's live output through the writes that chain to it.
fn earlier_consumer(
    source: &dyn ProofSource,
    block: &Block,
    before_tx: u32,
    key: StateKey,
    intx: TxId,
) -> Result<(TxLoc, u32), String> {
    let consumes = |tx: &Tx| {
        tx.moves().iter().position(|w| w.mark != Mark::Context && w.key() == key && w.is_write() && w.intx == intx)
    };
    for (j, tx) in block.txs[..before_tx as usize].iter().enumerate() {
        if let Some(i) = consumes(tx) {
            return Ok((TxLoc::new(block.header.number, j as u32), i as u32));
        }
    }
    let mut cur = source.live_output(&key)?;
    for _ in 0..MAX_WALK_BACK {
        if !cur.out.is_written() {
            break;
        }
        let producer_block = source.block_of(cur.at.block)?;
        let tx = producer_block.txs.get(cur.at.index as usize).ok_or("a live output names no tx")?;
        let i = tx
            .moves()
            .iter()
            .position(|w| w.mark != Mark::Context && w.key() == key && w.is_write())
            .ok_or("a live output's tx does not write its key")?;
        let w = tx.moves()[i];
        if w.intx == intx {
            return Ok((cur.at, i as u32));
        }
        let r = producer_block.refs_of(cur.at.index as usize).get(i).copied().unwrap_or_default();
        cur = Placed::new(w.intx, w.prev, r);
    }
    Err(format!("no earlier consumer of ({intx}, {key}) found"))
}

/// The code the `c` moves of tx `t` name (DESIGN §9: "the code its `c` values name"), but
/// what its own outcome deploys (the verifier has that). Named by the moves rather than recorded
/// from a run: a runtime may serve code from a cache of its own, and the proof must carry
/// everything a verifier in another process needs.
fn codes_named(source: &dyn ProofSource, block: &Block, t: usize) -> Vec<Bytes> {
    let codes = BlockCodes::new(block, source);
    let own: BTreeSet<B256> =
        block.outcomes.get(t).map(|o| o.codes.iter().map(manaflow_types::keccak256).collect()).unwrap_or_default();
    let named: BTreeSet<B256> = block.txs[t]
        .moves()
        .iter()
        .filter(|m| m.mark == Mark::Code)
        .flat_map(|m| [m.prev, m.next])
        .filter(|h| !h.is_zero() && !own.contains(h))
        .collect();
    named.iter().filter_map(|h| codes.code(h)).collect()
}
