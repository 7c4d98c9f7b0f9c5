//! The committed chain as validation sees it: headers and hashes in memory, blocks and the tx
//! index in LMDB, and the code table. It answers the [`History`] questions forward validation
//! asks.

use foldhash::fast::RandomState;
use hashbrown::HashMap;
use manaflow_types::{B256, Block, Bytes, ChainContext, CodeSource, Header, StateKey, TxId};

use crate::error::{Corruption, LedgerError};
use crate::history::{History, TxLoc};
use crate::store::{BlockStore, StateStore};

/// The committed chain: headers in memory, blocks and the tx index in LMDB.
pub(crate) struct Chain {
    pub(crate) blocks: std::sync::Arc<BlockStore>,
    pub(crate) store: StateStore,
    pub(crate) headers: Vec<Header>,
    pub(crate) hashes: Vec<B256>,
    /// Positions of txs committed since the ledger was opened (older ones are in `store`).
    pub(crate) txs: HashMap<TxId, TxLoc, RandomState>,
    /// The first storage error met by a `History` answer during the current validation.
    pub(crate) read_error: std::sync::Mutex<Option<LedgerError>>,
    /// Every code deployed, by hash (loaded at open: small next to the set).
    pub(crate) codes: HashMap<B256, Bytes, RandomState>,
}

impl CodeSource for Chain {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.codes.get(hash).cloned()
    }
}

impl ChainContext for Chain {
    fn block_hash(&self, number: u64) -> Option<B256> {
        self.hashes.get(number as usize).copied()
    }
    fn dev_mode(&self) -> bool {
        self.headers.first().is_some_and(Header::dev_mode)
    }
}

impl Chain {
    /// Keeps the first storage error met while answering `History` questions, which cannot
    /// return one; `apply` turns it into its result instead of a verdict built on a wrong answer.
    pub(crate) fn note_error(&self, e: LedgerError) {
        let mut slot = self.read_error.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(e);
    }

    pub(crate) fn take_error(&self) -> Option<LedgerError> {
        self.read_error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl History for Chain {
    fn locate(&self, id: &TxId) -> Option<TxLoc> {
        if let Some(loc) = self.txs.get(id) {
            return Some(*loc);
        }
        self.store.tx_location(id).unwrap_or_else(|e| {
            self.note_error(e);
            None
        })
    }
    fn wrote(&self, id: &TxId, key: &StateKey) -> bool {
        let Some(loc) = self.locate(id) else { return false };
        let block = self
            .blocks
            .block_bytes(loc.block)
            .and_then(|b| b.ok_or(LedgerError::Corrupt(Corruption::MissingBlock { id: *id, block: loc.block })))
            .and_then(|bytes| Block::decode(&bytes).map_err(LedgerError::from));
        match block {
            Ok(block) => block
                .txs
                .get(loc.index as usize)
                .is_some_and(|tx| tx.moves().iter().any(|m| m.key() == *key && m.is_write())),
            Err(e) => {
                self.note_error(e);
                false
            }
        }
    }
}
