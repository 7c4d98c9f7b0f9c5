//! Positional params and block tags, with errors that name the param that was wrong.

use alloy_eips::{BlockId, BlockNumberOrTag};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::node::Node;
use crate::rpc::error::RpcError;

/// A request's positional params.
pub struct Params(Vec<Value>);

impl Params {
    /// Reads `params`: an array, or nothing.
    pub fn new(params: Value) -> Result<Self, RpcError> {
        match params {
            Value::Null => Ok(Self(Vec::new())),
            Value::Array(values) => Ok(Self(values)),
            _ => Err(RpcError::invalid_params("params must be an array of positional params")),
        }
    }

    /// Number of params given.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none were given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Param `index` (named `name` in errors), which must be present.
    pub fn get<T: DeserializeOwned>(&self, index: usize, name: &str) -> Result<T, RpcError> {
        match self.opt(index, name)? {
            Some(value) => Ok(value),
            None => Err(RpcError::invalid_params(format!("missing param {} ({name})", index + 1))),
        }
    }

    /// Param `index`, absent or null allowed.
    pub fn opt<T: DeserializeOwned>(&self, index: usize, name: &str) -> Result<Option<T>, RpcError> {
        match self.0.get(index) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => serde_json::from_value(value.clone())
                .map(Some)
                .map_err(|e| RpcError::invalid_params(format!("param {} ({name}): {e}", index + 1))),
        }
    }
}

/// `value` as JSON.
pub fn to_json<T: Serialize>(value: T) -> Result<Value, RpcError> {
    serde_json::to_value(value).map_err(RpcError::internal)
}

/// The height a block id names; `latest`, `pending`, `safe` and `finalized` are the tip
/// (blocks are final on a devnet).
pub fn height_of(node: &Node, id: Option<BlockId>) -> Result<u64, RpcError> {
    match id {
        None => Ok(node.height()),
        Some(BlockId::Number(tag)) => height_of_tag(node, tag),
        Some(BlockId::Hash(hash)) => node
            .number_of(&hash.block_hash)
            .ok_or_else(|| RpcError::server(format!("block {} not found", hash.block_hash))),
    }
}

/// The height a block tag or number names.
pub fn height_of_tag(node: &Node, tag: BlockNumberOrTag) -> Result<u64, RpcError> {
    let tip = node.height();
    match tag {
        BlockNumberOrTag::Earliest => Ok(0),
        BlockNumberOrTag::Number(n) if n <= tip => Ok(n),
        BlockNumberOrTag::Number(n) => {
            Err(RpcError::server(format!("header not found: block {n} is beyond the latest block {tip}")))
        }
        _ => Ok(tip),
    }
}
