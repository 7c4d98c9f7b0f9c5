//! The ledger: the validator's UTXO set over LMDB, with the block store as the durable truth.
//!
//! `apply` validates a block (see [`crate::forward`]), appends its bytes to the block store in
//! one synced transaction — the moment it counts as committed — and only then makes it part of
//! the in-memory state. Changed outputs are flushed to the checkpoint in sorted batches by a
//! background thread (Bitcoin Core's UTXO cache flush); after a crash, `open` loads the
//! checkpoint and replays the blocks after it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use foldhash::fast::RandomState;
use hashbrown::HashMap;
use manaflow_types::{B256, Block, ChainContext, Header, LtHash, SetElement, StateKey, Tx, TxId};
use rayon::prelude::*;

use crate::builder::seal_block;
use crate::delta::block_delta;
use crate::error::{LedgerError, Result};
use crate::forward::{ForwardObserver, ForwardState, StageTimings};
use crate::history::{History, TxLoc};
use crate::store::{BlockStore, Checkpoint, Durability, StateStore};
use crate::utxo::{Output, UtxoSet, in_utxo_set};
use crate::verifier::TxVerifier;

/// How a ledger stores and caches.
#[derive(Clone, Debug)]
pub struct LedgerConfig {
    /// Whether block commits are synced to disk.
    pub durability: Durability,
    /// Start a background checkpoint flush once this many outputs changed since the last one.
    pub flush_threshold: usize,
    /// Keep at most about this many keys in memory; beyond it clean entries are dropped after a
    /// flush and later blocks prefetch what they touch.
    pub cache_keys_max: usize,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        Self { durability: Durability::Durable, flush_threshold: 4_000_000, cache_keys_max: 64_000_000 }
    }
}

/// The committed chain: headers in memory, blocks and the tx index in LMDB.
struct Chain {
    blocks: BlockStore,
    store: StateStore,
    headers: Vec<Header>,
    hashes: Vec<B256>,
    /// Positions of txs committed since the ledger was opened (older ones are in `store`).
    txs: HashMap<TxId, TxLoc, RandomState>,
}

impl ChainContext for Chain {
    fn block_hash(&self, number: u64) -> Option<B256> {
        self.hashes.get(number as usize).copied()
    }
    fn dev_mode(&self) -> bool {
        self.headers.first().is_some_and(Header::dev_mode)
    }
}

impl History for Chain {
    fn locate(&self, id: &TxId) -> Option<TxLoc> {
        self.txs.get(id).copied().or_else(|| self.store.tx_location(id).ok().flatten())
    }
    fn wrote(&self, id: &TxId, key: &StateKey) -> bool {
        let Some(loc) = self.locate(id) else { return false };
        let Ok(Some(bytes)) = self.blocks.block_bytes(loc.block) else { return false };
        let Ok(block) = Block::decode(&bytes) else { return false };
        block.txs.get(loc.index as usize).is_some_and(|tx| tx.moves().iter().any(|m| m.key() == *key && m.is_write()))
    }
}

/// What applying a block reports.
#[derive(Clone, Debug)]
pub struct Applied {
    /// The block's hash.
    pub hash: B256,
    /// The tx ids, in block order.
    pub ids: Vec<TxId>,
    /// Time spent in each part.
    pub timings: ApplyTimings,
}

/// Where the time of one `apply` went.
#[derive(Clone, Copy, Debug, Default)]
pub struct ApplyTimings {
    /// Loading keys not in memory from the checkpoint.
    pub prefetch: Duration,
    /// Validation (stateless checks, UTXO step, commitment).
    pub stage: StageTimings,
    /// Encoding, writing and syncing the block's bytes (overlapped with the commitment).
    pub block_write: Duration,
    /// Committing the block's index entry after validation (the part not overlapped).
    pub durable_write: Duration,
    /// The whole call.
    pub total: Duration,
}

/// The validator's ledger over a data directory.
pub struct Ledger {
    dir: PathBuf,
    config: LedgerConfig,
    chain: Chain,
    state: ForwardState,
    verifier: Arc<dyn TxVerifier + Send + Sync>,
    unflushed_txs: Vec<(TxId, TxLoc)>,
    flusher: Option<JoinHandle<Result<()>>>,
}

impl Ledger {
    /// Opens (or creates) the ledger in `dir`, loading the checkpoint and replaying the blocks
    /// committed after it.
    pub fn open(dir: &Path, config: LedgerConfig, verifier: Arc<dyn TxVerifier + Send + Sync>) -> Result<Self> {
        let blocks = BlockStore::open(dir, config.durability)?;
        let store = StateStore::open(dir, config.durability)?;
        let headers =
            blocks.header_rlps()?.iter().map(|rlp| alloy_rlp_decode_header(rlp)).collect::<Result<Vec<Header>>>()?;
        let hashes = headers.iter().map(Header::hash).collect();
        let chain = Chain { blocks, store, headers, hashes, txs: HashMap::default() };
        let mut ledger = Self {
            dir: dir.to_path_buf(),
            config,
            chain,
            state: ForwardState::new(),
            verifier,
            unflushed_txs: Vec::new(),
            flusher: None,
        };
        ledger.recover()?;
        Ok(ledger)
    }

    /// Loads the checkpoint and replays the blocks after it.
    fn recover(&mut self) -> Result<()> {
        let replay_from = match self.chain.store.checkpoint()? {
            None => 0,
            Some(Checkpoint { height, lthash, written_keys }) => {
                if height as usize >= self.chain.headers.len() {
                    return Err(LedgerError::Corrupt(format!(
                        "checkpoint at height {height} is above the block store's tip ({} blocks)",
                        self.chain.headers.len()
                    )));
                }
                let count = self.chain.store.output_count()?;
                let mut set =
                    if count as usize <= self.config.cache_keys_max { UtxoSet::new() } else { UtxoSet::partial() };
                if set.is_complete() {
                    set.reserve(count as usize);
                    self.chain.store.for_each_output(|key, out| set.insert_clean(key, out))?;
                }
                self.state = ForwardState { set, lthash, written_keys };
                height + 1
            }
        };
        let tip = self.chain.headers.len() as u64;
        if replay_from < tip {
            tracing::info!(from = replay_from, to = tip - 1, "replaying blocks after the UTXO checkpoint");
        }
        for number in replay_from..tip {
            let block = self.block(number)?;
            let ids: Vec<TxId> = block.txs.par_iter().map(Tx::id).collect();
            for (tx, id) in block.txs.iter().zip(&ids) {
                for m in tx.moves().iter().filter(|m| in_utxo_set(m) && m.is_write()) {
                    self.state.written_keys += m.is_first_use() as u64;
                    self.state.set.set(m.key(), Output { intx: *id, value: m.next });
                }
            }
            self.state.lthash.combine(&block_delta(&block, &ids));
            self.record_txs(number, &ids);
        }
        if let Some(tip) = self.chain.headers.last() {
            let digest = self.state.lthash.digest();
            if digest != tip.commitment {
                return Err(LedgerError::Corrupt(format!(
                    "UTXO set after recovery has commitment {digest}, the tip header says {}",
                    tip.commitment
                )));
            }
        }
        Ok(())
    }

    fn record_txs(&mut self, number: u64, ids: &[TxId]) {
        for (i, id) in ids.iter().enumerate() {
            let loc = TxLoc { block: number, index: i as u32 };
            if self.chain.txs.try_insert_or_keep(*id, loc) {
                self.unflushed_txs.push((*id, loc));
            }
        }
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The tip's header, if there is a genesis block.
    pub fn tip(&self) -> Option<&Header> {
        self.chain.headers.last()
    }

    /// Number of committed blocks.
    pub fn len(&self) -> u64 {
        self.chain.headers.len() as u64
    }

    /// Whether no block (not even genesis) is committed.
    pub fn is_empty(&self) -> bool {
        self.chain.headers.is_empty()
    }

    /// Header of block `number`.
    pub fn header(&self, number: u64) -> Option<&Header> {
        self.chain.headers.get(number as usize)
    }

    /// Block `number`, read from the block store.
    pub fn block(&self, number: u64) -> Result<Block> {
        let bytes =
            self.chain.blocks.block_bytes(number)?.ok_or_else(|| LedgerError::NotFound(format!("block {number}")))?;
        Ok(Block::decode(&bytes)?)
    }

    /// Every block, genesis first (for reverse validation and inspection).
    pub fn blocks(&self) -> Result<Vec<Block>> {
        (0..self.len()).map(|n| self.block(n)).collect()
    }

    /// Where tx `id` sits.
    pub fn locate(&self, id: &TxId) -> Option<TxLoc> {
        self.chain.locate(id)
    }

    /// The live output of `key`.
    pub fn output(&self, key: &StateKey) -> Result<Output> {
        match self.state.set.cached(key) {
            Some(out) => Ok(out),
            None => Ok(self.chain.store.load_outputs(std::slice::from_ref(key))?[0]),
        }
    }

    /// Number of members of the UTXO set (live outputs plus first-use markers).
    pub fn utxo_size(&self) -> u64 {
        self.state.size()
    }

    /// The commitment state of the set at the tip.
    pub fn lthash(&self) -> &LtHash {
        &self.state.lthash
    }

    /// The digest of the set at the tip.
    pub fn commitment(&self) -> B256 {
        self.state.lthash.digest()
    }

    /// Seals `txs` into the next block with `template`'s fields (see [`seal_block`]).
    pub fn seal(&self, template: &Header, txs: Vec<Tx>) -> Block {
        seal_block(self.tip(), template, txs, &self.state.lthash)
    }

    /// Validates `block` against the tip without committing it (a dry run that reports every
    /// step to `obs`).
    pub fn check<O: ForwardObserver>(&mut self, block: &Block, obs: &mut O) -> Result<()> {
        self.prefetch(block)?;
        let parent = self.chain.headers.last();
        let (staged, _) = self.state.stage(block, parent, &self.chain, &*self.verifier, obs)?;
        self.state.abort(staged);
        Ok(())
    }

    /// Validates `block` and commits it: all or nothing.
    pub fn apply(&mut self, block: &Block) -> Result<Applied> {
        self.apply_observed(block, &mut ())
    }

    /// [`Ledger::apply`], reporting each validation step to `obs`.
    pub fn apply_observed<O: ForwardObserver>(&mut self, block: &Block, obs: &mut O) -> Result<Applied> {
        let start = Instant::now();
        let mut timings = ApplyTimings::default();
        self.prefetch(block)?;
        timings.prefetch = start.elapsed();
        let parent = self.chain.headers.last();
        let number = block.header.number;
        let blocks = &self.chain.blocks;
        // The block's bytes are encoded and written (and synced) on another thread while the
        // commitment is hashed; they count only once the index commits below.
        let write = || {
            let start = Instant::now();
            let pending = blocks.write_pending(number, &block.encode());
            (pending, start.elapsed())
        };
        let (staged, stage_timings, written) =
            self.state.stage_with(block, parent, &self.chain, &*self.verifier, obs, write)?;
        timings.stage = stage_timings;
        let (pending, write_time) = written.expect("a block that passed every check was written");
        let commit_start = Instant::now();
        let committed = pending.and_then(|p| self.chain.blocks.commit(p, &alloy_rlp_encode_header(&block.header)));
        if let Err(e) = committed {
            self.state.abort(staged);
            return Err(e);
        }
        timings.block_write = write_time;
        timings.durable_write = commit_start.elapsed();
        let ids = staged.prepared.ids.clone();
        self.state.commit(staged);
        self.chain.headers.push(block.header.clone());
        self.chain.hashes.push(block.hash());
        self.record_txs(number, &ids);
        if self.state.set.dirty_len() >= self.config.flush_threshold {
            self.start_flush()?;
        }
        timings.total = start.elapsed();
        Ok(Applied { hash: block.hash(), ids, timings })
    }

    /// Loads from the checkpoint the keys `block` touches that are not in memory.
    fn prefetch(&mut self, block: &Block) -> Result<()> {
        if self.state.set.is_complete() {
            return Ok(());
        }
        let mut keys: Vec<StateKey> = block
            .txs
            .iter()
            .flat_map(|tx| tx.moves().iter().filter(|m| in_utxo_set(m)).map(|m| m.key()))
            .filter(|k| self.state.set.needs_load(k))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let store = &self.chain.store;
        let loaded: Vec<Vec<Output>> =
            keys.par_chunks(4096).map(|chunk| store.load_outputs(chunk)).collect::<Result<_>>()?;
        for (key, out) in keys.into_iter().zip(loaded.into_iter().flatten()) {
            self.state.set.insert_clean(key, out);
        }
        Ok(())
    }

    /// Starts writing the changed outputs and tx positions to the checkpoint in the background.
    fn start_flush(&mut self) -> Result<()> {
        self.join_flush()?;
        let outputs = self.state.set.take_dirty();
        let txs = std::mem::take(&mut self.unflushed_txs);
        let checkpoint = Checkpoint {
            height: self.len().saturating_sub(1),
            lthash: self.state.lthash.clone(),
            written_keys: self.state.written_keys,
        };
        if self.is_empty() {
            return Ok(());
        }
        let store = self.chain.store.clone();
        tracing::debug!(
            outputs = outputs.len(),
            txs = txs.len(),
            height = checkpoint.height,
            "checkpoint flush started"
        );
        self.flusher = Some(std::thread::spawn(move || store.write_checkpoint(&outputs, &txs, &[], &checkpoint)));
        Ok(())
    }

    /// Waits for a background flush; evicts clean entries if the cache is over budget.
    fn join_flush(&mut self) -> Result<()> {
        if let Some(handle) = self.flusher.take() {
            handle.join().map_err(|_| LedgerError::Refused("checkpoint flush thread panicked".into()))??;
            if self.state.set.cached_keys() > self.config.cache_keys_max {
                self.state.set.evict_clean();
            }
        }
        Ok(())
    }

    /// Writes the checkpoint now and waits for it.
    pub fn flush(&mut self) -> Result<()> {
        self.start_flush()?;
        self.join_flush()
    }

    /// Undoes blocks above `number` (each block is its own undo log): restores the outputs they
    /// consumed, drops the outputs and markers they created, and deletes them from the store.
    pub fn rollback_to(&mut self, number: u64) -> Result<()> {
        if number + 1 >= self.len() {
            return Ok(());
        }
        self.join_flush()?;
        let mut removed = Vec::new();
        for n in (number + 1..self.len()).rev() {
            let block = self.block(n)?;
            let ids: Vec<TxId> = block.txs.par_iter().map(Tx::id).collect();
            for (tx, id) in block.txs.iter().zip(&ids).rev() {
                for m in tx.moves().iter().rev().filter(|m| in_utxo_set(m) && m.is_write()) {
                    self.state.written_keys -= m.is_first_use() as u64;
                    self.state.set.restore(m.key(), Output { intx: m.intx, value: m.prev });
                }
                if self.chain.txs.get(id).is_some_and(|loc| loc.block == n) {
                    self.chain.txs.remove(id);
                }
                removed.push(*id);
            }
            self.state.lthash.subtract(&block_delta(&block, &ids));
        }
        self.chain.headers.truncate(number as usize + 1);
        self.chain.hashes.truncate(number as usize + 1);
        self.unflushed_txs.retain(|(_, loc)| loc.block <= number);
        // Checkpoint the rolled-back state before deleting blocks: a crash in between replays
        // the blocks and ends at the old tip, never in between.
        let outputs = self.state.set.take_dirty();
        let txs = std::mem::take(&mut self.unflushed_txs);
        let checkpoint =
            Checkpoint { height: number, lthash: self.state.lthash.clone(), written_keys: self.state.written_keys };
        self.chain.store.write_checkpoint(&outputs, &txs, &removed, &checkpoint)?;
        self.chain.blocks.truncate_above(number)?;
        Ok(())
    }

    /// Recomputes the commitment from every member of the set (not incrementally) and checks it
    /// against the running one and the tip header. Returns the digest.
    pub fn recompute_commitment(&mut self) -> Result<B256> {
        let mut hash = LtHash::new();
        if self.state.set.is_complete() {
            hash = self.state.set.lthash_from_scratch();
        } else {
            self.flush()?;
            self.chain.store.for_each_output(|key, out| {
                hash.insert(&SetElement::Marker { key });
                hash.insert(&SetElement::Output { intx: out.intx, key, value: out.value });
            })?;
        }
        let digest = hash.digest();
        if digest != self.commitment() {
            return Err(LedgerError::Corrupt(format!(
                "recomputed commitment {digest} differs from the running one {}",
                self.commitment()
            )));
        }
        if let Some(tip) = self.tip()
            && tip.commitment != digest
        {
            return Err(LedgerError::Corrupt(format!("tip header commits to {}, the set is {digest}", tip.commitment)));
        }
        Ok(digest)
    }

    /// Every written key's live output, in canonical order (loads the whole set).
    pub fn outputs(&mut self) -> Result<Vec<(StateKey, Output)>> {
        let mut out: Vec<(StateKey, Output)> = if self.state.set.is_complete() {
            self.state.set.iter_written().map(|(k, o)| (*k, *o)).collect()
        } else {
            self.flush()?;
            let mut v = Vec::new();
            self.chain.store.for_each_output(|k, o| v.push((k, o)))?;
            v
        };
        out.sort_unstable_by_key(|(k, _)| *k);
        Ok(out)
    }

    /// Bytes on disk of the block store and the state store.
    pub fn disk_size(&self) -> (u64, u64) {
        (self.chain.blocks.disk_size(), self.chain.store.disk_size())
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        let result = if self.config.durability == Durability::Durable { self.flush() } else { self.join_flush() };
        if let Err(e) = result {
            tracing::warn!("checkpoint flush on close failed (blocks will be replayed on open): {e}");
        }
    }
}

fn alloy_rlp_encode_header(header: &Header) -> Vec<u8> {
    manaflow_types::block::encode_header(header)
}

fn alloy_rlp_decode_header(bytes: &[u8]) -> Result<Header> {
    Ok(manaflow_types::block::decode_header(bytes)?)
}

trait InsertOrKeep<K, V> {
    fn try_insert_or_keep(&mut self, key: K, value: V) -> bool;
}

impl<K: std::hash::Hash + Eq, V> InsertOrKeep<K, V> for HashMap<K, V, RandomState> {
    /// Inserts unless present; returns whether it inserted.
    fn try_insert_or_keep(&mut self, key: K, value: V) -> bool {
        match self.entry(key) {
            hashbrown::hash_map::Entry::Occupied(_) => false,
            hashbrown::hash_map::Entry::Vacant(v) => {
                v.insert(value);
                true
            }
        }
    }
}
