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
use manaflow_types::{
    B256, Block, Bytes, ChainContext, CodeSource, Header, LtHash, MissingState, Outcome, SetElement, StateKey,
    StateView, Tx, TxId, keccak256,
};
use rayon::prelude::*;

use crate::builder::{Known, seal_with_known};
use crate::chain::{Chain, Headers};
use crate::delta::block_delta;
use crate::error::{Corruption, LedgerError, Result, StopCause};
use crate::forward::{ForwardObserver, ForwardState, StageTimings};
use crate::history::{History, TxLoc};
use crate::reader::BlockReader;

#[path = "flush.rs"]
mod flush;
#[path = "ledger_compact.rs"]
mod ledger_compact;
#[path = "ledger_proofs.rs"]
mod ledger_proofs;
#[path = "recovery.rs"]
mod recovery;
use crate::store::{BlockStore, Checkpoint, Durability, StateStore};
use crate::utxo::{Output, Placed, in_utxo_set};
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
    /// Also start a flush once this long has passed since the last one began (and it is done),
    /// so that a process killed with `-9` replays at most this much of the chain at its next
    /// open; `None`: only by [`LedgerConfig::flush_threshold`].
    pub flush_interval: Option<Duration>,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        Self {
            durability: Durability::Durable,
            flush_threshold: 4_000_000,
            cache_keys_max: 64_000_000,
            flush_interval: Some(Duration::from_secs(5)),
        }
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
    unflushed_codes: Vec<Bytes>,
    flusher: Option<JoinHandle<Result<Vec<TxId>, Box<FlushFailure>>>>,
    /// When the last flush began.
    last_flush: Instant,
    /// Set when storage failed halfway through a change the ledger cannot undo in memory; every
    /// later change is refused until the ledger is reopened (which rebuilds from the blocks).
    stopped: Option<Arc<StopCause>>,
    /// Why the checkpoint was rebuilt from the block store at open, if it was.
    rebuilt: Option<String>,
}

/// A checkpoint batch that failed to write, handed back so it can be retried.
struct FlushFailure {
    error: LedgerError,
    outputs: Vec<([u8; StateKey::LEN], Placed)>,
    txs: Vec<(TxId, TxLoc)>,
    codes: Vec<Bytes>,
}

impl Ledger {
    /// Opens (or creates) the ledger in `dir`, loading the checkpoint and replaying the blocks
    /// committed after it.
    pub fn open(dir: &Path, config: LedgerConfig, verifier: Arc<dyn TxVerifier + Send + Sync>) -> Result<Self> {
        crate::format::check_or_record(dir)?;
        let blocks = Arc::new(BlockStore::open(dir, config.durability)?);
        let store = StateStore::open(dir, config.durability)?;
        let headers = Headers::load(&blocks)?;
        let mut codes = HashMap::default();
        store.for_each_code(|code| {
            codes.insert(keccak256(&code), code);
        })?;
        let chain = Chain { blocks, store, headers, txs: HashMap::default(), read_error: Default::default(), codes };
        let mut ledger = Self {
            dir: dir.to_path_buf(),
            config,
            chain,
            state: ForwardState::new(),
            verifier,
            unflushed_txs: Vec::new(),
            unflushed_codes: Vec::new(),
            flusher: None,
            last_flush: Instant::now(),
            stopped: None,
            rebuilt: None,
        };
        ledger.recover()?;
        Ok(ledger)
    }

    pub(super) fn record_txs(&mut self, number: u64, ids: &[TxId]) {
        for (i, id) in ids.iter().enumerate() {
            let loc = TxLoc { block: number, index: i as u32 };
            if self.chain.txs.try_insert_or_keep(*id, loc) {
                self.unflushed_txs.push((*id, loc));
            }
        }
    }

    pub(super) fn record_codes(&mut self, block: &Block) {
        for code in block.outcomes.iter().flat_map(|o| &o.codes) {
            let hash = keccak256(code);
            if !self.chain.codes.contains_key(&hash) {
                self.chain.codes.insert(hash, code.clone());
                self.unflushed_codes.push(code.clone());
            }
        }
    }

    /// The code whose hash is `hash`, if deployed on this chain.
    pub fn code(&self, hash: &B256) -> Option<Bytes> {
        self.chain.code(hash)
    }

    /// Every code of the chain's code table, with its hash (a validator's per-tx checks keep a
    /// copy they read without the ledger).
    pub fn code_table(&self) -> Vec<(B256, Bytes)> {
        self.chain.codes.iter().map(|(hash, code)| (*hash, code.clone())).collect()
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
        self.chain.headers.len()
    }

    /// Whether no block (not even genesis) is committed.
    pub fn is_empty(&self) -> bool {
        self.chain.headers.len() == 0
    }

    /// Header of block `number` (the newest are held in memory, older ones read from the block
    /// store).
    pub fn header(&self, number: u64) -> Result<Option<Header>> {
        self.chain.headers.get(number, &self.chain.blocks)
    }

    /// The genesis header.
    pub fn genesis(&self) -> Option<&Header> {
        self.chain.headers.genesis()
    }

    /// Block `number`, read from the block store.
    pub fn block(&self, number: u64) -> Result<Block> {
        self.reader().block(number)
    }

    /// Why the UTXO checkpoint was found unusable and rebuilt from the blocks at open, if it was.
    pub fn checkpoint_rebuilt(&self) -> Option<&str> {
        self.rebuilt.as_deref()
    }

    /// The blocks dropped at open because the block file ended inside them (a torn tail).
    pub fn torn_tail(&self) -> Option<std::ops::RangeInclusive<u64>> {
        self.chain.blocks.torn_tail()
    }

    /// The faults tests inject at the block store's write seam and commit boundary.
    #[cfg(feature = "faults")]
    pub fn faults(&self) -> &crate::faults::Faults {
        &self.chain.blocks.faults
    }

    /// A reader of the committed blocks that borrows nothing: long reads run on it beside commits.
    pub fn reader(&self) -> BlockReader {
        BlockReader::new(Arc::clone(&self.chain.blocks), self.len())
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
            Some(placed) => Ok(placed.out),
            None => Ok(self.chain.store.load_outputs(std::slice::from_ref(key))?[0].out),
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

    /// Seals `txs` and their outcomes into the next block with `template`'s fields (see
    /// [`crate::seal_block`]).
    pub fn seal(&self, template: &Header, txs: Vec<Tx>, outcomes: Vec<Outcome>) -> Block {
        self.seal_with_known(template, txs, outcomes, None)
    }

    /// [`Ledger::seal`] with what the caller computed per tx as they arrived ([`Known`]) or, if
    /// `None`, everything computed from the txs.
    pub fn seal_with_known(
        &self,
        template: &Header,
        txs: Vec<Tx>,
        outcomes: Vec<Outcome>,
        known: Option<&Known>,
    ) -> Block {
        // Most moves name a key's live output, whose position the UTXO set keeps: found by key
        // in memory, before asking the tx index (which may read the store) by id.
        let mut live: HashMap<TxId, TxLoc, RandomState> = HashMap::default();
        for m in txs.iter().flat_map(|tx| tx.moves()).filter(|m| manaflow_types::names_a_tx(m)) {
            if let Some(placed) = self.state.set.cached(&m.key())
                && placed.out.intx == m.intx
            {
                live.insert(m.intx, placed.at);
            }
        }
        let locate = |id: &TxId| live.get(id).copied().or_else(|| self.chain.locate(id));
        let number = self.tip().map_or(0, |p| p.number + 1);
        let ids: Vec<TxId> = match known.filter(|k| k.fits(txs.len())) {
            Some(known) => known.ids.clone(),
            None => txs.par_iter().map(Tx::id).collect(),
        };
        let refs = crate::builder::fill_references(number, &txs, &ids, &locate);
        seal_with_known(self.tip(), template, txs, outcomes, refs, &self.state.lthash, known)
    }

    /// Validates `block` against the tip without committing it (a dry run that reports every
    /// step to `obs`).
    pub fn check<O: ForwardObserver>(&mut self, block: &Block, obs: &mut O) -> Result<()> {
        let verifier = Arc::clone(&self.verifier);
        self.check_with(block, obs, &*verifier)
    }

    /// [`Ledger::check`] with `verifier` re-executing the txs.
    fn check_with<O: ForwardObserver>(&mut self, block: &Block, obs: &mut O, verifier: &dyn TxVerifier) -> Result<()> {
        self.ensure_running()?;
        self.prefetch(block)?;
        let parent = self.chain.headers.last();
        let staged = self.state.stage(block, parent, &self.chain, verifier, obs);
        if let Ok((staged, _)) = staged {
            self.state.abort(staged);
            return self.chain.take_error().map_or(Ok(()), Err);
        }
        if let Some(e) = self.chain.take_error() {
            return Err(e);
        }
        staged.map(|_| ()).map_err(LedgerError::from)
    }

    /// Refuses changes after a storage failure left memory and disk apart.
    fn ensure_running(&self) -> Result<()> {
        match &self.stopped {
            Some(why) => Err(LedgerError::Stopped(Arc::clone(why))),
            None => Ok(()),
        }
    }

    /// Validates `block` and commits it: all or nothing.
    pub fn apply(&mut self, block: &Block) -> Result<Applied> {
        self.apply_observed(block, &mut ())
    }

    /// [`Ledger::apply`], reporting each validation step to `obs`.
    pub fn apply_observed<O: ForwardObserver>(&mut self, block: &Block, obs: &mut O) -> Result<Applied> {
        let verifier = Arc::clone(&self.verifier);
        self.apply_with(block, obs, &*verifier, None)
    }

    /// [`Ledger::apply_observed`] with `verifier` re-executing the txs (a validator that checked
    /// each tx as it arrived passes one that does not check them again).
    /// `known`: what the caller computed from the same txs (see [`ForwardState::stage_with`]).
    pub fn apply_with<O: ForwardObserver>(
        &mut self,
        block: &Block,
        obs: &mut O,
        verifier: &dyn TxVerifier,
        known: Option<&Known>,
    ) -> Result<Applied> {
        self.ensure_running()?;
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
        let staged = self.state.stage_with(block, parent, &self.chain, verifier, obs, known, write);
        if let Some(e) = self.chain.take_error() {
            // A verdict built on a failed read is no verdict: undo and report the storage error.
            if let Ok((staged, _, _)) = staged {
                self.state.abort(staged);
            }
            return Err(e);
        }
        let (staged, stage_timings, written) = staged?;
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
        self.chain.headers.push(block.header.clone(), block.hash());
        self.record_txs(number, &ids);
        self.record_codes(block);
        if self.flush_due() {
            // The block is committed whatever happens to the checkpoint: a failed flush is
            // retried with the next one and, at worst, blocks are replayed on open.
            if let Err(e) = self.start_flush() {
                tracing::warn!("checkpoint flush failed, will retry: {e}");
            }
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
        let loaded: Vec<Vec<Placed>> =
            keys.par_chunks(4096).map(|chunk| store.load_outputs(chunk)).collect::<Result<_>>()?;
        for (key, out) in keys.into_iter().zip(loaded.into_iter().flatten()) {
            self.state.set.insert_clean(key, out);
        }
        Ok(())
    }

    /// Undoes blocks above `number` (each block is its own undo log): restores the outputs they
    /// consumed, drops the outputs and markers they created, and deletes them from the store.
    pub fn rollback_to(&mut self, number: u64) -> Result<()> {
        self.ensure_running()?;
        if self.is_empty() || number >= self.len() - 1 {
            return Ok(());
        }
        self.join_flush()?;
        // Read everything first: a failed read leaves the ledger untouched.
        let blocks: Vec<(Block, Vec<TxId>)> = (number + 1..self.len())
            .rev()
            .map(|n| {
                let block = self.block(n)?;
                let ids = block.txs.par_iter().map(Tx::id).collect();
                Ok((block, ids))
            })
            .collect::<Result<_>>()?;
        let first_uses: u64 = blocks
            .iter()
            .flat_map(|(block, _)| block.txs.iter().flat_map(|tx| tx.moves()))
            .filter(|m| in_utxo_set(m) && m.is_write() && m.is_first_use())
            .count() as u64;
        let written_keys =
            self.state.written_keys.checked_sub(first_uses).ok_or_else(|| LedgerError::Corrupt(Corruption::SetSize))?;
        let mut removed = Vec::new();
        for (block, ids) in &blocks {
            let n = block.header.number;
            for (t, (tx, id)) in block.txs.iter().zip(ids).enumerate().rev() {
                let refs = block.refs_of(t);
                for (i, m) in tx.moves().iter().enumerate().rev().filter(|(_, m)| in_utxo_set(m) && m.is_write()) {
                    let at = refs.get(i).copied().unwrap_or_default();
                    self.state.set.restore(m.key(), Placed::new(m.intx, m.prev, at));
                }
                if self.chain.txs.get(id).is_some_and(|loc| loc.block == n) {
                    self.chain.txs.remove(id);
                }
                removed.push(*id);
            }
            self.state.lthash.subtract(&block_delta(block, ids));
        }
        self.state.written_keys = written_keys;
        if let Err(e) = self.chain.headers.truncate(number + 1, &self.chain.blocks) {
            let cause = Arc::new(StopCause::Rollback { number, source: Box::new(e) });
            self.stopped = Some(Arc::clone(&cause));
            return Err(LedgerError::Stopped(cause));
        }
        self.unflushed_txs.retain(|(_, loc)| loc.block <= number);
        // Checkpoint the rolled-back state before deleting blocks: a crash in between replays
        // the blocks and ends at the old tip, never in between.
        let outputs = self.state.set.take_dirty();
        let txs = std::mem::take(&mut self.unflushed_txs);
        let checkpoint =
            Checkpoint { height: number, lthash: self.state.lthash.clone(), written_keys: self.state.written_keys };
        let persisted = self
            .chain
            .store
            .write_checkpoint(&outputs, &txs, &removed, &std::mem::take(&mut self.unflushed_codes), &checkpoint)
            .and_then(|()| self.chain.blocks.truncate_above(number));
        if let Err(e) = persisted {
            let cause = Arc::new(StopCause::Rollback { number, source: Box::new(e) });
            self.stopped = Some(Arc::clone(&cause));
            return Err(LedgerError::Stopped(cause));
        }
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
            self.chain.store.for_each_output(|key, Placed { out, .. }| {
                hash.insert(&SetElement::Marker { key });
                hash.insert(&SetElement::Output { intx: out.intx, key, value: out.value });
            })?;
        }
        let digest = hash.digest();
        if digest != self.commitment() {
            return Err(Corruption::RunningCommitment { recomputed: digest, running: self.commitment() }.into());
        }
        if let Some(tip) = self.tip()
            && tip.commitment != digest
        {
            return Err(Corruption::TipCommitment { header: tip.commitment, set: digest }.into());
        }
        Ok(digest)
    }

    /// Every written key's live output, in canonical order (loads the whole set).
    pub fn outputs(&mut self) -> Result<Vec<(StateKey, Output)>> {
        let mut out: Vec<(StateKey, Output)> = if self.state.set.is_complete() {
            self.state.set.iter_written().map(|(k, o)| (*k, o.out)).collect()
        } else {
            self.flush()?;
            let mut v = Vec::new();
            self.chain.store.for_each_output(|k, o| v.push((k, o.out)))?;
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

/// The chain's hashes, for BLOCKHASH when executing on top of the tip.
impl ChainContext for Ledger {
    fn block_hash(&self, number: u64) -> Option<B256> {
        // Not `Chain::block_hash`: an error met here belongs to this read, not to the next
        // block's validation.
        self.chain.headers.hash(number, &self.chain.blocks).unwrap_or_else(|e| {
            tracing::warn!("reading the hash of block {number}: {e}");
            None
        })
    }
    fn dev_mode(&self) -> bool {
        self.chain.dev_mode()
    }
}

/// The latest state, as runtimes read it (the coordinator executes against this).
impl StateView for Ledger {
    fn output(&self, key: &StateKey) -> std::result::Result<Output, MissingState> {
        Ledger::output(self, key).map_err(|e| MissingState::Failed(e.to_string()))
    }
    fn code(&self, hash: &B256) -> std::result::Result<Bytes, MissingState> {
        self.chain.code(hash).ok_or(MissingState::Code(*hash))
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
