//! A running WASM frame: the instance's future, polled by hand. Each poll runs the guest until it
//! yields a host operation (the future is pending) or ends (the future is ready).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use alloy_primitives::{B256, Bytes};
use manaflow_types::{GuestExit, GuestFrame, GuestRun, GuestStep, HostAnswer};
use wasmtime::{Instance, PoolConcurrencyLimitError, Store, Trap};

use crate::engine::{ON_DEMAND, POOLED, Vm};
use crate::gas::FUEL_PER_GAS;
use crate::host::{HostState, Mailbox, Stop, Stopped};

/// How the instance's future ends: the exit, its output, and the fuel left.
pub(crate) struct Finished {
    exit: GuestExit,
    output: Bytes,
    fuel_left: u64,
}

/// The instance's whole run, from instantiation to exit.
type InstanceRun = Pin<Box<dyn Future<Output = Finished> + Send>>;

/// A WASM frame in progress, or one that ended before it could start (an invalid module).
pub(crate) enum WasmRun {
    Running { mailbox: Arc<Mutex<Mailbox>>, instance: InstanceRun },
    Ended(Option<(GuestExit, Bytes)>),
}

impl WasmRun {
    /// A frame running export `entry` of the module `code` (keccak256 `hash`, already compiled
    /// by the pooled engine) with `frame`; on success its output is `deployed` when given (a
    /// constructor returns the code to deploy), else what it returned.
    pub fn start(code: Bytes, hash: B256, entry: &'static str, frame: GuestFrame, deployed: Option<Bytes>) -> Self {
        let mailbox = Arc::new(Mutex::new(Mailbox::default()));
        let state = HostState::new(frame, Arc::clone(&mailbox));
        let gas = Arc::clone(&mailbox);
        let instance = Box::pin(async move {
            let gas_left = gas.lock().unwrap_or_else(|e| e.into_inner()).gas_left;
            let fuel = gas_left.saturating_mul(FUEL_PER_GAS);
            let (mut store, instance) = match instantiate(&POOLED, state, &code, hash, fuel).await {
                (store, Err(error)) if error.downcast_ref::<PoolConcurrencyLimitError>().is_some() => {
                    tracing::debug!("the instance pool is full: instantiating on demand");
                    instantiate(&ON_DEMAND, store.into_data(), &code, hash, fuel).await
                }
                started => started,
            };
            let result = match instance {
                Ok(instance) => run_entry(&mut store, instance, entry).await,
                Err(error) => Err(error),
            };
            let fuel_left = store.get_fuel().unwrap_or(0);
            let state = store.data_mut();
            // Pages still unpaid are charged now: the frame cannot end with memory it did not pay.
            let fuel_left =
                fuel_left.checked_sub(state.pages_unpaid.saturating_mul(crate::gas::PAGE_GAS * FUEL_PER_GAS));
            let (exit, output) = match (fuel_left, result) {
                (None, _) => (GuestExit::OutOfGas, Bytes::new()),
                (Some(_), Ok(())) => (GuestExit::Return, deployed.unwrap_or_default()),
                (Some(_), Err(error)) => exit_of(state, &error, deployed),
            };
            Finished { exit, output, fuel_left: fuel_left.unwrap_or(0) }
        });
        Self::Running { mailbox, instance }
    }

    /// A frame that ends at once with `exit` and `output`.
    pub fn ended(exit: GuestExit, output: Bytes) -> Self {
        Self::Ended(Some((exit, output)))
    }
}

/// A store on `vm` holding `state` and `fuel`, and the module instantiated in it.
async fn instantiate(
    vm: &Vm,
    state: HostState,
    code: &[u8],
    hash: B256,
    fuel: u64,
) -> (Store<HostState>, wasmtime::Result<Instance>) {
    let mut store = Store::new(&vm.engine, state);
    store.limiter(|state| state as &mut dyn wasmtime::ResourceLimiter);
    let instance = async {
        store.set_fuel(fuel)?;
        vm.module(hash, code).map_err(wasmtime::Error::new)?.instantiate_async(&mut store).await
    }
    .await;
    (store, instance)
}

async fn run_entry(store: &mut Store<HostState>, instance: Instance, entry: &str) -> wasmtime::Result<()> {
    let memory = instance.get_memory(&mut *store, "memory");
    store.data_mut().memory = memory;
    match instance.get_typed_func::<(), ()>(&mut *store, entry) {
        Ok(func) => func.call_async(&mut *store, ()).await,
        // Only `deploy` is optional: no constructor, nothing to run.
        Err(_) if entry == "deploy" => Ok(()),
        Err(error) => Err(error),
    }
}

/// How an entry point that returned `error` ended.
fn exit_of(state: &mut HostState, error: &wasmtime::Error, deployed: Option<Bytes>) -> (GuestExit, Bytes) {
    if error.downcast_ref::<Stopped>().is_some() {
        let output = std::mem::take(&mut state.output);
        return match state.stop.take() {
            Some(Stop::Finish) => (GuestExit::Return, deployed.unwrap_or(output)),
            Some(Stop::Revert) => (GuestExit::Revert, output),
            Some(Stop::OutOfGas) => (GuestExit::OutOfGas, Bytes::new()),
            Some(Stop::Halt(reason)) => (GuestExit::Halt(reason), Bytes::new()),
            None => (GuestExit::Halt("the contract stopped without a reason".into()), Bytes::new()),
        };
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => (GuestExit::OutOfGas, Bytes::new()),
        // Its message starts "wasm trap: ".
        Some(trap) => (GuestExit::Halt(trap.to_string()), Bytes::new()),
        None => (GuestExit::Halt(format!("wasm error: {error}")), Bytes::new()),
    }
}

impl GuestRun for WasmRun {
    fn resume(&mut self, answer: HostAnswer, gas_left: u64) -> (GuestStep, u64) {
        let (mailbox, instance) = match self {
            Self::Running { mailbox, instance } => (mailbox, instance),
            Self::Ended(ended) => {
                let (exit, output) =
                    ended.take().unwrap_or((GuestExit::Halt("resumed after its end".into()), Bytes::new()));
                return (GuestStep::Exit { exit, output }, gas_left);
            }
        };
        {
            let mut mailbox = mailbox.lock().unwrap_or_else(|e| e.into_inner());
            mailbox.gas_left = gas_left;
            if answer != HostAnswer::Start {
                mailbox.answer = Some(answer);
            }
        }
        match instance.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Pending => {
                let mut mailbox = mailbox.lock().unwrap_or_else(|e| e.into_inner());
                match mailbox.request.take() {
                    Some(op) => (GuestStep::Op(op), (mailbox.fuel_left / FUEL_PER_GAS).min(gas_left)),
                    None => (
                        GuestStep::Exit {
                            exit: GuestExit::Halt("the instance waited on nothing".into()),
                            output: Bytes::new(),
                        },
                        0,
                    ),
                }
            }
            Poll::Ready(done) => (
                GuestStep::Exit { exit: done.exit, output: done.output },
                (done.fuel_left / FUEL_PER_GAS).min(gas_left),
            ),
        }
    }
}
