//! The state accesses of an execution, reported as they happen: each opcode that reads or writes
//! state (or the block context), each call and each create, with the contract and pc; and each
//! log, which is no state access (logs go to the receipt, not the move set) but is what a reader
//! of a trace looks for. The REPL's `step` shows them, ending with the move set they add up to.

use alloy_primitives::{Address, B256, Log, U256};
use manaflow_types::guest::{host_function, is_wasm};
use revm::bytecode::opcode::{self, OpCode};
use revm::context_interface::CreateScheme;
use revm::inspector::Inspector;
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_types::{InputsTr, Jumps, LoopControl};
use revm::interpreter::{CallInputs, CallOutcome, CallScheme, CreateInputs, CreateOutcome, Interpreter};

/// One state access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// Call depth (0: the tx's own frame).
    pub depth: usize,
    /// The contract whose code runs (whose storage an `SLOAD` reads).
    pub contract: Address,
    /// Program counter of the opcode (0 for the tx's own call or create); in a WASM frame, the
    /// ordinal of the host call (1 for its first).
    pub pc: usize,
    /// The opcode's name (`SLOAD`, `CALL`…), or `TX` for the tx's own call or create; in a WASM
    /// frame, the EVM instruction its host call ran.
    pub opcode: &'static str,
    /// In a WASM frame, the host function called (`storage_load`, `call_contract`…).
    pub host: Option<&'static str>,
    /// What it touched.
    pub touch: Touch,
}

/// What an access touched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Touch {
    /// A storage slot was read.
    StorageRead {
        /// The slot.
        slot: B256,
        /// The value read.
        value: B256,
    },
    /// A storage slot was written.
    StorageWrite {
        /// The slot.
        slot: B256,
        /// The value written.
        value: B256,
    },
    /// An account's balance was read.
    Balance {
        /// The account.
        account: Address,
        /// Its balance.
        value: U256,
    },
    /// An account's code was inspected (size, hash or copy).
    Code {
        /// The account.
        account: Address,
        /// What the opcode pushed (the size or the hash; zero for a copy).
        value: U256,
    },
    /// A block-context value was read (recorded as an `x` move).
    Context {
        /// The value pushed.
        value: U256,
    },
    /// A call began.
    Call {
        /// The account whose state the callee runs on.
        target: Address,
        /// The account whose code runs (differs from `target` for a delegate call).
        code: Address,
        /// Wei transferred.
        value: U256,
    },
    /// A log was emitted (`LOG0`…`LOG4`, or a WASM `emit_log`); it makes no move.
    Log(Log),
    /// A create finished.
    Create {
        /// The new contract (`None`: the create failed).
        created: Option<Address>,
        /// Wei endowed.
        value: U256,
    },
}

/// Receives each access; the runtime calls it during execution.
pub type AccessSink<'a> = &'a mut dyn FnMut(Access);

/// The inspector that reports accesses to a sink (none: it does nothing).
#[derive(Default)]
pub(crate) struct Tracer<'a> {
    sink: Option<AccessSink<'a>>,
    pending: Option<Pending>,
    /// Where the last opcode ran, for the call or create it starts (`None`: the tx's own frame
    /// has not started).
    at: Option<Site>,
    /// Where each create in progress was made (reported when it finishes).
    creates: Vec<Site>,
    /// Per call depth: `Some(host calls so far)` when the frame runs WASM.
    guest_calls: Vec<Option<usize>>,
}

/// Where an opcode ran: contract, pc, depth, opcode name, host function.
type Site = (Address, usize, usize, &'static str, Option<&'static str>);

/// The site of the tx's own call or create.
fn tx_site(caller: Address) -> Site {
    (caller, 0, 0, "TX", None)
}

/// An access whose value is known after the opcode ran.
struct Pending {
    depth: usize,
    contract: Address,
    pc: usize,
    op: u8,
    host: Option<&'static str>,
    argument: U256,
}

impl<'a> Tracer<'a> {
    /// A tracer reporting to `sink`.
    pub fn new(sink: Option<AccessSink<'a>>) -> Self {
        Self { sink, pending: None, at: None, creates: Vec::new(), guest_calls: Vec::new() }
    }

    fn emit(&mut self, access: Access) {
        if let Some(sink) = self.sink.as_mut() {
            sink(access);
        }
    }
}

/// Whether `op` touches state or the block context (and so becomes part of a move).
fn traced(op: u8) -> bool {
    matches!(
        op,
        opcode::SLOAD
            | opcode::SSTORE
            | opcode::BALANCE
            | opcode::SELFBALANCE
            | opcode::EXTCODESIZE
            | opcode::EXTCODEHASH
            | opcode::EXTCODECOPY
            | opcode::CHAINID
            | opcode::NUMBER
            | opcode::TIMESTAMP
            | opcode::BASEFEE
            | opcode::BLOBBASEFEE
            | opcode::COINBASE
            | opcode::DIFFICULTY
            | opcode::GASLIMIT
            | opcode::BLOCKHASH
    )
}

fn name(op: u8) -> &'static str {
    OpCode::new(op).map_or("INVALID", OpCode::as_str)
}

fn address_of(word: U256) -> Address {
    Address::from_word(B256::from(word))
}

impl<CTX> Inspector<CTX, EthInterpreter> for Tracer<'_> {
    fn initialize_interp(&mut self, interp: &mut Interpreter<EthInterpreter>, _ctx: &mut CTX) {
        if self.sink.is_none() {
            return;
        }
        let depth = interp.input.depth;
        if self.guest_calls.len() <= depth {
            self.guest_calls.resize(depth + 1, None);
        }
        self.guest_calls[depth] = is_wasm(interp.bytecode.original_byte_slice()).then_some(0);
    }

    fn step(&mut self, interp: &mut Interpreter<EthInterpreter>, _ctx: &mut CTX) {
        if self.sink.is_none() {
            return;
        }
        let op = interp.bytecode.opcode();
        let contract = interp.input.target_address();
        let depth = interp.input.depth;
        let (pc, host) = match self.guest_calls.get_mut(depth) {
            Some(Some(calls)) => {
                *calls += 1;
                (*calls, host_function(op))
            }
            _ => (interp.bytecode.pc(), None),
        };
        self.at = Some((contract, pc, depth, name(op), host));
        if !traced(op) {
            return;
        }
        let argument = interp.stack.peek(0).unwrap_or_default();
        if op == opcode::SSTORE {
            // The value is the second operand; report it now (the opcode may still run out of gas,
            // which the trace shows as the frame's failure).
            let value = interp.stack.peek(1).unwrap_or_default();
            self.emit(Access {
                depth,
                contract,
                pc,
                opcode: "SSTORE",
                host,
                touch: Touch::StorageWrite { slot: B256::from(argument), value: B256::from(value) },
            });
            return;
        }
        self.pending = Some(Pending { depth, contract, pc, op, host, argument });
    }

    fn step_end(&mut self, interp: &mut Interpreter<EthInterpreter>, _ctx: &mut CTX) {
        let Some(p) = self.pending.take() else { return };
        if interp.bytecode.instruction_result().is_some() {
            return; // halted: nothing was observed
        }
        let pushed = interp.stack.peek(0).unwrap_or_default();
        let touch = match p.op {
            opcode::SLOAD => Touch::StorageRead { slot: B256::from(p.argument), value: B256::from(pushed) },
            opcode::BALANCE => Touch::Balance { account: address_of(p.argument), value: pushed },
            opcode::SELFBALANCE => Touch::Balance { account: p.contract, value: pushed },
            opcode::EXTCODESIZE | opcode::EXTCODEHASH => Touch::Code { account: address_of(p.argument), value: pushed },
            opcode::EXTCODECOPY => Touch::Code { account: address_of(p.argument), value: U256::ZERO },
            _ => Touch::Context { value: pushed },
        };
        self.emit(Access { depth: p.depth, contract: p.contract, pc: p.pc, opcode: name(p.op), host: p.host, touch });
    }

    fn call(&mut self, _ctx: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        if self.sink.is_some() {
            let (contract, pc, depth, opcode, host) = self.at.unwrap_or_else(|| tx_site(inputs.caller));
            let opcode = match (opcode, inputs.scheme) {
                ("TX", _) => "TX",
                (_, CallScheme::Call) => "CALL",
                (_, CallScheme::CallCode) => "CALLCODE",
                (_, CallScheme::DelegateCall) => "DELEGATECALL",
                (_, CallScheme::StaticCall) => "STATICCALL",
            };
            let touch = Touch::Call {
                target: inputs.target_address,
                code: inputs.bytecode_address,
                value: inputs.transfer_value().unwrap_or_default(),
            };
            self.emit(Access { depth, contract, pc, opcode, host, touch });
        }
        None
    }

    fn log_full(&mut self, _interp: &mut Interpreter<EthInterpreter>, _ctx: &mut CTX, log: Log) {
        if self.sink.is_some()
            && let Some((contract, pc, depth, opcode, host)) = self.at
        {
            self.emit(Access { depth, contract, pc, opcode, host, touch: Touch::Log(log) });
        }
    }

    fn create(&mut self, _ctx: &mut CTX, inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        if self.sink.is_some() {
            self.creates.push(self.at.unwrap_or_else(|| tx_site(inputs.caller())));
        }
        None
    }

    fn create_end(&mut self, _ctx: &mut CTX, inputs: &CreateInputs, outcome: &mut CreateOutcome) {
        if self.sink.is_some() {
            let (contract, pc, depth, opcode, host) = self.creates.pop().unwrap_or_else(|| tx_site(inputs.caller()));
            let opcode = match (opcode, inputs.scheme()) {
                ("TX", _) => "TX",
                (_, CreateScheme::Create2 { .. }) => "CREATE2",
                _ => "CREATE",
            };
            let created = if outcome.result.is_ok() { outcome.address } else { None };
            self.emit(Access {
                depth,
                contract,
                pc,
                opcode,
                host,
                touch: Touch::Create { created, value: inputs.value() },
            });
        }
    }
}
