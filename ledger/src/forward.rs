//! Forward validation (DESIGN §4): blocks in order against the UTXO set.
//!
//! A block is staged in three steps: the stateless checks ([`crate::pertx`]) in parallel; then
//! the **UTXO step** — each move, in block order per key, must find its output live (`intx` is
//! the key's live output and `prev` its value); a write replaces the output in place and records
//! the old one for undo (see [`UtxoSet::apply_moves`] for how it runs in parallel by key); last
//! the commitment check over the block's delta. A failure rolls the set back, so an invalid block changes nothing.
//! Every check is reported to a [`ForwardObserver`] as it happens (the REPL steps through them).

use manaflow_types::{
    B256, Block, ChainContext, Header, LtHash, Move, Position, Rule, Site, StateKey, TxId, TxLoc, Violation,
};

use crate::builder::Known;
use crate::delta::block_delta;
use crate::history::History;
use crate::pertx::{Prepared, prepare};
use crate::utxo::{Output, Placed, UndoLog, UtxoSet, in_utxo_set};
use crate::verifier::TxVerifier;

/// Below this many moves a block's write runs after its commitment on the calling thread rather
/// than on a thread of its own (starting a thread costs more than hashing a few moves).
pub const OVERLAP_MIN_MOVES: usize = 4096;

/// One check of forward validation, in the order it happens.
#[derive(Clone, Copy, Debug)]
pub enum ForwardStep<'a> {
    /// The block's header is about to be checked.
    Block {
        /// Its header.
        header: &'a Header,
    },
    /// A tx's stateless checks finished.
    TxChecked {
        /// The tx's position.
        position: Position,
        /// Its id.
        id: TxId,
        /// Its first failure, if any.
        failure: Option<&'a Violation>,
    },
    /// A read found its output live with the declared value.
    Read {
        /// The move.
        position: Position,
        /// The key.
        key: StateKey,
        /// The live output it references.
        output: Output,
    },
    /// A write consumed its output.
    Consumed {
        /// The move.
        position: Position,
        /// The key.
        key: StateKey,
        /// The output consumed (intx zero: the implicit never-written output; a marker is added).
        output: Output,
    },
    /// A write created its output.
    Created {
        /// The move.
        position: Position,
        /// The key.
        key: StateKey,
        /// The new output.
        output: Output,
    },
    /// The commitment was compared.
    Commitment {
        /// Block number.
        block: u64,
        /// Digest of the set after the block.
        computed: B256,
        /// Digest the header declares.
        declared: B256,
    },
    /// The block failed (the earliest violation); it will be rolled back.
    Failed {
        /// The verdict.
        violation: &'a Violation,
    },
}

/// Receives forward-validation steps. Every hook defaults to nothing, so `()` costs nothing.
pub trait ForwardObserver: Send {
    /// Whether this observer looks at steps. When false the UTXO step takes its parallel path,
    /// which checks moves grouped by key rather than one by one in block order.
    const ENABLED: bool = true;

    /// One step.
    #[inline]
    fn step(&mut self, _step: ForwardStep<'_>) {}
}

impl ForwardObserver for () {
    const ENABLED: bool = false;
}

impl<F: FnMut(ForwardStep<'_>) + Send> ForwardObserver for F {
    fn step(&mut self, step: ForwardStep<'_>) {
        self(step)
    }
}

/// The validator's state: the UTXO set, its commitment, and its size.
#[derive(Default)]
pub struct ForwardState {
    /// The set.
    pub set: UtxoSet,
    /// LtHash of the set.
    pub lthash: LtHash,
    /// Number of keys ever written (each has one live output and one first-use marker).
    pub written_keys: u64,
}

/// A block that passed validation, applied to the set but not yet committed.
pub struct Staged {
    /// The stateless results (ids, senders).
    pub prepared: Prepared,
    /// The commitment after the block.
    pub lthash: LtHash,
    /// Keys first written by the block.
    pub first_writes: u64,
    undo: UndoLog,
}

/// How long each part of staging took, for benchmarks.
#[derive(Clone, Copy, Debug, Default)]
pub struct StageTimings {
    /// Header and per-tx checks.
    pub stateless: std::time::Duration,
    /// The sequential UTXO step alone.
    pub utxo_step: std::time::Duration,
    /// UTXO step and commitment delta, run together.
    pub utxo_and_commitment: std::time::Duration,
}

struct Chain<'a> {
    history: &'a dyn History,
    dev_mode: bool,
}

impl ChainContext for Chain<'_> {
    fn block_hash(&self, number: u64) -> Option<B256> {
        self.history.block_hash(number)
    }
    fn dev_mode(&self) -> bool {
        self.dev_mode
    }
}

impl ForwardState {
    /// An empty in-memory state (the state before genesis).
    pub fn new() -> Self {
        Self { set: UtxoSet::new(), lthash: LtHash::new(), written_keys: 0 }
    }

    /// Number of members of the set: live outputs plus first-use markers.
    pub fn size(&self) -> u64 {
        self.written_keys * 2
    }

    /// Validates `block` on top of `parent` and applies it to the set. On failure the set is as
    /// before and the error is the earliest violation.
    pub fn stage<O: ForwardObserver>(
        &mut self,
        block: &Block,
        parent: Option<&Header>,
        history: &dyn History,
        verifier: &dyn TxVerifier,
        obs: &mut O,
    ) -> Result<(Staged, StageTimings), Violation> {
        self.stage_with(block, parent, history, verifier, obs, None, || ())
            .map(|(staged, timings, _)| (staged, timings))
    }

    /// [`ForwardState::stage`], running `alongside` on its own thread while the commitment is
    /// computed — only if every other check passed. The ledger writes the block's bytes there,
    /// so the disk works while the cores hash. Its result is returned with the staged block.
    /// `known`, when given, is what the caller computed from the same txs (a validator that
    /// checks txs as they arrive: ids, moves hashes, outcome leaves, the summed commitment
    /// delta); it is used instead of hashing the same bytes again.
    #[allow(clippy::too_many_arguments)]
    pub fn stage_with<O: ForwardObserver, R: Send>(
        &mut self,
        block: &Block,
        parent: Option<&Header>,
        history: &dyn History,
        verifier: &dyn TxVerifier,
        obs: &mut O,
        known: Option<&Known>,
        alongside: impl FnOnce() -> R + Send,
    ) -> Result<(Staged, StageTimings, Option<R>), Violation> {
        let mut timings = StageTimings::default();
        let start = std::time::Instant::now();
        obs.step(ForwardStep::Block { header: &block.header });
        // Every position in a block names it by its height: a header whose number is not the
        // next height is refused before anything else reads that number.
        let height = parent.map_or(Some(0), |p| p.number.checked_add(1));
        if height != Some(block.header.number) {
            let v = Violation::new(
                Position { block: height.unwrap_or(u64::MAX), site: Site::Header },
                Rule::BadHeader,
                format!(
                    "number {} is not the next height ({})",
                    block.header.number,
                    height.map_or("none".into(), |h| h.to_string())
                ),
            );
            obs.step(ForwardStep::Failed { violation: &v });
            return Err(v);
        }
        let chain = Chain { history, dev_mode: block.header.dev_mode() };
        let in_chain = |id: &TxId| history.locate(id).is_some();
        let known_txs = known.filter(|k| k.fits(block.txs.len()));
        let prepared = prepare(block, parent, &chain, verifier, &in_chain, history, known_txs);
        for (i, (id, failure)) in prepared.ids.iter().zip(&prepared.tx_results).enumerate() {
            obs.step(ForwardStep::TxChecked {
                position: Position::of_tx(block.header.number, i as u32),
                id: *id,
                failure: failure.as_ref(),
            });
        }
        timings.stateless = start.elapsed();

        // The UTXO step first, on all cores; then the commitment delta, also on all cores (it
        // needs no UTXO set, only the block), unless the block has already failed.
        let start = std::time::Instant::now();
        let (utxo_failure, first_writes, mut undo) = if O::ENABLED {
            self.utxo_step_observed(block, &prepared.ids, history, obs)
        } else {
            self.utxo_step_parallel(block, &prepared.ids, history)
        };
        timings.utxo_step = start.elapsed();
        let failed_already = prepared.violation.is_some() || utxo_failure.is_some();
        let (delta, alongside) = if failed_already {
            (LtHash::new(), None)
        } else {
            // A small block hashes in less time than a thread takes to start: no overlap then.
            let moves: usize = block.txs.iter().map(|tx| tx.moves().len()).sum();
            let delta_of = || known_txs.map_or_else(|| block_delta(block, &prepared.ids), |k| k.delta.clone());
            let (delta, side) = if moves < OVERLAP_MIN_MOVES {
                let delta = delta_of();
                (delta, std::panic::catch_unwind(std::panic::AssertUnwindSafe(alongside)))
            } else {
                std::thread::scope(|scope| {
                    let side = scope.spawn(alongside);
                    (delta_of(), side.join())
                })
            };
            match side {
                Ok(result) => (delta, Some(result)),
                Err(panic) => {
                    self.set.rollback(&mut undo);
                    std::panic::resume_unwind(panic)
                }
            }
        };
        timings.utxo_and_commitment = start.elapsed();

        let mut lthash = self.lthash.clone();
        lthash.combine(&delta);
        let computed = lthash.digest();
        if !failed_already {
            obs.step(ForwardStep::Commitment {
                block: block.header.number,
                computed,
                declared: block.header.commitment,
            });
        }
        let commitment_failure = (!failed_already && computed != block.header.commitment).then(|| {
            Violation::new(
                Position { block: block.header.number, site: Site::Commitment },
                Rule::BadCommitment,
                format!("header commits to {} but the UTXO set after the block is {computed}", block.header.commitment),
            )
        });
        let verdict =
            Violation::earliest(Violation::earliest(prepared.violation.clone(), utxo_failure), commitment_failure);
        match verdict {
            Some(v) => {
                obs.step(ForwardStep::Failed { violation: &v });
                self.set.rollback(&mut undo);
                Err(v)
            }
            None => Ok((Staged { prepared, lthash, first_writes, undo }, timings, alongside)),
        }
    }

    /// Makes a staged block part of the state.
    pub fn commit(&mut self, staged: Staged) {
        self.lthash = staged.lthash;
        self.written_keys += staged.first_writes;
    }

    /// Undoes a staged block (when making it durable failed).
    pub fn abort(&mut self, mut staged: Staged) {
        self.set.rollback(&mut staged.undo);
    }

    /// The UTXO step in parallel (see [`UtxoSet::apply_moves`]): the same verdict as the
    /// observed one, without steps.
    fn utxo_step_parallel(
        &mut self,
        block: &Block,
        ids: &[TxId],
        history: &dyn History,
    ) -> (Option<Violation>, u64, UndoLog) {
        let mut flat: Vec<(u32, &Move, TxLoc)> = Vec::with_capacity(block.txs.iter().map(|t| t.moves().len()).sum());
        let mut at: Vec<(u32, u32)> = Vec::with_capacity(flat.capacity());
        for (t, tx) in block.txs.iter().enumerate() {
            let refs = block.refs_of(t);
            for (i, m) in tx.moves().iter().enumerate().filter(|(_, m)| in_utxo_set(m)) {
                flat.push((t as u32, m, refs.get(i).copied().unwrap_or_default()));
                at.push((t as u32, i as u32));
            }
        }
        let number = block.header.number;
        let outcome = self.set.apply_moves(number, &flat, ids);
        let failure = outcome.mismatch.map(|mm| {
            let (t, i) = at[mm.seq as usize];
            let position = Position::of_move(number, t, i);
            let (_, m, reference) = flat[mm.seq as usize];
            classify(m, reference, position, mm.found, block, ids, t as usize, history)
        });
        (failure, outcome.first_writes, outcome.undo)
    }

    /// The UTXO step one move at a time in block order, reporting each check; stops at the first
    /// failure. Returns the failure, the number of first writes and the undo log.
    fn utxo_step_observed<O: ForwardObserver>(
        &mut self,
        block: &Block,
        ids: &[TxId],
        history: &dyn History,
        obs: &mut O,
    ) -> (Option<Violation>, u64, UndoLog) {
        let number = block.header.number;
        let mut first_writes = 0;
        let mut undo = UndoLog::default();
        let undo = &mut undo;
        for (t, (tx, id)) in block.txs.iter().zip(ids).enumerate() {
            let refs = block.refs_of(t);
            let here = TxLoc::new(number, t as u32);
            for (i, m) in tx.moves().iter().enumerate() {
                if !in_utxo_set(m) {
                    continue;
                }
                let reference = refs.get(i).copied().unwrap_or_default();
                match self.set.apply_move(m, reference, *id, here, undo) {
                    Ok(Placed { out: found, .. }) => {
                        let position = Position::of_move(number, t as u32, i as u32);
                        let key = m.key();
                        if m.is_write() {
                            first_writes += m.is_first_use() as u64;
                            obs.step(ForwardStep::Consumed { position, key, output: found });
                            obs.step(ForwardStep::Created {
                                position,
                                key,
                                output: Output { intx: *id, value: m.next },
                            });
                        } else {
                            obs.step(ForwardStep::Read { position, key, output: found });
                        }
                    }
                    Err(found) => {
                        let position = Position::of_move(number, t as u32, i as u32);
                        let failure = classify(m, reference, position, found, block, ids, t, history);
                        return (Some(failure), first_writes, std::mem::take(undo));
                    }
                }
            }
        }
        (None, first_writes, std::mem::take(undo))
    }
}

/// Names the rule a move with `reference` broke, given the live output of its key (DESIGN §4's
/// ranking; §9 for references).
#[allow(clippy::too_many_arguments)]
fn classify(
    m: &Move,
    reference: TxLoc,
    position: Position,
    found: Placed,
    block: &Block,
    ids: &[TxId],
    tx_index: usize,
    history: &dyn History,
) -> Violation {
    let key = m.key();
    let Placed { out: found, at: found_at } = found;
    let describe = |o: Output| {
        if o.is_written() {
            format!("live output of {key} is ({}, {})", o.intx, o.value)
        } else {
            format!("{key} was never written")
        }
    };
    if found.intx == m.intx && !m.intx.is_zero() && found_at != reference {
        return Violation::new(
            position,
            Rule::UnknownOutput,
            format!("reference {reference} does not name tx {}, which sits at {found_at}", m.intx),
        );
    }
    if found.intx == m.intx {
        return Violation::new(
            position,
            Rule::PrevMismatch,
            format!("prev {} but output ({}, {key}) holds {}", m.prev, m.intx, found.value),
        );
    }
    let consumed_rule = if m.is_write() { Rule::DoubleUse } else { Rule::ReadAfterConsume };
    if m.intx.is_zero() {
        return Violation::new(
            position,
            consumed_rule,
            format!("never-written output of {key} was already consumed by its first write; {}", describe(found)),
        );
    }
    // The reference must name an earlier tx with that id which wrote the key.
    let number = block.header.number;
    let existed = if reference.block == number {
        let i = reference.index as usize;
        i < tx_index && ids[i] == m.intx && block.txs[i].moves().iter().any(|w| w.key() == key && w.is_write())
    } else {
        reference.block < number && history.locate(&m.intx) == Some(reference) && history.wrote(&m.intx, &key)
    };
    if existed {
        Violation::new(
            position,
            consumed_rule,
            format!("output ({}, {key}) was consumed earlier; {}", m.intx, describe(found)),
        )
    } else {
        Violation::new(
            position,
            Rule::UnknownOutput,
            format!("no earlier tx {} wrote {key}; {}", m.intx, describe(found)),
        )
    }
}
