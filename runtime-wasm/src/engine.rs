//! The wasmtime engines of the process, configured for determinism, each with its linker and the
//! modules it compiled, by code hash.
//!
//! Every call instantiates its contract afresh (a call starts with fresh memory, as in the EVM),
//! so instantiation must be cheap: the main engine uses wasmtime's pooling allocator, which keeps
//! linear memories, tables and fiber stacks reserved and reuses them instead of mapping and
//! unmapping them per call. A pool has a fixed number of slots; when every slot is in use (deep
//! nesting across many concurrent executions) an instance goes to a second engine that allocates
//! on demand. Both count fuel the same way, so which one runs a frame changes nothing it computes.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use alloy_primitives::B256;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module, PoolingAllocationConfig};

use crate::deploy::{check_exports, check_sections};
use crate::error::DeployError;
use crate::gas::{MEMORY_PAGES_MAX, PAGE_BYTES, TABLE_ELEMENTS_MAX, WASM_STACK_BYTES_MAX};
use crate::host::{HostState, define};

/// Instances the pool holds at once (each with one memory, one table and one fiber stack).
const POOL_INSTANCES: u32 = 1_024;

/// Bytes of each pooled memory and table kept mapped between instances.
const RESIDENT_BYTES: usize = 2 * PAGE_BYTES;

/// Compiled modules kept per engine, dropped all at once when full.
const MODULES_MAX: usize = 512;

/// Stack of the fiber an instance runs on: the WASM stack limit plus room for host calls.
const FIBER_STACK_BYTES: usize = WASM_STACK_BYTES_MAX + 512 * 1024;

/// One engine, its linker (the host functions, defined once) and its compiled modules, each
/// already linked to the host functions (resolving imports by name on every call cost more than
/// instantiating).
pub(crate) struct Vm {
    pub engine: Engine,
    pub linker: Linker<HostState>,
    modules: Mutex<HashMap<B256, InstancePre<HostState>>>,
}

/// The engine instances run on first: pooled.
pub(crate) static POOLED: LazyLock<Vm> = LazyLock::new(|| Vm::new(true));

/// The engine for instances the pool has no slot for.
pub(crate) static ON_DEMAND: LazyLock<Vm> = LazyLock::new(|| Vm::new(false));

impl Vm {
    fn new(pooled: bool) -> Self {
        // Threads, the component model, GC and exceptions are compiled out (crate features off).
        let mut config = Config::new();
        // The host's triple named explicitly: Cranelift then generates code for the
        // architecture's baseline instead of the CPU features it detects. Frame sizes, and so
        // how deep recursion goes within the stack limit, are the same on every machine of
        // one architecture, and a tx that recurses near the limit gets the same verdict on any.
        config.target(&target_lexicon::HOST.to_string()).expect("the host triple is a wasmtime target");
        config
            .consume_fuel(true)
            .cranelift_nan_canonicalization(true)
            .wasm_simd(false)
            .wasm_relaxed_simd(false)
            .wasm_memory64(false)
            .wasm_multi_memory(false)
            .wasm_gc(false)
            // Every `finish` and `revert` unwinds the guest with an error: capturing a backtrace
            // for each would cost more than the call (and the trap message is what users see).
            .wasm_backtrace_max_frames(None)
            .max_wasm_stack(WASM_STACK_BYTES_MAX)
            .async_stack_size(FIBER_STACK_BYTES);
        if pooled {
            let mut pool = PoolingAllocationConfig::default();
            pool.total_core_instances(POOL_INSTANCES)
                .total_memories(POOL_INSTANCES)
                .total_tables(POOL_INSTANCES)
                .total_stacks(POOL_INSTANCES)
                .max_memory_size(MEMORY_PAGES_MAX * PAGE_BYTES)
                .table_elements(TABLE_ELEMENTS_MAX)
                .max_memories_per_module(1)
                .max_tables_per_module(1)
                // Reset a slot's first pages with memset rather than madvise: a contract touches
                // a page or two, and faulting them back in on every call cost more than the copy.
                .linear_memory_keep_resident(RESIDENT_BYTES)
                .table_keep_resident(RESIDENT_BYTES);
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        let engine = Engine::new(&config).expect("the WASM engine configuration is valid");
        let mut linker = Linker::new(&engine);
        define(&mut linker).expect("host functions are defined once each");
        Self { engine, linker, modules: Mutex::default() }
    }

    /// The compiled and linked module of `code`, whose keccak256 is `hash`, checked as at
    /// deployment (whatever put the code there: an EVM create can return a module too).
    /// Compiling is the slow part of a first call, and a contract is called by many txs.
    pub fn module(&self, hash: B256, code: &[u8]) -> Result<InstancePre<HostState>, DeployError> {
        if let Some(module) = self.modules.lock().unwrap_or_else(|e| e.into_inner()).get(&hash) {
            return Ok(module.clone());
        }
        check_sections(code)?;
        let module = Module::from_binary(&self.engine, code).map_err(|e| DeployError::Invalid(format!("{e:#}")))?;
        check_exports(&module, 0)?;
        let linked = self.linker.instantiate_pre(&module).map_err(|e| DeployError::Import(format!("{e:#}")))?;
        self.keep(hash, linked.clone());
        Ok(linked)
    }

    /// Keeps `linked`, the module whose keccak256 is `hash`.
    pub fn keep(&self, hash: B256, linked: InstancePre<HostState>) {
        let mut modules = self.modules.lock().unwrap_or_else(|e| e.into_inner());
        if modules.len() >= MODULES_MAX {
            modules.clear();
        }
        modules.insert(hash, linked);
    }
}
