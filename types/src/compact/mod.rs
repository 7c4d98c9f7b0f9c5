//! The compact wire form of a block (DESIGN §10): what must travel when every validator can
//! re-derive the rest by the one re-execution validation does anyway.
//!
//! Per tx the compact form carries its envelope and, per state access in the order the runtime
//! first asks for each key, the access's reference (§9) and its `prev`. Keys, `next` values,
//! `x` moves and the outcome come out of re-executing the tx against those values; `intx` comes
//! from the id at each reference. A native tx also keeps its masks, its signature and its
//! sender (execution needs the sender before the signed payload exists); a system tx travels
//! canonical, with its references and outcome.
//!
//! Expanding a compact block is three steps, split by who can do them:
//! 1. the runtime re-executes each tx against a [`WitnessView`] (in parallel): [`Derived`];
//! 2. [`assemble`] names each move's `intx` from its reference, in block order (a reference to
//!    an earlier tx of the same block needs that tx's id, which for a native tx depends on its
//!    moves);
//! 3. the result is the canonical block, validated as any other: a witness that is short, long
//!    or wrong decodes to other moves, so the header's roots no longer match.
//!
//! [`codec`] holds the byte layout (ARCHITECTURE.md gives the reasoning).

pub mod codec;
pub mod witness;

use alloy_primitives::{Address, B256, Bytes};
use thiserror::Error;

use crate::block::{Block, Header};
use crate::moves::{Mask, StateKey, TxId, Word};
use crate::outcome::Outcome;
use crate::reference::TxLoc;
use crate::signing::Signature;
use crate::tx::{NativeCall, SystemTx, Tx};

pub use codec::{MAX_ACCESSES, MAX_COMPACT_BYTES, MAX_TABLE};
pub use witness::{RecordingView, WitnessView};

/// One state access as the compact form carries it: where its output was made and the value
/// found there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Access {
    /// The position of the tx that made the output, or `None` for never-written state
    /// (`intx = 0`).
    pub reference: Option<TxLoc>,
    /// The value found (`prev`).
    pub prev: Word,
}

/// A tx in compact form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompactTx {
    /// An Ethereum-envelope tx: its signed bytes and its witness.
    Ethereum {
        /// The signed tx exactly as sent.
        raw: Bytes,
        /// Its accesses, in first-access order.
        witness: Vec<Access>,
    },
    /// A native tx: its call, signature, sender, one mask per move, and its witness.
    Native {
        /// The signed call.
        call: NativeCall,
        /// The sender's signature over the payload the derived moves give.
        signature: Signature,
        /// The sender the signature must recover (execution needs it first).
        sender: Address,
        /// One mask per move, in canonical move order.
        masks: Vec<Mask>,
        /// Its accesses, in first-access order.
        witness: Vec<Access>,
    },
    /// A system tx, canonical: it executes nothing, so nothing can be re-derived.
    System {
        /// The tx.
        tx: SystemTx,
        /// Its references, one per move.
        refs: Vec<TxLoc>,
        /// Its outcome (the code its `c` moves deploy).
        outcome: Outcome,
    },
}

impl CompactTx {
    /// Its witness (empty for a system tx).
    pub fn witness(&self) -> &[Access] {
        match self {
            CompactTx::Ethereum { witness, .. } | CompactTx::Native { witness, .. } => witness,
            CompactTx::System { .. } => &[],
        }
    }
}

/// A block in compact form: its header and its txs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactBlock {
    /// The header, as in the canonical block.
    pub header: Header,
    /// The txs, in block order.
    pub txs: Vec<CompactTx>,
}

/// What re-executing one compact tx gives: the tx with its moves (`intx` not yet named), each
/// move's reference, and the outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Derived {
    /// The tx; moves that name a tx carry [`PENDING_INTX`] until [`assemble`] names it.
    pub tx: Tx,
    /// Per move: the reference of a move that names a tx.
    pub refs: Vec<Option<TxLoc>>,
    /// The outcome re-execution gave.
    pub outcome: Outcome,
    /// The sender a native tx carries (its signature must recover it).
    pub sender: Option<Address>,
}

/// The `intx` a derived move carries until its reference is resolved: not zero (which would
/// say "never written"), and no tx's id in practice.
pub const PENDING_INTX: TxId = B256::repeat_byte(0xff);

/// Why a compact block or tx cannot be expanded.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CompactError {
    /// The bytes are not a compact block.
    #[error("compact block: {0}")]
    Bytes(String),
    /// Tx `index` does not re-derive.
    #[error("compact block: tx {index}: {why}")]
    Tx {
        /// The tx's index in the block.
        index: u32,
        /// What went wrong.
        why: String,
    },
}

/// Why re-executing one compact tx failed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DeriveError {
    /// Execution needs code that is not in the code table (it may be deployed earlier in the
    /// same block: the caller retries in order).
    #[error("execution needs code {0}, which is not in the code table")]
    Code(B256),
    /// Anything else: the witness is short or long, the envelope does not decode, the tx is
    /// refused before execution.
    #[error("{0}")]
    Other(String),
}

/// Names the `intx` of every derived move from its reference, in block order, and gives the
/// canonical block. A reference into this block must name an earlier tx; one into an earlier
/// block is resolved by `resolve(key, position)` (the id at that position, if a tx is there).
pub fn assemble(
    header: Header,
    derived: Vec<Derived>,
    resolve: &mut dyn FnMut(&StateKey, TxLoc) -> Option<TxId>,
) -> Result<Block, CompactError> {
    let mut ids: Vec<TxId> = Vec::with_capacity(derived.len());
    let (mut txs, mut outcomes, mut refs) =
        (Vec::with_capacity(derived.len()), Vec::with_capacity(derived.len()), Vec::with_capacity(derived.len()));
    for (i, Derived { mut tx, refs: tx_refs, outcome, .. }) in derived.into_iter().enumerate() {
        let fail = |why: String| CompactError::Tx { index: i as u32, why };
        let moves = tx.moves_mut();
        if moves.len() != tx_refs.len() {
            return Err(fail(format!("{} moves but {} references", moves.len(), tx_refs.len())));
        }
        for (j, (m, r)) in moves.iter_mut().zip(&tx_refs).enumerate() {
            // A system tx travels with its `intx` values; only derived moves wait for theirs.
            let Some(at) = r.filter(|_| m.intx == PENDING_INTX) else { continue };
            m.intx = if at.block == header.number {
                *ids.get(at.index as usize).filter(|_| (at.index as usize) < i).ok_or_else(|| {
                    fail(format!("move {j} references {at}, which is not an earlier tx of this block"))
                })?
            } else if at.block < header.number {
                resolve(&m.key(), at).ok_or_else(|| fail(format!("move {j} references {at}, where no tx is")))?
            } else {
                return Err(fail(format!("move {j} references {at}, after this block")));
            };
        }
        ids.push(tx.id());
        refs.push(tx_refs.iter().map(|r| r.unwrap_or(TxLoc::ZERO)).collect());
        txs.push(tx);
        outcomes.push(outcome);
    }
    Ok(Block { header, txs, outcomes, refs })
}
