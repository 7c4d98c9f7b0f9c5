//! # manaflow-ledger: the validator's ledger
//!
//! The UTXO set, the block store, and the two validators of DESIGN §4.
//!
//! Good starting points: [`Ledger`] (open a store, apply blocks all-or-nothing, query the set),
//! [`ForwardState::stage`] (forward validation and the UTXO step), [`validate_reverse`]
//! (tip-to-genesis validation with no UTXO set), [`UtxoSet`] (the set in memory).
//!
//! ```
//! # #[cfg(feature = "store")] {
//! use std::sync::Arc;
//! use manaflow_ledger::{Ledger, LedgerConfig, NoRuntime, validate_reverse};
//! use manaflow_types::{Address, B256, FLAG_DEV_MODE, Header, Move, Outcome, StateKey, SystemTx, Tx, U256};
//!
//! let dir = tempfile::tempdir()?;
//! let mut ledger = Ledger::open(dir.path(), LedgerConfig::default(), Arc::new(NoRuntime))?;
//! // Genesis: a dev-mode chain whose one system tx funds an account (a first write).
//! let alice = Address::repeat_byte(0xa1);
//! let fund = Move::write(StateKey::balance(alice), B256::ZERO, B256::ZERO, B256::from(U256::from(1000)));
//! let template = Header { chain_id: 31337, flags: FLAG_DEV_MODE, ..Header::default() };
//! let genesis = ledger.seal(&template, vec![Tx::System(SystemTx { block: 0, index: 0, moves: vec![fund] })], vec![Outcome::system()]);
//! ledger.apply(&genesis)?;
//! assert_eq!(ledger.output(&StateKey::balance(alice))?.value, B256::from(U256::from(1000)));
//! assert_eq!(ledger.utxo_size(), 2); // the output and its first-use marker
//!
//! // The same chain validated from the tip back to genesis, with no UTXO set.
//! let reverse = validate_reverse(&ledger.blocks()?, &NoRuntime, &mut ());
//! assert!(reverse.verdict.is_none());
//!
//! // A block that consumes the never-written balance again is refused, and changes nothing.
//! let again = Move::write(StateKey::balance(alice), B256::ZERO, B256::ZERO, B256::from(U256::from(5)));
//! let bad = ledger.seal(&template, vec![Tx::System(SystemTx { block: 1, index: 0, moves: vec![again] })], vec![Outcome::system()]);
//! let err = ledger.apply(&bad).unwrap_err();
//! assert_eq!(err.violation().unwrap().rule.name(), "double-use");
//! assert_eq!(ledger.len(), 1);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Architecture invariant**: a block changes nothing unless every check passes — the UTXO
//! step records an undo entry for each change and a failing block is rolled back before the
//! error is returned. The block store is the durable truth; the UTXO checkpoint on disk may lag
//! and is rebuilt by replaying blocks.

pub mod builder;
#[cfg(feature = "store")]
mod chain;
pub mod compact;
pub mod delta;
pub mod error;
#[cfg(feature = "faults")]
pub mod faults;
#[cfg(feature = "store")]
pub mod format;
pub mod forward;
pub mod history;
#[cfg(feature = "store")]
pub mod ledger;
#[cfg(feature = "store")]
pub mod lmdb;
pub mod memory;
pub mod pertx;
mod placed;
pub mod proofs;
pub mod reader;
pub mod reverse;
#[cfg(feature = "store")]
pub mod store;
pub mod utxo;
pub mod verifier;

pub use builder::{Known, positions, seal_block, seal_with_known, seal_with_references};
pub use compact::{Expanded, ExpandedVerifier, compact_block, expand_block};
pub use error::{Corruption, LedgerError, Result, StopCause};
pub use forward::{ForwardObserver, ForwardState, ForwardStep, StageTimings, Staged};
pub use history::{History, TxLoc};
#[cfg(feature = "store")]
pub use ledger::{Applied, ApplyTimings, Ledger, LedgerConfig};
pub use memory::MemoryChain;
pub use proofs::{ProofSource, fraud_proof, inclusion, output_proof, tx_proof};
pub use reader::BlockReader;
pub use reverse::{ReverseObserver, ReverseOutcome, ReverseStep, validate_reverse};
#[cfg(feature = "store")]
pub use store::Durability;
pub use utxo::{Output, Placed, UtxoSet};
pub use verifier::{NoRuntime, TxVerifier};
