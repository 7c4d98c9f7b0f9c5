//! Anvil's dev methods (the table in [`crate::rpc::methods`] lists each under its `anvil_` and
//! `hardhat_` names) and Hardhat's `evm_` methods: state cheats (each a system tx with its own
//! moves, merged into the pending system tx the next block carries, so the UTXO set stays the
//! single truth), mining control, snapshots, the clock, impersonation and the next blocks'
//! settings (gas limit, coinbase, base fee, prevrandao).

use alloy_primitives::{Address, B256, Bytes, U64, U256, keccak256};
use manaflow_types::StateKey;
use serde_json::{Value, json};

use crate::coordinator::{MAX_BLOCK_INTERVAL, MAX_MINE_BLOCKS, MiningMode};
use crate::dump::StateDump;
use crate::error::StateError;
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

/// A block count a request may mine: at most [`MAX_MINE_BLOCKS`].
fn block_count(count: u64) -> Result<u64, RpcError> {
    if count > MAX_MINE_BLOCKS {
        return Err(RpcError::invalid_params(format!(
            "{count} blocks asked; one request mines at most {MAX_MINE_BLOCKS} (send several)"
        )));
    }
    Ok(count)
}

/// An interval between blocks: at most [`MAX_BLOCK_INTERVAL`].
fn interval(every: std::time::Duration, asked: impl std::fmt::Display) -> Result<MiningMode, RpcError> {
    if every > MAX_BLOCK_INTERVAL {
        return Err(RpcError::invalid_params(format!(
            "an interval of {asked} is longer than the longest this node mines at, {} s (a year)",
            MAX_BLOCK_INTERVAL.as_secs()
        )));
    }
    Ok(MiningMode::Interval(every))
}

/// `anvil_mine`: mines `blocks` blocks (1 when absent, at most [`MAX_MINE_BLOCKS`]),
/// `interval` seconds apart.
pub fn mine(rpc: &Rpc, blocks: Option<U64>, interval: Option<U64>) -> Result<Value, RpcError> {
    let count = block_count(blocks.map_or(1, |b| b.to()))?;
    rpc.coordinator.mine_blocks(count, interval.map(|i| i.to())).map_err(RpcError::server)?;
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
        s => interval(std::time::Duration::from_secs(s), format_args!("{s} s"))?,
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
                Some(value) => match seconds_param(value)? {
                    n if n < 0 => {
                        return Err(RpcError::invalid_params(format!("blocks must not be negative, got {n}")));
                    }
                    n => block_count(n as u64)?,
                },
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
        "instanceId": node.ledger().genesis().map(|h| h.hash()).unwrap_or_default(),
        "latestBlockNumber": node.height(),
        "latestBlockHash": tip.hash(),
    }))
}

/// `evm_setBlockGasLimit` (and `anvil_`/`hardhat_setBlockGasLimit`): the next blocks' gas limit;
/// `true`.
pub fn set_block_gas_limit(rpc: &Rpc, gas_limit: U256) -> Result<Value, RpcError> {
    let gas_limit: u64 = gas_limit
        .try_into()
        .ok()
        .filter(|gas| *gas >= 21_000)
        .ok_or_else(|| RpcError::invalid_params(format!("gas limit {gas_limit}: give 21000 to 2^64 - 1")))?;
    rpc.coordinator.set_gas_limit(gas_limit);
    Ok(json!(true))
}

/// `anvil_setCoinbase`: the coinbase the next blocks name (what `COINBASE` reads; fees are
/// burned whatever it is).
pub fn set_coinbase(rpc: &Rpc, address: Address) -> Result<Value, RpcError> {
    rpc.coordinator.with_node(|node| node.set_coinbase(address));
    Ok(Value::Null)
}

/// `anvil_setNextBlockBaseFeePerGas`: the next block's base fee (later blocks follow EIP-1559
/// from it).
pub fn set_next_block_base_fee(rpc: &Rpc, base_fee: U256) -> Result<Value, RpcError> {
    let base_fee: u64 = base_fee
        .try_into()
        .map_err(|_| RpcError::invalid_params(format!("base fee {base_fee} is above 2^64 - 1 wei")))?;
    rpc.coordinator.with_node(|node| node.set_next_base_fee(base_fee));
    Ok(Value::Null)
}

/// `hardhat_setPrevRandao` (and `anvil_setPrevRandao`): the next block's prevrandao; `true`.
pub fn set_prev_randao(rpc: &Rpc, prevrandao: B256) -> Result<Value, RpcError> {
    rpc.coordinator.with_node(|node| node.set_next_prevrandao(prevrandao));
    Ok(json!(true))
}

/// `anvil_setMinGasPrice`: refused, as Anvil refuses it, since EIP-1559 prices every block by its
/// base fee (use `anvil_setNextBlockBaseFeePerGas`).
pub fn set_min_gas_price(_rpc: &Rpc, _gas_price: U256) -> Result<Value, RpcError> {
    Err(RpcError::invalid_params(
        "anvil_setMinGasPrice is not supported when EIP-1559 is active; use anvil_setNextBlockBaseFeePerGas",
    ))
}

/// `anvil_autoImpersonateAccount`: every sender may send without a key (`true`), or only the
/// accounts impersonated one by one (`false`).
pub fn auto_impersonate(rpc: &Rpc, enabled: bool) -> Result<Value, RpcError> {
    rpc.coordinator.impersonate_all(enabled);
    Ok(Value::Null)
}

/// `anvil_setLoggingEnabled`: turns the node's request logging and its `console.log` output on
/// or off (`RUST_LOG` still chooses the level; `--silent` keeps the console quiet).
pub fn set_logging_enabled(rpc: &Rpc, enabled: bool) -> Result<Value, RpcError> {
    rpc.logging.store(enabled, std::sync::atomic::Ordering::Release);
    rpc.coordinator.console.set_enabled(enabled);
    Ok(Value::Null)
}

/// `evm_setIntervalMining`: a block every `milliseconds` (Hardhat's unit), or, with 0, mining only
/// on request.
pub fn set_interval_mining_ms(rpc: &Rpc, milliseconds: u64) -> Result<Value, RpcError> {
    let mode = match milliseconds {
        0 => MiningMode::Manual,
        ms => interval(std::time::Duration::from_millis(ms), format_args!("{ms} ms"))?,
    };
    rpc.coordinator.set_mode(mode);
    Ok(Value::Null)
}

/// `anvil_dumpState`: the latest state (pending cheats applied) in Anvil's format, as hex of
/// gzipped JSON.
pub fn dump_state(rpc: &Rpc) -> Result<Value, RpcError> {
    let dump = rpc.coordinator.dump_state().map_err(RpcError::server)?;
    Ok(json!(dump.to_gzip().map_err(RpcError::internal)?))
}

/// `anvil_loadState`: merges a dump (gzipped or plain JSON, as Anvil writes them) into the
/// pending cheats the next block carries; `true`.
pub fn load_state(rpc: &Rpc, state: Bytes) -> Result<Value, RpcError> {
    let dump = StateDump::decode(&state).map_err(RpcError::invalid_params)?;
    match rpc.coordinator.load_state(&dump) {
        Ok(_) => Ok(json!(true)),
        Err(e @ StateError::StorageWithoutAccount(_)) => Err(RpcError::invalid_params(e)),
        Err(e) => Err(RpcError::server(e)),
    }
}

/// `anvil_reset` (and `hardhat_reset`): back to a fresh genesis. Forking is not supported: a
/// `forking` option is refused, naming it.
pub fn reset(rpc: &Rpc, options: Option<Value>) -> Result<Value, RpcError> {
    if let Some(forking) = options.as_ref().and_then(|o| o.get("forking")).filter(|f| !f.is_null()) {
        return Err(RpcError::invalid_params(format!(
            "forking is not supported by this devnet (got {forking}); call anvil_reset without it for a fresh genesis"
        )));
    }
    rpc.coordinator.reset().map_err(RpcError::server)?;
    Ok(Value::Null)
}
