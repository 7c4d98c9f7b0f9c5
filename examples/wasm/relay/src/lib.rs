//! A relay for cross-runtime tests, the WASM counterpart of
//! `examples/contracts/src/Forwarder.sol`: forwards calls of every kind (bubbling the callee's
//! revert data unchanged), creates contracts, and reports its call and block context.
//! `setValue`/`value` at slot 0 make a delegate call's writes to this contract's storage visible.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;

use manaflow_sdk::abi::{self, Selector, selector};
use manaflow_sdk::storage::Slot;
use manaflow_sdk::{Address, B256, Result, Revert, U256, block, call, msg};

manaflow_sdk::entrypoint!(handle);
manaflow_sdk::constructor!(init);

/// `uint256 public value;`
const VALUE: Slot = Slot::new(0);

const RELAY: Selector = selector("relay(address,bytes)");
const RELAY_STATIC: Selector = selector("relayStatic(address,bytes)");
const RELAY_DELEGATE: Selector = selector("relayDelegate(address,bytes)");
const SET_VALUE: Selector = selector("setValue(uint256)");
const VALUE_GETTER: Selector = selector("value()");
const DEPLOY: Selector = selector("deploy(bytes)");
const DEPLOY2: Selector = selector("deploy2(bytes32,bytes)");
const CONTEXT: Selector = selector("context()");
const WHOAMI: Selector = selector("whoami()");

/// The implicit constructor of a Solidity contract: non-payable, nothing else.
fn init(_args: &[u8]) -> Result<()> {
    msg::non_payable()
}

fn handle(input: &[u8]) -> Result<Vec<u8>> {
    let (selector, args) = abi::split_selector(input)?;
    // Only `whoami` is payable.
    if selector != WHOAMI {
        msg::non_payable()?;
    }
    match selector {
        RELAY => {
            let (target, data): (Address, &[u8]) = abi::decode(args)?;
            Ok(abi::encode(&[&call::call(target, U256::ZERO, data)?]))
        }
        RELAY_STATIC => {
            let (target, data): (Address, &[u8]) = abi::decode(args)?;
            Ok(abi::encode(&[&call::static_call(target, data)?]))
        }
        RELAY_DELEGATE => {
            let (target, data): (Address, &[u8]) = abi::decode(args)?;
            Ok(abi::encode(&[&call::delegate_call(target, data)?]))
        }
        SET_VALUE => {
            VALUE.store(abi::decode(args)?);
            Ok(Vec::new())
        }
        VALUE_GETTER => Ok(abi::encode(&[&VALUE.load()])),
        DEPLOY => {
            let init_code: &[u8] = abi::decode(args)?;
            Ok(abi::encode(&[&call::create(U256::ZERO, init_code)?]))
        }
        DEPLOY2 => {
            let (salt, init_code): (B256, &[u8]) = abi::decode(args)?;
            Ok(abi::encode(&[&call::create2(U256::ZERO, init_code, salt)?]))
        }
        CONTEXT => Ok(context()),
        WHOAMI => Ok(abi::encode(&[&msg::this(), &msg::sender(), &msg::origin(), &msg::value()])),
        _ => Err(Revert::empty()),
    }
}

/// `(chainId, number, timestamp, baseFee, coinbase, gasLimit, prevHash)`, with
/// `prevHash = blockhash(number - 1)`, zero in block 0 (as BlockContext.sol, which reads no
/// block hash there).
fn context() -> Vec<u8> {
    let chain_id = U256::from(block::chain_id());
    let number = block::number();
    let timestamp = U256::from(block::timestamp());
    let base_fee = block::base_fee();
    let coinbase = block::coinbase();
    let gas_limit = U256::from(block::gas_limit());
    let prev_hash = if number == 0 { B256::ZERO } else { block::hash(number - 1) };
    abi::encode(&[&chain_id, &U256::from(number), &timestamp, &base_fee, &coinbase, &gas_limit, &prev_hash])
}
