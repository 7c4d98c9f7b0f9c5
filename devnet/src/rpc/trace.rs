//! Parity's trace API as Anvil answers it: `trace_transaction`, `trace_block`, `trace_filter`,
//! `trace_call`, `trace_replayTransaction` and `trace_replayBlockTransactions`
//! ([`crate::traces::parity`]; `stateDiff` from the moves).

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::B256;
use alloy_primitives::map::HashSet;
use alloy_rpc_types_eth::TransactionRequest;
use alloy_rpc_types_trace::filter::TraceFilter;
use alloy_rpc_types_trace::parity::{LocalizedTransactionTrace, TraceResultsWithTransactionHash, TraceType};
use manaflow_types::OverlayView;
use serde_json::Value;

use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::convert::ChainBlock;
use crate::rpc::debug::{block_to_replay, mined_subject, trace_error, tx_info, tx_to_replay};
use crate::rpc::error::RpcError;
use crate::rpc::eth::request_call;
use crate::rpc::params::{height_of, height_of_tag, to_json};
use crate::traces::{Replayer, Subject, parity};

/// Most blocks one `trace_filter` may scan.
pub const MAX_FILTER_BLOCKS: u64 = 10_000;
/// Most traces one `trace_filter` answers.
pub const MAX_FILTER_TRACES: usize = 10_000;

/// The call traces of the tx at ledger index `index` of `block`.
fn block_tx_traces(
    block: &ChainBlock,
    index: usize,
    replayer: &Replayer,
) -> Result<Vec<LocalizedTransactionTrace>, RpcError> {
    parity::transaction_traces(&mined_subject(block, index, replayer), tx_info(block, index)).map_err(trace_error)
}

/// The call traces of every listed tx of `block`, in order.
fn block_traces(block: &ChainBlock, replayer: &Replayer) -> Result<Vec<LocalizedTransactionTrace>, RpcError> {
    let mut traces = Vec::new();
    for index in block.listed_indices().collect::<Vec<_>>() {
        traces.extend(block_tx_traces(block, index, replayer)?);
    }
    Ok(traces)
}

/// `trace_transaction`: a mined tx's call traces; null for an unknown tx.
pub fn transaction(rpc: &Rpc, tx_hash: B256) -> Result<Value, RpcError> {
    if rpc.coordinator.node().ledger().locate(&tx_hash).is_none() {
        return Ok(Value::Null);
    }
    let (block, index, replayer) = tx_to_replay(rpc, tx_hash)?;
    to_json(block_tx_traces(&block, index, &replayer)?)
}

/// `trace_block`: the call traces of a block's txs; null when there is no such block.
pub fn block(rpc: &Rpc, block: BlockNumberOrTag) -> Result<Value, RpcError> {
    let Ok(number) = height_of_tag(&rpc.coordinator.node(), block) else { return Ok(Value::Null) };
    let (block, replayer) = block_to_replay(rpc, number)?;
    to_json(block_traces(&block, &replayer)?)
}

/// `trace_filter`: the call traces of the blocks in range that match the filter's addresses,
/// after `after` of them, at most `count`. Bounded to [`MAX_FILTER_BLOCKS`] blocks; each block is
/// read under the node's lock and replayed without it.
pub fn filter(rpc: &Rpc, filter: TraceFilter) -> Result<Value, RpcError> {
    let tip = rpc.coordinator.node().height();
    let from = filter.from_block.unwrap_or(0);
    let to = filter.to_block.unwrap_or(tip).min(tip);
    if from > to {
        return Ok(Value::Array(Vec::new()));
    }
    if to - from >= MAX_FILTER_BLOCKS {
        return Err(RpcError::invalid_params(format!(
            "trace_filter scans at most {MAX_FILTER_BLOCKS} blocks; {from} to {to} is {} (narrow fromBlock/toBlock)",
            to - from + 1
        )));
    }
    let matcher = filter.matcher();
    let skip = filter.after.unwrap_or(0) as usize;
    let take = filter.count.map_or(MAX_FILTER_TRACES, |c| (c as usize).min(MAX_FILTER_TRACES));
    let mut found = Vec::new();
    let mut seen = 0usize;
    'blocks: for number in from..=to {
        let (block, replayer) = block_to_replay(rpc, number)?;
        for trace in block_traces(&block, &replayer)? {
            if !matcher.matches(&trace.trace) {
                continue;
            }
            seen += 1;
            if seen <= skip {
                continue;
            }
            found.push(trace);
            if found.len() >= take {
                break 'blocks;
            }
        }
    }
    to_json(found)
}

fn types(trace_types: Vec<TraceType>) -> HashSet<TraceType> {
    trace_types.into_iter().collect()
}

/// `trace_call`: a call's traces on the state after `block` (latest by default).
pub fn call(
    _rpc: &Rpc,
    node: &Node,
    transaction: TransactionRequest,
    trace_types: Vec<TraceType>,
    block: Option<BlockId>,
) -> Result<Value, RpcError> {
    let height = height_of(node, block)?;
    let call = request_call(node, &transaction, height)?;
    let header = node.call_header(&call, height);
    let base = node.view_at(height);
    let view = OverlayView::new(&base);
    let subject = Subject::Call { call: &call, header: &header, view: &view, node };
    to_json(parity::replay(&subject, &types(trace_types)).map_err(trace_error)?)
}

/// `trace_replayTransaction`: a mined tx's traces of the kinds asked.
pub fn replay_transaction(rpc: &Rpc, tx_hash: B256, trace_types: Vec<TraceType>) -> Result<Value, RpcError> {
    let (block, index, replayer) = tx_to_replay(rpc, tx_hash)?;
    to_json(parity::replay(&mined_subject(&block, index, &replayer), &types(trace_types)).map_err(trace_error)?)
}

/// `trace_replayBlockTransactions`: each listed tx's traces of the kinds asked, with its hash.
pub fn replay_block_transactions(
    rpc: &Rpc,
    block: BlockNumberOrTag,
    trace_types: Vec<TraceType>,
) -> Result<Value, RpcError> {
    let number = height_of_tag(&rpc.coordinator.node(), block)?;
    let (block, replayer) = block_to_replay(rpc, number)?;
    let types = types(trace_types);
    let mut results = Vec::new();
    for index in block.listed_indices().collect::<Vec<_>>() {
        let full_trace = parity::replay(&mined_subject(&block, index, &replayer), &types).map_err(trace_error)?;
        results.push(TraceResultsWithTransactionHash { full_trace, transaction_hash: block.block.txs[index].id() });
    }
    to_json(results)
}
