//! The one wasmtime `Engine` of the process, configured for determinism, and the compiled
//! modules it keeps by code hash.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use alloy_primitives::B256;
use wasmtime::{Config, Engine, Module};

use crate::gas::WASM_STACK_BYTES_MAX;

/// The engine every WASM contract runs on.
pub(crate) static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    // Threads, the component model, GC and exceptions are compiled out (crate features off).
    let mut config = Config::new();
    config
        .consume_fuel(true)
        .cranelift_nan_canonicalization(true)
        .wasm_simd(false)
        .wasm_relaxed_simd(false)
        .wasm_memory64(false)
        .wasm_multi_memory(false)
        .wasm_gc(false)
        .max_wasm_stack(WASM_STACK_BYTES_MAX);
    Engine::new(&config).expect("the WASM engine configuration is valid")
});

/// Compiled modules by code hash (keccak256 of the module), bounded by dropping all when full:
/// compiling is the slow part of a first call, and a contract is called by many txs.
static MODULES: LazyLock<Mutex<HashMap<B256, Module>>> = LazyLock::new(Default::default);

const MODULES_MAX: usize = 512;

/// The compiled module of `code`, whose keccak256 is `hash`.
pub(crate) fn module(hash: B256, code: &[u8]) -> wasmtime::Result<Module> {
    if let Some(module) = MODULES.lock().unwrap_or_else(|e| e.into_inner()).get(&hash) {
        return Ok(module.clone());
    }
    let module = Module::from_binary(&ENGINE, code)?;
    let mut modules = MODULES.lock().unwrap_or_else(|e| e.into_inner());
    if modules.len() >= MODULES_MAX {
        modules.clear();
    }
    modules.insert(hash, module.clone());
    Ok(module)
}
