//! What a block changes in the UTXO set, derived from its moves alone (DESIGN §4): each write
//! consumes `(intx, key) = prev` (or, when `intx` is zero, adds the key's first-use marker) and
//! creates `(tx, key) = next`. Both validators use this for the commitment.

use manaflow_types::{Block, LtHash, Move, TxId};
use rayon::prelude::*;

use crate::utxo::in_utxo_set;

pub use manaflow_types::commitment::add_write;

/// The commitment delta of a block, `H(created) − H(consumed) + H(markers added)`, computed in
/// parallel over its write moves.
pub fn block_delta(block: &Block, ids: &[TxId]) -> LtHash {
    // Flatten to (tx, move) pairs in chunks so that blocks of a few large txs parallelise too.
    let pairs: Vec<(TxId, &Move)> = block
        .txs
        .iter()
        .zip(ids)
        .flat_map(|(tx, id)| tx.moves().iter().filter(|m| in_utxo_set(m) && m.is_write()).map(move |m| (*id, m)))
        .collect();
    pairs
        .par_chunks(1024)
        .fold(LtHash::new, |mut acc, chunk| {
            for (id, m) in chunk {
                add_write(&mut acc, *id, m);
            }
            acc
        })
        .reduce(LtHash::new, |mut a, b| {
            a.combine(&b);
            a
        })
}
