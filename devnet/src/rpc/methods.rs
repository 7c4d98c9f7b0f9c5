//! Every method the node answers, in one table: its name, its typed params and the handler it
//! calls, and how the handler runs.
//!
//! ```text
//! "eth_getBalance" (address: Address, block: Option<BlockId>) => read eth::state::balance,
//! ```
//!
//! reads the params as `(Address, Option<BlockId>)` (see [`crate::rpc::params`]: errors name
//! the param by number and name, an underscore in a name reading as a space; extra params are
//! ignored), then calls `eth::state::balance(rpc, &node, address, block)`. How a handler runs:
//! - `async`: awaited (`handler(rpc, params…).await`), for methods that wait on the coordinator;
//! - `sync`: called on the async worker (`handler(rpc, params…)`), for quick changes that take
//!   the locks they need themselves;
//! - `read`: called with the node read-locked (`handler(rpc, &node, params…)`);
//! - `blocking`: as `sync`, through [`blocking`], for long work (mining, cheats);
//! - `blocking_read`: as `read`, through [`blocking`], for reads that execute or replay on the
//!   node's state under its lock;
//! - `long`: as `sync`, through [`long_read`] (a thread of its own at a lower priority), for
//!   reads of many blocks that take the node's lock only briefly (logs, block receipts and
//!   traces, `manaflow_validateBlock`);
//! - `session`: a WebSocket session method (`handler(rpc, &mut session, params…)`), answered
//!   only by [`dispatch_session`] (elsewhere it is an unknown method).
//!
//! The table is sorted by name (a test checks it), and names each alias on a line of its own.

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, U64, U256};
use alloy_rpc_types_eth::{Filter, TransactionRequest};
use alloy_rpc_types_trace::filter::TraceFilter;
use alloy_rpc_types_trace::geth::{GethDebugTracingCallOptions, GethDebugTracingOptions};
use alloy_rpc_types_trace::parity::TraceType;
use manaflow_types::Mark;
use serde_json::Value;

use crate::rpc::error::RpcError;
use crate::rpc::long_read::long_read;
use crate::rpc::params::{BlockNumberParam, Lazy, Params};
use crate::rpc::subscriptions::{self, Session, SubscriptionKind};
use crate::rpc::wallet::Options;
use crate::rpc::{Rpc, blocking, debug, dev, eth, model, model_trace, ots, proofs, trace, txpool, wallet, wire};

/// The dev methods that change the chain (state, blocks, clock, mining, who may send
/// unsigned): a coordinator following a validator refuses them, since the chain belongs to the
/// validator (DESIGN §11). Sorted.
pub const CHAIN_CHANGING: &[&str] = &[
    "anvil_autoImpersonateAccount",
    "anvil_impersonateAccount",
    "anvil_loadState",
    "anvil_mine",
    "anvil_reset",
    "anvil_setBalance",
    "anvil_setBlockGasLimit",
    "anvil_setCode",
    "anvil_setCoinbase",
    "anvil_setIntervalMining",
    "anvil_setNextBlockBaseFeePerGas",
    "anvil_setNonce",
    "anvil_setPrevRandao",
    "anvil_setStorageAt",
    "evm_increaseTime",
    "evm_mine",
    "evm_revert",
    "evm_setAutomine",
    "evm_setBlockGasLimit",
    "evm_setIntervalMining",
    "evm_setNextBlockTimestamp",
    "evm_snapshot",
    "hardhat_impersonateAccount",
    "hardhat_mine",
    "hardhat_reset",
    "hardhat_setBalance",
    "hardhat_setBlockGasLimit",
    "hardhat_setCode",
    "hardhat_setCoinbase",
    "hardhat_setIntervalMining",
    "hardhat_setNextBlockBaseFeePerGas",
    "hardhat_setNonce",
    "hardhat_setPrevRandao",
    "hardhat_setStorageAt",
];

/// Expands the table into [`METHODS`], [`dispatch`] and [`dispatch_session`].
macro_rules! methods {
    // How each mode runs a handler (in `dispatch`).
    (@run async $handler:path, $rpc:ident, $method:ident, $params:ident, $($param:ident: $ty:ty),*) => {{
        let ($($param,)*) = methods!(@parse $params, $($param: $ty),*)?;
        $handler($rpc, $($param),*).await
    }};
    (@run sync $handler:path, $rpc:ident, $method:ident, $params:ident, $($param:ident: $ty:ty),*) => {{
        let ($($param,)*) = methods!(@parse $params, $($param: $ty),*)?;
        $handler($rpc, $($param),*)
    }};
    (@run read $handler:path, $rpc:ident, $method:ident, $params:ident, $($param:ident: $ty:ty),*) => {{
        let ($($param,)*) = methods!(@parse $params, $($param: $ty),*)?;
        let node = $rpc.coordinator.node();
        $handler($rpc, &node, $($param),*)
    }};
    (@run blocking $handler:path, $rpc:ident, $method:ident, $params:ident, $($param:ident: $ty:ty),*) => {{
        let ($($param,)*) = methods!(@parse $params, $($param: $ty),*)?;
        blocking(|| $handler($rpc, $($param),*))
    }};
    (@run long $handler:path, $rpc:ident, $method:ident, $params:ident, $($param:ident: $ty:ty),*) => {{
        let ($($param,)*) = methods!(@parse $params, $($param: $ty),*)?;
        long_read(move || $handler($rpc, $($param),*))
    }};
    (@run blocking_read $handler:path, $rpc:ident, $method:ident, $params:ident, $($param:ident: $ty:ty),*) => {{
        let ($($param,)*) = methods!(@parse $params, $($param: $ty),*)?;
        blocking(|| $handler($rpc, &$rpc.coordinator.node(), $($param),*))
    }};
    (@run session $handler:path, $rpc:ident, $method:ident, $params:ident, $($param:ident: $ty:ty),*) => {
        Err(RpcError::method_not_found($method))
    };
    // Session methods (in `dispatch_session`); the others are left to `dispatch`.
    (@session session $name:literal $handler:path, $rpc:ident, $session:ident, $method:ident, $params:ident,
        $($param:ident: $ty:ty),*) => {
        if $method == $name {
            let params = Params::lenient($params);
            return Some(methods!(@parse params, $($param: $ty),*)
                .and_then(|($($param,)*)| $handler($rpc, $session, $($param),*)));
        }
    };
    (@session $mode:ident $name:literal $handler:path, $($rest:tt)*) => {};
    (@parse $params:ident, $($param:ident: $ty:ty),*) => {
        $params.parse::<($($ty,)*)>(&[$(stringify!($param)),*])
    };
    ($($name:literal ($($param:ident: $ty:ty),* $(,)?) => $mode:ident $handler:path,)+) => {
        /// Every method the node answers (over HTTP and WebSocket; the `session` ones over
        /// WebSocket only), sorted.
        pub const METHODS: &[&str] = &[$($name),+];

        /// Runs `method` with `params`; an unknown method (or a session method outside a
        /// session) is −32601.
        pub async fn dispatch(rpc: &Rpc, method: &str, params: Params) -> Result<Value, RpcError> {
            match method {
                $($name => methods!(@run $mode $handler, rpc, method, params, $($param: $ty),*),)+
                _ => Err(RpcError::method_not_found(method)),
            }
        }

        /// Reads `params` as `method` takes them, without running it (what a request's params
        /// must pass before anything is done; the fuzz targets call it): `None` for an unknown
        /// method.
        pub fn check_params(method: &str, params: Value) -> Option<Result<(), RpcError>> {
            match method {
                $($name => Some(Params::new(params).and_then(|params| {
                    methods!(@parse params, $($param: $ty),*).map(|_| ())
                })),)+
                _ => None,
            }
        }

        /// Runs `method` if it is a WebSocket session method (reading `params` leniently: any
        /// non-array is no params); `None` for any other method.
        pub fn dispatch_session(
            rpc: &Rpc,
            session: &mut Session,
            method: &str,
            params: Value,
        ) -> Option<Result<Value, RpcError>> {
            $(methods!(@session $mode $name $handler, rpc, session, method, params, $($param: $ty),*);)+
            None
        }
    };
}

methods! {
    "anvil_autoImpersonateAccount" (enabled: bool) => sync dev::auto_impersonate,
    "anvil_dropAllTransactions" () => sync txpool::drop_all_transactions,
    "anvil_dropTransaction" (tx_hash: B256) => sync txpool::drop_transaction,
    "anvil_dumpState" () => blocking dev::dump_state,
    "anvil_getAutomine" () => sync dev::get_automine,
    "anvil_impersonateAccount" (address: Address) => sync dev::impersonate,
    "anvil_loadState" (state: Bytes) => blocking dev::load_state,
    "anvil_metadata" () => read dev::metadata,
    "anvil_mine" (blocks: Option<U64>, interval: Option<U64>) => blocking dev::mine,
    "anvil_nodeInfo" () => read dev::node_info,
    "anvil_reset" (options: Option<Value>) => blocking dev::reset,
    "anvil_setBalance" (address: Address, balance: U256) => blocking dev::set_balance,
    "anvil_setBlockGasLimit" (gas_limit: U256) => sync dev::set_block_gas_limit,
    "anvil_setCode" (address: Address, code: Bytes) => blocking dev::set_code,
    "anvil_setCoinbase" (address: Address) => sync dev::set_coinbase,
    "anvil_setIntervalMining" (seconds: u64) => sync dev::set_interval_mining,
    "anvil_setLoggingEnabled" (enabled: bool) => sync dev::set_logging_enabled,
    "anvil_setMinGasPrice" (gas_price: U256) => sync dev::set_min_gas_price,
    "anvil_setNextBlockBaseFeePerGas" (base_fee: U256) => sync dev::set_next_block_base_fee,
    "anvil_setNonce" (address: Address, nonce: U256) => blocking dev::set_nonce,
    "anvil_setPrevRandao" (prevrandao: B256) => sync dev::set_prev_randao,
    "anvil_setStorageAt" (address: Address, slot: U256, value: B256) => blocking dev::set_storage_at,
    "anvil_stopImpersonatingAccount" (address: Address) => sync dev::stop_impersonating,
    "debug_traceBlockByHash" (block_hash: B256, options: Option<GethDebugTracingOptions>)
        => long debug::trace_block_by_hash,
    "debug_traceBlockByNumber" (block: BlockNumberOrTag, options: Option<GethDebugTracingOptions>)
        => long debug::trace_block_by_number,
    "debug_traceCall" (transaction: TransactionRequest, block: Option<BlockId>, options: Option<GethDebugTracingCallOptions>)
        => blocking_read debug::trace_call,
    "debug_traceTransaction" (tx_hash: B256, options: Option<GethDebugTracingOptions>)
        => blocking debug::trace_transaction,
    "eth_accounts" () => read eth::state::accounts,
    "eth_blobBaseFee" () => read eth::state::blob_base_fee,
    "eth_blockNumber" () => read eth::state::block_number,
    "eth_call" (transaction: TransactionRequest, block: Option<BlockId>) => blocking_read eth::call::call,
    "eth_chainId" () => read eth::state::chain_id,
    "eth_coinbase" () => read eth::state::coinbase,
    "eth_createAccessList" (transaction: TransactionRequest, block: Option<BlockId>)
        => blocking_read eth::access::create_access_list,
    "eth_estimateGas" (transaction: TransactionRequest, block: Option<BlockId>)
        => blocking_read eth::call::estimate_gas,
    "eth_feeHistory" (block_count: U64, newest_block: BlockNumberOrTag, reward_percentiles: Option<Vec<f64>>)
        => blocking_read eth::call::fee_history,
    "eth_gasPrice" () => read eth::state::gas_price,
    "eth_getAccount" (address: Address, block: Option<BlockId>) => blocking eth::state::get_account,
    "eth_getBalance" (address: Address, block: Option<BlockId>) => read eth::state::balance,
    "eth_getBlockByHash" (block_hash: B256, full_transactions: Option<bool>) => read eth::blocks::by_hash,
    "eth_getBlockByNumber" (block: BlockNumberOrTag, full_transactions: Option<bool>) => read eth::blocks::by_number,
    "eth_getBlockReceipts" (block: BlockId) => long eth::blocks::block_receipts,
    "eth_getBlockTransactionCountByHash" (block_hash: B256) => read eth::blocks::tx_count_by_hash,
    "eth_getBlockTransactionCountByNumber" (block: BlockNumberOrTag) => read eth::blocks::tx_count_by_number,
    "eth_getCode" (address: Address, block: Option<BlockId>) => read eth::state::code,
    "eth_getFilterChanges" (filter_id: U256) => long eth::logs::filter_changes,
    "eth_getFilterLogs" (filter_id: U256) => long eth::logs::filter_logs,
    "eth_getLogs" (filter: Filter) => long eth::logs::get_logs,
    "eth_getProof" (address: Address, storage_keys: Value, block: Option<Value>) => sync eth::access::get_proof,
    "eth_getRawTransactionByHash" (tx_hash: B256) => read eth::blocks::raw_tx_by_hash,
    "eth_getStorageAt" (address: Address, slot: U256, block: Option<BlockId>) => read eth::state::storage_at,
    "eth_getTransactionByBlockHashAndIndex" (block_hash: B256, index: U64) => read eth::blocks::tx_by_hash_and_index,
    "eth_getTransactionByBlockNumberAndIndex" (block: BlockNumberOrTag, index: U64)
        => read eth::blocks::tx_by_number_and_index,
    "eth_getTransactionByHash" (tx_hash: B256) => read eth::blocks::tx_by_hash,
    "eth_getTransactionBySenderAndNonce" (address: Address, nonce: U64) => read ots::eth_tx_by_sender_and_nonce,
    "eth_getTransactionCount" (address: Address, block: Option<BlockId>) => read eth::state::transaction_count,
    "eth_getTransactionReceipt" (tx_hash: B256) => read eth::blocks::receipt,
    "eth_getUncleByBlockHashAndIndex" () => read eth::blocks::uncle,
    "eth_getUncleByBlockNumberAndIndex" () => read eth::blocks::uncle,
    "eth_getUncleCountByBlockHash" () => read eth::blocks::uncle_count,
    "eth_getUncleCountByBlockNumber" () => read eth::blocks::uncle_count,
    "eth_hashrate" () => read eth::state::hashrate,
    "eth_maxPriorityFeePerGas" () => read eth::state::max_priority_fee,
    "eth_mining" () => read eth::state::mining,
    "eth_newBlockFilter" () => read eth::logs::new_block_filter,
    "eth_newFilter" (filter: Filter) => read eth::logs::new_filter,
    "eth_newPendingTransactionFilter" () => read eth::logs::new_pending_transaction_filter,
    "eth_protocolVersion" () => read eth::state::protocol_version,
    "eth_sendRawTransaction" (signed_transaction: Bytes) => async eth::send::send_raw,
    "eth_sendTransaction" (transaction: TransactionRequest) => async eth::send::send_transaction,
    "eth_sign" (address: Address, message: Bytes) => read eth::send::sign,
    "eth_signTransaction" (transaction: TransactionRequest) => async eth::send::sign_transaction,
    "eth_signTypedData" (address: Address, typed_data: Value) => read eth::send::sign_typed,
    "eth_signTypedData_v4" (address: Address, typed_data: Value) => read eth::send::sign_typed,
    "eth_simulateV1" (payload: alloy_rpc_types_eth::simulate::SimulatePayload, block: Option<BlockId>)
        => blocking_read eth::simulate::simulate_v1,
    "eth_subscribe" (subscription_kind: SubscriptionKind, filter: Lazy<Filter>) => session subscriptions::subscribe,
    "eth_syncing" () => read eth::state::syncing,
    "eth_uninstallFilter" (filter_id: U256) => read eth::logs::uninstall_filter,
    "eth_unsubscribe" (subscription_id: Lazy<U256>) => session subscriptions::unsubscribe,
    "evm_increaseTime" (seconds: Value) => sync dev::increase_time,
    "evm_mine" (timestamp_or_options: Option<Value>) => blocking dev::evm_mine,
    "evm_revert" (snapshot_id: U64) => sync dev::revert,
    "evm_setAutomine" (enabled: bool) => sync dev::set_automine,
    "evm_setBlockGasLimit" (gas_limit: U256) => sync dev::set_block_gas_limit,
    "evm_setIntervalMining" (milliseconds: u64) => sync dev::set_interval_mining_ms,
    "evm_setNextBlockTimestamp" (timestamp: Value) => sync dev::set_next_block_timestamp,
    "evm_snapshot" () => sync dev::snapshot,
    "hardhat_dropTransaction" (tx_hash: B256) => sync txpool::drop_transaction_hardhat,
    "hardhat_getAutomine" () => sync dev::get_automine,
    "hardhat_impersonateAccount" (address: Address) => sync dev::impersonate,
    "hardhat_metadata" () => read dev::metadata,
    "hardhat_mine" (blocks: Option<U64>, interval: Option<U64>) => blocking dev::mine,
    "hardhat_nodeInfo" () => read dev::node_info,
    "hardhat_reset" (options: Option<Value>) => blocking dev::reset,
    "hardhat_setBalance" (address: Address, balance: U256) => blocking dev::set_balance,
    "hardhat_setBlockGasLimit" (gas_limit: U256) => sync dev::set_block_gas_limit,
    "hardhat_setCode" (address: Address, code: Bytes) => blocking dev::set_code,
    "hardhat_setCoinbase" (address: Address) => sync dev::set_coinbase,
    "hardhat_setIntervalMining" (seconds: u64) => sync dev::set_interval_mining,
    "hardhat_setLoggingEnabled" (enabled: bool) => sync dev::set_logging_enabled,
    "hardhat_setMinGasPrice" (gas_price: U256) => sync dev::set_min_gas_price,
    "hardhat_setNextBlockBaseFeePerGas" (base_fee: U256) => sync dev::set_next_block_base_fee,
    "hardhat_setNonce" (address: Address, nonce: U256) => blocking dev::set_nonce,
    "hardhat_setPrevRandao" (prevrandao: B256) => sync dev::set_prev_randao,
    "hardhat_setStorageAt" (address: Address, slot: U256, value: B256) => blocking dev::set_storage_at,
    "hardhat_stopImpersonatingAccount" (address: Address) => sync dev::stop_impersonating,
    "manaflow_getBlockCompact" (number: U64) => blocking_read wire::get_block_compact,
    "manaflow_getFraudProof" (raw_block: Bytes) => blocking proofs::get_fraud_proof,
    "manaflow_getHeaders" (from: U64, count: U64) => read proofs::get_headers,
    "manaflow_getMoves" (tx_hash: B256) => read model::get_moves,
    "manaflow_getOutput" (address: Address, mark: Mark, slot: Option<U256>) => read model::get_output,
    "manaflow_getOutputProof" (address: Address, mark: Mark, slot: Option<U256>) => read proofs::get_output_proof,
    "manaflow_getRawBlock" (number: U64) => read proofs::get_raw_block,
    "manaflow_getTransactionProof" (tx_hash: B256) => read proofs::get_transaction_proof,
    "manaflow_prepareTransaction" (transaction: TransactionRequest, options: Option<Options>)
        => blocking_read wallet::prepare_transaction,
    "manaflow_sendTransaction" (transaction: TransactionRequest, options: Option<Options>)
        => async wallet::send_transaction,
    "manaflow_traceTransaction" (tx_hash: B256) => blocking model_trace::trace_transaction,
    "manaflow_utxoSet" () => read model::utxo_set,
    "manaflow_validateBlock" (block: BlockNumberOrTag, direction: Option<String>)
        => long model::validate_block,
    "manaflow_verifyFraudProof" (proof: Bytes) => blocking_read proofs::verify_fraud_proof,
    "net_listening" () => read eth::state::net_listening,
    "net_peerCount" () => read eth::state::net_peer_count,
    "net_version" () => read eth::state::net_version,
    "ots_getApiLevel" () => read ots::api_level,
    "ots_getBlockDetails" (block: BlockNumberParam) => read ots::block_details_by_number,
    "ots_getBlockDetailsByHash" (block_hash: B256) => read ots::block_details_by_hash,
    "ots_getBlockTransactions" (block: BlockNumberParam, page_number: U64, page_size: U64)
        => blocking_read ots::block_transactions,
    "ots_getContractCreator" (address: Address) => blocking ots::contract_creator,
    "ots_getInternalOperations" (tx_hash: B256) => blocking ots::internal_operations,
    "ots_getTransactionBySenderAndNonce" (address: Address, nonce: U64) => read ots::tx_by_sender_and_nonce,
    "ots_getTransactionError" (tx_hash: B256) => blocking ots::transaction_error,
    "ots_hasCode" (address: Address, block: Option<BlockId>) => read ots::has_code,
    "ots_searchTransactionsAfter" (address: Address, block: U64, page_size: U64)
        => blocking_read ots::search_after,
    "ots_searchTransactionsBefore" (address: Address, block: U64, page_size: U64)
        => blocking_read ots::search_before,
    "ots_traceTransaction" (tx_hash: B256) => blocking ots::trace_transaction,
    "personal_sign" (message: Bytes, address: Address) => read eth::send::personal_sign,
    "trace_block" (block: BlockNumberOrTag) => long trace::block,
    "trace_call" (transaction: TransactionRequest, trace_types: Vec<TraceType>, block: Option<BlockId>)
        => blocking_read trace::call,
    "trace_filter" (filter: TraceFilter) => long trace::filter,
    "trace_replayBlockTransactions" (block: BlockNumberOrTag, trace_types: Vec<TraceType>)
        => long trace::replay_block_transactions,
    "trace_replayTransaction" (tx_hash: B256, trace_types: Vec<TraceType>)
        => blocking trace::replay_transaction,
    "trace_transaction" (tx_hash: B256) => blocking trace::transaction,
    "txpool_content" () => sync txpool::content,
    "txpool_inspect" () => sync txpool::inspect,
    "txpool_status" () => sync txpool::status,
    "web3_clientVersion" () => read eth::state::client_version,
    "web3_sha3" (data: Bytes) => read eth::state::sha3,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::Config;
    use crate::coordinator::Coordinator;

    #[test]
    fn the_table_is_sorted_without_duplicates() {
        for pair in METHODS.windows(2) {
            assert!(pair[0] < pair[1], "{} before {}", pair[0], pair[1]);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_listed_method_is_answered() {
        let (coordinator, miner) = Coordinator::start(Config::test()).expect("a node");
        let rpc = Rpc::new(coordinator.clone(), crate::LogLimits::default());
        let (notify, _outbox, _overflowed) = crate::rpc::server::Outbox::new(16);
        let mut session = Session::new(notify);
        for &method in METHODS {
            let answer = match dispatch_session(&rpc, &mut session, method, json!([])) {
                Some(answer) => answer,
                None => rpc.call(method, json!([])).await,
            };
            if let Err(e) = answer {
                assert_ne!(e.code, -32601, "{method}: {e:?}");
            }
        }
        let unknown = rpc.call("eth_noSuchMethod", json!([])).await.unwrap_err();
        assert_eq!(unknown.code, -32601);
        let outside = rpc.call("eth_subscribe", json!(["newHeads"])).await.unwrap_err();
        assert_eq!(outside.code, -32601, "session methods are unknown outside a session");
        assert!(dispatch_session(&rpc, &mut session, "eth_chainId", json!([])).is_none());
        drop(session);
        coordinator.shutdown();
        miner.join().expect("the miner stops");
    }
}
