//! The validator role run apart (DESIGN §11): the UTXO set, the code table and the block store,
//! and nothing else — no secondary index, no history, no execution for users. It accepts
//! batches of complete txs from any number of coordinators and wallets at once: each batch's
//! per-tx checks run in parallel (rayon) under a shared lock, then its UTXO step runs in arrival
//! order against the block being filled ([`pending::PendingBlock`]) under the exclusive lock. A
//! sealer thread seals that block (filling references) on the block time, at a tx count, or as
//! soon as no batch is being checked, and publishes the template of the next one.
//!
//! Every tx gets a fate ([`TxFate`]): accepted at its index in the block being filled, or
//! dropped with its rule. With a block time, a block is sealed at the latest that long after the
//! previous one (empty or not). A sealed block's txs were each checked once, on arrival, when
//! each tx's commitment delta was also computed; sealing runs the ledger's validation of the
//! block with a verifier that does not re-execute them again ([`Checked`]) and with the deltas
//! summed as the txs arrived, so the block goes through the ledger's header checks and UTXO step
//! again before it counts, and nothing is hashed twice.

pub mod pending;
pub mod rpc;
mod spawn;
pub mod view;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256};
use manaflow_evm::EvmVerifier;
use manaflow_ledger::{Ledger, LedgerConfig, LedgerError};
use manaflow_types::{
    Batch, CodeSource, Header, Outcome, Rule, Site, Tx, TxChecked, TxId, TxLoc, TxVerifier, Violation, check_tx_alone,
};
use parking_lot::{Condvar, Mutex, RwLock};
use rayon::prelude::*;
use tokio::sync::broadcast;

pub use crate::fate::{DropRule, TxFate};
use pending::{Arrived, PendingBlock};
pub use spawn::{ValidatorHandle, spawn_validator};
use view::{CheckView, CodeCache, RECENT_HASHES};

use crate::chain_rules::{ChainDir, chain_dir, genesis_block, header_template, next_base_fee, now};
use crate::chain_settings::ChainSettings;
use crate::config::{ChainConfig, Config};
use crate::error::{BatchRefusal, NodeError, SetupError};
use crate::genesis::dev_accounts;
use crate::node::chain_runtime;
use crate::wakeup::Wakeup;

/// How many dropped txs' fates a validator remembers for `manaflow_txFate` (bounded: its
/// memory grows with its UTXO set only).
pub const REMEMBERED_DROPS: usize = 65_536;

/// How often a validator's ledger flushes its checkpoint (the tx positions and outputs changed
/// since the last flush leave memory for LMDB).
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// How many blocks past the one being filled a batch may name and wait for.
pub const MAX_AHEAD: u64 = 2;

/// How long a batch filled for the block after the one being filled waits for it.
pub const AHEAD_WAIT: Duration = Duration::from_secs(10);

/// A block the validator sealed, as announced (`newHeads`).
#[derive(Clone, Debug)]
pub struct SealedHead {
    /// Its header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
}

/// What the exclusive lock guards.
struct State {
    ledger: Ledger,
    /// The block being filled: its number and every field but the roots and commitment.
    template: Header,
    pending: PendingBlock,
    /// The newest blocks' numbers and hashes, for the checks' view.
    recent: VecDeque<(u64, B256)>,
}

/// A validator.
pub struct Validator {
    state: RwLock<State>,
    /// What the checks of the block being filled read (published with its template).
    view: RwLock<Arc<CheckView>>,
    codes: Arc<CodeCache>,
    dev_mode: bool,
    verifier: Arc<EvmVerifier>,
    chain: ChainConfig,
    block_time: Option<Duration>,
    block_txs: Option<usize>,
    batches_in_flight: usize,
    /// Batches in flight per origin.
    in_flight: Mutex<HashMap<String, usize>>,
    /// Batches being checked now (the sealer waits for none before sealing as batches arrive).
    checking: AtomicUsize,
    /// The number of the block being filled, for batches waiting for it.
    filling: Mutex<u64>,
    filled: Condvar,
    wakeup: Wakeup,
    stop: AtomicBool,
    heads: broadcast::Sender<Arc<SealedHead>>,
    drops: Mutex<DropLog>,
    _temp: Option<tempfile::TempDir>,
}

/// The fates of recently dropped txs, oldest first, bounded by [`REMEMBERED_DROPS`].
#[derive(Default)]
struct DropLog {
    order: VecDeque<TxId>,
    fates: HashMap<TxId, TxFate>,
}

impl DropLog {
    fn record(&mut self, fate: &TxFate) {
        let Some(id) = fate.id() else { return };
        if self.order.len() == REMEMBERED_DROPS
            && let Some(old) = self.order.pop_front()
        {
            self.fates.remove(&old);
        }
        if self.fates.insert(id, fate.clone()).is_none() {
            self.order.push_back(id);
        }
    }
}

/// Validates a block whose txs the validator checked one by one as they arrived: no second
/// re-execution. System txs (genesis) go to the inner verifier.
struct Checked<'a>(&'a dyn TxVerifier);

impl TxVerifier for Checked<'_> {
    fn verify(
        &self,
        tx: &Tx,
        index: u32,
        sender: Option<Address>,
        header: &Header,
        outcome: &Outcome,
        codes: &dyn CodeSource,
    ) -> Result<(), Violation> {
        match tx {
            Tx::System(_) => self.0.verify(tx, index, sender, header, outcome, codes),
            Tx::Ethereum(_) | Tx::Native(_) => Ok(()),
        }
    }
}

/// Counts a batch in flight for its origin while it lives.
struct InFlight<'a> {
    validator: &'a Validator,
    origin: String,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut in_flight = self.validator.in_flight.lock();
        if let Some(count) = in_flight.get_mut(&self.origin) {
            *count -= 1;
            if *count == 0 {
                in_flight.remove(&self.origin);
            }
        }
    }
}

/// Counts a batch being checked while it lives, and wakes the sealer when it ends.
struct Checking<'a>(&'a Validator);

impl Drop for Checking<'_> {
    fn drop(&mut self) {
        self.0.checking.fetch_sub(1, Ordering::AcqRel);
        self.0.notify();
    }
}

impl Validator {
    /// Opens the chain in `config.chain.data_dir` (resuming it) or a new temporary one (with a
    /// genesis block), and starts the sealer thread.
    pub fn start(config: &Config) -> Result<(Arc<Self>, JoinHandle<()>), NodeError> {
        let ChainDir { path, temp, durability } = chain_dir(&config.chain)?;
        let verifier = Arc::new(EvmVerifier::new(chain_runtime(config.chain.hardfork)));
        // Tx positions and changed outputs wait in memory only until the next checkpoint flush:
        // a validator flushes every second, so what it holds per tx stays small (its memory
        // grows with its UTXO set, not with its history).
        let ledger_config = LedgerConfig { durability, flush_interval: Some(FLUSH_EVERY), ..LedgerConfig::default() };
        let mut ledger = Ledger::open(&path, ledger_config, Arc::clone(&verifier) as _)?;
        if ledger.is_empty() {
            let accounts = dev_accounts(&config.chain.mnemonic, config.chain.accounts)?;
            ledger.apply(&genesis_block(&ledger, &config.chain, &accounts))?;
            if config.chain.data_dir.is_some() {
                ChainSettings::of(&config.chain).write(&path)?;
            }
        }
        let tip = ledger.tip().cloned().unwrap_or_default();
        let tip_gas_used: u64 = ledger.block(tip.number)?.outcomes.iter().map(|o| o.gas_used).sum();
        let mut recent = VecDeque::with_capacity(RECENT_HASHES + 1);
        for n in ledger.len().saturating_sub(RECENT_HASHES as u64)..ledger.len() {
            if let Some(header) = ledger.header(n)? {
                recent.push_back((n, header.hash()));
            }
        }
        let codes = Arc::new(CodeCache::new(ledger.code_table()));
        let dev_mode = manaflow_types::ChainContext::dev_mode(&ledger);
        let template = template_after(&tip, &config.chain, tip_gas_used);
        let view = CheckView::new(template.clone(), recent.clone(), dev_mode, Arc::clone(&codes));
        let filling = template.number;
        let state = State { ledger, template, pending: PendingBlock::default(), recent };
        let (heads, _) = broadcast::channel(1024);
        let validator = Arc::new(Self {
            state: RwLock::new(state),
            view: RwLock::new(Arc::new(view)),
            codes,
            dev_mode,
            verifier,
            chain: config.chain.clone(),
            block_time: config.mining.block_time,
            block_txs: config.roles.block_txs,
            batches_in_flight: config.roles.batches_in_flight.max(1),
            in_flight: Mutex::new(HashMap::new()),
            checking: AtomicUsize::new(0),
            filling: Mutex::new(filling),
            filled: Condvar::new(),
            wakeup: Wakeup::default(),
            stop: AtomicBool::new(false),
            heads,
            drops: Mutex::new(DropLog::default()),
            _temp: temp,
        });
        let sealer = Arc::clone(&validator);
        let thread = std::thread::Builder::new()
            .name("manaflow-sealer".into())
            .spawn(move || sealer.seal_loop())
            .map_err(|source| SetupError::Thread { name: "sealer", source })?;
        Ok((validator, thread))
    }

    /// The chain's configuration.
    pub fn chain(&self) -> &ChainConfig {
        &self.chain
    }

    /// The template of the block being filled (DESIGN §11): its number, timestamp, base fee,
    /// gas limit, coinbase and prevrandao. Batches name its number.
    pub fn template(&self) -> Header {
        self.view.read().template.clone()
    }

    /// Runs `read` on the ledger (shared).
    pub fn with_ledger<T>(&self, read: impl FnOnce(&Ledger) -> T) -> T {
        read(&self.state.read().ledger)
    }

    /// Sealed blocks, as they are sealed.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<SealedHead>> {
        self.heads.subscribe()
    }

    /// Stops the sealer (the caller joins its thread) and refuses new batches.
    pub fn shutdown(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.notify();
        self.filled.notify_all();
    }

    fn notify(&self) {
        self.wakeup.notify();
    }

    /// The fate of tx `id`: in a sealed block, in the block being filled, or dropped lately.
    pub fn fate(&self, id: &TxId) -> Option<TxFate> {
        {
            let state = self.state.read();
            if let Some(TxLoc { block, index }) = state.ledger.locate(id) {
                return Some(TxFate::Included { id: *id, block, index });
            }
            if let Some(index) = state.pending.index_of(id) {
                return Some(TxFate::Accepted { id: *id, block: state.template.number, index });
            }
        }
        self.drops.lock().fates.get(id).cloned()
    }

    /// The fates of the last `count` txs dropped (at most [`REMEMBERED_DROPS`]), oldest first:
    /// contention made visible.
    pub fn recent_drops(&self, count: usize) -> Vec<TxFate> {
        let drops = self.drops.lock();
        let skip = drops.order.len().saturating_sub(count);
        drops.order.iter().skip(skip).filter_map(|id| drops.fates.get(id).cloned()).collect()
    }

    /// Checks `batch` and takes the txs that pass into the block being filled: per-tx checks in
    /// parallel, then the UTXO step in order. Returns each item's fate, in order; refuses the
    /// whole batch only for its origin's bound or a target too far ahead.
    pub fn submit(&self, batch: Batch) -> Result<Vec<TxFate>, BatchRefusal> {
        let _slot = self.enter(&batch.origin)?;
        self.wait_for(batch.target)?;
        self.checking.fetch_add(1, Ordering::AcqRel);
        let _checking = Checking(self);
        let start = Instant::now();
        let view = Arc::clone(&self.view.read());
        if view.template.number != batch.target {
            return Ok(self.all_stale(batch, view.template.number));
        }
        let checked = self.check_all(&view, &batch);
        let checks = start.elapsed();
        let mut state = self.state.write();
        if state.template.number != batch.target {
            drop(state);
            return Ok(self.all_stale(batch, self.template().number));
        }
        let start = Instant::now();
        let fates = step_in_order(&mut state, checked, &self.codes);
        drop(state);
        tracing::debug!(
            origin = %batch.origin,
            target = batch.target,
            txs = batch.txs.len(),
            checks_ms = checks.as_secs_f64() * 1e3,
            step_ms = start.elapsed().as_secs_f64() * 1e3,
            "batch"
        );
        let mut drops = self.drops.lock();
        for fate in fates.iter().filter(|f| matches!(f, TxFate::Dropped { .. })) {
            drops.record(fate);
        }
        Ok(fates)
    }

    /// Counts a batch of `origin` in flight, refusing it past the bound.
    fn enter(&self, origin: &str) -> Result<InFlight<'_>, BatchRefusal> {
        if self.stop.load(Ordering::SeqCst) {
            return Err(BatchRefusal::Shutdown);
        }
        let mut in_flight = self.in_flight.lock();
        let count = in_flight.entry(origin.to_string()).or_default();
        if *count >= self.batches_in_flight {
            return Err(BatchRefusal::InFlight { origin: origin.to_string(), limit: self.batches_in_flight });
        }
        *count += 1;
        Ok(InFlight { validator: self, origin: origin.to_string() })
    }

    /// Waits (at most [`AHEAD_WAIT`]) until block `target` is being filled, when it is at most
    /// [`MAX_AHEAD`] blocks ahead (a coordinator pipelining its batches); one further ahead is
    /// refused.
    fn wait_for(&self, target: u64) -> Result<(), BatchRefusal> {
        let deadline = Instant::now() + AHEAD_WAIT;
        let mut filling = self.filling.lock();
        while *filling < target {
            if self.stop.load(Ordering::SeqCst) {
                return Err(BatchRefusal::Shutdown);
            }
            if target > filling.saturating_add(MAX_AHEAD) || self.filled.wait_until(&mut filling, deadline).timed_out()
            {
                return Err(BatchRefusal::Ahead { target, next: *filling });
            }
        }
        Ok(())
    }

    /// Every tx of `batch` dropped as stale: the block it was filled for is sealed.
    fn all_stale(&self, batch: Batch, next: u64) -> Vec<TxFate> {
        let why = format!(
            "filled for block {}, which is sealed; the block being filled is {next}: fill it again on that block's template",
            batch.target
        );
        let fates: Vec<TxFate> = batch
            .txs
            .into_iter()
            .map(|item| TxFate::dropped(item.ok().map(|item| item.tx.id()), DropRule::Stale, None, why.clone()))
            .collect();
        let mut drops = self.drops.lock();
        fates.iter().for_each(|fate| drops.record(fate));
        fates
    }

    /// The per-tx checks of every item, in parallel, against the block being filled: each item
    /// a tx ready for the UTXO step, or its fate.
    fn check_all(&self, view: &CheckView, batch: &Batch) -> Vec<Result<Arrived, TxFate>> {
        batch
            .txs
            .par_iter()
            .enumerate()
            .map(|(i, item)| {
                let item = item.as_ref().map_err(|e| {
                    let why = format!("item {i} is not a tx with an outcome: {e}");
                    TxFate::dropped(None, DropRule::Malformed, None, why)
                })?;
                let id = item.tx.id();
                if matches!(item.tx, Tx::System(_)) {
                    let why = "a batch carries Ethereum or native txs; system txs are the cheats of a dev chain, and \
                               this chain belongs to its validator";
                    return Err(TxFate::dropped(Some(id), DropRule::Broke(Rule::SystemTx), None, why));
                }
                // References are the validator's to fill when it seals; their shape is checked
                // with zeros. Positions name the tx by its index in the batch.
                let refs = vec![TxLoc::ZERO; item.tx.moves().len()];
                let TxChecked { failure, .. } = check_tx_alone(
                    &item.tx,
                    i as u32,
                    &refs,
                    &item.outcome,
                    &view.template,
                    view,
                    &*self.verifier,
                    &*view.codes,
                    None,
                );
                match failure {
                    None => Ok(Arrived::new(id, item.tx.clone(), item.outcome.clone())),
                    Some(v) => Err(dropped_for(id, v)),
                }
            })
            .collect()
    }

    fn seal_loop(&self) {
        let mut deadline = self.block_time.and_then(|every| Instant::now().checked_add(every));
        while !self.stop.load(Ordering::SeqCst) {
            let due = deadline.is_some_and(|due| Instant::now() >= due);
            if due || self.full_or_idle() {
                if let Err(e) = self.seal() {
                    tracing::error!("sealing failed: {e}");
                }
                // The block time runs from the last seal, whatever sealed it.
                deadline = self.block_time.and_then(|every| Instant::now().checked_add(every));
                continue;
            }
            self.wakeup.wait(&self.stop, deadline);
        }
    }

    /// Whether the block being filled is due now: full by count, or (sealing as batches arrive)
    /// holding txs with no batch being checked.
    fn full_or_idle(&self) -> bool {
        let pending = self.state.read().pending.len();
        match (self.block_txs, self.block_time) {
            (Some(count), _) => pending >= count,
            (None, Some(_)) => false,
            (None, None) => pending > 0 && self.checking.load(Ordering::Acquire) == 0,
        }
    }

    /// Seals the block being filled (empty or not), commits it through the ledger's validation,
    /// and publishes the next template.
    pub fn seal(&self) -> Result<SealedHead, NodeError> {
        let mut state = self.state.write();
        let start = Instant::now();
        let (txs, outcomes, known) = state.pending.take();
        let count = txs.len();
        let block = state.ledger.seal_with_known(&state.template, txs, outcomes, Some(&known));
        let sealed = start.elapsed();
        // The next template is published before the ledger commits the block: the next
        // block's per-tx checks need only the view, so they run while this one is committed.
        let gas_used = block.outcomes.iter().map(|o| o.gas_used).sum();
        let head = SealedHead { header: block.header.clone(), hash: block.hash() };
        let before = (state.template.clone(), state.recent.clone());
        state.template = template_after(&block.header, &self.chain, gas_used);
        state.recent.push_back((head.header.number, head.hash));
        if state.recent.len() > RECENT_HASHES {
            state.recent.pop_front();
        }
        self.publish(&state);
        let applied = state.ledger.apply_with(&block, &mut (), &Checked(&*self.verifier), Some(&known));
        let applied = match applied {
            Ok(applied) => applied,
            Err(e) => {
                // Nothing changed: the block being filled is this one again, empty; the txs
                // accepted for it are dropped and their coordinators re-fill them when they see
                // the block sealed without them.
                (state.template, state.recent) = before;
                self.publish(&state);
                let mut drops = self.drops.lock();
                for tx in &block.txs {
                    let why = format!("the block being filled was refused when sealed: {e}; resend it");
                    drops.record(&TxFate::dropped(Some(tx.id()), DropRule::Stale, None, why));
                }
                return Err(e.into());
            }
        };
        drop(state);
        let t = &applied.timings;
        tracing::debug!(
            block = block.header.number,
            seal_ms = sealed.as_secs_f64() * 1e3,
            stateless_ms = t.stage.stateless.as_secs_f64() * 1e3,
            utxo_and_commitment_ms = t.stage.utxo_and_commitment.as_secs_f64() * 1e3,
            durable_ms = t.durable_write.as_secs_f64() * 1e3,
            apply_ms = t.total.as_secs_f64() * 1e3,
            "sealed"
        );
        tracing::info!(block = head.header.number, txs = count, "sealed");
        let _ = self.heads.send(Arc::new(head.clone()));
        Ok(head)
    }

    /// Publishes the view of `state`'s template to the checks, and wakes the batches waiting
    /// for that block.
    fn publish(&self, state: &State) {
        let view = CheckView::new(state.template.clone(), state.recent.clone(), self.dev_mode, Arc::clone(&self.codes));
        *self.view.write() = Arc::new(view);
        *self.filling.lock() = state.template.number;
        self.filled.notify_all();
    }
}

/// The UTXO step of checked txs in arrival order against the block being filled: a tx whose
/// moves do not fit is dropped with its rule and move, and so is a tx of the batch that consumes
/// or reads an output of a tx dropped before it.
fn step_in_order(state: &mut State, checked: Vec<Result<Arrived, TxFate>>, codes: &CodeCache) -> Vec<TxFate> {
    let State { ledger, template, pending, .. } = state;
    let mut dropped: HashSet<TxId> = HashSet::new();
    let mut fates = Vec::with_capacity(checked.len());
    for item in checked {
        let arrived = match item {
            Ok(arrived) => arrived,
            Err(fate) => {
                dropped.extend(fate.id());
                fates.push(fate);
                continue;
            }
        };
        let (id, tx, outcome) = (arrived.id, &arrived.tx, &arrived.outcome);
        let fate = if ledger.locate(&id).is_some() || pending.contains(&id) {
            let why = format!("tx {id} is already in the chain");
            TxFate::dropped(Some(id), DropRule::Broke(Rule::DuplicateTx), None, why)
        } else if let Some((mv, m)) = tx.moves().iter().enumerate().find(|(_, m)| dropped.contains(&m.intx)) {
            let why = format!("move {mv} uses an output of tx {}, which this batch carried and was dropped", m.intx);
            TxFate::dropped(Some(id), DropRule::Dependent, Some(mv as u32), why)
        } else if pending.gas_used().saturating_add(outcome.gas_used) > template.gas_limit {
            let why = format!(
                "block {} has {} gas left and the tx used {}; fill it again for the next block",
                template.number,
                template.gas_limit.saturating_sub(pending.gas_used()),
                outcome.gas_used
            );
            TxFate::dropped(Some(id), DropRule::BlockFull, None, why)
        } else {
            match pending.fits(ledger, tx) {
                Ok(Ok(())) => {
                    let index = pending.len() as u32;
                    for code in &arrived.outcome.codes {
                        codes.insert(alloy_primitives::keccak256(code), code.clone());
                    }
                    pending.push(arrived);
                    TxFate::Accepted { id, block: template.number, index }
                }
                Ok(Err(misfit)) => TxFate::dropped(Some(id), DropRule::Broke(misfit.rule), Some(misfit.mv), misfit.why),
                Err(e) => storage_drop(id, e),
            }
        };
        if matches!(fate, TxFate::Dropped { .. }) {
            dropped.insert(id);
        }
        fates.push(fate);
    }
    fates
}

/// A tx dropped because the UTXO set could not be read.
fn storage_drop(id: TxId, e: LedgerError) -> TxFate {
    let why = format!("the validator could not read its UTXO set ({e}); resend the tx");
    TxFate::dropped(Some(id), DropRule::Stale, None, why)
}

/// The fate of a tx that failed a per-tx check.
fn dropped_for(id: TxId, v: Violation) -> TxFate {
    let mv = match v.position.site {
        Site::Tx { mv, .. } => mv,
        Site::Header | Site::Commitment => None,
    };
    TxFate::dropped(Some(id), DropRule::Broke(v.rule), mv, v.detail)
}

/// The template of the block after `parent`, whose txs used `gas_used`: the configured fields,
/// the next number and base fee, and the timestamp (now, never before the parent's), fixed when
/// it is published.
fn template_after(parent: &Header, chain: &ChainConfig, gas_used: u64) -> Header {
    Header {
        number: parent.number + 1,
        timestamp: now().max(parent.timestamp),
        base_fee: next_base_fee(chain, parent, gas_used),
        ..header_template(chain, Address::ZERO)
    }
}
