//! Proofs over JSON-RPC (DESIGN §9), as a light client uses them: headers from
//! `manaflow_getHeaders` checked link by link; the inclusion proof of an ERC20 transfer with its
//! `Transfer` log; output proofs (and "no producer" for state no block wrote); a fraud proof of
//! a block that replays the tip's txs, made by `manaflow_getFraudProof`, checked by
//! `manaflow_verifyFraudProof` and by the light client, which marks the block invalid; and
//! `manaflow light`, the binary's light client, doing the same from the command line.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::{DynProvider, Provider};
use alloy_rpc_types_eth::TransactionRequest;
use manaflow::light::{LightClient, LightError};
use manaflow_types::proof::{FraudProof, TxProof, Verdict};
use manaflow_types::{Block, Header, StateKey};
use serde_json::{Value, json};

use crate::rpc::contracts::{deploy_token, token_transfer};
use crate::rpc::support::*;

fn bytes(value: &Value) -> Bytes {
    serde_json::from_value(value.clone()).expect("hex bytes")
}

/// A light client that has followed every header of the node.
async fn follow(p: &DynProvider) -> LightClient {
    let headers: Value = rpc(p, "manaflow_getHeaders", json!(["0x0", "0x400"])).await;
    let mut headers = headers.as_array().expect("a list").iter().map(|h| {
        let header = manaflow_types::block::decode_header(&bytes(&h["rlp"])).expect("a header");
        assert_eq!(serde_json::from_value::<B256>(h["hash"].clone()).unwrap(), header.hash());
        header
    });
    let mut client = LightClient::new(headers.next().expect("genesis")).expect("a genesis header");
    for header in headers {
        client.extend(header).expect("each header extends its parent");
    }
    client
}

fn runtime() -> manaflow_evm::EvmVerifier {
    manaflow_evm::EvmVerifier::new(manaflow::node::chain_runtime(manaflow_evm::Hardfork::Prague))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_light_client_checks_inclusion_and_output_proofs_and_a_fraud_proof() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let (alice, bob) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let token = deploy_token(&p, alice).await;
    let transfer = token_transfer(&p, token, alice, bob, 7).await;
    send_ok(&p, TransactionRequest::default().from(alice).to(bob).value(U256::from(5))).await;
    let mut client = follow(&p).await;
    assert_eq!(client.tip().number, p.get_block_number().await.unwrap());

    // The ERC20 transfer and its Transfer log, proven against the header alone.
    let answer: Value = rpc(&p, "manaflow_getTransactionProof", json!([transfer.transaction_hash])).await;
    let proof = TxProof::decode(&bytes(&answer["proof"])).expect("the proof decodes");
    client.check_tx(&transfer.transaction_hash, &proof).expect("the inclusion proof checks out");
    assert_eq!(Some(proof.at.block), transfer.block_number);
    assert_eq!(proof.outcome.logs.len(), 1);
    assert_eq!(proof.outcome.logs[0].data, transfer.inner.logs()[0].inner.data, "the Transfer log is proven");
    let size = answer["bytes"].as_u64().unwrap();
    assert!(size < 4096, "an ERC20 transfer's proof is {size} bytes");
    let mut forged = proof.clone();
    forged.outcome.logs[0].data = alloy_primitives::LogData::new_unchecked(vec![B256::ZERO], Bytes::new());
    assert!(matches!(client.check_tx(&transfer.transaction_hash, &forged), Err(LightError::BadProof(_))));
    let other = B256::repeat_byte(1);
    assert!(client.check_tx(&other, &proof).is_err(), "a proof of another tx is not this tx's");

    // Bob's balance: the tx that wrote it, and the value, which is what eth_getBalance says.
    let answer: Value = rpc(&p, "manaflow_getOutputProof", json!([bob, "b"])).await;
    let producer = TxProof::decode(&bytes(&answer["producer"]["proof"])).unwrap();
    let value = client.check_output(&StateKey::balance(bob), &producer).expect("the output proof checks out");
    assert_eq!(U256::from_be_bytes(value.0), p.get_balance(bob).await.unwrap());
    // Never written, and written by a cheat no block holds yet: no producer.
    let nobody = Address::repeat_byte(0x77);
    let answer: Value = rpc(&p, "manaflow_getOutputProof", json!([nobody, "b"])).await;
    assert!(answer["producer"].is_null() && answer["reason"].as_str().unwrap().contains("never written"), "{answer}");
    let _: Value = rpc(&p, "anvil_setBalance", json!([nobody, "0x64"])).await;
    let answer: Value = rpc(&p, "manaflow_getOutputProof", json!([nobody, "b"])).await;
    assert!(answer["producer"].is_null() && answer["reason"].as_str().unwrap().contains("cheat"), "{answer}");

    // A producer replays the tip's txs in a block of its own: the node refuses it, and proves why.
    let tip = p.get_block_number().await.unwrap();
    let balance_before = p.get_balance(bob).await.unwrap();
    let raw: Bytes = rpc(&p, "manaflow_getRawBlock", json!([format!("{tip:#x}")])).await;
    let mut replay = Block::decode(&raw).expect("the raw block decodes");
    replay.header.parent_hash = replay.header.hash();
    replay.header.number += 1;
    replay.header.timestamp += 1;
    let answer: Value = rpc(&p, "manaflow_getFraudProof", json!([Bytes::from(replay.encode())])).await;
    assert_eq!(answer["rule"], "duplicate-tx", "{answer}");
    assert_eq!(answer["evidence"], "duplicate");
    let checked: Value = rpc(&p, "manaflow_verifyFraudProof", json!([answer["proof"]])).await;
    assert_eq!((&checked["valid"], &checked["rule"]), (&json!(true), &json!("duplicate-tx")), "{checked}");
    let fraud = FraudProof::decode(&bytes(&answer["proof"])).unwrap();
    // The light client was shown the replaying header: the proof marks it and what follows.
    client.extend(replay.header.clone()).expect("its header links to the tip");
    let descendant = Header { number: tip + 2, parent_hash: replay.header.hash(), ..replay.header.clone() };
    client.extend(descendant).unwrap();
    assert!(matches!(client.accept_fraud_proof(&fraud, &runtime()), Verdict::BlockInvalid(_)));
    assert_eq!(client.invalid_from().map(|(n, _)| *n), Some(tip + 1));
    assert!(client.is_valid(tip) && !client.is_valid(tip + 1) && !client.is_valid(tip + 2));
    // A proof that says something else of the same evidence is not proven.
    let mut wrong = fraud.clone();
    wrong.rule = manaflow_types::Rule::DoubleUse;
    let checked: Value = rpc(&p, "manaflow_verifyFraudProof", json!([Bytes::from(wrong.encode())])).await;
    assert_eq!(checked["valid"], json!(false), "{checked}");

    // Refused inputs name what is wrong, and the chain is as it was.
    let err = rpc_err(&p, "manaflow_getFraudProof", json!(["0x1234"])).await;
    assert!(err.message.contains("param 1 (raw block)"), "{}", err.message);
    let err = rpc_err(&p, "manaflow_verifyFraudProof", json!(["0xc0"])).await;
    assert!(err.message.contains("param 1 (proof)"), "{}", err.message);
    let mut stale = replay.clone();
    stale.header.parent_hash = B256::repeat_byte(3);
    let err = rpc_err(&p, "manaflow_getFraudProof", json!([Bytes::from(stale.encode())])).await;
    assert!(err.message.contains("is not the tip"), "{}", err.message);
    assert_eq!(p.get_block_number().await.unwrap(), tip);
    assert_eq!(p.get_balance(bob).await.unwrap(), balance_before);
    devnet.shutdown();
}

/// The tip block's transfer with the token balance it writes changed, the tx root re-sealed:
/// re-execution is what refuses it. The tip is reverted first, so the copy extends the chain.
async fn a_block_reexecution_refuses(p: &DynProvider, token: Address, from: Address, to: Address) -> Bytes {
    let snapshot: U256 = rpc(p, "evm_snapshot", json!([])).await;
    token_transfer(p, token, from, to, 3).await;
    let tip = p.get_block_number().await.unwrap();
    let raw: Bytes = rpc(p, "manaflow_getRawBlock", json!([format!("{tip:#x}")])).await;
    let _: bool = rpc(p, "evm_revert", json!([snapshot])).await;
    let mut block = Block::decode(&raw).unwrap();
    let m =
        block.txs[0].moves_mut().iter_mut().find(|m| m.mark == manaflow_types::Mark::Storage && m.is_write()).unwrap();
    m.next = B256::with_last_byte(0x99);
    block.header.tx_root = manaflow_types::merkle_root(&block.tx_leaves());
    Bytes::from(block.encode())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manaflow_light_follows_the_node_and_checks_proofs_from_the_command_line() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let (alice, bob) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let token = deploy_token(&p, alice).await;
    let sent = send_ok(&p, TransactionRequest::default().from(alice).to(bob).value(U256::from(9))).await;
    let tip = p.get_block_number().await.unwrap();
    // Its re-execution needs the token's code: the proof carries it, and the light client (a
    // process of its own, with no code of its own) checks it.
    let tampered = a_block_reexecution_refuses(&p, token, alice, bob).await;
    let answer: Value = rpc(&p, "manaflow_getFraudProof", json!([tampered])).await;
    assert_eq!((&answer["rule"], &answer["evidence"]), (&json!("re-execution"), &json!("tx")), "{answer}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("proof.hex");
    std::fs::write(&file, answer["proof"].as_str().unwrap()).unwrap();
    let url = devnet.url();
    let hash = format!("{}", sent.transaction_hash);
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_manaflow"))
            .args(["light", "--rpc", &url, "--tx", &hash, "--output", &format!("{bob}:b")])
            .args(["--output", &format!("{}:b", Address::repeat_byte(0x55))])
            .arg("--fraud-proof")
            .arg(&file)
            .output()
            .expect("manaflow light runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(&format!("{} headers checked", tip + 1)), "{stdout}");
    assert!(stdout.contains(&format!("included at block {tip} index 0")), "{stdout}");
    assert!(stdout.contains("(proof checked; it proves the write, not liveness)"), "{stdout}");
    assert!(stdout.contains("no producer (never written"), "{stdout}");
    assert!(stdout.contains(&format!("block {} ", tip + 1)) && stdout.contains("is INVALID"), "{stdout}");
    assert!(stdout.contains("re-execution"), "{stdout}");
    devnet.shutdown();
}
