//! A validator's JSON-RPC (DESIGN §11): batches in (`manaflow_submitBatch`), each tx's fate, the
//! template of the block being filled, and what a coordinator or a light client follows the
//! chain with — headers, blocks canonical and compact, tx proofs, the UTXO set's commitment and
//! `newHeads`. Everything else is a coordinator's and is refused with where to find it.

use std::collections::HashMap;
use std::sync::Arc;

use alloy_primitives::{B256, Bytes, U64, U256};
use manaflow_types::Batch;
use serde_json::{Value, json};

use super::{SealedHead, Validator};
use crate::rpc::error::RpcError;
use crate::rpc::params::Params;
use crate::rpc::server::{Handler, Outbox};
use crate::rpc::{Methods, blocking, handle_body, handle_value, model, proofs, response, wire};

/// The methods a validator answers, sorted.
pub const VALIDATOR_METHODS: &[&str] = &[
    "eth_blockNumber",
    "eth_chainId",
    "eth_subscribe",
    "eth_unsubscribe",
    "manaflow_getBlockCompact",
    "manaflow_getHeaders",
    "manaflow_getRawBlock",
    "manaflow_getTemplate",
    "manaflow_getTransactionProof",
    "manaflow_recentDrops",
    "manaflow_role",
    "manaflow_submitBatch",
    "manaflow_txFate",
    "manaflow_utxoSet",
    "net_version",
    "web3_clientVersion",
];

/// The validator's handlers.
pub struct ValidatorRpc {
    /// The validator.
    pub validator: Arc<Validator>,
}

/// One WebSocket connection's `newHeads` subscriptions.
pub struct HeadsSession {
    notify: Outbox,
    subscriptions: HashMap<U256, tokio::task::JoinHandle<()>>,
    last_id: u64,
}

impl Drop for HeadsSession {
    fn drop(&mut self) {
        self.subscriptions.values().for_each(tokio::task::JoinHandle::abort);
    }
}

/// Most drops one `manaflow_recentDrops` answers.
pub const MAX_DROPS_ANSWERED: usize = 1_000;

/// Most subscriptions one connection holds.
const MAX_SUBSCRIPTIONS: usize = 64;

impl ValidatorRpc {
    /// Runs one method.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let params = Params::new(params)?;
        let validator = &self.validator;
        match method {
            "manaflow_submitBatch" => {
                let (bytes,): (Bytes,) = params.parse(&["batch"])?;
                let batch = Batch::decode(&bytes).map_err(RpcError::invalid_params)?;
                let target = batch.target;
                let fates = blocking(|| validator.submit(batch)).map_err(|e| RpcError::server(e.to_string()))?;
                Ok(json!({"target": target, "fates": fates}))
            }
            "manaflow_txFate" => {
                let (id,): (B256,) = params.parse(&["tx_hash"])?;
                Ok(json!(validator.fate(&id)))
            }
            "manaflow_getTemplate" => Ok(json!(validator.template())),
            "manaflow_recentDrops" => {
                let (count,): (Option<U64>,) = params.parse(&["count"])?;
                let count = count.map_or(100, |c| c.saturating_to::<usize>()).min(MAX_DROPS_ANSWERED);
                Ok(json!(validator.recent_drops(count)))
            }
            "manaflow_role" => Ok(json!("validator")),
            "eth_chainId" => Ok(json!(U64::from(validator.chain().chain_id))),
            "net_version" => Ok(json!(validator.chain().chain_id.to_string())),
            "web3_clientVersion" => Ok(json!(format!("manaflow/{}/validator", env!("CARGO_PKG_VERSION")))),
            "eth_blockNumber" => Ok(json!(U64::from(validator.with_ledger(|l| l.len().saturating_sub(1))))),
            "manaflow_getHeaders" => {
                let (from, count): (U64, U64) = params.parse(&["from", "count"])?;
                validator.with_ledger(|l| proofs::headers(l, from, count))
            }
            "manaflow_getRawBlock" => {
                let (number,): (U64,) = params.parse(&["number"])?;
                validator.with_ledger(|l| proofs::raw_block(l, number))
            }
            "manaflow_getBlockCompact" => {
                let (number,): (U64,) = params.parse(&["number"])?;
                blocking(|| validator.with_ledger(|l| wire::block_compact(l, number)))
            }
            "manaflow_getTransactionProof" => {
                let (id,): (B256,) = params.parse(&["tx_hash"])?;
                validator.with_ledger(|l| proofs::transaction_proof(l, id))
            }
            "manaflow_utxoSet" => Ok(validator.with_ledger(model::utxo_summary)),
            "eth_subscribe" | "eth_unsubscribe" => {
                Err(RpcError::method_not_found(&format!("{method} over HTTP (subscribe over a WebSocket)")))
            }
            other => Err(RpcError {
                code: -32601,
                message: format!(
                    "{other} is not served by a validator, which holds only the UTXO set, the code table and \
                     the blocks (DESIGN §11); ask a coordinator (manaflow coordinator --validator URL). A \
                     validator answers: {}",
                    VALIDATOR_METHODS.join(", ")
                ),
                data: None,
            }),
        }
    }

    /// `eth_subscribe("newHeads")` and `eth_unsubscribe` on a WebSocket.
    fn session_call(&self, session: &mut HeadsSession, method: &str, params: Value) -> Option<Result<Value, RpcError>> {
        let params = Params::lenient(params);
        match method {
            "eth_subscribe" => Some(self.subscribe(session, params)),
            "eth_unsubscribe" => {
                let id: Option<(U256,)> = params.parse(&["subscription_id"]).ok();
                let removed = id.and_then(|(id,)| session.subscriptions.remove(&id));
                Some(Ok(json!(removed.map(|task| task.abort()).is_some())))
            }
            _ => None,
        }
    }

    fn subscribe(&self, session: &mut HeadsSession, params: Params) -> Result<Value, RpcError> {
        let (kind,): (String,) = params.parse(&["subscription"])?;
        if kind != "newHeads" {
            return Err(RpcError::invalid_params(format!(
                "a validator's subscriptions are newHeads only (not {kind}); logs and pending txs are a coordinator's"
            )));
        }
        if session.subscriptions.len() >= MAX_SUBSCRIPTIONS {
            return Err(RpcError::server(format!("at most {MAX_SUBSCRIPTIONS} subscriptions a connection")));
        }
        session.last_id += 1;
        let id = U256::from(session.last_id);
        let mut heads = self.validator.subscribe();
        let notify = session.notify.clone();
        let task = tokio::spawn(async move {
            loop {
                let head: Arc<SealedHead> = match heads.recv().await {
                    Ok(head) => head,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                };
                let mut header = json!(head.header);
                header["hash"] = json!(head.hash);
                let message = json!({
                    "jsonrpc": "2.0",
                    "method": "eth_subscription",
                    "params": {"subscription": id, "result": header},
                });
                if notify.send(message.to_string()).is_err() {
                    return;
                }
            }
        });
        session.subscriptions.insert(id, task);
        Ok(json!(id))
    }
}

impl Methods for ValidatorRpc {
    async fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        ValidatorRpc::call(self, method, params).await
    }
}

impl Handler for ValidatorRpc {
    type Session = HeadsSession;

    async fn handle_body(&self, body: &[u8]) -> Option<Value> {
        handle_body(self, body).await
    }

    fn open_session(&self, notify: Outbox) -> HeadsSession {
        HeadsSession { notify, subscriptions: HashMap::new(), last_id: 0 }
    }

    async fn handle_message(&self, session: &mut HeadsSession, text: &str) -> Option<Value> {
        let request: Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(e) => return Some(response(Value::Null, Err(RpcError::parse(e)))),
        };
        let method = request.get("method").and_then(Value::as_str).unwrap_or_default().to_string();
        let params = request.get("params").cloned().unwrap_or(Value::Null);
        if let Some(result) = self.session_call(session, &method, params) {
            return Some(response(request.get("id").cloned().unwrap_or(Value::Null), result));
        }
        handle_value(self, request).await
    }
}
