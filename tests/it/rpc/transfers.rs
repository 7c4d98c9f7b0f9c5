//! ETH transfers of the three tx types through alloy's provider: exact balances (fees are
//! burned, the coinbase gets nothing), receipts, and the tx in its block (hashes and full).

use alloy_consensus::{Transaction as _, TxType, Typed2718 as _};
use alloy_eips::eip2930::{AccessList, AccessListItem};
use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, U64, U256, address};
use alloy_provider::Provider;
use alloy_rpc_types_eth::TransactionRequest;
use serde_json::json;

use crate::rpc::support::*;

#[derive(Clone, Copy, Debug)]
enum Kind {
    Legacy,
    Eip2930,
    Eip1559,
}

const WARM: Address = address!("0x00000000000000000000000000000000000c0ffe");

async fn transfer(kind: Kind) {
    let devnet = start();
    let p = provider(&devnet, 0);
    let from = devnet.accounts()[0].address;
    let to = devnet.accounts()[1].address;
    let value = ether(1) + U256::from(12_345u64);
    let latest = p.get_block_by_number(BlockNumberOrTag::Latest).await.unwrap().expect("the latest block");
    let coinbase = latest.header.beneficiary;
    let (height, balances) = chain_state(&p, &[from, to, coinbase]).await;

    let request = TransactionRequest::default().from(from).to(to).value(value);
    let (request, expected_type, expected_gas) = match kind {
        Kind::Legacy => (request.gas_price(3 * GWEI), TxType::Legacy, 21_000),
        Kind::Eip2930 => {
            let list = AccessList(vec![AccessListItem { address: WARM, storage_keys: vec![B256::with_last_byte(7)] }]);
            // 21000 + 2400 per address + 1900 per storage key.
            (request.gas_price(3 * GWEI).access_list(list), TxType::Eip2930, 25_300)
        }
        Kind::Eip1559 => {
            (request.max_fee_per_gas(5 * GWEI).max_priority_fee_per_gas(2 * GWEI), TxType::Eip1559, 21_000)
        }
    };
    let receipt = send_ok(&p, request).await;

    // The receipt.
    assert_eq!(receipt.transaction_type(), expected_type, "{kind:?}");
    assert_eq!(receipt.from, from);
    assert_eq!(receipt.to, Some(to));
    assert_eq!(receipt.contract_address, None);
    assert_eq!(receipt.block_number, Some(height + 1), "automine: one block per tx");
    assert_eq!(receipt.transaction_index, Some(0));
    assert_eq!(receipt.gas_used, expected_gas, "{kind:?}: intrinsic gas");
    assert_eq!(receipt.inner.cumulative_gas_used(), expected_gas);
    assert!(receipt.inner.logs().is_empty());

    // The block holding it.
    let block = p.get_block_by_number(BlockNumberOrTag::Number(height + 1)).await.unwrap().expect("the tx's block");
    assert_eq!(block.header.number, height + 1);
    assert_eq!(Some(block.header.hash), receipt.block_hash);
    assert_eq!(block.header.parent_hash, latest.header.hash);
    assert_eq!(block.header.gas_used, expected_gas);
    assert_eq!(block.transactions.hashes().collect::<Vec<_>>(), vec![receipt.transaction_hash]);
    let base_fee = u128::from(block.header.base_fee_per_gas.expect("a London block has a base fee"));
    let price = match kind {
        Kind::Legacy | Kind::Eip2930 => 3 * GWEI,
        Kind::Eip1559 => (5 * GWEI).min(base_fee + 2 * GWEI),
    };
    assert_eq!(receipt.effective_gas_price, price, "{kind:?}: effective gas price with base fee {base_fee}");

    let full = p.get_block_by_number(BlockNumberOrTag::Number(height + 1)).full().await.unwrap().expect("the block");
    let txs = full.transactions.as_transactions().expect("full transactions");
    assert_eq!(txs.len(), 1);
    let tx = &txs[0];
    assert_eq!(*tx.inner.tx_hash(), receipt.transaction_hash);
    assert_eq!(tx.inner.signer(), from);
    assert_eq!(tx.to(), Some(to));
    assert_eq!(tx.value(), value);
    assert_eq!(tx.nonce(), 0);
    assert_eq!(tx.ty(), expected_type as u8);
    assert_eq!(tx.block_number, Some(height + 1));
    assert_eq!(tx.block_hash, Some(block.header.hash));
    assert_eq!(tx.transaction_index, Some(0));
    assert_eq!(tx.effective_gas_price, Some(price));
    if let Kind::Eip2930 = kind {
        assert_eq!(tx.access_list().map(|l| l.0.len()), Some(1));
    }

    let by_hash = p.get_transaction_by_hash(receipt.transaction_hash).await.unwrap().expect("the tx by hash");
    assert_eq!(by_hash.inner.signer(), from);
    assert_eq!(by_hash.block_number, Some(height + 1));
    assert_eq!(by_hash.value(), value);

    // Balances: the sender pays value + gasUsed × effectiveGasPrice, all of the fee burned.
    let paid = U256::from(expected_gas) * U256::from(price);
    assert_eq!(fee(&receipt), paid);
    let (after_height, after) = chain_state(&p, &[from, to, coinbase]).await;
    assert_eq!(after_height, height + 1);
    assert_eq!(after[0], balances[0] - value - paid, "sender");
    assert_eq!(after[1], balances[1] + value, "recipient");
    assert_eq!(after[2], balances[2], "the coinbase {coinbase} gets no fee");
    assert_eq!(nonce(&p, from).await, 1);
}

#[tokio::test]
async fn legacy_transfer_pays_its_gas_price() {
    transfer(Kind::Legacy).await;
}

#[tokio::test]
async fn eip2930_transfer_pays_for_its_access_list() {
    transfer(Kind::Eip2930).await;
}

#[tokio::test]
async fn eip1559_transfer_pays_base_fee_plus_tip() {
    transfer(Kind::Eip1559).await;
}

#[tokio::test]
async fn provider_sends_back_to_back_with_its_cached_nonces() {
    let devnet = start();
    let p = provider(&devnet, 2);
    let from = devnet.accounts()[2].address;
    let to = address!("0x1111111111111111111111111111111111111111");
    let start_balance = balance(&p, from).await;
    let mut fees = U256::ZERO;
    for i in 1..=5u64 {
        let receipt = send_ok(&p, TransactionRequest::default().from(from).to(to).value(U256::from(i))).await;
        fees += fee(&receipt);
    }
    assert_eq!(nonce(&p, from).await, 5);
    assert_eq!(balance(&p, to).await, U256::from(15u64));
    assert_eq!(balance(&p, from).await, start_balance - U256::from(15u64) - fees);
    // The pending transaction's receipt through alloy's own watcher.
    let pending = p
        .send_transaction(TransactionRequest::default().from(from).to(to).value(U256::from(6u64)))
        .await
        .expect("sent");
    let receipt = tokio::time::timeout(std::time::Duration::from_secs(20), pending.get_receipt())
        .await
        .expect("alloy's receipt watcher finishes")
        .expect("a receipt");
    assert!(receipt.status());
    assert_eq!(balance(&p, to).await, U256::from(21u64));
}

#[tokio::test]
async fn eth_send_transaction_signs_with_the_dev_key() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let from = devnet.accounts()[4].address;
    let to = devnet.accounts()[5].address;
    let estimate: U64 = rpc(&p, "eth_estimateGas", json!([{"from": from, "to": to, "value": "0x1"}])).await;
    assert_eq!(estimate, U64::from(21_000), "a plain transfer estimates to exactly 21000");

    let cases = [
        (json!({"from": from, "to": to, "value": "0x64", "gasPrice": "0xb2d05e00"}), TxType::Legacy),
        (
            json!({"from": from, "to": to, "value": "0x64", "gasPrice": "0xb2d05e00",
                   "accessList": [{"address": WARM, "storageKeys": [B256::ZERO]}]}),
            TxType::Eip2930,
        ),
        (json!({"from": from, "to": to, "value": "0x64"}), TxType::Eip1559),
    ];
    let mut expected_from = balance(&p, from).await;
    let mut expected_to = balance(&p, to).await;
    for (i, (request, ty)) in cases.into_iter().enumerate() {
        let hash: B256 = rpc(&p, "eth_sendTransaction", json!([request])).await;
        let receipt = p.get_transaction_receipt(hash).await.unwrap().expect("mined on return");
        assert!(receipt.status());
        assert_eq!(receipt.transaction_type(), ty);
        assert_eq!(receipt.from, from);
        let tx = p.get_transaction_by_hash(hash).await.unwrap().expect("the tx");
        assert_eq!(tx.nonce(), i as u64);
        assert_eq!(tx.inner.signer(), from, "signed with the dev account's key");
        if ty != TxType::Eip1559 {
            assert_eq!(receipt.effective_gas_price, 3 * GWEI);
        }
        expected_from -= U256::from(100u64) + fee(&receipt);
        expected_to += U256::from(100u64);
        assert_eq!(balance(&p, from).await, expected_from);
        assert_eq!(balance(&p, to).await, expected_to);
    }
}

#[tokio::test]
async fn blocks_and_txs_read_by_number_hash_and_index() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let _: serde_json::Value = rpc(&p, "evm_setAutomine", json!([false])).await;
    let mut hashes = Vec::new();
    for value in 1..=3u64 {
        let pending = p.send_transaction(TransactionRequest::default().from(a).to(b).value(U256::from(value))).await;
        hashes.push(*pending.expect("pooled").tx_hash());
    }
    let _: serde_json::Value = rpc(&p, "evm_mine", json!([])).await;
    let block = p.get_block_by_number(BlockNumberOrTag::Number(1)).await.unwrap().expect("block 1");
    assert_eq!(block.transactions.hashes().collect::<Vec<_>>(), hashes);
    let by_hash = p.get_block_by_hash(block.header.hash).await.unwrap().expect("block 1 by hash");
    assert_eq!(by_hash.header, block.header);
    let latest = p.get_block_by_number(BlockNumberOrTag::Latest).await.unwrap().unwrap();
    assert_eq!(latest.header.hash, block.header.hash);
    let earliest = p.get_block_by_number(BlockNumberOrTag::Earliest).await.unwrap().unwrap();
    assert_eq!(earliest.header.number, 0);
    assert_eq!(block.header.parent_hash, earliest.header.hash);
    assert!(p.get_block_by_number(BlockNumberOrTag::Number(2)).await.unwrap().is_none(), "no block 2 yet");
    assert!(p.get_block_by_hash(B256::repeat_byte(1)).await.unwrap().is_none());

    let count: U64 = rpc(&p, "eth_getBlockTransactionCountByNumber", json!(["0x1"])).await;
    assert_eq!(count, U64::from(3));
    let count: U64 = rpc(&p, "eth_getBlockTransactionCountByHash", json!([block.header.hash])).await;
    assert_eq!(count, U64::from(3));
    for (i, hash) in hashes.iter().enumerate() {
        let tx = p.get_transaction_by_block_number_and_index(BlockNumberOrTag::Number(1), i).await.unwrap().unwrap();
        assert_eq!(tx.inner.tx_hash(), hash);
        assert_eq!(tx.transaction_index, Some(i as u64));
        let tx = p.get_transaction_by_block_hash_and_index(block.header.hash, i).await.unwrap().unwrap();
        assert_eq!(tx.inner.tx_hash(), hash);
    }
    assert!(p.get_transaction_by_block_number_and_index(BlockNumberOrTag::Number(1), 3).await.unwrap().is_none());

    let receipts = p.get_block_receipts(BlockId::number(1)).await.unwrap().expect("the block's receipts");
    assert_eq!(receipts.iter().map(|r| r.transaction_hash).collect::<Vec<_>>(), hashes);
    assert_eq!(
        receipts.iter().map(|r| r.inner.cumulative_gas_used()).collect::<Vec<_>>(),
        vec![21_000, 42_000, 63_000]
    );
    assert_eq!(block.header.gas_used, 63_000);
    assert!(p.get_transaction_receipt(B256::repeat_byte(2)).await.unwrap().is_none());
    assert!(p.get_transaction_by_hash(B256::repeat_byte(2)).await.unwrap().is_none());
}

#[tokio::test]
async fn fee_history_and_gas_prices_follow_eip_1559() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let to = devnet.accounts()[1].address;
    // Two blocks with one transfer each, tip 2 gwei.
    for _ in 0..2 {
        let tx = TransactionRequest::default()
            .to(to)
            .value(U256::from(1))
            .max_fee_per_gas(10 * GWEI)
            .max_priority_fee_per_gas(2 * GWEI);
        send_ok(&p, tx).await;
    }
    // Genesis carries the configured 1 gwei; each block below half full lowers it by 1/8, as
    // Anvil's does: 1 gwei → 0.875 gwei (block 1, after an empty genesis) → 0.765625 gwei.
    let history = p.get_fee_history(3, BlockNumberOrTag::Latest, &[50.0]).await.unwrap();
    assert_eq!(history.oldest_block, 0);
    assert_eq!(history.base_fee_per_gas.len(), 4, "one more than the blocks: the next block's");
    assert_eq!(history.base_fee_per_gas[0], GWEI);
    assert_eq!(history.base_fee_per_gas[1], 875_000_000);
    let expected_next = |base: u128, used: u128| base - base * (15_000_000 - used) / (15_000_000 * 8);
    assert_eq!(history.base_fee_per_gas[2], expected_next(875_000_000, 21_000));
    assert_eq!(history.base_fee_per_gas[3], expected_next(history.base_fee_per_gas[2], 21_000));
    assert_eq!(history.gas_used_ratio, vec![0.0, 21_000.0 / 30_000_000.0, 21_000.0 / 30_000_000.0]);
    let rewards = history.reward.expect("rewards for the asked percentiles");
    assert_eq!(rewards, vec![vec![0], vec![2 * GWEI], vec![2 * GWEI]], "the tip each block's median tx paid");
    // Hardhat's call, with a raw percentile list.
    let raw: serde_json::Value = rpc(&p, "eth_feeHistory", json!(["0x1", "latest", [0.5]])).await;
    assert_eq!(raw["oldestBlock"], "0x2");
    assert_eq!(raw["baseFeePerGas"].as_array().unwrap().len(), 2);
    // eth_gasPrice is the next base fee plus the 1 gwei tip offered by eth_maxPriorityFeePerGas.
    let next = history.base_fee_per_gas[3];
    assert_eq!(p.get_gas_price().await.unwrap(), next + GWEI);
    assert_eq!(p.get_max_priority_fee_per_gas().await.unwrap(), GWEI);
}
