//! # manaflow: the devnet
//!
//! One process holding a validator, a coordinator and a web3 JSON-RPC:
//! - [`node`]: the validating ledger, tx admission (one signature recovery per tx), block
//!   building and past-block state ([`history`]);
//! - [`mempool`] and [`coordinator`]: the bounded pool ordered by sender nonce, mining (automine,
//!   interval, on demand) and cheats as system txs;
//! - [`rpc`]: JSON-RPC 2.0 over HTTP and WebSocket (warp), the `eth_`, Anvil/Hardhat and
//!   `manaflow_` methods;
//! - [`spawn`](fn@spawn): the library API integration tests start a devnet with.

pub mod coordinator;
pub mod genesis;
pub mod history;
pub mod mempool;
pub mod native;
pub mod node;
pub mod rpc;
mod spawn;
pub mod wallet;

pub use coordinator::{Coordinator, MiningMode};
pub use genesis::{CREATE2_DEPLOYER, DEFAULT_MNEMONIC, DevAccount};
pub use node::{Admitted, Config, Mined, Node, NodeError, chain_runtime};
pub use spawn::{Devnet, spawn};
