//! # manaflow: the devnet
//!
//! The node's parts that do not depend on a transport: the dev chain's genesis ([`genesis`])
//! and the node core ([`Node`]) — a validating ledger with automine. The JSON-RPC server and the
//! CLI wiring build on these.

pub mod genesis;
pub mod node;

pub use genesis::{CREATE2_DEPLOYER, DEFAULT_MNEMONIC, DevAccount};
pub use node::{Config, Mined, Node, NodeError};
