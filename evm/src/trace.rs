//! The state accesses of an execution, reported as they happen: each opcode that reads or writes
//! state (or the block context), each call and each create, with the contract and pc; and each
//! log, which is no state access (logs go to the receipt, not the move set) but is what a reader
//! of a trace looks for. The REPL's `step` shows them, ending with the move set they add up to.

use alloy_primitives::{Address, B256, Log, U256};
use manaflow_types::guest::{host_function, is_wasm};
pub use manaflow_types::trace::{Access, AccessSink, Touch};
use revm::bytecode::opcode::{self, OpCode};
use revm::context_interface::CreateScheme;
use revm::inspector::Inspector;
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_types::{InputsTr, Jumps, LoopControl};
use revm::interpreter::{CallInputs, CallOutcome, CallScheme, CreateInputs, CreateOutcome, Interpreter};

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
