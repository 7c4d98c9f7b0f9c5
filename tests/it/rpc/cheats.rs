//! Cheats that do not mine (DESIGN §8), as Hardhat and Foundry suites count on: the node's
//! identity Hardhat's network helpers accept, cheats merged into one pending system tx that reads
//! see at once and the next block carries as its (unlisted) tx 0, and snapshots that keep the
//! pending cheats and the clock.

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{B256, Bytes, U64, U256, address};
use alloy_provider::Provider;
use alloy_rpc_types_eth::TransactionRequest;
use serde_json::{Value, json};

use crate::rpc::contracts::{deploy_token, token_transfer};
use crate::rpc::support::*;

#[tokio::test]
async fn the_client_version_is_one_hardhat_helpers_accept_and_names_manaflow() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let version: String = rpc(&p, "web3_clientVersion", json!([])).await;
    assert!(version.to_lowercase().starts_with("anvil"), "{version}");
    assert_eq!(version, format!("anvil-compatible manaflow/v{}", env!("CARGO_PKG_VERSION")));
}

#[tokio::test]
async fn four_cheats_mine_nothing_and_the_next_block_holds_them_as_tx_0() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let token = deploy_token(&p, a).await;
    let height = block_number(&p).await;
    let x = address!("0x7777777777777777777777777777777777777777");
    let code = Bytes::from_static(&[0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3]); // returns 42
    let word = B256::repeat_byte(0xcd);

    let _: Value = rpc(&p, "anvil_setBalance", json!([x, ether(5)])).await;
    let _: Value = rpc(&p, "anvil_setNonce", json!([x, "0x7"])).await;
    let _: Value = rpc(&p, "anvil_setCode", json!([x, code])).await;
    let _: Value = rpc(&p, "hardhat_setStorageAt", json!([x, "0x1", word])).await;
    assert_eq!(block_number(&p).await, height, "cheats mine nothing");

    // Reads at latest, pending and the current block number see them applied.
    assert_eq!(balance(&p, x).await, ether(5));
    assert_eq!(p.get_balance(x).block_id(BlockNumberOrTag::Pending.into()).await.unwrap(), ether(5));
    assert_eq!(p.get_balance(x).block_id(height.into()).await.unwrap(), ether(5));
    assert_eq!(nonce(&p, x).await, 7);
    assert_eq!(p.get_code_at(x).await.unwrap(), code);
    assert_eq!(p.get_storage_at(x, U256::from(1u64)).await.unwrap(), U256::from_be_bytes(word.0));
    assert_eq!(eth_call(&p, a, x, Bytes::new()).await, Bytes::from(U256::from(42u64).to_be_bytes::<32>().to_vec()));
    // A second cheat on a key merges into the same pending tx.
    let _: Value = rpc(&p, "anvil_setBalance", json!([x, ether(6)])).await;
    assert_eq!(balance(&p, x).await, ether(6));
    assert_eq!(block_number(&p).await, height);

    // The next block, mined by a tx, holds the cheats first; the RPC lists only the tx.
    let receipt = token_transfer(&p, token, a, b, 5).await;
    assert_eq!(receipt.block_number, Some(height + 1));
    assert_eq!(receipt.transaction_index, Some(0), "system txs are not counted");
    assert_eq!(receipt.inner.logs()[0].transaction_index, Some(0));
    assert_eq!(receipt.inner.logs()[0].log_index, Some(0));
    let block = p.get_block_by_number(BlockNumberOrTag::Number(height + 1)).await.unwrap().expect("the block");
    assert_eq!(block.transactions.hashes().collect::<Vec<_>>(), [receipt.transaction_hash]);
    let by_index: Value =
        rpc(&p, "eth_getTransactionByBlockNumberAndIndex", json!([U64::from(height + 1), "0x0"])).await;
    assert_eq!(by_index["hash"], json!(receipt.transaction_hash));
    assert_eq!(by_index["transactionIndex"], "0x0");

    // Mined, the cheats stay; the past block before them does not have them.
    assert_eq!(balance(&p, x).await, ether(6));
    assert_eq!(nonce(&p, x).await, 7);
    assert_eq!(p.get_balance(x).block_id((height - 1).into()).await.unwrap(), U256::ZERO);
}

#[tokio::test]
async fn a_mine_with_only_cheats_pending_gives_a_block_holding_just_them() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let height = block_number(&p).await;
    let x = address!("0x7878787878787878787878787878787878787878");
    let _: Value = rpc(&p, "anvil_setBalance", json!([x, ether(1)])).await;
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    assert_eq!(block_number(&p).await, height + 1);
    let block = p.get_block_by_number(BlockNumberOrTag::Number(height + 1)).await.unwrap().expect("the block");
    assert_eq!(block.transactions.len(), 0, "the system tx is not listed");
    assert_eq!(p.get_balance(x).block_id((height + 1).into()).await.unwrap(), ether(1));
    assert_eq!(p.get_balance(x).block_id(height.into()).await.unwrap(), U256::ZERO);
}

#[tokio::test]
async fn snapshots_keep_the_pending_cheats_and_the_clock() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let x = address!("0x7979797979797979797979797979797979797979");
    let _: Value = rpc(&p, "anvil_setBalance", json!([x, ether(1)])).await;
    let offset: Value = rpc(&p, "evm_increaseTime", json!([100])).await;
    let height = block_number(&p).await;
    let id: U64 = rpc(&p, "evm_snapshot", json!([])).await;

    let _: Value = rpc(&p, "anvil_setBalance", json!([x, ether(2)])).await;
    let _: Value = rpc(&p, "evm_increaseTime", json!([10_000])).await;
    send_ok(&p, TransactionRequest::default().from(a).to(b).value(U256::from(1u64))).await;
    assert_eq!(balance(&p, x).await, ether(2));

    assert!(rpc::<bool>(&p, "evm_revert", json!([id])).await);
    assert_eq!(block_number(&p).await, height);
    assert_eq!(balance(&p, x).await, ether(1), "the pending cheat as it was at the snapshot");
    let again: Value = rpc(&p, "evm_increaseTime", json!([0])).await;
    assert_eq!(again, offset, "the clock's offset as it was at the snapshot");
    // The restored cheat still rides in the next block (a new provider: alloy caches nonces).
    let p = provider(&devnet, 0);
    let receipt = send_ok(&p, TransactionRequest::default().from(a).to(b).value(U256::from(1u64))).await;
    assert_eq!(receipt.block_number, Some(height + 1));
    assert_eq!(p.get_balance(x).block_id((height + 1).into()).await.unwrap(), ether(1));
}
