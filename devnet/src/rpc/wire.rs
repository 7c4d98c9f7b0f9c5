//! The compact wire form over JSON-RPC (DESIGN §10): `manaflow_getBlockCompact`.

use alloy_primitives::{Bytes, U64};
use serde_json::{Value, json};

use super::Rpc;
use super::error::RpcError;
use crate::node::Node;

/// `manaflow_getBlockCompact`: a committed block's compact bytes, from which a validator
/// holding the chain before it re-derives exactly the canonical block (`manaflow_getRawBlock`).
/// Each tx is re-executed once to learn its witness's order, so this costs about one validation
/// of the block.
pub fn get_block_compact(_rpc: &Rpc, node: &Node, number: U64) -> Result<Value, RpcError> {
    let number = number.to::<u64>();
    if number > node.height() {
        return Err(RpcError::server(format!("block {number} is not mined yet (the tip is {})", node.height())));
    }
    let compact = node.ledger().compact(number).map_err(RpcError::internal)?;
    Ok(json!(Bytes::from(compact.encode())))
}
