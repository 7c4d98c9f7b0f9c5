//! # manaflow-wasm: the WASM runtime
//!
//! WASM contracts on wasmtime, as first-class citizens of the same chain as EVM contracts: same
//! accounts, same storage, same move sets, calling and called by EVM contracts in one atomic tx
//! (DESIGN §6). The host ABI is `docs/wasm-abi.md`; contracts are written with the `no_std` SDK
//! (`runtime-wasm/sdk`).
//!
//! [`WasmVm`] is a [`GuestVm`]: the EVM runtime (`manaflow-evm`) hosts its frames in revm's frame
//! loop (`EvmRuntime::with_guest`). A frame is a coroutine over a wasmtime instance: every host
//! function that touches state yields the EVM instruction it mirrors, which the EVM side executes
//! on the frame's own interpreter. So the journal, the gas rules and the loads — hence the moves —
//! are the EVM's; this crate owns what is WASM's: the engine, validation at deployment, fuel, and
//! the host functions.
//!
//! Good starting points: [`WasmVm`], `host.rs` (the host functions), `run.rs` (the coroutine).
//!
//! **Invariant**: execution is deterministic — the same module, input, state and gas always give
//! the same steps, gas and output (fuel metering, NaN canonicalisation, no threads or SIMD,
//! bounded memory, tables and stack).

mod deploy;
mod engine;
mod error;
pub mod gas;
mod host;
mod run;

use std::sync::Arc;

use alloy_primitives::{B256, Bytes, keccak256};
use alloy_sol_types::{Revert, SolError};
use manaflow_types::{Entry, GuestExit, GuestFrame, GuestRun, GuestVm};

pub use deploy::split_init_code;
pub use error::DeployError;

use crate::engine::POOLED;
use crate::run::WasmRun;

/// The WASM virtual machine: one engine and one linker per process, a store per frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct WasmVm;

impl WasmVm {
    /// The VM, shared, as the EVM runtime takes it.
    pub fn shared() -> Arc<dyn GuestVm> {
        Arc::new(WasmVm)
    }

    /// Checks that `init` (module ‖ constructor arguments) would deploy: returns the module and
    /// the arguments, or why it would be refused.
    pub fn check_deploy(init: &[u8]) -> Result<(Bytes, Bytes), DeployError> {
        let (code, args) = split_init_code(init);
        deploy::refuse_trailing_custom_section(code.len(), args)?;
        // Compiled and checked once: the constructor and later calls take it from the cache.
        let linked = POOLED.module(keccak256(code), code)?;
        deploy::check_exports(linked.module(), args.len())?;
        Ok((Bytes::copy_from_slice(code), Bytes::copy_from_slice(args)))
    }
}

impl GuestVm for WasmVm {
    fn start(&self, entry: Entry, code: Bytes, code_hash: Option<B256>, mut frame: GuestFrame) -> Box<dyn GuestRun> {
        match entry {
            Entry::Deploy => match Self::check_deploy(&code) {
                Ok((module_code, args)) => {
                    frame.input = args;
                    let hash = keccak256(&module_code);
                    Box::new(WasmRun::start(module_code.clone(), hash, "deploy", frame, Some(module_code)))
                }
                Err(refused) => {
                    tracing::debug!(%refused, "wasm deployment refused");
                    Box::new(WasmRun::ended(GuestExit::Revert, revert_reason(&refused.to_string())))
                }
            },
            Entry::Call => {
                let hash = code_hash.unwrap_or_else(|| keccak256(&code));
                match POOLED.module(hash, &code) {
                    Ok(_) => Box::new(WasmRun::start(code, hash, "call", frame, None)),
                    Err(refused) => Box::new(WasmRun::ended(GuestExit::Halt(refused.to_string()), Bytes::new())),
                }
            }
        }
    }
}

/// Revert data in Solidity's `Error(string)` form, so clients show the reason.
fn revert_reason(reason: &str) -> Bytes {
    Revert::from(reason).abi_encode().into()
}
