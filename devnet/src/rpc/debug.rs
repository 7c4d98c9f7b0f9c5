//! geth's debug API: `debug_traceTransaction`, `debug_traceCall` (with state and block
//! overrides), `debug_traceBlockByNumber` and `debug_traceBlockByHash`, with every tracer of
//! [`crate::traces::geth`]. A mined tx is traced by replaying it against its own moves.

use alloy_consensus::transaction::TransactionInfo;
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::B256;
use alloy_rpc_types_eth::TransactionRequest;
use alloy_rpc_types_trace::geth::{GethDebugTracingCallOptions, GethDebugTracingOptions, TraceResult};
use manaflow_types::{OverlayView, Tx};
use serde_json::Value;

use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::convert::ChainBlock;
use crate::rpc::error::RpcError;
use crate::rpc::eth::simulate::{block_header, override_state};
use crate::rpc::eth::{exec_error, request_call};
use crate::rpc::params::{height_of, height_of_tag, to_json};
use crate::traces::{Replayer, Subject, TraceError, geth};

/// A trace failure as the RPC answers it.
pub fn trace_error(error: TraceError) -> RpcError {
    match error {
        TraceError::Exec(e) => exec_error(e),
        TraceError::Unsupported(why) => RpcError::invalid_params(why),
        TraceError::SystemTx(_) => RpcError::invalid_params(error),
        TraceError::Replay(_) => RpcError::internal(error),
    }
}

/// Where the listed tx at ledger index `index` of `block` sits, as the RPC numbers it.
pub fn tx_info(block: &ChainBlock, index: usize) -> TransactionInfo {
    TransactionInfo {
        hash: block.block.txs.get(index).map(Tx::id),
        index: Some(block.rpc_index(index)),
        block_hash: Some(block.hash),
        block_number: Some(block.number()),
        base_fee: Some(block.block.header.base_fee),
        block_timestamp: Some(block.block.header.timestamp),
    }
}

/// The mined tx `tx_hash`: its block and ledger index.
pub fn mined(node: &Node, tx_hash: B256) -> Result<(ChainBlock, usize), RpcError> {
    let loc = node
        .ledger()
        .locate(&tx_hash)
        .ok_or_else(|| RpcError::server(format!("transaction {tx_hash} not found (not mined, or unknown)")))?;
    let block = ChainBlock::read(node, loc.block)?;
    if matches!(block.block.txs.get(loc.index as usize), Some(Tx::System(_)) | None) {
        return Err(RpcError::server(format!("transaction {tx_hash} not found")));
    }
    Ok((block, loc.index as usize))
}

/// The block `number` and its replayer, taken under the node's lock (released on return: the
/// replays run without it).
pub fn block_to_replay(rpc: &Rpc, number: u64) -> Result<(ChainBlock, Replayer), RpcError> {
    let node = rpc.coordinator.node();
    let block = ChainBlock::read(&node, number)?;
    let replayer = Replayer::for_block(&node, &block.block);
    Ok((block, replayer))
}

/// The mined tx `tx_hash`: its block, ledger index and the block's replayer (see
/// [`block_to_replay`]).
pub fn tx_to_replay(rpc: &Rpc, tx_hash: B256) -> Result<(ChainBlock, usize, Replayer), RpcError> {
    let node = rpc.coordinator.node();
    let (block, index) = mined(&node, tx_hash)?;
    let replayer = Replayer::for_block(&node, &block.block);
    Ok((block, index, replayer))
}

/// The subject of the tx at ledger index `index` of `block`.
pub fn mined_subject<'a>(block: &'a ChainBlock, index: usize, replayer: &'a Replayer) -> Subject<'a> {
    Subject::Mined { tx: &block.block.txs[index], index: index as u32, header: &block.block.header, replayer }
}

/// Traces the tx at ledger index `index` of `block` as `options` ask.
fn trace_in_block(
    block: &ChainBlock,
    index: usize,
    replayer: &Replayer,
    options: &GethDebugTracingOptions,
) -> Result<Value, RpcError> {
    let subject = mined_subject(block, index, replayer);
    to_json(geth::trace(&subject, options, tx_info(block, index)).map_err(trace_error)?)
}

/// `debug_traceTransaction`: a mined tx's trace.
pub fn trace_transaction(
    rpc: &Rpc,
    tx_hash: B256,
    options: Option<GethDebugTracingOptions>,
) -> Result<Value, RpcError> {
    let (block, index, replayer) = tx_to_replay(rpc, tx_hash)?;
    trace_in_block(&block, index, &replayer, &options.unwrap_or_default())
}

/// `debug_traceCall`: a call's trace on the state after `block` (latest by default), with the
/// options' state and block overrides.
pub fn trace_call(
    _rpc: &Rpc,
    node: &Node,
    transaction: TransactionRequest,
    block: Option<BlockId>,
    options: Option<GethDebugTracingCallOptions>,
) -> Result<Value, RpcError> {
    let options = options.unwrap_or_default();
    let height = height_of(node, block)?;
    let call = request_call(node, &transaction, height)?;
    let template = node.call_header(&call, height);
    let header = block_header(&template, options.block_overrides.as_ref(), true)?;
    let base = node.view_at(height);
    let mut view = OverlayView::new(&base);
    override_state(&mut view, options.state_overrides.as_ref(), header.number);
    let subject = Subject::Call { call: &call, header: &header, view: &view, node };
    let info = TransactionInfo { block_number: Some(header.number), ..Default::default() };
    to_json(geth::trace(&subject, &options.tracing_options, info).map_err(trace_error)?)
}

/// The traces of every listed tx of block `number`, as geth lists them.
fn trace_block(rpc: &Rpc, number: u64, options: Option<GethDebugTracingOptions>) -> Result<Value, RpcError> {
    let options = options.unwrap_or_default();
    let (block, replayer) = block_to_replay(rpc, number)?;
    let mut results = Vec::new();
    for index in block.listed_indices().collect::<Vec<_>>() {
        let tx_hash = Some(block.block.txs[index].id());
        let result = match trace_in_block(&block, index, &replayer, &options) {
            Ok(value) => {
                TraceResult::Success { result: serde_json::from_value(value).map_err(RpcError::internal)?, tx_hash }
            }
            Err(e) => TraceResult::Error { error: e.message.clone(), tx_hash },
        };
        results.push(result);
    }
    to_json(results)
}

/// `debug_traceBlockByNumber`.
pub fn trace_block_by_number(
    rpc: &Rpc,
    block: BlockNumberOrTag,
    options: Option<GethDebugTracingOptions>,
) -> Result<Value, RpcError> {
    let number = height_of_tag(&rpc.coordinator.node(), block)?;
    trace_block(rpc, number, options)
}

/// `debug_traceBlockByHash`.
pub fn trace_block_by_hash(
    rpc: &Rpc,
    block_hash: B256,
    options: Option<GethDebugTracingOptions>,
) -> Result<Value, RpcError> {
    let number = rpc.coordinator.node().number_of(&block_hash);
    let number = number.ok_or_else(|| RpcError::server(format!("block {block_hash} not found")))?;
    trace_block(rpc, number, options)
}
