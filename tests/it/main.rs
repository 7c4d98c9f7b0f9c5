//! End-to-end tests of the devnet, used as its users use it: `spawn(Config::test())` with a real
//! client over JSON-RPC (alloy's providers, raw requests and bodies), the `manaflow` binary and
//! its REPL, and the node library where a test needs a block built by hand. One test binary
//! (reth's habit), compiled once.
//!
//! The binary's own behaviour (flags, script files, standard input, the prompt on a
//! pseudo-terminal, benchmarks) runs `manaflow`; everything else runs in this process.

mod cli;
mod console;
mod hardhat;
mod layout;
mod lesson;
mod native;
mod node;
mod panics;
mod repl;
mod roles;
mod roles_demo;
mod rpc;
