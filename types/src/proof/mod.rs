//! Proofs (DESIGN §9): inclusion proofs of txs and outputs, and fraud proofs of invalid blocks,
//! checked by a verifier that holds only headers — no ledger, no UTXO set, no state.
//!
//! - An [`Inclusion`] fixes a tx's id, moves and references at a position through the Merkle
//!   branch to its header's tx root (the header's tx count fixes the branch's shape).
//! - A [`TxProof`] adds the tx's envelope and its outcome with the outcome's branch, so it
//!   proves a receipt's logs too. An output proof is the [`TxProof`] of the tx that created the
//!   output: it proves the value was written, not that it is still live.
//! - A [`FraudProof`] names one rule of §4 at one position of a block and carries what a
//!   header-only verifier needs to see the rule break ([`Evidence`]); [`verify`] re-derives the
//!   violation and returns a [`Verdict`].
//!
//! Soundness — no proof verifies against a valid block — rests on what a valid chain
//! guarantees: every leaf's id is its tx's id, a tx id appears once, every non-zero reference
//! names an earlier tx with that id that wrote the key, an output is consumed at most once and
//! never read after, and the commitment follows from the parent's and the block's moves.

mod codec;
mod verify;

use alloy_primitives::{B256, Bytes};

use crate::block::Header;
use crate::commitment::LtHash;
use crate::moves::{Move, TxId};
use crate::outcome::Outcome;
use crate::reference::TxLoc;
use crate::tx::Tx;
use crate::verdict::{Position, Rule, Violation};

pub use codec::{MAX_BRANCH, MAX_PROOF_BYTES};
pub use verify::{HeaderChain, shown, verify, verify_inclusion, verify_output, verify_tx_in, verify_tx_proof};

/// A tx's id, moves and references at a position, with the Merkle branch of its leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inclusion {
    /// Where the tx sits.
    pub at: TxLoc,
    /// Its id.
    pub id: TxId,
    /// Its moves.
    pub moves: Vec<Move>,
    /// Its references, one per move.
    pub refs: Vec<TxLoc>,
    /// The branch from its leaf to the tx root.
    pub branch: Vec<B256>,
}

/// A tx with its envelope and outcome: the inclusion proof of a tx or of a receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxProof {
    /// Where the tx sits.
    pub at: TxLoc,
    /// The tx (its moves inside).
    pub tx: Tx,
    /// Its references, one per move.
    pub refs: Vec<TxLoc>,
    /// The branch from its leaf to the tx root.
    pub branch: Vec<B256>,
    /// Its outcome (success, gas, logs, deployed code).
    pub outcome: Outcome,
    /// The branch from the outcome's leaf to the outcomes root.
    pub outcome_branch: Vec<B256>,
}

impl TxProof {
    /// The tx's id, moves and references as an [`Inclusion`].
    pub fn inclusion(&self) -> Inclusion {
        Inclusion {
            at: self.at,
            id: self.tx.id(),
            moves: self.tx.moves().to_vec(),
            refs: self.refs.clone(),
            branch: self.branch.clone(),
        }
    }
}

/// What a fraud proof carries, per rule (DESIGN §9's table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Signature, re-execution, context, shape, system tx: the tx with its outcome, and the
    /// code re-execution asks for by hash. The verifier re-executes it; it must fail.
    Tx {
        /// The tx.
        tx: TxProof,
        /// Code bytes by hash (what the tx's `c` moves name).
        codes: Vec<Bytes>,
    },
    /// DuplicateTx: two inclusions of one id.
    Duplicate {
        /// The earlier.
        first: Inclusion,
        /// The later, in the block.
        second: Inclusion,
    },
    /// UnknownOutput: the move's tx, and the tx its reference names (none when the reference
    /// is not earlier than the move or names no tx of its block).
    Unknown {
        /// The tx of the move.
        consumer: Inclusion,
        /// Index of the move.
        mv: u32,
        /// The tx at the move's reference.
        named: Option<Inclusion>,
    },
    /// PrevMismatch: the move's tx and the producer at its reference (none for `intx = 0`,
    /// whose value is zero).
    Prev {
        /// The tx of the move.
        consumer: Inclusion,
        /// Index of the move.
        mv: u32,
        /// The tx at the move's reference.
        producer: Option<Inclusion>,
    },
    /// DoubleUse or ReadAfterConsume: an earlier consumer of an output and a later claim on it.
    Conflict {
        /// The earlier consumer's tx.
        first: Inclusion,
        /// Index of its move.
        first_move: u32,
        /// The later claim's tx, in the block.
        second: Inclusion,
        /// Index of its move.
        second_move: u32,
    },
    /// BadCommitment, or roots and counts that do not match the body: the whole body and the
    /// parent's multiset-hash state (checked against the parent's digest).
    Body {
        /// The txs.
        txs: Vec<Tx>,
        /// Their outcomes.
        outcomes: Vec<Outcome>,
        /// Their references.
        refs: Vec<Vec<TxLoc>>,
        /// The UTXO-set commitment state after the parent.
        parent_state: Box<LtHash>,
    },
    /// A header that breaks a rule against its parent (chain id, flags, time): the header is
    /// the evidence.
    Header,
}

impl Evidence {
    /// A short name for what the evidence is.
    pub fn name(&self) -> &'static str {
        match self {
            Evidence::Tx { .. } => "tx",
            Evidence::Duplicate { .. } => "duplicate",
            Evidence::Unknown { .. } => "unknown-output",
            Evidence::Prev { .. } => "prev-mismatch",
            Evidence::Conflict { .. } => "conflict",
            Evidence::Body { .. } => "body",
            Evidence::Header => "header",
        }
    }
}

/// A fraud proof: the invalid block's header, the rule it breaks and where, and the evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FraudProof {
    /// The invalid block's header (it must attach to the verifier's chain).
    pub header: Header,
    /// The rule.
    pub rule: Rule,
    /// Where.
    pub position: Position,
    /// What shows it.
    pub evidence: Evidence,
}

impl FraudProof {
    /// The canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode_fraud_proof(self)
    }

    /// Decodes [`FraudProof::encode`], refusing anything over [`MAX_PROOF_BYTES`] or not
    /// canonical.
    pub fn decode(bytes: &[u8]) -> Result<Self, crate::error::DecodeError> {
        codec::decode_fraud_proof(bytes)
    }
}

impl TxProof {
    /// The canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        codec::encode_tx_proof(self)
    }

    /// Decodes [`TxProof::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Self, crate::error::DecodeError> {
        codec::decode_tx_proof(bytes)
    }
}

/// What a verifier concludes from a fraud proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The proof shows the block invalid: this rule breaks here.
    BlockInvalid(Violation),
    /// The proof shows nothing (it does not check out, or the block does not break the rule it
    /// names); why.
    NotProven(String),
}
