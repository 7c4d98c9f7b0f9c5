//! Other accounts: balance and code. Each loads the account (its `b`, `n`, `c` moves), as the
//! EVM's instructions do.

use alloc::vec::Vec;

use crate::{Address, B256, U256, host};

/// `addr.balance` (`BALANCE`).
pub fn balance(addr: Address) -> U256 {
    B256(host::balance(&addr.0)).into()
}

/// `addr.code.length` (`EXTCODESIZE`).
pub fn code_size(addr: Address) -> usize {
    host::code_size(&addr.0) as usize
}

/// `addr.code` (`EXTCODESIZE`, then `EXTCODECOPY` of the whole code, as solc does): the
/// account's code, a WASM module or EVM bytecode.
pub fn code(addr: Address) -> Vec<u8> {
    let size = code_size(addr);
    host::code_copy(&addr.0, 0, size)
}

/// `addr.code[offset..offset + len]` (`EXTCODECOPY`), zero past the end of the code.
pub fn code_slice(addr: Address, offset: usize, len: usize) -> Vec<u8> {
    host::code_copy(&addr.0, offset, len)
}

/// `addr.codehash` (`EXTCODEHASH`): zero for an empty account.
pub fn code_hash(addr: Address) -> B256 {
    B256(host::code_hash(&addr.0))
}
