//! Bad input: each request is answered with the right JSON-RPC error, the node keeps serving,
//! and the chain (block number and balances) is exactly as before.

use alloy_consensus::{TxEip1559, TxLegacy};
use alloy_primitives::{Address, Bytes, Signature, TxKind, U256, keccak256, uint};
use alloy_provider::{DynProvider, Provider};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use manaflow::Devnet;
use serde_json::{Value, json};

use crate::rpc::support::*;

/// The secp256k1 group order.
const N: U256 = uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);

/// A devnet with one tx mined, a provider, and the accounts whose balances must not move.
struct Setup {
    devnet: Devnet,
    p: DynProvider,
    sender: PrivateKeySigner,
    watched: Vec<Address>,
    before: (u64, Vec<U256>),
    /// The tx mined at setup (nonce 0 of the sender).
    mined: Bytes,
}

impl Setup {
    async fn new() -> Self {
        let devnet = start();
        let p = provider(&devnet, 0);
        let sender = signer(&devnet.accounts()[0]);
        let to = devnet.accounts()[1].address;
        let mined = sign(&sender, transfer_1559(0, to, U256::from(5u64)));
        let _mined = p.send_raw_transaction(&mined).await.expect("the setup tx is accepted");
        let watched = vec![sender.address(), to, devnet.accounts()[2].address];
        let before = chain_state(&p, &watched).await;
        assert_eq!(before.0, 1);
        Self { devnet, p, sender, watched, before, mined }
    }

    fn url(&self) -> String {
        self.devnet.url()
    }

    /// The chain is unchanged and the node still serves, reads and mines.
    async fn unchanged(&self) {
        self.unchanged_after("").await;
    }

    /// As [`Setup::unchanged`], naming what was just refused.
    async fn unchanged_after(&self, what: &str) {
        let now = chain_state(&self.p, &self.watched).await;
        assert_eq!(now, self.before, "block number and balances unchanged after {what}");
        assert_eq!(nonce(&self.p, self.sender.address()).await, 1);
    }

    /// A raw tx that must be refused with `code` and a message containing `words`.
    async fn refused(&self, raw: Bytes, code: i64, words: &str) -> Failure {
        let error = self.p.send_raw_transaction(&raw).await.expect_err("refused");
        let failure = failure(&error);
        assert_eq!(failure.code, code, "{failure:?}");
        assert!(failure.message.to_lowercase().contains(words), "{words:?} in {failure:?}");
        // Not pooled (a tx found by hash can only be one mined before).
        let found = self.p.get_transaction_by_hash(keccak256(&raw)).await.unwrap();
        assert!(found.is_none_or(|tx| tx.block_number.is_some_and(|n| n <= self.before.0)), "{failure:?}");
        self.unchanged_after(&format!("{failure:?}")).await;
        failure
    }

    /// The node still accepts a good tx afterwards.
    async fn still_mines(&self) {
        let raw = sign(&self.sender, transfer_1559(1, self.watched[1], U256::from(1u64)));
        let _sent = self.p.send_raw_transaction(&raw).await.expect("a good tx after the bad ones");
        assert_eq!(block_number(&self.p).await, self.before.0 + 1);
    }
}

#[tokio::test]
async fn malformed_json_is_a_parse_error() {
    let s = Setup::new().await;
    for body in ["{\"jsonrpc\": \"2.0\", \"method\": ", "not json at all", "{\"jsonrpc\":\"2.0\",\"id\":1,}"] {
        let (status, answer) = post(&s.url(), body).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(answer["jsonrpc"], "2.0");
        assert_eq!(answer["id"], Value::Null);
        assert_eq!(answer["error"]["code"], -32700, "{answer}");
        s.unchanged().await;
    }
    s.still_mines().await;
}

#[tokio::test]
async fn a_json_value_that_is_no_request_is_an_invalid_request() {
    let s = Setup::new().await;
    let (_, answer) = post(&s.url(), r#"{"jsonrpc":"2.0","id":1}"#).await;
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    assert_eq!(answer["id"], 1, "the id is echoed");
    let (_, answer) = post(&s.url(), r#"{"jsonrpc":"1.0","id":2,"method":"eth_blockNumber"}"#).await;
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    let (_, answer) = post(&s.url(), r#"{"jsonrpc":"2.0","id":3,"method":7}"#).await;
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    let (_, answer) = post(&s.url(), "[]").await;
    assert_eq!(answer["error"]["code"], -32600, "an empty batch: {answer}");
    let (_, answer) = post(&s.url(), "42").await;
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    // In a batch, the bad member gets its error and the good one its result.
    let (_, answer) = post(&s.url(), r#"[{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"},{"id":2}]"#).await;
    let answers = answer.as_array().expect("a batch answer");
    assert_eq!(answers.len(), 2, "{answer}");
    let by_id = |id: i64| answers.iter().find(|a| a["id"] == id).unwrap_or_else(|| panic!("id {id} in {answer}"));
    assert_eq!(by_id(1)["result"], "0x1");
    assert_eq!(by_id(2)["error"]["code"], -32600);
    s.unchanged().await;
    s.still_mines().await;
}

#[tokio::test]
async fn an_unknown_method_is_method_not_found() {
    let s = Setup::new().await;
    let failure = rpc_err(&s.p, "eth_noSuchMethod", json!([])).await;
    assert_eq!(failure.code, -32601);
    assert!(failure.message.contains("eth_noSuchMethod"), "{failure:?}");
    let (_, answer) = post(&s.url(), r#"{"jsonrpc":"2.0","id":"x","method":"debug_nothing","params":[]}"#).await;
    assert_eq!(answer["error"]["code"], -32601);
    assert_eq!(answer["id"], "x");
    s.unchanged().await;
    s.still_mines().await;
}

#[tokio::test]
async fn bad_params_are_invalid_params() {
    let s = Setup::new().await;
    let a = s.sender.address();
    let cases = [
        ("eth_getBalance", json!(["0xnothex", "latest"])),
        ("eth_getBalance", json!([])),
        ("eth_getBalance", json!([a, "yesterday"])),
        ("eth_getBlockByNumber", json!(["latest", "yes"])),
        ("eth_sendRawTransaction", json!(["0xzz"])),
        ("eth_sendRawTransaction", json!([])),
        ("eth_call", json!([{"to": 12}])),
        ("eth_getLogs", json!([{"fromBlock": {"nope": true}}])),
        ("anvil_setBalance", json!([a])),
        ("evm_increaseTime", json!(["soon"])),
    ];
    for (method, params) in cases {
        let failure = rpc_err(&s.p, method, params.clone()).await;
        assert_eq!(failure.code, -32602, "{method} {params}: {failure:?}");
        s.unchanged().await;
    }
    // Params that are an object instead of an array.
    let (_, answer) = post(&s.url(), r#"{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":{"a":1}}"#).await;
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    s.unchanged().await;
    s.still_mines().await;
}

#[tokio::test]
async fn undecodable_tx_bytes_are_refused() {
    let s = Setup::new().await;
    s.refused(Bytes::from_static(&[0x02, 0x01]), -32000, "malformed").await;
    let mut trailing = sign(&s.sender, transfer_1559(1, s.watched[1], U256::from(1u64))).to_vec();
    trailing.push(0);
    s.refused(trailing.into(), -32000, "malformed").await;
    s.still_mines().await;
}

#[tokio::test]
async fn a_bad_signature_is_refused() {
    let s = Setup::new().await;
    let tx = transfer_1559(1, s.watched[1], U256::from(1u64));
    let good = s.sender.sign_hash_sync(&alloy_consensus::SignableTransaction::signature_hash(&tx)).unwrap();
    // r = 0 recovers no key; r ≥ n is out of range.
    s.refused(with_signature(tx.clone(), Signature::new(U256::ZERO, good.s(), good.v())), -32000, "signature").await;
    s.refused(with_signature(tx.clone(), Signature::new(N, good.s(), good.v())), -32000, "signature").await;
    // The dev chain's impersonation marker (r = 0, s = the sender) does not pass as a signature.
    let marker = Signature::new(U256::ZERO, U256::from_be_slice(s.sender.address().as_slice()), false);
    s.refused(with_signature(tx.clone(), marker), -32000, "signature").await;
    s.still_mines().await;
}

#[tokio::test]
async fn a_high_s_signature_is_refused() {
    let s = Setup::new().await;
    let tx = transfer_1559(1, s.watched[1], U256::from(1u64));
    let hash = alloy_consensus::SignableTransaction::signature_hash(&tx);
    let good = s.sender.sign_hash_sync(&hash).unwrap();
    let high = Signature::new(good.r(), N - good.s(), !good.v());
    assert_eq!(high.recover_address_from_prehash(&hash).unwrap(), s.sender.address(), "the same signer");
    s.refused(with_signature(tx.clone(), high), -32000, "signature").await;
    // Legacy too.
    let legacy = TxLegacy {
        chain_id: Some(CHAIN_ID),
        nonce: 1,
        gas_price: 3 * GWEI,
        gas_limit: 21_000,
        to: TxKind::Call(s.watched[1]),
        value: U256::from(1u64),
        input: Bytes::new(),
    };
    let hash = alloy_consensus::SignableTransaction::signature_hash(&legacy);
    let good = s.sender.sign_hash_sync(&hash).unwrap();
    s.refused(with_signature(legacy, Signature::new(good.r(), N - good.s(), !good.v())), -32000, "signature").await;
    s.still_mines().await;
}

#[tokio::test]
async fn a_used_nonce_is_nonce_too_low() {
    let s = Setup::new().await;
    s.refused(s.mined.clone(), -32000, "nonce too low").await;
    let other = sign(&s.sender, transfer_1559(0, s.watched[2], U256::from(9u64)));
    s.refused(other, -32000, "nonce too low").await;
    // Through eth_sendTransaction with an explicit nonce.
    let request = TransactionRequest::default().from(s.sender.address()).to(s.watched[1]).nonce(0);
    let error = s.p.send_transaction(request).await.expect_err("nonce 0 is used");
    assert!(failure(&error).message.contains("nonce too low"), "{error}");
    s.unchanged().await;
    s.still_mines().await;
}

#[tokio::test]
async fn a_sender_without_funds_is_refused() {
    let s = Setup::new().await;
    let poor = PrivateKeySigner::random();
    s.refused(sign(&poor, transfer_1559(0, s.watched[1], U256::ZERO)), -32000, "insufficient funds").await;
    // A dev account sending more than it has.
    let too_much = sign(&s.sender, transfer_1559(1, s.watched[1], ether(20_000)));
    s.refused(too_much, -32000, "insufficient funds").await;
    assert_eq!(balance(&s.p, poor.address()).await, U256::ZERO);
    s.still_mines().await;
}

#[tokio::test]
async fn a_tx_for_another_chain_is_refused() {
    let s = Setup::new().await;
    let tx = TxEip1559 { chain_id: 1, ..transfer_1559(1, s.watched[1], U256::from(1u64)) };
    let failure = s.refused(sign(&s.sender, tx), -32000, "chain id").await;
    assert!(failure.message.contains("31337"), "{failure:?}");
    let legacy = TxLegacy {
        chain_id: Some(5),
        nonce: 1,
        gas_price: 3 * GWEI,
        gas_limit: 21_000,
        to: TxKind::Call(s.watched[1]),
        value: U256::from(1u64),
        input: Bytes::new(),
    };
    s.refused(sign(&s.sender, legacy), -32000, "chain id").await;
    s.still_mines().await;
}

/// Sends only the head of a POST announcing `length` bytes of body; returns the raw answer.
async fn post_head_only(devnet: &Devnet, length: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(devnet.addr()).await.expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n",
        devnet.addr()
    );
    stream.write_all(head.as_bytes()).await.expect("write the head");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
            let text = String::from_utf8_lossy(&answer);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                    .and_then(|v| v.parse::<usize>().ok());
                if length.is_some_and(|n| body.len() >= n) {
                    break;
                }
            }
        }
    });
    // On a timeout, what was read so far is the answer.
    let _ = read.await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_too_long_content_length_is_413_and_a_json_rpc_error() {
    let s = Setup::new().await;
    let answer = post_head_only(&s.devnet, 2 * 1024 * 1024 + 1).await;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or_else(|| panic!("an HTTP answer: {answer:?}"));
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    let body: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("a JSON body ({e}): {body}"));
    assert_eq!(body["jsonrpc"], "2.0", "{body}");
    assert_eq!(body["error"]["code"], -32600, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("2097152")), "names the limit: {body}");
    s.unchanged().await;
    s.still_mines().await;
}

#[tokio::test]
async fn a_client_sending_an_oversized_body_gets_413_and_a_json_rpc_error() {
    let s = Setup::new().await;
    let filler = "a".repeat(2 * 1024 * 1024 + 1);
    let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":["{filler}"]}}"#);
    let (status, answer) = post(&s.url(), body).await;
    assert_eq!(status, 413);
    assert_eq!(answer["jsonrpc"], "2.0", "{answer}");
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    s.unchanged().await;
    // Just under the limit is served.
    let filler = "a".repeat(2 * 1024 * 1024 - 200);
    let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":["{filler}"]}}"#);
    let (status, answer) = post(&s.url(), body).await;
    assert_eq!(status, 200);
    assert_eq!(answer["result"], "0x1", "{}", &answer.to_string()[..200.min(answer.to_string().len())]);
    s.unchanged().await;
    s.still_mines().await;
}

#[tokio::test]
async fn a_gas_limit_over_the_block_gas_limit_is_refused() {
    let s = Setup::new().await;
    let tx = TxEip1559 { gas_limit: 30_000_001, ..transfer_1559(1, s.watched[1], U256::from(1u64)) };
    s.refused(sign(&s.sender, tx), -32000, "exceeds block gas limit").await;
    s.still_mines().await;
}

#[tokio::test]
async fn a_fee_cap_below_the_base_fee_is_refused() {
    let s = Setup::new().await;
    let tx = TxEip1559 {
        max_fee_per_gas: GWEI / 2,
        max_priority_fee_per_gas: 0,
        ..transfer_1559(1, s.watched[1], U256::from(1u64))
    };
    s.refused(sign(&s.sender, tx), -32000, "base fee").await;
    s.still_mines().await;
}

#[tokio::test]
async fn a_gas_limit_below_the_intrinsic_gas_is_refused() {
    let s = Setup::new().await;
    let tx = TxEip1559 { gas_limit: 20_999, ..transfer_1559(1, s.watched[1], U256::from(1u64)) };
    s.refused(sign(&s.sender, tx), -32000, "intrinsic gas too low").await;
    s.still_mines().await;
}

#[tokio::test]
async fn a_tip_above_the_fee_cap_is_refused() {
    let s = Setup::new().await;
    let tx = TxEip1559 {
        max_fee_per_gas: 2 * GWEI,
        max_priority_fee_per_gas: 3 * GWEI,
        ..transfer_1559(1, s.watched[1], U256::from(1u64))
    };
    s.refused(sign(&s.sender, tx), -32000, "priority fee").await;
    s.still_mines().await;
}
