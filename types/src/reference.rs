//! References (DESIGN §9): the position of the tx whose output a move names.
//!
//! A block carries, beside each tx's moves, one [`TxLoc`] per move in canonical order — the
//! height and index of the tx `intx` — filled by the block producer (it knows every id's
//! position; a sender never does). Moves with `intx = 0` and `x` moves carry zero. They are
//! covered by the tx leaf, so a header-only verifier can follow a move to the tx it names.

use alloy_primitives::B256;
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::DecodeError;
use crate::moves::{Mark, Move};

/// Where a tx sits in the chain: block height and index in the block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TxLoc {
    /// Block number.
    #[serde(with = "alloy_serde::quantity")]
    pub block: u64,
    /// Index in the block.
    #[serde(with = "alloy_serde::quantity")]
    pub index: u32,
}

impl TxLoc {
    /// The reference of a move that names no tx (`intx = 0`, or an `x` move).
    pub const ZERO: TxLoc = TxLoc { block: 0, index: 0 };
    /// Bytes of one encoded reference.
    pub const LEN: usize = 12;

    /// A position.
    pub const fn new(block: u64, index: u32) -> Self {
        Self { block, index }
    }

    /// `height (u64 big-endian) ‖ index (u32 big-endian)`.
    pub fn to_bytes(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        out[..8].copy_from_slice(&self.block.to_be_bytes());
        out[8..].copy_from_slice(&self.index.to_be_bytes());
        out
    }

    /// Decodes [`TxLoc::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let bytes: &[u8; Self::LEN] = bytes.try_into().map_err(|_| DecodeError::Length {
            what: "reference",
            expected: Self::LEN,
            got: bytes.len(),
        })?;
        let mut block = [0u8; 8];
        block.copy_from_slice(&bytes[..8]);
        let mut index = [0u8; 4];
        index.copy_from_slice(&bytes[8..]);
        Ok(Self { block: u64::from_be_bytes(block), index: u32::from_be_bytes(index) })
    }
}

impl fmt::Display for TxLoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.block, self.index)
    }
}

/// Whether a move names an output of an earlier tx, and so carries a non-zero reference.
pub fn names_a_tx(m: &Move) -> bool {
    m.mark != Mark::Context && !m.intx.is_zero()
}

/// The references of one tx as the block body stores them: 12 bytes each, in move order.
pub fn encode_refs(refs: &[TxLoc]) -> Vec<u8> {
    let mut out = Vec::with_capacity(refs.len() * TxLoc::LEN);
    for r in refs {
        out.extend_from_slice(&r.to_bytes());
    }
    out
}

/// Decodes [`encode_refs`].
pub fn decode_refs(bytes: &[u8]) -> Result<Vec<TxLoc>, DecodeError> {
    if !bytes.len().is_multiple_of(TxLoc::LEN) {
        return Err(DecodeError::Invalid(format!(
            "references are {} bytes, not a multiple of {}",
            bytes.len(),
            TxLoc::LEN
        )));
    }
    bytes.chunks_exact(TxLoc::LEN).map(TxLoc::from_bytes).collect()
}

/// keccak of the encoded references, as the tx leaf commits to them.
pub fn refs_hash(refs: &[TxLoc]) -> B256 {
    let mut hasher = alloy_primitives::Keccak256::new();
    for r in refs {
        hasher.update(r.to_bytes());
    }
    hasher.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_round_trip_and_refuse_ragged_bytes() {
        let refs = vec![TxLoc::new(7, 3), TxLoc::ZERO, TxLoc::new(u64::MAX, u32::MAX)];
        let bytes = encode_refs(&refs);
        assert_eq!(bytes.len(), 36);
        assert_eq!(&bytes[..12], &[0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 3]);
        assert_eq!(decode_refs(&bytes).unwrap(), refs);
        assert_eq!(refs_hash(&refs), alloy_primitives::keccak256(&bytes));
        assert!(decode_refs(&bytes[..35]).is_err());
        assert_eq!(
            serde_json::to_value(TxLoc::new(7, 3)).unwrap(),
            serde_json::json!({"block": "0x7", "index": "0x3"})
        );
    }
}
