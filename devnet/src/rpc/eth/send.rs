//! Sending and signing: raw signed txs, txs the node signs for its dev accounts (or marks for
//! an impersonated sender), and messages and EIP-712 typed data signed with a dev key.

use alloy_consensus::{TxEip1559, TxEip2930, TxEip7702, TxLegacy};
use alloy_primitives::{Address, Bytes, TxKind};
use alloy_rpc_types_eth::TransactionRequest;
use manaflow_evm::impersonation_signature;
use serde_json::{Value, json};

use super::{DEFAULT_PRIORITY_FEE, estimate, exec_error, request_call};
use crate::admission::Admitted;
use crate::error::SubmitError;
use crate::node::Node;
use crate::rpc::error::RpcError;
use crate::rpc::sign::{UnsignedTx, sign_message, sign_typed_data};
use crate::rpc::{Rpc, blocking};
use crate::wallet::fees;

/// `eth_sendRawTransaction`: submits a signed tx; its hash.
pub async fn send_raw(rpc: &Rpc, signed_transaction: Bytes) -> Result<Value, RpcError> {
    rpc.coordinator.submit(&signed_transaction).await.map(|hash| json!(hash)).map_err(submit_error)
}

/// A refused submission as an RPC error.
pub fn submit_error(error: SubmitError) -> RpcError {
    match error {
        SubmitError::Node(crate::error::NodeError::Exec(e)) => exec_error(e),
        other => RpcError::server(other),
    }
}

/// `eth_sendTransaction`: fills the tx `request` (nonce, gas, fees), signs it with the sender's dev
/// key (or marks it for an impersonated sender) and submits it; its hash.
pub async fn send_transaction(rpc: &Rpc, request: TransactionRequest) -> Result<Value, RpcError> {
    let from = request.from.ok_or_else(|| RpcError::invalid_params("the transaction needs a from address"))?;
    let impersonated = rpc.coordinator.is_impersonated(&from);
    let key = if impersonated { None } else { Some(rpc.key_of(from)?) };
    // Filling the tx may estimate its gas (many executions): off the async worker.
    let unsigned = blocking(|| fill(rpc, &request, from))?;
    let hash = match key {
        Some(key) => rpc.coordinator.submit(&unsigned.sign(key)).await,
        None => {
            // An impersonated sender has no key: the tx carries the dev-chain impersonation
            // marker instead of a signature, and the sender is known without recovery.
            let raw = unsigned.encode_signed(impersonation_signature(from));
            let envelope = manaflow_evm::decode_envelope(&raw).map_err(RpcError::internal)?;
            let call = manaflow_evm::envelope_call(&envelope, from);
            rpc.coordinator.submit_admitted(Admitted::ethereum(raw, call)).await
        }
    };
    hash.map(|hash| json!(hash)).map_err(submit_error)
}

/// `request` filled as `eth_sendTransaction` fills it (nonce, gas, fees, type), unsigned.
fn fill(rpc: &Rpc, request: &TransactionRequest, from: Address) -> Result<UnsignedTx, RpcError> {
    let node = rpc.coordinator.node();
    let state_nonce = node.nonce(from).map_err(RpcError::internal)?;
    let nonce = match request.nonce {
        Some(nonce) => nonce,
        None => rpc.coordinator.pending_nonce_from(from, state_nonce),
    };
    let height = node.height();
    let call = request_call(&node, request, height)?;
    let gas_limit = match request.gas {
        Some(gas) => gas,
        None => estimate(&node, call.clone(), height)?,
    };
    let to = request.to.unwrap_or(TxKind::Create);
    let input = call.input.clone();
    let value = call.value;
    let chain_id = node.chain_id();
    Ok(match (request.gas_price, &request.access_list) {
        (Some(gas_price), None) => {
            UnsignedTx::Legacy(TxLegacy { chain_id: Some(chain_id), nonce, gas_price, gas_limit, to, value, input })
        }
        (Some(gas_price), Some(access_list)) => UnsignedTx::Eip2930(TxEip2930 {
            chain_id,
            nonce,
            gas_price,
            gas_limit,
            to,
            value,
            access_list: access_list.clone(),
            input,
        }),
        (None, access_list) => {
            let tip = request.max_priority_fee_per_gas.unwrap_or(DEFAULT_PRIORITY_FEE);
            let max_fee = request.max_fee_per_gas.unwrap_or(fees::max_fee(node.next_base_fee(), tip));
            let (max_priority_fee_per_gas, access_list) = (tip.min(max_fee), access_list.clone().unwrap_or_default());
            if call.authorization_list.is_empty() {
                UnsignedTx::Eip1559(TxEip1559 {
                    chain_id,
                    nonce,
                    gas_limit,
                    max_fee_per_gas: max_fee,
                    max_priority_fee_per_gas,
                    to,
                    value,
                    access_list,
                    input,
                })
            } else {
                let TxKind::Call(to) = to else {
                    return Err(RpcError::invalid_params(
                        "an EIP-7702 transaction cannot create a contract: give a `to` address",
                    ));
                };
                UnsignedTx::Eip7702(TxEip7702 {
                    chain_id,
                    nonce,
                    gas_limit,
                    max_fee_per_gas: max_fee,
                    max_priority_fee_per_gas,
                    to,
                    value,
                    access_list,
                    authorization_list: call.authorization_list.clone(),
                    input,
                })
            }
        }
    })
}

/// `eth_signTransaction`: `request` filled as `eth_sendTransaction` fills it and signed with the
/// sender's dev key, not sent; the signed tx's bytes (for `eth_sendRawTransaction`).
pub async fn sign_transaction(rpc: &Rpc, request: TransactionRequest) -> Result<Value, RpcError> {
    let from = request.from.ok_or_else(|| RpcError::invalid_params("the transaction needs a from address"))?;
    let key = rpc.key_of(from)?;
    let unsigned = blocking(|| fill(rpc, &request, from))?;
    Ok(json!(unsigned.sign(key)))
}

/// `personal_sign`: signs `message` (EIP-191) with `address`'s dev key.
pub fn personal_sign(rpc: &Rpc, _node: &Node, message: Bytes, address: Address) -> Result<Value, RpcError> {
    Ok(json!(sign_message(rpc.key_of(address)?, &message)))
}

/// `eth_sign`: as `personal_sign`, the params the other way round.
pub fn sign(rpc: &Rpc, _node: &Node, address: Address, message: Bytes) -> Result<Value, RpcError> {
    Ok(json!(sign_message(rpc.key_of(address)?, &message)))
}

/// `eth_signTypedData_v4` and `eth_signTypedData`: signs EIP-712 typed data (an object or its
/// JSON text) with `address`'s dev key.
pub fn sign_typed(rpc: &Rpc, _node: &Node, address: Address, typed_data: Value) -> Result<Value, RpcError> {
    Ok(json!(sign_typed_data(rpc.key_of(address)?, typed_data)?))
}
