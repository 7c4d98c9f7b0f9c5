//! The web3 JSON-RPC: JSON-RPC 2.0 requests and batches ([`handle_body`]), every method in one
//! table with its typed params ([`methods`], read by [`params`]), the handlers by family
//! (`eth_`/`net_`/`web3_` in [`eth`], Anvil/Hardhat dev methods in [`dev`], the model's
//! `manaflow_` methods in [`model`], native txs for wallets in [`wallet`], WebSocket
//! subscriptions in [`subscriptions`]), filters ([`filters`]), signing ([`sign`]) and the warp
//! transport ([`server`]), which reaches all this only through [`server::Handler`].

pub mod convert;
pub mod debug;
pub mod dev;
pub mod error;
pub mod eth;
pub mod filters;
pub mod hosts;
pub mod long_read;
pub mod methods;
pub mod model;
pub mod model_trace;
pub mod ots;
pub mod params;
pub mod proofs;
pub mod server;
pub mod sign;
pub mod subscriptions;
pub mod trace;
pub mod txpool;
pub mod wallet;
pub mod wire;

use std::sync::Arc;

use parking_lot::Mutex;
use serde_json::{Value, json};

use crate::config::LogLimits;
use crate::coordinator::Coordinator;
use crate::genesis::DevAccount;
pub use error::RpcError;
use filters::Filters;
use subscriptions::Session;

/// What every method handler reaches.
pub struct Rpc {
    /// The coordinator (and through it the node).
    pub coordinator: Arc<Coordinator>,
    /// The dev accounts, which `eth_sendTransaction` and the signing methods sign for.
    pub accounts: Vec<DevAccount>,
    /// Installed filters.
    pub filters: Mutex<Filters>,
    /// Bounds on log queries.
    pub log_limits: LogLimits,
    /// Whether requests are logged (`anvil_setLoggingEnabled`; on by default, `RUST_LOG` picks
    /// the level).
    pub logging: std::sync::atomic::AtomicBool,
}

impl Rpc {
    /// Handlers over `coordinator`, log queries bounded by `log_limits`.
    pub fn new(coordinator: Arc<Coordinator>, log_limits: LogLimits) -> Self {
        let accounts = coordinator.node().accounts().to_vec();
        Self {
            coordinator,
            accounts,
            filters: Mutex::new(Filters::default()),
            log_limits,
            logging: std::sync::atomic::AtomicBool::new(true),
        }
    }

    /// Runs one method (params that are not an array are refused before the method is looked
    /// up).
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let params = params::Params::new(params)?;
        if let Some(validator) = self.coordinator.follows()
            && methods::CHAIN_CHANGING.binary_search(&method).is_ok()
        {
            return Err(RpcError::server(format!(
                "{method} changes the chain, and this coordinator's chain belongs to the validator at \
                 {validator} (DESIGN §11): dev methods that change state, blocks, the clock or mining are \
                 refused here. Run `manaflow node` for a chain of your own with every dev method."
            )));
        }
        methods::dispatch(self, method, params).await
    }
}

impl server::Handler for Rpc {
    type Session = Session;

    async fn handle_body(&self, body: &[u8]) -> Option<Value> {
        handle_body(self, body).await
    }

    fn open_session(&self, notify: server::Outbox) -> Session {
        Session::new(notify)
    }

    async fn handle_message(&self, session: &mut Session, text: &str) -> Option<Value> {
        handle_message(self, session, text).await
    }
}

/// What answers JSON-RPC methods, whatever the role: the node's [`Rpc`] and a validator's
/// `ValidatorRpc` share the envelope (requests, batches, notifications, their bounds) through
/// it.
pub trait Methods: Sync {
    /// Runs one method.
    fn call(&self, method: &str, params: Value) -> impl std::future::Future<Output = Result<Value, RpcError>> + Send;

    /// Whether requests are logged.
    fn logging(&self) -> bool {
        true
    }
}

impl Methods for Rpc {
    async fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        Rpc::call(self, method, params).await
    }

    fn logging(&self) -> bool {
        self.logging.load(std::sync::atomic::Ordering::Acquire)
    }
}

/// Runs long synchronous work (executing calls, scanning blocks, mining) from an async handler:
/// on tokio's multi-thread runtime the worker first hands its other tasks to another thread, so
/// requests queued behind this one are not held up.
pub fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// A request object read: its id (`None` for a notification), method and params.
pub struct Request {
    /// Its id; `None` for a notification.
    pub id: Option<Value>,
    /// The method named.
    pub method: String,
    /// Its params (`null` when absent).
    pub params: Value,
}

impl Request {
    /// Reads a request object, as JSON-RPC 2.0 has it; the error response otherwise.
    pub fn read(request: Value) -> Result<Self, Box<Value>> {
        let refuse = |id: Value, why: &str| Box::new(response(id, Err(RpcError::invalid_request(why))));
        let Value::Object(mut request) = request else {
            return Err(refuse(Value::Null, "a request must be a JSON object"));
        };
        let id = request.remove("id");
        if let Some(id) = &id
            && !matches!(id, Value::Null | Value::Number(_) | Value::String(_))
        {
            return Err(refuse(Value::Null, "id must be a number, a string or null"));
        }
        let answer_id = id.clone().unwrap_or(Value::Null);
        if let Some(version) = request.get("jsonrpc")
            && version != "2.0"
        {
            return Err(refuse(answer_id, "jsonrpc must be \"2.0\""));
        }
        let Some(Value::String(method)) = request.remove("method") else {
            return Err(refuse(answer_id, "method must be a string"));
        };
        let params = request.remove("params").unwrap_or(Value::Null);
        Ok(Self { id, method, params })
    }
}

/// Answers one request object; `None` for a notification (a request without an id).
pub async fn handle_request<M: Methods>(rpc: &M, request: Value) -> Option<Value> {
    let Request { id, method, params } = match Request::read(request) {
        Ok(request) => request,
        Err(refused) => return Some(*refused),
    };
    let is_notification = id.is_none();
    let id = id.unwrap_or(Value::Null);
    let span = tracing::debug_span!("rpc", %method);
    let logging = rpc.logging();
    let result = {
        let _enter = span.enter();
        if logging {
            tracing::trace!(?params, "request");
        }
        rpc.call(&method, params).await
    };
    if let Err(e) = &result
        && logging
    {
        tracing::debug!(%method, code = e.code, "error: {}", e.message);
    }
    (!is_notification).then(|| response(id, result))
}

/// Answers a request body: one request or a batch. Returns `None` when nothing is to be sent
/// back (a notification, or a batch of them).
pub async fn handle_body<M: Methods>(rpc: &M, body: &[u8]) -> Option<Value> {
    match serde_json::from_slice(body) {
        Ok(value) => handle_value(rpc, value).await,
        Err(e) => Some(response(Value::Null, Err(RpcError::parse(e)))),
    }
}

/// Answers one WebSocket message in `session`: a session method (`eth_subscribe`,
/// `eth_unsubscribe`) named by a request object is answered by the session, whatever the
/// object's `jsonrpc` and `id`; anything else as [`handle_body`] answers it.
pub async fn handle_message(rpc: &Rpc, session: &mut Session, text: &str) -> Option<Value> {
    let request: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => return Some(response(Value::Null, Err(RpcError::parse(e)))),
    };
    let method = request.get("method").and_then(Value::as_str).unwrap_or_default();
    let params = request.get("params").cloned().unwrap_or(Value::Null);
    if let Some(result) = methods::dispatch_session(rpc, session, method, params) {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        return Some(response(id, result));
    }
    handle_value(rpc, request).await
}

/// Most requests in one batch (geth's default).
pub const MAX_BATCH_REQUESTS: usize = 1_000;

/// Answers a parsed request body: one request or a batch.
pub async fn handle_value<M: Methods>(rpc: &M, value: Value) -> Option<Value> {
    match value {
        Value::Array(requests) if requests.is_empty() => {
            Some(response(Value::Null, Err(RpcError::invalid_request("empty batch"))))
        }
        Value::Array(requests) if requests.len() > MAX_BATCH_REQUESTS => Some(response(
            Value::Null,
            Err(RpcError::invalid_request(format!(
                "a batch of {} requests; one batch holds at most {MAX_BATCH_REQUESTS} (send several)",
                requests.len()
            ))),
        )),
        Value::Array(requests) => {
            let answers = futures_util::future::join_all(requests.into_iter().map(|r| handle_request(rpc, r))).await;
            let answers: Vec<Value> = answers.into_iter().flatten().collect();
            (!answers.is_empty()).then_some(Value::Array(answers))
        }
        request => handle_request(rpc, request).await,
    }
}

/// A response object.
pub fn response(id: Value, result: Result<Value, RpcError>) -> Value {
    match result {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": error}),
    }
}
