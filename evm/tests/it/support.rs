//! Test helpers: keys, signing with alloy's tx types, a chain context, artifacts, ABI words.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, Signature, TxKind, U256, keccak256};
use manaflow_evm::{EvmRuntime, Execution, Hardfork, Runtime, decode_signed};
pub use manaflow_test_utils::{CHAIN_ID, Chain, GWEI, header, solidity, word};
use manaflow_types::{DeclaredView, MapView, SigningKey, StateKey};

pub fn key(i: u8) -> SigningKey {
    SigningKey::from_bytes(&keccak256([i])).unwrap()
}

fn alloy_signature(key: &SigningKey, hash: B256) -> Signature {
    let sig = key.sign_hash(&hash);
    Signature::new(sig.r, sig.s, sig.y_parity)
}

/// A signed EIP-1559 tx's raw bytes.
pub fn sign_1559(key: &SigningKey, nonce: u64, to: Option<Address>, value: U256, input: Bytes, gas: u64) -> Bytes {
    let tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: 3 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: to.map_or(TxKind::Create, TxKind::Call),
        value,
        input,
        access_list: Default::default(),
    };
    let sig = alloy_signature(key, tx.signature_hash());
    Bytes::from(TxEnvelope::from(tx.into_signed(sig)).encoded_2718())
}

/// A signed legacy tx, with or without an EIP-155 chain id.
pub fn sign_legacy(key: &SigningKey, nonce: u64, to: Address, value: U256, chain_id: Option<u64>) -> Bytes {
    let tx = TxLegacy {
        chain_id,
        nonce,
        gas_price: 2 * GWEI,
        gas_limit: 21_000,
        to: TxKind::Call(to),
        value,
        input: Bytes::new(),
    };
    let sig = alloy_signature(key, tx.signature_hash());
    Bytes::from(TxEnvelope::from(tx.into_signed(sig)).encoded_2718())
}

/// A state where `accounts` hold `balance` wei each.
pub fn funded(accounts: &[Address], balance: u128) -> MapView {
    let mut view = MapView::default();
    for (i, a) in accounts.iter().enumerate() {
        view.outputs.insert(
            StateKey::balance(*a),
            manaflow_types::Output { intx: B256::repeat_byte(i as u8 + 1), value: word(balance) },
        );
    }
    view
}

/// Executes raw signed bytes against `view` (the coordinator's side).
pub fn run(raw: &[u8], view: &MapView) -> Execution {
    let signed = decode_signed(raw, CHAIN_ID).expect("valid signed tx");
    EvmRuntime::new(Hardfork::Prague).execute(&signed.call(), &header(), &Chain, view).expect("executes")
}

/// Re-executes raw bytes against the declared moves only (the validator's side).
pub fn reexecute(
    raw: &[u8],
    declared: &[manaflow_types::Move],
    codes: &MapView,
) -> Result<Execution, manaflow_evm::ExecError> {
    let signed = decode_signed(raw, CHAIN_ID).expect("valid signed tx");
    let lookup = |h: &B256| codes.codes.get(h).cloned();
    let view = DeclaredView::new(declared, &lookup);
    EvmRuntime::new(Hardfork::Prague).execute(&signed.call(), &header(), &Chain, &view)
}

/// ABI: a 4-byte selector and 32-byte words.
pub fn calldata(signature: &str, words: &[B256]) -> Bytes {
    let mut out = keccak256(signature.as_bytes())[..4].to_vec();
    for w in words {
        out.extend_from_slice(w.as_slice());
    }
    Bytes::from(out)
}

pub fn addr_word(a: Address) -> B256 {
    a.into_word()
}
