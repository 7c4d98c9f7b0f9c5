//! Signing with the dev accounts' keys: messages (`personal_sign`, `eth_sign`, EIP-191), typed
//! data (`eth_signTypedData_v4`, EIP-712) and the txs of `eth_sendTransaction`.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEip2930, TxEip7702, TxEnvelope, TxLegacy};
use alloy_dyn_abi::TypedData;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, Signature, eip191_hash_message};
use manaflow_types::SigningKey;
use serde_json::Value;

use crate::rpc::Rpc;
use crate::rpc::error::RpcError;

impl Rpc {
    /// The key of dev account `address`.
    pub fn key_of(&self, address: Address) -> Result<&SigningKey, RpcError> {
        self.accounts.iter().find(|a| a.address == address).map(|a| &a.key).ok_or_else(|| {
            RpcError::server(format!(
                "no key for {address}: this node signs only for its dev accounts (see eth_accounts); \
                 sign elsewhere and send with eth_sendRawTransaction, or impersonate it with anvil_impersonateAccount"
            ))
        })
    }
}

/// Signs `hash` as Ethereum wallets do: 65 bytes `r ‖ s ‖ v` with `v` 27 or 28.
pub fn sign_hash(key: &SigningKey, hash: &B256) -> Bytes {
    let signature = key.sign_hash(hash);
    let mut out = signature.to_bytes();
    out[64] = 27 + u8::from(signature.y_parity);
    Bytes::from(out.to_vec())
}

/// EIP-191 personal message signature.
pub fn sign_message(key: &SigningKey, message: &[u8]) -> Bytes {
    sign_hash(key, &eip191_hash_message(message))
}

/// EIP-712 signature of `typed` (the JSON object, or a string holding it, as wallets send it).
pub fn sign_typed_data(key: &SigningKey, typed: Value) -> Result<Bytes, RpcError> {
    let typed = match typed {
        Value::String(text) => serde_json::from_str(&text),
        value => serde_json::from_value(value),
    };
    let typed: TypedData = typed.map_err(|e| RpcError::invalid_params(format!("typed data: {e}")))?;
    let hash = typed.eip712_signing_hash().map_err(|e| RpcError::invalid_params(format!("typed data: {e}")))?;
    Ok(sign_hash(key, &hash))
}

/// An unsigned tx of one of the three supported types.
pub enum UnsignedTx {
    /// Type 0.
    Legacy(TxLegacy),
    /// Type 1.
    Eip2930(TxEip2930),
    /// Type 2.
    Eip1559(TxEip1559),
    /// Type 4 (EIP-7702).
    Eip7702(TxEip7702),
}

impl UnsignedTx {
    /// The hash a signature signs.
    pub fn signature_hash(&self) -> B256 {
        match self {
            Self::Legacy(tx) => tx.signature_hash(),
            Self::Eip2930(tx) => tx.signature_hash(),
            Self::Eip1559(tx) => tx.signature_hash(),
            Self::Eip7702(tx) => tx.signature_hash(),
        }
    }

    /// The signed envelope's bytes with `signature`.
    pub fn encode_signed(self, signature: Signature) -> Bytes {
        let envelope: TxEnvelope = match self {
            Self::Legacy(tx) => tx.into_signed(signature).into(),
            Self::Eip2930(tx) => tx.into_signed(signature).into(),
            Self::Eip1559(tx) => tx.into_signed(signature).into(),
            Self::Eip7702(tx) => tx.into_signed(signature).into(),
        };
        Bytes::from(envelope.encoded_2718())
    }

    /// Signed with `key`.
    pub fn sign(self, key: &SigningKey) -> Bytes {
        let signature = key.sign_hash(&self.signature_hash());
        self.encode_signed(Signature::new(signature.r, signature.s, signature.y_parity))
    }
}
