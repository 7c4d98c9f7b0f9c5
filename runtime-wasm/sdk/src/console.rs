//! `console.log` for WASM contracts: each function calls Hardhat's console address with the
//! calldata of `console.sol`'s overload, so the node prints the line exactly as it prints a
//! Solidity contract's (format strings included: `log_u256("balance %d", b)`). A failed call is
//! ignored, as console.sol ignores it.
//!
//! ```ignore
//! use manaflow_sdk::console;
//! console::log("transfer starts");
//! console::log_u256("amount is %d", amount);
//! ```

use crate::abi::{Encode, Selector, encode_with_selector, selector};
use crate::{Address, U256, call};

/// The address `console.sol` calls (`0x000000000000000000636F6e736F6c652e6c6f67`).
pub const CONSOLE: Address = Address(*b"\0\0\0\0\0\0\0\0\0console.log");

/// `log(string)`.
pub fn log(message: &str) {
    send(selector("log(string)"), &[&message]);
}

/// `log(string,uint256)`.
pub fn log_u256(message: &str, value: U256) {
    send(selector("log(string,uint256)"), &[&message, &value]);
}

/// `log(string,address)`.
pub fn log_address(message: &str, value: Address) {
    send(selector("log(string,address)"), &[&message, &value]);
}

/// `log(string,bool)`.
pub fn log_bool(message: &str, value: bool) {
    send(selector("log(string,bool)"), &[&message, &value]);
}

/// `log(string,string)`.
pub fn log_string(message: &str, value: &str) {
    send(selector("log(string,string)"), &[&message, &value]);
}

/// The calldata of `console.sol`'s overload `signature_selector` with `values`.
pub fn calldata(signature_selector: Selector, values: &[&dyn Encode]) -> alloc::vec::Vec<u8> {
    encode_with_selector(signature_selector, values)
}

fn send(signature_selector: Selector, values: &[&dyn Encode]) {
    let _ = call::static_call(CONSOLE, &calldata(signature_selector, values));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calldata_decodes_as_the_node_decodes_console_sol() {
        let console = alloy_primitives::address!("0x000000000000000000636F6e736F6c652e6c6f67");
        assert_eq!(CONSOLE.0, console.0.0);
        let line = |data: alloc::vec::Vec<u8>| manaflow_types::console::decode(&data.into());
        assert_eq!(line(calldata(selector("log(string)"), &[&"hello from wasm"])).as_deref(), Some("hello from wasm"));
        let amount = U256::from(42u64);
        let formatted = calldata(selector("log(string,uint256)"), &[&"amount is %d", &amount]);
        assert_eq!(line(formatted).as_deref(), Some("amount is 42"));
        let yes = calldata(selector("log(string,bool)"), &[&"ok", &true]);
        assert_eq!(line(yes).as_deref(), Some("ok true"));
    }
}
