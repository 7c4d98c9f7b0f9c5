//! Other accounts: balance and code. Each loads the account (its `b`, `n`, `c` moves), as the
//! EVM's instructions do.

use crate::{Address, B256, U256, host};

/// `addr.balance` (`BALANCE`).
pub fn balance(addr: Address) -> U256 {
    B256(host::balance(&addr.0)).into()
}

/// `addr.code.length` (`EXTCODESIZE`).
pub fn code_size(addr: Address) -> usize {
    host::code_size(&addr.0) as usize
}

/// `addr.codehash` (`EXTCODEHASH`): zero for an empty account.
pub fn code_hash(addr: Address) -> B256 {
    B256(host::code_hash(&addr.0))
}
