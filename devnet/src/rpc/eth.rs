//! `web3_`, `net_` and `eth_` methods: chain reads (at any past block), calls, gas, fees,
//! sending, receipts, logs, filters and signing.

use alloy_consensus::{TxEip1559, TxEip2930, TxLegacy};
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, TxKind, U64, U256, keccak256};
use alloy_rpc_types_eth::{FeeHistory, Filter, TransactionRequest};
use manaflow_evm::impersonation_signature;
use manaflow_types::{Call, ExecError, Execution, Status};
use serde_json::{Value, json};

use crate::admission::Admitted;
use crate::error::SubmitError;
use crate::node::Node;
use crate::rpc::convert::{ChainBlock, pending_transaction};
use crate::rpc::error::RpcError;
use crate::rpc::params::{Params, height_of, height_of_tag, to_json};
use crate::rpc::sign::{UnsignedTx, sign_message, sign_typed_data};
use crate::rpc::{Rpc, blocking};

/// The tip a wallet is told to offer (1 gwei, as Anvil).
pub const DEFAULT_PRIORITY_FEE: u128 = 1_000_000_000;

/// Runs `method` if it is one of this family.
pub async fn call(rpc: &Rpc, method: &str, p: &Params) -> Option<Result<Value, RpcError>> {
    let result = match method {
        "eth_sendRawTransaction" => send_raw(rpc, p).await,
        "eth_sendTransaction" => send_transaction(rpc, p).await,
        // Methods that execute or scan many blocks run off the async worker.
        "eth_call"
        | "eth_estimateGas"
        | "eth_getLogs"
        | "eth_getFilterLogs"
        | "eth_getFilterChanges"
        | "eth_feeHistory"
        | "eth_getBlockReceipts" => return blocking(|| read(rpc, method, p)),
        _ => return read(rpc, method, p),
    };
    Some(result)
}

fn read(rpc: &Rpc, method: &str, p: &Params) -> Option<Result<Value, RpcError>> {
    let coordinator = &rpc.coordinator;
    let node = coordinator.node();
    let node = &*node;
    let result = match method {
        "web3_clientVersion" => Ok(json!(format!("manaflow/v{}", env!("CARGO_PKG_VERSION")))),
        "web3_sha3" => p.get::<Bytes>(0, "data").map(|data| json!(keccak256(&data))),
        "net_version" => Ok(json!(node.chain_id().to_string())),
        "net_listening" => Ok(json!(true)),
        "net_peerCount" => Ok(json!("0x0")),
        "eth_chainId" => Ok(json!(U64::from(node.chain_id()))),
        "eth_blockNumber" => Ok(json!(U64::from(node.height()))),
        "eth_accounts" => Ok(json!(rpc.accounts.iter().map(|a| a.address).collect::<Vec<_>>())),
        "eth_coinbase" => Ok(json!(rpc.accounts.first().map(|a| a.address).unwrap_or_default())),
        "eth_mining" => Ok(json!(coordinator.mode() != crate::coordinator::MiningMode::Manual)),
        "eth_syncing" => Ok(json!(false)),
        "eth_hashrate" => Ok(json!("0x0")),
        "eth_protocolVersion" => Ok(json!("0x41")),
        "eth_getBalance" => at(node, p, 1).and_then(|h| {
            let address: Address = p.get(0, "address")?;
            node.balance_at(address, h).map(|b| json!(b)).map_err(RpcError::internal)
        }),
        "eth_getTransactionCount" => transaction_count(rpc, node, p),
        "eth_getCode" => at(node, p, 1).and_then(|h| {
            let address: Address = p.get(0, "address")?;
            node.code_at(address, h).map(|c| json!(c)).map_err(RpcError::internal)
        }),
        "eth_getStorageAt" => at(node, p, 2).and_then(|h| {
            let address: Address = p.get(0, "address")?;
            let slot: U256 = p.get(1, "slot")?;
            node.storage_at(address, B256::from(slot), h).map(|v| json!(v)).map_err(RpcError::internal)
        }),
        "eth_getBlockByNumber" => p.get::<BlockNumberOrTag>(0, "block").and_then(|tag| {
            let full = p.opt::<bool>(1, "full transactions")?.unwrap_or(false);
            match height_of_tag(node, tag) {
                Ok(h) => ChainBlock::read(node, h)?.block_json(node.chain_id(), full),
                Err(_) => Ok(Value::Null),
            }
        }),
        "eth_getBlockByHash" => p.get::<B256>(0, "block hash").and_then(|hash| {
            let full = p.opt::<bool>(1, "full transactions")?.unwrap_or(false);
            match node.number_of(&hash) {
                Some(h) => ChainBlock::read(node, h)?.block_json(node.chain_id(), full),
                None => Ok(Value::Null),
            }
        }),
        "eth_getBlockTransactionCountByNumber" => p
            .get::<BlockNumberOrTag>(0, "block")
            .and_then(|tag| block_opt(node, height_of_tag(node, tag).ok()))
            .map(|b| b.map_or(Value::Null, |b| json!(U64::from(b.listed_indices().count())))),
        "eth_getBlockTransactionCountByHash" => p
            .get::<B256>(0, "block hash")
            .and_then(|hash| block_opt(node, node.number_of(&hash)))
            .map(|b| b.map_or(Value::Null, |b| json!(U64::from(b.listed_indices().count())))),
        "eth_getTransactionByBlockNumberAndIndex" => p.get::<BlockNumberOrTag>(0, "block").and_then(|tag| {
            let index: U64 = p.get(1, "index")?;
            tx_in_block(node, block_opt(node, height_of_tag(node, tag).ok())?, index.to())
        }),
        "eth_getTransactionByBlockHashAndIndex" => p.get::<B256>(0, "block hash").and_then(|hash| {
            let index: U64 = p.get(1, "index")?;
            tx_in_block(node, block_opt(node, node.number_of(&hash))?, index.to())
        }),
        "eth_getUncleCountByBlockNumber" | "eth_getUncleCountByBlockHash" => Ok(json!("0x0")),
        "eth_getUncleByBlockNumberAndIndex" | "eth_getUncleByBlockHashAndIndex" => Ok(Value::Null),
        "eth_getTransactionByHash" => p.get::<B256>(0, "tx hash").and_then(|hash| transaction_by_hash(rpc, node, hash)),
        "eth_getTransactionReceipt" => p.get::<B256>(0, "tx hash").and_then(|hash| receipt_by_hash(node, hash)),
        "eth_getBlockReceipts" => p.get::<BlockId>(0, "block").and_then(|id| match height_of(node, Some(id)) {
            Ok(h) => Ok(Value::Array(ChainBlock::read(node, h)?.receipts_json(node.chain_id())?)),
            Err(_) => Ok(Value::Null),
        }),
        "eth_call" => eth_call(node, p),
        "eth_estimateGas" => estimate_gas(node, p),
        "eth_gasPrice" => Ok(json!(U256::from(u128::from(node.next_base_fee()) + DEFAULT_PRIORITY_FEE))),
        "eth_maxPriorityFeePerGas" => Ok(json!(U256::from(DEFAULT_PRIORITY_FEE))),
        "eth_blobBaseFee" => Ok(json!(U256::from(node.tip().blob_base_fee))),
        "eth_feeHistory" => fee_history(node, p),
        "eth_getLogs" => p.get::<Filter>(0, "filter").and_then(|filter| to_json(logs(node, &filter)?)),
        "eth_newFilter" => {
            p.get::<Filter>(0, "filter").map(|f| json!(rpc.filters.lock().install_logs(f, node.height())))
        }
        "eth_newBlockFilter" => Ok(json!(rpc.filters.lock().install_blocks(node.height()))),
        "eth_newPendingTransactionFilter" => {
            Ok(json!(rpc.filters.lock().install_pending(rpc.coordinator.pooled_hashes())))
        }
        "eth_uninstallFilter" => p.get::<U256>(0, "filter id").map(|id| json!(rpc.filters.lock().uninstall(id))),
        "eth_getFilterChanges" => p
            .get::<U256>(0, "filter id")
            .and_then(|id| rpc.filters.lock().changes(node, id, || rpc.coordinator.pooled_hashes())),
        "eth_getFilterLogs" => p.get::<U256>(0, "filter id").and_then(|id| {
            let filter = rpc.filters.lock().log_filter(id)?;
            to_json(logs(node, &filter)?)
        }),
        "personal_sign" => p.get::<Bytes>(0, "message").and_then(|message| {
            let address: Address = p.get(1, "address")?;
            Ok(json!(sign_message(rpc.key_of(address)?, &message)))
        }),
        "eth_sign" => p.get::<Address>(0, "address").and_then(|address| {
            let message: Bytes = p.get(1, "message")?;
            Ok(json!(sign_message(rpc.key_of(address)?, &message)))
        }),
        "eth_signTypedData_v4" | "eth_signTypedData" => p.get::<Address>(0, "address").and_then(|address| {
            let typed: Value = p.get(1, "typed data")?;
            Ok(json!(sign_typed_data(rpc.key_of(address)?, typed)?))
        }),
        _ => return None,
    };
    Some(result)
}

/// The height param `index` names (latest when absent).
fn at(node: &Node, p: &Params, index: usize) -> Result<u64, RpcError> {
    height_of(node, p.opt::<BlockId>(index, "block")?)
}

fn block_opt(node: &Node, height: Option<u64>) -> Result<Option<ChainBlock>, RpcError> {
    height.map(|h| ChainBlock::read(node, h)).transpose()
}

fn tx_in_block(node: &Node, block: Option<ChainBlock>, index: usize) -> Result<Value, RpcError> {
    match block {
        Some(block) if block.listed_indices().any(|i| i == index) => block.transaction_json(index, node.chain_id()),
        _ => Ok(Value::Null),
    }
}

fn transaction_count(rpc: &Rpc, node: &Node, p: &Params) -> Result<Value, RpcError> {
    let address: Address = p.get(0, "address")?;
    let id = p.opt::<BlockId>(1, "block")?;
    if matches!(id, Some(BlockId::Number(BlockNumberOrTag::Pending))) {
        let state = node.nonce(address).map_err(RpcError::internal)?;
        return Ok(json!(U64::from(rpc.coordinator.pending_nonce_from(address, state))));
    }
    let height = height_of(node, id)?;
    node.nonce_at(address, height).map(|n| json!(U64::from(n))).map_err(RpcError::internal)
}

fn transaction_by_hash(rpc: &Rpc, node: &Node, hash: B256) -> Result<Value, RpcError> {
    if let Some(loc) = node.ledger().locate(&hash) {
        let block = ChainBlock::read(node, loc.block)?;
        return tx_in_block(node, Some(block), loc.index as usize);
    }
    match rpc.coordinator.pooled(&hash) {
        Some(tx) if tx.raw.first() == Some(&manaflow_types::NATIVE_TX_TYPE) => {
            let native = manaflow_types::NativeTx::decode_2718(&tx.raw).map_err(RpcError::internal)?;
            crate::rpc::convert::native_json(&native, None)
        }
        Some(tx) => to_json(pending_transaction(&tx)?),
        None => Ok(Value::Null),
    }
}

fn receipt_by_hash(node: &Node, hash: B256) -> Result<Value, RpcError> {
    let Some(loc) = node.ledger().locate(&hash) else {
        return Ok(Value::Null);
    };
    let block = ChainBlock::read(node, loc.block)?;
    let receipts = block.receipts_json(node.chain_id())?;
    Ok(receipts.into_iter().find(|r| r["transactionHash"] == json!(hash)).unwrap_or(Value::Null))
}

/// The call a request describes, run on the state after `height` by `node`.
pub fn request_call(node: &Node, request: &TransactionRequest, height: u64) -> Result<Call, RpcError> {
    let caller = request.from.unwrap_or_default();
    let nonce = node.nonce_at(caller, height).map_err(RpcError::internal)?;
    let max_fee = request.max_fee_per_gas.or(request.gas_price).unwrap_or_default();
    let tip = request.max_priority_fee_per_gas;
    let tx_type = if request.max_fee_per_gas.is_some() || tip.is_some() {
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
        gas_limit: request.gas.unwrap_or(node.config().gas_limit).min(node.config().gas_limit),
        max_fee_per_gas: max_fee.max(tip.unwrap_or_default()),
        max_priority_fee_per_gas: if tx_type == 2 { Some(tip.unwrap_or_default()) } else { None },
        nonce,
        chain_id: Some(node.chain_id()),
        access_list: request.access_list.clone().unwrap_or_default(),
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

fn eth_call(node: &Node, p: &Params) -> Result<Value, RpcError> {
    let request: TransactionRequest = p.get(0, "transaction")?;
    let height = at(node, p, 1)?;
    let call = request_call(node, &request, height)?;
    let execution = call_result(node.simulate(&call, height))?;
    Ok(json!(execution.output))
}

/// The least gas limit with which `call` succeeds on the state after `height`.
pub fn estimate(node: &Node, mut call: Call, height: u64) -> Result<u64, RpcError> {
    let cap = call.gas_limit;
    let execution = call_result(node.simulate(&call, height))?;
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

fn estimate_gas(node: &Node, p: &Params) -> Result<Value, RpcError> {
    let request: TransactionRequest = p.get(0, "transaction")?;
    let height = at(node, p, 1)?;
    let call = request_call(node, &request, height)?;
    Ok(json!(U64::from(estimate(node, call, height)?)))
}

fn fee_history(node: &Node, p: &Params) -> Result<Value, RpcError> {
    let count: U64 = p.get(0, "block count")?;
    let newest = height_of_tag(node, p.get::<BlockNumberOrTag>(1, "newest block")?)?;
    let percentiles: Option<Vec<f64>> = p.opt(2, "reward percentiles")?;
    let count = count.to::<u64>().clamp(1, 1024).min(newest + 1);
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
        node.ledger().header(newest + 1).map_or(0, |h| h.base_fee)
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

/// The logs `filter` matches, over its block range or block hash.
pub fn logs(node: &Node, filter: &Filter) -> Result<Vec<alloy_rpc_types_eth::Log>, RpcError> {
    let (from, to) = match filter.block_option {
        alloy_rpc_types_eth::FilterBlockOption::AtBlockHash(hash) => {
            let h = node.number_of(&hash).ok_or_else(|| RpcError::server(format!("block {hash} not found")))?;
            (h, h)
        }
        alloy_rpc_types_eth::FilterBlockOption::Range { from_block, to_block } => {
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

async fn send_raw(rpc: &Rpc, p: &Params) -> Result<Value, RpcError> {
    let raw: Bytes = p.get(0, "signed transaction")?;
    rpc.coordinator.submit(&raw).await.map(|hash| json!(hash)).map_err(submit_error)
}

/// A refused submission as an RPC error.
pub fn submit_error(error: SubmitError) -> RpcError {
    match error {
        SubmitError::Node(crate::error::NodeError::Exec(e)) => exec_error(e),
        other => RpcError::server(other),
    }
}

async fn send_transaction(rpc: &Rpc, p: &Params) -> Result<Value, RpcError> {
    let request: TransactionRequest = p.get(0, "transaction")?;
    let from = request.from.ok_or_else(|| RpcError::invalid_params("the transaction needs a from address"))?;
    let impersonated = rpc.coordinator.is_impersonated(&from);
    let key = if impersonated { None } else { Some(rpc.key_of(from)?) };
    // Filling the tx may estimate its gas (many executions): off the async worker.
    let unsigned = blocking(|| -> Result<UnsignedTx, RpcError> {
        let node = rpc.coordinator.node();
        let state_nonce = node.nonce(from).map_err(RpcError::internal)?;
        let nonce = match request.nonce {
            Some(nonce) => nonce,
            None => rpc.coordinator.pending_nonce_from(from, state_nonce),
        };
        let height = node.height();
        let call = request_call(&node, &request, height)?;
        let gas_limit = match request.gas {
            Some(gas) => gas,
            None => estimate(&node, call.clone(), height)?,
        };
        let to = request.to.unwrap_or(TxKind::Create);
        let input = call.input.clone();
        let value = call.value;
        let chain_id = node.chain_id();
        Ok(match (request.gas_price, &request.access_list) {
            (Some(gas_price), None) => {
                UnsignedTx::Legacy(TxLegacy { chain_id: Some(chain_id), nonce, gas_price, gas_limit, to, value, input })
            }
            (Some(gas_price), Some(access_list)) => UnsignedTx::Eip2930(TxEip2930 {
                chain_id,
                nonce,
                gas_price,
                gas_limit,
                to,
                value,
                access_list: access_list.clone(),
                input,
            }),
            (None, access_list) => {
                let tip = request.max_priority_fee_per_gas.unwrap_or(DEFAULT_PRIORITY_FEE);
                let max_fee = request.max_fee_per_gas.unwrap_or(2 * u128::from(node.next_base_fee()) + tip);
                UnsignedTx::Eip1559(TxEip1559 {
                    chain_id,
                    nonce,
                    gas_limit,
                    max_fee_per_gas: max_fee,
                    max_priority_fee_per_gas: tip.min(max_fee),
                    to,
                    value,
                    access_list: access_list.clone().unwrap_or_default(),
                    input,
                })
            }
        })
    })?;
    let hash = match key {
        Some(key) => rpc.coordinator.submit(&unsigned.sign(key)).await,
        None => {
            // An impersonated sender has no key: the tx carries the dev-chain impersonation
            // marker instead of a signature, and the sender is known without recovery.
            let raw = unsigned.encode_signed(impersonation_signature(from));
            let envelope = manaflow_evm::decode_envelope(&raw).map_err(RpcError::internal)?;
            let call = manaflow_evm::envelope_call(&envelope, from);
            rpc.coordinator.submit_admitted(Admitted::ethereum(raw, call)).await
        }
    };
    hash.map(|hash| json!(hash)).map_err(submit_error)
}
