//! `web3_`, `net_` and `eth_` methods: chain reads (at any past block) in [`state`] and
//! [`blocks`], calls, gas and fees in [`call`], logs and filters in [`logs`](mod@logs), sending and
//! signing in [`send`]. Each method is a function taking its typed params; the table in
//! [`crate::rpc::methods`] names them.

pub mod access;
pub mod blocks;
pub mod call;
pub mod logs;
pub mod send;
pub mod simulate;
pub mod state;
pub mod transfer_logs;

pub use call::{estimate, exec_error, request_call};
pub use logs::logs;
pub use send::submit_error;

/// The tip a wallet is told to offer: the wallet's fee policy (1 gwei, as Anvil).
pub const DEFAULT_PRIORITY_FEE: u128 = crate::wallet::fees::PRIORITY_FEE;
