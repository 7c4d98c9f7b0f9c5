//! The pool as geth and Anvil show it: `txpool_status`, `txpool_content`, `txpool_inspect`
//! (*pending*: ready for the next block; *queued*: waiting on a nonce gap), and Anvil's
//! `anvil_dropTransaction` / `anvil_dropAllTransactions`.

use std::collections::BTreeMap;

use alloy_primitives::{B256, U64};
use serde_json::{Value, json};

use crate::admission::Admitted;
use crate::rpc::Rpc;
use crate::rpc::convert::{native_json, pending_transaction};
use crate::rpc::error::RpcError;
use crate::rpc::params::to_json;

/// A pooled tx as `txpool_content` shows it: the transaction object without block fields.
fn tx_json(tx: &Admitted) -> Result<Value, RpcError> {
    match tx.native() {
        Some(native) => native_json(native, None),
        None => to_json(pending_transaction(tx)?),
    }
}

/// A pooled tx as `txpool_inspect` shows it, in geth's words:
/// `0x…: 1000 wei + 21000 gas × 2000000000 wei` (`contract creation` for a create).
fn summary(tx: &Admitted) -> String {
    let to = tx.call.to.map_or_else(|| "contract creation".to_string(), |to| to.to_checksum(None));
    format!("{to}: {} wei + {} gas × {} wei", tx.call.value, tx.call.gas_limit, tx.call.max_fee_per_gas)
}

/// `txs` by sender (checksummed) and nonce (decimal), each as `show` gives it.
fn by_sender(txs: &[Admitted], show: impl Fn(&Admitted) -> Result<Value, RpcError>) -> Result<Value, RpcError> {
    let mut out: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for tx in txs {
        out.entry(tx.call.caller.to_checksum(None)).or_default().insert(tx.call.nonce.to_string(), show(tx)?);
    }
    to_json(out)
}

/// `txpool_status`: how many txs are pending and queued.
pub fn status(rpc: &Rpc) -> Result<Value, RpcError> {
    let (pending, queued) = rpc.coordinator.pool_content();
    Ok(json!({"pending": U64::from(pending.len()), "queued": U64::from(queued.len())}))
}

/// `txpool_content`: every pooled tx, by sender and nonce.
pub fn content(rpc: &Rpc) -> Result<Value, RpcError> {
    let (pending, queued) = rpc.coordinator.pool_content();
    Ok(json!({"pending": by_sender(&pending, tx_json)?, "queued": by_sender(&queued, tx_json)?}))
}

/// `txpool_inspect`: every pooled tx summarised in a line, by sender and nonce.
pub fn inspect(rpc: &Rpc) -> Result<Value, RpcError> {
    let (pending, queued) = rpc.coordinator.pool_content();
    let line = |tx: &Admitted| Ok(Value::String(summary(tx)));
    Ok(json!({"pending": by_sender(&pending, line)?, "queued": by_sender(&queued, line)?}))
}

/// `anvil_dropTransaction`: removes a pooled tx; its hash, or null when it was not pooled.
pub fn drop_transaction(rpc: &Rpc, tx_hash: B256) -> Result<Value, RpcError> {
    Ok(if rpc.coordinator.drop_tx(&tx_hash) { json!(tx_hash) } else { Value::Null })
}

/// `hardhat_dropTransaction`: as [`drop_transaction`], answering as Hardhat does: whether the
/// tx was pooled (Hardhat's `dropTransaction` helper accepts only `true` or `false`).
pub fn drop_transaction_hardhat(rpc: &Rpc, tx_hash: B256) -> Result<Value, RpcError> {
    Ok(json!(rpc.coordinator.drop_tx(&tx_hash)))
}

/// `anvil_dropAllTransactions`: empties the pool.
pub fn drop_all_transactions(rpc: &Rpc) -> Result<Value, RpcError> {
    rpc.coordinator.drop_all_txs();
    Ok(Value::Null)
}
