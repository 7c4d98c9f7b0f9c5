//! A reader of committed blocks that borrows nothing from the ledger, for long reads beside
//! commits.

use std::sync::Arc;

use manaflow_types::Block;

use crate::error::{LedgerError, Result};
use crate::store::BlockStore;

/// The blocks committed when it was taken (see [`crate::Ledger::reader`]): a consistent snapshot of
/// them, since committed blocks never change; a rollback after it was taken makes its reads fail
/// with [`LedgerError::RolledBack`] rather than answer a replaced block.
#[derive(Clone)]
pub struct BlockReader {
    blocks: Arc<BlockStore>,
    len: u64,
    generation: u64,
}

impl BlockReader {
    /// The first `len` blocks of `blocks`.
    pub(crate) fn new(blocks: Arc<BlockStore>, len: u64) -> Self {
        let generation = blocks.generation();
        Self { blocks, len, generation }
    }

    /// Number of blocks it reads (the chain's length when it was taken).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it reads no block.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Block `number`.
    pub fn block(&self, number: u64) -> Result<Block> {
        if number >= self.len {
            return Err(LedgerError::BlockNotFound(number));
        }
        let bytes = self.blocks.block_bytes(number);
        if self.blocks.generation() != self.generation {
            return Err(LedgerError::RolledBack);
        }
        let bytes = bytes?.ok_or(LedgerError::BlockNotFound(number))?;
        Ok(Block::decode(&bytes)?)
    }
}
