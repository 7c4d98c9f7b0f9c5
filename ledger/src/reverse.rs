//! Reverse-order validation (DESIGN §4): from the tip to genesis, with no UTXO set.
//!
//! Each move is a *claim* on the output it names: at most one consumer and any number of
//! readers. Walking backwards, a tx's writes discharge the claims on the outputs it created
//! (each claim's value must be the value written); claims left on a tx that never wrote the key
//! name an unknown output; a second consumer, or a reader after the consumer, is blamed on the
//! later party. What is never claimed is live at the tip, so the walk also rebuilds the tip's
//! UTXO set. The verdict is the earliest violation, the same one forward validation reports.

use foldhash::fast::RandomState;
use hashbrown::{HashMap, HashSet};
use manaflow_types::{
    B256, Block, Bytes, ChainContext, CodeSource, LtHash, Position, Rule, Site, StateKey, TxId, Violation, Word,
    keccak256,
};

use crate::delta::block_delta;
use crate::pertx::prepare;
use crate::utxo::{Output, in_utxo_set};
use crate::verifier::TxVerifier;

/// One step of reverse validation, in the order it happens.
#[derive(Clone, Copy, Debug)]
pub enum ReverseStep<'a> {
    /// A block's txs are about to be walked (tip first).
    Block {
        /// Block number.
        number: u64,
    },
    /// A write discharged the claims on its output: `readers` reads and maybe one consume.
    Discharged {
        /// The write.
        position: Position,
        /// The key.
        key: StateKey,
        /// The value written, which every claim must expect.
        value: Word,
        /// Readers discharged.
        readers: usize,
        /// Whether a consumer was discharged (else the output is live at the tip).
        consumed: bool,
    },
    /// A move became a claim on an earlier output.
    Claimed {
        /// The move.
        position: Position,
        /// The output's tx (zero: never-written state).
        intx: TxId,
        /// The key.
        key: StateKey,
        /// The value it expects.
        value: Word,
        /// A read (else a consume).
        read: bool,
        /// Outstanding claims after this one.
        open_claims: usize,
    },
    /// A violation was found (the verdict is the earliest of them).
    Found {
        /// The violation.
        violation: &'a Violation,
    },
    /// A block's commitment was compared (genesis first, after the walk).
    Commitment {
        /// Block number.
        block: u64,
        /// Digest of the set after the block.
        computed: B256,
        /// Digest the header declares.
        declared: B256,
    },
}

/// Receives reverse-validation steps; hooks default to nothing.
pub trait ReverseObserver {
    /// One step.
    #[inline]
    fn step(&mut self, _step: ReverseStep<'_>) {}
}

impl ReverseObserver for () {}

impl<F: FnMut(ReverseStep<'_>)> ReverseObserver for F {
    fn step(&mut self, step: ReverseStep<'_>) {
        self(step)
    }
}

/// What reverse validation finds.
#[derive(Debug, Clone, Default)]
pub struct ReverseOutcome {
    /// The earliest violation, or `None` for a valid chain.
    pub verdict: Option<Violation>,
    /// The UTXO set at the tip: each written key's live output, in canonical key order.
    pub tip: Vec<(StateKey, Output)>,
    /// Keys with a first-use marker at the tip, in canonical order.
    pub markers: Vec<StateKey>,
    /// The commitment digest after each block.
    pub commitments: Vec<B256>,
}

#[derive(Default)]
struct Claims {
    consumer: Option<(Position, Word)>,
    readers: Vec<(Position, Word)>,
}

struct Pos(u64, u32);

/// Code deployed by the blocks walked so far.
#[derive(Default)]
struct Codes(HashMap<B256, Bytes, RandomState>);

impl CodeSource for Codes {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.0.get(hash).cloned()
    }
}

struct HeaderChain<'a> {
    blocks: &'a [Block],
    hashes: &'a [B256],
    upto: u64,
}

impl ChainContext for HeaderChain<'_> {
    fn block_hash(&self, number: u64) -> Option<B256> {
        (number < self.upto).then(|| self.hashes.get(number as usize).copied()).flatten()
    }
    fn dev_mode(&self) -> bool {
        self.blocks.get(self.upto as usize).is_some_and(|b| b.header.dev_mode())
    }
}

/// Validates `blocks` (genesis first) in reverse order.
pub fn validate_reverse<O: ReverseObserver>(
    blocks: &[Block],
    verifier: &dyn TxVerifier,
    obs: &mut O,
) -> ReverseOutcome {
    // Positions name blocks by height. A chain whose numbering breaks at height b is checked up
    // to b: nothing after it can come before b's header.
    if let Some(b) = blocks.iter().enumerate().position(|(h, block)| block.header.number != h as u64) {
        let mut outcome = validate_reverse(&blocks[..b], verifier, obs);
        let v = Violation::new(
            Position { block: b as u64, site: Site::Header },
            Rule::BadHeader,
            format!("number {} is not the next height ({b})", blocks[b].header.number),
        );
        obs.step(ReverseStep::Found { violation: &v });
        outcome.verdict = Violation::earliest(outcome.verdict, Some(v));
        return outcome;
    }
    let mut found: Vec<Violation> = Vec::new();
    let mut report = |v: Violation, obs: &mut O| {
        obs.step(ReverseStep::Found { violation: &v });
        found.push(v);
    };

    // Pass 1, stateless: ids, first positions, header and per-tx checks.
    let hashes: Vec<B256> = blocks.iter().map(Block::hash).collect();
    let mut pos: HashMap<TxId, Pos, RandomState> = HashMap::default();
    let mut ids_per_block = Vec::with_capacity(blocks.len());
    let mut codes = Codes::default();
    for (b, block) in blocks.iter().enumerate() {
        let chain = HeaderChain { blocks, hashes: &hashes, upto: b as u64 };
        let number = block.header.number;
        let known = |id: &TxId| pos.get(id).is_some_and(|p| p.0 < number);
        let parent = b.checked_sub(1).map(|p| &blocks[p].header);
        let prepared = prepare(block, parent, &chain, verifier, &known, &codes, None);
        for code in block.outcomes.iter().flat_map(|o| &o.codes) {
            codes.0.insert(keccak256(code), code.clone());
        }
        if let Some(v) = prepared.violation {
            report(v, obs);
        }
        for (i, id) in prepared.ids.iter().enumerate() {
            pos.entry(*id).or_insert(Pos(number, i as u32));
        }
        ids_per_block.push(prepared.ids);
    }

    // Pass 2: tip to genesis.
    let mut claims: HashMap<(TxId, StateKey), Claims, RandomState> = HashMap::default();
    let mut claimed_by_tx: HashMap<TxId, Vec<StateKey>, RandomState> = HashMap::default();
    let mut tip: HashMap<StateKey, Output, RandomState> = HashMap::default();
    let mut deltas = vec![LtHash::new(); blocks.len()];
    for (b, block) in blocks.iter().enumerate().rev() {
        let number = block.header.number;
        obs.step(ReverseStep::Block { number });
        let ids = &ids_per_block[b];
        deltas[b] = block_delta(block, ids);
        for (t, (tx, id)) in block.txs.iter().zip(ids).enumerate().rev() {
            let first_occurrence = pos.get(id).is_some_and(|p| p.0 == number && p.1 == t as u32);
            // t's writes discharge the claims on the outputs it created.
            for (i, w) in tx.moves().iter().enumerate() {
                if !in_utxo_set(w) || !w.is_write() || !first_occurrence {
                    continue;
                }
                let key = w.key();
                let position = Position::of_move(number, t as u32, i as u32);
                match claims.remove(&(*id, key)) {
                    None => {
                        tip.insert(key, Output { intx: *id, value: w.next });
                        obs.step(ReverseStep::Discharged { position, key, value: w.next, readers: 0, consumed: false });
                    }
                    Some(c) => {
                        if c.consumer.is_none() {
                            tip.insert(key, Output { intx: *id, value: w.next });
                        }
                        obs.step(ReverseStep::Discharged {
                            position,
                            key,
                            value: w.next,
                            readers: c.readers.len(),
                            consumed: c.consumer.is_some(),
                        });
                        for (p, v) in c.consumer.iter().chain(c.readers.iter()) {
                            if *v != w.next {
                                let why = format!("expects {v} but ({id}, {key}) was created with {}", w.next);
                                report(Violation::new(*p, Rule::PrevMismatch, why), obs);
                            }
                        }
                    }
                }
            }
            // Claims left on outputs of t: t never wrote those keys.
            if first_occurrence && let Some(keys) = claimed_by_tx.remove(id) {
                for key in keys {
                    if let Some(c) = claims.remove(&(*id, key)) {
                        for (p, _) in c.consumer.iter().chain(c.readers.iter()) {
                            let why = format!("tx {id} did not write {key}");
                            report(Violation::new(*p, Rule::UnknownOutput, why), obs);
                        }
                    }
                }
            }
            // t's own moves become claims on earlier outputs (last move first: the walk is
            // backwards at every level, so a second claim found is always the earlier party).
            // A move finds its output's tx through its reference (DESIGN §9).
            let refs = block.refs_of(t);
            for (i, m) in tx.moves().iter().enumerate().rev() {
                if !in_utxo_set(m) {
                    continue;
                }
                let p = Position::of_move(number, t as u32, i as u32);
                let key = m.key();
                if !m.intx.is_zero() {
                    let r = refs.get(i).copied().unwrap_or_default();
                    let earlier = (r.block, r.index) < (number, t as u32);
                    let named = ids_per_block.get(r.block as usize).and_then(|ids| ids.get(r.index as usize));
                    if !earlier || named != Some(&m.intx) {
                        let why = format!("reference {r} does not name an earlier tx {}", m.intx);
                        report(Violation::new(p, Rule::UnknownOutput, why), obs);
                        continue;
                    }
                }
                let entry = claims.entry((m.intx, key)).or_insert_with(|| {
                    claimed_by_tx.entry(m.intx).or_default().push(key);
                    Claims::default()
                });
                if m.is_write() {
                    if let Some((p2, _)) = entry.consumer {
                        let why = format!("consumes ({}, {key}), which {p} consumes first", m.intx);
                        report(Violation::new(p2, Rule::DoubleUse, why), obs);
                    }
                    for (p2, _) in entry.readers.drain(..) {
                        let why = format!("reads ({}, {key}), which {p} consumes first", m.intx);
                        report(Violation::new(p2, Rule::ReadAfterConsume, why), obs);
                    }
                    entry.consumer = Some((p, m.prev));
                } else {
                    entry.readers.push((p, m.prev));
                }
                let open_claims = claims.len();
                obs.step(ReverseStep::Claimed {
                    position: p,
                    intx: m.intx,
                    key,
                    value: m.prev,
                    read: !m.is_write(),
                    open_claims,
                });
            }
        }
    }

    // Claims on never-written state: they expect zero; a consume leaves a marker.
    let mut markers = HashSet::<StateKey, RandomState>::default();
    for ((intx, key), c) in claims.drain() {
        debug_assert!(intx.is_zero(), "claims on real outputs are discharged or reported at their tx");
        for (p, v) in c.consumer.iter().chain(c.readers.iter()) {
            if !v.is_zero() {
                let why = format!("expects {v} but {key} was never written");
                report(Violation::new(*p, Rule::PrevMismatch, why), obs);
            }
        }
        if c.consumer.is_some() {
            markers.insert(key);
        }
    }

    // Commitments, genesis to tip.
    let mut set = LtHash::new();
    let mut commitments = Vec::with_capacity(blocks.len());
    for (block, delta) in blocks.iter().zip(&deltas) {
        set.combine(delta);
        let computed = set.digest();
        obs.step(ReverseStep::Commitment { block: block.header.number, computed, declared: block.header.commitment });
        if computed != block.header.commitment {
            let why =
                format!("header commits to {} but the set after the block is {computed}", block.header.commitment);
            report(
                Violation::new(
                    Position { block: block.header.number, site: Site::Commitment },
                    Rule::BadCommitment,
                    why,
                ),
                obs,
            );
        }
        commitments.push(computed);
    }

    let verdict = found.into_iter().fold(None, |acc, v| Violation::earliest(acc, Some(v)));
    let mut tip: Vec<(StateKey, Output)> = tip.into_iter().collect();
    tip.sort_unstable_by_key(|(k, _)| *k);
    let mut markers: Vec<StateKey> = markers.into_iter().collect();
    markers.sort_unstable();
    ReverseOutcome { verdict, tip, markers, commitments }
}
