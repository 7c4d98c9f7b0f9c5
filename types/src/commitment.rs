//! The UTXO-set commitment: LtHash16 over BLAKE3 (Bellare–Micciancio's lattice hash as used by
//! Facebook's LtHash): each element expands to 1024 16-bit lanes with BLAKE3's XOF, and the set's
//! hash is the lane-wise sum mod 2^16. Adding and removing elements commute, so the hash is
//! updated per created or consumed output and is equal to a recomputation from scratch.

use alloy_primitives::B256;

use crate::moves::{StateKey, TxId, Word};

/// Number of 16-bit lanes.
pub const LANES: usize = 1024;
/// Serialized size of the full hash state.
pub const STATE_BYTES: usize = LANES * 2;

/// An element of the UTXO set, as the commitment sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetElement {
    /// A live output `(intx, key) → value`.
    Output {
        /// The tx that created it.
        intx: TxId,
        /// Its state key.
        key: StateKey,
        /// Its value.
        value: Word,
    },
    /// A first-use marker: `(0, key)` has been consumed.
    Marker {
        /// The key first written.
        key: StateKey,
    },
}

impl SetElement {
    /// Length of [`SetElement::to_bytes`].
    pub const LEN: usize = 1 + 32 + 1 + 20 + 32 + 32;

    /// `tag ‖ intx ‖ mark ‖ addr ‖ slot ‖ value`, tag 0 for an output and 1 for a marker (whose
    /// intx and value are zero).
    pub fn to_bytes(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        let (tag, intx, key, value) = match self {
            SetElement::Output { intx, key, value } => (0u8, *intx, key, *value),
            SetElement::Marker { key } => (1u8, TxId::ZERO, key, Word::ZERO),
        };
        out[0] = tag;
        out[1..33].copy_from_slice(intx.as_slice());
        out[33] = key.mark.byte();
        out[34..54].copy_from_slice(key.addr.as_slice());
        out[54..86].copy_from_slice(key.slot.as_slice());
        out[86..].copy_from_slice(value.as_slice());
        out
    }
}

/// An LtHash16 state: a multiset hash that elements can be added to and removed from in any order.
#[derive(Clone, PartialEq, Eq)]
pub struct LtHash {
    lanes: Box<[u16; LANES]>,
}

impl std::fmt::Debug for LtHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LtHash({})", self.digest())
    }
}

impl Default for LtHash {
    fn default() -> Self {
        Self::new()
    }
}

impl LtHash {
    /// The hash of the empty set.
    pub fn new() -> Self {
        Self { lanes: Box::new([0u16; LANES]) }
    }

    fn expand(element: &SetElement) -> [u8; STATE_BYTES] {
        let mut buf = [0u8; STATE_BYTES];
        let mut hasher = blake3::Hasher::new();
        hasher.update(&element.to_bytes());
        hasher.finalize_xof().fill(&mut buf);
        buf
    }

    /// Adds one element.
    pub fn insert(&mut self, element: &SetElement) {
        let buf = Self::expand(element);
        for (lane, pair) in self.lanes.iter_mut().zip(buf.chunks_exact(2)) {
            *lane = lane.wrapping_add(u16::from_le_bytes([pair[0], pair[1]]));
        }
    }

    /// Removes one element.
    pub fn remove(&mut self, element: &SetElement) {
        let buf = Self::expand(element);
        for (lane, pair) in self.lanes.iter_mut().zip(buf.chunks_exact(2)) {
            *lane = lane.wrapping_sub(u16::from_le_bytes([pair[0], pair[1]]));
        }
    }

    /// Adds another hash (the union of the multisets).
    pub fn combine(&mut self, other: &LtHash) {
        for (a, b) in self.lanes.iter_mut().zip(other.lanes.iter()) {
            *a = a.wrapping_add(*b);
        }
    }

    /// Subtracts another hash.
    pub fn subtract(&mut self, other: &LtHash) {
        for (a, b) in self.lanes.iter_mut().zip(other.lanes.iter()) {
            *a = a.wrapping_sub(*b);
        }
    }

    /// The 32-byte digest carried in headers: BLAKE3 of the lanes (little-endian).
    pub fn digest(&self) -> B256 {
        B256::from(*blake3::hash(&self.to_bytes()).as_bytes())
    }

    /// The full state, to checkpoint it.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.lanes.iter().flat_map(|l| l.to_le_bytes()).collect()
    }

    /// Restores a checkpointed state.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != STATE_BYTES {
            return None;
        }
        let mut lanes = Box::new([0u16; LANES]);
        for (lane, pair) in lanes.iter_mut().zip(bytes.chunks_exact(2)) {
            *lane = u16::from_le_bytes([pair[0], pair[1]]);
        }
        Some(Self { lanes })
    }
}

/// Adds one write move's effect on the UTXO set to `hash` (DESIGN §4): it consumes
/// `(intx, key) = prev` (or, when `intx` is zero, adds the key's first-use marker) and creates
/// `(tx, key) = next`.
#[inline]
pub fn add_write(hash: &mut LtHash, tx: crate::moves::TxId, m: &crate::moves::Move) {
    let key = m.key();
    if m.intx.is_zero() {
        hash.insert(&SetElement::Marker { key });
    } else {
        hash.remove(&SetElement::Output { intx: m.intx, key, value: m.prev });
    }
    hash.insert(&SetElement::Output { intx: tx, key, value: m.next });
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Address;

    fn output(i: u8) -> SetElement {
        SetElement::Output {
            intx: TxId::repeat_byte(i),
            key: StateKey::balance(Address::repeat_byte(i)),
            value: Word::with_last_byte(i),
        }
    }

    #[test]
    fn order_independent_and_removal_undoes_insertion() {
        let mut a = LtHash::new();
        let mut b = LtHash::new();
        for i in 0..10 {
            a.insert(&output(i));
        }
        for i in (0..10).rev() {
            b.insert(&output(i));
        }
        assert_eq!(a.digest(), b.digest());
        a.insert(&output(42));
        a.remove(&output(42));
        assert_eq!(a, b);
        a.remove(&output(3));
        assert_ne!(a.digest(), b.digest());
    }

    #[test]
    fn markers_and_outputs_are_distinct_elements() {
        let key = StateKey::balance(Address::repeat_byte(1));
        let mut marker = LtHash::new();
        marker.insert(&SetElement::Marker { key });
        let mut zero_output = LtHash::new();
        zero_output.insert(&SetElement::Output { intx: TxId::ZERO, key, value: Word::ZERO });
        assert_ne!(marker.digest(), zero_output.digest());
    }

    #[test]
    fn a_multiset_not_a_set_and_not_a_plain_sum() {
        let mut twice = LtHash::new();
        twice.insert(&output(1));
        twice.insert(&output(1));
        let mut once = LtHash::new();
        once.insert(&output(1));
        assert_ne!(twice.digest(), once.digest());
        assert_ne!(once.digest(), LtHash::new().digest());
    }

    #[test]
    fn combine_and_subtract_are_deltas() {
        let mut base = LtHash::new();
        base.insert(&output(1));
        let mut delta = LtHash::new();
        delta.insert(&output(2));
        delta.remove(&output(1));
        let mut after = base.clone();
        after.combine(&delta);
        let mut expected = LtHash::new();
        expected.insert(&output(2));
        assert_eq!(after, expected);
        after.subtract(&delta);
        assert_eq!(after, base);
        assert_eq!(LtHash::from_bytes(&base.to_bytes()), Some(base));
    }
}
