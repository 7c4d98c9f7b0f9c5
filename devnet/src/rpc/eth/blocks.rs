//! Blocks, their txs and receipts: by number or hash, txs by block and index or by hash (pooled
//! ones too), receipts, and the uncles a devnet never has.

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{B256, U64};
use manaflow_types::Tx;
use serde_json::{Value, json};

use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::convert::{ChainBlock, native_json, pending_transaction};
use crate::rpc::error::RpcError;
use crate::rpc::params::{height_of, height_of_tag, to_json};

/// `eth_getBlockByNumber`: the block, with tx hashes or full txs; null beyond the tip.
pub fn by_number(
    _rpc: &Rpc,
    node: &Node,
    block: BlockNumberOrTag,
    full_transactions: Option<bool>,
) -> Result<Value, RpcError> {
    match height_of_tag(node, block) {
        Ok(h) => ChainBlock::read(node, h)?.block_json(node.chain_id(), full_transactions.unwrap_or(false)),
        Err(_) => Ok(Value::Null),
    }
}

/// `eth_getBlockByHash`: the block, with tx hashes or full txs; null when unknown.
pub fn by_hash(_rpc: &Rpc, node: &Node, block_hash: B256, full_transactions: Option<bool>) -> Result<Value, RpcError> {
    match node.number_of(&block_hash) {
        Some(h) => ChainBlock::read(node, h)?.block_json(node.chain_id(), full_transactions.unwrap_or(false)),
        None => Ok(Value::Null),
    }
}

/// `eth_getBlockTransactionCountByNumber`: how many txs the block lists; null beyond the tip.
pub fn tx_count_by_number(_rpc: &Rpc, node: &Node, block: BlockNumberOrTag) -> Result<Value, RpcError> {
    block_opt(node, height_of_tag(node, block).ok()).map(tx_count)
}

/// `eth_getBlockTransactionCountByHash`: how many txs the block lists; null when unknown.
pub fn tx_count_by_hash(_rpc: &Rpc, node: &Node, block_hash: B256) -> Result<Value, RpcError> {
    block_opt(node, node.number_of(&block_hash)).map(tx_count)
}

fn tx_count(block: Option<ChainBlock>) -> Value {
    block.map_or(Value::Null, |b| json!(U64::from(b.listed_indices().count())))
}

/// `eth_getTransactionByBlockNumberAndIndex`: null when there is no such block or tx.
pub fn tx_by_number_and_index(_rpc: &Rpc, node: &Node, block: BlockNumberOrTag, index: U64) -> Result<Value, RpcError> {
    tx_at_rpc_index(node, block_opt(node, height_of_tag(node, block).ok())?, index.to())
}

/// `eth_getTransactionByBlockHashAndIndex`: null when there is no such block or tx.
pub fn tx_by_hash_and_index(_rpc: &Rpc, node: &Node, block_hash: B256, index: U64) -> Result<Value, RpcError> {
    tx_at_rpc_index(node, block_opt(node, node.number_of(&block_hash))?, index.to())
}

/// `eth_getUncleCountByBlockNumber` and `…ByBlockHash`: no uncles on a devnet (the block is not
/// read).
pub fn uncle_count(_rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!("0x0"))
}

/// `eth_getUncleByBlockNumberAndIndex` and `…ByBlockHashAndIndex`: always null.
pub fn uncle(_rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(Value::Null)
}

fn block_opt(node: &Node, height: Option<u64>) -> Result<Option<ChainBlock>, RpcError> {
    height.map(|h| ChainBlock::read(node, h)).transpose()
}

/// The listed tx the RPC numbers `index` in `block` (system txs are not listed).
fn tx_at_rpc_index(node: &Node, block: Option<ChainBlock>, index: usize) -> Result<Value, RpcError> {
    let ledger_index = block.as_ref().and_then(|b| b.ledger_index(index));
    match (block, ledger_index) {
        (Some(block), Some(i)) => block.transaction_json(i, node.chain_id()),
        _ => Ok(Value::Null),
    }
}

/// The tx at ledger index `index` of `block`, if it is listed.
fn tx_in_block(node: &Node, block: Option<ChainBlock>, index: usize) -> Result<Value, RpcError> {
    match block {
        Some(block) if block.listed_indices().any(|i| i == index) => block.transaction_json(index, node.chain_id()),
        _ => Ok(Value::Null),
    }
}

/// `eth_getTransactionByHash`: a mined tx, or a pooled one (without block fields); null when
/// unknown.
pub fn tx_by_hash(rpc: &Rpc, node: &Node, tx_hash: B256) -> Result<Value, RpcError> {
    if let Some(loc) = node.ledger().locate(&tx_hash) {
        let block = ChainBlock::read(node, loc.block)?;
        return tx_in_block(node, Some(block), loc.index as usize);
    }
    match rpc.coordinator.pooled(&tx_hash) {
        Some(tx) => match tx.native() {
            Some(native) => native_json(native, None),
            None => to_json(pending_transaction(&tx)?),
        },
        None => Ok(Value::Null),
    }
}

/// `eth_getRawTransactionByHash`: the signed bytes of a mined or pooled tx (for a native tx, its
/// `0x4d` envelope with its moves); null when unknown or for a system tx, which has no envelope.
pub fn raw_tx_by_hash(rpc: &Rpc, node: &Node, tx_hash: B256) -> Result<Value, RpcError> {
    if let Some(loc) = node.ledger().locate(&tx_hash) {
        let block = node.ledger().block(loc.block).map_err(RpcError::internal)?;
        return Ok(match block.txs.get(loc.index as usize) {
            Some(Tx::Ethereum(eth)) => json!(eth.raw),
            Some(Tx::Native(native)) => json!(alloy_primitives::Bytes::from(native.encode_2718())),
            _ => Value::Null,
        });
    }
    Ok(rpc.coordinator.pooled(&tx_hash).map_or(Value::Null, |tx| json!(tx.raw)))
}

/// `eth_getTransactionReceipt`: null until the tx is mined.
pub fn receipt(_rpc: &Rpc, node: &Node, tx_hash: B256) -> Result<Value, RpcError> {
    let Some(loc) = node.ledger().locate(&tx_hash) else {
        return Ok(Value::Null);
    };
    let block = ChainBlock::read(node, loc.block)?;
    let receipts = block.receipts_json(node.chain_id())?;
    Ok(receipts.into_iter().find(|r| r["transactionHash"] == json!(tx_hash)).unwrap_or(Value::Null))
}

/// `eth_getBlockReceipts`: the receipts of a block's txs; null when there is no such block.
pub fn block_receipts(rpc: &Rpc, block: BlockId) -> Result<Value, RpcError> {
    // The block is found with the node read-locked, and read and converted without the lock.
    let (height, reader, chain_id) = {
        let node = rpc.coordinator.node();
        match height_of(&node, Some(block)) {
            Ok(h) => (h, node.block_reader(), node.chain_id()),
            Err(_) => return Ok(Value::Null),
        }
    };
    let block = reader.block(height).map_err(RpcError::server)?;
    let block = ChainBlock::new(block);
    Ok(Value::Array(block.receipts_json(chain_id)?))
}
