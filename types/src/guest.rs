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

/// The EVM instructions guest host functions run (one table for both sides).
pub mod opcode {
    /// `BALANCE`.
    pub const BALANCE: u8 = 0x31;
    /// `EXTCODESIZE`.
    pub const EXTCODESIZE: u8 = 0x3b;
    /// `EXTCODECOPY`.
    pub const EXTCODECOPY: u8 = 0x3c;
    /// `EXTCODEHASH`.
    pub const EXTCODEHASH: u8 = 0x3f;
    /// `BLOCKHASH`.
    pub const BLOCKHASH: u8 = 0x40;
    /// `COINBASE`.
    pub const COINBASE: u8 = 0x41;
    /// `TIMESTAMP`.
    pub const TIMESTAMP: u8 = 0x42;
    /// `NUMBER`.
    pub const NUMBER: u8 = 0x43;
    /// `PREVRANDAO`.
    pub const PREVRANDAO: u8 = 0x44;
    /// `GASLIMIT`.
    pub const GASLIMIT: u8 = 0x45;
    /// `CHAINID`.
    pub const CHAINID: u8 = 0x46;
    /// `BASEFEE`.
    pub const BASEFEE: u8 = 0x48;
    /// `BLOBBASEFEE`.
    pub const BLOBBASEFEE: u8 = 0x4a;
    /// `SLOAD`.
    pub const SLOAD: u8 = 0x54;
    /// `SSTORE`.
    pub const SSTORE: u8 = 0x55;
    /// `TLOAD` (EIP-1153).
    pub const TLOAD: u8 = 0x5c;
    /// `TSTORE` (EIP-1153).
    pub const TSTORE: u8 = 0x5d;
    /// `LOG0`; `LOG0 + n` logs with `n` topics.
    pub const LOG0: u8 = 0xa0;
    /// `CREATE`.
    pub const CREATE: u8 = 0xf0;
    /// `CALL`.
    pub const CALL: u8 = 0xf1;
    /// `DELEGATECALL`.
    pub const DELEGATECALL: u8 = 0xf4;
    /// `CREATE2`.
    pub const CREATE2: u8 = 0xf5;
    /// `STATICCALL`.
    pub const STATICCALL: u8 = 0xfa;

    /// Whether `op` is a call or a create (it sets the return data).
    pub fn is_call_or_create(op: u8) -> bool {
        matches!(op, CREATE | CALL | DELEGATECALL | CREATE2 | STATICCALL)
    }
}

/// The WASM host function that runs EVM instruction `opcode` (docs/wasm-abi.md), for showing a
/// guest frame's accesses in the words its author wrote.
pub fn host_function(op: u8) -> Option<&'static str> {
    use opcode::*;
    Some(match op {
        SLOAD => "storage_load",
        SSTORE => "storage_store",
        TLOAD => "transient_load",
        TSTORE => "transient_store",
        BALANCE => "balance",
        EXTCODESIZE => "code_size",
        EXTCODECOPY => "code_copy",
        EXTCODEHASH => "code_hash",
        BLOCKHASH => "block_hash",
        COINBASE => "coinbase",
        TIMESTAMP => "timestamp",
        NUMBER => "block_number",
        PREVRANDAO => "prevrandao",
        GASLIMIT => "gas_limit",
        CHAINID => "chain_id",
        BASEFEE => "base_fee",
        BLOBBASEFEE => "blob_base_fee",
        _ if (LOG0..=LOG0 + 4).contains(&op) => "emit_log",
        CREATE => "create1",
        CALL => "call_contract",
        DELEGATECALL => "delegate_call_contract",
        CREATE2 => "create2",
        STATICCALL => "static_call_contract",
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
    /// creates: the address or 0), the return data buffer afterwards, and what it wrote to memory.
    Done {
        /// The word pushed.
        pushed: Option<U256>,
        /// `RETURNDATA` after the instruction (changed only by calls and creates).
        return_data: Option<Bytes>,
        /// For an instruction whose result is memory (`EXTCODECOPY`, asked to write at offset
        /// 0): the bytes it wrote, for the guest to copy into its own memory.
        written: Option<Bytes>,
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
