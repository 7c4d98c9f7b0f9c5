//! Guest code: contracts that are not EVM bytecode (WASM modules) but run inside the EVM's frame
//! loop, on its journal, as first-class frames (DESIGN §6).
//!
//! A guest frame is a coroutine. The host starts it ([`GuestVm::start`]) and resumes it
//! ([`GuestRun::resume`]); each time the guest needs state or another frame it yields a
//! [`HostOp`]: the EVM instruction that does the same thing, with its operands. The host executes
//! that very instruction on the frame's EVM interpreter, so a guest's `SLOAD`, `CALL` or
//! `LOG2` has the EVM's gas, warm/cold rules, loads and journal entries by construction — which
//! is what makes the two runtimes' move sets identical.
//!
//! Gas: one counter per frame, the host's. Each resume hands the guest the gas left; each yield
//! hands back what is left after the guest's own work (for WASM: fuel burnt, memory grown).

use alloy_primitives::{Address, B256, Bytes, U256};

/// The first four bytes of every WebAssembly module.
pub const WASM_MAGIC: [u8; 4] = *b"\0asm";

/// Whether `code` is a WASM module (told apart from EVM bytecode by its magic).
pub fn is_wasm(code: &[u8]) -> bool {
    code.starts_with(&WASM_MAGIC)
}

/// The WASM host function that runs EVM instruction `opcode` (docs/wasm-abi.md), for showing a
/// guest frame's accesses in the words its author wrote.
pub fn host_function(opcode: u8) -> Option<&'static str> {
    Some(match opcode {
        0x54 => "storage_load",
        0x55 => "storage_store",
        0x31 => "balance",
        0x3b => "code_size",
        0x3f => "code_hash",
        0x40 => "block_hash",
        0x41 => "coinbase",
        0x42 => "timestamp",
        0x43 => "block_number",
        0x44 => "prevrandao",
        0x45 => "gas_limit",
        0x46 => "chain_id",
        0x48 => "base_fee",
        0x4a => "blob_base_fee",
        0xa0..=0xa4 => "emit_log",
        0xf0 => "create1",
        0xf1 => "call_contract",
        0xf4 => "delegate_call_contract",
        0xf5 => "create2",
        0xfa => "static_call_contract",
        _ => return None,
    })
}

/// Why a guest frame runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A call to deployed code.
    Call,
    /// A create: the code is init code (for WASM: module ‖ constructor arguments), and a
    /// successful run returns the code to deploy.
    Deploy,
}

/// What a guest frame knows of itself when it starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuestFrame {
    /// The account whose storage and balance the frame runs on (`ADDRESS`).
    pub address: Address,
    /// The caller (`CALLER`).
    pub caller: Address,
    /// The tx's sender (`ORIGIN`).
    pub origin: Address,
    /// Wei sent, or apparent for a delegate call (`CALLVALUE`).
    pub value: U256,
    /// The tx's effective gas price (`GASPRICE`).
    pub gas_price: U256,
    /// Calldata, or the constructor's arguments for [`Entry::Deploy`] (split off by the guest).
    pub input: Bytes,
    /// Whether state changes are forbidden (inside a static call).
    pub is_static: bool,
    /// Call depth (0: the tx's own frame).
    pub depth: usize,
}

/// A request from the guest: run EVM instruction `opcode` with `stack` pushed (first element on
/// top) and `memory` staged at offset 0 of the frame's EVM memory (the host pays its expansion).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostOp {
    /// The EVM opcode.
    pub opcode: u8,
    /// Operands, top of stack first.
    pub stack: Vec<U256>,
    /// Bytes the instruction reads from memory (a log's data, a call's input, init code).
    pub memory: Bytes,
}

/// The host's answer to the last [`GuestStep::Op`] (or the start of the frame).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostAnswer {
    /// The frame is starting: nothing was asked yet.
    Start,
    /// The instruction ran: the word it pushed, if any (for calls: 1 success, 0 failure; for
    /// creates: the address or 0), and the return data buffer afterwards.
    Done {
        /// The word pushed.
        pushed: Option<U256>,
        /// `RETURNDATA` after the instruction (changed only by calls and creates).
        return_data: Option<Bytes>,
    },
}

/// How a guest frame ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GuestExit {
    /// Returned (`RETURN`/`STOP`); for [`Entry::Deploy`], the output is the code to deploy.
    Return,
    /// Reverted (`REVERT`); the output is the revert data.
    Revert,
    /// Ran out of gas.
    OutOfGas,
    /// Halted exceptionally (a trap); all the frame's gas is consumed.
    Halt(String),
}

/// One step of a guest frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GuestStep {
    /// The guest needs the host to run an instruction, then to be resumed with its result.
    Op(HostOp),
    /// The frame ended with `output` (return or revert data).
    Exit {
        /// How it ended.
        exit: GuestExit,
        /// Return data, revert data, or the code to deploy.
        output: Bytes,
    },
}

/// A running guest frame.
pub trait GuestRun {
    /// Resumes the frame with the answer to its last request and `gas_left`; returns its next
    /// step and the gas it has left at that step (never more than `gas_left`).
    fn resume(&mut self, answer: HostAnswer, gas_left: u64) -> (GuestStep, u64);
}

/// A virtual machine for guest code, hosted by the EVM's frame loop.
pub trait GuestVm: Send + Sync + std::fmt::Debug {
    /// Starts a frame running `code` (deployed code, or init code for [`Entry::Deploy`]) whose
    /// keccak256 is `code_hash` (`None` for init code).
    fn start(&self, entry: Entry, code: Bytes, code_hash: Option<B256>, frame: GuestFrame) -> Box<dyn GuestRun>;
}
