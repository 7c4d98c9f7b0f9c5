//! The HTTP and WebSocket server (warp on tokio), on one port: POST carries JSON-RPC requests
//! and batches; a WebSocket upgrade carries the same plus `eth_subscribe` (`newHeads`, `logs`).
//! CORS is open (`*`) and request bodies are limited, as Anvil's.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use alloy_primitives::U256;
use alloy_rpc_types_eth::Filter;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use warp::Filter as _;
use warp::http::StatusCode;
use warp::ws::{Message, WebSocket};

use crate::coordinator::NewBlock;
use crate::rpc::convert::ChainBlock;
use crate::rpc::error::RpcError;
use crate::rpc::{Rpc, handle_body, response};

/// Serves `rpc` on `listener` until `shutdown` completes.
pub async fn serve(
    rpc: Arc<Rpc>,
    listener: tokio::net::TcpListener,
    max_body_bytes: u64,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let with_rpc = warp::any().map(move || Arc::clone(&rpc));
    let websocket = warp::ws()
        .and(with_rpc.clone())
        .map(|ws: warp::ws::Ws, rpc: Arc<Rpc>| ws.on_upgrade(move |socket| session(rpc, socket)));
    let http =
        warp::post().and(warp::header::optional::<u64>("content-length")).and(warp::body::stream()).and(with_rpc).then(
            move |length: Option<u64>, body, rpc: Arc<Rpc>| async move {
                let (status, answer) = match read_body(length, body, max_body_bytes).await {
                    Ok(body) => (StatusCode::OK, handle_body(&rpc, &body).await.unwrap_or(Value::Null)),
                    Err(BodyError::TooLarge) => (
                        StatusCode::PAYLOAD_TOO_LARGE,
                        response(
                            Value::Null,
                            Err(RpcError::invalid_request(format!(
                                "the request body is larger than the limit of {max_body_bytes} bytes"
                            ))),
                        ),
                    ),
                    Err(BodyError::Broken(e)) => {
                        (StatusCode::BAD_REQUEST, response(Value::Null, Err(RpcError::invalid_request(e))))
                    }
                };
                warp::reply::with_status(warp::reply::json(&answer), status)
            },
        );
    let cors = warp::cors().allow_any_origin().allow_methods(vec!["POST", "GET", "OPTIONS"]).allow_headers(vec![
        "content-type",
        "authorization",
        "accept",
        "origin",
    ]);
    let routes = websocket.or(http).recover(move |r| rejection(r, max_body_bytes)).with(cors);
    warp::serve(routes).incoming(listener).graceful(shutdown).run().await;
}

/// Why a request body was not read.
enum BodyError {
    /// Longer than the limit.
    TooLarge,
    /// The connection failed mid-body.
    Broken(String),
}

/// Reads a request body of at most `limit` bytes. A longer one is still read to its end (up to
/// 16× the limit) before the 413 goes out, so that the client, still writing, sees the answer
/// rather than a broken pipe.
async fn read_body<S, B>(length: Option<u64>, body: S, limit: u64) -> Result<Vec<u8>, BodyError>
where
    S: futures_util::Stream<Item = Result<B, warp::Error>>,
    B: bytes::Buf,
{
    let drain_limit = limit.saturating_mul(16);
    if length.is_some_and(|n| n > drain_limit) {
        return Err(BodyError::TooLarge);
    }
    let mut body = std::pin::pin!(body);
    let mut bytes = Vec::with_capacity(length.unwrap_or(0).min(limit) as usize);
    let mut total = length.filter(|&n| n > limit).unwrap_or(0);
    loop {
        // Once the body is known to be too long, a client that stops sending gets its answer
        // after a short pause instead of a hung request.
        let next = if total > limit {
            match tokio::time::timeout(std::time::Duration::from_millis(250), body.next()).await {
                Ok(next) => next,
                Err(_) => break,
            }
        } else {
            body.next().await
        };
        let Some(chunk) = next else { break };
        let mut chunk = chunk.map_err(|e| BodyError::Broken(e.to_string()))?;
        total += chunk.remaining() as u64;
        if total > drain_limit {
            return Err(BodyError::TooLarge);
        }
        if total <= limit {
            while chunk.has_remaining() {
                let part = chunk.chunk();
                bytes.extend_from_slice(part);
                let n = part.len();
                chunk.advance(n);
            }
        }
    }
    if total > limit { Err(BodyError::TooLarge) } else { Ok(bytes) }
}

/// Transport-level refusals as JSON-RPC errors with the matching HTTP status.
async fn rejection(rejection: warp::Rejection, limit: u64) -> Result<impl warp::Reply, Infallible> {
    let (status, error) = if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            RpcError::invalid_request(format!("the request body is larger than the limit of {limit} bytes")),
        )
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            RpcError::invalid_request("send JSON-RPC requests with POST, or open a WebSocket"),
        )
    } else {
        (StatusCode::BAD_REQUEST, RpcError::invalid_request(format!("{rejection:?}")))
    };
    Ok(warp::reply::with_status(warp::reply::json(&response(Value::Null, Err(error))), status))
}

/// What one subscription sends.
enum Subscription {
    NewHeads,
    Logs(Box<Filter>),
}

/// One WebSocket connection: requests in, responses and subscription notifications out.
async fn session(rpc: Arc<Rpc>, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (out, mut outbox) = mpsc::unbounded_channel::<String>();
    let writer = tokio::spawn(async move {
        while let Some(text) = outbox.recv().await {
            if sink.send(Message::text(text)).await.is_err() {
                break;
            }
        }
    });
    let mut subscriptions: HashMap<U256, tokio::task::JoinHandle<()>> = HashMap::new();
    let mut last_id = 0u64;
    while let Some(Ok(message)) = stream.next().await {
        if message.is_close() {
            break;
        }
        let Ok(text) = message.to_str() else { continue };
        let request: Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(e) => {
                let _ = out.send(response(Value::Null, Err(RpcError::parse(e))).to_string());
                continue;
            }
        };
        let method = request.get("method").and_then(Value::as_str).unwrap_or_default().to_string();
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let params = request.get("params").cloned().unwrap_or(Value::Null);
        let answer = match method.as_str() {
            "eth_subscribe" => match subscription(&params) {
                Ok(kind) => {
                    last_id += 1;
                    let sub_id = U256::from(last_id);
                    // Subscribed before answering, so no block committed after the answer is missed.
                    let blocks = rpc.coordinator.subscribe();
                    let task = tokio::spawn(forward(blocks, kind, sub_id, out.clone()));
                    subscriptions.insert(sub_id, task);
                    response(id, Ok(json!(sub_id)))
                }
                Err(e) => response(id, Err(e)),
            },
            "eth_unsubscribe" => {
                let sub_id = params.get(0).cloned().and_then(|v| serde_json::from_value::<U256>(v).ok());
                let removed = sub_id.and_then(|s| subscriptions.remove(&s));
                let found = removed.map(|task| task.abort()).is_some();
                response(id, Ok(json!(found)))
            }
            _ => match handle_body(&rpc, text.as_bytes()).await {
                Some(answer) => answer,
                None => continue,
            },
        };
        if out.send(answer.to_string()).is_err() {
            break;
        }
    }
    for task in subscriptions.into_values() {
        task.abort();
    }
    drop(out);
    let _ = writer.await;
}

fn subscription(params: &Value) -> Result<Subscription, RpcError> {
    match params.get(0).and_then(Value::as_str) {
        Some("newHeads") => Ok(Subscription::NewHeads),
        Some("logs") => {
            let filter = match params.get(1) {
                Some(value) => serde_json::from_value(value.clone())
                    .map_err(|e| RpcError::invalid_params(format!("param 2 (filter): {e}")))?,
                None => Filter::default(),
            };
            Ok(Subscription::Logs(Box::new(filter)))
        }
        Some(other) => Err(RpcError::invalid_params(format!(
            "subscription {other:?} is not supported; use \"newHeads\" or \"logs\""
        ))),
        None => Err(RpcError::invalid_params("param 1 (subscription kind) is missing")),
    }
}

async fn forward(
    mut blocks: tokio::sync::broadcast::Receiver<Arc<NewBlock>>,
    kind: Subscription,
    id: U256,
    out: mpsc::UnboundedSender<String>,
) {
    loop {
        let new: Arc<NewBlock> = match blocks.recv().await {
            Ok(new) => new,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "a subscriber fell behind; blocks were skipped");
                continue;
            }
            Err(_) => return,
        };
        let block = ChainBlock { block: new.block.clone(), hash: new.hash };
        let results: Vec<Value> = match &kind {
            Subscription::NewHeads => vec![json!(block.header())],
            Subscription::Logs(filter) => block
                .logs()
                .into_iter()
                .flatten()
                .filter(|log| filter.matches(&log.inner))
                .map(|log| json!(log))
                .collect(),
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
