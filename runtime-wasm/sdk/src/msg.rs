//! This call and its transaction: `address(this)`, `msg.sender`, `msg.value`, `tx.origin`,
//! `tx.gasprice`, `gasleft()`.

use crate::{Address, B256, Result, Revert, U256, host};

/// `address(this)` (`ADDRESS`).
pub fn this() -> Address {
    Address(host::this_address())
}

/// `msg.sender` (`CALLER`).
pub fn sender() -> Address {
    Address(host::caller())
}

/// `msg.value` (`CALLVALUE`).
pub fn value() -> U256 {
    B256(host::call_value()).into()
}

/// Reverts with empty data when the call carries value, as solc's check at the start of every
/// non-payable function (and constructor) does.
pub fn non_payable() -> Result<()> {
    // On the word itself: every contract runs this, and it needs no number.
    if host::call_value() == [0; 32] { Ok(()) } else { Err(Revert::empty()) }
}

/// `tx.origin` (`ORIGIN`).
pub fn origin() -> Address {
    Address(host::origin())
}

/// `tx.gasprice` (`GASPRICE`).
pub fn gas_price() -> U256 {
    B256(host::gas_price()).into()
}

/// `gasleft()` (`GAS`).
pub fn gas_left() -> u64 {
    host::gas_left() as u64
}
