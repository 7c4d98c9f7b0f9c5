//! JSON-RPC errors with the codes of JSON-RPC 2.0 and EIP-1474, worded as geth words them so
//! clients that classify errors by text (ethers) do so here too.

use alloy_primitives::Bytes;
use serde::Serialize;
use serde_json::Value;

/// A JSON-RPC error object.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RpcError {
    /// The code.
    pub code: i64,
    /// What went wrong, and where it helps, what to do.
    pub message: String,
    /// Extra data (revert bytes as hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    fn new(code: i64, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), data: None }
    }

    /// −32700: the body is not JSON.
    pub fn parse(why: impl std::fmt::Display) -> Self {
        Self::new(-32700, format!("parse error: {why}"))
    }

    /// −32600: JSON, but not a JSON-RPC request.
    pub fn invalid_request(why: impl std::fmt::Display) -> Self {
        Self::new(-32600, format!("invalid request: {why}"))
    }

    /// −32601: no such method.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(-32601, format!("the method {method} does not exist/is not available"))
    }

    /// −32602: the params do not fit the method.
    pub fn invalid_params(why: impl std::fmt::Display) -> Self {
        Self::new(-32602, format!("invalid params: {why}"))
    }

    /// −32603: the node failed.
    pub fn internal(why: impl std::fmt::Display) -> Self {
        Self::new(-32603, format!("internal error: {why}"))
    }

    /// −32000: the request is understood but refused (a tx rule, a missing block…), as geth.
    pub fn server(why: impl std::fmt::Display) -> Self {
        Self::new(-32000, why.to_string())
    }

    /// 3: execution reverted, with the revert bytes as data and the reason in the message when
    /// they are an `Error(string)` or a `Panic(uint256)`.
    pub fn reverted(output: &Bytes) -> Self {
        let message = match decode_revert_reason(output) {
            Some(reason) => format!("execution reverted: {reason}"),
            None => "execution reverted".to_string(),
        };
        Self { code: 3, message, data: Some(Value::String(output.to_string())) }
    }
}

/// The reason in the two standard revert payloads: `Error(string)` and `Panic(uint256)`.
fn decode_revert_reason(output: &[u8]) -> Option<String> {
    use alloy_sol_types::{Panic, Revert, SolError};
    if let Ok(revert) = Revert::abi_decode(output) {
        return Some(revert.reason);
    }
    Panic::abi_decode(output).ok().map(|panic| format!("panic: {panic}"))
}
