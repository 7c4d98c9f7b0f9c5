//! The host side of a WASM contract's instance: the state a [`wasmtime::Store`] holds for one
//! frame, and the `manaflow` host functions (docs/wasm-abi.md), linked once per process.
//!
//! Functions that need state or another frame are async: they hand a [`HostOp`] to the driver
//! through the [`Mailbox`] and suspend the instance's fiber until the answer is there. The rest
//! (input, output, this call's addresses, hashing, return data) are answered here. Each engine
//! links them once (`engine.rs`).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use alloy_primitives::{Address, Bytes, U256, keccak256};
use manaflow_types::guest::opcode as op;
use manaflow_types::{GuestFrame, HostAnswer, HostOp};
use wasmtime::{Caller, Linker, Memory, ResourceLimiter};

use crate::gas::{
    COPY_WORD_GAS, FUEL_PER_GAS, HOST_CALL_GAS, KECCAK_GAS, KECCAK_WORD_GAS, MEMORY_PAGES_MAX, PAGE_BYTES, PAGE_GAS,
    TABLE_ELEMENTS_MAX, words,
};

/// Where the instance and the driver meet: the pending request, the answer, and the gas each
/// side last saw.
#[derive(Debug, Default)]
pub(crate) struct Mailbox {
    /// The operation the guest waits on.
    pub request: Option<HostOp>,
    /// The driver's answer to it.
    pub answer: Option<HostAnswer>,
    /// Gas the driver gave with the last resume.
    pub gas_left: u64,
    /// Fuel the instance had when it last yielded.
    pub fuel_left: u64,
}

/// How the guest ended the call itself (`finish`, `revert`) or why a host function stopped it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    Finish,
    Revert,
    OutOfGas,
    Halt(String),
}

/// The marker error that unwinds the guest after a [`Stop`] was recorded.
#[derive(Debug)]
pub(crate) struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the contract stopped")
    }
}

impl std::error::Error for Stopped {}

/// Everything one frame's store holds.
pub(crate) struct HostState {
    pub frame: GuestFrame,
    pub mailbox: Arc<Mutex<Mailbox>>,
    pub memory: Option<Memory>,
    pub return_data: Bytes,
    pub output: Bytes,
    pub stop: Option<Stop>,
    /// Pages grown (the initial ones included) not yet paid for.
    pub pages_unpaid: u64,
    /// Pages the growth in progress adds (taken back if it fails).
    pub pages_growing: u64,
}

impl HostState {
    pub fn new(frame: GuestFrame, mailbox: Arc<Mutex<Mailbox>>) -> Self {
        Self {
            frame,
            mailbox,
            memory: None,
            return_data: Bytes::new(),
            output: Bytes::new(),
            stop: None,
            pages_unpaid: 0,
            pages_growing: 0,
        }
    }
}

impl ResourceLimiter for HostState {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > MEMORY_PAGES_MAX * PAGE_BYTES {
            return Ok(false);
        }
        self.pages_growing = (desired.saturating_sub(current) / PAGE_BYTES) as u64;
        self.pages_unpaid += self.pages_growing;
        Ok(true)
    }

    /// wasmtime asks the limiter before it checks the module's own maximum: a growth refused
    /// after that is not paid for.
    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.pages_unpaid = self.pages_unpaid.saturating_sub(std::mem::take(&mut self.pages_growing));
        Ok(())
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= TABLE_ELEMENTS_MAX)
    }
}

type Ctx<'a> = Caller<'a, HostState>;

/// Stops the guest with `stop`.
fn stop(caller: &mut Ctx<'_>, stop: Stop) -> wasmtime::Error {
    caller.data_mut().stop = Some(stop);
    wasmtime::Error::new(Stopped)
}

/// Charges `gas` (and any memory pages grown since the last charge) in fuel.
fn charge(caller: &mut Ctx<'_>, gas: u64) -> wasmtime::Result<()> {
    let pages = std::mem::take(&mut caller.data_mut().pages_unpaid);
    let gas = gas.saturating_add(pages.saturating_mul(PAGE_GAS));
    let fuel = caller.get_fuel()?;
    match fuel.checked_sub(gas.saturating_mul(FUEL_PER_GAS)) {
        Some(left) => caller.set_fuel(left),
        None => {
            caller.set_fuel(0)?;
            Err(stop(caller, Stop::OutOfGas))
        }
    }
}

fn memory(caller: &mut Ctx<'_>) -> wasmtime::Result<Memory> {
    match caller.data().memory {
        Some(memory) => Ok(memory),
        None => Err(stop(caller, Stop::Halt("the module exports no memory".into()))),
    }
}

fn offset(value: i32) -> usize {
    value as u32 as usize
}

/// Reads `len` bytes at `ptr` of the guest's memory.
fn read(caller: &mut Ctx<'_>, ptr: i32, len: i32, what: &str) -> wasmtime::Result<Vec<u8>> {
    let memory = memory(caller)?;
    // Bounds first: a length the guest chose must not size an allocation beyond its memory.
    let range = offset(ptr).checked_add(offset(len)).map(|end| offset(ptr)..end);
    match range.and_then(|range| memory.data(&caller).get(range)) {
        Some(bytes) => Ok(bytes.to_vec()),
        None => Err(stop(caller, Stop::Halt(format!("{what}: out of bounds memory access")))),
    }
}

/// Halts unless `len` bytes at `ptr` lie inside the guest's memory.
fn check_range(caller: &mut Ctx<'_>, ptr: i32, len: i32, what: &str) -> wasmtime::Result<()> {
    let memory = memory(caller)?;
    match offset(ptr).checked_add(offset(len)) {
        Some(end) if end <= memory.data_size(&caller) => Ok(()),
        _ => Err(stop(caller, Stop::Halt(format!("{what}: out of bounds memory access")))),
    }
}

fn write(caller: &mut Ctx<'_>, ptr: i32, bytes: &[u8], what: &str) -> wasmtime::Result<()> {
    let memory = memory(caller)?;
    if memory.write(&mut *caller, offset(ptr), bytes).is_err() {
        return Err(stop(caller, Stop::Halt(format!("{what}: out of bounds memory access"))));
    }
    Ok(())
}

fn read_word(caller: &mut Ctx<'_>, ptr: i32, what: &str) -> wasmtime::Result<U256> {
    Ok(U256::from_be_slice(&read(caller, ptr, 32, what)?))
}

fn read_address(caller: &mut Ctx<'_>, ptr: i32, what: &str) -> wasmtime::Result<U256> {
    Ok(U256::from_be_slice(Address::from_slice(&read(caller, ptr, 20, what)?).as_slice()))
}

fn write_word(caller: &mut Ctx<'_>, ptr: i32, word: U256, what: &str) -> wasmtime::Result<()> {
    write(caller, ptr, &word.to_be_bytes::<32>(), what)
}

fn write_address(caller: &mut Ctx<'_>, ptr: i32, word: U256, what: &str) -> wasmtime::Result<()> {
    write(caller, ptr, &word.to_be_bytes::<32>()[12..], what)
}

/// The future that is pending until the driver has answered.
struct Answer {
    mailbox: Arc<Mutex<Mailbox>>,
}

impl Future for Answer {
    type Output = HostAnswer;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<HostAnswer> {
        match self.mailbox.lock().unwrap_or_else(|e| e.into_inner()).answer.take() {
            Some(answer) => Poll::Ready(answer),
            None => Poll::Pending,
        }
    }
}

/// Hands `op` to the driver, waits for its answer, and takes the gas it left. Returns the word
/// the instruction pushed.
async fn host_op(caller: &mut Ctx<'_>, opcode: u8, stack: Vec<U256>, memory: Vec<u8>) -> wasmtime::Result<U256> {
    Ok(host_op_written(caller, opcode, stack, memory).await?.0)
}

/// As [`host_op`], also returning what the instruction wrote to memory (empty if nothing).
async fn host_op_written(
    caller: &mut Ctx<'_>,
    opcode: u8,
    stack: Vec<U256>,
    memory: Vec<u8>,
) -> wasmtime::Result<(U256, Bytes)> {
    charge(caller, 0)?;
    let mailbox = Arc::clone(&caller.data().mailbox);
    {
        let mut mailbox = mailbox.lock().unwrap_or_else(|e| e.into_inner());
        mailbox.request = Some(HostOp { opcode, stack, memory: memory.into() });
        mailbox.answer = None;
        mailbox.fuel_left = caller.get_fuel()?;
    }
    let answer = Answer { mailbox: Arc::clone(&mailbox) }.await;
    let gas_left = mailbox.lock().unwrap_or_else(|e| e.into_inner()).gas_left;
    caller.set_fuel(gas_left.saturating_mul(FUEL_PER_GAS))?;
    match answer {
        HostAnswer::Start => Err(stop(caller, Stop::Halt("the host answered out of turn".into()))),
        HostAnswer::Done { pushed, return_data, written } => {
            if let Some(return_data) = return_data {
                caller.data_mut().return_data = return_data;
            }
            Ok((pushed.unwrap_or_default(), written.unwrap_or_default()))
        }
    }
}

fn status(success: U256) -> i32 {
    i32::from(success.is_zero())
}

const M: &str = "manaflow";

/// Defines every host function in `linker`.
pub(crate) fn define(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    define_io(linker)?;
    define_call_context(linker)?;
    define_state(linker)?;
    define_block_context(linker)?;
    define_calls(linker)?;
    Ok(())
}

fn define_io(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.func_wrap(M, "input_size", |mut caller: Ctx<'_>| -> wasmtime::Result<i32> {
        charge(&mut caller, HOST_CALL_GAS)?;
        Ok(caller.data().frame.input.len() as i32)
    })?;
    linker.func_wrap(
        M,
        "input_copy",
        |mut caller: Ctx<'_>, dest: i32, from: i32, len: i32| -> wasmtime::Result<()> {
            charge(&mut caller, HOST_CALL_GAS + COPY_WORD_GAS * words(offset(len)))?;
            let input = &caller.data().frame.input;
            let mut buf = vec![0; offset(len)];
            let start = offset(from).min(input.len());
            let end = offset(from).saturating_add(offset(len)).min(input.len());
            buf[..end - start].copy_from_slice(&input[start..end]);
            write(&mut caller, dest, &buf, "input_copy")
        },
    )?;
    linker.func_wrap(M, "finish", |mut caller: Ctx<'_>, ptr: i32, len: i32| -> wasmtime::Result<()> {
        charge(&mut caller, HOST_CALL_GAS + COPY_WORD_GAS * words(offset(len)))?;
        caller.data_mut().output = read(&mut caller, ptr, len, "finish")?.into();
        Err(stop(&mut caller, Stop::Finish))
    })?;
    linker.func_wrap(M, "revert", |mut caller: Ctx<'_>, ptr: i32, len: i32| -> wasmtime::Result<()> {
        charge(&mut caller, HOST_CALL_GAS + COPY_WORD_GAS * words(offset(len)))?;
        caller.data_mut().output = read(&mut caller, ptr, len, "revert")?.into();
        Err(stop(&mut caller, Stop::Revert))
    })?;
    linker.func_wrap(M, "keccak256", |mut caller: Ctx<'_>, ptr: i32, len: i32, out: i32| -> wasmtime::Result<()> {
        charge(&mut caller, KECCAK_GAS + KECCAK_WORD_GAS * words(offset(len)))?;
        let data = read(&mut caller, ptr, len, "keccak256")?;
        write(&mut caller, out, keccak256(data).as_slice(), "keccak256")
    })?;
    linker.func_wrap(M, "return_data_size", |mut caller: Ctx<'_>| -> wasmtime::Result<i32> {
        charge(&mut caller, HOST_CALL_GAS)?;
        Ok(caller.data().return_data.len() as i32)
    })?;
    linker.func_wrap(
        M,
        "return_data_copy",
        |mut caller: Ctx<'_>, dest: i32, from: i32, len: i32| -> wasmtime::Result<()> {
            charge(&mut caller, HOST_CALL_GAS + COPY_WORD_GAS * words(offset(len)))?;
            let data = caller.data().return_data.clone();
            let Some(slice) = offset(from).checked_add(offset(len)).and_then(|end| data.get(offset(from)..end)) else {
                return Err(stop(
                    &mut caller,
                    Stop::Halt("return_data_copy: reading past the end of the return data".into()),
                ));
            };
            write(&mut caller, dest, slice, "return_data_copy")
        },
    )?;
    Ok(())
}

fn define_call_context(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.func_wrap(M, "address", |mut caller: Ctx<'_>, out: i32| -> wasmtime::Result<()> {
        charge(&mut caller, HOST_CALL_GAS)?;
        let address = caller.data().frame.address;
        write(&mut caller, out, address.as_slice(), "address")
    })?;
    linker.func_wrap(M, "caller", |mut caller: Ctx<'_>, out: i32| -> wasmtime::Result<()> {
        charge(&mut caller, HOST_CALL_GAS)?;
        let address = caller.data().frame.caller;
        write(&mut caller, out, address.as_slice(), "caller")
    })?;
    linker.func_wrap(M, "origin", |mut caller: Ctx<'_>, out: i32| -> wasmtime::Result<()> {
        charge(&mut caller, HOST_CALL_GAS)?;
        let address = caller.data().frame.origin;
        write(&mut caller, out, address.as_slice(), "origin")
    })?;
    linker.func_wrap(M, "call_value", |mut caller: Ctx<'_>, out: i32| -> wasmtime::Result<()> {
        charge(&mut caller, HOST_CALL_GAS)?;
        let value = caller.data().frame.value;
        write_word(&mut caller, out, value, "call_value")
    })?;
    linker.func_wrap(M, "gas_price", |mut caller: Ctx<'_>, out: i32| -> wasmtime::Result<()> {
        charge(&mut caller, HOST_CALL_GAS)?;
        let price = caller.data().frame.gas_price;
        write_word(&mut caller, out, price, "gas_price")
    })?;
    linker.func_wrap(M, "gas_left", |mut caller: Ctx<'_>| -> wasmtime::Result<i64> {
        charge(&mut caller, HOST_CALL_GAS)?;
        Ok((caller.get_fuel()? / FUEL_PER_GAS) as i64)
    })?;
    Ok(())
}

/// Defines a host function that runs context opcode `opcode` and returns its word as an i64.
fn context_number(linker: &mut Linker<HostState>, name: &'static str, opcode: u8) -> wasmtime::Result<()> {
    linker.func_wrap_async(M, name, move |mut caller: Ctx<'_>, (): ()| {
        Box::new(async move {
            let word = host_op(&mut caller, opcode, Vec::new(), Vec::new()).await?;
            Ok(u64::try_from(word).unwrap_or(u64::MAX) as i64)
        })
    })?;
    Ok(())
}

/// Defines a host function that runs context opcode `opcode` and writes its word (or address).
fn context_word(linker: &mut Linker<HostState>, name: &'static str, opcode: u8, address: bool) -> wasmtime::Result<()> {
    linker.func_wrap_async(M, name, move |mut caller: Ctx<'_>, (out,): (i32,)| {
        Box::new(async move {
            let word = host_op(&mut caller, opcode, Vec::new(), Vec::new()).await?;
            if address { write_address(&mut caller, out, word, name) } else { write_word(&mut caller, out, word, name) }
        })
    })?;
    Ok(())
}

fn define_block_context(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    context_number(linker, "chain_id", op::CHAINID)?;
    context_number(linker, "block_number", op::NUMBER)?;
    context_number(linker, "timestamp", op::TIMESTAMP)?;
    context_number(linker, "gas_limit", op::GASLIMIT)?;
    context_word(linker, "base_fee", op::BASEFEE, false)?;
    context_word(linker, "blob_base_fee", op::BLOBBASEFEE, false)?;
    context_word(linker, "coinbase", op::COINBASE, true)?;
    context_word(linker, "prevrandao", op::PREVRANDAO, false)?;
    linker.func_wrap_async(M, "block_hash", |mut caller: Ctx<'_>, (number, out): (i64, i32)| {
        Box::new(async move {
            let word = host_op(&mut caller, op::BLOCKHASH, vec![U256::from(number as u64)], Vec::new()).await?;
            write_word(&mut caller, out, word, "block_hash")
        })
    })?;
    Ok(())
}

/// Defines a host function that runs `opcode` (`SLOAD`, `TLOAD`) on the word at `key` and
/// writes the word it pushed at `out`.
fn slot_load(linker: &mut Linker<HostState>, name: &'static str, opcode: u8) -> wasmtime::Result<()> {
    linker.func_wrap_async(M, name, move |mut caller: Ctx<'_>, (key, out): (i32, i32)| {
        Box::new(async move {
            let key = read_word(&mut caller, key, name)?;
            let value = host_op(&mut caller, opcode, vec![key], Vec::new()).await?;
            write_word(&mut caller, out, value, name)
        })
    })?;
    Ok(())
}

/// Defines a host function that runs `opcode` (`SSTORE`, `TSTORE`) with the words at `key` and
/// `value`.
fn slot_store(linker: &mut Linker<HostState>, name: &'static str, opcode: u8) -> wasmtime::Result<()> {
    linker.func_wrap_async(M, name, move |mut caller: Ctx<'_>, (key, value): (i32, i32)| {
        Box::new(async move {
            let key = read_word(&mut caller, key, name)?;
            let value = read_word(&mut caller, value, name)?;
            host_op(&mut caller, opcode, vec![key, value], Vec::new()).await?;
            Ok(())
        })
    })?;
    Ok(())
}

fn define_state(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    slot_load(linker, "storage_load", op::SLOAD)?;
    slot_store(linker, "storage_store", op::SSTORE)?;
    slot_load(linker, "transient_load", op::TLOAD)?;
    slot_store(linker, "transient_store", op::TSTORE)?;
    linker.func_wrap_async(M, "balance", |mut caller: Ctx<'_>, (addr, out): (i32, i32)| {
        Box::new(async move {
            let address = read_address(&mut caller, addr, "balance")?;
            let balance = host_op(&mut caller, op::BALANCE, vec![address], Vec::new()).await?;
            write_word(&mut caller, out, balance, "balance")
        })
    })?;
    linker.func_wrap_async(M, "code_size", |mut caller: Ctx<'_>, (addr,): (i32,)| {
        Box::new(async move {
            let address = read_address(&mut caller, addr, "code_size")?;
            let size = host_op(&mut caller, op::EXTCODESIZE, vec![address], Vec::new()).await?;
            Ok(u32::try_from(size).unwrap_or(u32::MAX) as i32)
        })
    })?;
    linker.func_wrap_async(M, "code_copy", |mut caller: Ctx<'_>, (addr, dest, from, len): (i32, i32, i32, i32)| {
        Box::new(async move {
            let address = read_address(&mut caller, addr, "code_copy")?;
            // The destination must fit the guest's memory before the host copies anything.
            check_range(&mut caller, dest, len, "code_copy")?;
            let stack = vec![address, U256::ZERO, U256::from(offset(from)), U256::from(offset(len))];
            let (_, code) = host_op_written(&mut caller, op::EXTCODECOPY, stack, Vec::new()).await?;
            write(&mut caller, dest, &code, "code_copy")
        })
    })?;
    linker.func_wrap_async(M, "code_hash", |mut caller: Ctx<'_>, (addr, out): (i32, i32)| {
        Box::new(async move {
            let address = read_address(&mut caller, addr, "code_hash")?;
            let hash = host_op(&mut caller, op::EXTCODEHASH, vec![address], Vec::new()).await?;
            write_word(&mut caller, out, hash, "code_hash")
        })
    })?;
    linker.func_wrap_async(
        M,
        "emit_log",
        |mut caller: Ctx<'_>, (topics, count, data, len): (i32, i32, i32, i32)| {
            Box::new(async move {
                if !(0..=4).contains(&count) {
                    return Err(stop(&mut caller, Stop::Halt(format!("emit_log: {count} topics (at most 4)"))));
                }
                let topic_bytes = read(&mut caller, topics, count * 32, "emit_log")?;
                let data = read(&mut caller, data, len, "emit_log")?;
                let mut stack = vec![U256::ZERO, U256::from(data.len())];
                stack.extend(topic_bytes.chunks(32).map(U256::from_be_slice));
                host_op(&mut caller, op::LOG0 + count as u8, stack, data).await?;
                Ok(())
            })
        },
    )?;
    Ok(())
}

fn gas_word(gas: i64) -> U256 {
    U256::from(gas as u64)
}

fn define_calls(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.func_wrap_async(
        M,
        "call_contract",
        |mut caller: Ctx<'_>, (addr, value, input, len, gas): (i32, i32, i32, i32, i64)| {
            Box::new(async move {
                let to = read_address(&mut caller, addr, "call_contract")?;
                let value = read_word(&mut caller, value, "call_contract")?;
                let input = read(&mut caller, input, len, "call_contract")?;
                let stack = vec![gas_word(gas), to, value, U256::ZERO, U256::from(input.len()), U256::ZERO, U256::ZERO];
                Ok(status(host_op(&mut caller, op::CALL, stack, input).await?))
            })
        },
    )?;
    for (name, opcode) in [("static_call_contract", op::STATICCALL), ("delegate_call_contract", op::DELEGATECALL)] {
        linker.func_wrap_async(
            M,
            name,
            move |mut caller: Ctx<'_>, (addr, input, len, gas): (i32, i32, i32, i64)| {
                Box::new(async move {
                    let to = read_address(&mut caller, addr, name)?;
                    let input = read(&mut caller, input, len, name)?;
                    let stack = vec![gas_word(gas), to, U256::ZERO, U256::from(input.len()), U256::ZERO, U256::ZERO];
                    Ok(status(host_op(&mut caller, opcode, stack, input).await?))
                })
            },
        )?;
    }
    linker.func_wrap_async(M, "create1", |mut caller: Ctx<'_>, (value, code, len, out): (i32, i32, i32, i32)| {
        Box::new(async move {
            let value = read_word(&mut caller, value, "create1")?;
            let code = read(&mut caller, code, len, "create1")?;
            let stack = vec![value, U256::ZERO, U256::from(code.len())];
            let address = host_op(&mut caller, op::CREATE, stack, code).await?;
            created(&mut caller, address, out, "create1")
        })
    })?;
    linker.func_wrap_async(
        M,
        "create2",
        |mut caller: Ctx<'_>, (value, code, len, salt, out): (i32, i32, i32, i32, i32)| {
            Box::new(async move {
                let value = read_word(&mut caller, value, "create2")?;
                let code = read(&mut caller, code, len, "create2")?;
                let salt = read_word(&mut caller, salt, "create2")?;
                let stack = vec![value, U256::ZERO, U256::from(code.len()), salt];
                let address = host_op(&mut caller, op::CREATE2, stack, code).await?;
                created(&mut caller, address, out, "create2")
            })
        },
    )?;
    Ok(())
}

/// Writes a create's address and returns its status (0 created, 1 failed).
fn created(caller: &mut Ctx<'_>, address: U256, out: i32, what: &str) -> wasmtime::Result<i32> {
    if address.is_zero() {
        return Ok(1);
    }
    write_address(caller, out, address, what)?;
    Ok(0)
}
