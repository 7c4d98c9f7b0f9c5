//! `manaflow_traceTransaction`: the model's own view of a trace. A mined tx is re-executed as the
//! validator re-executes it (against nothing but its declared moves), and each state access is
//! listed in execution order with the move it became, as the REPL's `step` shows it: what a
//! debugger or a teaching tool needs to draw how an execution adds up to a move set.

use std::collections::HashSet;

use alloy_primitives::B256;
use manaflow_types::trace::{Access, Touch};
use serde_json::{Value, json};

use crate::rpc::Rpc;
use crate::rpc::debug::tx_to_replay;
use crate::rpc::error::RpcError;
use crate::rpc::model::move_json;

/// What an access touched, as JSON.
fn touch_json(touch: &Touch) -> Value {
    match touch {
        Touch::StorageRead { slot, value } => json!({"kind": "storageRead", "slot": slot, "value": value}),
        Touch::StorageWrite { slot, value } => json!({"kind": "storageWrite", "slot": slot, "value": value}),
        Touch::Balance { account, value } => json!({"kind": "balance", "account": account, "value": value}),
        Touch::Code { account, value } => json!({"kind": "code", "account": account, "value": value}),
        Touch::Context { value } => json!({"kind": "context", "value": value}),
        Touch::Call { target, code, value } => json!({"kind": "call", "target": target, "code": code, "value": value}),
        Touch::Log(log) => {
            json!({"kind": "log", "address": log.address, "topics": log.data.topics(), "data": log.data.data})
        }
        Touch::Create { created, value } => json!({"kind": "create", "created": created, "value": value}),
    }
}

/// `manaflow_traceTransaction`: each state access of a mined tx with the move it became (its
/// index in the tx's moves, and whether it is that move's first touch), the moves, and whether
/// the re-execution reproduced them.
pub fn trace_transaction(rpc: &Rpc, tx_hash: B256) -> Result<Value, RpcError> {
    let (block, index, replayer) = tx_to_replay(rpc, tx_hash)?;
    let tx = &block.block.txs[index];
    let moves = tx.moves();
    let mut accesses: Vec<Access> = Vec::new();
    let traced = replayer
        .trace(tx, index as u32, &block.block.header, &mut |access| accesses.push(access))
        .map_err(RpcError::internal)?;
    let execution =
        traced.ok_or_else(|| RpcError::invalid_params(format!("{tx_hash} is a system tx, which does not execute")))?;
    let mut seen = HashSet::new();
    let steps: Vec<Value> = accesses
        .iter()
        .map(|access| {
            let key = access.key(moves);
            let position = key.and_then(|k| moves.iter().position(|m| m.key() == k));
            json!({
                "depth": access.depth,
                "contract": access.contract,
                "pc": access.pc,
                "op": access.opcode,
                "host": access.host,
                "touch": touch_json(&access.touch),
                "move": position,
                "firstTouch": key.is_some_and(|k| seen.insert(k)),
            })
        })
        .collect();
    Ok(json!({
        "hash": tx_hash,
        "blockNumber": block.number(),
        "transactionIndex": block.rpc_index(index),
        "kind": tx.kind_name(),
        "steps": steps,
        "moves": moves.iter().map(move_json).collect::<Vec<_>>(),
        "reproduced": execution.moves == moves,
    }))
}
