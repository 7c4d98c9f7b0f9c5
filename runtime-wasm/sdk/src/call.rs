//! Calls to other contracts (EVM or WASM alike) and contract creation. Each forwards all the gas
//! EIP-150 allows, as Solidity's external calls do. A failure comes back as `Err(Revert)` holding
//! the callee's revert data unchanged, so `?` bubbles it as Solidity bubbles a reverted call.

use alloc::vec::Vec;

use crate::{Address, B256, Result, Revert, U256, host};

/// `CALL`: calls `to` with `input` and `value` wei. `Ok(return data)` on success.
pub fn call(to: Address, value: U256, input: &[u8]) -> Result<Vec<u8>> {
    outcome(host::call_contract(&to.0, &B256::from(value).0, input))
}

/// `STATICCALL`: calls `to` with `input`, state changes forbidden. `Ok(return data)` on success.
pub fn static_call(to: Address, input: &[u8]) -> Result<Vec<u8>> {
    outcome(host::static_call_contract(&to.0, input))
}

/// `DELEGATECALL`: runs `to`'s code on this contract's storage, with this call's caller and
/// value. `Ok(return data)` on success.
pub fn delegate_call(to: Address, input: &[u8]) -> Result<Vec<u8>> {
    outcome(host::delegate_call_contract(&to.0, input))
}

/// `CREATE`: deploys `init_code` (EVM init code, or a WASM module followed by its constructor
/// arguments) with `value` wei; the new contract's address, or the constructor's revert data.
pub fn create(value: U256, init_code: &[u8]) -> Result<Address> {
    host::create1(&B256::from(value).0, init_code).map(Address).ok_or_else(|| Revert(return_data()))
}

/// `CREATE2`: as [`create`], at the address derived from this contract, `salt` and the init
/// code's hash.
pub fn create2(value: U256, init_code: &[u8], salt: B256) -> Result<Address> {
    host::create2(&B256::from(value).0, init_code, &salt.0).map(Address).ok_or_else(|| Revert(return_data()))
}

/// The return data of the last call or create (`RETURNDATASIZE` + `RETURNDATACOPY`).
pub fn return_data() -> Vec<u8> {
    host::return_data()
}

/// The result of a call from its success flag: the return data or the revert data.
fn outcome(succeeded: bool) -> Result<Vec<u8>> {
    let data = return_data();
    if succeeded { Ok(data) } else { Err(Revert(data)) }
}
