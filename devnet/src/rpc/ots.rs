//! Otterscan's API (`ots_*`, level 8) and `eth_getTransactionBySenderAndNonce`. The searches by
//! address, by sender and nonce, and for a contract's creator read the node's secondary index
//! ([`crate::tx_index`]); the tx traces replay the tx against its own moves.

use std::collections::BTreeMap;

use alloy_eips::BlockId;
use alloy_primitives::{Address, B256, U64, U256};
use alloy_rpc_types_trace::otterscan::TraceEntry;
use alloy_rpc_types_trace::parity::{Action, CallType, CreationMethod, TraceOutput};
use manaflow_types::Status;
use revm::inspector::NoOpInspector;
use revm_inspectors::otterscan::InternalOperationsInspector;
use serde_json::{Value, json};

use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::convert::ChainBlock;
use crate::rpc::debug::{mined, mined_subject, trace_error, tx_info, tx_to_replay};
use crate::rpc::error::RpcError;
use crate::rpc::params::{BlockNumberParam, height_of, height_of_tag, to_json};
use crate::traces::parity;
use crate::tx_index::TxRef;

/// The Otterscan API level this node answers at.
pub const API_LEVEL: u64 = 8;
/// Most txs a page of `ots_getBlockTransactions` or of a search may ask for.
pub const MAX_PAGE_SIZE: usize = 1_000;

fn checked_page_size(size: U64) -> Result<usize, RpcError> {
    let size: u64 = size.to();
    if size == 0 || size > MAX_PAGE_SIZE as u64 {
        return Err(RpcError::invalid_params(format!("page size {size} must be 1 to {MAX_PAGE_SIZE}")));
    }
    Ok(size as usize)
}

/// `ots_getApiLevel`.
pub fn api_level(_rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!(API_LEVEL))
}

/// `ots_hasCode`: whether `address` holds code after `block`.
pub fn has_code(_rpc: &Rpc, node: &Node, address: Address, block: Option<BlockId>) -> Result<Value, RpcError> {
    let height = height_of(node, block)?;
    Ok(json!(!node.code_at(address, height).map_err(RpcError::internal)?.is_empty()))
}

/// The mined tx `tx_hash` replayed with `inspector` (without the node's lock).
fn replay<I>(rpc: &Rpc, tx_hash: B256, inspector: I) -> Result<(manaflow_types::Execution, I), RpcError>
where
    I: for<'db> revm::inspector::Inspector<
            manaflow_evm::EvmContext<'db>,
            revm::interpreter::interpreter::EthInterpreter,
        >,
{
    let (block, index, replayer) = tx_to_replay(rpc, tx_hash)?;
    mined_subject(&block, index, &replayer).run(inspector).map_err(trace_error)
}

/// `ots_getInternalOperations`: the tx's internal ether transfers, creates and self-destructs.
pub fn internal_operations(rpc: &Rpc, tx_hash: B256) -> Result<Value, RpcError> {
    let (_, inspector) = replay(rpc, tx_hash, InternalOperationsInspector::default())?;
    to_json(inspector.into_operations())
}

/// `ots_getTransactionError`: a reverted tx's revert data; `0x` otherwise.
pub fn transaction_error(rpc: &Rpc, tx_hash: B256) -> Result<Value, RpcError> {
    let (execution, _) = replay(rpc, tx_hash, NoOpInspector)?;
    Ok(match execution.status {
        Status::Revert => json!(execution.output),
        _ => json!("0x"),
    })
}

/// `ots_traceTransaction`: the tx's call tree, flat, with each frame's depth.
pub fn trace_transaction(rpc: &Rpc, tx_hash: B256) -> Result<Value, RpcError> {
    let (block, index, replayer) = tx_to_replay(rpc, tx_hash)?;
    let subject = mined_subject(&block, index, &replayer);
    let traces = parity::transaction_traces(&subject, tx_info(&block, index)).map_err(trace_error)?;
    let entries: Vec<TraceEntry> = traces
        .into_iter()
        .map(|localized| {
            let trace = localized.trace;
            let depth = trace.trace_address.len() as u32;
            let output = match &trace.result {
                Some(TraceOutput::Call(call)) => call.output.clone(),
                Some(TraceOutput::Create(create)) => create.code.clone(),
                None => Default::default(),
            };
            let created = match &trace.result {
                Some(TraceOutput::Create(create)) => Some(create.address),
                _ => None,
            };
            match trace.action {
                Action::Call(call) => {
                    let (kind, value) = match call.call_type {
                        CallType::DelegateCall => ("DELEGATECALL", None),
                        CallType::StaticCall => ("STATICCALL", None),
                        CallType::CallCode => ("CALLCODE", Some(call.value)),
                        _ => ("CALL", Some(call.value)),
                    };
                    TraceEntry {
                        r#type: kind.into(),
                        depth,
                        from: call.from,
                        to: call.to,
                        value,
                        input: call.input,
                        output,
                    }
                }
                Action::Create(create) => TraceEntry {
                    r#type: if create.creation_method == CreationMethod::Create2 { "CREATE2" } else { "CREATE" }.into(),
                    depth,
                    from: create.from,
                    to: created.unwrap_or_default(),
                    value: Some(create.value),
                    input: create.init,
                    output,
                },
                Action::Selfdestruct(destruct) => TraceEntry {
                    r#type: "SELFDESTRUCT".into(),
                    depth,
                    from: destruct.address,
                    to: destruct.refund_address,
                    value: Some(destruct.balance),
                    input: Default::default(),
                    output,
                },
                Action::Reward(reward) => TraceEntry {
                    r#type: "REWARD".into(),
                    depth,
                    from: reward.author,
                    to: reward.author,
                    value: Some(reward.value),
                    input: Default::default(),
                    output,
                },
            }
        })
        .collect();
    to_json(entries)
}

/// An Otterscan receipt: the receipt with the block's timestamp.
fn ots_receipt(mut receipt: Value, timestamp: u64) -> Value {
    receipt["timestamp"] = json!(timestamp);
    receipt
}

/// The block `number`'s details: header fields, tx count, issuance (none: no rewards here) and
/// the fees its txs paid.
fn block_details(node: &Node, number: u64) -> Result<Value, RpcError> {
    let block = ChainBlock::read(node, number)?;
    let chain_id = node.chain_id();
    let mut json = block.block_json(chain_id, false)?;
    let count = json["transactions"].as_array().map_or(0, Vec::len);
    if let Some(object) = json.as_object_mut() {
        object.remove("transactions");
    }
    json["transactionCount"] = json!(count);
    json["logsBloom"] = Value::Null;
    let mut fees = U256::ZERO;
    for receipt in block.receipts_json(chain_id)? {
        let gas: U256 = serde_json::from_value(receipt["gasUsed"].clone()).unwrap_or_default();
        let price: U256 = serde_json::from_value(receipt["effectiveGasPrice"].clone()).unwrap_or_default();
        fees += gas * price;
    }
    Ok(json!({
        "block": json,
        "issuance": {"blockReward": "0x0", "uncleReward": "0x0", "issuance": "0x0"},
        "totalFees": fees,
    }))
}

/// `ots_getBlockDetails`.
pub fn block_details_by_number(_rpc: &Rpc, node: &Node, block: BlockNumberParam) -> Result<Value, RpcError> {
    match height_of_tag(node, block.0) {
        Ok(number) => block_details(node, number),
        Err(_) => Ok(Value::Null),
    }
}

/// `ots_getBlockDetailsByHash`.
pub fn block_details_by_hash(_rpc: &Rpc, node: &Node, block_hash: B256) -> Result<Value, RpcError> {
    match node.number_of(&block_hash) {
        Some(number) => block_details(node, number),
        None => Ok(Value::Null),
    }
}

/// `ots_getBlockTransactions`: page `page_number` (of `page_size` txs) of a block's txs (inputs
/// cut to their selector) with their receipts.
pub fn block_transactions(
    _rpc: &Rpc,
    node: &Node,
    block: BlockNumberParam,
    page_number: U64,
    page_size: U64,
) -> Result<Value, RpcError> {
    let size = checked_page_size(page_size)?;
    let number = height_of_tag(node, block.0)?;
    let block = ChainBlock::read(node, number)?;
    let chain_id = node.chain_id();
    let mut full = block.block_json(chain_id, true)?;
    let mut all = full["transactions"].as_array().cloned().unwrap_or_default();
    // As Erigon and Anvil answer: each tx's input cut to its selector (the page lists, it does
    // not decode).
    for tx in &mut all {
        if let Some(input) = tx["input"].as_str().filter(|input| input.len() > 10) {
            tx["input"] = json!(input[..10].to_owned());
        }
    }
    let start = (page_number.to::<u64>() as usize).saturating_mul(size).min(all.len());
    let end = start.saturating_add(size).min(all.len());
    full["transactions"] = Value::Array(all[start..end].to_vec());
    full["transactionCount"] = json!(all.len());
    full["logsBloom"] = Value::Null;
    let timestamp = block.block.header.timestamp;
    let receipts: Vec<Value> = block
        .receipts_json(chain_id)?
        .into_iter()
        .skip(start)
        .take(end - start)
        .map(|r| ots_receipt(r, timestamp))
        .collect();
    Ok(json!({"fullblock": full, "receipts": receipts}))
}

/// The txs at `refs` with their receipts, newest first.
fn with_receipts(node: &Node, refs: &[TxRef]) -> Result<(Vec<Value>, Vec<Value>), RpcError> {
    let chain_id = node.chain_id();
    let mut by_block: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
    for r in refs {
        by_block.entry(r.block).or_default().push(r.index);
    }
    let (mut txs, mut receipts) = (Vec::new(), Vec::new());
    for (number, mut indices) in by_block.into_iter().rev() {
        indices.sort_unstable();
        let block = ChainBlock::read(node, number)?;
        let all = block.receipts_json(chain_id)?;
        let timestamp = block.block.header.timestamp;
        for index in indices.into_iter().rev() {
            let index = index as usize;
            txs.push(block.transaction_json(index, chain_id)?);
            let receipt = all.get(block.rpc_index(index) as usize).cloned().unwrap_or(Value::Null);
            receipts.push(ots_receipt(receipt, timestamp));
        }
    }
    Ok((txs, receipts))
}

/// `ots_searchTransactionsBefore`: the txs that touched `address` in blocks before `block`
/// (`0`: from the tip), newest first, `page_size` of them (whole blocks).
pub fn search_before(_rpc: &Rpc, node: &Node, address: Address, block: U64, page_size: U64) -> Result<Value, RpcError> {
    let size = checked_page_size(page_size)?;
    let block: u64 = block.to();
    // Block 0 asks for the newest page; otherwise the blocks before it.
    let before = block.checked_sub(1).unwrap_or(u64::MAX);
    let (taken, more) = node.tx_index().page(&address, (0, before), true, size).map_err(RpcError::internal)?;
    let (txs, receipts) = with_receipts(node, &taken)?;
    Ok(json!({"txs": txs, "receipts": receipts, "firstPage": block == 0, "lastPage": !more}))
}

/// `ots_searchTransactionsAfter`: the txs that touched `address` in blocks after `block`,
/// `page_size` of them (whole blocks) from the oldest, answered newest first.
pub fn search_after(_rpc: &Rpc, node: &Node, address: Address, block: U64, page_size: U64) -> Result<Value, RpcError> {
    let size = checked_page_size(page_size)?;
    let block: u64 = block.to();
    let (taken, more) = match block.checked_add(1) {
        Some(after) => node.tx_index().page(&address, (after, u64::MAX), false, size).map_err(RpcError::internal)?,
        None => (Vec::new(), false),
    };
    let (txs, receipts) = with_receipts(node, &taken)?;
    Ok(json!({"txs": txs, "receipts": receipts, "firstPage": !more, "lastPage": block == 0}))
}

/// `ots_getTransactionBySenderAndNonce`: the hash of the tx `address` sent with `nonce`.
pub fn tx_by_sender_and_nonce(_rpc: &Rpc, node: &Node, address: Address, nonce: U64) -> Result<Value, RpcError> {
    Ok(json!(node.tx_index().by_sender_and_nonce(&address, nonce.to()).map_err(RpcError::internal)?))
}

/// `eth_getTransactionBySenderAndNonce`: the tx `address` sent with `nonce`.
pub fn eth_tx_by_sender_and_nonce(_rpc: &Rpc, node: &Node, address: Address, nonce: U64) -> Result<Value, RpcError> {
    let found = node.tx_index().by_sender_and_nonce(&address, nonce.to()).map_err(RpcError::internal)?;
    let Some(hash) = found else { return Ok(Value::Null) };
    let (block, index) = mined(node, hash)?;
    block.transaction_json(index, node.chain_id())
}

/// `ots_getContractCreator`: the tx that created `address` and the account that created it (the
/// tx's sender, or the contract whose CREATE made it).
pub fn contract_creator(rpc: &Rpc, address: Address) -> Result<Value, RpcError> {
    let found = rpc.coordinator.node().tx_index().creation(&address).map_err(RpcError::internal)?;
    let Some(hash) = found else { return Ok(Value::Null) };
    let (block, index, replayer) = tx_to_replay(rpc, hash)?;
    let subject = mined_subject(&block, index, &replayer);
    let traces = parity::transaction_traces(&subject, tx_info(&block, index)).map_err(trace_error)?;
    let creator = traces.iter().find_map(|t| match (&t.trace.action, &t.trace.result) {
        (Action::Create(create), Some(TraceOutput::Create(made))) if made.address == address => Some(create.from),
        _ => None,
    });
    let creator = match creator {
        Some(creator) => creator,
        None => subject.caller().map_err(trace_error)?,
    };
    Ok(json!({"hash": hash, "creator": creator}))
}
