//! Anvil's dev methods (the table in [`crate::rpc::methods`] lists each under its `anvil_` and
//! `hardhat_` names) and Hardhat's `evm_` methods: state cheats (each a system tx with its own
//! moves, mined in a block of its own, so the UTXO set stays the single truth), mining control,
//! snapshots, the clock and impersonation.

use alloy_primitives::{Address, B256, Bytes, U64, U256, keccak256};
use manaflow_types::StateKey;
use serde_json::{Value, json};

use crate::coordinator::MiningMode;
use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::error::RpcError;

/// `anvil_setBalance`: sets `address`'s balance.
pub fn set_balance(rpc: &Rpc, address: Address, balance: U256) -> Result<Value, RpcError> {
    cheat(rpc, vec![(StateKey::balance(address), B256::from(balance))], vec![])
}

/// `anvil_setNonce`: sets `address`'s nonce.
pub fn set_nonce(rpc: &Rpc, address: Address, nonce: U256) -> Result<Value, RpcError> {
    cheat(rpc, vec![(StateKey::nonce(address), B256::from(nonce))], vec![])
}

/// `anvil_setCode`: sets `address`'s code (empty: none).
pub fn set_code(rpc: &Rpc, address: Address, code: Bytes) -> Result<Value, RpcError> {
    let (hash, codes) = if code.is_empty() { (B256::ZERO, vec![]) } else { (keccak256(&code), vec![code]) };
    cheat(rpc, vec![(StateKey::code(address), hash)], codes)
}

/// `anvil_setStorageAt`: sets one storage slot of `address`; `true`.
pub fn set_storage_at(rpc: &Rpc, address: Address, slot: U256, value: B256) -> Result<Value, RpcError> {
    cheat(rpc, vec![(StateKey::storage(address, B256::from(slot)), value)], vec![]).map(|_| json!(true))
}

/// Mines a cheat's writes as a system tx (long work: run through [`crate::rpc::blocking`]).
fn cheat(rpc: &Rpc, writes: Vec<(StateKey, B256)>, codes: Vec<Bytes>) -> Result<Value, RpcError> {
    rpc.coordinator.cheat(writes, codes).map(|_| Value::Null).map_err(RpcError::server)
}

/// `anvil_impersonateAccount`: `eth_sendTransaction` from `address` needs no key from now on.
pub fn impersonate(rpc: &Rpc, address: Address) -> Result<Value, RpcError> {
    rpc.coordinator.impersonate(address, true);
    Ok(Value::Null)
}

/// `anvil_stopImpersonatingAccount`.
pub fn stop_impersonating(rpc: &Rpc, address: Address) -> Result<Value, RpcError> {
    rpc.coordinator.impersonate(address, false);
    Ok(Value::Null)
}

/// `anvil_mine`: mines `blocks` blocks (1 when absent), `interval` seconds apart.
pub fn mine(rpc: &Rpc, blocks: Option<U64>, interval: Option<U64>) -> Result<Value, RpcError> {
    let count = blocks.unwrap_or(U64::from(1));
    rpc.coordinator.mine_blocks(count.to(), interval.map(|i| i.to())).map_err(RpcError::server)?;
    Ok(Value::Null)
}

/// `anvil_getAutomine`: whether each tx is mined as it arrives.
pub fn get_automine(rpc: &Rpc) -> Result<Value, RpcError> {
    Ok(json!(rpc.coordinator.mode() == MiningMode::Auto))
}

/// `anvil_setIntervalMining`: a block every `seconds` (0: manual mining).
pub fn set_interval_mining(rpc: &Rpc, seconds: u64) -> Result<Value, RpcError> {
    let mode = match seconds {
        0 => MiningMode::Manual,
        s => MiningMode::Interval(std::time::Duration::from_secs(s)),
    };
    rpc.coordinator.set_mode(mode);
    Ok(Value::Null)
}

/// `evm_mine`: mines one block, optionally at a timestamp, or `{"timestamp", "blocks"}` blocks;
/// `"0x0"`.
pub fn evm_mine(rpc: &Rpc, timestamp_or_options: Option<Value>) -> Result<Value, RpcError> {
    match timestamp_or_options {
        Some(Value::Object(options)) => {
            if let Some(timestamp) = options.get("timestamp") {
                set_timestamp(rpc, timestamp)?;
            }
            let blocks = match options.get("blocks") {
                Some(value) => seconds_param(value)? as u64,
                None => 1,
            };
            rpc.coordinator.mine_blocks(blocks, None).map_err(RpcError::server)?;
        }
        Some(timestamp) => {
            set_timestamp(rpc, &timestamp)?;
            rpc.coordinator.mine_blocks(1, None).map_err(RpcError::server)?;
        }
        None => rpc.coordinator.mine_blocks(1, None).map_err(RpcError::server)?,
    }
    Ok(json!("0x0"))
}

fn set_timestamp(rpc: &Rpc, value: &Value) -> Result<(), RpcError> {
    let timestamp = seconds_param(value)?.max(0) as u64;
    rpc.coordinator.with_node(|node| node.set_next_timestamp(timestamp)).map_err(RpcError::server)
}

/// `evm_setAutomine`: automine on, or manual mining.
pub fn set_automine(rpc: &Rpc, enabled: bool) -> Result<Value, RpcError> {
    rpc.coordinator.set_mode(if enabled { MiningMode::Auto } else { MiningMode::Manual });
    Ok(Value::Null)
}

/// `evm_snapshot`: the id of a snapshot of the chain as it is.
pub fn snapshot(rpc: &Rpc) -> Result<Value, RpcError> {
    Ok(json!(U64::from(rpc.coordinator.snapshot())))
}

/// `evm_revert`: back to a snapshot (later ones are dropped); whether it existed.
pub fn revert(rpc: &Rpc, snapshot_id: U64) -> Result<Value, RpcError> {
    rpc.coordinator.revert(snapshot_id.to()).map(|done| json!(done)).map_err(RpcError::server)
}

/// `evm_increaseTime`: moves the clock `seconds` on (a number or a hex or decimal string); the
/// total offset.
pub fn increase_time(rpc: &Rpc, seconds: Value) -> Result<Value, RpcError> {
    let seconds = seconds_param(&seconds)?;
    Ok(json!(rpc.coordinator.with_node(|node| node.increase_time(seconds))))
}

/// `evm_setNextBlockTimestamp`: the next block's timestamp.
pub fn set_next_block_timestamp(rpc: &Rpc, timestamp: Value) -> Result<Value, RpcError> {
    let timestamp = u64::try_from(seconds_param(&timestamp)?)
        .map_err(|_| RpcError::invalid_params("param 1 (timestamp): must not be negative"))?;
    rpc.coordinator.with_node(|node| node.set_next_timestamp(timestamp)).map_err(RpcError::server)?;
    Ok(Value::Null)
}

/// A number of seconds given as a JSON number or a hex/decimal string.
fn seconds_param(value: &Value) -> Result<i64, RpcError> {
    let parsed = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => match s.strip_prefix("0x") {
            Some(hex) => i64::from_str_radix(hex, 16).ok(),
            None => s.parse().ok(),
        },
        _ => None,
    };
    parsed.ok_or_else(|| RpcError::invalid_params(format!("expected a number of seconds, got {value}")))
}

/// `anvil_nodeInfo`: the tip, the fork, the fees and the chain id, as Anvil reports them.
pub fn node_info(_rpc: &Rpc, node: &Node) -> Result<Value, RpcError> {
    let tip = node.tip();
    Ok(json!({
        "currentBlockNumber": node.height(),
        "currentBlockTimestamp": tip.timestamp,
        "currentBlockHash": tip.hash(),
        "hardFork": node.config().hardfork.name(),
        "transactionOrder": "fifo",
        "environment": {
            "baseFee": node.next_base_fee().to_string(),
            "chainId": node.chain_id(),
            "gasLimit": node.config().gas_limit.to_string(),
            "gasPrice": (u128::from(node.next_base_fee()) + crate::rpc::eth::DEFAULT_PRIORITY_FEE).to_string(),
        },
        "forkConfig": {},
        "network": "manaflow",
    }))
}

/// `anvil_metadata`: the client, the chain id, the genesis hash as instance id, and the tip.
pub fn metadata(_rpc: &Rpc, node: &Node) -> Result<Value, RpcError> {
    let tip = node.tip();
    Ok(json!({
        "clientVersion": crate::rpc::eth::state::client_version_string(),
        "chainId": node.chain_id(),
        "instanceId": node.ledger().header(0).map(|h| h.hash()).unwrap_or_default(),
        "latestBlockNumber": node.height(),
        "latestBlockHash": tip.hash(),
    }))
}
