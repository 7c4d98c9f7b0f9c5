//! Past-block state (DESIGN §5's history by block): for each key, the heights of the blocks that
//! wrote it. The value of a key after block `h` is the `prev` of its first write above `h`, or
//! its live output if nothing wrote it since — so the index holds 8 bytes per write and the
//! values stay in the blocks.

use std::collections::HashMap;

use manaflow_ledger::{Corruption, Ledger, LedgerError};
use manaflow_types::{Block, Mark, MissingState, Output, StateKey, StateView};

/// Which blocks wrote each key.
#[derive(Debug, Default)]
pub struct StateHistory {
    writes: HashMap<StateKey, Vec<u64>>,
}

impl StateHistory {
    /// Records the writes of `block` (blocks are recorded in height order).
    pub fn record(&mut self, block: &Block) {
        let height = block.header.number;
        for m in block.txs.iter().flat_map(|tx| tx.moves()) {
            if m.mark == Mark::Context || !m.is_write() {
                continue;
            }
            let heights = self.writes.entry(m.key()).or_default();
            if heights.last() != Some(&height) {
                heights.push(height);
            }
        }
    }

    /// Forgets the blocks above `height` (after a rollback).
    pub fn truncate(&mut self, height: u64) {
        self.writes.retain(|_, heights| {
            heights.truncate(heights.partition_point(|&h| h <= height));
            !heights.is_empty()
        });
    }

    /// The output of `key` after block `height`.
    pub fn output_at(&self, ledger: &Ledger, key: &StateKey, height: u64) -> Result<Output, LedgerError> {
        let later = self.writes.get(key).and_then(|heights| heights.get(heights.partition_point(|&h| h <= height)));
        let Some(&block) = later else {
            return ledger.output(key);
        };
        let block = ledger.block(block)?;
        let first = block.txs.iter().flat_map(|tx| tx.moves()).find(|m| m.is_write() && m.key() == *key);
        match first {
            Some(m) => Ok(Output { intx: m.intx, value: m.prev }),
            None => Err(Corruption::History { block: block.header.number, key: *key }.into()),
        }
    }
}

/// The state after a past block, as a runtime reads it.
pub struct HistoricView<'a> {
    /// The chain.
    pub ledger: &'a Ledger,
    /// The history index.
    pub history: &'a StateHistory,
    /// The block whose post-state this is.
    pub height: u64,
}

impl StateView for HistoricView<'_> {
    fn output(&self, key: &StateKey) -> Result<Output, MissingState> {
        self.history.output_at(self.ledger, key, self.height).map_err(|e| MissingState::Failed(e.to_string()))
    }
    fn code(&self, hash: &alloy_primitives::B256) -> Result<alloy_primitives::Bytes, MissingState> {
        self.ledger.code(hash).ok_or(MissingState::Code(*hash))
    }
}
