//! The node's side of its secondary index: opening it, recording each committed block, and
//! bringing it level with the ledger at open or after a failure.

use alloy_primitives::{Address, B256};
use manaflow_ledger::Durability;
use manaflow_types::{Block, Tx, TxId};

use super::Node;
use crate::error::{IndexError, NodeError, SetupError};
use crate::index::{BlockEntries, ChainIndex};

/// Opens the index in `path`; one LMDB cannot open (a damaged file) is removed and made anew,
/// since it is rebuilt from the blocks.
pub(super) fn open_index(path: &std::path::Path, durability: Durability) -> Result<ChainIndex, NodeError> {
    match ChainIndex::open(path, durability) {
        Ok(index) => Ok(index),
        Err(e) => {
            tracing::warn!("the secondary index in {} does not open ({e}); making it anew", path.display());
            std::fs::remove_dir_all(path).map_err(|source| SetupError::Index { path: path.to_path_buf(), source })?;
            Ok(ChainIndex::open(path, durability)?)
        }
    }
}

impl Node {
    /// Records `block` (with hash `hash`) in the index; `senders` are those the coordinator
    /// recovered, the rest are recovered here.
    pub(super) fn index_block(&self, block: &Block, hash: B256, senders: &[(TxId, Address)]) -> Result<(), IndexError> {
        let header = &block.header;
        let sender = |tx: &Tx| match tx {
            Tx::Ethereum(eth) => senders.iter().find(|(id, _)| *id == tx.id()).map(|(_, s)| *s).or_else(|| {
                manaflow_evm::decode_on_chain(&eth.raw, header.chain_id, header.dev_mode()).ok().map(|s| s.sender)
            }),
            Tx::Native(native) => native.recover_sender().ok(),
            Tx::System(_) => None,
        };
        let ledger = &self.ledger;
        let designator = |hash: &B256| {
            ledger.code(hash).is_some_and(|code| code.len() == 23 && code.starts_with(&[0xef, 0x01, 0x00]))
        };
        self.index.record(block, &BlockEntries::of(block, hash, sender, designator))
    }

    /// Brings the index level with the ledger: blocks it lacks are recorded from the block
    /// store, blocks it holds beyond the ledger's tip (cut as a torn tail) are undone, and an
    /// index that is unreadable or names another chain's tip is rebuilt.
    pub(super) fn sync_index(&self) -> Result<(), NodeError> {
        match self.catch_up_index() {
            Err(NodeError::Index(e)) => {
                tracing::warn!("rebuilding the secondary index in {} ({e})", self.index.path().display());
                self.index.clear()?;
                self.catch_up_index()
            }
            other => other,
        }
    }

    fn catch_up_index(&self) -> Result<(), NodeError> {
        let len = self.ledger.len();
        let mut recorded = self.index.blocks_recorded()?;
        if recorded > len {
            self.index.rollback_to(len.saturating_sub(1))?;
            recorded = self.index.blocks_recorded()?;
        }
        if recorded < len {
            tracing::info!(from = recorded, to = len - 1, "indexing blocks");
        }
        for number in recorded..len {
            let block = self.ledger.block(number)?;
            self.index_block(&block, block.hash(), &[])?;
        }
        let tip = self.tip();
        if self.index.number_of(&tip.hash())? != Some(tip.number) {
            let what = format!("it does not hold the tip, block {}", tip.number);
            return Err(IndexError::Corrupt { path: self.index.path().to_path_buf(), what }.into());
        }
        Ok(())
    }
}
