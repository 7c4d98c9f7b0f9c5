//! The client, the chain and account state: `web3_`, `net_`, chain id and height, accounts,
//! mining status, fees, and balances, nonces, code and storage at any past block.

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, U64, U256, keccak256};
use serde_json::{Value, json};

use super::DEFAULT_PRIORITY_FEE;
use crate::coordinator::MiningMode;
use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::error::RpcError;
use crate::rpc::params::height_of;

/// What the node calls itself: `anvil-compatible manaflow/v{version}`. Hardhat's network
/// helpers (`loadFixture`, `time`, `mine`, …) accept only a client whose version starts with
/// `hardhat`, `zksync` or `anvil`, and then use Anvil's method names, which this node answers; the
/// rest of the string names manaflow and its version.
pub fn client_version_string() -> String {
    format!("anvil-compatible manaflow/v{}", env!("CARGO_PKG_VERSION"))
}

/// `web3_clientVersion`: [`client_version_string`].
pub fn client_version(_rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!(client_version_string()))
}

/// `web3_sha3`: the keccak-256 of `data`.
pub fn sha3(_rpc: &Rpc, _node: &Node, data: Bytes) -> Result<Value, RpcError> {
    Ok(json!(keccak256(&data)))
}

/// `net_version`: the chain id in decimal.
pub fn net_version(_rpc: &Rpc, node: &Node) -> Result<Value, RpcError> {
    Ok(json!(node.chain_id().to_string()))
}

/// `net_listening`: always.
pub fn net_listening(_rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!(true))
}

/// `net_peerCount`: a devnet has no peers.
pub fn net_peer_count(_rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!("0x0"))
}

/// `eth_chainId`.
pub fn chain_id(_rpc: &Rpc, node: &Node) -> Result<Value, RpcError> {
    Ok(json!(U64::from(node.chain_id())))
}

/// `eth_blockNumber`: the height of the tip.
pub fn block_number(_rpc: &Rpc, node: &Node) -> Result<Value, RpcError> {
    Ok(json!(U64::from(node.height())))
}

/// `eth_accounts`: the dev accounts.
pub fn accounts(rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!(rpc.accounts.iter().map(|a| a.address).collect::<Vec<_>>()))
}

/// `eth_coinbase`: the first dev account (zero without any).
pub fn coinbase(rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!(rpc.accounts.first().map(|a| a.address).unwrap_or_default()))
}

/// `eth_mining`: whether blocks are mined without being asked for (automine or interval).
pub fn mining(rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!(rpc.coordinator.mode() != MiningMode::Manual))
}

/// `eth_syncing`: never.
pub fn syncing(_rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!(false))
}

/// `eth_hashrate`: none.
pub fn hashrate(_rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!("0x0"))
}

/// `eth_protocolVersion`.
pub fn protocol_version(_rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!("0x41"))
}

/// `eth_gasPrice`: the next block's base fee plus the default tip.
pub fn gas_price(_rpc: &Rpc, node: &Node) -> Result<Value, RpcError> {
    Ok(json!(U256::from(u128::from(node.next_base_fee()) + DEFAULT_PRIORITY_FEE)))
}

/// `eth_maxPriorityFeePerGas`: the default tip.
pub fn max_priority_fee(_rpc: &Rpc, _node: &Node) -> Result<Value, RpcError> {
    Ok(json!(U256::from(DEFAULT_PRIORITY_FEE)))
}

/// `eth_blobBaseFee`: the tip's blob base fee.
pub fn blob_base_fee(_rpc: &Rpc, node: &Node) -> Result<Value, RpcError> {
    Ok(json!(U256::from(node.tip().blob_base_fee)))
}

/// `eth_getBalance`: `address`'s balance after `block` (the latest when absent).
pub fn balance(_rpc: &Rpc, node: &Node, address: Address, block: Option<BlockId>) -> Result<Value, RpcError> {
    let height = height_of(node, block)?;
    node.balance_at(address, height).map(|b| json!(b)).map_err(RpcError::internal)
}

/// `eth_getTransactionCount`: `address`'s nonce after `block`; at `pending`, counting its pooled
/// txs too.
pub fn transaction_count(rpc: &Rpc, node: &Node, address: Address, block: Option<BlockId>) -> Result<Value, RpcError> {
    if matches!(block, Some(BlockId::Number(BlockNumberOrTag::Pending))) {
        let state = node.nonce(address).map_err(RpcError::internal)?;
        return Ok(json!(U64::from(rpc.coordinator.pending_nonce_from(address, state))));
    }
    let height = height_of(node, block)?;
    node.nonce_at(address, height).map(|n| json!(U64::from(n))).map_err(RpcError::internal)
}

/// `eth_getCode`: `address`'s code after `block`.
pub fn code(_rpc: &Rpc, node: &Node, address: Address, block: Option<BlockId>) -> Result<Value, RpcError> {
    let height = height_of(node, block)?;
    node.code_at(address, height).map(|c| json!(c)).map_err(RpcError::internal)
}

/// `eth_getStorageAt`: `address`'s storage `slot` after `block`.
pub fn storage_at(
    _rpc: &Rpc,
    node: &Node,
    address: Address,
    slot: U256,
    block: Option<BlockId>,
) -> Result<Value, RpcError> {
    let height = height_of(node, block)?;
    node.storage_at(address, B256::from(slot), height).map(|v| json!(v)).map_err(RpcError::internal)
}

/// `eth_getAccount`: `address`'s balance, nonce, code hash and storage root after `block`. The
/// storage root is the Merkle-Patricia root Ethereum would give the account's storage, computed
/// from its slots in the UTXO set (a scan of the set: this chain commits to its state with a
/// multiset hash, not a trie).
pub fn get_account(rpc: &Rpc, address: Address, block: Option<BlockId>) -> Result<Value, RpcError> {
    rpc.coordinator.with_node(|node| {
        let height = height_of(node, block)?;
        let slots: Vec<B256> = node
            .tip_values()
            .map_err(RpcError::internal)?
            .into_iter()
            .filter(|(key, _)| key.addr == address && key.mark == manaflow_types::Mark::Storage)
            .map(|(key, _)| key.slot)
            .collect();
        let mut storage = Vec::with_capacity(slots.len());
        for slot in slots {
            let value = node.storage_at(address, slot, height).map_err(RpcError::internal)?;
            if !value.is_zero() {
                storage.push((slot, U256::from_be_bytes(value.0)));
            }
        }
        let code = node.code_at(address, height).map_err(RpcError::internal)?;
        let code_hash = if code.is_empty() { alloy_primitives::KECCAK256_EMPTY } else { keccak256(&code) };
        Ok(json!({
            "balance": node.balance_at(address, height).map_err(RpcError::internal)?,
            "nonce": U64::from(node.nonce_at(address, height).map_err(RpcError::internal)?),
            "codeHash": code_hash,
            "storageRoot": alloy_trie::root::storage_root_unhashed(storage),
        }))
    })
}
