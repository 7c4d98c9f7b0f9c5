//! Logs and polled filters: `eth_getLogs` over a block range or hash, and the filters of
//! [`crate::rpc::filters`] installed, polled and removed.
//!
//! A log query is planned under the node's read lock (its range resolved, a [`BlockReader`] and
//! the index taken) and run after the lock is let go: its candidate blocks found in the
//! [`crate::log_index::LogIndex`], then read. So a query over the whole chain never holds up the
//! miner's commit.

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::U256;
use alloy_rpc_types_eth::{Filter, FilterBlockOption, Log};
use manaflow_ledger::BlockReader;
use serde_json::{Value, json};

use std::sync::Arc;

use crate::config::LogLimits;
use crate::index::ChainIndex;
use crate::log_index::LogIndex;
use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::convert::ChainBlock;
use crate::rpc::error::RpcError;
use crate::rpc::filters::Changes;
use crate::rpc::params::{height_of_tag, to_json};

/// A log query ready to run without the node: the blocks that may match, and a reader of them.
pub struct LogQuery {
    reader: BlockReader,
    index: Arc<ChainIndex>,
    /// The block range (empty when `from > to`).
    range: (u64, u64),
    filter: Filter,
    max_results: usize,
}

impl LogQuery {
    /// Plans `filter` over `node`'s chain: its range resolved and bounded by `limits`.
    pub fn plan(node: &Node, filter: &Filter, limits: LogLimits) -> Result<Self, RpcError> {
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
        let span = to.saturating_sub(from).saturating_add(1);
        if from <= to && span > limits.max_range {
            return Err(RpcError::invalid_params(format!(
                "the block range {from}..={to} spans {span} blocks; one query spans at most {} (split it)",
                limits.max_range
            )));
        }
        Ok(Self {
            reader: node.block_reader(),
            index: node.index(),
            range: (from, to),
            filter: filter.clone(),
            max_results: limits.max_results,
        })
    }

    /// Finds the candidate blocks in the log index, reads them and keeps the logs the filter
    /// matches (at most the limit's results).
    pub fn run(self) -> Result<Vec<Log>, RpcError> {
        let (from, to) = self.range;
        let blocks = if from <= to {
            LogIndex(&self.index).candidates(&self.filter, from, to).map_err(RpcError::internal)?
        } else {
            Vec::new()
        };
        let mut found = Vec::new();
        for number in blocks {
            let block = self.reader.block(number).map_err(RpcError::server)?;
            let block = ChainBlock::new(block);
            found.extend(block.matching_logs(|log| self.filter.matches(log)));
            if found.len() > self.max_results {
                return Err(RpcError::invalid_params(format!(
                    "the query matches more than {} logs, the most one answers; narrow its block range or \
                     its addresses and topics",
                    self.max_results
                )));
            }
        }
        Ok(found)
    }
}

/// The logs `filter` matches, over its block range or block hash: planned with the node
/// read-locked, read without it.
pub fn logs(rpc: &Rpc, filter: &Filter) -> Result<Vec<Log>, RpcError> {
    let query = LogQuery::plan(&rpc.coordinator.node(), filter, rpc.log_limits)?;
    query.run()
}

/// `eth_getLogs`: the logs `filter` matches.
pub fn get_logs(rpc: &Rpc, filter: Filter) -> Result<Value, RpcError> {
    to_json(logs(rpc, &filter)?)
}

/// `eth_newFilter`: installs a log filter reporting from the next block; its id.
pub fn new_filter(rpc: &Rpc, node: &Node, filter: Filter) -> Result<Value, RpcError> {
    Ok(json!(rpc.filters.lock().install_logs(filter, node.height())?))
}

/// `eth_newBlockFilter`: installs a filter of new block hashes; its id.
pub fn new_block_filter(rpc: &Rpc, node: &Node) -> Result<Value, RpcError> {
    Ok(json!(rpc.filters.lock().install_blocks(node.height())?))
}

/// `eth_newPendingTransactionFilter`: installs a filter of newly pooled tx hashes; its id.
pub fn new_pending_transaction_filter(rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!(rpc.filters.lock().install_pending(rpc.coordinator.pooled_mark())?))
}

/// `eth_uninstallFilter`: whether the filter existed.
pub fn uninstall_filter(rpc: &Rpc, _node: &Node, filter_id: U256) -> Result<Value, RpcError> {
    Ok(json!(rpc.filters.lock().uninstall(filter_id)))
}

/// `eth_getFilterChanges`: what happened since the filter was last polled (the filters' lock
/// and the node's are let go before logs are read).
pub fn filter_changes(rpc: &Rpc, filter_id: U256) -> Result<Value, RpcError> {
    let changes = {
        let node = rpc.coordinator.node();
        rpc.filters.lock().changes(&node, filter_id, rpc.log_limits, |from| rpc.coordinator.pooled_since(from))?
    };
    match changes {
        Changes::Ready(value) => Ok(value),
        Changes::Logs(query) => to_json(query.run()?),
    }
}

/// `eth_getFilterLogs`: every log a log filter matches.
pub fn filter_logs(rpc: &Rpc, filter_id: U256) -> Result<Value, RpcError> {
    let filter = rpc.filters.lock().log_filter(filter_id)?;
    to_json(logs(rpc, &filter)?)
}
