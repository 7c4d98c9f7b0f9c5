//! Past-block state (DESIGN §5's history by block): the index ([`crate::index`]) lists, for each
//! key, the heights of the blocks that wrote it. The value of a key after block `h` is the `prev`
//! of its first write above `h`, or its live output if nothing wrote it since — so the index
//! holds one entry per write and the values stay in the blocks.

use manaflow_ledger::{Corruption, Ledger, LedgerError};
use manaflow_types::{MissingState, Output, StateKey, StateView};

use crate::error::NodeError;
use crate::index::ChainIndex;

/// The output of `key` after block `height`.
pub fn output_at(index: &ChainIndex, ledger: &Ledger, key: &StateKey, height: u64) -> Result<Output, NodeError> {
    let Some(block) = index.first_write_above(key, height)? else {
        return Ok(ledger.output(key)?);
    };
    let block = ledger.block(block)?;
    let first = block.txs.iter().flat_map(|tx| tx.moves()).find(|m| m.is_write() && m.key() == *key);
    match first {
        Some(m) => Ok(Output { intx: m.intx, value: m.prev }),
        None => Err(LedgerError::from(Corruption::History { block: block.header.number, key: *key }).into()),
    }
}

/// The state after a past block, as a runtime reads it.
pub struct HistoricView<'a> {
    /// The chain.
    pub ledger: &'a Ledger,
    /// The history index.
    pub index: &'a ChainIndex,
    /// The block whose post-state this is.
    pub height: u64,
}

impl StateView for HistoricView<'_> {
    fn output(&self, key: &StateKey) -> Result<Output, MissingState> {
        output_at(self.index, self.ledger, key, self.height).map_err(|e| MissingState::Failed(e.to_string()))
    }
    fn code(&self, hash: &alloy_primitives::B256) -> Result<alloy_primitives::Bytes, MissingState> {
        self.ledger.code(hash).ok_or(MissingState::Code(*hash))
    }
}
