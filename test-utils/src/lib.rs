//! # manaflow-test-utils: helpers the integration tests share
//!
//! Written once for the test suites of `manaflow-evm`, `manaflow-wasm` and `manaflow-ledger`
//! and for the fuzz targets (never published): the dev chain's id, [`TrustDeclared`] (a verifier
//! that accepts declared moves), a [`ChainContext`] ([`Chain`]), the [`header`] of
//! the block the tests execute in, [`word`] for 32-byte values and the creation code of a
//! committed Solidity artifact ([`solidity`]).
//!
//! Helpers that belong to one suite (signing with alloy's tx types in the EVM tests, the WASM
//! tests' `Sandbox`) stay in that suite's `support.rs`.

use manaflow_types::{
    Address, B256, Bytes, ChainContext, CodeSource, Header, Outcome, Tx, TxVerifier, U256, Violation, keccak256,
};

/// The dev chain's id (Anvil's and Hardhat's), which the tests' txs are signed for.
pub const CHAIN_ID: u64 = 31337;

/// One gwei in wei.
pub const GWEI: u128 = 1_000_000_000;

/// Stands in for a runtime where the UTXO rules are what is tested (the ledger's tests, the
/// differential fuzz target): accepts every tx's declared moves and outcome.
pub struct TrustDeclared;

impl TxVerifier for TrustDeclared {
    fn verify(
        &self,
        _: &Tx,
        _: u32,
        _: Option<Address>,
        _: &Header,
        _: &Outcome,
        _: &dyn CodeSource,
    ) -> Result<(), Violation> {
        Ok(())
    }
}

/// A dev-mode chain whose block `n` has hash `keccak256(n as 8 big-endian bytes)`.
pub struct Chain;

impl ChainContext for Chain {
    fn block_hash(&self, number: u64) -> Option<B256> {
        Some(keccak256(number.to_be_bytes()))
    }
    fn dev_mode(&self) -> bool {
        true
    }
}

/// Block 5 of chain [`CHAIN_ID`]: base fee one gwei, blob base fee 1 wei, coinbase `0xcbcb…`,
/// gas limit 30 million. Suites that need another block override fields of this one.
pub fn header() -> Header {
    Header {
        number: 5,
        timestamp: 1_700_000_000,
        base_fee: GWEI as u64,
        blob_base_fee: 1,
        coinbase: Address::repeat_byte(0xcb),
        gas_limit: 30_000_000,
        prevrandao: B256::repeat_byte(0x42),
        chain_id: CHAIN_ID,
        ..Header::default()
    }
}

/// `v` as a 32-byte big-endian word.
pub fn word(v: u128) -> B256 {
    B256::from(U256::from(v))
}

/// The creation code of the committed Solidity artifact `name`
/// (`examples/contracts/artifacts/{name}.json`); panics, naming the path, when it is missing.
pub fn solidity(name: &str) -> Bytes {
    let path = format!("{}/../examples/contracts/artifacts/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: serde_json::Value = serde_json::from_str(&text).expect("an artifact is JSON");
    json["bytecode"].as_str().expect("creation bytecode").parse().expect("hex")
}
