//! Safe, typed wrappers over [`sys`](crate::sys): the only module that calls the host, so the
//! crate's `unsafe` is confined to it (and to the wasm32 runtime glue in `rt`).
//!
//! Each wrapper passes pointers to buffers of exactly the size the host writes or reads, which
//! is what makes the calls sound: the host never touches memory outside them.
#![allow(unsafe_code)]

use alloc::vec;
use alloc::vec::Vec;

use crate::sys;

/// `gas` argument meaning "all that EIP-150 allows", as Solidity's external calls forward.
const ALL_GAS: i64 = -1;

/// Lengths are `i32` in the ABI; a module's memory is at most 4 MiB, so no buffer exceeds it.
fn len(data: &[u8]) -> i32 {
    data.len() as i32
}

/// Reads a 32-byte result written by `f` into a fresh buffer.
fn word(f: impl FnOnce(*mut u8)) -> [u8; 32] {
    let mut out = [0u8; 32];
    f(out.as_mut_ptr());
    out
}

/// Reads a 20-byte result written by `f` into a fresh buffer.
fn address(f: impl FnOnce(*mut u8)) -> [u8; 20] {
    let mut out = [0u8; 20];
    f(out.as_mut_ptr());
    out
}

pub(crate) fn input() -> Vec<u8> {
    // SAFETY: `input_size` has no arguments; `input_copy` writes exactly `size` bytes to `buf`.
    unsafe {
        let size = sys::input_size();
        let mut buf = vec![0u8; size as usize];
        sys::input_copy(buf.as_mut_ptr(), 0, size);
        buf
    }
}

pub(crate) fn finish(data: &[u8]) -> ! {
    // SAFETY: the host reads `data.len()` bytes from `data`.
    unsafe { sys::finish(data.as_ptr(), len(data)) }
}

pub(crate) fn revert(data: &[u8]) -> ! {
    // SAFETY: the host reads `data.len()` bytes from `data`.
    unsafe { sys::revert(data.as_ptr(), len(data)) }
}

pub(crate) fn storage_load(key: &[u8; 32]) -> [u8; 32] {
    // SAFETY: reads a word at `key`, writes a word at `out`.
    word(|out| unsafe { sys::storage_load(key.as_ptr(), out) })
}

pub(crate) fn storage_store(key: &[u8; 32], value: &[u8; 32]) {
    // SAFETY: reads a word at `key` and at `value`.
    unsafe { sys::storage_store(key.as_ptr(), value.as_ptr()) }
}

pub(crate) fn transient_load(key: &[u8; 32]) -> [u8; 32] {
    // SAFETY: reads a word at `key`, writes a word at `out`.
    word(|out| unsafe { sys::transient_load(key.as_ptr(), out) })
}

pub(crate) fn transient_store(key: &[u8; 32], value: &[u8; 32]) {
    // SAFETY: reads a word at `key` and at `value`.
    unsafe { sys::transient_store(key.as_ptr(), value.as_ptr()) }
}

pub(crate) fn this_address() -> [u8; 20] {
    // SAFETY: writes 20 bytes at `out`.
    address(|out| unsafe { sys::address(out) })
}

pub(crate) fn caller() -> [u8; 20] {
    // SAFETY: writes 20 bytes at `out`.
    address(|out| unsafe { sys::caller(out) })
}

pub(crate) fn origin() -> [u8; 20] {
    // SAFETY: writes 20 bytes at `out`.
    address(|out| unsafe { sys::origin(out) })
}

pub(crate) fn call_value() -> [u8; 32] {
    // SAFETY: writes a word at `out`.
    word(|out| unsafe { sys::call_value(out) })
}

pub(crate) fn gas_price() -> [u8; 32] {
    // SAFETY: writes a word at `out`.
    word(|out| unsafe { sys::gas_price(out) })
}

pub(crate) fn gas_left() -> i64 {
    // SAFETY: no pointers.
    unsafe { sys::gas_left() }
}

pub(crate) fn balance(addr: &[u8; 20]) -> [u8; 32] {
    // SAFETY: reads 20 bytes at `addr`, writes a word at `out`.
    word(|out| unsafe { sys::balance(addr.as_ptr(), out) })
}

pub(crate) fn code_size(addr: &[u8; 20]) -> i32 {
    // SAFETY: reads 20 bytes at `addr`.
    unsafe { sys::code_size(addr.as_ptr()) }
}

pub(crate) fn code_copy(addr: &[u8; 20], offset: usize, len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    // SAFETY: reads 20 bytes at `addr`, writes exactly `len` bytes to `buf`.
    unsafe { sys::code_copy(addr.as_ptr(), buf.as_mut_ptr(), offset as i32, len as i32) };
    buf
}

pub(crate) fn code_hash(addr: &[u8; 20]) -> [u8; 32] {
    // SAFETY: reads 20 bytes at `addr`, writes a word at `out`.
    word(|out| unsafe { sys::code_hash(addr.as_ptr(), out) })
}

pub(crate) fn chain_id() -> i64 {
    // SAFETY: no pointers.
    unsafe { sys::chain_id() }
}

pub(crate) fn block_number() -> i64 {
    // SAFETY: no pointers.
    unsafe { sys::block_number() }
}

pub(crate) fn timestamp() -> i64 {
    // SAFETY: no pointers.
    unsafe { sys::timestamp() }
}

pub(crate) fn gas_limit() -> i64 {
    // SAFETY: no pointers.
    unsafe { sys::gas_limit() }
}

pub(crate) fn base_fee() -> [u8; 32] {
    // SAFETY: writes a word at `out`.
    word(|out| unsafe { sys::base_fee(out) })
}

pub(crate) fn blob_base_fee() -> [u8; 32] {
    // SAFETY: writes a word at `out`.
    word(|out| unsafe { sys::blob_base_fee(out) })
}

pub(crate) fn coinbase() -> [u8; 20] {
    // SAFETY: writes 20 bytes at `out`.
    address(|out| unsafe { sys::coinbase(out) })
}

pub(crate) fn prevrandao() -> [u8; 32] {
    // SAFETY: writes a word at `out`.
    word(|out| unsafe { sys::prevrandao(out) })
}

pub(crate) fn block_hash(number: i64) -> [u8; 32] {
    // SAFETY: writes a word at `out`.
    word(|out| unsafe { sys::block_hash(number, out) })
}

/// `topics` holds whole words only, so the count passed is exact.
pub(crate) fn emit_log(topics: &[[u8; 32]], data: &[u8]) {
    // SAFETY: the host reads `topics.len()` words at `topics` and `data.len()` bytes at `data`.
    unsafe { sys::emit_log(topics.as_ptr().cast(), topics.len() as i32, data.as_ptr(), len(data)) }
}

/// The outcome of a call or create: `true` when the callee succeeded.
fn succeeded(status: i32) -> bool {
    status == 0
}

pub(crate) fn call_contract(addr: &[u8; 20], value: &[u8; 32], input: &[u8]) -> bool {
    // SAFETY: the host reads 20 bytes at `addr`, a word at `value`, `input.len()` at `input`.
    succeeded(unsafe { sys::call_contract(addr.as_ptr(), value.as_ptr(), input.as_ptr(), len(input), ALL_GAS) })
}

pub(crate) fn static_call_contract(addr: &[u8; 20], input: &[u8]) -> bool {
    // SAFETY: the host reads 20 bytes at `addr` and `input.len()` at `input`.
    succeeded(unsafe { sys::static_call_contract(addr.as_ptr(), input.as_ptr(), len(input), ALL_GAS) })
}

pub(crate) fn delegate_call_contract(addr: &[u8; 20], input: &[u8]) -> bool {
    // SAFETY: the host reads 20 bytes at `addr` and `input.len()` at `input`.
    succeeded(unsafe { sys::delegate_call_contract(addr.as_ptr(), input.as_ptr(), len(input), ALL_GAS) })
}

/// `Some(address)` when the create succeeded.
pub(crate) fn create1(value: &[u8; 32], code: &[u8]) -> Option<[u8; 20]> {
    let mut out = [0u8; 20];
    // SAFETY: the host reads a word at `value`, `code.len()` at `code`, writes 20 bytes at `out`.
    let status = unsafe { sys::create1(value.as_ptr(), code.as_ptr(), len(code), out.as_mut_ptr()) };
    succeeded(status).then_some(out)
}

/// `Some(address)` when the create succeeded.
pub(crate) fn create2(value: &[u8; 32], code: &[u8], salt: &[u8; 32]) -> Option<[u8; 20]> {
    let mut out = [0u8; 20];
    // SAFETY: as `create1`, plus a word read at `salt`.
    let status = unsafe { sys::create2(value.as_ptr(), code.as_ptr(), len(code), salt.as_ptr(), out.as_mut_ptr()) };
    succeeded(status).then_some(out)
}

pub(crate) fn return_data() -> Vec<u8> {
    // SAFETY: copies exactly `return_data_size()` bytes, the whole return data, into `buf`.
    unsafe {
        let size = sys::return_data_size();
        let mut buf = vec![0u8; size as usize];
        sys::return_data_copy(buf.as_mut_ptr(), 0, size);
        buf
    }
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn keccak256(data: &[u8]) -> [u8; 32] {
    // SAFETY: the host reads `data.len()` bytes at `data` and writes a word at `out`.
    word(|out| unsafe { sys::keccak256(data.as_ptr(), len(data), out) })
}
