//! Admission, in one place: signed tx bytes decoded once into an [`Admitted`] tx (its sender
//! recovered: the only recovery the tx gets, the validator takes the sender from here), whose
//! [`Kind`] then travels with it to the pool and to sequencing; and the checks a tx must pass
//! against the latest state to be pooled ([`precheck`]).

use alloy_primitives::{Bytes, U256};
use manaflow_evm::{decode_signed, native_call};
use manaflow_types::{Call, Mask, NATIVE_TX_TYPE, NativeTx, Rejection, TxId};

use crate::error::{NativeError, NodeError, SubmitError};
use crate::node::Node;

/// Which envelope an admitted tx came in, decoded.
#[derive(Clone, Debug)]
pub enum Kind {
    /// A signed Ethereum tx (legacy, EIP-2930 or EIP-1559): the coordinator fills its moves.
    Ethereum,
    /// A native tx (type `0x4d`) with its moves and masks.
    Native(Box<NativeTx>),
}

/// A tx whose signature checked out, ready to be pooled and executed.
#[derive(Clone, Debug)]
pub struct Admitted {
    /// Its id (hash).
    pub hash: TxId,
    /// Its bytes.
    pub raw: Bytes,
    /// What it calls, its sender recovered.
    pub call: Call,
    /// Its envelope, decoded.
    pub kind: Kind,
}

impl Admitted {
    /// An Ethereum tx signed here (`eth_sendTransaction`): its bytes and the call they make.
    pub fn ethereum(raw: Bytes, call: Call) -> Self {
        Self { hash: alloy_primitives::keccak256(&raw), raw, call, kind: Kind::Ethereum }
    }

    /// The native tx, if it is one.
    pub fn native(&self) -> Option<&NativeTx> {
        match &self.kind {
            Kind::Native(native) => Some(native),
            Kind::Ethereum => None,
        }
    }
}

/// Decodes signed tx bytes for a chain with `chain_id` and blocks of `gas_limit` gas, and
/// recovers the sender. Needs no state, so callers run it without holding the node.
pub fn admit(raw: &[u8], chain_id: u64, gas_limit: u64) -> Result<Admitted, NodeError> {
    let admitted = if raw.first() == Some(&NATIVE_TX_TYPE) {
        admit_native(raw, chain_id)?
    } else {
        let signed = decode_signed(raw, chain_id)?;
        Admitted { hash: signed.hash, raw: Bytes::copy_from_slice(raw), call: signed.call(), kind: Kind::Ethereum }
    };
    if admitted.call.gas_limit > gas_limit {
        return Err(NodeError::GasLimit { tx: admitted.call.gas_limit, block: gas_limit });
    }
    Ok(admitted)
}

/// [`admit`] for a native tx: decoded, its shape and chain id checked, its sender recovered over
/// the masked payload. Its id is known at signing time; masked fields are filled at sequencing.
fn admit_native(raw: &[u8], chain_id: u64) -> Result<Admitted, NativeError> {
    let tx = NativeTx::decode_2718(raw)?;
    if tx.call.chain_id != chain_id {
        return Err(NativeError::ChainId { signed: tx.call.chain_id, chain: chain_id });
    }
    if tx.moves.windows(2).any(|w| w[0].key() >= w[1].key()) {
        return Err(NativeError::Order);
    }
    if let Some(m) = tx.moves.iter().find(|m| m.mask.0 & !Mask::DEFINED != 0 || (!m.mask.present() && m.mask.0 != 0)) {
        return Err(NativeError::Mask { key: m.key(), mask: m.mask.0 });
    }
    if !tx.call.open && tx.moves.iter().any(|m| !m.mask.present()) {
        return Err(NativeError::Unlisted);
    }
    let sender = tx.recover_sender()?;
    manaflow_types::check::signed_nonce(&tx.moves, sender, tx.call.nonce)?;
    let call = native_call(&tx, sender);
    Ok(Admitted { hash: tx.id(), raw: Bytes::copy_from_slice(raw), call, kind: Kind::Native(Box::new(tx)) })
}

/// The checks a tx must pass against the latest state to be pooled: nonce not used, funds for
/// the worst case, tip not above the fee cap, fee cap at least the next base fee. Returns the
/// sender's nonce.
pub fn precheck(node: &Node, tx: &Admitted) -> Result<u64, SubmitError> {
    let call = &tx.call;
    let state_nonce = node.nonce(call.caller)?;
    if call.nonce < state_nonce {
        return Err(Rejection::NonceTooLow { tx: call.nonce, state: state_nonce }.into());
    }
    let balance = node.balance(call.caller)?;
    let cost = U256::from(call.gas_limit) * U256::from(call.max_fee_per_gas) + call.value;
    if cost > balance {
        return Err(Rejection::InsufficientFunds { cost, balance }.into());
    }
    if let Some(tip) = call.max_priority_fee_per_gas
        && tip > call.max_fee_per_gas
    {
        return Err(Rejection::TipAboveFeeCap { tip, max_fee: call.max_fee_per_gas }.into());
    }
    let base_fee = node.next_base_fee();
    if call.max_fee_per_gas < u128::from(base_fee) {
        return Err(Rejection::FeeCapTooLow { max_fee: call.max_fee_per_gas, base_fee }.into());
    }
    Ok(state_nonce)
}

impl Node {
    /// Decodes signed tx bytes for this chain and recovers the sender (see [`admit`]).
    pub fn admit(&self, raw: &[u8]) -> Result<Admitted, NodeError> {
        admit(raw, self.config().chain_id, self.config().gas_limit)
    }
}
