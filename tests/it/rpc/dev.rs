//! Anvil/Hardhat dev methods: snapshots, state cheats, mining control, the clock,
//! impersonation, node info, and reads of past-block state.

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, U64, U256, address};
use alloy_provider::{DynProvider, Provider};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use serde_json::{Value, json};

use crate::rpc::contracts::{deploy_token, token_balance, token_transfer};
use crate::rpc::support::ITestToken;
use crate::rpc::support::*;

async fn block(p: &DynProvider, n: u64) -> alloy_rpc_types_eth::Block {
    p.get_block_by_number(BlockNumberOrTag::Number(n)).await.unwrap().unwrap_or_else(|| panic!("block {n} exists"))
}

async fn latest_timestamp(p: &DynProvider) -> u64 {
    p.get_block_by_number(BlockNumberOrTag::Latest).await.unwrap().unwrap().header.timestamp
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn evm_revert_returns_to_the_snapshot_exactly() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    send_ok(&p, TransactionRequest::default().from(a).to(b).value(U256::from(1u64))).await;
    let stranger = address!("0x5555555555555555555555555555555555555555");
    let (height, balances) = chain_state(&p, &[a, b, stranger]).await;
    let tip = block(&p, height).await;
    let nonce_a = nonce(&p, a).await;

    let id: U64 = rpc(&p, "evm_snapshot", json!([])).await;
    send_ok(&p, TransactionRequest::default().from(a).to(b).value(ether(3))).await;
    let token = deploy_token(&p, a).await;
    let _: Value = rpc(&p, "anvil_setBalance", json!([stranger, U256::from(77u64)])).await;
    let _: Value = rpc(&p, "anvil_mine", json!(["0x3"])).await;
    // Two txs and three mined blocks: the cheat mines nothing, it rides in the first of them.
    assert_eq!(block_number(&p).await, height + 5);
    assert_eq!(balance(&p, stranger).await, U256::from(77u64));

    let reverted: bool = rpc(&p, "evm_revert", json!([id])).await;
    assert!(reverted);
    assert_eq!(chain_state(&p, &[a, b, stranger]).await, (height, balances.clone()), "block number and balances");
    assert_eq!(nonce(&p, a).await, nonce_a);
    assert!(p.get_code_at(token).await.unwrap().is_empty(), "the deployment is undone");
    assert_eq!(block(&p, height).await.header.hash, tip.header.hash, "the tip is the snapshot's");
    assert!(p.get_block_by_number(BlockNumberOrTag::Number(height + 1)).await.unwrap().is_none());

    // The snapshot is used up; the chain goes on from it (a new provider: the old one caches nonces).
    let reverted: bool = rpc(&p, "evm_revert", json!([id])).await;
    assert!(!reverted, "a snapshot reverts once");
    let fresh = provider(&devnet, 0);
    let receipt = send_ok(&fresh, TransactionRequest::default().from(a).to(b).value(U256::from(2u64))).await;
    assert_eq!(receipt.block_number, Some(height + 1));
    assert_eq!(balance(&p, b).await, balances[1] + U256::from(2u64));
    assert_eq!(nonce(&p, a).await, nonce_a + 1);
}

#[tokio::test]
async fn state_cheats_are_visible_through_the_reads() {
    let devnet = start();
    let a = devnet.accounts()[0].address;
    let p = provider(&devnet, 0);
    let x = address!("0x7777777777777777777777777777777777777777");

    let _: Value = rpc(&p, "anvil_setBalance", json!([x, "0x1234"])).await;
    assert_eq!(balance(&p, x).await, U256::from(0x1234u64));
    let _: Value = rpc(&p, "hardhat_setBalance", json!([x, ether(5)])).await;
    assert_eq!(balance(&p, x).await, ether(5));

    let code = Bytes::from_static(&[0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3]); // returns 42
    let _: Value = rpc(&p, "anvil_setCode", json!([x, code])).await;
    assert_eq!(p.get_code_at(x).await.unwrap(), code);
    assert_eq!(eth_call(&p, a, x, Bytes::new()).await, Bytes::from(U256::from(42u64).to_be_bytes::<32>().to_vec()));

    let _: Value = rpc(&p, "anvil_setNonce", json!([x, "0x2a"])).await;
    assert_eq!(nonce(&p, x).await, 42);

    let value = B256::repeat_byte(0xab);
    let _: Value = rpc(&p, "anvil_setStorageAt", json!([x, "0x5", value])).await;
    assert_eq!(p.get_storage_at(x, U256::from(5u64)).await.unwrap(), U256::from_be_bytes(value.0));
    assert_eq!(p.get_storage_at(x, U256::from(6u64)).await.unwrap(), U256::ZERO);
    // The other fields of the account stay as they were.
    assert_eq!(balance(&p, x).await, ether(5));
    assert_eq!(p.get_code_at(x).await.unwrap(), code);

    // A cheat on a token's storage: the ERC20 balance slot of a holder.
    let token = deploy_token(&p, a).await;
    let holder = address!("0x8888888888888888888888888888888888888888");
    let _: Value =
        rpc(&p, "anvil_setStorageAt", json!([token, erc20_balance_slot(holder), B256::with_last_byte(99)])).await;
    assert_eq!(token_balance(&p, token, holder).await, U256::from(99u64));

    // A dev account whose balance was set spends from exactly that balance.
    let _: Value = rpc(&p, "anvil_setBalance", json!([a, ether(2)])).await;
    let receipt = send_ok(&p, TransactionRequest::default().from(a).to(x).value(ether(1))).await;
    assert_eq!(balance(&p, a).await, ether(1) - fee(&receipt));
    assert_eq!(balance(&p, x).await, ether(6));
}

#[tokio::test]
async fn anvil_mine_and_evm_mine_advance_the_chain() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let height = block_number(&p).await;
    let _: Value = rpc(&p, "anvil_mine", json!(["0x5"])).await;
    assert_eq!(block_number(&p).await, height + 5);
    for n in height + 1..=height + 5 {
        let b = block(&p, n).await;
        assert_eq!(b.header.parent_hash, block(&p, n - 1).await.header.hash);
        assert!(b.transactions.is_empty());
    }
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    assert_eq!(block_number(&p).await, height + 6);
    let _: Value = rpc(&p, "hardhat_mine", json!([])).await;
    assert_eq!(block_number(&p).await, height + 7, "hardhat_mine mines one block by default");

    // With an interval: the blocks are that many seconds apart.
    let _: Value = rpc(&p, "anvil_mine", json!(["0x3", "0x3c"])).await;
    assert_eq!(block_number(&p).await, height + 10);
    let t8 = block(&p, height + 8).await.header.timestamp;
    assert_eq!(block(&p, height + 9).await.header.timestamp, t8 + 60);
    assert_eq!(block(&p, height + 10).await.header.timestamp, t8 + 120);
}

#[tokio::test]
async fn without_automine_a_tx_stays_pending_until_evm_mine() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    assert!(rpc::<bool>(&p, "hardhat_getAutomine", json!([])).await);
    assert!(rpc::<bool>(&p, "anvil_getAutomine", json!([])).await);
    let _: Value = rpc(&p, "evm_setAutomine", json!([false])).await;
    assert!(!rpc::<bool>(&p, "hardhat_getAutomine", json!([])).await);
    let (height, balances) = chain_state(&p, &[a, b]).await;

    let first = p.send_transaction(TransactionRequest::default().from(a).to(b).value(U256::from(10u64))).await.unwrap();
    let second =
        p.send_transaction(TransactionRequest::default().from(a).to(b).value(U256::from(20u64))).await.unwrap();
    let hashes = [*first.tx_hash(), *second.tx_hash()];
    for hash in hashes {
        assert!(p.get_transaction_receipt(hash).await.unwrap().is_none(), "pending: no receipt");
        let pending = p.get_transaction_by_hash(hash).await.unwrap().expect("a pending tx is found by hash");
        assert_eq!(pending.block_number, None);
        assert_eq!(pending.inner.signer(), a);
    }
    assert_eq!(chain_state(&p, &[a, b]).await, (height, balances.clone()), "nothing mined");
    assert_eq!(nonce(&p, a).await, 0);
    let pending_nonce: U64 = rpc(&p, "eth_getTransactionCount", json!([a, "pending"])).await;
    assert_eq!(pending_nonce, U64::from(2));

    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    assert_eq!(block_number(&p).await, height + 1);
    let mined = block(&p, height + 1).await;
    assert_eq!(mined.transactions.hashes().collect::<Vec<_>>(), hashes.to_vec(), "both txs, in nonce order");
    let mut fees = U256::ZERO;
    for (i, hash) in hashes.iter().enumerate() {
        let receipt = p.get_transaction_receipt(*hash).await.unwrap().expect("mined");
        assert!(receipt.status());
        assert_eq!(receipt.block_number, Some(height + 1));
        assert_eq!(receipt.transaction_index, Some(i as u64));
        assert_eq!(receipt.inner.cumulative_gas_used(), 21_000 * (i as u64 + 1));
        fees += fee(&receipt);
    }
    assert_eq!(balance(&p, b).await, balances[1] + U256::from(30u64));
    assert_eq!(balance(&p, a).await, balances[0] - U256::from(30u64) - fees);

    // Automine back on: a tx is mined as it is sent.
    let _: Value = rpc(&p, "evm_setAutomine", json!([true])).await;
    assert!(rpc::<bool>(&p, "hardhat_getAutomine", json!([])).await);
    let receipt = send_ok(&p, TransactionRequest::default().from(a).to(b).value(U256::from(1u64))).await;
    assert_eq!(receipt.block_number, Some(height + 2));
}

#[tokio::test]
async fn the_clock_moves_with_increase_time_and_set_next_block_timestamp() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);

    let before = unix_now();
    let _: Value = rpc(&p, "evm_increaseTime", json!([3600])).await;
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    let after = unix_now();
    let t1 = latest_timestamp(&p).await;
    assert!(t1 >= before + 3600 && t1 <= after + 3600, "{t1} within [{}, {}]", before + 3600, after + 3600);

    let target = t1 + 10_000;
    let _: Value = rpc(&p, "evm_setNextBlockTimestamp", json!([target])).await;
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    assert_eq!(latest_timestamp(&p).await, target);

    // The timestamp applies to the block a tx is mined in.
    let _: Value = rpc(&p, "evm_setNextBlockTimestamp", json!([format!("{:#x}", target + 50)])).await;
    let receipt = send_ok(&p, TransactionRequest::default().from(a).to(b).value(U256::from(1u64))).await;
    let mined = block(&p, receipt.block_number.unwrap()).await;
    assert_eq!(mined.header.timestamp, target + 50);

    // evm_mine with a timestamp.
    let _: Value = rpc(&p, "evm_mine", json!([target + 100])).await;
    assert_eq!(latest_timestamp(&p).await, target + 100);

    // The past is refused and changes nothing.
    let height = block_number(&p).await;
    let failure = rpc_err(&p, "evm_setNextBlockTimestamp", json!([target])).await;
    assert_eq!(failure.code, -32000, "{failure:?}");
    assert_eq!(block_number(&p).await, height);
}

#[tokio::test]
async fn an_impersonated_account_sends_without_a_key() {
    let devnet = start();
    let b = devnet.accounts()[1].address;
    let p = provider(&devnet, 0);
    let x = address!("0x9999999999999999999999999999999999999999");
    let tx = json!([{"from": x, "to": b, "value": U256::from(1_000u64)}]);

    let failure = rpc_err(&p, "eth_sendTransaction", tx.clone()).await;
    assert_eq!(failure.code, -32000, "no key and not impersonated: {failure:?}");
    let _: Value = rpc(&p, "anvil_setBalance", json!([x, ether(1)])).await;
    let _: Value = rpc(&p, "anvil_impersonateAccount", json!([x])).await;
    let (height, balances) = chain_state(&p, &[x, b]).await;

    let hash: B256 = rpc(&p, "eth_sendTransaction", tx.clone()).await;
    let receipt = p.get_transaction_receipt(hash).await.unwrap().expect("mined");
    assert!(receipt.status());
    assert_eq!(receipt.from, x);
    assert_eq!(receipt.to, Some(b));
    assert_eq!(receipt.block_number, Some(height + 1));
    let tx_by_hash = p.get_transaction_by_hash(hash).await.unwrap().expect("the tx");
    assert_eq!(tx_by_hash.inner.signer(), x);
    assert_eq!(balance(&p, x).await, balances[0] - U256::from(1_000u64) - fee(&receipt));
    assert_eq!(balance(&p, b).await, balances[1] + U256::from(1_000u64));
    assert_eq!(nonce(&p, x).await, 1);

    let _: Value = rpc(&p, "anvil_stopImpersonatingAccount", json!([x])).await;
    let failure = rpc_err(&p, "eth_sendTransaction", tx).await;
    assert_eq!(failure.code, -32000, "{failure:?}");
    assert_eq!(block_number(&p).await, height + 1);
}

#[tokio::test]
async fn node_info_describes_the_chain() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let _: Value = rpc(&p, "anvil_mine", json!(["0x2"])).await;
    let info: Value = rpc(&p, "anvil_nodeInfo", json!([])).await;
    let tip = block(&p, 2).await;
    assert_eq!(info["currentBlockNumber"], json!(2), "{info}");
    assert_eq!(info["currentBlockTimestamp"], json!(tip.header.timestamp), "{info}");
    assert_eq!(info["currentBlockHash"], json!(tip.header.hash), "{info}");
    assert_eq!(info["environment"]["chainId"], json!(CHAIN_ID), "{info}");
    assert_eq!(info["environment"]["gasLimit"], json!("30000000"), "{info}");
    assert!(info["hardFork"].as_str().is_some_and(|s| !s.is_empty()), "{info}");
    assert_eq!(p.get_chain_id().await.unwrap(), CHAIN_ID);
    assert_eq!(rpc::<String>(&p, "net_version", json!([])).await, CHAIN_ID.to_string());
    let accounts = p.get_accounts().await.unwrap();
    assert_eq!(accounts, devnet.accounts().iter().map(|a| a.address).collect::<Vec<Address>>());
}

#[tokio::test]
async fn reads_at_a_past_block_return_the_values_of_then() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let genesis = block_number(&p).await;
    let token = deploy_token(&p, a).await;
    let deployed = block_number(&p).await;
    let a_after_deploy = balance(&p, a).await;
    token_transfer(&p, token, a, b, 100).await;
    let moved = block_number(&p).await;
    send_ok(&p, TransactionRequest::default().from(a).to(b).value(ether(1))).await;
    let paid = block_number(&p).await;
    assert_eq!((deployed, moved, paid), (genesis + 1, genesis + 2, genesis + 3));

    let at = |n: u64| BlockId::number(n);
    // eth_getBalance.
    assert_eq!(p.get_balance(a).block_id(at(genesis)).await.unwrap(), initial_balance());
    assert_eq!(p.get_balance(a).block_id(at(deployed)).await.unwrap(), a_after_deploy);
    assert_eq!(p.get_balance(b).block_id(at(moved)).await.unwrap(), initial_balance());
    assert_eq!(p.get_balance(b).block_id(at(paid)).await.unwrap(), initial_balance() + ether(1));
    assert_eq!(
        p.get_balance(a).block_id(at(paid)).await.unwrap(),
        balance(&p, a).await,
        "the tip by number equals latest"
    );
    // By block hash too.
    let moved_hash = block(&p, moved).await.header.hash;
    assert_eq!(p.get_balance(b).block_id(BlockId::hash(moved_hash)).await.unwrap(), initial_balance());

    // eth_getTransactionCount.
    assert_eq!(p.get_transaction_count(a).block_id(at(genesis)).await.unwrap(), 0);
    assert_eq!(p.get_transaction_count(a).block_id(at(deployed)).await.unwrap(), 1);
    assert_eq!(p.get_transaction_count(a).block_id(at(moved)).await.unwrap(), 2);
    assert_eq!(p.get_transaction_count(a).block_id(at(paid)).await.unwrap(), 3);

    // eth_getCode.
    assert!(p.get_code_at(token).block_id(at(genesis)).await.unwrap().is_empty());
    assert_eq!(p.get_code_at(token).block_id(at(deployed)).await.unwrap(), artifact("TestToken").deployed);

    // eth_getStorageAt: b's token balance slot.
    let slot = U256::from_be_bytes(erc20_balance_slot(b).0);
    assert_eq!(p.get_storage_at(token, slot).block_id(at(deployed)).await.unwrap(), U256::ZERO);
    assert_eq!(p.get_storage_at(token, slot).block_id(at(moved)).await.unwrap(), U256::from(100u64));
    assert_eq!(p.get_storage_at(token, slot).await.unwrap(), U256::from(100u64));

    // eth_call.
    let input = ITestToken::balanceOfCall { account: b }.abi_encode();
    let then = p.call(call_tx(b, token, input.clone())).block(at(deployed)).await.unwrap();
    assert_eq!(ITestToken::balanceOfCall::abi_decode_returns(&then).unwrap(), U256::ZERO);
    let now = p.call(call_tx(b, token, input.clone())).block(at(moved)).await.unwrap();
    assert_eq!(ITestToken::balanceOfCall::abi_decode_returns(&now).unwrap(), U256::from(100u64));
    // Before the deployment there is no code: the call returns nothing.
    let before = p.call(call_tx(b, token, input)).block(at(genesis)).await.unwrap();
    assert!(before.is_empty());

    // A block beyond the tip is an error, not the latest state.
    let failure = rpc_err(&p, "eth_getBalance", json!([a, format!("{:#x}", paid + 10)])).await;
    assert_eq!(failure.code, -32000, "{failure:?}");
}

#[tokio::test]
async fn nested_snapshots_revert_in_order() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let state0 = chain_state(&p, &[a, b]).await;
    let s0: U64 = rpc(&p, "evm_snapshot", json!([])).await;
    let _: Value = rpc(&p, "anvil_setBalance", json!([b, "0x1"])).await;
    let state1 = chain_state(&p, &[a, b]).await;
    let s1: U64 = rpc(&p, "evm_snapshot", json!([])).await;
    assert_ne!(s0, s1, "each snapshot has its own id");
    let _: Value = rpc(&p, "anvil_setBalance", json!([b, "0x2"])).await;
    let _: Value = rpc(&p, "anvil_mine", json!(["0x2"])).await;

    assert!(rpc::<bool>(&p, "evm_revert", json!([s1])).await);
    assert_eq!(chain_state(&p, &[a, b]).await, state1);
    assert!(rpc::<bool>(&p, "evm_revert", json!([s0])).await);
    assert_eq!(chain_state(&p, &[a, b]).await, state0);
    assert!(!rpc::<bool>(&p, "evm_revert", json!([s1])).await, "a later snapshot goes with an earlier revert");
    assert!(!rpc::<bool>(&p, "evm_revert", json!(["0x99"])).await, "an unknown snapshot");
    assert_eq!(chain_state(&p, &[a, b]).await, state0);
}

#[tokio::test]
async fn a_pending_tx_is_replaced_only_by_a_higher_fee() {
    let devnet = start();
    let (a, b, c) = (devnet.accounts()[0].address, devnet.accounts()[1].address, devnet.accounts()[2].address);
    let p = provider(&devnet, 0);
    let key = signer(&devnet.accounts()[0]);
    let _: Value = rpc(&p, "evm_setAutomine", json!([false])).await;
    let (height, balances) = chain_state(&p, &[a, b, c]).await;

    let first = sign(&key, transfer_1559(0, b, U256::from(1u64)));
    let first_hash = *p.send_raw_transaction(&first).await.expect("pooled").tx_hash();
    let cheaper =
        sign(&key, alloy_consensus::TxEip1559 { max_fee_per_gas: 10 * GWEI, ..transfer_1559(0, c, U256::from(2u64)) });
    let error = p.send_raw_transaction(&cheaper).await.expect_err("underpriced");
    assert!(failure(&error).message.contains("replacement transaction underpriced"), "{error}");
    let again = p.send_raw_transaction(&first).await.expect_err("already pooled");
    assert!(failure(&again).message.contains("already known"), "{again}");

    let replacement =
        sign(&key, alloy_consensus::TxEip1559 { max_fee_per_gas: 40 * GWEI, ..transfer_1559(0, c, U256::from(3u64)) });
    let replacement_hash = *p.send_raw_transaction(&replacement).await.expect("a higher fee replaces").tx_hash();
    assert!(p.get_transaction_by_hash(first_hash).await.unwrap().is_none(), "the replaced tx is gone");
    assert_eq!(chain_state(&p, &[a, b, c]).await, (height, balances.clone()));

    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    let mined = block(&p, height + 1).await;
    assert_eq!(mined.transactions.hashes().collect::<Vec<_>>(), vec![replacement_hash]);
    let receipt = p.get_transaction_receipt(replacement_hash).await.unwrap().expect("mined");
    assert_eq!(balance(&p, b).await, balances[1]);
    assert_eq!(balance(&p, c).await, balances[2] + U256::from(3u64));
    assert_eq!(balance(&p, a).await, balances[0] - U256::from(3u64) - fee(&receipt));
    assert!(p.get_transaction_receipt(first_hash).await.unwrap().is_none());
}

#[tokio::test]
async fn a_pending_transaction_filter_reports_pooled_txs() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let _: Value = rpc(&p, "evm_setAutomine", json!([false])).await;
    let id = p.new_pending_transactions_filter(false).await.unwrap();
    let pending = p.send_transaction(TransactionRequest::default().from(a).to(b).value(U256::from(1u64))).await;
    let hash = *pending.expect("pooled").tx_hash();
    let changes = p.get_filter_changes::<B256>(id).await.unwrap();
    assert_eq!(changes, vec![hash], "eth_getFilterChanges on a pending-tx filter lists the tx sent since");
    assert!(p.get_filter_changes::<B256>(id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_pending_transaction_filter_reports_txs_automine_mined_at_once() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let id = p.new_pending_transactions_filter(false).await.unwrap();
    let first = send_ok(&p, TransactionRequest::default().from(a).to(b).value(U256::from(1u64))).await;
    let second = send_ok(&p, TransactionRequest::default().from(a).to(b).value(U256::from(2u64))).await;
    let changes = p.get_filter_changes::<B256>(id).await.unwrap();
    assert_eq!(changes, vec![first.transaction_hash, second.transaction_hash], "mined, yet each was pooled");
    assert!(p.get_filter_changes::<B256>(id).await.unwrap().is_empty());
}

#[tokio::test]
async fn interval_mining_mines_on_its_own_and_stops_when_asked() {
    let interval = std::time::Duration::from_millis(100);
    let devnet = start_with(manaflow::Config::test().with_block_time(interval));
    let p = provider(&devnet, 0);
    assert!(!rpc::<bool>(&p, "hardhat_getAutomine", json!([])).await, "interval mining is not automine");
    // Blocks come without any request, empty or not.
    let start = p.get_block_number().await.unwrap();
    tokio::time::sleep(interval * 6).await;
    let later = p.get_block_number().await.unwrap();
    assert!(later >= start + 3, "about one block per 100 ms: {start} → {later}");
    // A tx is answered at once with its hash and mined by the next tick.
    let to = devnet.accounts()[1].address;
    let pending = p.send_transaction(TransactionRequest::default().to(to).value(U256::from(7))).await.unwrap();
    let receipt = pending.get_receipt().await.unwrap();
    assert!(receipt.status());
    // Interval 0 stops mining: the chain stands still.
    let _: Value = rpc(&p, "anvil_setIntervalMining", json!([0])).await;
    tokio::time::sleep(interval).await; // a block already being mined may still land
    let stopped = p.get_block_number().await.unwrap();
    tokio::time::sleep(interval * 4).await;
    assert_eq!(p.get_block_number().await.unwrap(), stopped, "no blocks once interval mining is off");
}
