//! The pool as clients inspect it: `txpool_status`, `txpool_content` and `txpool_inspect`
//! (pending: ready for the next block; queued: waiting on a nonce gap), Anvil's
//! `anvil_dropTransaction` and `anvil_dropAllTransactions`, and `eth_getRawTransactionByHash`
//! for pooled and mined txs.

use alloy_primitives::{B256, Bytes, U256};
use alloy_provider::Provider;
use serde_json::{Value, json};

use crate::rpc::support::*;

#[tokio::test]
async fn the_pool_shows_pending_and_queued_txs_and_drops_them_on_request() {
    let devnet = start();
    let (alice, bob) = (&devnet.accounts()[0], &devnet.accounts()[1]);
    let p = provider(&devnet, 0);
    let _: Value = rpc(&p, "evm_setAutomine", json!([false])).await;
    let height = block_number(&p).await;

    // Alice's nonces 0 and 1 are ready; Bob's nonce 5 waits on a gap.
    let raws = [
        sign(&signer(alice), transfer_1559(0, bob.address, U256::from(1_000u64))),
        sign(&signer(alice), transfer_1559(1, bob.address, U256::from(2_000u64))),
        sign(&signer(bob), transfer_1559(5, alice.address, U256::from(3_000u64))),
    ];
    let mut hashes = Vec::new();
    for raw in &raws {
        hashes.push(rpc::<B256>(&p, "eth_sendRawTransaction", json!([raw])).await);
    }

    let status: Value = rpc(&p, "txpool_status", json!([])).await;
    assert_eq!(status, json!({"pending": "0x2", "queued": "0x1"}));
    let content: Value = rpc(&p, "txpool_content", json!([])).await;
    let (a, b) = (alice.address.to_checksum(None), bob.address.to_checksum(None));
    assert_eq!(content["pending"][&a]["0"]["hash"], json!(hashes[0]));
    assert_eq!(content["pending"][&a]["1"]["hash"], json!(hashes[1]));
    assert_eq!(content["pending"][&a]["1"]["value"], "0x7d0");
    assert_eq!(content["queued"][&b]["5"]["hash"], json!(hashes[2]));
    assert_eq!(content["pending"][&a]["0"]["blockNumber"], Value::Null);
    let inspect: Value = rpc(&p, "txpool_inspect", json!([])).await;
    assert_eq!(inspect["pending"][&a]["0"], format!("{b}: 1000 wei + 21000 gas × 20000000000 wei"));
    assert_eq!(inspect["queued"][&b]["5"], format!("{a}: 3000 wei + 21000 gas × 20000000000 wei"));

    // A pooled tx's raw bytes are the bytes sent.
    let raw: Bytes = rpc(&p, "eth_getRawTransactionByHash", json!([hashes[1]])).await;
    assert_eq!(raw, raws[1]);
    let unknown: Value = rpc(&p, "eth_getRawTransactionByHash", json!([B256::repeat_byte(9)])).await;
    assert_eq!(unknown, Value::Null);

    // Dropping Alice's nonce 0 leaves her nonce 1 waiting on the gap.
    let dropped: Value = rpc(&p, "anvil_dropTransaction", json!([hashes[0]])).await;
    assert_eq!(dropped, json!(hashes[0]));
    let again: Value = rpc(&p, "anvil_dropTransaction", json!([hashes[0]])).await;
    assert_eq!(again, Value::Null, "a tx not pooled drops nothing");
    let status: Value = rpc(&p, "txpool_status", json!([])).await;
    assert_eq!(status, json!({"pending": "0x0", "queued": "0x2"}));
    let gone: Value = rpc(&p, "eth_getTransactionByHash", json!([hashes[0]])).await;
    assert_eq!(gone, Value::Null);

    // Hardhat's name answers as Hardhat does (its helper accepts only a boolean).
    let dropped: Value = rpc(&p, "hardhat_dropTransaction", json!([hashes[1]])).await;
    assert_eq!(dropped, json!(true));
    let again: Value = rpc(&p, "hardhat_dropTransaction", json!([hashes[1]])).await;
    assert_eq!(again, json!(false));

    let _: Value = rpc(&p, "anvil_dropAllTransactions", json!([])).await;
    let status: Value = rpc(&p, "txpool_status", json!([])).await;
    assert_eq!(status, json!({"pending": "0x0", "queued": "0x0"}));
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    let block = p.get_block_by_number((height + 1).into()).await.unwrap().expect("the mined block");
    assert_eq!(block.transactions.len(), 0, "dropped txs are not mined");
}

#[tokio::test]
async fn a_mined_tx_has_its_signed_bytes_as_its_raw_form() {
    let devnet = start();
    let (alice, bob) = (&devnet.accounts()[0], &devnet.accounts()[1]);
    let p = provider(&devnet, 0);
    let raw = sign(&signer(alice), transfer_1559(0, bob.address, U256::from(7u64)));
    let hash: B256 = rpc(&p, "eth_sendRawTransaction", json!([raw])).await;
    assert!(p.get_transaction_receipt(hash).await.unwrap().is_some(), "automine mined it");
    let back: Bytes = rpc(&p, "eth_getRawTransactionByHash", json!([hash])).await;
    assert_eq!(back, raw);
    let status: Value = rpc(&p, "txpool_status", json!([])).await;
    assert_eq!(status, json!({"pending": "0x0", "queued": "0x0"}));
}
