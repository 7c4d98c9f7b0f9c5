//! WebSocket subscriptions (`eth_subscribe` to `newHeads`, `logs` or `newPendingTransactions`,
//! `eth_unsubscribe`): the
//! methods a [`Session`] answers, one per connection, each subscription a task forwarding the
//! coordinator's new blocks as `eth_subscription` notifications.
//!
//! These methods keep the lenient reading they have always had: they are answered for a request
//! object whatever its `jsonrpc` and `id`, params that are not an array count as none, and
//! `eth_unsubscribe` answers `false` for any id it cannot read. Over HTTP, and inside a batch,
//! they are unknown methods.

use std::collections::HashMap;
use std::sync::Arc;

use alloy_primitives::{B256, U256};
use alloy_rpc_types_eth::Filter;
use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::coordinator::NewBlock;
use crate::rpc::Rpc;
use crate::rpc::convert::ChainBlock;
use crate::rpc::error::RpcError;
use crate::rpc::params::{FromParam, Lazy, Position};
use crate::rpc::server::Outbox;

/// Most subscriptions one WebSocket connection holds at once.
pub const MAX_SUBSCRIPTIONS: usize = 1_000;

/// One WebSocket connection's subscriptions; dropping it ends them.
pub struct Session {
    /// Where notifications go (the connection's outbox).
    notify: Outbox,
    /// The forwarding task of each subscription.
    subscriptions: HashMap<U256, tokio::task::JoinHandle<()>>,
    last_id: u64,
}

impl Session {
    /// A session sending its notifications, as JSON text, to `notify`.
    pub fn new(notify: Outbox) -> Self {
        Self { notify, subscriptions: HashMap::new(), last_id: 0 }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        for task in self.subscriptions.values() {
            task.abort();
        }
    }
}

/// What a subscription sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriptionKind {
    /// Each new block's header.
    NewHeads,
    /// The logs of each new block a filter matches.
    Logs,
    /// The hash of each tx pooled (mined at once or not).
    NewPendingTransactions,
}

/// `"newHeads"` or `"logs"`; anything but a string is missing, as it has always been.
impl FromParam for SubscriptionKind {
    fn from_param(value: Option<Value>, at: Position) -> Result<Self, RpcError> {
        match value {
            Some(Value::String(kind)) => match kind.as_str() {
                "newHeads" => Ok(Self::NewHeads),
                "logs" => Ok(Self::Logs),
                "newPendingTransactions" => Ok(Self::NewPendingTransactions),
                other => Err(RpcError::invalid_params(format!(
                    "subscription {other:?} is not supported; use \"newHeads\", \"logs\" or \"newPendingTransactions\""
                ))),
            },
            _ => Err(RpcError::invalid_params(format!("param {} ({}) is missing", at.number, at.label()))),
        }
    }
}

/// What one subscription forwards.
enum Subscription {
    NewHeads,
    Logs(Box<Filter>),
}

/// `eth_subscribe`: starts forwarding `kind` (for `logs`, those `filter` matches: all when
/// absent; the filter is read only for `logs`); the subscription id.
pub fn subscribe(
    rpc: &Rpc,
    session: &mut Session,
    kind: SubscriptionKind,
    filter: Lazy<Filter>,
) -> Result<Value, RpcError> {
    if session.subscriptions.len() >= MAX_SUBSCRIPTIONS {
        return Err(RpcError::server(format!(
            "this connection holds {MAX_SUBSCRIPTIONS} subscriptions, the most one may; end some with \
             eth_unsubscribe"
        )));
    }
    let subscription = match kind {
        SubscriptionKind::NewHeads => Subscription::NewHeads,
        SubscriptionKind::Logs => Subscription::Logs(Box::new(filter.read()?.unwrap_or_default())),
        SubscriptionKind::NewPendingTransactions => {
            session.last_id += 1;
            let id = U256::from(session.last_id);
            // Subscribed before answering, so no tx pooled after the answer is missed.
            let pooled = rpc.coordinator.subscribe_pooled();
            let task = tokio::spawn(forward_pooled(pooled, id, session.notify.clone()));
            session.subscriptions.insert(id, task);
            return Ok(json!(id));
        }
    };
    session.last_id += 1;
    let id = U256::from(session.last_id);
    // Subscribed before answering, so no block committed after the answer is missed.
    let blocks = rpc.coordinator.subscribe();
    let task = tokio::spawn(forward(blocks, subscription, id, session.notify.clone()));
    session.subscriptions.insert(id, task);
    Ok(json!(id))
}

/// `eth_unsubscribe`: ends a subscription of this session; whether it existed (`false` for an
/// id that is not one).
pub fn unsubscribe(_rpc: &Rpc, session: &mut Session, subscription_id: Lazy<U256>) -> Result<Value, RpcError> {
    let id = subscription_id.read().ok().flatten();
    let removed = id.and_then(|id| session.subscriptions.remove(&id));
    let found = removed.map(|task| task.abort()).is_some();
    Ok(json!(found))
}

async fn forward(mut blocks: broadcast::Receiver<Arc<NewBlock>>, kind: Subscription, id: U256, out: Outbox) {
    loop {
        let new: Arc<NewBlock> = match blocks.recv().await {
            Ok(new) => new,
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "a subscriber fell behind; blocks were skipped");
                continue;
            }
            Err(_) => return,
        };
        let block = ChainBlock { block: new.block.clone(), hash: new.hash };
        let results: Vec<Value> = match &kind {
            Subscription::NewHeads => vec![json!(block.header())],
            Subscription::Logs(filter) => {
                block.matching_logs(|log| filter.matches(log)).into_iter().map(|log| json!(log)).collect()
            }
        };
        for result in results {
            let note = json!({
                "jsonrpc": "2.0",
                "method": "eth_subscription",
                "params": {"subscription": id, "result": result},
            });
            if out.send(note.to_string()).is_err() {
                return;
            }
        }
    }
}

/// Forwards the hash of each tx pooled to subscription `id`.
async fn forward_pooled(mut pooled: broadcast::Receiver<B256>, id: U256, out: Outbox) {
    loop {
        let hash = match pooled.recv().await {
            Ok(hash) => hash,
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "a pending-tx subscriber fell behind; hashes were skipped");
                continue;
            }
            Err(_) => return,
        };
        let note = json!({
            "jsonrpc": "2.0",
            "method": "eth_subscription",
            "params": {"subscription": id, "result": hash},
        });
        if out.send(note.to_string()).is_err() {
            return;
        }
    }
}
