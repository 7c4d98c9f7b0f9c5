//! `manaflow_` methods that show the model: a tx's moves, one output of the UTXO set by key, the
//! set's size and commitment, and a block validated forwards or in reverse, step by step.

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256, U256};
use manaflow_evm::EvmVerifier;
use manaflow_ledger::{ForwardStep, MemoryChain, ReverseStep, validate_reverse};
use manaflow_types::{Mark, Move, Output, Position, StateKey, Violation};
use serde_json::{Value, json};

use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::error::RpcError;
use crate::rpc::params::{self, FromParam, height_of_tag};

/// `manaflow_utxoSet`: the UTXO set's height, size and commitment.
pub fn utxo_set(_rpc: &Rpc, node: &Node) -> Result<Value, RpcError> {
    Ok(utxo_summary(node.ledger()))
}

/// [`utxo_set`] of a ledger.
pub fn utxo_summary(ledger: &manaflow_ledger::Ledger) -> Value {
    json!({
        "height": ledger.len().saturating_sub(1),
        "size": ledger.utxo_size(),
        "commitment": ledger.commitment(),
    })
}

/// A move as JSON: its key, the output it references, prev → next, and what kind of move.
pub fn move_json(m: &Move) -> Value {
    json!({
        "mark": m.mark.letter().to_string(),
        "address": m.addr,
        "slot": m.slot,
        "intx": m.intx,
        "prev": m.prev,
        "next": m.next,
        "mask": format!("{:#04x}", m.mask.0),
        "write": m.is_write(),
        "firstUse": m.is_first_use(),
    })
}

/// `manaflow_getMoves`: a mined tx's kind and moves.
pub fn get_moves(_rpc: &Rpc, node: &Node, tx_hash: B256) -> Result<Value, RpcError> {
    let hash = tx_hash;
    let loc = node.ledger().locate(&hash).ok_or_else(|| RpcError::server(format!("transaction {hash} not found")))?;
    let block = node.ledger().block(loc.block).map_err(RpcError::internal)?;
    let tx = &block.txs[loc.index as usize];
    Ok(json!({
        "hash": hash,
        "block": loc.block,
        "index": loc.index,
        "kind": tx.kind_name(),
        "moves": tx.moves().iter().map(move_json).collect::<Vec<_>>(),
    }))
}

/// A state mark param: a string, `b`/`balance`, `n`/`nonce`, `c`/`code` or `s`/`storage`.
impl FromParam for Mark {
    fn from_param(value: Option<Value>, at: params::Position) -> Result<Self, RpcError> {
        match String::from_param(value, at)?.as_str() {
            "b" | "balance" => Ok(Mark::Balance),
            "n" | "nonce" => Ok(Mark::Nonce),
            "c" | "code" => Ok(Mark::Code),
            "s" | "storage" => Ok(Mark::Storage),
            other => Err(at.invalid(format!(
                "{other:?} is not a state mark; use b (balance), n (nonce), c (code) or s (storage)"
            ))),
        }
    }
}

fn output_json(key: &StateKey, output: &Output) -> Value {
    json!({
        "key": key.to_string(),
        "intx": output.intx,
        "value": output.value,
        "written": output.is_written(),
    })
}

/// The state key a method's `(address, mark, slot?)` params name (`slot` only for storage).
pub fn key_of(address: Address, mark: Mark, slot: Option<U256>) -> StateKey {
    match mark {
        Mark::Storage => StateKey::storage(address, B256::from(slot.unwrap_or_default())),
        _ => StateKey { addr: address, mark, slot: B256::ZERO },
    }
}

/// `manaflow_getOutput`: the output of the UTXO set at a key (`slot` only for storage).
pub fn get_output(
    _rpc: &Rpc,
    node: &Node,
    address: Address,
    mark: Mark,
    slot: Option<U256>,
) -> Result<Value, RpcError> {
    let key = key_of(address, mark, slot);
    let output = node.ledger().output(&key).map_err(RpcError::internal)?;
    Ok(output_json(&key, &output))
}

fn violation_json(v: &Violation) -> Value {
    json!({"position": v.position.to_string(), "rule": v.rule.to_string(), "detail": v.detail})
}

fn in_block(position: &Position, block: u64) -> bool {
    position.block == block
}

/// Most blocks `manaflow_validateBlock` replays (in memory).
pub const MAX_VALIDATE_BLOCKS: u64 = 100_000;

/// `manaflow_validateBlock`: replays the chain validating it `"forward"` (the default) or in
/// `"reverse"`; the verdict and the steps of `block`.
pub fn validate_block(rpc: &Rpc, block: BlockNumberOrTag, direction: Option<String>) -> Result<Value, RpcError> {
    // The blocks are found with the node read-locked, then read and validated without the lock.
    let (number, reader, hardfork) = {
        let node = rpc.coordinator.node();
        (height_of_tag(&node, block)?, node.block_reader(), node.config().hardfork)
    };
    let direction = direction.unwrap_or_else(|| "forward".into());
    let count = if direction == "reverse" { reader.len() } else { number + 1 };
    if count > MAX_VALIDATE_BLOCKS {
        return Err(RpcError::invalid_params(format!(
            "validating block {number} {direction} replays {count} blocks in memory; at most {MAX_VALIDATE_BLOCKS}"
        )));
    }
    let blocks = (0..count).map(|n| reader.block(n)).collect::<Result<Vec<_>, _>>().map_err(RpcError::server)?;
    let verifier = EvmVerifier::new(crate::node::chain_runtime(hardfork));
    let mut steps = Vec::new();
    let verdict = match direction.as_str() {
        "forward" => {
            let mut current = 0;
            let mut observe = |step: ForwardStep<'_>| {
                if let ForwardStep::Block { header } = &step {
                    current = header.number;
                }
                if current == number {
                    steps.push(forward_json(&step));
                }
            };
            let (_, result) = MemoryChain::validate(&blocks[..=number as usize], &verifier, &mut observe);
            result.err()
        }
        "reverse" => {
            let mut observe = |step: ReverseStep<'_>| {
                if let Some(json) = reverse_json(&step, number) {
                    steps.push(json);
                }
            };
            validate_reverse(&blocks, &verifier, &mut observe).verdict
        }
        other => {
            return Err(RpcError::invalid_params(format!(
                "param 2 (direction): {other:?}; use \"forward\" or \"reverse\""
            )));
        }
    };
    Ok(json!({
        "block": number,
        "direction": direction,
        "valid": verdict.is_none(),
        "verdict": verdict.as_ref().map(violation_json),
        "steps": steps,
    }))
}

fn forward_json(step: &ForwardStep<'_>) -> Value {
    match step {
        ForwardStep::Block { header } => json!({"step": "block", "number": header.number, "hash": header.hash()}),
        ForwardStep::TxChecked { position, id, failure } => json!({
            "step": "txChecked", "position": position.to_string(), "tx": id,
            "failure": failure.map(violation_json),
        }),
        ForwardStep::Read { position, key, output } => json!({
            "step": "read", "position": position.to_string(), "key": key.to_string(),
            "intx": output.intx, "value": output.value,
        }),
        ForwardStep::Consumed { position, key, output } => json!({
            "step": "consumed", "position": position.to_string(), "key": key.to_string(),
            "intx": output.intx, "value": output.value,
        }),
        ForwardStep::Created { position, key, output } => json!({
            "step": "created", "position": position.to_string(), "key": key.to_string(),
            "intx": output.intx, "value": output.value,
        }),
        ForwardStep::Commitment { block, computed, declared } => json!({
            "step": "commitment", "block": block, "computed": computed, "declared": declared,
        }),
        ForwardStep::Failed { violation } => json!({"step": "failed", "violation": violation_json(violation)}),
    }
}

fn reverse_json(step: &ReverseStep<'_>, number: u64) -> Option<Value> {
    Some(match step {
        ReverseStep::Block { number: n } if *n == number => json!({"step": "block", "number": n}),
        ReverseStep::Discharged { position, key, value, readers, consumed } if in_block(position, number) => json!({
            "step": "discharged", "position": position.to_string(), "key": key.to_string(), "value": value,
            "readers": readers, "consumed": consumed,
        }),
        ReverseStep::Claimed { position, intx, key, value, read, open_claims } if in_block(position, number) => json!({
            "step": "claimed", "position": position.to_string(), "key": key.to_string(), "intx": intx,
            "value": value, "read": read, "openClaims": open_claims,
        }),
        ReverseStep::Found { violation } => json!({"step": "found", "violation": violation_json(violation)}),
        ReverseStep::Commitment { block, computed, declared } if *block == number => json!({
            "step": "commitment", "block": block, "computed": computed, "declared": declared,
        }),
        _ => return None,
    })
}
