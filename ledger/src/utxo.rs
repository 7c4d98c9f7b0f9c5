//! The UTXO set in memory: one entry per state key holding its live output.
//!
//! For each key `(mark, addr, slot)` exactly one output is live at any time: the implicit
//! `(0, key) = 0` until the first write, then the output of the last tx that wrote it (a write
//! consumes the live output and creates the next one). So the set is stored as
//! `key → (intx, value)`, and the first-use marker of a key is implied by `intx != 0`. This is the
//! same set as DESIGN's `(intx, mark, addr, slot) → value` plus markers — [`UtxoSet::elements`]
//! lists it that way — but a write updates one entry in place, with a single hash lookup.
//!
//! The map is a cache over the checkpoint on disk (Bitcoin Core's `CCoinsViewCache`): entries
//! carry a dirty flag, [`UtxoSet::take_dirty`] hands the changed ones to the store in key order,
//! and keys not in memory are prefetched before a block's critical path runs.

use foldhash::fast::RandomState;
use hashbrown::HashMap;
use manaflow_types::{Mark, Move, SetElement, StateKey, TxId, Word};

/// The live output of a key; `intx == 0` is the implicit never-written output (value 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Output {
    /// The tx that created it, or zero.
    pub intx: TxId,
    /// Its value.
    pub value: Word,
}

impl Output {
    /// The implicit output of never-written state.
    pub const NEVER_WRITTEN: Output = Output { intx: TxId::ZERO, value: Word::ZERO };

    /// Whether this is a real output (and so the key's first-use marker exists).
    pub fn is_written(&self) -> bool {
        !self.intx.is_zero()
    }

    /// Encodes as `intx ‖ value` for the checkpoint.
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(self.intx.as_slice());
        out[32..].copy_from_slice(self.value.as_slice());
        out
    }

    /// Decodes [`Output::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        (bytes.len() == 64)
            .then(|| Output { intx: TxId::from_slice(&bytes[..32]), value: Word::from_slice(&bytes[32..]) })
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    out: Output,
    dirty: bool,
}

/// The old value of an entry, kept to undo a block that fails after its UTXO step started.
#[derive(Clone, Copy, Debug)]
pub struct Undo {
    key: StateKey,
    old: Option<Entry>,
}

/// The in-memory UTXO set (or the cached part of it).
#[derive(Default)]
pub struct UtxoSet {
    map: HashMap<StateKey, Entry, RandomState>,
    dirty: Vec<StateKey>,
    /// Whether every key not in the map is known to be never written (no backing store, or the
    /// whole checkpoint is loaded). When false, keys must be prefetched before they are checked.
    complete: bool,
}

impl UtxoSet {
    /// An empty set that holds everything (no backing store).
    pub fn new() -> Self {
        Self { map: HashMap::default(), dirty: Vec::new(), complete: true }
    }

    /// An empty cache in front of a checkpoint that holds more.
    pub fn partial() -> Self {
        Self { complete: false, ..Self::new() }
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
        self.map.len()
    }

    /// Number of entries changed since the last [`UtxoSet::take_dirty`] (an upper bound).
    pub fn dirty_len(&self) -> usize {
        self.dirty.len()
    }

    /// Reserves room for `additional` more keys.
    pub fn reserve(&mut self, additional: usize) {
        self.map.reserve(additional);
    }

    /// The live output of `key` if it is known in memory (`None`: not cached, ask the store).
    pub fn cached(&self, key: &StateKey) -> Option<Output> {
        match self.map.get(key) {
            Some(e) => Some(e.out),
            None if self.complete => Some(Output::NEVER_WRITTEN),
            None => None,
        }
    }

    /// Whether `key` must be loaded from the store before it can be checked.
    pub fn needs_load(&self, key: &StateKey) -> bool {
        !self.complete && !self.map.contains_key(key)
    }

    /// Inserts an entry read from the checkpoint (clean).
    pub fn insert_clean(&mut self, key: StateKey, out: Output) {
        self.map.entry(key).or_insert(Entry { out, dirty: false });
    }

    /// The live output of `key` (never-written if absent); the key must be loadable from memory.
    #[inline]
    pub fn live(&self, key: &StateKey) -> Output {
        self.map.get(key).map(|e| e.out).unwrap_or(Output::NEVER_WRITTEN)
    }

    /// Replaces the live output of `key`, recording the old entry in `undo`.
    #[inline]
    pub fn set(&mut self, key: StateKey, out: Output, undo: &mut Vec<Undo>) {
        match self.map.entry(key) {
            hashbrown::hash_map::Entry::Occupied(mut o) => {
                let old = *o.get();
                undo.push(Undo { key, old: Some(old) });
                if !old.dirty {
                    self.dirty.push(key);
                }
                *o.get_mut() = Entry { out, dirty: true };
            }
            hashbrown::hash_map::Entry::Vacant(v) => {
                undo.push(Undo { key, old: None });
                self.dirty.push(key);
                v.insert(Entry { out, dirty: true });
            }
        }
    }

    /// Checks and applies one move at its position; see [`crate::forward`] for the rules.
    /// Returns the output it found, or that output when the move does not match it.
    #[inline]
    pub fn apply_move(&mut self, m: &Move, tx: TxId, undo: &mut Vec<Undo>) -> Result<Output, Output> {
        let key = m.key();
        let live = self.live(&key);
        if live.intx != m.intx || live.value != m.prev {
            return Err(live);
        }
        if m.is_write() {
            self.set(key, Output { intx: tx, value: m.next }, undo);
        }
        Ok(live)
    }

    /// Undoes the changes recorded in `undo` (newest first) and empties it.
    pub fn rollback(&mut self, undo: &mut Vec<Undo>) {
        while let Some(u) = undo.pop() {
            match u.old {
                // The old entry may have been clean; it now differs from what the last flush may
                // have written in the meantime only if a flush ran, which never happens mid-block.
                Some(old) => {
                    self.map.insert(u.key, old);
                }
                None => {
                    self.map.remove(&u.key);
                }
            }
        }
    }

    /// Restores `key` to an older output while undoing a committed block (its moves name the
    /// outputs they consumed). Marks the entry dirty so the checkpoint follows.
    pub fn restore(&mut self, key: StateKey, out: Output) {
        let mut scratch = Vec::with_capacity(1);
        self.set(key, out, &mut scratch);
    }

    /// Takes every entry changed since the last call, sorted by key bytes (the checkpoint's
    /// order), and marks them clean. `Output::NEVER_WRITTEN` means "delete from the checkpoint".
    pub fn take_dirty(&mut self) -> Vec<([u8; StateKey::LEN], Output)> {
        let mut out = Vec::with_capacity(self.dirty.len());
        for key in self.dirty.drain(..) {
            if let Some(e) = self.map.get_mut(&key)
                && e.dirty
            {
                e.dirty = false;
                out.push((key.to_bytes(), e.out));
            }
        }
        out.sort_unstable_by_key(|a| a.0);
        out
    }

    /// Drops clean entries to bound memory; the set becomes partial.
    pub fn evict_clean(&mut self) {
        self.map.retain(|_, e| e.dirty);
        self.complete = false;
    }

    /// The set as DESIGN §2 states it: every live output and every first-use marker, in
    /// canonical key order. Only meaningful on a complete set.
    pub fn elements(&self) -> Vec<SetElement> {
        let mut keys: Vec<_> = self.map.iter().filter(|(_, e)| e.out.is_written()).map(|(k, e)| (*k, e.out)).collect();
        keys.sort_unstable_by_key(|(k, _)| *k);
        let mut out = Vec::with_capacity(keys.len() * 2);
        for (key, o) in keys {
            out.push(SetElement::Marker { key });
            out.push(SetElement::Output { intx: o.intx, key, value: o.value });
        }
        out
    }

    /// Live written outputs held in memory, as `(key, output)`.
    pub fn iter_written(&self) -> impl Iterator<Item = (&StateKey, &Output)> {
        self.map.iter().filter(|(_, e)| e.out.is_written()).map(|(k, e)| (k, &e.out))
    }
}

/// Whether a move takes part in the UTXO step (`x` moves are checked against headers instead).
#[inline]
pub fn in_utxo_set(m: &Move) -> bool {
    m.mark != Mark::Context
}

#[cfg(test)]
mod tests {
    use super::*;
    use manaflow_types::Address;

    #[test]
    fn apply_checks_intx_and_prev_then_updates_in_place() {
        let mut set = UtxoSet::new();
        let mut undo = Vec::new();
        let key = StateKey::balance(Address::repeat_byte(1));
        let t1 = TxId::repeat_byte(1);
        let first = Move::write(key, TxId::ZERO, Word::ZERO, Word::with_last_byte(5));
        assert_eq!(set.apply_move(&first, t1, &mut undo), Ok(Output::NEVER_WRITTEN));
        assert_eq!(set.live(&key), Output { intx: t1, value: Word::with_last_byte(5) });
        // The implicit output is gone once written.
        assert!(set.apply_move(&first, t1, &mut undo).is_err());
        set.rollback(&mut undo);
        assert_eq!(set.live(&key), Output::NEVER_WRITTEN);
        assert_eq!(set.take_dirty().len(), 0, "a rolled-back first write leaves nothing to flush");
    }

    #[test]
    fn take_dirty_is_sorted_and_clears() {
        let mut set = UtxoSet::new();
        let mut undo = Vec::new();
        for i in [3u8, 1, 2] {
            set.set(
                StateKey::nonce(Address::repeat_byte(i)),
                Output { intx: TxId::repeat_byte(i), value: Word::ZERO },
                &mut undo,
            );
        }
        let dirty = set.take_dirty();
        assert_eq!(dirty.len(), 3);
        assert!(dirty.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(set.take_dirty().is_empty());
    }
}
