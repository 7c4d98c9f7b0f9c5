//! An output and where its tx sits: what the UTXO set holds per key (DESIGN §9's references
//! are checked against it), and the packed form it is stored in.

use manaflow_types::{Output, TxId, TxLoc, Word};

/// A live output and the position of the tx that created it: a move's reference (DESIGN §9)
/// must name that position, so the set keeps it beside the output (as Bitcoin's coins keep
/// their height) and checks a reference with no lookup of its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Placed {
    /// The output.
    pub out: Output,
    /// Where its tx sits (zero for never-written state).
    pub at: TxLoc,
}

impl Placed {
    /// The implicit output of never-written state.
    pub const NEVER_WRITTEN: Placed = Placed { out: Output::NEVER_WRITTEN, at: TxLoc::ZERO };

    /// An output created by the tx at `at`.
    pub fn new(intx: TxId, value: Word, at: TxLoc) -> Self {
        Self { out: Output { intx, value }, at }
    }
}

/// A position packed in 8 bytes: the height above bit 24, the index below. Every real position
/// packs (a header keeps its height under 2^40 and its tx count under 2^24: `check_header`);
/// anything else packs to `u64::MAX`, which names no tx, so no reference that does not pack can
/// match an output.
#[inline]
pub(crate) fn pack(loc: TxLoc) -> u64 {
    if loc.block < 1 << 40 && loc.index < 1 << 24 { loc.block << 24 | u64::from(loc.index) } else { u64::MAX }
}

#[inline]
fn unpack(packed: u64) -> TxLoc {
    TxLoc::new(packed >> 24, (packed & 0xff_ffff) as u32)
}

/// A [`Placed`] output as the set stores it: the position packed (a slot of 128 bytes, two cache
/// lines).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stored {
    pub(crate) out: Output,
    pub(crate) at: u64,
}

impl Stored {
    pub(crate) const NEVER_WRITTEN: Stored = Stored { out: Output::NEVER_WRITTEN, at: 0 };

    #[inline]
    pub(crate) fn new(intx: TxId, value: Word, at: u64) -> Self {
        Self { out: Output { intx, value }, at }
    }

    #[inline]
    pub(crate) fn placed(self) -> Placed {
        Placed { out: self.out, at: unpack(self.at) }
    }

    /// Whether a move naming `(intx, reference)` (packed) and expecting `prev` finds this output.
    #[inline]
    pub(crate) fn matches(&self, intx: &TxId, reference: u64, prev: &Word) -> bool {
        self.out.intx == *intx && self.out.value == *prev && (intx.is_zero() || self.at == reference)
    }
}

impl From<Placed> for Stored {
    fn from(p: Placed) -> Self {
        Stored { out: p.out, at: pack(p.at) }
    }
}
