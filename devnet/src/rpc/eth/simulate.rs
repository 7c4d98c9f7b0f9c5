//! `eth_simulateV1`: calls run in simulated blocks on top of a block, each block with its
//! overrides (number, time, gas limit, coinbase, prevrandao, base fee) and state overrides
//! (balance, nonce, code, storage), every call on the state the calls before it left. With
//! `traceTransfers`, each ether transfer (the tx's own and every internal one that was not
//! reverted) appears among the call's logs, in execution order, as an ERC20 `Transfer` log of
//! the address `0xeeee…eeee`, as the spec says. Nothing is written. Bounded: at most [`MAX_BLOCKS`] blocks and [`MAX_CALLS`] calls in all.

use alloy_eips::BlockId;
use alloy_primitives::{B256, U64, U256, keccak256};
use alloy_rpc_types_eth::BlockOverrides;
use alloy_rpc_types_eth::simulate::{SimBlock, SimulatePayload};
use alloy_rpc_types_eth::state::StateOverride;
use manaflow_types::{Call, Execution, Header, Output, OverlayView, Runtime, StateKey, StateView, Status};
use serde_json::{Value, json};

use super::transfer_logs::TransferLogs;
use super::{exec_error, request_call};
use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::error::RpcError;
use crate::rpc::params::height_of;

/// Most simulated blocks a request may ask for.
pub const MAX_BLOCKS: usize = 256;
/// Most calls a request may ask for, over all its blocks.
pub const MAX_CALLS: usize = 1_000;

/// `eth_simulateV1`: the simulated blocks with each call's result.
pub fn simulate_v1(
    _rpc: &Rpc,
    node: &Node,
    payload: SimulatePayload,
    block: Option<BlockId>,
) -> Result<Value, RpcError> {
    let blocks = payload.block_state_calls.len();
    let calls: usize = payload.block_state_calls.iter().map(|b| b.calls.len()).sum();
    if blocks > MAX_BLOCKS || calls > MAX_CALLS {
        return Err(RpcError::invalid_params(format!(
            "{blocks} blocks and {calls} calls asked; eth_simulateV1 takes at most {MAX_BLOCKS} blocks and \
             {MAX_CALLS} calls"
        )));
    }
    let height = height_of(node, block)?;
    let base = node.view_at(height);
    let mut view = OverlayView::new(&base);
    let parent = node.ledger().header(height).map_err(RpcError::internal)?.unwrap_or_else(|| node.tip().clone());
    let mut parent_hash = parent.hash();
    let mut template = Header { number: height + 1, timestamp: parent.timestamp + 1, ..node.next_header() };
    if height >= node.height() {
        template.timestamp = node.next_timestamp();
    }
    let mut out = Vec::with_capacity(blocks);
    for (i, sim) in payload.block_state_calls.iter().enumerate() {
        if i > 0 {
            template.number += 1;
            template.timestamp += 1;
        }
        let header = block_header(&template, sim.block_overrides.as_ref(), payload.validation)?;
        override_state(&mut view, sim.state_overrides.as_ref(), header.number);
        let run = Run { header: &header, parent_hash: &parent_hash, trace_transfers: payload.trace_transfers };
        let (results, gas_used, hashes) = run_calls(node, &mut view, sim, &run)?;
        let hash = keccak256([parent_hash.as_slice(), &header.number.to_be_bytes()].concat());
        out.push(json!({
            "number": U64::from(header.number),
            "hash": hash,
            "parentHash": parent_hash,
            "timestamp": U64::from(header.timestamp),
            "gasLimit": U64::from(header.gas_limit),
            "gasUsed": U64::from(gas_used),
            "baseFeePerGas": U64::from(header.base_fee),
            "miner": header.coinbase,
            "mixHash": header.prevrandao,
            "transactions": hashes,
            "calls": results,
        }));
        parent_hash = hash;
        template = Header { number: header.number, timestamp: header.timestamp, ..template };
    }
    Ok(Value::Array(out))
}

/// The header of a simulated block: the template with the block's overrides. Without
/// validation the base fee is 0 unless overridden, so calls without a price run, as geth's do.
pub(crate) fn block_header(
    template: &Header,
    overrides: Option<&BlockOverrides>,
    validation: bool,
) -> Result<Header, RpcError> {
    let mut header = template.clone();
    if !validation {
        header.base_fee = 0;
    }
    if let Some(o) = overrides {
        let word = |v: U256, what: &str| {
            u64::try_from(v)
                .map_err(|_| RpcError::invalid_params(format!("block override {what} {v} is over 2^64 - 1")))
        };
        if let Some(number) = o.number {
            header.number = word(number, "number")?;
        }
        if let Some(time) = o.time {
            header.timestamp = time;
        }
        if let Some(gas_limit) = o.gas_limit {
            header.gas_limit = gas_limit;
        }
        if let Some(coinbase) = o.coinbase {
            header.coinbase = coinbase;
        }
        if let Some(random) = o.random {
            header.prevrandao = random;
        }
        if let Some(base_fee) = o.base_fee {
            header.base_fee = word(base_fee, "baseFeePerGas")?;
        }
    }
    Ok(header)
}

/// Puts a block's state overrides on top of `view`.
pub(crate) fn override_state(view: &mut OverlayView<'_>, overrides: Option<&StateOverride>, number: u64) {
    let Some(overrides) = overrides else { return };
    // The overrides are the outputs of a stand-in tx of this simulated block.
    let intx = keccak256([b"eth_simulateV1 override".as_slice(), &number.to_be_bytes()].concat());
    let set = |view: &mut OverlayView<'_>, key: StateKey, value: B256| view.set(key, Output { intx, value });
    for (address, account) in overrides {
        if let Some(balance) = account.balance {
            set(view, StateKey::balance(*address), B256::from(balance));
        }
        if let Some(nonce) = account.nonce {
            set(view, StateKey::nonce(*address), B256::from(U256::from(nonce)));
        }
        if let Some(code) = &account.code {
            let hash = if code.is_empty() { B256::ZERO } else { keccak256(code) };
            view.add_code(code.clone());
            set(view, StateKey::code(*address), hash);
        }
        for slots in [&account.state, &account.state_diff].into_iter().flatten() {
            for (slot, value) in slots {
                set(view, StateKey::storage(*address, *slot), *value);
            }
        }
    }
}

/// How a simulated block's calls run.
struct Run<'a> {
    header: &'a Header,
    parent_hash: &'a B256,
    /// Whether ether transfers appear as logs.
    trace_transfers: bool,
}

/// Runs `call` in the simulated block; with `traceTransfers`, its logs hold its ether transfers.
fn execute(node: &Node, call: &Call, view: &OverlayView<'_>, run: &Run<'_>) -> Result<Execution, RpcError> {
    let runtime = node.runtime();
    let execution = if run.trace_transfers {
        runtime.execute_inspected(call, run.header, node.ledger(), view, TransferLogs::default()).0
    } else {
        runtime.execute(call, run.header, node.ledger(), view)
    };
    execution.map_err(exec_error)
}

/// Runs a block's calls in order on `view`; each call's result, the block's gas and the calls'
/// stand-in hashes.
fn run_calls(
    node: &Node,
    view: &mut OverlayView<'_>,
    sim: &SimBlock,
    run: &Run<'_>,
) -> Result<(Vec<Value>, u64, Vec<B256>), RpcError> {
    let (header, parent_hash) = (run.header, run.parent_hash);
    let (mut results, mut hashes) = (Vec::new(), Vec::new());
    let (mut gas_used, mut log_index) = (0u64, 0u64);
    for (index, request) in sim.calls.iter().enumerate() {
        let mut call = request_call(node, request, node.height())?;
        call.nonce = match request.nonce {
            Some(nonce) => nonce,
            None => {
                U256::from_be_bytes(view.output(&StateKey::nonce(call.caller)).map_err(RpcError::internal)?.value.0)
                    .saturating_to()
            }
        };
        if request.gas.is_none() {
            call.gas_limit = header.gas_limit.saturating_sub(gas_used).min(node.gas_cap());
        }
        let execution = execute(node, &call, view, run)?;
        let hash =
            keccak256([parent_hash.as_slice(), &header.number.to_be_bytes(), &(index as u64).to_be_bytes()].concat());
        view.apply(hash, &execution.moves, &execution.codes);
        gas_used += execution.gas_used;
        let logs: Vec<Value> = execution
            .logs
            .iter()
            .map(|log| {
                let json = json!({
                    "address": log.address,
                    "topics": log.data.topics(),
                    "data": log.data.data,
                    "blockNumber": U64::from(header.number),
                    "transactionHash": hash,
                    "transactionIndex": U64::from(index),
                    "logIndex": U64::from(log_index),
                    "removed": false,
                });
                log_index += 1;
                json
            })
            .collect();
        let mut result = json!({
            "returnData": execution.output,
            "logs": logs,
            "gasUsed": U64::from(execution.gas_used),
            "status": if execution.status == Status::Success { "0x1" } else { "0x0" },
        });
        match &execution.status {
            Status::Success => {}
            Status::Revert => {
                result["error"] = json!({"code": 3, "message": "execution reverted", "data": execution.output});
            }
            Status::Halt(reason) => {
                result["error"] = json!({"code": -32015, "message": format!("execution halted: {reason}")});
            }
        }
        results.push(result);
        hashes.push(hash);
    }
    Ok((results, gas_used, hashes))
}
