//! # manaflow-sdk: Rust contracts for Manaflow's WASM runtime
//!
//! A `no_std` crate for contracts compiled to `wasm32-unknown-unknown` and run by Manaflow's
//! WASM runtime (the host ABI is `docs/wasm-abi.md`). It gives a contract what solc gives a
//! Solidity one, with the same bytes on the wire and in storage: the Solidity ABI for call data,
//! return data, errors and events, Solidity's storage layout, and the EVM's context, calls and
//! creates. A contract that touches storage in the order solc's code does gets the same moves.
//!
//! What it provides, by module: [`sys`] the raw host imports and [`entry`] the `call`/`deploy`
//! exports ([`entrypoint!`], [`constructor!`]); [`abi`] selectors, encoding and decoding;
//! [`revert`] revert data ([`Revert`], [`Panic`]); [`math`] checked arithmetic; [`storage`]
//! slots, mappings, strings and transient storage; [`log`] events ([`emit!`]); [`call`] calls
//! and creates; [`msg`], [`block`] and [`account`] the context; [`keccak256`]. On wasm32 it also
//! installs a bump allocator (every call is a fresh instance: nothing is ever freed) and a panic
//! handler that traps.
//!
//! Everything pure (ABI, slots, keccak) also works on the host, for unit tests; functions that
//! need the host panic there.
//!
//! ## Why a small codec rather than `alloy-sol-types`
//!
//! Numbers come from `ruint` (alloy's big-integer crate) and compile-time hashing from
//! `keccak-const`; the ABI codec (`abi`) and `U256` division (`math`) are this crate's own, for
//! size and exactness:
//!
//! - *Size.* A module must stay under EIP-170's 24,576 bytes and every deployed byte costs 200 gas
//!   of code deposit. The same 7-function ERC-20 subset measured 13,658 bytes with
//!   `alloy-sol-types` 1.7.3 (`sol!`, validating decode, host keccak) and 7,714 bytes with this
//!   codec; the complete OpenZeppelin-equivalent ERC-20 here is 12,405 bytes, which alloy's
//!   codec would push to about 18–22 KB, at the edge of the limit. ruint's general division alone
//!   is about 8 KB of wasm.
//! - *Exactness.* A contract must revert exactly where solc's code reverts (dirty `address` or
//!   `bool` words, short call data, out-of-range offsets), which [`abi::Decoder`] implements as
//!   solc's generated checks are written.
//!
//! ## Entry point
//!
//! A contract is a `#![no_std]` `cdylib` (see `examples/wasm/` for the crate setup) with one
//! function taking the call data and returning the output:
//!
//! ```
//! extern crate alloc;
//! use alloc::vec::Vec;
//! use manaflow_sdk::{Result, Revert, abi};
//!
//! manaflow_sdk::entrypoint!(handle);
//! manaflow_sdk::constructor!(init); // optional: the constructor
//!
//! const PING: abi::Selector = abi::selector("ping()");
//!
//! fn handle(input: &[u8]) -> Result<Vec<u8>> {
//!     let (selector, _args) = abi::split_selector(input)?;
//!     match selector {
//!         PING => Ok(abi::encode(&[&true])),
//!         _ => Err(Revert::empty()), // unknown selector: as solc without a fallback
//!     }
//! }
//!
//! fn init(_args: &[u8]) -> Result<()> {
//!     Ok(())
//! }
//! ```
//!
//! ## ABI decoding and encoding
//!
//! ```
//! use manaflow_sdk::{Address, U256, abi};
//! // Call data for transfer(address,uint256) and its decoding, with solc's checks.
//! const TRANSFER: abi::Selector = abi::selector("transfer(address,uint256)");
//! let input = abi::encode_with_selector(TRANSFER, &[&Address([1; 20]), &U256::from(5)]);
//! let (selector, args) = abi::split_selector(&input).unwrap();
//! assert_eq!(selector, TRANSFER);
//! let (to, value): (Address, U256) = abi::decode(args).unwrap();
//! // Return data: `return (true, "ok");`
//! let output = abi::encode(&[&true, &"ok"]);
//! # assert_eq!((to, value, output.len()), (Address([1; 20]), U256::from(5), 128));
//! ```
//!
//! ## Storage value
//!
//! ```no_run
//! use manaflow_sdk::{U256, storage::Slot};
//! // uint256 public number; (slot 0)
//! const NUMBER: Slot = Slot::new(0);
//! NUMBER.store(NUMBER.load() + U256::from(1));
//! ```
//!
//! ## Transient storage
//!
//! ```no_run
//! use manaflow_sdk::{Result, Revert, U256, storage::Slot};
//! // uint256 transient locked; (transient slot 0): a reentrancy guard, zero again after the tx.
//! const LOCKED: Slot = Slot::new(0);
//! fn enter() -> Result<()> {
//!     if LOCKED.load_transient() != U256::ZERO {
//!         return Err(Revert::message("reentrant call"));
//!     }
//!     LOCKED.store_transient(U256::from(1));
//!     Ok(())
//! }
//! # enter().unwrap();
//! ```
//!
//! ## Mapping
//!
//! ```no_run
//! use manaflow_sdk::{U256, msg, storage::Slot};
//! // mapping(address => uint256) balances; (slot 0): balances[msg.sender]
//! let balance = Slot::new(0).mapping(&msg::sender()).load();
//! ```
//!
//! ## Nested mapping
//!
//! ```
//! use manaflow_sdk::{Address, storage::Slot};
//! // mapping(address => mapping(address => uint256)) allowances; (slot 1)
//! let (owner, spender) = (Address([1; 20]), Address([2; 20]));
//! let slot = Slot::new(1).mapping(&owner).mapping(&spender); // allowances[owner][spender]
//! ```
//!
//! ## Event
//!
//! ```no_run
//! use manaflow_sdk::{Address, U256, emit};
//! let (from, to, value) = (Address::ZERO, Address([1; 20]), U256::from(5));
//! // emit Transfer(from, to, value); with `from` and `to` indexed.
//! emit!("Transfer(address,address,uint256)", [from, to], [value]);
//! ```
//!
//! ## Custom error
//!
//! ```
//! use manaflow_sdk::{Address, Result, Revert, U256, abi};
//! const INSUFFICIENT: abi::Selector = abi::selector("ERC20InsufficientBalance(address,uint256,uint256)");
//! fn check(from: Address, balance: U256, value: U256) -> Result<()> {
//!     if balance < value {
//!         // revert ERC20InsufficientBalance(from, balance, value);
//!         return Err(Revert::custom(INSUFFICIENT, &[&from, &balance, &value]));
//!     }
//!     Ok(())
//! }
//! assert_eq!(check(Address::ZERO, U256::ZERO, U256::from(1)).unwrap_err().0[..4], [0xe4, 0x50, 0xd3, 0x8c]);
//! ```
//!
//! ## Cross-contract call
//!
//! ```no_run
//! use manaflow_sdk::{Address, Result, U256, abi, call};
//! fn balance_of(token: Address, owner: Address) -> Result<U256> {
//!     const BALANCE_OF: abi::Selector = abi::selector("balanceOf(address)");
//!     // `?` bubbles the callee's revert data unchanged.
//!     let output = call::static_call(token, &abi::encode_with_selector(BALANCE_OF, &[&owner]))?;
//!     abi::decode(&output)
//! }
//! ```
//!
//! ## Context
//!
//! ```no_run
//! use manaflow_sdk::{block, msg};
//! let (sender, value, this) = (msg::sender(), msg::value(), msg::this());
//! let parent = block::hash(block::number() - 1); // blockhash(block.number - 1)
//! let (now, chain) = (block::timestamp(), block::chain_id());
//! ```
//!
//! ## Other accounts
//!
//! ```no_run
//! use manaflow_sdk::{Address, account};
//! let other = Address([7; 20]);
//! // other.balance, other.code.length, other.codehash, other.code
//! let (balance, size, hash) = (account::balance(other), account::code_size(other), account::code_hash(other));
//! let code = account::code(other); // a WASM module or EVM bytecode
//! ```
#![no_std]
#![deny(missing_docs)]

#[doc(hidden)]
pub extern crate alloc;

pub mod abi;
pub mod account;
pub mod block;
pub mod call;
pub mod console;
pub mod entry;
mod host;
mod keccak;
pub mod log;
pub mod math;
pub mod msg;
mod primitives;
pub mod revert;
#[cfg(target_arch = "wasm32")]
mod rt;
pub mod storage;
pub mod sys;

pub use keccak::{const_keccak256, keccak256};
pub use primitives::{Address, B256, U256};
pub use revert::{Panic, Result, Revert};
