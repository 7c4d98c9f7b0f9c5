//! A chain with a data dir survives a restart: same blocks, balances, code and receipts, and it
//! goes on from where it stopped.

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, U256, address};
use alloy_provider::{DynProvider, Provider};
use alloy_rpc_types_eth::TransactionRequest;
use manaflow::Config;
use serde_json::{Value, json};

use crate::rpc::contracts::{token_balance, token_transfer};
use crate::rpc::support::*;

/// Everything compared across the restart.
#[derive(Debug, PartialEq)]
struct Seen {
    height: u64,
    balances: Vec<U256>,
    nonces: Vec<u64>,
    token_balance: U256,
    code: alloy_primitives::Bytes,
    blocks: Vec<Value>,
    receipts: Vec<Value>,
    txs: Vec<Value>,
}

async fn look(p: &DynProvider, addresses: &[Address], token: Address, hashes: &[alloy_primitives::B256]) -> Seen {
    let (height, balances) = chain_state(p, addresses).await;
    let mut nonces = Vec::new();
    for a in addresses {
        nonces.push(nonce(p, *a).await);
    }
    let mut blocks = Vec::new();
    for n in 0..=height {
        blocks.push(rpc::<Value>(p, "eth_getBlockByNumber", json!([format!("{n:#x}"), true])).await);
    }
    let (mut receipts, mut txs) = (Vec::new(), Vec::new());
    for hash in hashes {
        receipts.push(rpc::<Value>(p, "eth_getTransactionReceipt", json!([hash])).await);
        txs.push(rpc::<Value>(p, "eth_getTransactionByHash", json!([hash])).await);
    }
    Seen {
        height,
        balances,
        nonces,
        token_balance: token_balance(p, token, addresses[1]).await,
        code: p.get_code_at(token).await.unwrap(),
        blocks,
        receipts,
        txs,
    }
}

#[tokio::test]
async fn a_chain_with_a_data_dir_resumes_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = || Config::test().with_data_dir(dir.path());
    let x = address!("0x3333333333333333333333333333333333333333");

    let devnet = start_with(config());
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let mut hashes = Vec::new();
    let receipt = send_ok(&p, TransactionRequest::default().from(a).to(b).value(ether(2)).gas_price(2 * GWEI)).await;
    hashes.push(receipt.transaction_hash);
    let deployed = deploy_receipt(&p, a, artifact("TestToken").bytecode).await;
    let token = deployed.contract_address.expect("a contract");
    hashes.push(deployed.transaction_hash);
    hashes.push(token_transfer(&p, token, a, b, 1234).await.transaction_hash);
    let _: Value = rpc(&p, "anvil_setBalance", json!([x, "0x77"])).await;
    let _: Value = rpc(&p, "anvil_mine", json!(["0x2"])).await;
    let addresses = [a, b, x];
    let before = look(&p, &addresses, token, &hashes).await;
    // Three txs and two mined blocks (the cheat rides in the first: cheats do not mine).
    assert_eq!(before.height, 5);
    assert!(before.receipts.iter().all(|r| r["status"] == "0x1"), "{:?}", before.receipts);
    drop(p);
    devnet.shutdown();

    let devnet = start_with(config());
    let p = provider(&devnet, 0);
    let after = look(&p, &addresses, token, &hashes).await;
    assert_eq!(after, before, "the same chain after the restart");

    // It goes on: the next block links to the old tip, nonces continue.
    let receipt = send_ok(&p, TransactionRequest::default().from(a).to(x).value(U256::from(1u64))).await;
    assert_eq!(receipt.block_number, Some(6));
    let block = p.get_block_by_number(BlockNumberOrTag::Number(6)).await.unwrap().unwrap();
    assert_eq!(json!(block.header.parent_hash), before.blocks[5]["hash"]);
    assert_eq!(nonce(&p, a).await, 4);
    assert_eq!(balance(&p, x).await, U256::from(0x78u64));
    devnet.shutdown();

    // And a third start sees that block too.
    let devnet = start_with(config());
    let p = provider(&devnet, 0);
    assert_eq!(block_number(&p).await, 6);
    assert_eq!(balance(&p, x).await, U256::from(0x78u64));
}

#[tokio::test]
async fn a_restart_keeps_reverts_impersonated_txs_and_past_state() {
    let dir = tempfile::tempdir().unwrap();
    let config = || Config::test().with_data_dir(dir.path());
    let x = address!("0x4444444444444444444444444444444444444444");

    let devnet = start_with(config());
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    send_ok(&p, TransactionRequest::default().from(a).to(b).value(ether(1))).await;
    // An impersonated tx (no real signature) is part of the chain.
    let _: Value = rpc(&p, "anvil_setBalance", json!([x, ether(1)])).await;
    let _: Value = rpc(&p, "anvil_impersonateAccount", json!([x])).await;
    let impersonated: alloy_primitives::B256 =
        rpc(&p, "eth_sendTransaction", json!([{"from": x, "to": b, "value": "0x5"}])).await;
    let kept = chain_state(&p, &[a, b, x]).await;
    let kept_receipt: Value = rpc(&p, "eth_getTransactionReceipt", json!([impersonated])).await;
    // Blocks after a snapshot, then reverted: they must not come back.
    let id: alloy_primitives::U64 = rpc(&p, "evm_snapshot", json!([])).await;
    send_ok(&p, TransactionRequest::default().from(a).to(b).value(ether(3))).await;
    let _: Value = rpc(&p, "anvil_mine", json!(["0x3"])).await;
    assert!(rpc::<bool>(&p, "evm_revert", json!([id])).await);
    assert_eq!(chain_state(&p, &[a, b, x]).await, kept);
    drop(p);
    devnet.shutdown();

    let devnet = start_with(config());
    let p = provider(&devnet, 0);
    assert_eq!(chain_state(&p, &[a, b, x]).await, kept, "the reverted blocks stay reverted");
    assert_eq!(rpc::<Value>(&p, "eth_getTransactionReceipt", json!([impersonated])).await, kept_receipt);
    // Past state after the restart.
    assert_eq!(p.get_balance(b).block_id(alloy_eips::BlockId::number(0)).await.unwrap(), initial_balance());
    assert_eq!(p.get_balance(b).block_id(alloy_eips::BlockId::number(1)).await.unwrap(), initial_balance() + ether(1));
    assert_eq!(p.get_balance(x).block_id(alloy_eips::BlockId::number(1)).await.unwrap(), U256::ZERO);
    // Block 2 holds the cheat (its tx 0) and the impersonated tx that spends from it.
    assert_eq!(p.get_balance(x).block_id(alloy_eips::BlockId::number(2)).await.unwrap(), kept.1[2]);
    assert_eq!(p.get_transaction_count(a).block_id(alloy_eips::BlockId::number(0)).await.unwrap(), 0);
    // The chain goes on from the reverted tip.
    let receipt = send_ok(&p, TransactionRequest::default().from(a).to(b).value(U256::from(1u64))).await;
    assert_eq!(receipt.block_number, Some(kept.0 + 1));
}

/// What the secondary index answers: logs, Otterscan's searches, a block by hash, past state.
async fn indexed(p: &DynProvider, a: Address, b: Address, token: Address, block_hash: Value) -> Vec<Value> {
    vec![
        rpc::<Value>(p, "eth_getLogs", json!([{"fromBlock": "0x0", "toBlock": "latest"}])).await,
        rpc::<Value>(p, "eth_getLogs", json!([{"fromBlock": "0x0", "address": token}])).await,
        rpc::<Value>(p, "ots_searchTransactionsBefore", json!([a, 0, 10])).await,
        rpc::<Value>(p, "ots_searchTransactionsAfter", json!([a, 0, 10])).await,
        rpc::<Value>(p, "ots_getContractCreator", json!([token])).await,
        rpc::<Value>(p, "ots_getTransactionBySenderAndNonce", json!([a, 1])).await,
        rpc::<Value>(p, "eth_getBlockByHash", json!([block_hash, false])).await,
        json!(p.get_balance(b).block_id(alloy_eips::BlockId::number(1)).await.unwrap()),
        json!(token_balance(p, token, b).await),
    ]
}

#[tokio::test]
async fn the_secondary_index_survives_a_restart_and_is_rebuilt_when_removed_damaged_or_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let config = || Config::test().with_data_dir(dir.path());
    let devnet = start_with(config());
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    send_ok(&p, TransactionRequest::default().from(a).to(b).value(ether(1))).await;
    let token = deploy_receipt(&p, a, artifact("TestToken").bytecode).await.contract_address.expect("a contract");
    token_transfer(&p, token, a, b, 7).await;
    let block2: Value = rpc(&p, "eth_getBlockByNumber", json!(["0x2", false])).await;
    let before = indexed(&p, a, b, token, block2["hash"].clone()).await;
    assert_eq!(before[0].as_array().map(Vec::len), Some(2), "the mint and the transfer: {}", before[0]);
    assert_eq!(before[2]["txs"].as_array().map(Vec::len), Some(3), "a sent three txs: {}", before[2]);
    assert!(before[4]["hash"].is_string() && before[5].is_string() && before[6]["number"] == "0x2");
    drop(p);
    devnet.shutdown();

    // Kept across a restart; then removed; then damaged: the same answers each time.
    let index = dir.path().join("index");
    let damages: [&dyn Fn(); 3] = [&|| {}, &|| std::fs::remove_dir_all(&index).unwrap(), &|| {
        std::fs::write(index.join("data.mdb"), vec![0x5a; 64 * 1024]).unwrap()
    }];
    for (i, damage) in damages.iter().enumerate() {
        damage();
        let devnet = start_with(config());
        let p = provider(&devnet, 0);
        assert_eq!(indexed(&p, a, b, token, block2["hash"].clone()).await, before, "start {i}");
        drop(p);
        devnet.shutdown();
    }

    // A torn tail takes the last block (the token transfer) from the block store: the index,
    // which held it, drops it too, and the block mined next in its place is indexed.
    let file = dir.path().join("blocks.dat");
    let len = std::fs::metadata(&file).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&file).unwrap().set_len(len - 10).unwrap();
    let devnet = start_with(config());
    let p = provider(&devnet, 0);
    assert_eq!(block_number(&p).await, 2);
    let logs: Value = rpc(&p, "eth_getLogs", json!([{"fromBlock": "0x0"}])).await;
    assert_eq!(logs, json!([before[0][0]]), "the cut block's log is gone, the mint's stays");
    let search: Value = rpc(&p, "ots_searchTransactionsBefore", json!([a, 0, 10])).await;
    assert_eq!(search["txs"].as_array().map(Vec::len), Some(2), "{search}");
    let again = token_transfer(&p, token, a, b, 9).await;
    assert_eq!(again.block_number, Some(3));
    let logs: Value = rpc(&p, "eth_getLogs", json!([{"fromBlock": "0x3", "address": token}])).await;
    assert_eq!(logs[0]["transactionHash"], json!(again.transaction_hash), "{logs}");
}
