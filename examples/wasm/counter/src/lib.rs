//! Foundry's `Counter`: `uint256 public number` at slot 0, `setNumber(uint256)`, `increment()`
//! (checked: `Panic(0x11)` past the maximum, as Solidity 0.8's `number++`).
#![no_std]

extern crate alloc;

use alloc::vec::Vec;

use manaflow_sdk::abi::{self, Selector, selector};
use manaflow_sdk::storage::Slot;
use manaflow_sdk::{Result, Revert, U256, math, msg};

manaflow_sdk::entrypoint!(handle);
manaflow_sdk::constructor!(init);

/// `uint256 public number;`
const NUMBER: Slot = Slot::new(0);

const NUMBER_GETTER: Selector = selector("number()");
const SET_NUMBER: Selector = selector("setNumber(uint256)");
const INCREMENT: Selector = selector("increment()");

/// Solidity's implicit constructor: non-payable, nothing else.
fn init(_args: &[u8]) -> Result<()> {
    msg::non_payable()
}

fn handle(input: &[u8]) -> Result<Vec<u8>> {
    let (selector, args) = abi::split_selector(input)?;
    // Every function is non-payable, so solc checks the value once, before dispatching.
    msg::non_payable()?;
    match selector {
        NUMBER_GETTER => Ok(abi::encode(&[&NUMBER.load()])),
        SET_NUMBER => {
            NUMBER.store(abi::decode(args)?);
            Ok(Vec::new())
        }
        INCREMENT => {
            NUMBER.store(math::add(NUMBER.load(), U256::from(1))?);
            Ok(Vec::new())
        }
        _ => Err(Revert::empty()),
    }
}
