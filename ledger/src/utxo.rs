//! The UTXO set in memory: one entry per state key holding its live output.
//!
//! For each key `(mark, addr, slot)` exactly one output is live at any time: the implicit
//! `(0, key) = 0` until the first write, then the output of the last tx that wrote it (a write
//! consumes the live output and creates the next one). So the set is stored as
//! `key → (intx, value)`, and the first-use marker of a key is implied by `intx != 0`. This is the
//! same set as DESIGN's `(intx, mark, addr, slot) → value` plus markers — [`UtxoSet::elements`]
//! lists it that way — but a write updates one entry in place, with a single hash lookup.
//!
//! The set is split into [`SHARDS`] hash tables by the top bits of each key's hash. Keys are
//! independent of each other (a move only ever meets moves on its own key), so a block's UTXO
//! step runs shard by shard in parallel, and inside a shard in table order (by hash, then block
//! order), which turns random probes of a large table into a forward sweep. Per key the block
//! order is kept, so each key's first failure is the one a sequential pass would meet, and the
//! earliest of them is the block's.
//!
//! The map is a cache over the checkpoint on disk (Bitcoin Core's `CCoinsViewCache`): entries
//! carry a dirty flag, [`UtxoSet::take_dirty`] hands the changed ones to the store in key order,
//! and keys not in memory are prefetched before a block's UTXO step runs.

use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use manaflow_types::{LtHash, Mark, Move, SetElement, StateKey, TxId, TxLoc, Word};
use rayon::prelude::*;

/// Number of shards (a power of two).
pub const SHARDS: usize = 16;
const SHARD_SHIFT: u32 = 64 - SHARDS.trailing_zeros();

pub use crate::placed::Placed;
use crate::placed::{Stored, pack};
pub use manaflow_types::Output;

#[derive(Clone, Copy, Debug)]
struct Slot {
    key: StateKey,
    out: Stored,
    dirty: bool,
}

/// The old state of one entry, kept to undo a block.
#[derive(Clone, Copy, Debug)]
struct Undo {
    hash: u64,
    key: StateKey,
    old: Option<(Stored, bool)>,
}

/// Changes made by a block's UTXO step, to roll it back: one list per part of the set that
/// was changed independently (each list is undone newest first; the lists touch disjoint keys).
#[derive(Debug, Default)]
pub struct UndoLog(Vec<Vec<Undo>>);

impl UndoLog {
    /// Number of entries changed.
    pub fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    /// Whether nothing was changed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn single(&mut self) -> &mut Vec<Undo> {
        if self.0.is_empty() {
            self.0.push(Vec::new());
        }
        &mut self.0[0]
    }
}

/// A move as the parallel UTXO step carries it: compact, and copied so that a shard reads its
/// moves in the order it visits its table rather than chasing pointers into the block.
#[derive(Clone, Copy, Debug)]
struct Item {
    hash: u64,
    seq: u32,
    tx: u32,
    key: StateKey,
    intx: TxId,
    reference: u64,
    prev: Word,
    next: Word,
}

/// Orders a shard's items by the region of the table their key lives in (the high bits of the
/// bucket index hashbrown derives from the hash's low bits), with a stable counting sort: items
/// of one region — and so all moves of one key — stay in block order.
fn bucket_by_table_region<'a>(parts: impl Iterator<Item = &'a [Item]> + Clone, capacity: usize) -> Vec<Item> {
    const REGION_BITS: u32 = 12;
    let buckets = (capacity.max(1) * 8 / 7).next_power_of_two() as u64;
    let bits = buckets.trailing_zeros();
    let region_bits = bits.min(REGION_BITS);
    let region = |hash: u64| ((hash & (buckets - 1)) >> (bits - region_bits)) as usize;
    let mut starts = vec![0usize; (1 << region_bits) + 1];
    for item in parts.clone().flatten() {
        starts[region(item.hash) + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let Some(filler) = parts.clone().flatten().next().copied() else { return Vec::new() };
    let mut out = vec![filler; starts[starts.len() - 1]];
    for item in parts.flatten() {
        let r = region(item.hash);
        out[starts[r]] = *item;
        starts[r] += 1;
    }
    out
}

#[derive(Default)]
struct Shard {
    table: HashTable<Slot>,
    dirty: Vec<(u64, StateKey)>,
}

/// A move that did not find its output: where (its sequence number in the block) and what it
/// found instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Index of the move among the block's moves passed in.
    pub seq: u32,
    /// The live output of the move's key.
    pub found: Placed,
}

/// The outcome of a block's UTXO step.
#[derive(Debug, Default)]
pub struct StepOutcome {
    /// The earliest move that did not find its output, if any.
    pub mismatch: Option<Mismatch>,
    /// Keys written for the first time.
    pub first_writes: u64,
    /// What to undo.
    pub undo: UndoLog,
}

/// The in-memory UTXO set (or the cached part of it).
pub struct UtxoSet {
    shards: Vec<Shard>,
    hasher: RandomState,
    /// Whether every key not in the map is known to be never written (no backing store, or the
    /// whole checkpoint is loaded). When false, keys must be prefetched before they are checked.
    complete: bool,
}

impl Default for UtxoSet {
    fn default() -> Self {
        Self::new()
    }
}

impl UtxoSet {
    /// An empty set that holds everything (no backing store).
    pub fn new() -> Self {
        Self { shards: (0..SHARDS).map(|_| Shard::default()).collect(), hasher: RandomState::default(), complete: true }
    }

    /// An empty cache in front of a checkpoint that holds more.
    pub fn partial() -> Self {
        Self { complete: false, ..Self::new() }
    }

    #[inline]
    fn hash(&self, key: &StateKey) -> u64 {
        self.hasher.hash_one(key)
    }

    #[inline]
    fn shard_of(hash: u64) -> usize {
        (hash >> SHARD_SHIFT) as usize
    }

    /// Whether every key is in memory.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Declares the cache complete (after loading the whole checkpoint).
    pub fn mark_complete(&mut self) {
        self.complete = true;
    }

    /// Number of keys held in memory.
    pub fn cached_keys(&self) -> usize {
        self.shards.iter().map(|s| s.table.len()).sum()
    }

    /// Number of entries changed since the last [`UtxoSet::take_dirty`] (an upper bound).
    pub fn dirty_len(&self) -> usize {
        self.shards.iter().map(|s| s.dirty.len()).sum()
    }

    /// Reserves room for `additional` more keys.
    pub fn reserve(&mut self, additional: usize) {
        let hasher = self.hasher.clone();
        for shard in &mut self.shards {
            shard.table.reserve(additional / SHARDS + 1, |s| hasher.hash_one(s.key));
        }
    }

    fn find(&self, hash: u64, key: &StateKey) -> Option<&Slot> {
        self.shards[Self::shard_of(hash)].table.find(hash, |s| s.key == *key)
    }

    /// The live output of `key` if it is known in memory (`None`: not cached, ask the store).
    pub fn cached(&self, key: &StateKey) -> Option<Placed> {
        match self.find(self.hash(key), key) {
            Some(s) => Some(s.out.placed()),
            None if self.complete => Some(Placed::NEVER_WRITTEN),
            None => None,
        }
    }

    /// Whether `key` must be loaded from the store before it can be checked.
    pub fn needs_load(&self, key: &StateKey) -> bool {
        !self.complete && self.find(self.hash(key), key).is_none()
    }

    /// Inserts an entry read from the checkpoint (clean); keeps an entry already present.
    pub fn insert_clean(&mut self, key: StateKey, out: Placed) {
        let hash = self.hash(&key);
        let hasher = &self.hasher;
        let shard = &mut self.shards[Self::shard_of(hash)];
        if shard.table.find(hash, |s| s.key == key).is_none() {
            shard.table.insert_unique(hash, Slot { key, out: out.into(), dirty: false }, |s| hasher.hash_one(s.key));
        }
    }

    /// The live output of `key` (never-written if absent); the key must be in memory.
    pub fn live(&self, key: &StateKey) -> Placed {
        self.find(self.hash(key), key).map(|s| s.out.placed()).unwrap_or(Placed::NEVER_WRITTEN)
    }

    /// Checks one move, whose reference is `reference`, made by tx `tx` at `at`, and applies
    /// it, recording the change in `undo`. Returns the output the move found, or the live
    /// output when the move does not match it.
    pub fn apply_move(
        &mut self,
        m: &Move,
        reference: TxLoc,
        tx: TxId,
        at: TxLoc,
        undo: &mut UndoLog,
    ) -> Result<Placed, Placed> {
        let key = m.key();
        let hash = self.hash(&key);
        let hasher = &self.hasher;
        let shard = &mut self.shards[Self::shard_of(hash)];
        shard.apply(hash, m, pack(reference), Stored::new(tx, m.next, pack(at)), hasher, undo.single())
    }

    /// The UTXO step of block `number`, in parallel by shard: `moves` in block order, each with
    /// the index of its tx in `ids` and its reference. Each key's moves are checked in order; the earliest mismatch
    /// over all keys is returned. On a mismatch the caller rolls back with [`UtxoSet::rollback`].
    ///
    /// Moves are copied into compact items routed to their shard (reading the block once, in
    /// order), then bucketed by table region with a stable counting sort, so that each shard is
    /// swept forwards through both its items and its table; stability keeps each key's moves in
    /// block order.
    pub fn apply_moves(&mut self, number: u64, moves: &[(u32, &Move, TxLoc)], ids: &[TxId]) -> StepOutcome {
        let hasher = self.hasher.clone();
        let threads = rayon::current_num_threads().max(1);
        let chunk = moves.len().div_ceil(threads).max(4096);
        // Route: per chunk of the block, per shard, the items in block order.
        let routed: Vec<Vec<Vec<Item>>> = moves
            .par_chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let mut per_shard: Vec<Vec<Item>> =
                    (0..SHARDS).map(|_| Vec::with_capacity(part.len() / SHARDS * 5 / 4 + 8)).collect();
                for (j, (tx, m, reference)) in part.iter().enumerate() {
                    let key = m.key();
                    let hash = hasher.hash_one(key);
                    let seq = (c * chunk + j) as u32;
                    per_shard[Self::shard_of(hash)].push(Item {
                        hash,
                        seq,
                        tx: *tx,
                        key,
                        intx: m.intx,
                        reference: pack(*reference),
                        prev: m.prev,
                        next: m.next,
                    });
                }
                per_shard
            })
            .collect();
        let results: Vec<(Option<Mismatch>, u64, Vec<Undo>)> = self
            .shards
            .par_iter_mut()
            .enumerate()
            .map(|(s, shard)| {
                let items =
                    bucket_by_table_region(routed.iter().map(|per_shard| &per_shard[s][..]), shard.table.capacity());
                let mut undo = Vec::with_capacity(items.len());
                let mut mismatch: Option<Mismatch> = None;
                let mut failed: hashbrown::HashSet<StateKey, RandomState> = hashbrown::HashSet::default();
                let mut first_writes = 0u64;
                for item in &items {
                    if !failed.is_empty() && failed.contains(&item.key) {
                        continue; // later moves on a key that already failed are moot
                    }
                    let next = Stored::new(ids[item.tx as usize], item.next, pack(TxLoc::new(number, item.tx)));
                    match shard.check_and_write(item, next, &hasher, &mut undo) {
                        Ok(()) => first_writes += (item.prev != item.next && item.intx.is_zero()) as u64,
                        Err(found) => {
                            failed.insert(item.key);
                            if mismatch.is_none_or(|x| item.seq < x.seq) {
                                mismatch = Some(Mismatch { seq: item.seq, found });
                            }
                        }
                    }
                }
                (mismatch, first_writes, undo)
            })
            .collect();
        let mut outcome = StepOutcome::default();
        for (mismatch, first_writes, undo) in results {
            if let Some(m) = mismatch
                && outcome.mismatch.is_none_or(|x| m.seq < x.seq)
            {
                outcome.mismatch = Some(m);
            }
            outcome.first_writes += first_writes;
            outcome.undo.0.push(undo);
        }
        outcome
    }

    /// Undoes the changes recorded in `undo` (newest first) and empties it.
    pub fn rollback(&mut self, undo: &mut UndoLog) {
        let hasher = self.hasher.clone();
        for u in undo.0.drain(..).flat_map(|list| list.into_iter().rev()) {
            let table = &mut self.shards[Self::shard_of(u.hash)].table;
            match (table.find_entry(u.hash, |s| s.key == u.key), u.old) {
                (Ok(mut entry), Some((out, dirty))) => {
                    let slot = entry.get_mut();
                    slot.out = out;
                    slot.dirty = dirty;
                }
                (Ok(entry), None) => {
                    entry.remove();
                }
                (Err(_), Some((out, dirty))) => {
                    table.insert_unique(u.hash, Slot { key: u.key, out, dirty }, |s| hasher.hash_one(s.key));
                }
                (Err(_), None) => {}
            }
        }
    }

    /// Restores `key` to an older output while undoing a committed block (its moves and
    /// references name the outputs they consumed). Marks the entry dirty so the checkpoint
    /// follows.
    pub fn restore(&mut self, key: StateKey, out: Placed) {
        self.set(key, out);
    }

    /// Sets `key`'s live output without checks (replaying committed blocks).
    pub fn set(&mut self, key: StateKey, out: Placed) {
        let hash = self.hash(&key);
        let hasher = &self.hasher;
        let shard = &mut self.shards[Self::shard_of(hash)];
        let mut scratch = Vec::new();
        shard.write(hash, key, out.into(), hasher, &mut scratch);
    }

    /// Takes every entry changed since the last call, sorted by key bytes (the checkpoint's
    /// order), and marks them clean. [`Placed::NEVER_WRITTEN`] means "delete from the checkpoint".
    pub fn take_dirty(&mut self) -> Vec<([u8; StateKey::LEN], Placed)> {
        let mut out: Vec<([u8; StateKey::LEN], Placed)> = self
            .shards
            .par_iter_mut()
            .flat_map_iter(|shard| {
                let mut taken = Vec::with_capacity(shard.dirty.len());
                for (hash, key) in shard.dirty.drain(..) {
                    if let Some(slot) = shard.table.find_mut(hash, |s| s.key == key)
                        && slot.dirty
                    {
                        slot.dirty = false;
                        taken.push((key.to_bytes(), slot.out.placed()));
                    }
                }
                taken
            })
            .collect();
        out.par_sort_unstable_by_key(|e| e.0);
        out
    }

    /// Marks entries of a checkpoint batch that failed to write as dirty again.
    pub fn mark_dirty_again(&mut self, batch: &[([u8; StateKey::LEN], Placed)]) {
        for (bytes, _) in batch {
            let Ok(key) = StateKey::from_bytes(bytes) else { continue };
            let hash = self.hash(&key);
            let shard = &mut self.shards[Self::shard_of(hash)];
            if let Some(slot) = shard.table.find_mut(hash, |s| s.key == key)
                && !slot.dirty
            {
                slot.dirty = true;
                shard.dirty.push((hash, key));
            }
        }
    }

    /// Drops clean entries to bound memory; the set becomes partial.
    pub fn evict_clean(&mut self) {
        for shard in &mut self.shards {
            shard.table.retain(|s| s.dirty);
        }
        self.complete = false;
    }

    /// The set as DESIGN §2 states it: every live output and every first-use marker, in
    /// canonical key order. Only meaningful on a complete set.
    pub fn elements(&self) -> Vec<SetElement> {
        let mut written: Vec<(StateKey, Output)> = self.iter_written().map(|(k, o)| (*k, o.out)).collect();
        written.par_sort_unstable_by_key(|(k, _)| *k);
        let mut out = Vec::with_capacity(written.len() * 2);
        for (key, o) in written {
            out.push(SetElement::Marker { key });
            out.push(SetElement::Output { intx: o.intx, key, value: o.value });
        }
        out
    }

    /// The commitment of the set computed from scratch, from every member (in parallel, without
    /// materialising the members). Only meaningful on a complete set.
    pub fn lthash_from_scratch(&self) -> LtHash {
        self.shards
            .par_iter()
            .map(|shard| {
                let mut hash = LtHash::new();
                for slot in shard.table.iter().filter(|s| s.out.out.is_written()) {
                    hash.insert(&SetElement::Marker { key: slot.key });
                    let out = slot.out.out;
                    hash.insert(&SetElement::Output { intx: out.intx, key: slot.key, value: out.value });
                }
                hash
            })
            .reduce(LtHash::new, |mut a, b| {
                a.combine(&b);
                a
            })
    }

    /// Live written outputs held in memory, as `(key, output)`.
    pub fn iter_written(&self) -> impl Iterator<Item = (&StateKey, Placed)> {
        self.shards
            .iter()
            .flat_map(|s| s.table.iter())
            .filter(|s| s.out.out.is_written())
            .map(|s| (&s.key, s.out.placed()))
    }
}

impl Shard {
    /// The parallel step's check-and-apply of one item.
    #[inline]
    fn check_and_write(
        &mut self,
        item: &Item,
        next: Stored,
        hasher: &RandomState,
        undo: &mut Vec<Undo>,
    ) -> Result<(), Placed> {
        if item.prev == item.next {
            let live =
                self.table.find(item.hash, |s| s.key == item.key).map(|s| s.out).unwrap_or(Stored::NEVER_WRITTEN);
            return if live.matches(&item.intx, item.reference, &item.prev) { Ok(()) } else { Err(live.placed()) };
        }
        match self.table.find_mut(item.hash, |s| s.key == item.key) {
            Some(slot) => {
                if !slot.out.matches(&item.intx, item.reference, &item.prev) {
                    return Err(slot.out.placed());
                }
                undo.push(Undo { hash: item.hash, key: item.key, old: Some((slot.out, slot.dirty)) });
                if !slot.dirty {
                    self.dirty.push((item.hash, item.key));
                }
                slot.out = next;
                slot.dirty = true;
            }
            None => {
                if !item.intx.is_zero() || !item.prev.is_zero() {
                    return Err(Placed::NEVER_WRITTEN);
                }
                undo.push(Undo { hash: item.hash, key: item.key, old: None });
                self.dirty.push((item.hash, item.key));
                self.table.insert_unique(item.hash, Slot { key: item.key, out: next, dirty: true }, |s| {
                    hasher.hash_one(s.key)
                });
            }
        }
        Ok(())
    }

    #[inline]
    fn apply(
        &mut self,
        hash: u64,
        m: &Move,
        reference: u64,
        next: Stored,
        hasher: &RandomState,
        undo: &mut Vec<Undo>,
    ) -> Result<Placed, Placed> {
        let key = m.key();
        let live = self.table.find(hash, |s| s.key == key).map(|s| s.out).unwrap_or(Stored::NEVER_WRITTEN);
        if !live.matches(&m.intx, reference, &m.prev) {
            return Err(live.placed());
        }
        if m.is_write() {
            self.write(hash, key, next, hasher, undo);
        }
        Ok(live.placed())
    }

    #[inline]
    fn write(&mut self, hash: u64, key: StateKey, out: Stored, hasher: &RandomState, undo: &mut Vec<Undo>) {
        match self.table.find_mut(hash, |s| s.key == key) {
            Some(slot) => {
                undo.push(Undo { hash, key, old: Some((slot.out, slot.dirty)) });
                if !slot.dirty {
                    self.dirty.push((hash, key));
                }
                slot.out = out;
                slot.dirty = true;
            }
            None => {
                undo.push(Undo { hash, key, old: None });
                self.dirty.push((hash, key));
                self.table.insert_unique(hash, Slot { key, out, dirty: true }, |s| hasher.hash_one(s.key));
            }
        }
    }
}

/// Whether a move takes part in the UTXO step (`x` moves are checked against headers instead).
#[inline]
pub fn in_utxo_set(m: &Move) -> bool {
    m.mark != Mark::Context
}

#[cfg(test)]
#[path = "utxo_tests.rs"]
mod tests;
