//! The HTTP and WebSocket transport (warp on tokio), on one port: POST carries JSON-RPC
//! requests and batches; a WebSocket upgrade carries the same plus what a session answers
//! (subscriptions, whose notifications it sends back on the same socket). CORS is open (`*`) and
//! request bodies are limited, as Anvil's.
//!
//! The transport knows nothing of the node: it moves bytes to and from a [`Handler`] (the node's
//! is [`crate::rpc::Rpc`]) and answers transport failures (a body too large, a wrong HTTP method)
//! with JSON-RPC errors itself.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;
use warp::Filter as _;
use warp::Reply as _;
use warp::http::StatusCode;
use warp::ws::{Message, WebSocket};

use crate::rpc::error::RpcError;
use crate::rpc::hosts::AllowedHosts;
use crate::rpc::response;

/// Most messages a WebSocket connection's outbox holds before its client is deemed gone.
pub const OUTBOX_MESSAGES: usize = 10_000;

/// A WebSocket connection's outbox: bounded ([`OUTBOX_MESSAGES`]). A client that stops reading
/// fills it; the message that does not fit ends the connection (as geth drops a subscriber that
/// falls behind), and everything queued for it is freed.
#[derive(Clone, Debug)]
pub struct Outbox {
    queue: mpsc::Sender<String>,
    overflow: tokio::sync::watch::Sender<bool>,
}

/// The connection is gone (closed, or dropped for falling behind).
#[derive(Debug)]
pub struct Gone;

impl Outbox {
    /// An outbox of `capacity` messages, the receiver of its messages, and of its overflow.
    pub fn new(capacity: usize) -> (Self, mpsc::Receiver<String>, tokio::sync::watch::Receiver<bool>) {
        let (queue, messages) = mpsc::channel(capacity);
        let (overflow, overflowed) = tokio::sync::watch::channel(false);
        (Self { queue, overflow }, messages, overflowed)
    }

    /// Queues `text` for the client; `Err` when the connection is gone or this message did not
    /// fit (which ends the connection).
    pub fn send(&self, text: String) -> Result<(), Gone> {
        match self.queue.try_send(text) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                let _ = self.overflow.send(true);
                Err(Gone)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Gone),
        }
    }
}

/// What the transport serves: answers to request bodies, and WebSocket sessions.
pub trait Handler: Send + Sync + 'static {
    /// The state of one WebSocket connection (its subscriptions), dropped when it closes.
    type Session: Send + 'static;

    /// Answers a request body (one request or a batch); `None` when nothing is to be sent
    /// back.
    fn handle_body(&self, body: &[u8]) -> impl Future<Output = Option<Value>> + Send;

    /// Opens the session of a new WebSocket connection; notifications it sends to `notify` go
    /// out on the socket as text.
    fn open_session(&self, notify: Outbox) -> Self::Session;

    /// Answers one WebSocket text message in `session`; `None` when nothing is to be sent back.
    fn handle_message(&self, session: &mut Self::Session, text: &str) -> impl Future<Output = Option<Value>> + Send;
}

/// What the transport refuses before a request reaches the handler.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest request body, in bytes (a 413 past it).
    pub max_body_bytes: u64,
    /// The `Host` headers answered (a 403 for others).
    pub hosts: AllowedHosts,
}

/// A request naming a host that is not allowed.
#[derive(Debug)]
struct ForbiddenHost(String);

impl warp::reject::Reject for ForbiddenHost {}

/// Serves `handler` on `listener` until `shutdown` completes.
pub async fn serve<H: Handler>(
    handler: Arc<H>,
    listener: tokio::net::TcpListener,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let Limits { max_body_bytes, hosts } = limits;
    let hosts = Arc::new(hosts);
    let host_guard = warp::header::optional::<String>("host")
        .and_then(move |host: Option<String>| {
            let hosts = Arc::clone(&hosts);
            async move {
                match host {
                    Some(host) if !hosts.allows(&host) => Err(warp::reject::custom(ForbiddenHost(host))),
                    _ => Ok(()),
                }
            }
        })
        .untuple_one();
    let with_handler = warp::any().map(move || Arc::clone(&handler));
    let websocket = warp::ws()
        .and(with_handler.clone())
        .map(|ws: warp::ws::Ws, handler: Arc<H>| ws.on_upgrade(move |socket| session(handler, socket)));
    let http = warp::post()
        .and(warp::header::optional::<u64>("content-length"))
        .and(warp::body::stream())
        .and(with_handler)
        .then(move |length: Option<u64>, body, handler: Arc<H>| async move {
            let (status, answer) = match read_body(length, body, max_body_bytes).await {
                Ok(body) => match handler.handle_body(&body).await {
                    Some(answer) => (StatusCode::OK, answer),
                    // A notification (or a batch of them) is answered with no body.
                    None => return warp::reply::with_status(String::new(), StatusCode::NO_CONTENT).into_response(),
                },
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
            warp::reply::with_status(warp::reply::json(&answer), status).into_response()
        });
    let cors = warp::cors().allow_any_origin().allow_methods(vec!["POST", "GET", "OPTIONS"]).allow_headers(vec![
        "content-type",
        "authorization",
        "accept",
        "origin",
    ]);
    let routes = host_guard.and(websocket.or(http)).recover(move |r| rejection(r, max_body_bytes)).with(cors);
    warp::serve(routes).incoming(listener).graceful(shutdown).run().await;
}

/// Why a request body was not read.
enum BodyError {
    /// Longer than the limit.
    TooLarge,
    /// The connection failed mid-body.
    Broken(String),
}

/// Most bytes of an oversized body read (and dropped) before its 413 goes out.
const DRAIN_BYTES: u64 = 1 << 30;

/// Longest an oversized body is drained for.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads a request body of at most `limit` bytes. A longer one is still read to its end (and
/// dropped, up to [`DRAIN_BYTES`] or [`DRAIN_TIME`]) before the 413 goes out, so that a client
/// still writing sees the answer rather than a broken pipe.
async fn read_body<S, B>(length: Option<u64>, body: S, limit: u64) -> Result<Vec<u8>, BodyError>
where
    S: futures_util::Stream<Item = Result<B, warp::Error>>,
    B: bytes::Buf,
{
    let declared_too_long = length.is_some_and(|n| n > limit);
    let mut body = std::pin::pin!(body);
    let mut bytes = Vec::with_capacity(if declared_too_long { 0 } else { length.unwrap_or(0) as usize });
    let mut received = 0u64;
    let mut draining_since = declared_too_long.then(std::time::Instant::now);
    loop {
        // Once the body is known to be too long, a client that stops sending gets its answer
        // after a short pause instead of a hung request.
        let next = if let Some(since) = draining_since {
            if since.elapsed() > DRAIN_TIME {
                break;
            }
            match tokio::time::timeout(std::time::Duration::from_millis(250), body.next()).await {
                Ok(next) => next,
                Err(_) => break,
            }
        } else {
            body.next().await
        };
        let Some(chunk) = next else { break };
        let mut chunk = chunk.map_err(|e| BodyError::Broken(e.to_string()))?;
        received += chunk.remaining() as u64;
        if received > DRAIN_BYTES {
            break;
        }
        if received <= limit {
            while chunk.has_remaining() {
                let part = chunk.chunk();
                bytes.extend_from_slice(part);
                let n = part.len();
                chunk.advance(n);
            }
        } else if draining_since.is_none() {
            draining_since = Some(std::time::Instant::now());
            bytes = Vec::new();
        }
    }
    if declared_too_long || received > limit { Err(BodyError::TooLarge) } else { Ok(bytes) }
}

/// Transport-level refusals as JSON-RPC errors with the matching HTTP status.
async fn rejection(rejection: warp::Rejection, limit: u64) -> Result<impl warp::Reply, Infallible> {
    let (status, error) = if let Some(ForbiddenHost(host)) = rejection.find::<ForbiddenHost>() {
        let name = host.rsplit_once(':').map_or(host.as_str(), |(name, _)| name);
        (
            StatusCode::FORBIDDEN,
            RpcError::invalid_request(format!(
                "invalid host {host:?}: this devnet answers localhost and IP addresses only; \
                 start it with --allow-hosts {name} to answer that name"
            )),
        )
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
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

/// One WebSocket connection: messages in, answers and the session's notifications out. If the
/// client stops reading until the outbox overflows, the connection is dropped: the writer (which
/// may be stuck on a full socket) is aborted and the queue freed.
async fn session<H: Handler>(handler: Arc<H>, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (out, mut outbox, mut overflowed) = Outbox::new(OUTBOX_MESSAGES);
    let writer = tokio::spawn(async move {
        while let Some(text) = outbox.recv().await {
            if sink.send(Message::text(text)).await.is_err() {
                break;
            }
        }
    });
    let mut session = handler.open_session(out.clone());
    loop {
        let message = tokio::select! {
            message = stream.next() => message,
            _ = overflowed.changed() => {
                tracing::warn!("a WebSocket client stopped reading and its outbox filled: dropping the connection");
                writer.abort();
                return;
            }
        };
        let Some(Ok(message)) = message else { break };
        if message.is_close() {
            break;
        }
        // Text frames, and binary frames holding UTF-8 (some clients send requests so).
        let text = match message.to_str() {
            Ok(text) => text,
            Err(()) if message.is_binary() => match std::str::from_utf8(message.as_bytes()) {
                Ok(text) => text,
                Err(e) => {
                    let error = RpcError::parse(format!("a binary frame that is not UTF-8 JSON: {e}"));
                    if out.send(response(Value::Null, Err(error)).to_string()).is_err() {
                        break;
                    }
                    continue;
                }
            },
            Err(()) => continue,
        };
        let Some(answer) = handler.handle_message(&mut session, text).await else { continue };
        if out.send(answer.to_string()).is_err() {
            break;
        }
    }
    drop(session);
    drop(out);
    let _ = writer.await;
}
