//! The Ethereum envelope: signed legacy (with or without an EIP-155 chain id), EIP-2930 and
//! EIP-1559 txs as wallets send them, decoded with alloy; the sender recovered once with
//! libsecp256k1, EIP-2 low-s enforced.

use alloy_consensus::crypto::SECP256K1N_HALF;
use alloy_consensus::transaction::SignableTransaction;
use alloy_consensus::{Transaction, TxEnvelope, Typed2718};
use alloy_primitives::{Address, B256, TxKind, U256, keccak256};
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
    let (envelope, prehash) = decode_checked(raw, chain_id)?;
    let sender = envelope
        .signature()
        .recover_address_from_prehash(&prehash)
        .map_err(|e| EnvelopeError::Signature(e.to_string()))?;
    Ok(SignedEthTx { hash: keccak256(raw), envelope, sender })
}

/// The signature a dev chain's tx from an impersonated account carries instead of a real one
/// (`anvil_impersonateAccount`): `r = 0` (no real signature has it) and `s` = the sender's
/// address as a number. Only blocks of a dev-mode chain accept it (see [`decode_on_chain`]).
pub fn impersonation_signature(sender: Address) -> alloy_primitives::Signature {
    alloy_primitives::Signature::new(U256::ZERO, U256::from_be_slice(sender.as_slice()), false)
}

/// The sender an impersonation signature names, if `envelope` carries one.
pub fn impersonated_sender(envelope: &TxEnvelope) -> Option<Address> {
    let signature = envelope.signature();
    let s = signature.s();
    (signature.r().is_zero() && s.bit_len() <= 160 && !signature.v()).then(|| Address::from_word(B256::from(s)))
}

/// Decodes a tx of a block: as [`decode_signed`], and on a dev-mode chain also a tx with an
/// impersonation signature ([`impersonation_signature`]).
pub fn decode_on_chain(raw: &[u8], chain_id: u64, dev_mode: bool) -> Result<SignedEthTx, EnvelopeError> {
    if dev_mode {
        let envelope = decode_envelope(raw)?;
        if let Some(sender) = impersonated_sender(&envelope) {
            return decode_with_sender(raw, chain_id, sender);
        }
    }
    decode_signed(raw, chain_id)
}

/// [`decode_signed`] for bytes whose sender was already recovered (see
/// [`crate::KnownSenders`]): every check but the recovery itself.
pub fn decode_with_sender(raw: &[u8], chain_id: u64, sender: Address) -> Result<SignedEthTx, EnvelopeError> {
    let (envelope, _) = decode_checked(raw, chain_id)?;
    Ok(SignedEthTx { hash: keccak256(raw), envelope, sender })
}

/// Decodes `raw` and checks everything but the recovery: type, trailing bytes, chain id and
/// low `s`. Returns the envelope and the hash its signature signs.
fn decode_checked(raw: &[u8], chain_id: u64) -> Result<(TxEnvelope, B256), EnvelopeError> {
    let envelope = decode_envelope(raw)?;
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
        TxEnvelope::Eip7702(tx) => tx.tx().signature_hash(),
        other => return Err(EnvelopeError::UnsupportedType { ty: other.ty(), name: "unsupported" }),
    };
    Ok((envelope, prehash))
}

/// Decodes `raw` as one EIP-2718 envelope of a supported type, checking nothing about its
/// signature (for reading txs already in a validated block).
pub fn decode_envelope(raw: &[u8]) -> Result<TxEnvelope, EnvelopeError> {
    use alloy_eips::eip2718::Decodable2718;
    // Types this chain does not support are refused by name, whatever their contents.
    if raw.first() == Some(&3) {
        return Err(EnvelopeError::UnsupportedType { ty: 3, name: "EIP-4844 blob transaction" });
    }
    let mut buf = raw;
    let envelope = TxEnvelope::decode_2718(&mut buf).map_err(|e| EnvelopeError::Decode(e.to_string()))?;
    if !buf.is_empty() {
        return Err(EnvelopeError::Decode(format!("{} trailing bytes after the transaction", buf.len())));
    }
    match envelope.ty() {
        0..=2 | 4 => Ok(envelope),
        ty => Err(EnvelopeError::UnsupportedType { ty, name: "unsupported" }),
    }
}

impl SignedEthTx {
    /// The call the tx makes.
    pub fn call(&self) -> Call {
        envelope_call(&self.envelope, self.sender)
    }
}

/// The call `tx` makes when sent by `sender`.
pub fn envelope_call(tx: &TxEnvelope, sender: Address) -> Call {
    Call {
        tx_type: tx.ty(),
        caller: sender,
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
        authorization_list: tx.authorization_list().map(<[_]>::to_vec).unwrap_or_default(),
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
        authorization_list: Vec::new(),
    }
}
