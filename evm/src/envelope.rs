//! The Ethereum envelope: signed legacy (with or without an EIP-155 chain id), EIP-2930 and
//! EIP-1559 txs as wallets send them, decoded with alloy; the sender recovered once with
//! libsecp256k1, EIP-2 low-s enforced.

use alloy_consensus::crypto::SECP256K1N_HALF;
use alloy_consensus::transaction::SignableTransaction;
use alloy_consensus::{Transaction, TxEnvelope, Typed2718};
use alloy_primitives::{Address, B256, TxKind, keccak256};
use manaflow_types::NativeTx;

use crate::error::EnvelopeError;
use manaflow_types::Call;

/// A decoded, signature-checked Ethereum tx.
#[derive(Debug, Clone)]
pub struct SignedEthTx {
    /// The tx.
    pub envelope: TxEnvelope,
    /// Its recovered sender.
    pub sender: Address,
    /// Its hash (the tx id).
    pub hash: B256,
}

/// Decodes `raw` (the bytes of `eth_sendRawTransaction`) and recovers its sender; the chain id,
/// if the tx carries one, must be `chain_id`.
pub fn decode_signed(raw: &[u8], chain_id: u64) -> Result<SignedEthTx, EnvelopeError> {
    use alloy_eips::eip2718::Decodable2718;
    // Types this chain does not support are refused by name, whatever their contents.
    match raw.first() {
        Some(3) => return Err(EnvelopeError::UnsupportedType { ty: 3, name: "EIP-4844 blob transaction" }),
        Some(4) => return Err(EnvelopeError::UnsupportedType { ty: 4, name: "EIP-7702 set-code transaction" }),
        _ => {}
    }
    let mut buf = raw;
    let envelope = TxEnvelope::decode_2718(&mut buf).map_err(|e| EnvelopeError::Decode(e.to_string()))?;
    if !buf.is_empty() {
        return Err(EnvelopeError::Decode(format!("{} trailing bytes after the transaction", buf.len())));
    }
    match envelope.ty() {
        3 => return Err(EnvelopeError::UnsupportedType { ty: 3, name: "EIP-4844 blob transaction" }),
        4 => return Err(EnvelopeError::UnsupportedType { ty: 4, name: "EIP-7702 set-code transaction" }),
        _ => {}
    }
    if let Some(tx_chain) = envelope.chain_id()
        && tx_chain != chain_id
    {
        return Err(EnvelopeError::WrongChainId { tx: tx_chain, chain: chain_id });
    }
    let signature = envelope.signature();
    if signature.s() > SECP256K1N_HALF {
        return Err(EnvelopeError::HighS);
    }
    let prehash = match &envelope {
        TxEnvelope::Legacy(tx) => tx.tx().signature_hash(),
        TxEnvelope::Eip2930(tx) => tx.tx().signature_hash(),
        TxEnvelope::Eip1559(tx) => tx.tx().signature_hash(),
        other => return Err(EnvelopeError::UnsupportedType { ty: other.ty(), name: "unsupported" }),
    };
    let sender =
        signature.recover_address_from_prehash(&prehash).map_err(|e| EnvelopeError::Signature(e.to_string()))?;
    Ok(SignedEthTx { hash: keccak256(raw), envelope, sender })
}

impl SignedEthTx {
    /// The call the tx makes.
    pub fn call(&self) -> Call {
        let tx = &self.envelope;
        Call {
            tx_type: tx.ty(),
            caller: self.sender,
            to: match tx.kind() {
                TxKind::Call(to) => Some(to),
                TxKind::Create => None,
            },
            value: tx.value(),
            input: tx.input().clone(),
            gas_limit: tx.gas_limit(),
            max_fee_per_gas: tx.max_fee_per_gas(),
            max_priority_fee_per_gas: tx.max_priority_fee_per_gas(),
            nonce: tx.nonce(),
            chain_id: tx.chain_id(),
            access_list: tx.access_list().cloned().unwrap_or_default(),
        }
    }
}

/// The call a native tx makes (an EIP-1559-style fee market).
pub fn native_call(tx: &NativeTx, sender: Address) -> Call {
    Call {
        tx_type: 2,
        caller: sender,
        to: tx.call.to,
        value: tx.call.value,
        input: tx.call.input.clone(),
        gas_limit: tx.call.gas_limit,
        max_fee_per_gas: tx.call.max_fee_per_gas,
        max_priority_fee_per_gas: Some(tx.call.max_priority_fee_per_gas),
        nonce: tx.call.nonce,
        chain_id: Some(tx.call.chain_id),
        access_list: Default::default(),
    }
}
