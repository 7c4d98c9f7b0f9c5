//! The compact wire form over JSON-RPC (DESIGN §10): `manaflow_getBlockCompact`.

use alloy_primitives::{Bytes, U64};
use serde_json::{Value, json};

use super::Rpc;
use super::error::RpcError;
use crate::node::Node;
use manaflow_ledger::Ledger;

/// `manaflow_getBlockCompact`: a committed block's compact bytes, from which a validator
/// holding the chain before it re-derives exactly the canonical block (`manaflow_getRawBlock`).
/// Each tx is re-executed once to learn its witness's order, so this costs about one validation
/// of the block.
pub fn get_block_compact(_rpc: &Rpc, node: &Node, number: U64) -> Result<Value, RpcError> {
    block_compact(node.ledger(), number)
}

/// [`get_block_compact`] from a ledger.
pub fn block_compact(ledger: &Ledger, number: U64) -> Result<Value, RpcError> {
    let number = super::proofs::sealed(ledger, number)?;
    let compact = ledger.compact(number).map_err(RpcError::internal)?;
    Ok(json!(Bytes::from(compact.encode())))
}
