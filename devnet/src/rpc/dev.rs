//! Anvil's dev methods with their Hardhat aliases: state cheats (each a system tx with its own
//! moves, mined in a block of its own, so the UTXO set stays the single truth), mining control,
//! snapshots, the clock and impersonation.

use alloy_primitives::{Address, B256, Bytes, U64, U256, keccak256};
use manaflow_types::StateKey;
use serde_json::{Value, json};

use crate::coordinator::MiningMode;
use crate::rpc::error::RpcError;
use crate::rpc::params::Params;
use crate::rpc::{Rpc, blocking};

/// Runs `method` if it is one of this family.
pub async fn call(rpc: &Rpc, method: &str, p: &Params) -> Option<Result<Value, RpcError>> {
    let name = method.strip_prefix("anvil_").or_else(|| method.strip_prefix("hardhat_"));
    let result = match (name, method) {
        (Some("setBalance"), _) => p.get::<Address>(0, "address").and_then(|address| {
            let balance: U256 = p.get(1, "balance")?;
            cheat(rpc, vec![(StateKey::balance(address), B256::from(balance))], vec![])
        }),
        (Some("setNonce"), _) => p.get::<Address>(0, "address").and_then(|address| {
            let nonce: U256 = p.get(1, "nonce")?;
            cheat(rpc, vec![(StateKey::nonce(address), B256::from(nonce))], vec![])
        }),
        (Some("setCode"), _) => p.get::<Address>(0, "address").and_then(|address| {
            let code: Bytes = p.get(1, "code")?;
            let (hash, codes) = if code.is_empty() { (B256::ZERO, vec![]) } else { (keccak256(&code), vec![code]) };
            cheat(rpc, vec![(StateKey::code(address), hash)], codes)
        }),
        (Some("setStorageAt"), _) => p.get::<Address>(0, "address").and_then(|address| {
            let slot: U256 = p.get(1, "slot")?;
            let value: B256 = p.get(2, "value")?;
            cheat(rpc, vec![(StateKey::storage(address, B256::from(slot)), value)], vec![]).map(|_| json!(true))
        }),
        (Some("impersonateAccount"), _) => p.get::<Address>(0, "address").map(|address| {
            rpc.coordinator.impersonate(address, true);
            Value::Null
        }),
        (Some("stopImpersonatingAccount"), _) => p.get::<Address>(0, "address").map(|address| {
            rpc.coordinator.impersonate(address, false);
            Value::Null
        }),
        (Some("mine"), _) => mine(rpc, p).await,
        (Some("getAutomine"), _) => Ok(json!(rpc.coordinator.mode() == MiningMode::Auto)),
        (Some("setIntervalMining"), _) => p.get::<u64>(0, "seconds").map(|seconds| {
            let mode = match seconds {
                0 => MiningMode::Manual,
                s => MiningMode::Interval(std::time::Duration::from_secs(s)),
            };
            rpc.coordinator.set_mode(mode);
            Value::Null
        }),
        (Some("nodeInfo"), _) => Ok(node_info(rpc)),
        (Some("metadata"), _) => Ok(metadata(rpc)),
        (_, "evm_mine") => evm_mine(rpc, p).await,
        (_, "evm_setAutomine") => p.get::<bool>(0, "enabled").map(|on| {
            rpc.coordinator.set_mode(if on { MiningMode::Auto } else { MiningMode::Manual });
            Value::Null
        }),
        (_, "evm_snapshot") => Ok(json!(U64::from(rpc.coordinator.snapshot()))),
        (_, "evm_revert") => p
            .get::<U64>(0, "snapshot id")
            .and_then(|id| rpc.coordinator.revert(id.to()).map(|done| json!(done)).map_err(RpcError::server)),
        (_, "evm_increaseTime") => p.get::<Value>(0, "seconds").and_then(|value| {
            let seconds = seconds_param(&value)?;
            Ok(json!(rpc.coordinator.with_node(|node| node.increase_time(seconds))))
        }),
        (_, "evm_setNextBlockTimestamp") => p.get::<Value>(0, "timestamp").and_then(|value| {
            let timestamp = u64::try_from(seconds_param(&value)?)
                .map_err(|_| RpcError::invalid_params("param 1 (timestamp): must not be negative"))?;
            rpc.coordinator.with_node(|node| node.set_next_timestamp(timestamp)).map_err(RpcError::server)?;
            Ok(Value::Null)
        }),
        _ => return None,
    };
    Some(result)
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

fn cheat(rpc: &Rpc, writes: Vec<(StateKey, B256)>, codes: Vec<Bytes>) -> Result<Value, RpcError> {
    blocking(|| rpc.coordinator.cheat(writes, codes)).map(|_| Value::Null).map_err(RpcError::server)
}

async fn mine(rpc: &Rpc, p: &Params) -> Result<Value, RpcError> {
    let count: U64 = p.opt(0, "blocks")?.unwrap_or(U64::from(1));
    let interval: Option<U64> = p.opt(1, "interval")?;
    blocking(|| rpc.coordinator.mine_blocks(count.to(), interval.map(|i| i.to()))).map_err(RpcError::server)?;
    Ok(Value::Null)
}

async fn evm_mine(rpc: &Rpc, p: &Params) -> Result<Value, RpcError> {
    match p.opt::<Value>(0, "timestamp or options")? {
        Some(Value::Object(options)) => {
            if let Some(timestamp) = options.get("timestamp") {
                set_timestamp(rpc, timestamp)?;
            }
            let blocks = match options.get("blocks") {
                Some(value) => seconds_param(value)? as u64,
                None => 1,
            };
            blocking(|| rpc.coordinator.mine_blocks(blocks, None)).map_err(RpcError::server)?;
        }
        Some(timestamp) => {
            set_timestamp(rpc, &timestamp)?;
            blocking(|| rpc.coordinator.mine_blocks(1, None)).map_err(RpcError::server)?;
        }
        None => blocking(|| rpc.coordinator.mine_blocks(1, None)).map_err(RpcError::server)?,
    }
    Ok(json!("0x0"))
}

fn set_timestamp(rpc: &Rpc, value: &Value) -> Result<(), RpcError> {
    let timestamp = seconds_param(value)?.max(0) as u64;
    rpc.coordinator.with_node(|node| node.set_next_timestamp(timestamp)).map_err(RpcError::server)
}

fn node_info(rpc: &Rpc) -> Value {
    let node = rpc.coordinator.node();
    let tip = node.tip();
    json!({
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
    })
}

fn metadata(rpc: &Rpc) -> Value {
    let node = rpc.coordinator.node();
    let tip = node.tip();
    json!({
        "clientVersion": format!("manaflow/v{}", env!("CARGO_PKG_VERSION")),
        "chainId": node.chain_id(),
        "instanceId": node.ledger().header(0).map(|h| h.hash()).unwrap_or_default(),
        "latestBlockNumber": node.height(),
        "latestBlockHash": tip.hash(),
    })
}
