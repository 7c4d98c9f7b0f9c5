//! A coordinator following a validator (DESIGN §11): instead of mining, the relay thread follows
//! the validator's blocks into the node (its own state and secondary index, each block validated
//! here too), fills its users' ready txs for the validator's next-block template, sends them as
//! one batch, and settles each tx's fate when the block it was filled for is sealed: included
//! (its sender hears the block), or re-filled and resent when the validator dropped it as stale or
//! contended (at most `max_refills` times, then the sender hears why). A fully signed native tx
//! cannot be re-filled: its sender hears the validator's reason at once.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, Bytes, U64};
use manaflow_types::{Batch, BatchTx, Block, Header, TxId};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::{Coordinator, Fate, Waiters};
use crate::admission::Kind;
use crate::error::{Dropped, NodeError, Refusal, SetupError};
use crate::fate::{DropRule, TxFate};
use crate::mempool::Pooled;
use crate::sequencing::native::is_fully_signed;

/// How often the relay asks the validator for its height when nothing else wakes it.
const POLL: Duration = Duration::from_millis(20);

/// The longest a call to the validator may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The validator's JSON-RPC, called from the relay thread.
pub struct Upstream {
    url: String,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

/// A call to the validator that failed.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// It could not be reached or did not answer in time.
    #[error("the validator at {url} did not answer: {why}")]
    Unreachable {
        /// Its URL.
        url: String,
        /// Why.
        why: String,
    },
    /// It answered with an error.
    #[error("the validator refused {method}: {message}")]
    Refused {
        /// The method called.
        method: String,
        /// Its error message.
        message: String,
    },
    /// It answered something this coordinator cannot read.
    #[error("the validator's answer to {method} is not what it should be: {why}")]
    Answer {
        /// The method called.
        method: String,
        /// What was wrong.
        why: String,
    },
}

impl Upstream {
    /// A client of the validator at `url`.
    pub fn new(url: &str) -> Result<Self, SetupError> {
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(SetupError::Runtime)?;
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .build()
            .map_err(|e| SetupError::Upstream { url: url.to_string(), why: e.to_string() })?;
        Ok(Self { url: url.to_string(), http, runtime })
    }

    fn call(&self, method: &str, params: Value) -> Result<Value, UpstreamError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let unreachable = |e: reqwest::Error| UpstreamError::Unreachable { url: self.url.clone(), why: e.to_string() };
        let mut answer: Value = self.runtime.block_on(async {
            let response = self.http.post(&self.url).json(&body).send().await.map_err(unreachable)?;
            response.json().await.map_err(unreachable)
        })?;
        if let Some(error) = answer.get("error") {
            let message = error.get("message").and_then(Value::as_str).unwrap_or("no message").to_string();
            return Err(UpstreamError::Refused { method: method.into(), message });
        }
        Ok(answer["result"].take())
    }

    fn read<T: serde::de::DeserializeOwned>(&self, method: &str, params: Value) -> Result<T, UpstreamError> {
        let value = self.call(method, params)?;
        serde_json::from_value(value).map_err(|e| UpstreamError::Answer { method: method.into(), why: e.to_string() })
    }

    /// The validator's chain id.
    pub fn chain_id(&self) -> Result<u64, UpstreamError> {
        Ok(self.read::<U64>("eth_chainId", json!([]))?.to())
    }

    /// The validator's tip height.
    pub fn height(&self) -> Result<u64, UpstreamError> {
        Ok(self.read::<U64>("eth_blockNumber", json!([]))?.to())
    }

    /// Sealed block `number`, canonical.
    pub fn block(&self, number: u64) -> Result<Block, UpstreamError> {
        let bytes: Bytes = self.read("manaflow_getRawBlock", json!([U64::from(number)]))?;
        Block::decode(&bytes)
            .map_err(|e| UpstreamError::Answer { method: "manaflow_getRawBlock".into(), why: e.to_string() })
    }

    /// The template of the block being filled.
    pub fn template(&self) -> Result<Header, UpstreamError> {
        self.read("manaflow_getTemplate", json!([]))
    }

    /// Sends `batch`; each tx's fate, in order.
    pub fn submit(&self, batch: &Batch) -> Result<Vec<TxFate>, UpstreamError> {
        let answer = self.call("manaflow_submitBatch", json!([Bytes::from(batch.encode())]))?;
        serde_json::from_value(answer["fates"].clone())
            .map_err(|e| UpstreamError::Answer { method: "manaflow_submitBatch".into(), why: e.to_string() })
    }
}

/// A tx sent in a batch, waiting for the block it was filled for.
struct Sent {
    pooled: Pooled<oneshot::Sender<Fate>>,
    target: u64,
    execution: manaflow_types::Execution,
    /// What the validator said when it dropped it (`None`: accepted, or no answer).
    dropped: Option<(DropRule, String)>,
}

/// The relay's memory: txs sent and not settled, by their id in the block; re-fills per tx.
#[derive(Default)]
pub(super) struct Relay {
    sent: HashMap<TxId, Sent>,
    refills: HashMap<TxId, u32>,
    sent_for: Option<u64>,
    last_error: Option<Instant>,
}

impl Coordinator {
    /// The relay thread's loop: follow, send, settle, until shutdown.
    pub(super) fn relay_loop(&self, upstream: Upstream) {
        let mut relay = Relay::default();
        while !self.stop.load(Ordering::SeqCst) {
            if let Err(e) = self.relay_once(&upstream, &mut relay) {
                // Say it once a second at most while the validator is away.
                if relay.last_error.is_none_or(|at| at.elapsed() > Duration::from_secs(1)) {
                    tracing::warn!("{e}; retrying");
                    relay.last_error = Some(Instant::now());
                }
            }
            self.wakeup.wait(&self.stop, Instant::now().checked_add(POLL));
        }
        for pooled in self.pool.lock().clear().into_iter().chain(relay.sent.into_values().map(|s| s.pooled)) {
            if let Some(waiter) = pooled.waiter {
                let _ = waiter.send(Err(Dropped::Shutdown));
            }
        }
    }

    fn relay_once(&self, upstream: &Upstream, relay: &mut Relay) -> Result<(), UpstreamError> {
        let head = upstream.height()?;
        while self.node.read().height() < head {
            let number = self.node.read().height() + 1;
            let block = upstream.block(number)?;
            self.follow(block, relay);
        }
        let height = self.node.read().height();
        if relay.sent_for == Some(height + 1) || !self.has_ready() {
            return Ok(());
        }
        let template = upstream.template()?;
        if template.number != height + 1 {
            return Ok(()); // a block was sealed since: follow it first
        }
        relay.sent_for = Some(template.number);
        self.send_batch(upstream, &template, relay)
    }

    /// Commits the validator's `block` into the node and settles the txs sent for it.
    fn follow(&self, block: Block, relay: &mut Relay) {
        let number = block.header.number;
        let senders: Vec<(TxId, Address)> = block
            .txs
            .iter()
            .filter_map(|tx| relay.sent.get(&tx.id()).map(|sent| (tx.id(), sent.pooled.tx.call.caller)))
            .collect();
        let committed = {
            let mut node = self.node.write();
            if block.txs.len() >= super::WIDE_BLOCK_TXS {
                let node: &mut crate::node::Node = &mut node;
                self.wide.install(|| node.commit(&block, &senders))
            } else {
                node.commit(&block, &senders)
            }
        };
        let committed = match committed {
            Ok(committed) => committed,
            Err(e) => {
                // The validator sealed it; this node cannot follow it (a bug, or a damaged data
                // dir). Say so loudly and stop relaying rather than diverge.
                tracing::error!("block {number} from the validator did not validate here: {e}; stopping the relay");
                self.shutdown();
                return;
            }
        };
        for id in &committed.ids {
            if let Some(sent) = relay.sent.remove(id) {
                self.console.print(&format!("Transaction: {}", sent.pooled.tx.hash), &sent.execution.console);
                relay.refills.remove(&sent.pooled.tx.hash);
                if let Some(waiter) = sent.pooled.waiter {
                    let _ = waiter.send(Ok(number));
                }
            }
        }
        let expired: Vec<TxId> = relay.sent.iter().filter(|(_, s)| s.target <= number).map(|(id, _)| *id).collect();
        let mut back = Vec::new();
        for id in expired {
            let Some(sent) = relay.sent.remove(&id) else { continue };
            let (rule, reason) = sent.dropped.unwrap_or_else(|| {
                let why = format!("accepted for block {} but not in it (the validator restarted?)", sent.target);
                (DropRule::Stale, why)
            });
            let refills = relay.refills.entry(sent.pooled.tx.hash).or_default();
            if *refills >= self.max_refills {
                let reason = format!("{reason} (re-filled and resent {refills} times, the most allowed)");
                relay.refills.remove(&sent.pooled.tx.hash);
                self.tell_dropped(sent.pooled, rule, reason);
            } else {
                *refills += 1;
                tracing::debug!(tx = %sent.pooled.tx.hash, %rule, "re-filling for the next block");
                back.push(sent.pooled);
            }
        }
        // A tx whose nonce another tx used (through another coordinator) can never be ready
        // again: its sender hears so, rather than waiting for ever.
        let stale = {
            let node = self.node.read();
            let mut pool = self.pool.lock();
            pool.put_back(back);
            pool.evict_stale(|sender| node.nonce(sender).unwrap_or(0))
        };
        for pooled in stale {
            relay.refills.remove(&pooled.tx.hash);
            if let Some(waiter) = pooled.waiter {
                let _ = waiter.send(Err(Dropped::Overtaken(pooled.tx.hash)));
            }
        }
        self.announce(block, &committed);
        self.notify();
    }

    /// Fills the ready txs for `template` and sends them as one batch.
    fn send_batch(&self, upstream: &Upstream, template: &Header, relay: &mut Relay) -> Result<(), UpstreamError> {
        let node = self.node.read();
        let (taken, stale) =
            self.pool.lock().take_ready(|sender| node.nonce(sender).unwrap_or(u64::MAX), template.gas_limit);
        for pooled in stale {
            if let Some(waiter) = pooled.waiter {
                let _ = waiter.send(Err(Dropped::Overtaken(pooled.tx.hash)));
            }
        }
        let (mut waiters, txs) = Waiters::split(taken);
        let built = node.build(template, txs);
        drop(node);
        self.remember_refusals(&built.refused);
        waiters.refuse(&built.refused);
        self.pool.lock().put_back(waiters.requeue(built.deferred));
        if built.included.is_empty() {
            return Ok(());
        }
        let items: Vec<BatchTx> = built
            .block
            .txs
            .iter()
            .zip(&built.block.outcomes)
            .map(|(tx, outcome)| BatchTx { tx: tx.clone(), outcome: outcome.clone() })
            .collect();
        let batch = Batch::new(self.name.clone(), template.number, items);
        for ((admitted, execution), tx) in built.included.into_iter().zip(&built.block.txs) {
            let (seq, waiter) = waiters.0.remove(&admitted.hash).unwrap_or_default();
            let pooled = Pooled { tx: admitted, seq, waiter };
            relay.sent.insert(tx.id(), Sent { pooled, target: template.number, execution, dropped: None });
        }
        // Unanswered (the validator away): the txs stay sent and settle when the block they
        // were filled for is sealed, in it or not.
        let fates = upstream.submit(&batch)?;
        let mut accepted = 0;
        for fate in fates {
            match fate {
                TxFate::Accepted { .. } | TxFate::Included { .. } => accepted += 1,
                TxFate::Dropped { id: Some(id), rule, reason, .. } => self.on_dropped(relay, id, rule, reason),
                TxFate::Dropped { id: None, .. } => {}
            }
        }
        tracing::info!(block = template.number, txs = batch.txs.len(), accepted, "batch sent");
        Ok(())
    }

    /// The validator dropped tx `id`: a tx that can be re-filled waits for the block it was
    /// filled for to be sealed, then goes back to the pool; any other is settled now.
    fn on_dropped(&self, relay: &mut Relay, id: TxId, rule: DropRule, reason: String) {
        let Some(sent) = relay.sent.get_mut(&id) else { return };
        let fixed = matches!(&sent.pooled.tx.kind, Kind::Native(native) if is_fully_signed(native));
        if rule.refillable() && !fixed {
            sent.dropped = Some((rule, reason));
            return;
        }
        let Some(sent) = relay.sent.remove(&id) else { return };
        let reason = if fixed && rule.refillable() {
            format!(
                "{reason}; the tx is fully signed, so its moves cannot be filled again: sign it again on the new state"
            )
        } else {
            reason
        };
        self.tell_dropped(sent.pooled, rule, reason);
    }

    fn tell_dropped(&self, pooled: Pooled<oneshot::Sender<Fate>>, rule: DropRule, reason: String) {
        tracing::info!(tx = %pooled.tx.hash, %rule, "dropped by the validator: {reason}");
        let refusal = Refusal::AtValidator { rule: rule.to_string(), reason };
        self.remember_refusals(&[(pooled.tx.clone(), refusal.clone())]);
        if let Some(waiter) = pooled.waiter {
            let _ = waiter.send(Err(Dropped::Refused(refusal)));
        }
    }
}

/// The validator's genesis block, and a check that it serves the chain `chain_id` names. Asked
/// from a thread of its own: the caller may be inside an async runtime, where blocking on the
/// upstream's runtime is not allowed.
pub fn validator_genesis(upstream: &Upstream, chain_id: u64) -> Result<Block, NodeError> {
    let setup = |e: UpstreamError| SetupError::Upstream { url: upstream.url.clone(), why: e.to_string() };
    let asked = std::thread::scope(|scope| {
        scope.spawn(|| Ok::<_, UpstreamError>((upstream.chain_id()?, upstream.block(0)?))).join()
    });
    let (theirs, genesis) = match asked {
        Ok(answer) => answer.map_err(setup)?,
        Err(_) => {
            let why = "the thread asking it for its genesis panicked".to_string();
            return Err(SetupError::Upstream { url: upstream.url.clone(), why }.into());
        }
    };
    if theirs != chain_id {
        return Err(SetupError::Upstream {
            url: upstream.url.clone(),
            why: format!("it serves chain {theirs}, this coordinator chain {chain_id}; pass --chain-id {theirs}"),
        }
        .into());
    }
    Ok(genesis)
}
