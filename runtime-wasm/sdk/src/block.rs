//! The block context (`block.*`, `blockhash`). Each read is recorded as an `x` move, as the
//! EVM's context opcodes are.

use crate::{Address, B256, U256, host};

/// `block.chainid` (`CHAINID`).
pub fn chain_id() -> u64 {
    host::chain_id() as u64
}

/// `block.number` (`NUMBER`).
pub fn number() -> u64 {
    host::block_number() as u64
}

/// `block.timestamp` (`TIMESTAMP`), in seconds.
pub fn timestamp() -> u64 {
    host::timestamp() as u64
}

/// `block.gaslimit` (`GASLIMIT`).
pub fn gas_limit() -> u64 {
    host::gas_limit() as u64
}

/// `block.basefee` (`BASEFEE`).
pub fn base_fee() -> U256 {
    B256(host::base_fee()).into()
}

/// `block.blobbasefee` (`BLOBBASEFEE`).
pub fn blob_base_fee() -> U256 {
    B256(host::blob_base_fee()).into()
}

/// `block.coinbase` (`COINBASE`).
pub fn coinbase() -> Address {
    Address(host::coinbase())
}

/// `block.prevrandao` (`PREVRANDAO`).
pub fn prevrandao() -> B256 {
    B256(host::prevrandao())
}

/// `blockhash(number)` (`BLOCKHASH`): zero outside the last 256 blocks.
pub fn hash(number: u64) -> B256 {
    B256(host::block_hash(number as i64))
}
