//! Sealing blocks: filling in a header's link, tx root and commitment for a list of txs.

use manaflow_types::{Block, Header, LtHash, Outcome, Tx, merkle_root, tx_leaf};
use rayon::prelude::*;

use crate::delta::block_delta;

/// Seals `txs` and their `outcomes` into a block on top of `parent` (none for genesis), starting from `template`'s
/// timestamp, fees, coinbase, gas limit, prevrandao, chain id and flags (number, parent hash,
/// chain id and flags follow the parent when there is one). `before` is the commitment state
/// after the parent.
pub fn seal_block(
    parent: Option<&Header>,
    template: &Header,
    txs: Vec<Tx>,
    outcomes: Vec<Outcome>,
    before: &LtHash,
) -> Block {
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
    let ids: Vec<_> = txs.par_iter().map(Tx::id).collect();
    let leaves: Vec<_> = txs.par_iter().zip(&ids).map(|(tx, id)| tx_leaf(id, tx.moves())).collect();
    header.tx_root = merkle_root(&leaves);
    header.outcomes_root = merkle_root(&outcomes.par_iter().map(Outcome::leaf).collect::<Vec<_>>());
    let mut block = Block { header, txs, outcomes };
    let mut after = before.clone();
    after.combine(&block_delta(&block, &ids));
    block.header.commitment = after.digest();
    block
}
