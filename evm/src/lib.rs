//! # manaflow-evm: the EVM runtime
//!
//! Runs txs in revm (pinned to an exact version: when revm loads accounts is part of the move
//! bytes) and turns each execution into its move set (DESIGN §2, §6):
//! - the database adapter ([`db`]) answers revm's loads from a [`StateView`] and records the
//!   output each load found — every account load declares its `b`, `n`, `c`;
//! - an inspector ([`context`]) records each context opcode's value as an `x` move;
//! - the handler ([`handler`]) burns fees: the coinbase is never loaded nor credited;
//! - [`moves`] pairs each recorded load with the value revm left, unfiltered (reads stay).
//!
//! Good starting points: [`EvmRuntime::execute`], [`decode_signed`] (the Ethereum envelope).
//!
//! **Invariant**: execution never writes; the same call against the same view gives the same
//! move bytes, so a validator re-executing against a tx's declared moves
//! ([`manaflow_types::DeclaredView`]) reproduces them exactly or finds the tx invalid.
//!
//! [`StateView`]: manaflow_types::StateView

mod compact;
mod console;
mod context;
mod db;
mod envelope;
mod error;
mod guest;
mod handler;
mod moves;
mod receipt;
mod runtime;
mod senders;
mod trace;
mod verifier;

pub use console::CONSOLE_ADDRESS;
pub use db::ViewDb;
pub use envelope::{
    SignedEthTx, decode_envelope, decode_on_chain, decode_signed, decode_with_sender, envelope_call,
    impersonated_sender, impersonation_signature, native_call,
};
pub use error::EnvelopeError;
pub use manaflow_types::{Call, ExecError, Execution, Rejection, Runtime, Status};
pub use receipt::{Receipt, block_receipts};
pub use runtime::{EvmContext, EvmRuntime, Hardfork, tx_env};
pub use senders::KnownSenders;
pub use trace::{Access, AccessSink, Touch};
pub use verifier::{EvmVerifier, outcome_of};
