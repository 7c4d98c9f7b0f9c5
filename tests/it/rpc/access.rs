//! `eth_createAccessList` read off a tx's moves (storage keys and touched accounts, geth's
//! exclusions), with the gas the tx then uses; and `eth_getProof`'s refusal, which says why.

use alloy_eips::eip2930::AccessList;
use alloy_primitives::{B256, U64};
use alloy_provider::Provider;
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use serde_json::{Value, json};

use crate::rpc::contracts::deploy_token;
use crate::rpc::support::ITestToken;
use crate::rpc::support::*;

#[tokio::test]
async fn an_access_list_names_the_storage_a_transfer_touches_and_its_gas_is_the_gas_used_with_it() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let token = deploy_token(&p, a).await;
    let input = ITestToken::transferCall { to: b, value: alloy_primitives::U256::from(5u64) }.abi_encode();
    let request = json!({"from": a, "to": token, "data": alloy_primitives::Bytes::from(input.clone())});

    let answer: Value = rpc(&p, "eth_createAccessList", json!([request, "latest"])).await;
    let list: AccessList = serde_json::from_value(answer["accessList"].clone()).expect("an access list");
    assert_eq!(list.0.len(), 1, "only the token, with its storage (sender and recipient left out): {answer}");
    assert_eq!(list.0[0].address, token);
    let mut keys = list.0[0].storage_keys.clone();
    keys.sort();
    let mut expected = vec![erc20_balance_slot(a), erc20_balance_slot(b)];
    expected.sort();
    assert_eq!(keys, expected);
    assert!(answer.get("error").is_none(), "{answer}");

    // Sent with that list, the tx uses exactly the gas reported.
    let gas_used: U64 = serde_json::from_value(answer["gasUsed"].clone()).unwrap();
    let tx = TransactionRequest::default().from(a).to(token).input(input.into()).access_list(list);
    let receipt = send_ok(&p, tx).await;
    assert_eq!(receipt.gas_used, gas_used.to::<u64>());
}

#[tokio::test]
async fn a_failing_tx_still_gets_its_list_with_the_error() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let token = deploy_token(&p, a).await;
    // Bob holds no tokens: the transfer reverts after reading his balance.
    let input = ITestToken::transferCall { to: a, value: alloy_primitives::U256::from(5u64) }.abi_encode();
    let request = json!({"from": b, "to": token, "data": alloy_primitives::Bytes::from(input)});
    let answer: Value = rpc(&p, "eth_createAccessList", json!([request])).await;
    assert_eq!(answer["error"], "execution reverted", "{answer}");
    let list: AccessList = serde_json::from_value(answer["accessList"].clone()).unwrap();
    assert_eq!(list.0[0].storage_keys, vec![erc20_balance_slot(b)]);
}

#[tokio::test]
async fn eth_get_proof_says_why_there_is_no_proof_and_what_to_use() {
    let devnet = start();
    let a = devnet.accounts()[0].address;
    let p = provider(&devnet, 0);
    let failure = rpc_err(&p, "eth_getProof", json!([a, [B256::ZERO], "latest"])).await;
    assert_eq!(failure.code, -32000);
    assert!(failure.message.contains("not in a Merkle-Patricia trie"), "{failure:?}");
    assert!(failure.message.contains("manaflow_getOutput"), "{failure:?}");
    assert!(p.get_block_number().await.is_ok(), "the node keeps serving");
}
