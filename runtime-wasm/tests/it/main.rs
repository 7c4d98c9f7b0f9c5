//! Integration tests of the WASM runtime, hosted in the EVM runtime as the devnet runs it.

mod artifacts;
mod bad_contracts;
mod basics;
mod cross;
mod identical;
mod pool;
mod support;
