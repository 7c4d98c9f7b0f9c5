//! # manaflow-ledger: the validator's ledger
//!
//! The UTXO set, the block store, and the two validators of DESIGN §4.
//!
//! Good starting points: [`Ledger`] (open a store, apply blocks all-or-nothing, query the set),
//! [`ForwardState::stage`] (forward validation and the UTXO step), [`validate_reverse`]
//! (tip-to-genesis validation with no UTXO set), [`UtxoSet`] (the set in memory).
//!
//! **Architecture invariant**: a block changes nothing unless every check passes — the UTXO
//! step records an undo entry for each change and a failing block is rolled back before the
//! error is returned. The block store is the durable truth; the UTXO checkpoint on disk may lag
//! and is rebuilt by replaying blocks.

pub mod builder;
pub mod delta;
pub mod error;
pub mod forward;
pub mod history;
pub mod ledger;
pub mod memory;
pub mod pertx;
pub mod reverse;
pub mod store;
pub mod utxo;
pub mod verifier;

pub use builder::seal_block;
pub use error::{LedgerError, Result};
pub use forward::{ForwardObserver, ForwardState, ForwardStep, StageTimings, Staged};
pub use history::{History, TxLoc};
pub use ledger::{Applied, ApplyTimings, Ledger, LedgerConfig};
pub use memory::MemoryChain;
pub use reverse::{ReverseObserver, ReverseOutcome, ReverseStep, validate_reverse};
pub use store::Durability;
pub use utxo::{Output, UtxoSet};
pub use verifier::{NoRuntime, TxVerifier};
