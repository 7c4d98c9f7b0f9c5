//! The Solidity ABI: selectors, encoding of return values, errors, events and call data, and
//! decoding of call data with solc's validation.
//!
//! Only the types contracts here need are supported: the one-word value types (`uintN`,
//! `address`, `bool`, `bytes32`) and the dynamic `bytes` and `string`, in flat argument lists.
//! That covers ERC-20-like interfaces and the relay; arrays and structs are not supported.

mod decode;
mod encode;

pub use decode::{Decode, Decoder, decode};
pub use encode::{Encode, Token, encode, encode_with_selector};

use crate::{Result, Revert};

/// A function or error selector: the first four bytes of the keccak-256 of its signature.
pub type Selector = [u8; 4];

/// The selector of a canonical signature such as `"transfer(address,uint256)"` (no spaces, no
/// parameter names, `uint256` not `uint`). Use it in a `const` so it is computed at compile time:
///
/// ```
/// use manaflow_sdk::abi::{Selector, selector};
/// const TRANSFER: Selector = selector("transfer(address,uint256)");
/// assert_eq!(TRANSFER, [0xa9, 0x05, 0x9c, 0xbb]);
/// ```
pub const fn selector(signature: &str) -> Selector {
    let hash = crate::const_keccak256(signature.as_bytes()).0;
    [hash[0], hash[1], hash[2], hash[3]]
}

/// Splits call data into its selector and its arguments. Call data shorter than four bytes
/// reverts with empty data, as a solc contract without a fallback function does.
pub fn split_selector(input: &[u8]) -> Result<(Selector, &[u8])> {
    match input.split_first_chunk::<4>() {
        Some((selector, args)) => Ok((*selector, args)),
        None => Err(Revert::empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_of_known_signatures() {
        // Values from OpenZeppelin's ERC20 and solc's `methodIdentifiers`.
        assert_eq!(selector("transfer(address,uint256)"), [0xa9, 0x05, 0x9c, 0xbb]);
        assert_eq!(selector("transferFrom(address,address,uint256)"), [0x23, 0xb8, 0x72, 0xdd]);
        assert_eq!(selector("balanceOf(address)"), [0x70, 0xa0, 0x82, 0x31]);
        assert_eq!(selector("approve(address,uint256)"), [0x09, 0x5e, 0xa7, 0xb3]);
        assert_eq!(selector("Error(string)"), [0x08, 0xc3, 0x79, 0xa0]);
        assert_eq!(selector("Panic(uint256)"), [0x4e, 0x48, 0x7b, 0x71]);
        assert_eq!(selector("ERC20InsufficientBalance(address,uint256,uint256)"), [0xe4, 0x50, 0xd3, 0x8c]);
    }

    #[test]
    fn short_call_data_reverts_empty() {
        assert_eq!(split_selector(&[1, 2, 3]), Err(Revert::empty()));
        assert_eq!(split_selector(&[1, 2, 3, 4, 5]), Ok(([1, 2, 3, 4], &[5u8][..])));
    }
}
