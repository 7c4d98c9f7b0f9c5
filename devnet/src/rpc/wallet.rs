//! `manaflow_` methods of the wallet side of native txs: prepare one (simulated on the latest
//! state, moves filled, masks chosen) for the sender to sign, or, for a dev account, prepare,
//! sign and send it in one call.
//!
//! - `manaflow_prepareTransaction(tx, options?)` → `{call, moves, signingHash}`: sign
//!   `signingHash`, then send `NativeTx{call, moves, signature}.encode_2718()` with
//!   `eth_sendRawTransaction`.
//! - `manaflow_sendTransaction(tx, options?)` → the tx hash (dev accounts only).
//!
//! `options`: `{"masking": "full" | {"contested": [address…]}, "open": bool}`; the default is
//! `"full"`, not open.

use alloy_primitives::TxKind;
use alloy_rpc_types_eth::TransactionRequest;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::error::RpcError;
use crate::rpc::eth::{request_call, submit_error};
use crate::wallet::{Masking, UnsignedNative, fees, prepare_after};

/// The second param of both methods: how to mask the moves, and whether the tx is open.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    #[serde(default)]
    masking: Option<Masking>,
    #[serde(default)]
    open: bool,
}

/// `manaflow_prepareTransaction`: `{call, moves, signingHash}` for the sender to sign.
pub fn prepare_transaction(
    rpc: &Rpc,
    node: &Node,
    transaction: TransactionRequest,
    options: Option<Options>,
) -> Result<Value, RpcError> {
    prepared(rpc, node, &transaction, options.unwrap_or_default()).map(|unsigned| {
        let hash = unsigned.signing_hash();
        json!({"call": unsigned.call, "moves": unsigned.moves, "signingHash": hash})
    })
}

/// The request prepared as a native tx, its nonce the sender's next.
fn prepared(
    rpc: &Rpc,
    node: &Node,
    request: &TransactionRequest,
    options: Options,
) -> Result<UnsignedNative, RpcError> {
    let from = request.from.ok_or_else(|| RpcError::invalid_params("the transaction needs a from address"))?;
    if matches!(request.to, Some(TxKind::Create) | None) && request.input.input().is_none_or(|i| i.is_empty()) {
        return Err(RpcError::invalid_params("the transaction needs a to address or init code"));
    }
    let mut call = request_call(node, request, node.height())?;
    call.tx_type = 2;
    call.nonce = match request.nonce {
        Some(nonce) => nonce,
        None => rpc.coordinator.pending_nonce_from(from, call.nonce),
    };
    if request.max_fee_per_gas.is_none() && request.gas_price.is_none() {
        let tip = request.max_priority_fee_per_gas.unwrap_or(fees::PRIORITY_FEE);
        call.max_fee_per_gas = fees::max_fee(node.next_base_fee(), tip);
        call.max_priority_fee_per_gas = Some(tip);
    }
    let masking = options.masking.unwrap_or(Masking::Full);
    // The sender's pooled txs come first: a second tx chains on the first before inclusion.
    let pending = rpc.coordinator.pooled_from(from);
    prepare_after(node, &pending, &call, &masking, options.open).map_err(|e| RpcError::server(e.to_string()))
}

/// `manaflow_sendTransaction`: prepares the tx, signs it with the sender's dev key and submits
/// it; its hash.
pub async fn send_transaction(
    rpc: &Rpc,
    transaction: TransactionRequest,
    options: Option<Options>,
) -> Result<Value, RpcError> {
    let from = transaction.from.ok_or_else(|| RpcError::invalid_params("the transaction needs a from address"))?;
    let key = rpc.key_of(from)?;
    let options = options.unwrap_or_default();
    let unsigned = crate::rpc::blocking(|| prepared(rpc, &rpc.coordinator.node(), &transaction, options))?;
    let raw = unsigned.sign(key).encode_2718();
    rpc.coordinator.submit(&raw).await.map(|hash| json!(hash)).map_err(submit_error)
}
