//! Executing without committing: `eth_call`, `eth_estimateGas` (a binary search over the gas
//! limit), and `eth_feeHistory`.

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{TxKind, U64};
use alloy_rpc_types_eth::{FeeHistory, TransactionRequest};
use manaflow_types::{Call, ExecError, Execution, Status};
use serde_json::{Value, json};

use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::convert::ChainBlock;
use crate::rpc::error::RpcError;
use crate::rpc::params::{height_of, height_of_tag, to_json};

/// The call a request describes, run on the state after `height` by `node`.
pub fn request_call(node: &Node, request: &TransactionRequest, height: u64) -> Result<Call, RpcError> {
    let caller = request.from.unwrap_or_default();
    let nonce = node.nonce_at(caller, height).map_err(RpcError::internal)?;
    let max_fee = request.max_fee_per_gas.or(request.gas_price).unwrap_or_default();
    let tip = request.max_priority_fee_per_gas;
    let authorizations = request.authorization_list.clone().unwrap_or_default();
    let tx_type = if !authorizations.is_empty() {
        4
    } else if request.max_fee_per_gas.is_some() || tip.is_some() {
        2
    } else if request.access_list.is_some() {
        1
    } else {
        0
    };
    Ok(Call {
        tx_type,
        caller,
        to: match request.to {
            Some(TxKind::Call(to)) => Some(to),
            _ => None,
        },
        value: request.value.unwrap_or_default(),
        input: request.input.input().cloned().unwrap_or_default(),
        gas_limit: request.gas.unwrap_or(node.gas_cap()).min(node.gas_cap()),
        max_fee_per_gas: max_fee.max(tip.unwrap_or_default()),
        max_priority_fee_per_gas: if tx_type >= 2 { Some(tip.unwrap_or_default()) } else { None },
        nonce,
        chain_id: Some(node.chain_id()),
        access_list: request.access_list.clone().unwrap_or_default(),
        authorization_list: authorizations,
    })
}

/// An execution as `eth_call` answers it: the output, or the revert as error 3.
fn call_result(execution: Result<Execution, ExecError>) -> Result<Execution, RpcError> {
    let execution = execution.map_err(exec_error)?;
    match &execution.status {
        Status::Success => Ok(execution),
        Status::Revert => Err(RpcError::reverted(&execution.output)),
        Status::Halt(reason) => Err(RpcError::server(format!("execution halted: {reason}"))),
    }
}

/// A runtime error as an RPC error.
pub fn exec_error(error: ExecError) -> RpcError {
    match error {
        ExecError::Rejected(rejection) => RpcError::server(rejection),
        other => RpcError::internal(other),
    }
}

/// `eth_call`: runs `transaction` on the state after `block` (the latest when absent); its
/// output, or its revert as error 3.
pub fn call(
    rpc: &Rpc,
    node: &Node,
    transaction: TransactionRequest,
    block: Option<BlockId>,
) -> Result<Value, RpcError> {
    let height = height_of(node, block)?;
    let call = request_call(node, &transaction, height)?;
    let simulated = node.simulate(&call, height);
    if let Ok(execution) = &simulated {
        rpc.coordinator.console.print("eth_call", &execution.console);
    }
    let execution = call_result(simulated)?;
    Ok(json!(execution.output))
}

/// The least gas limit with which `call` succeeds on the state after `height`.
pub fn estimate(node: &Node, call: Call, height: u64) -> Result<u64, RpcError> {
    estimate_with(node, call, height, |_| {})
}

/// As [`estimate`], handing the first execution (at the cap) to `first`: the one whose
/// `console.log` lines are printed, once per request rather than once per bisection step.
pub fn estimate_with(
    node: &Node,
    mut call: Call,
    height: u64,
    first: impl FnOnce(&Execution),
) -> Result<u64, RpcError> {
    let cap = call.gas_limit;
    let simulated = node.simulate(&call, height);
    if let Ok(execution) = &simulated {
        first(execution);
    }
    let execution = call_result(simulated)?;
    let mut succeeds = |gas: u64| {
        call.gas_limit = gas;
        matches!(node.simulate(&call, height), Ok(Execution { status: Status::Success, .. }))
    };
    // Most calls succeed with what they used plus the 1/64 kept back by each CALL.
    let (mut low, mut high) = (execution.gas_used.saturating_sub(1), cap);
    let guess = (execution.gas_used.saturating_mul(64) / 63).saturating_add(2_300).min(cap);
    if guess < high && succeeds(guess) {
        high = guess;
    }
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if succeeds(mid) { high = mid } else { low = mid }
    }
    Ok(high)
}

/// `eth_estimateGas`: the least gas limit with which `transaction` succeeds after `block`.
pub fn estimate_gas(
    rpc: &Rpc,
    node: &Node,
    transaction: TransactionRequest,
    block: Option<BlockId>,
) -> Result<Value, RpcError> {
    let height = height_of(node, block)?;
    let call = request_call(node, &transaction, height)?;
    let print = |execution: &Execution| rpc.coordinator.console.print("eth_estimateGas", &execution.console);
    Ok(json!(U64::from(estimate_with(node, call, height, print)?)))
}

/// `eth_feeHistory`: base fees, gas used ratios and, with `reward_percentiles`, the tips paid,
/// for up to 1024 blocks ending at `newest_block`.
pub fn fee_history(
    _rpc: &Rpc,
    node: &Node,
    block_count: U64,
    newest_block: BlockNumberOrTag,
    reward_percentiles: Option<Vec<f64>>,
) -> Result<Value, RpcError> {
    let newest = height_of_tag(node, newest_block)?;
    let percentiles = reward_percentiles;
    let count = block_count.to::<u64>().clamp(1, 1024).min(newest + 1);
    let oldest = newest + 1 - count;
    let mut history = FeeHistory { oldest_block: oldest, ..FeeHistory::default() };
    let mut rewards = Vec::new();
    for h in oldest..=newest {
        let block = ChainBlock::read(node, h)?;
        let header = &block.block.header;
        let gas_used: u64 = block.block.outcomes.iter().map(|o| o.gas_used).sum();
        history.base_fee_per_gas.push(u128::from(header.base_fee));
        history.gas_used_ratio.push(gas_used as f64 / header.gas_limit.max(1) as f64);
        history.base_fee_per_blob_gas.push(u128::from(header.blob_base_fee));
        history.blob_gas_used_ratio.push(0.0);
        if let Some(percentiles) = &percentiles {
            rewards.push(block_rewards(&block, node.chain_id(), percentiles)?);
        }
    }
    let next = if newest == node.height() {
        node.next_base_fee()
    } else {
        node.ledger().header(newest + 1).map_err(RpcError::internal)?.map_or(0, |h| h.base_fee)
    };
    history.base_fee_per_gas.push(u128::from(next));
    history.base_fee_per_blob_gas.push(u128::from(node.tip().blob_base_fee));
    if percentiles.is_some() {
        history.reward = Some(rewards);
    }
    to_json(history)
}

/// The tips paid at each percentile of a block's gas (zeros for an empty block).
fn block_rewards(block: &ChainBlock, chain_id: u64, percentiles: &[f64]) -> Result<Vec<u128>, RpcError> {
    let base_fee = u128::from(block.block.header.base_fee);
    let receipts = block.receipts(chain_id)?;
    let mut tips: Vec<(u128, u64)> =
        receipts.iter().map(|r| (r.effective_gas_price.saturating_sub(base_fee), r.gas_used)).collect();
    if tips.is_empty() {
        return Ok(vec![0; percentiles.len()]);
    }
    tips.sort_unstable();
    let total: u64 = tips.iter().map(|(_, gas)| gas).sum();
    Ok(percentiles
        .iter()
        .map(|pct| {
            let threshold = (total as f64 * pct / 100.0) as u64;
            let mut cumulative = 0;
            tips.iter()
                .find(|(_, gas)| {
                    cumulative += gas;
                    cumulative >= threshold
                })
                .unwrap_or(tips.last().expect("not empty"))
                .0
        })
        .collect())
}
