//! Integration tests of the devnet's web3 JSON-RPC as clients use it: alloy's HTTP and WebSocket
//! providers signing with the dev accounts, raw JSON-RPC requests and raw HTTP bodies. Each test
//! starts a devnet of its own with `manaflow::spawn(Config::test())` and checks exact values:
//! balances to the wei, receipts, logs, errors (code, message, data) and the chain left unchanged
//! by every refused request.

mod access;
mod bounds;
mod cheats;
mod concurrency;
mod context;
pub(crate) mod contracts;
mod create2;
mod dev;
mod eip7702;
mod errors;
pub(crate) mod native;
mod otterscan;
mod parity_traces;
mod proofs;
mod restart;
mod reverts;
mod settings;
mod signing;
mod simulate;
mod state;
mod storage;
mod subscriptions;
pub(crate) mod support;
mod traces;
mod transfers;
mod txpool;
mod wasm;
mod wire;
