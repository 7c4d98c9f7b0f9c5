//! # manaflow: the devnet
//!
//! One process holding a validator, a coordinator and a web3 JSON-RPC, in rooms that each do one
//! job:
//! - [`config`]: how a devnet is set up (chain, mining, transport);
//! - [`admission`]: signed bytes decoded once, the sender recovered once, the checks against the
//!   latest state a tx passes to be pooled;
//! - [`mempool`] and [`coordinator`]: the bounded pool ordered by sender nonce, mining
//!   (automine, interval, on demand), cheats as system txs, snapshots;
//! - [`dump`]: state dumps in Anvil's format (dump, load), loaded as the pending cheats;
//! - [`sequencing`]: pooled txs executed into a block (native txs filled or checked);
//! - [`node`]: the validating ledger (every block validated before it counts), the clock and
//!   base fee, the pending cheats ([`pending`]) and past-block state ([`history`]);
//! - [`wallet`]: the wallet's side of native txs and the one fee policy;
//! - [`validator`] and [`fate`]: the validator run apart (DESIGN §11), taking batches from any
//!   number of coordinators, and the fates it answers; a [`Coordinator`] started with
//!   `roles.validator` follows one instead of mining ([`chain_rules`]: what both roles share);
//! - [`rpc`]: JSON-RPC 2.0 over HTTP and WebSocket (warp), the `eth_`, Anvil/Hardhat and
//!   `manaflow_` methods;
//! - [`spawn`](fn@spawn): the library API integration tests start a devnet with;
//! - `repl_backend` (feature `repl`): the REPL's [`manaflow_repl::Backend`] over a running devnet.
//!
//! Good starting points: [`spawn`](fn@spawn) and [`Config::test`]; [`Coordinator::submit`] for a
//! tx's way from bytes to a block.
//!
//! **Architecture invariant**: every block — built from txs, from a cheat or at genesis — goes
//! through the ledger's validation before it counts; nothing else writes the UTXO set.
//!
//! The binary (`manaflow`: node, REPL, benchmarks) needs the `cli` feature (on by default); a
//! library user who only wants [`spawn`](fn@spawn) turns default features off and compiles no
//! clap, rustyline, comfy-table or indicatif.

pub mod admission;
pub mod chain_rules;
pub mod chain_settings;
pub mod config;
pub mod console;
pub mod coordinator;
pub mod dump;
pub mod error;
pub mod fate;
pub mod genesis;
pub mod history;
pub mod index;
pub mod light;
pub mod log_index;
pub mod mempool;
pub mod node;
pub mod pending;
#[cfg(feature = "repl")]
pub mod repl_backend;
pub mod rpc;
pub mod sequencing;
mod spawn;
pub mod traces;
pub mod tx_index;
pub mod validator;
pub mod wakeup;
pub mod wallet;

pub use admission::{Admitted, Kind};
pub use chain_settings::ChainSettings;
pub use config::{BlockWire, ChainConfig, Config, LogLimits, MiningConfig, RolesConfig, ServerConfig};
pub use coordinator::{Coordinator, MiningMode};
pub use error::{BatchRefusal, Dropped, NativeError, NodeError, SetupError, StateError, SubmitError};
pub use genesis::{CREATE2_DEPLOYER, DEFAULT_MNEMONIC, DevAccount};
pub use node::{Node, chain_runtime};
pub use sequencing::Mined;
pub use spawn::{Devnet, spawn};
pub use validator::{Validator, ValidatorHandle, spawn_validator};
