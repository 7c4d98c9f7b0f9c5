//! Reverting: the revert data solc produces for `revert()`, `revert MyError(args)`,
//! `revert("reason")` / `require(cond, "reason")` and compiler panics.

use alloc::vec::Vec;

use crate::U256;
use crate::abi::{Encode, Selector, encode_with_selector, selector};

/// A reverted call, holding its revert data. The entry points turn `Err(Revert)` into the host's
/// `revert`, so `?` on any SDK result bubbles it up as Solidity bubbles a callee's revert.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Revert(pub Vec<u8>);

/// `Result<T, Revert>`: what a contract function returns.
pub type Result<T, E = Revert> = core::result::Result<T, E>;

/// The codes of Solidity's `Panic(uint256)`, raised by compiler-inserted checks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Panic {
    /// `assert` failed.
    Assert = 0x01,
    /// Checked arithmetic over- or underflowed.
    Arithmetic = 0x11,
    /// Division or modulo by zero.
    DivisionByZero = 0x12,
    /// Conversion of an out-of-range value to an enum.
    EnumConversion = 0x21,
    /// A storage byte array was incorrectly encoded.
    StorageEncoding = 0x22,
    /// `.pop()` on an empty array.
    EmptyArrayPop = 0x31,
    /// Array index out of bounds.
    ArrayBounds = 0x32,
    /// Too much memory allocated, or an array too large.
    OutOfMemory = 0x41,
    /// Call of a zero-initialised internal function variable.
    ZeroFunction = 0x51,
}

impl Revert {
    /// Empty revert data: `revert()`, `require(cond)`, a non-payable function given value, an
    /// unknown selector, or call data that does not decode.
    pub fn empty() -> Self {
        Revert(Vec::new())
    }

    /// A custom error, `revert MyError(args)`: `selector ‖ abi.encode(args)`, where `selector`
    /// is [`selector`]`("MyError(type1,type2)")`.
    pub fn custom(selector: Selector, args: &[&dyn Encode]) -> Self {
        Revert(encode_with_selector(selector, args))
    }

    /// `revert(reason)` or a failed `require(cond, reason)`: `Error(string)`.
    pub fn message(reason: &str) -> Self {
        const ERROR: Selector = selector("Error(string)");
        Revert::custom(ERROR, &[&reason])
    }

    /// A compiler panic: `Panic(uint256)` with `code`.
    pub fn panic(code: Panic) -> Self {
        const PANIC: Selector = selector("Panic(uint256)");
        Revert::custom(PANIC, &[&U256::from(code as u8)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Address;

    fn hex(h: &str) -> Vec<u8> {
        (0..h.len() / 2).map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn custom_error_matches_solc() {
        // OpenZeppelin's `revert ERC20InsufficientBalance(sender, 5, 7)` with sender 0x11…11.
        const INSUFFICIENT_BALANCE: Selector = selector("ERC20InsufficientBalance(address,uint256,uint256)");
        let data = Revert::custom(INSUFFICIENT_BALANCE, &[&Address([0x11; 20]), &U256::from(5), &U256::from(7)]);
        let expected = hex(concat!(
            "e450d38c",
            "0000000000000000000000001111111111111111111111111111111111111111",
            "0000000000000000000000000000000000000000000000000000000000000005",
            "0000000000000000000000000000000000000000000000000000000000000007",
        ));
        assert_eq!(data.0, expected);
    }

    #[test]
    fn error_string_matches_solc() {
        // `revert("always reverts")`, as Reverter.revertWithReason produces it.
        let expected = hex(concat!(
            "08c379a0",
            "0000000000000000000000000000000000000000000000000000000000000020",
            "000000000000000000000000000000000000000000000000000000000000000e",
            "616c776179732072657665727473000000000000000000000000000000000000",
        ));
        assert_eq!(Revert::message("always reverts").0, expected);
    }

    #[test]
    fn panic_matches_solc() {
        let expected = hex(concat!("4e487b71", "0000000000000000000000000000000000000000000000000000000000000011"));
        assert_eq!(Revert::panic(Panic::Arithmetic).0, expected);
    }
}
