//! Parity's trace API as Anvil's users call it: `trace_transaction`, `trace_block`,
//! `trace_filter`, and `trace_replayTransaction` / `trace_call` with `trace`, `vmTrace` and a
//! `stateDiff` that agrees with the tx's moves.

use alloy_primitives::{Address, B256, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use serde_json::{Value, json};

use crate::rpc::contracts::deploy_token;
use crate::rpc::support::*;

alloy_sol_types::sol! {
    interface IForwarding {
        function forward(address target, bytes calldata data) external returns (bytes memory ret);
    }
}

/// A chain with a token, a forwarder and a mined forwarded transfer: (token, forwarder, tx).
async fn forwarded_transfer(p: &alloy_provider::DynProvider, a: Address, b: Address) -> (Address, Address, B256) {
    let token = deploy_token(p, a).await;
    let forwarder = deploy(p, a, artifact("Forwarder").bytecode).await;
    let fund = ITestToken::transferCall { to: forwarder, value: U256::from(50u64) }.abi_encode();
    send_ok(p, call_tx(a, token, fund)).await;
    let transfer = ITestToken::transferCall { to: b, value: U256::from(7u64) }.abi_encode();
    let input = IForwarding::forwardCall { target: token, data: transfer.into() }.abi_encode();
    let receipt = send_ok(p, call_tx(a, forwarder, input)).await;
    (token, forwarder, receipt.transaction_hash)
}

#[tokio::test]
async fn transaction_block_and_filter_traces() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let (token, forwarder, hash) = forwarded_transfer(&p, a, b).await;
    let receipt = p.get_transaction_receipt(hash).await.unwrap().unwrap();

    let traces: Value = rpc(&p, "trace_transaction", json!([hash])).await;
    let traces = traces.as_array().expect("a list");
    assert_eq!(traces.len(), 2);
    let (root, inner) = (&traces[0], &traces[1]);
    assert_eq!(root["type"], "call");
    assert_eq!(root["action"]["callType"], "call");
    assert_eq!(lower(&root["action"]["from"]), key(a));
    assert_eq!(lower(&root["action"]["to"]), key(forwarder));
    assert_eq!(root["subtraces"], 1);
    assert_eq!(root["traceAddress"], json!([]));
    assert_eq!(root["transactionHash"], json!(hash));
    assert_eq!(root["blockNumber"], json!(receipt.block_number.unwrap()));
    assert_eq!(root["transactionPosition"], 0);
    let root_gas: U256 = serde_json::from_value(root["result"]["gasUsed"].clone()).unwrap();
    assert!(root_gas < U256::from(receipt.gas_used) && root_gas > U256::ZERO, "the execution's gas, without 21,000");
    assert_eq!(lower(&inner["action"]["to"]), key(token));
    assert_eq!(inner["traceAddress"], json!([0]));
    assert_eq!(inner["result"]["output"], json!(B256::from(U256::from(1u64))));

    let block: Value = rpc(&p, "trace_block", json!([format!("{:#x}", receipt.block_number.unwrap())])).await;
    assert_eq!(block, json!(traces));
    let none: Value = rpc(&p, "trace_transaction", json!([B256::repeat_byte(7)])).await;
    assert_eq!(none, Value::Null);

    // The filter finds what reached the token: its create, the funding transfer, the forwarded one.
    let filtered: Value = rpc(&p, "trace_filter", json!([{"fromBlock": "0x0", "toAddress": [token]}])).await;
    let filtered = filtered.as_array().unwrap();
    assert_eq!(filtered.len(), 3);
    assert_eq!(filtered[0]["type"], "create");
    assert_eq!(filtered[2], *inner);
    let paged: Value = rpc(&p, "trace_filter", json!([{"toAddress": [token], "after": 2, "count": 1}])).await;
    assert_eq!(paged, json!([inner]));
    let from_b: Value = rpc(&p, "trace_filter", json!([{"fromAddress": [b]}])).await;
    assert_eq!(from_b, json!([]));

    // A toBlock beyond the tip is cut to the tip.
    let beyond: Value = rpc(&p, "trace_filter", json!([{"toBlock": "0x989680", "toAddress": [token]}])).await;
    assert_eq!(beyond.as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn a_filter_over_too_many_blocks_is_refused_with_the_bound() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let _: Value = rpc(&p, "anvil_mine", json!(["0x2711"])).await;
    let failure = rpc_err(&p, "trace_filter", json!([{"fromBlock": "0x0"}])).await;
    assert_eq!(failure.code, -32602);
    assert!(failure.message.contains("at most 10000 blocks"), "{failure:?}");
}

#[tokio::test]
async fn replay_gives_traces_and_a_state_diff_that_agrees_with_the_moves() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let (token, _, hash) = forwarded_transfer(&p, a, b).await;

    let replay: Value = rpc(&p, "trace_replayTransaction", json!([hash, ["trace", "stateDiff"]])).await;
    let traced: Value = rpc(&p, "trace_transaction", json!([hash])).await;
    assert_eq!(replay["output"], traced[0]["result"]["output"]);
    assert_eq!(replay["trace"].as_array().unwrap().len(), traced.as_array().unwrap().len());
    assert_eq!(replay["vmTrace"], Value::Null);
    let diff = &replay["stateDiff"];

    let listed: Value = rpc(&p, "manaflow_getMoves", json!([hash])).await;
    let mut changed_accounts = std::collections::BTreeSet::new();
    for m in listed["moves"].as_array().unwrap() {
        let (prev, next) = (m["prev"].clone(), m["next"].clone());
        let address: Address = serde_json::from_value(m["address"].clone()).unwrap();
        let entry = &diff[key(address)];
        if prev == next {
            continue;
        }
        changed_accounts.insert(address);
        let word = |v: &Value| serde_json::from_value::<U256>(v.clone()).unwrap();
        match m["mark"].as_str().unwrap() {
            "b" => {
                assert_eq!(word(&entry["balance"]["*"]["from"]), word(&prev));
                assert_eq!(word(&entry["balance"]["*"]["to"]), word(&next));
            }
            "n" => assert_eq!(word(&entry["nonce"]["*"]["to"]), word(&next)),
            "s" => {
                let slot = format!("{:?}", serde_json::from_value::<B256>(m["slot"].clone()).unwrap());
                assert_eq!(entry["storage"][&slot]["*"]["from"], prev);
                assert_eq!(entry["storage"][&slot]["*"]["to"], next);
            }
            other => panic!("a transfer changes no {other} move"),
        }
    }
    let listed_accounts: std::collections::BTreeSet<Address> =
        diff.as_object().unwrap().keys().map(|k| k.parse().unwrap()).collect();
    assert_eq!(listed_accounts, changed_accounts, "every changed account, and no other");
    assert_eq!(diff[key(token)]["balance"], "=");

    let vm: Value = rpc(&p, "trace_replayTransaction", json!([hash, ["vmTrace"]])).await;
    assert!(vm["vmTrace"]["ops"].as_array().is_some_and(|ops| !ops.is_empty()));
    assert_eq!(vm["stateDiff"], Value::Null);

    // A call, traced the same way; a new account shows as added.
    let fresh = Address::repeat_byte(0x5a);
    let tx = TransactionRequest::default().from(a).to(fresh).value(U256::from(5u64));
    let call: Value = rpc(&p, "trace_call", json!([tx, ["trace", "stateDiff"], "latest"])).await;
    assert_eq!(call["stateDiff"][key(fresh)]["balance"]["+"], "0x5");
    assert_eq!(call["trace"][0]["action"]["value"], "0x5");
    assert_eq!(balance(&p, fresh).await, U256::ZERO, "nothing written");
}
