//! Otterscan's API as Otterscan calls it (level 8): traces, internal operations and errors of a
//! tx, block details and pages of a block's txs, searches by address that page by whole blocks,
//! txs by sender and nonce, and contract creators, all read from the node's index; and the index
//! follows a revert.

use alloy_primitives::{B256, Bytes, U256};
use alloy_sol_types::SolCall;
use serde_json::{Value, json};

use crate::rpc::contracts::{deploy_token, token_transfer};
use crate::rpc::support::*;

alloy_sol_types::sol! {
    interface IRelay {
        function forward(address target, bytes calldata data) external returns (bytes memory ret);
    }
}

#[tokio::test]
async fn a_tx_traced_as_otterscan_shows_it() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    assert_eq!(rpc::<u64>(&p, "ots_getApiLevel", json!([])).await, 8);
    let token = deploy_token(&p, a).await;
    assert!(rpc::<bool>(&p, "ots_hasCode", json!([token, "latest"])).await);
    assert!(!rpc::<bool>(&p, "ots_hasCode", json!([b, "latest"])).await);
    assert!(!rpc::<bool>(&p, "ots_hasCode", json!([token, "0x0"])).await, "not at genesis");

    let forwarder = deploy(&p, a, artifact("Forwarder").bytecode).await;
    token_transfer(&p, token, a, forwarder, 10).await;
    let transfer = ITestToken::transferCall { to: b, value: U256::from(3u64) }.abi_encode();
    let input = IRelay::forwardCall { target: token, data: transfer.clone().into() }.abi_encode();
    let hash = send_ok(&p, call_tx(a, forwarder, input.clone())).await.transaction_hash;
    let trace: Value = rpc(&p, "ots_traceTransaction", json!([hash])).await;
    let trace = trace.as_array().unwrap();
    assert_eq!(trace.len(), 2);
    assert_eq!((trace[0]["type"].as_str(), trace[0]["depth"].as_u64()), (Some("CALL"), Some(0)));
    assert_eq!(lower(&trace[0]["from"]), key(a));
    assert_eq!(trace[0]["input"], json!(Bytes::from(input)));
    assert_eq!((trace[1]["type"].as_str(), trace[1]["depth"].as_u64()), (Some("CALL"), Some(1)));
    assert_eq!(lower(&trace[1]["to"]), key(token));
    assert_eq!(trace[1]["input"], json!(Bytes::from(transfer)));
    assert_eq!(trace[1]["output"], json!(B256::from(U256::from(1u64))));
    assert_eq!(rpc::<Value>(&p, "ots_getTransactionError", json!([hash])).await, "0x");
    assert_eq!(rpc::<Value>(&p, "ots_getInternalOperations", json!([hash])).await, json!([]));

    // A revert's data, and a CREATE2 as an internal operation.
    let reverter = deploy(&p, a, artifact("Reverter").bytecode).await;
    let why = IReverter::revertWithReasonCall { reason: "deep".into() }.abi_encode();
    let failed = IRelay::forwardCall { target: reverter, data: why.into() }.abi_encode();
    let tx = call_tx(a, forwarder, failed).gas_limit(300_000);
    let failed = send(&p, tx).await.transaction_hash;
    let error: Bytes = rpc(&p, "ots_getTransactionError", json!([failed])).await;
    assert_eq!(&error[..4], &[0x08, 0xc3, 0x79, 0xa0], "Error(string)");
    let factory = deploy(&p, a, artifact("Create2Factory").bytecode).await;
    let salt = B256::repeat_byte(2);
    let mut code = artifact("Child").bytecode.to_vec();
    code.extend_from_slice(&U256::from(1u64).to_be_bytes::<32>());
    let created = factory.create2(salt, alloy_primitives::keccak256(&code));
    let made = ICreate2Factory::deployCall { salt, code: code.into() }.abi_encode();
    let made = send_ok(&p, call_tx(a, factory, made)).await.transaction_hash;
    let ops: Value = rpc(&p, "ots_getInternalOperations", json!([made])).await;
    assert_eq!(ops[0]["type"], 3, "CREATE2");
    assert_eq!(lower(&ops[0]["from"]), key(factory));
    assert_eq!(lower(&ops[0]["to"]), key(created));

    // Who created what: the deployer of a deploy tx, the factory of a CREATE2.
    let creator: Value = rpc(&p, "ots_getContractCreator", json!([token])).await;
    assert_eq!(lower(&creator["creator"]), key(a));
    let creator: Value = rpc(&p, "ots_getContractCreator", json!([created])).await;
    assert_eq!((lower(&creator["creator"]), creator["hash"].clone()), (key(factory), json!(made)));
    assert_eq!(rpc::<Value>(&p, "ots_getContractCreator", json!([b])).await, Value::Null, "an account is no contract");
}

#[tokio::test]
async fn block_details_pages_and_txs_by_sender_and_nonce() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let token = deploy_token(&p, a).await;
    let _: Value = rpc(&p, "evm_setAutomine", json!([false])).await;
    let mut hashes = Vec::new();
    for value in 1..=3u64 {
        let input = ITestToken::transferCall { to: b, value: U256::from(value) }.abi_encode();
        let tx = json!({"from": a, "to": token, "data": Bytes::from(input), "gas": "0x30000"});
        hashes.push(rpc::<B256>(&p, "eth_sendTransaction", json!([tx])).await);
    }
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    let number = block_number(&p).await;

    let details: Value = rpc(&p, "ots_getBlockDetails", json!([number])).await;
    assert_eq!(details["block"]["transactionCount"], 3);
    assert!(details["block"].get("transactions").is_none());
    assert_eq!(details["issuance"]["blockReward"], "0x0");
    assert!(serde_json::from_value::<U256>(details["totalFees"].clone()).unwrap() > U256::ZERO);
    let hash: B256 = serde_json::from_value(details["block"]["hash"].clone()).unwrap();
    assert_eq!(rpc::<Value>(&p, "ots_getBlockDetailsByHash", json!([hash])).await, details);

    let page: Value = rpc(&p, "ots_getBlockTransactions", json!([number, 1, 2])).await;
    assert_eq!(page["fullblock"]["transactionCount"], 3);
    let txs = page["fullblock"]["transactions"].as_array().unwrap();
    assert_eq!(txs.len(), 1, "the second page of two holds the third tx");
    assert_eq!(txs[0]["hash"], json!(hashes[2]));
    assert_eq!(txs[0]["input"], "0xa9059cbb", "inputs cut to their selector");
    assert_eq!(page["receipts"][0]["transactionHash"], json!(hashes[2]));
    assert!(page["receipts"][0]["timestamp"].as_u64().is_some());
    let refused = rpc_err(&p, "ots_getBlockTransactions", json!([number, 0, 100_000])).await;
    assert!(refused.message.contains("page size"), "{refused:?}");

    let nonce_1: B256 = rpc(&p, "ots_getTransactionBySenderAndNonce", json!([a, 2])).await;
    assert_eq!(nonce_1, hashes[1], "the deploy was nonce 0");
    let full: Value = rpc(&p, "eth_getTransactionBySenderAndNonce", json!([a, "0x2"])).await;
    assert_eq!(full["hash"], json!(hashes[1]));
    assert_eq!(rpc::<Value>(&p, "ots_getTransactionBySenderAndNonce", json!([a, 99])).await, Value::Null);
}

#[tokio::test]
async fn searches_page_by_whole_blocks_and_follow_a_revert() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let token = deploy_token(&p, a).await; // block 1
    let mut mined = Vec::new();
    for value in 1..=3u64 {
        mined.push(token_transfer(&p, token, a, b, value).await.transaction_hash); // blocks 2, 3, 4
    }
    // Block 5 holds two transfers.
    let _: Value = rpc(&p, "evm_setAutomine", json!([false])).await;
    for value in [4u64, 5] {
        let input = ITestToken::transferCall { to: b, value: U256::from(value) }.abi_encode();
        let tx = json!({"from": a, "to": token, "data": Bytes::from(input), "gas": "0x30000"});
        mined.push(rpc::<B256>(&p, "eth_sendTransaction", json!([tx])).await);
    }
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    let _: Value = rpc(&p, "evm_setAutomine", json!([true])).await;
    let hashes =
        |page: &Value| -> Vec<Value> { page["txs"].as_array().unwrap().iter().map(|t| t["hash"].clone()).collect() };

    // Alice's txs (her account is in each one's moves), newest first; a page of 1 still holds all
    // of block 5.
    let deployed: B256 = rpc(&p, "ots_getTransactionBySenderAndNonce", json!([a, 0])).await;
    let first: Value = rpc(&p, "ots_searchTransactionsBefore", json!([a, 0, 1])).await;
    assert_eq!(hashes(&first), vec![json!(mined[4]), json!(mined[3])]);
    assert_eq!((first["firstPage"].clone(), first["lastPage"].clone()), (json!(true), json!(false)));
    assert_eq!(first["receipts"][0]["transactionHash"], json!(mined[4]));
    let next: Value = rpc(&p, "ots_searchTransactionsBefore", json!([a, 5, 2])).await;
    assert_eq!(hashes(&next), vec![json!(mined[2]), json!(mined[1])]);
    let last: Value = rpc(&p, "ots_searchTransactionsBefore", json!([a, 3, 5])).await;
    assert_eq!(hashes(&last), vec![json!(mined[0]), json!(deployed)]);
    assert_eq!(last["lastPage"], true);
    // Bob appears only in the token's storage: no tx touched his account.
    let bob: Value = rpc(&p, "ots_searchTransactionsBefore", json!([b, 0, 5])).await;
    assert_eq!(bob["txs"], json!([]));
    // The token's deploy touched the token too.
    let all: Value = rpc(&p, "ots_searchTransactionsBefore", json!([token, 0, 25])).await;
    assert_eq!(all["txs"].as_array().unwrap().len(), 6);

    let oldest: Value = rpc(&p, "ots_searchTransactionsAfter", json!([a, 0, 2])).await;
    assert_eq!(hashes(&oldest), vec![json!(mined[0]), json!(deployed)], "answered newest first");
    assert_eq!((oldest["firstPage"].clone(), oldest["lastPage"].clone()), (json!(false), json!(true)));
    let newest: Value = rpc(&p, "ots_searchTransactionsAfter", json!([a, 3, 10])).await;
    assert_eq!(newest["firstPage"], true);
    assert_eq!(hashes(&newest).len(), 3);

    // A tx mined after a snapshot is found, and forgotten with the revert.
    let id: Value = rpc(&p, "evm_snapshot", json!([])).await;
    let extra = token_transfer(&provider(&devnet, 0), token, a, b, 9).await.transaction_hash;
    let with_extra: Value = rpc(&p, "ots_searchTransactionsBefore", json!([a, 0, 1])).await;
    assert_eq!(hashes(&with_extra), vec![json!(extra)]);
    assert!(rpc::<bool>(&p, "evm_revert", json!([id])).await);
    let after_revert: Value = rpc(&p, "ots_searchTransactionsBefore", json!([a, 0, 1])).await;
    assert_eq!(hashes(&after_revert), vec![json!(mined[4]), json!(mined[3])]);
}
