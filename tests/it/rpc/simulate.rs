//! `eth_simulateV1`: calls in simulated blocks with block and state overrides, each on the state
//! the calls before it left, reverts reported per call, nothing written, bounds refused.

use alloy_primitives::{Address, Bytes, U256, address};
use alloy_provider::Provider;
use alloy_sol_types::SolCall;
use serde_json::{Value, json};

use crate::rpc::contracts::deploy_token;
use crate::rpc::support::ITestToken;
use crate::rpc::support::*;

fn data(input: Vec<u8>) -> Bytes {
    Bytes::from(input)
}

#[tokio::test]
async fn calls_run_in_simulated_blocks_with_overrides_and_nothing_is_written() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let token = deploy_token(&p, a).await;
    let height = block_number(&p).await;
    let rich = address!("0x8181818181818181818181818181818181818181");
    let transfer = data(ITestToken::transferCall { to: b, value: U256::from(500u64) }.abi_encode());
    let balance_of = |who: Address| data(ITestToken::balanceOfCall { account: who }.abi_encode());
    let payload = json!({
        "blockStateCalls": [
            {
                "blockOverrides": {"number": format!("{:#x}", height + 10), "time": "0x77359400"},
                "stateOverrides": {(rich.to_string()): {"balance": "0xde0b6b3a7640000"}},
                "calls": [
                    {"from": a, "to": token, "data": transfer},
                    {"from": a, "to": token, "data": balance_of(b)},
                    {"from": rich, "to": b, "value": "0x1"},
                    // Bob has only the 500 just sent: 501 reverts.
                    {"from": b, "to": token, "data": data(ITestToken::transferCall { to: a, value: U256::from(501u64) }.abi_encode())}
                ]
            },
            {"calls": [{"from": a, "to": token, "data": balance_of(b)}]}
        ]
    });
    let blocks: Value = rpc(&p, "eth_simulateV1", json!([payload, "latest"])).await;
    let blocks = blocks.as_array().expect("an array of blocks");
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0]["number"], json!(format!("{:#x}", height + 10)));
    assert_eq!(blocks[0]["timestamp"], "0x77359400");
    assert_eq!(blocks[1]["number"], json!(format!("{:#x}", height + 11)));
    assert_eq!(blocks[1]["parentHash"], blocks[0]["hash"]);

    let calls = blocks[0]["calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 4);
    assert_eq!(calls[0]["status"], "0x1");
    assert_eq!(calls[0]["logs"].as_array().map(Vec::len), Some(1), "the Transfer event");
    assert_eq!(calls[0]["logs"][0]["address"], json!(token));
    let after: Bytes = serde_json::from_value(calls[1]["returnData"].clone()).unwrap();
    assert_eq!(U256::from_be_slice(&after), U256::from(500u64), "the second call saw the first");
    assert_eq!(calls[2]["status"], "0x1", "the overridden balance pays");
    assert_eq!(calls[3]["status"], "0x0");
    assert_eq!(calls[3]["error"]["code"], 3);
    let next: Bytes = serde_json::from_value(blocks[1]["calls"][0]["returnData"].clone()).unwrap();
    assert_eq!(U256::from_be_slice(&next), U256::from(500u64), "the second block builds on the first");

    // Nothing was written.
    assert_eq!(block_number(&p).await, height);
    let out = eth_call(&p, a, token, balance_of(b)).await;
    assert_eq!(U256::from_be_slice(&out), U256::ZERO);
    assert_eq!(balance(&p, rich).await, U256::ZERO);
}

#[tokio::test]
async fn too_many_blocks_are_refused_with_the_bound() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let blocks: Vec<Value> = (0..257).map(|_| json!({"calls": []})).collect();
    let failure = rpc_err(&p, "eth_simulateV1", json!([{"blockStateCalls": blocks}])).await;
    assert_eq!(failure.code, -32602);
    assert!(failure.message.contains("at most 256 blocks"), "{failure:?}");
    assert!(p.get_block_number().await.is_ok());
}
