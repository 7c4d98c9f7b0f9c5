//! Sealing blocks: filling in a header's link, references, roots, tx count and commitment for a
//! list of txs.

use foldhash::fast::RandomState;
use hashbrown::HashMap;
use manaflow_types::block::tx_leaf_of_hashes;
use manaflow_types::{
    B256, Block, Header, LtHash, Outcome, Tx, TxId, TxLoc, merkle_root, names_a_tx, refs_hash, tx_leaf,
};
use rayon::prelude::*;

use crate::delta::block_delta;

/// Seals `txs` and their `outcomes` into a block on top of `parent` (none for genesis), starting from `template`'s
/// timestamp, fees, coinbase, gas limit, prevrandao, chain id and flags (number, parent hash,
/// chain id and flags follow the parent when there is one). `before` is the commitment state
/// after the parent. `locate` says where a committed tx sits: the producer fills each move's
/// reference (DESIGN §9) from it, or from the block itself for a tx earlier in the block. A move
/// naming a tx that is nowhere gets a zero reference (and the block will not validate).
pub fn seal_block(
    parent: Option<&Header>,
    template: &Header,
    txs: Vec<Tx>,
    outcomes: Vec<Outcome>,
    before: &LtHash,
    locate: &(dyn Fn(&TxId) -> Option<TxLoc> + Sync),
) -> Block {
    let number = parent.map_or(0, |p| p.number + 1);
    let ids: Vec<_> = txs.par_iter().map(Tx::id).collect();
    let refs = fill_references(number, &txs, &ids, locate);
    seal_with_references(parent, template, txs, outcomes, refs, before)
}

/// [`seal_block`] with the references given rather than filled (a test, or the REPL's
/// `tamper`, that plants a wrong one).
pub fn seal_with_references(
    parent: Option<&Header>,
    template: &Header,
    txs: Vec<Tx>,
    outcomes: Vec<Outcome>,
    refs: Vec<Vec<TxLoc>>,
    before: &LtHash,
) -> Block {
    seal_with_known(parent, template, txs, outcomes, refs, before, None)
}

/// What a validator that checks txs as they arrive computed for each of them then, from the
/// same txs and outcomes: sealing and validating its block use these rather than hashing the
/// same bytes again.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// Each tx's id, in block order.
    pub ids: Vec<TxId>,
    /// Each tx's [`manaflow_types::moves_hash`].
    pub moves_hashes: Vec<B256>,
    /// Each outcome's leaf ([`Outcome::leaf`]).
    pub outcome_leaves: Vec<B256>,
    /// The txs' commitment delta, summed.
    pub delta: LtHash,
}

impl Known {
    /// Whether it describes `count` txs (anything else is not used).
    pub fn fits(&self, count: usize) -> bool {
        self.ids.len() == count && self.moves_hashes.len() == count && self.outcome_leaves.len() == count
    }
}

/// [`seal_with_references`], with what the caller computed per tx already ([`Known`]) or, if
/// `None` (or not of these txs), everything computed from the txs.
pub fn seal_with_known(
    parent: Option<&Header>,
    template: &Header,
    txs: Vec<Tx>,
    outcomes: Vec<Outcome>,
    refs: Vec<Vec<TxLoc>>,
    before: &LtHash,
    known: Option<&Known>,
) -> Block {
    let known = known.filter(|k| k.fits(txs.len()));
    let mut header = template.clone();
    match parent {
        Some(p) => {
            header.number = p.number + 1;
            header.parent_hash = p.hash();
            header.chain_id = p.chain_id;
            header.flags = p.flags;
        }
        None => {
            header.number = 0;
            header.parent_hash = Default::default();
        }
    }
    let ids: Vec<_> = match known {
        Some(known) => known.ids.clone(),
        None => txs.par_iter().map(Tx::id).collect(),
    };
    let empty = Vec::new();
    let leaves: Vec<_> = txs
        .par_iter()
        .zip(&ids)
        .enumerate()
        .map(|(i, (tx, id))| {
            let refs = refs.get(i).unwrap_or(&empty);
            match known {
                Some(known) => tx_leaf_of_hashes(id, &known.moves_hashes[i], &refs_hash(refs)),
                None => tx_leaf(id, tx.moves(), refs),
            }
        })
        .collect();
    header.tx_root = merkle_root(&leaves);
    header.outcomes_root = match known {
        Some(known) => merkle_root(&known.outcome_leaves),
        None => merkle_root(&outcomes.par_iter().map(Outcome::leaf).collect::<Vec<_>>()),
    };
    header.tx_count = txs.len() as u64;
    let mut block = Block { header, txs, outcomes, refs };
    let mut after = before.clone();
    match known {
        Some(known) => after.combine(&known.delta),
        None => after.combine(&block_delta(&block, &ids)),
    }
    block.header.commitment = after.digest();
    block
}

/// Each tx's references: the position of the tx each move names, the first earlier occurrence in
/// this block (block `number`) before the committed chain; zero for moves naming no tx.
pub fn fill_references(
    number: u64,
    txs: &[Tx],
    ids: &[TxId],
    locate: &(dyn Fn(&TxId) -> Option<TxLoc> + Sync),
) -> Vec<Vec<TxLoc>> {
    let mut in_block: HashMap<TxId, u32, RandomState> =
        HashMap::with_capacity_and_hasher(ids.len(), RandomState::default());
    for (i, id) in ids.iter().enumerate() {
        in_block.entry(*id).or_insert(i as u32);
    }
    txs.par_iter()
        .enumerate()
        .map(|(t, tx)| {
            tx.moves()
                .iter()
                .map(|m| {
                    if !names_a_tx(m) {
                        return TxLoc::ZERO;
                    }
                    match in_block.get(&m.intx) {
                        Some(&i) if (i as usize) < t => TxLoc::new(number, i),
                        _ => locate(&m.intx).filter(|loc| loc.block < number).unwrap_or_default(),
                    }
                })
                .collect()
        })
        .collect()
}

/// Where each tx of `blocks` (genesis first) sits, its first occurrence if it repeats: a
/// locator for [`seal_block`] over a chain held in memory.
pub fn positions(blocks: &[Block]) -> std::collections::HashMap<TxId, TxLoc> {
    let mut out = std::collections::HashMap::new();
    for block in blocks {
        for (i, tx) in block.txs.iter().enumerate() {
            out.entry(tx.id()).or_insert(TxLoc::new(block.header.number, i as u32));
        }
    }
    out
}
