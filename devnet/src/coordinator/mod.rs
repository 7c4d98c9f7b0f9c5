//! The coordinator: admits txs into the mempool, mines blocks from it (automine, interval or on
//! demand) on a thread of its own, and applies cheats as system txs. Every block goes through
//! the ledger's validator before it is committed and announced.
//!
//! Locking: the node sits behind a read-write lock. RPC reads take it shared; the miner builds
//! a block under an *upgradable* read (readers go on while txs execute) and upgrades only to
//! commit; cheats take it exclusively. The pool has its own mutex, never held while executing.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, Bytes};
use manaflow_types::{Block, StateKey, TxId};
use parking_lot::{Mutex, RwLock, RwLockUpgradableReadGuard};
use tokio::sync::{broadcast, oneshot};

mod follow;
mod pool;

pub use follow::{Upstream, UpstreamError};

use crate::admission::{Admitted, admit, precheck};
use crate::config::Config;
use crate::dump::StateDump;
use crate::error::{Dropped, NodeError, SetupError, StateError, SubmitError};
use crate::mempool::{Mempool, Pooled};
use crate::node::{Committed, Node, NodeSnapshot};
use crate::sequencing::Refusal;
use crate::wakeup::Wakeup;
use pool::PooledLog;

/// The longest interval between blocks a node accepts (a year): beyond it the clock arithmetic of
/// interval mining would overflow.
pub const MAX_BLOCK_INTERVAL: Duration = Duration::from_secs(365 * 24 * 3600);

/// The most blocks one request may mine (`anvil_mine`, `hardhat_mine`, `evm_mine`).
pub const MAX_MINE_BLOCKS: u64 = 100_000;

/// When blocks are mined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MiningMode {
    /// A block as soon as txs are ready (Anvil's default).
    Auto,
    /// A block every interval, empty or not.
    Interval(Duration),
    /// Only on `evm_mine` / `anvil_mine`.
    Manual,
}

/// What a waiting sender learns: the block that includes its tx, or why it was dropped.
pub type Fate = Result<u64, Dropped>;

/// A block just committed, as announced to subscribers.
#[derive(Debug)]
pub struct NewBlock {
    /// The block.
    pub block: Block,
    /// Its hash.
    pub hash: B256,
    /// Its tx ids.
    pub ids: Vec<TxId>,
}

/// Who waits for the txs taken into a block, and their arrival order (kept if they go back).
struct Waiters(HashMap<TxId, (u64, Option<oneshot::Sender<Fate>>)>);

impl Waiters {
    /// Splits pooled txs into their waiters and the txs to execute.
    fn split(taken: Vec<Pooled<oneshot::Sender<Fate>>>) -> (Self, Vec<Admitted>) {
        let mut waiters = HashMap::with_capacity(taken.len());
        let txs = taken
            .into_iter()
            .map(|p| {
                waiters.insert(p.tx.hash, (p.seq, p.waiter));
                p.tx
            })
            .collect();
        (Self(waiters), txs)
    }

    /// Tells the sender of tx `hash` its fate.
    fn tell(&mut self, hash: &TxId, fate: Fate) {
        if let Some((_, Some(waiter))) = self.0.remove(hash) {
            let _ = waiter.send(fate);
        }
    }

    /// Tells the senders of txs refused at execution why.
    fn refuse(&mut self, refused: &[(Admitted, Refusal)]) {
        for (tx, error) in refused {
            tracing::debug!(tx = %tx.hash, "dropped at sequencing: {error}");
            self.tell(&tx.hash, Err(Dropped::Refused(error.clone())));
        }
    }

    /// Txs that did not fit, with their waiters and arrival order, ready to go back to the pool.
    fn requeue(&mut self, deferred: Vec<Admitted>) -> Vec<Pooled<oneshot::Sender<Fate>>> {
        deferred
            .into_iter()
            .map(|tx| {
                let (seq, waiter) = self.0.remove(&tx.hash).unwrap_or_default();
                Pooled { tx, seq, waiter }
            })
            .collect()
    }
}

/// The coordinator and the node it drives.
pub struct Coordinator {
    node: RwLock<Node>,
    pool: Mutex<Mempool<oneshot::Sender<Fate>>>,
    mode: Mutex<MiningMode>,
    wakeup: Wakeup,
    stop: AtomicBool,
    blocks: broadcast::Sender<Arc<NewBlock>>,
    /// Every tx pooled, as it is pooled (`newPendingTransactions`).
    pooled_feed: broadcast::Sender<TxId>,
    /// The txs pooled lately, numbered in order, for pending-tx filters (`pool::PooledLog`).
    pooled_log: Mutex<PooledLog>,
    snapshots: Mutex<Vec<NodeSnapshot>>,
    impersonated: Mutex<HashSet<Address>>,
    /// The chain id txs must carry.
    chain_id: u64,
    /// The block gas limit no tx may exceed (kept beside the node's, so admission reads it
    /// without the node's lock).
    gas_limit: AtomicU64,
    /// Whether every sender counts as impersonated (`anvil_autoImpersonateAccount`).
    impersonate_all: AtomicBool,
    /// The thread pool big blocks are validated on.
    wide: rayon::ThreadPool,
    /// Why recent txs were refused at sequencing, newest last (bounded).
    refusals: Mutex<std::collections::VecDeque<(TxId, Refusal)>>,
    /// Where `console.log` lines are printed.
    pub console: crate::console::ConsoleOutput,
    /// The validator this coordinator follows (DESIGN §11), `None` when it mines itself.
    follows: Option<String>,
    /// The name its batches carry.
    name: String,
    /// Re-fills of a tx the validator dropped as stale or contended before its sender hears why.
    max_refills: u32,
}

/// How many refusals the coordinator remembers.
const REMEMBERED_REFUSALS: usize = 1024;

/// Blocks with at least this many txs are validated on all cores; smaller ones on the miner's
/// thread alone.
pub const WIDE_BLOCK_TXS: usize = 64;

impl Coordinator {
    /// Opens the node and starts mining on a thread of its own; with `config.roles.validator`,
    /// follows that validator instead (its genesis, its blocks) and sends it batches.
    pub fn start(config: Config) -> Result<(Arc<Self>, JoinHandle<()>), NodeError> {
        // A coordinator following a validator sends batches as txs come (the validator seals).
        let mode = match config.roles.validator {
            Some(_) => MiningMode::Auto,
            None => config.mining.block_time.map_or(MiningMode::Auto, MiningMode::Interval),
        };
        let capacity = config.mining.mempool_size;
        let console = crate::console::ConsoleOutput::new(config.silent);
        let (chain_id, gas_limit) = (config.chain.chain_id, config.chain.gas_limit);
        let follows = config.roles.validator.clone();
        let (node, upstream) = match &follows {
            None => (Node::open(config.chain)?, None),
            Some(url) => {
                let upstream = follow::Upstream::new(url)?;
                let genesis = follow::validator_genesis(&upstream, chain_id)?;
                (Node::open_with_genesis(config.chain, Some(genesis))?, Some(upstream))
            }
        };
        let (blocks, _) = broadcast::channel(1024);
        let (pooled_feed, _) = broadcast::channel(4096);
        let coordinator = Arc::new(Self {
            node: RwLock::new(node),
            pool: Mutex::new(Mempool::new(capacity)),
            mode: Mutex::new(mode),
            wakeup: Wakeup::default(),
            stop: AtomicBool::new(false),
            blocks,
            pooled_feed,
            pooled_log: Mutex::new(PooledLog::default()),
            snapshots: Mutex::new(Vec::new()),
            impersonated: Mutex::new(HashSet::new()),
            chain_id,
            gas_limit: AtomicU64::new(gas_limit),
            impersonate_all: AtomicBool::new(false),
            wide: rayon::ThreadPoolBuilder::new()
                .thread_name(|i| format!("manaflow-validate-{i}"))
                .build()
                .map_err(SetupError::ValidationThreads)?,
            refusals: Mutex::new(std::collections::VecDeque::new()),
            console,
            follows,
            name: config.roles.name,
            max_refills: config.roles.max_refills,
        });
        let miner = Arc::clone(&coordinator);
        let thread = match upstream {
            None => std::thread::Builder::new().name("manaflow-miner".into()).spawn(move || miner.mine_loop()),
            Some(upstream) => {
                std::thread::Builder::new().name("manaflow-relay".into()).spawn(move || miner.relay_loop(upstream))
            }
        }
        .map_err(|source| SetupError::Thread { name: "miner", source })?;
        Ok((coordinator, thread))
    }

    /// The URL of the validator this coordinator follows (DESIGN §11); `None` when it mines its
    /// own blocks.
    pub fn follows(&self) -> Option<&str> {
        self.follows.as_deref()
    }

    /// Shared access to the node.
    pub fn node(&self) -> parking_lot::RwLockReadGuard<'_, Node> {
        self.node.read()
    }

    /// New blocks, as they are committed.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<NewBlock>> {
        self.blocks.subscribe()
    }

    /// The mining mode.
    pub fn mode(&self) -> MiningMode {
        *self.mode.lock()
    }

    /// Changes the mining mode.
    pub fn set_mode(&self, mode: MiningMode) {
        *self.mode.lock() = mode;
        self.notify();
    }

    /// Number of pooled txs.
    pub fn pool_len(&self) -> usize {
        self.pool.lock().len()
    }

    /// The hashes of the pooled txs.
    pub fn pooled_hashes(&self) -> Vec<TxId> {
        self.pool.lock().iter().map(|tx| tx.hash).collect()
    }

    /// A pooled tx.
    pub fn pooled(&self, hash: &TxId) -> Option<Admitted> {
        self.pool.lock().get(hash).cloned()
    }

    /// The nonce `sender`'s next tx should carry, pooled txs counted.
    pub fn pending_nonce(&self, sender: Address) -> Result<u64, NodeError> {
        let state = self.node.read().nonce(sender)?;
        Ok(self.pool.lock().pending_nonce(sender, state))
    }

    /// The nonce `sender`'s next tx should carry, given its state nonce.
    pub fn pending_nonce_from(&self, sender: Address, state_nonce: u64) -> u64 {
        self.pool.lock().pending_nonce(sender, state_nonce)
    }

    /// Stops the miner (the caller joins its thread).
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.notify();
    }

    fn notify(&self) {
        self.wakeup.notify();
    }

    /// Admits signed tx bytes into the pool. In automine a ready tx is answered once mined
    /// (so its receipt exists when the client asks), or with the reason it was dropped.
    pub async fn submit(&self, raw: &[u8]) -> Result<TxId, SubmitError> {
        // The recovery (the costly part) runs without holding the node, so the miner's commit
        // never waits on it.
        let tx = admit(raw, self.chain_id, self.gas_limit.load(Ordering::Acquire))?;
        let state_nonce = precheck(&self.node.read(), &tx)?;
        self.pool_tx(tx, state_nonce).await
    }

    /// Pools a tx signed here (`eth_sendTransaction`); see [`Coordinator::submit`].
    pub async fn submit_admitted(&self, tx: Admitted) -> Result<TxId, SubmitError> {
        let state_nonce = precheck(&self.node.read(), &tx)?;
        self.pool_tx(tx, state_nonce).await
    }

    async fn pool_tx(&self, tx: Admitted, state_nonce: u64) -> Result<TxId, SubmitError> {
        let hash = tx.hash;
        let automine = self.mode() == MiningMode::Auto;
        let (waiter, fate) = if automine {
            let (sender, receiver) = oneshot::channel();
            (Some(sender), Some(receiver))
        } else {
            (None, None)
        };
        let inserted = self.pool.lock().insert(tx, state_nonce, waiter)?;
        self.record_pooled(hash);
        if let Some(old) = inserted.replaced
            && let Some(waiter) = old.waiter
        {
            let _ = waiter.send(Err(Dropped::Replaced(hash)));
        }
        self.notify();
        match fate {
            Some(fate) if inserted.ready => match fate.await {
                Ok(Ok(_block)) => Ok(hash),
                Ok(Err(why)) => Err(SubmitError::Dropped(why)),
                Err(_) => Err(SubmitError::Dropped(Dropped::Shutdown)),
            },
            _ => Ok(hash),
        }
    }

    fn mine_loop(&self) {
        // The miner thread is the one worker of its own rayon pool, so the ledger's parallel
        // loops over a small block run inline here instead of waking pool threads for a handful
        // of txs (measured: that handoff cost more than the work). Big blocks go to `wide`.
        let local = rayon::ThreadPoolBuilder::new().num_threads(1).use_current_thread().build();
        if let Err(e) = &local {
            tracing::warn!("the miner runs without its own thread pool: {e}");
        }
        let mut deadline = None;
        while !self.stop.load(Ordering::SeqCst) {
            let mode = self.mode();
            match mode {
                MiningMode::Auto => {
                    deadline = None;
                    // The mode is read again before each block: a switch to manual mining stops
                    // automine before the next block.
                    while self.mode() == MiningMode::Auto && self.has_ready() && !self.stop.load(Ordering::SeqCst) {
                        if let Err(e) = self.mine_ready() {
                            tracing::error!("mining failed: {e}");
                            break;
                        }
                    }
                }
                MiningMode::Interval(every) => {
                    // Checked: an interval the clock cannot add (none can be set past
                    // `MAX_BLOCK_INTERVAL`) waits rather than panics.
                    let due = match deadline {
                        Some(due) => Some(due),
                        None => Instant::now().checked_add(every),
                    };
                    deadline = due;
                    if let Some(due) = due
                        && Instant::now() >= due
                    {
                        if let Err(e) = self.mine_block() {
                            tracing::error!("mining failed: {e}");
                        }
                        deadline = due.checked_add(every);
                    }
                }
                MiningMode::Manual => deadline = None,
            }
            self.wakeup.wait(&self.stop, deadline);
        }
        for pooled in self.pool.lock().clear() {
            if let Some(waiter) = pooled.waiter {
                let _ = waiter.send(Err(Dropped::Shutdown));
            }
        }
    }

    fn has_ready(&self) -> bool {
        let node = self.node.read();
        self.pool.lock().has_ready(|sender| node.nonce(sender).unwrap_or(u64::MAX))
    }

    /// Mines one block from the ready txs (possibly empty) and announces it.
    pub fn mine_block(&self) -> Result<Committed, NodeError> {
        self.mine(true).map(|committed| committed.expect("an empty block is allowed"))
    }

    /// Automine's block: as [`Coordinator::mine_block`], but when every ready tx is refused at
    /// execution no (empty) block is mined.
    fn mine_ready(&self) -> Result<Option<Committed>, NodeError> {
        self.mine(false)
    }

    fn mine(&self, empty_ok: bool) -> Result<Option<Committed>, NodeError> {
        let node = self.node.upgradable_read();
        let gas_limit = node.config().gas_limit;
        let (taken, stale) = self.pool.lock().take_ready(|sender| node.nonce(sender).unwrap_or(u64::MAX), gas_limit);
        for pooled in stale {
            if let Some(waiter) = pooled.waiter {
                let _ = waiter.send(Err(Dropped::Overtaken(pooled.tx.hash)));
            }
        }
        let (mut waiters, txs) = Waiters::split(taken);
        let header = node.next_header();
        let built = node.build(&header, txs);
        self.remember_refusals(&built.refused);
        if built.included.is_empty() && !empty_ok {
            drop(node);
            waiters.refuse(&built.refused);
            self.pool.lock().put_back(waiters.requeue(built.deferred));
            return Ok(None);
        }
        let senders: Vec<(TxId, Address)> = built.included.iter().map(|(tx, _)| (tx.hash, tx.call.caller)).collect();
        let mut node = RwLockUpgradableReadGuard::upgrade(node);
        let committed = if built.block.txs.len() >= WIDE_BLOCK_TXS {
            let node: &mut Node = &mut node;
            self.wide.install(|| node.commit(&built.block, &senders))
        } else {
            node.commit(&built.block, &senders)
        };
        drop(node);
        waiters.refuse(&built.refused);
        match &committed {
            Ok(done) => {
                for (tx, execution) in &built.included {
                    // Printed before the sender hears, so its lines come first in the output.
                    self.console.print(&format!("Transaction: {}", tx.hash), &execution.console);
                    waiters.tell(&tx.hash, Ok(done.header.number));
                }
                tracing::info!(block = done.header.number, txs = built.included.len(), "mined");
            }
            Err(e) => {
                tracing::error!("the validator refused a block the coordinator built: {e}");
            }
        }
        let committed = match committed {
            Ok(committed) => committed,
            Err(e) => {
                let e = Arc::new(e);
                for (tx, _) in &built.included {
                    waiters.tell(&tx.hash, Err(Dropped::BlockRefused(Arc::clone(&e))));
                }
                self.pool.lock().put_back(waiters.requeue(built.deferred));
                return Err(NodeError::BlockRefused(e));
            }
        };
        self.pool.lock().put_back(waiters.requeue(built.deferred));
        self.announce(built.block, &committed);
        Ok(Some(committed))
    }

    fn remember_refusals(&self, refused: &[(Admitted, Refusal)]) {
        let mut refusals = self.refusals.lock();
        for (tx, error) in refused {
            if refusals.len() == REMEMBERED_REFUSALS {
                refusals.pop_front();
            }
            refusals.push_back((tx.hash, error.clone()));
        }
    }

    /// `sender`'s pooled txs, in nonce order.
    pub fn pooled_from(&self, sender: Address) -> Vec<Admitted> {
        let mut txs: Vec<Admitted> = self.pool.lock().iter().filter(|tx| tx.call.caller == sender).cloned().collect();
        txs.sort_by_key(|tx| tx.call.nonce);
        txs
    }

    /// Why tx `hash` was refused at sequencing, if it was recently (a tx mined without a waiting
    /// sender, as in manual mining, is otherwise dropped silently).
    pub fn refusal(&self, hash: &TxId) -> Option<Refusal> {
        self.refusals.lock().iter().rev().find(|(h, _)| h == hash).map(|(_, why)| why.clone())
    }

    fn announce(&self, block: Block, committed: &Committed) {
        let _ = self.blocks.send(Arc::new(NewBlock { block, hash: committed.hash, ids: committed.ids.clone() }));
    }

    /// Mines `count` blocks, `interval` seconds apart (`anvil_mine`).
    pub fn mine_blocks(&self, count: u64, interval: Option<u64>) -> Result<(), NodeError> {
        for i in 0..count {
            if let Some(step) = interval
                && i > 0
            {
                let mut node = self.node.write();
                let next = node.tip().timestamp.saturating_add(step);
                node.set_next_timestamp(next)?;
            }
            self.mine_block()?;
        }
        Ok(())
    }

    /// Runs `change` on the node exclusively (clock changes and the like).
    pub fn with_node<T>(&self, change: impl FnOnce(&mut Node) -> T) -> T {
        change(&mut self.node.write())
    }

    /// A cheat: sets each key to its value, deploying `codes`, in the pending system tx that
    /// the next block carries as its tx 0 (nothing is mined; DESIGN §8). Returns its id.
    pub fn cheat(&self, writes: Vec<(StateKey, B256)>, codes: Vec<Bytes>) -> Result<TxId, NodeError> {
        self.node.write().cheat(writes, codes)
    }

    /// The latest state (with the pending cheats) as a dump in Anvil's format
    /// (`anvil_dumpState`, `--dump-state`).
    pub fn dump_state(&self) -> Result<StateDump, NodeError> {
        let mut node = self.node.write();
        let values = node.tip_values()?;
        Ok(StateDump::of(values, |hash| node.code(hash), node.tip()))
    }

    /// Loads `dump` into the pending system tx that the next block carries (`anvil_loadState`,
    /// `--load-state`): nothing is mined and the block number does not change. Returns the
    /// pending tx's id.
    pub fn load_state(&self, dump: &StateDump) -> Result<TxId, StateError> {
        let load = dump.writes()?;
        Ok(self.cheat(load.writes, load.codes)?)
    }

    /// Back to a fresh genesis (`anvil_reset` without a fork): every block after it undone, the
    /// pending cheats, the clock, the pool and the snapshots dropped.
    pub fn reset(&self) -> Result<(), NodeError> {
        let genesis = NodeSnapshot { height: 0, pending: Default::default(), time_offset: 0, next_timestamp: None };
        self.node.write().restore(&genesis)?;
        self.snapshots.lock().clear();
        for pooled in self.pool.lock().clear() {
            if let Some(waiter) = pooled.waiter {
                let _ = waiter.send(Err(Dropped::Reverted));
            }
        }
        Ok(())
    }

    /// Records the chain's height, its pending cheats and its clock; returns the snapshot's id
    /// (`evm_snapshot`).
    pub fn snapshot(&self) -> u64 {
        let snapshot = self.node.read().snapshot();
        let mut snapshots = self.snapshots.lock();
        snapshots.push(snapshot);
        snapshots.len() as u64 - 1
    }

    /// Returns the chain to snapshot `id`, dropping it and later ones and the pool; false if
    /// there is no such snapshot (`evm_revert`).
    pub fn revert(&self, id: u64) -> Result<bool, NodeError> {
        let mut snapshots = self.snapshots.lock();
        let Some(snapshot) = snapshots.get(id as usize) else {
            return Ok(false);
        };
        self.node.write().restore(snapshot)?;
        snapshots.truncate(id as usize);
        for pooled in self.pool.lock().clear() {
            if let Some(waiter) = pooled.waiter {
                let _ = waiter.send(Err(Dropped::Reverted));
            }
        }
        Ok(true)
    }

    /// Lets txs from `address` be sent unsigned (`anvil_impersonateAccount`).
    pub fn impersonate(&self, address: Address, on: bool) {
        let mut set = self.impersonated.lock();
        if on {
            set.insert(address);
        } else {
            set.remove(&address);
        }
    }

    /// Whether `address` is impersonated.
    pub fn is_impersonated(&self, address: &Address) -> bool {
        self.impersonate_all.load(Ordering::Acquire) || self.impersonated.lock().contains(address)
    }

    /// Lets every sender send unsigned, or only those impersonated one by one
    /// (`anvil_autoImpersonateAccount`).
    pub fn impersonate_all(&self, on: bool) {
        self.impersonate_all.store(on, Ordering::Release);
    }

    /// Sets the block gas limit of the next blocks, for admission and for building
    /// (`evm_setBlockGasLimit`).
    pub fn set_gas_limit(&self, gas_limit: u64) {
        let mut node = self.node.write();
        node.set_gas_limit(gas_limit);
        self.gas_limit.store(gas_limit, Ordering::Release);
    }
}
