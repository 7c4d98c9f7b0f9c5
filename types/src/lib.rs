//! # manaflow-types: the Manaflow model
//!
//! Every piece of state (a balance, a nonce, code, a storage slot) is an *output* created by the
//! tx that last wrote it. A tx lists [`Move`]s: for each piece of state it touches, the output it
//! found (`intx`), the value found (`prev`) and the value left (`next`). This crate holds the
//! model's types and the rules a tx satisfies on its own; the UTXO set and block validation live
//! in `manaflow-ledger`, execution in the runtimes.
//!
//! Good starting points: [`Move`] and [`StateKey`] (`moves`), [`Tx`] and its three envelopes
//! (`tx`), [`Block`]/[`Header`] (`block`), [`LtHash`] (the UTXO-set commitment), [`Violation`]
//! (what a failed check reports) and [`check_tx`] (the per-tx checks).
//!
//! **Invariant**: every encoding here is canonical — the same object always gives the same
//! bytes, and decoding any bytes either gives the object back or an error, never a panic.

pub mod batch;
pub mod block;
pub mod check;
pub mod commitment;
pub mod compact;
pub mod console;
pub mod context;
pub mod error;
pub mod guest;
pub mod masking;
pub mod merkle;
pub mod moves;
pub mod outcome;
pub mod proof;
pub mod reference;
pub mod runtime;
pub mod signing;
pub mod state;
pub mod trace;
pub mod tx;
pub mod verdict;
pub mod verify;

pub use batch::{Batch, BatchError, BatchTx};
pub use block::{Block, FLAG_DEV_MODE, Header, moves_hash, outcomes_root, tx_leaf, tx_leaves};
pub use check::{ChainContext, TxChecked, check_tx};
pub use commitment::{LtHash, SetElement};
pub use compact::{Access, CompactBlock, CompactError, CompactTx, DeriveError, Derived};
pub use context::{ContextField, context_key};
pub use error::{DecodeError, SignatureError};
pub use guest::{
    Entry, GuestExit, GuestFrame, GuestRun, GuestStep, GuestVm, HostAnswer, HostOp, host_function, is_wasm,
};
pub use masking::Masking;
pub use merkle::{branch_root, merkle_branch, merkle_root};
pub use moves::{Mark, Mask, Move, StateKey, TxId, Word, decode_moves, encode_moves, sort_canonical};
pub use outcome::Outcome;
pub use proof::{Evidence, FraudProof, HeaderChain, Inclusion, TxProof, Verdict};
pub use reference::{TxLoc, decode_refs, encode_refs, names_a_tx, refs_hash};
pub use runtime::{Call, ExecError, Execution, Rejection, Runtime, Status};
pub use signing::{Signature, SigningKey, recover_signer};
pub use state::{DeclaredView, MapView, MissingState, Output, OverlayView, StateView};
pub use tx::{EthereumTx, NATIVE_TX_TYPE, NativeCall, NativeTx, SystemTx, Tx};
pub use verdict::{Position, Rule, Site, Violation};
pub use verify::{CodeSource, NoRuntime, TxVerifier, check_ref_shape, check_tx_alone, system_outcome_fits};

pub use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
