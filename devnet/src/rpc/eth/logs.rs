//! Logs and polled filters: `eth_getLogs` over a block range or hash, and the filters of
//! [`crate::rpc::filters`] installed, polled and removed.

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::U256;
use alloy_rpc_types_eth::{Filter, FilterBlockOption, Log};
use serde_json::{Value, json};

use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::convert::ChainBlock;
use crate::rpc::error::RpcError;
use crate::rpc::params::{height_of_tag, to_json};

/// The logs `filter` matches, over its block range or block hash.
pub fn logs(node: &Node, filter: &Filter) -> Result<Vec<Log>, RpcError> {
    let (from, to) = match filter.block_option {
        FilterBlockOption::AtBlockHash(hash) => {
            let h = node.number_of(&hash).ok_or_else(|| RpcError::server(format!("block {hash} not found")))?;
            (h, h)
        }
        FilterBlockOption::Range { from_block, to_block } => {
            let tip = node.height();
            let resolve = |tag: Option<BlockNumberOrTag>| match tag {
                None => Ok(tip),
                Some(BlockNumberOrTag::Number(n)) => Ok(n.min(tip)),
                Some(tag) => height_of_tag(node, tag),
            };
            (resolve(from_block)?, resolve(to_block)?)
        }
    };
    let mut found = Vec::new();
    for h in from..=to {
        let block = ChainBlock::read(node, h)?;
        if block.block.outcomes.iter().all(|o| o.logs.is_empty()) || !filter.matches_bloom(block.bloom()) {
            continue;
        }
        found.extend(block.logs().into_iter().flatten().filter(|log| filter.matches(&log.inner)));
    }
    Ok(found)
}

/// `eth_getLogs`: the logs `filter` matches.
pub fn get_logs(_rpc: &Rpc, node: &Node, filter: Filter) -> Result<Value, RpcError> {
    to_json(logs(node, &filter)?)
}

/// `eth_newFilter`: installs a log filter reporting from the next block; its id.
pub fn new_filter(rpc: &Rpc, node: &Node, filter: Filter) -> Result<Value, RpcError> {
    Ok(json!(rpc.filters.lock().install_logs(filter, node.height())))
}

/// `eth_newBlockFilter`: installs a filter of new block hashes; its id.
pub fn new_block_filter(rpc: &Rpc, node: &Node) -> Result<Value, RpcError> {
    Ok(json!(rpc.filters.lock().install_blocks(node.height())))
}

/// `eth_newPendingTransactionFilter`: installs a filter of newly pooled tx hashes; its id.
pub fn new_pending_transaction_filter(rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!(rpc.filters.lock().install_pending(rpc.coordinator.pooled_mark())))
}

/// `eth_uninstallFilter`: whether the filter existed.
pub fn uninstall_filter(rpc: &Rpc, _node: &Node, filter_id: U256) -> Result<Value, RpcError> {
    Ok(json!(rpc.filters.lock().uninstall(filter_id)))
}

/// `eth_getFilterChanges`: what happened since the filter was last polled.
pub fn filter_changes(rpc: &Rpc, node: &Node, filter_id: U256) -> Result<Value, RpcError> {
    rpc.filters.lock().changes(node, filter_id, |from| rpc.coordinator.pooled_since(from))
}

/// `eth_getFilterLogs`: every log a log filter matches.
pub fn filter_logs(rpc: &Rpc, node: &Node, filter_id: U256) -> Result<Value, RpcError> {
    let filter = rpc.filters.lock().log_filter(filter_id)?;
    to_json(logs(node, &filter)?)
}
