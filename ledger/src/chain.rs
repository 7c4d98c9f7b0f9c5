//! The committed chain as validation sees it: the newest headers in memory, every header, block
//! and the tx index in LMDB, and the code table. It answers the [`History`] questions forward
//! validation asks.

use std::collections::VecDeque;

use foldhash::fast::RandomState;
use hashbrown::HashMap;
use manaflow_types::{B256, Block, Bytes, ChainContext, CodeSource, Header, StateKey, TxId};

use crate::error::{Corruption, LedgerError, Result};
use crate::history::{History, TxLoc};
use crate::store::{BlockStore, StateStore};

/// How many of the newest headers stay in memory: `BLOCKHASH` reaches 256 back, and a node's
/// reads cluster at the tip. Older ones are read from the block store.
const RECENT_HEADERS: usize = 256;

/// The chain's headers: how many, genesis, and the newest [`RECENT_HEADERS`] with their hashes
/// in memory; the rest in the block store, so memory does not grow with the chain.
pub(crate) struct Headers {
    len: u64,
    genesis: Option<Header>,
    /// Headers `len - recent.len() .. len`, with their hashes.
    recent: VecDeque<(Header, B256)>,
}

impl Headers {
    /// Loads the count, genesis and the newest headers from `blocks`.
    pub(crate) fn load(blocks: &BlockStore) -> Result<Self> {
        let len = blocks.header_count()?;
        let first = len.saturating_sub(RECENT_HEADERS as u64);
        let recent = blocks
            .header_rlps_from(first)?
            .iter()
            .map(|rlp| {
                decode_header(rlp).map(|h| {
                    let hash = h.hash();
                    (h, hash)
                })
            })
            .collect::<Result<VecDeque<_>>>()?;
        if recent.len() as u64 != len - first {
            return Err(Corruption::HeaderGap(first + recent.len() as u64).into());
        }
        let genesis = match recent.front() {
            Some((h, _)) if first == 0 => Some(h.clone()),
            _ => blocks.header_rlp(0)?.map(|rlp| decode_header(&rlp)).transpose()?,
        };
        Ok(Self { len, genesis, recent })
    }

    /// Number of committed blocks.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The tip's header.
    pub(crate) fn last(&self) -> Option<&Header> {
        self.recent.back().map(|(h, _)| h)
    }

    /// The genesis header.
    pub(crate) fn genesis(&self) -> Option<&Header> {
        self.genesis.as_ref()
    }

    /// Header `number` if it is among the newest held in memory.
    fn recent(&self, number: u64) -> Option<&(Header, B256)> {
        let first = self.len - self.recent.len() as u64;
        number.checked_sub(first).and_then(|i| self.recent.get(i as usize))
    }

    /// Header `number`, from memory or the block store.
    pub(crate) fn get(&self, number: u64, blocks: &BlockStore) -> Result<Option<Header>> {
        if number >= self.len {
            return Ok(None);
        }
        if let Some((h, _)) = self.recent(number) {
            return Ok(Some(h.clone()));
        }
        blocks.header_rlp(number)?.map(|rlp| decode_header(&rlp)).transpose()
    }

    /// The hash of block `number`, from memory or the block store.
    pub(crate) fn hash(&self, number: u64, blocks: &BlockStore) -> Result<Option<B256>> {
        if let Some((_, hash)) = self.recent(number) {
            return Ok(Some(*hash));
        }
        Ok(self.get(number, blocks)?.map(|h| h.hash()))
    }

    /// Appends the header of a block just committed.
    pub(crate) fn push(&mut self, header: Header, hash: B256) {
        if self.len == 0 {
            self.genesis = Some(header.clone());
        }
        if self.recent.len() == RECENT_HEADERS {
            self.recent.pop_front();
        }
        self.recent.push_back((header, hash));
        self.len += 1;
    }

    /// Keeps the first `len` headers (a rollback), reloading the newest of them from `blocks`
    /// (which must still hold them).
    pub(crate) fn truncate(&mut self, len: u64, blocks: &BlockStore) -> Result<()> {
        if len >= self.len {
            return Ok(());
        }
        let first = len.saturating_sub(RECENT_HEADERS as u64);
        let mut recent = VecDeque::with_capacity(RECENT_HEADERS);
        for number in first..len {
            let header = match self.recent(number) {
                Some(held) => held.clone(),
                None => {
                    let rlp = blocks.header_rlp(number)?.ok_or(Corruption::HeaderGap(number))?;
                    let header = decode_header(&rlp)?;
                    let hash = header.hash();
                    (header, hash)
                }
            };
            recent.push_back(header);
        }
        self.recent = recent;
        self.len = len;
        if len == 0 {
            self.genesis = None;
        }
        Ok(())
    }
}

fn decode_header(rlp: &[u8]) -> Result<Header> {
    Ok(manaflow_types::block::decode_header(rlp)?)
}

/// The committed chain: the newest headers in memory, blocks and the tx index in LMDB.
pub(crate) struct Chain {
    pub(crate) blocks: std::sync::Arc<BlockStore>,
    pub(crate) store: StateStore,
    pub(crate) headers: Headers,
    /// Positions of txs committed since the last checkpoint flush (older ones are in `store`).
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
        self.headers.hash(number, &self.blocks).unwrap_or_else(|e| {
            self.note_error(e);
            None
        })
    }
    fn dev_mode(&self) -> bool {
        self.headers.genesis().is_some_and(Header::dev_mode)
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
