//! 200 pre-signed txs from 10 senders sent at once with `eth_sendRawTransaction`: all mined, in
//! nonce order per sender, with exact balances.

use std::time::Duration;

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_provider::Provider;
use futures_util::future::join_all;

use crate::rpc::support::*;

const SENDERS: usize = 10;
const PER_SENDER: u64 = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_raw_txs_are_all_mined() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let recipients: Vec<Address> = (0..SENDERS).map(|k| Address::repeat_byte(0xa0 + k as u8)).collect();
    let value = |k: usize, i: u64| U256::from(1_000 * (k as u64 + 1) + i);

    // Interleaved, and for every other sender from the highest nonce down (gaps fill late).
    let mut raws = Vec::new();
    for i in 0..PER_SENDER {
        for (k, recipient) in recipients.iter().enumerate() {
            let nonce = if k % 2 == 0 { i } else { PER_SENDER - 1 - i };
            let tx = transfer_1559(nonce, *recipient, value(k, nonce));
            raws.push((k, sign(&signer(&devnet.accounts()[k]), tx)));
        }
    }
    let sent = join_all(raws.iter().map(|(_, raw)| p.send_raw_transaction(raw))).await;
    let mut hashes: Vec<(usize, B256)> = Vec::new();
    for ((k, raw), result) in raws.iter().zip(sent) {
        let pending = result.unwrap_or_else(|e| panic!("sender {k}: refused: {e}"));
        assert_eq!(*pending.tx_hash(), keccak256(raw));
        hashes.push((*k, *pending.tx_hash()));
    }

    let receipts = eventually(Duration::from_secs(30), || async {
        let found = join_all(hashes.iter().map(|(_, h)| p.get_transaction_receipt(*h))).await;
        let found: Option<Vec<_>> = found.into_iter().map(|r| r.expect("eth_getTransactionReceipt")).collect();
        found
    })
    .await;

    let mut fees = vec![U256::ZERO; SENDERS];
    for ((k, _), receipt) in hashes.iter().zip(&receipts) {
        assert!(receipt.status());
        assert_eq!(receipt.from, devnet.accounts()[*k].address);
        assert_eq!(receipt.gas_used, 21_000);
        fees[*k] += fee(receipt);
    }
    for k in 0..SENDERS {
        let sender = devnet.accounts()[k].address;
        assert_eq!(nonce(&p, sender).await, PER_SENDER, "sender {k}");
        let sent: U256 = (0..PER_SENDER).map(|i| value(k, i)).sum();
        assert_eq!(balance(&p, recipients[k]).await, sent, "recipient {k}");
        assert_eq!(balance(&p, sender).await, initial_balance() - sent - fees[k], "sender {k}");
    }
    // Every block's txs add up to its gas, and each sender's txs are mined in nonce order.
    let height = block_number(&p).await;
    let mut mined = 0;
    let mut last_nonce = [None::<u64>; SENDERS];
    for n in 1..=height {
        let block = p.get_block_by_number(n.into()).full().await.unwrap().unwrap();
        let txs = block.transactions.as_transactions().unwrap();
        assert_eq!(block.header.gas_used, 21_000 * txs.len() as u64, "block {n}");
        for tx in txs {
            use alloy_consensus::Transaction as _;
            let k = devnet.accounts().iter().position(|a| a.address == tx.inner.signer()).unwrap();
            assert_eq!(tx.nonce(), last_nonce[k].map_or(0, |n| n + 1), "sender {k} in nonce order");
            last_nonce[k] = Some(tx.nonce());
            mined += 1;
        }
    }
    assert_eq!(mined, SENDERS as u64 * PER_SENDER);
}
