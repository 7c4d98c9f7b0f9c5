//! The EVM runtime: execute a call against a state view (never committing), and turn what it
//! loaded and left into the tx's move set.

use alloy_primitives::{Bytes, TxKind, U256};
use std::sync::Arc;

use manaflow_types::{
    Call, ChainContext, ExecError, Execution, GuestVm, Header, Rejection, Runtime, StateView, Status,
};
use revm::context::result::{EVMError, ExecutionResult, InvalidTransaction, Output as RevmOutput};
use revm::context::{BlockEnv, CfgEnv, ContextSetters, TxEnv};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::context_interface::local::FrameStack;
use revm::database_interface::WrapDatabaseRef;
use revm::handler::EthPrecompiles;
use revm::handler::instructions::EthInstructions;
use revm::handler::{EthFrame, ExecuteEvm};
use revm::inspector::{Inspector, InspectorHandler, NoOpInspector};
use revm::interpreter::interpreter::EthInterpreter;
use revm::primitives::hardfork::SpecId;
use revm::{Context, MainContext};

thread_local! {
    /// The call frames of this thread's last execution, reused by the next (see `execute`).
    static FRAMES: std::cell::RefCell<Option<FrameStack<EthFrame<EthInterpreter>>>> = const { std::cell::RefCell::new(None) };
}

use crate::console::ConsoleRecorder;
use crate::context::ContextRecorder;
use crate::db::{DbError, ViewDb};
use crate::guest::GuestFrames;
use crate::handler::BurnFeesHandler;
use crate::moves;
use crate::trace::{AccessSink, Tracer};

/// The context an inspector given to [`EvmRuntime::execute_inspected`] sees: revm's mainnet
/// context over the state view being executed against.
pub type EvmContext<'db> = Context<BlockEnv, TxEnv, CfgEnv, WrapDatabaseRef<&'db ViewDb<'db>>>;

/// The hardforks the devnet runs. Prague by default, set explicitly (revm's own default is
/// newer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Hardfork {
    /// Cancun (Dencun).
    Cancun,
    /// Prague (Pectra).
    #[default]
    Prague,
}

impl Hardfork {
    fn spec(self) -> SpecId {
        match self {
            Hardfork::Cancun => SpecId::CANCUN,
            Hardfork::Prague => SpecId::PRAGUE,
        }
    }

    /// The name users type (`--hardfork cancun`).
    pub fn name(self) -> &'static str {
        match self {
            Hardfork::Cancun => "cancun",
            Hardfork::Prague => "prague",
        }
    }
}

impl std::str::FromStr for Hardfork {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "cancun" => Ok(Hardfork::Cancun),
            "prague" => Ok(Hardfork::Prague),
            other => Err(format!("unknown hardfork {other:?}: expected prague or cancun")),
        }
    }
}

/// The call as revm's tx environment (for comparing with revm itself).
pub fn tx_env(call: &Call) -> TxEnv {
    let mut env = TxEnv {
        tx_type: call.tx_type,
        caller: call.caller,
        gas_limit: call.gas_limit,
        gas_price: call.max_fee_per_gas,
        gas_priority_fee: call.max_priority_fee_per_gas,
        kind: match call.to {
            Some(to) => TxKind::Call(to),
            None => TxKind::Create,
        },
        value: call.value,
        data: call.input.clone(),
        nonce: call.nonce,
        chain_id: call.chain_id,
        access_list: call.access_list.clone(),
        ..TxEnv::default()
    };
    if !call.authorization_list.is_empty() {
        env.set_signed_authorization(call.authorization_list.clone());
    }
    env
}

/// revm, configured for one hardfork, producing move sets; with a guest VM, contracts whose code
/// is a WASM module run in it, inside the same frames and journal.
#[derive(Clone, Debug, Default)]
pub struct EvmRuntime {
    hardfork: Hardfork,
    guest: Option<Arc<dyn GuestVm>>,
}

impl EvmRuntime {
    /// A runtime for `hardfork`, EVM code only: without a guest VM ([`Self::with_guest`]) a WASM
    /// module's bytes would run as EVM bytecode (`0x00` is `STOP`). The devnet's runtime is
    /// `manaflow::chain_runtime`, which hosts the WASM VM.
    pub fn new(hardfork: Hardfork) -> Self {
        Self { hardfork, guest: None }
    }

    /// The same runtime, running guest code (WASM contracts) in `vm`.
    pub fn with_guest(mut self, vm: Arc<dyn GuestVm>) -> Self {
        self.guest = Some(vm);
        self
    }

    /// The guest VM, if any.
    pub fn guest(&self) -> Option<&Arc<dyn GuestVm>> {
        self.guest.as_ref()
    }

    /// The hardfork it runs.
    pub fn hardfork(&self) -> Hardfork {
        self.hardfork
    }

    /// The block environment revm runs a tx in, from the including header.
    pub fn block_env(header: &Header) -> BlockEnv {
        BlockEnv {
            number: U256::from(header.number),
            beneficiary: header.coinbase,
            timestamp: U256::from(header.timestamp),
            gas_limit: header.gas_limit,
            basefee: header.base_fee,
            difficulty: U256::ZERO,
            prevrandao: Some(header.prevrandao),
            blob_excess_gas_and_price: Some(BlobExcessGasAndPrice {
                excess_blob_gas: 0,
                blob_gasprice: u128::from(header.blob_base_fee),
            }),
            ..BlockEnv::default()
        }
    }
}

impl Runtime for EvmRuntime {
    /// Executes `call` in the block with `header` against `view` and returns its outcome and
    /// move set. Nothing is written anywhere.
    fn execute(
        &self,
        call: &Call,
        header: &Header,
        chain: &dyn ChainContext,
        view: &dyn StateView,
    ) -> Result<Execution, ExecError> {
        self.run(call, header, chain, view, None, NoOpInspector).0
    }
}

impl EvmRuntime {
    /// As [`Runtime::execute`], reporting each state access to `sink` as it happens.
    pub fn execute_traced(
        &self,
        call: &Call,
        header: &Header,
        chain: &dyn ChainContext,
        view: &dyn StateView,
        sink: AccessSink<'_>,
    ) -> Result<Execution, ExecError> {
        self.run(call, header, chain, view, Some(sink), NoOpInspector).0
    }

    /// As [`Runtime::execute`], with `inspector` watching the execution (a tracer of
    /// revm-inspectors, say); the inspector is handed back with the result. The move set is the
    /// one [`Runtime::execute`] gives, unless the inspector changes the execution (as an inspector
    /// that inserts logs does: logs make no moves).
    pub fn execute_inspected<I>(
        &self,
        call: &Call,
        header: &Header,
        chain: &dyn ChainContext,
        view: &dyn StateView,
        inspector: I,
    ) -> (Result<Execution, ExecError>, I)
    where
        I: for<'db> Inspector<EvmContext<'db>, EthInterpreter>,
    {
        self.run(call, header, chain, view, None, inspector)
    }

    fn run<I>(
        &self,
        call: &Call,
        header: &Header,
        chain: &dyn ChainContext,
        view: &dyn StateView,
        sink: Option<AccessSink<'_>>,
        extra: I,
    ) -> (Result<Execution, ExecError>, I)
    where
        I: for<'db> Inspector<EvmContext<'db>, EthInterpreter>,
    {
        let db = ViewDb::new(view, chain, header);
        let ctx = Context::mainnet()
            .with_ref_db(&db)
            .with_cfg(CfgEnv::new_with_spec(self.hardfork.spec()).with_chain_id(header.chain_id))
            .with_block(Self::block_env(header));
        // As `build_mainnet_with_inspector`, but with this thread's frames from the last
        // execution: building eight fresh frames (each a 32 KiB stack) cost more than running an
        // ERC20 transfer. revm reuses frames across txs the same way when an `Evm` is reused.
        let spec = self.hardfork.spec();
        let mut evm = revm::context::Evm {
            ctx,
            inspector: ((ContextRecorder::default(), ConsoleRecorder::default()), (Tracer::new(sink), extra)),
            instruction: EthInstructions::new_mainnet_with_spec(spec),
            precompiles: EthPrecompiles::new(spec),
            frame_stack: FRAMES
                .with(|frames| frames.borrow_mut().take())
                .unwrap_or_else(|| FrameStack::new_prealloc(8)),
        };
        evm.ctx.set_tx(tx_env(call));
        let guests = self.guest.as_ref().map(|vm| GuestFrames::new(Arc::clone(vm)));
        let mut handler =
            BurnFeesHandler::<_, EVMError<DbError, InvalidTransaction>, EthFrame<EthInterpreter>>::new(guests);
        let result = handler.inspect_run(&mut evm);
        let guest_halt = handler.guests.and_then(|g| g.top_halt);
        let state = evm.finalize();
        let context = std::mem::take(&mut evm.inspector.0.0.reads);
        let console = std::mem::take(&mut evm.inspector.0.1.calls);
        let frames = std::mem::take(&mut evm.frame_stack);
        FRAMES.with(|cell| *cell.borrow_mut() = Some(frames));
        let revm::context::Evm { inspector: (_, (_, extra)), .. } = evm;
        let execution = result
            .map_err(|e| convert_error(e, call, header))
            .and_then(|result| Self::execution(call, header, &db, &state, &context, result, guest_halt))
            .map(|execution| Execution { console, ..execution });
        (execution, extra)
    }

    /// The execution `result` left, with the move set of what it loaded and left.
    fn execution(
        call: &Call,
        header: &Header,
        db: &ViewDb<'_>,
        state: &revm::state::EvmState,
        context: &std::collections::BTreeMap<manaflow_types::StateKey, manaflow_types::Word>,
        result: ExecutionResult,
        guest_halt: Option<String>,
    ) -> Result<Execution, ExecError> {
        let set = moves::build(db, state, context).map_err(|DbError(missing)| ExecError::Missing(missing))?;
        let gas_used = result.tx_gas_used();
        let (status, logs, output, created) = match result {
            ExecutionResult::Success { logs, output, .. } => match output {
                RevmOutput::Call(bytes) => (Status::Success, logs, bytes, None),
                RevmOutput::Create(bytes, address) => (Status::Success, logs, bytes, address),
            },
            ExecutionResult::Revert { output, .. } => (Status::Revert, Vec::new(), output, None),
            ExecutionResult::Halt { reason, .. } => {
                let reason = guest_halt.unwrap_or_else(|| format!("{reason:?}"));
                (Status::Halt(reason), Vec::new(), Bytes::new(), None)
            }
        };
        Ok(Execution {
            status,
            gas_used,
            effective_gas_price: call.effective_gas_price(header.base_fee),
            logs,
            output,
            created,
            moves: set.moves,
            codes: set.codes,
            console: Vec::new(),
        })
    }
}

fn convert_error(e: EVMError<DbError, InvalidTransaction>, call: &Call, header: &Header) -> ExecError {
    match e {
        EVMError::Database(DbError(missing)) => ExecError::Missing(missing),
        EVMError::Transaction(invalid) => ExecError::Rejected(match invalid {
            InvalidTransaction::NonceTooLow { tx, state } => Rejection::NonceTooLow { tx, state },
            InvalidTransaction::NonceTooHigh { tx, state } => Rejection::NonceTooHigh { tx, state },
            InvalidTransaction::LackOfFundForMaxFee { fee, balance } => {
                Rejection::InsufficientFunds { cost: *fee, balance: *balance }
            }
            InvalidTransaction::CallGasCostMoreThanGasLimit { initial_gas, gas_limit } => {
                Rejection::IntrinsicGasTooLow { limit: gas_limit, intrinsic: initial_gas }
            }
            InvalidTransaction::GasFloorMoreThanGasLimit { gas_floor, gas_limit } => {
                Rejection::IntrinsicGasTooLow { limit: gas_limit, intrinsic: gas_floor }
            }
            InvalidTransaction::InvalidChainId => {
                Rejection::WrongChainId { tx: call.chain_id.unwrap_or_default(), chain: header.chain_id }
            }
            InvalidTransaction::GasPriceLessThanBasefee => {
                Rejection::FeeCapTooLow { max_fee: call.max_fee_per_gas, base_fee: header.base_fee }
            }
            other => Rejection::Other(other.to_string()),
        }),
        other => ExecError::Internal(other.to_string()),
    }
}
