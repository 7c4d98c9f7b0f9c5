//! Benchmarks run by `manaflow bench …`. Each prints the figure its issue names, the baseline
//! measured in the same run, and a last summary line.

mod apply;
mod proofs;
mod roles;
mod rpc;
mod soak;
mod stats;
mod trace;
mod validate;
mod wasm;
mod wire;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use manaflow_types::SigningKey;

use crate::cli::BenchCommand;

/// A signed EIP-1559 ERC20 `transfer(to, amount)` to `token` (100,000 gas, 1 gwei tip).
pub(crate) fn erc20_transfer(
    key: &SigningKey,
    chain_id: u64,
    nonce: u64,
    token: Address,
    to: Address,
    amount: U256,
    max_fee_per_gas: u128,
) -> Bytes {
    let mut input = keccak256("transfer(address,uint256)")[..4].to_vec();
    input.extend_from_slice(to.into_word().as_slice());
    input.extend_from_slice(B256::from(amount).as_slice());
    signed_1559(key, chain_id, nonce, TxKind::Call(token), U256::ZERO, input.into(), 100_000, max_fee_per_gas)
}

/// A signed EIP-1559 tx (1 gwei tip, no access list).
#[allow(clippy::too_many_arguments)]
pub(crate) fn signed_1559(
    key: &SigningKey,
    chain_id: u64,
    nonce: u64,
    to: TxKind,
    value: U256,
    input: Bytes,
    gas_limit: u64,
    max_fee_per_gas: u128,
) -> Bytes {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit,
        max_fee_per_gas,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        value,
        input,
        access_list: Default::default(),
    };
    let sig = key.sign_hash(&tx.signature_hash());
    let sig = alloy_primitives::Signature::new(sig.r, sig.s, sig.y_parity);
    Bytes::from(TxEnvelope::from(tx.into_signed(sig)).encoded_2718())
}

/// A dev chain with no blocks before the measured one: BLOCKHASH finds nothing.
pub(crate) struct NoAncestors;

impl manaflow_types::ChainContext for NoAncestors {
    fn block_hash(&self, _: u64) -> Option<B256> {
        None
    }
    fn dev_mode(&self) -> bool {
        true
    }
}

/// Runs one benchmark.
pub fn run(command: BenchCommand) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; benchmark figures need `cargo run --release -- bench …`");
    }
    match command {
        BenchCommand::Apply(args) => apply::run(args),
        BenchCommand::Validate(args) => validate::run(args),
        BenchCommand::Proofs(args) => proofs::run(args),
        BenchCommand::Rpc(args) => rpc::run(args),
        BenchCommand::Wasm(args) => wasm::run(args),
        BenchCommand::Trace(args) => trace::run(args),
        BenchCommand::Soak(args) => soak::run(args),
        BenchCommand::Wire(args) => wire::run(args),
        BenchCommand::Roles(args) => roles::run(args),
    }
}
