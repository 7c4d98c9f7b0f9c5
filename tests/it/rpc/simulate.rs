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

/// Code that sends its call value on to `to` (a plain `CALL`, no data), then stops or, with
/// `revert`, reverts.
fn forwarder(to: Address, revert: bool) -> Bytes {
    let mut code = vec![0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x34, 0x73];
    code.extend_from_slice(to.as_slice());
    code.extend_from_slice(&[0x5a, 0xf1, 0x50]);
    code.extend_from_slice(if revert { &[0x60, 0, 0x60, 0, 0xfd] } else { &[0x00] });
    Bytes::from(code)
}

/// A `traceTransfers` log: (emitter, topics, value).
fn transfer_log(log: &Value) -> (String, Vec<String>, U256) {
    let topics = log["topics"].as_array().expect("topics").iter().map(|t| t.as_str().unwrap().to_owned()).collect();
    let data: Bytes = serde_json::from_value(log["data"].clone()).expect("data");
    (log["address"].as_str().expect("address").to_lowercase(), topics, U256::from_be_slice(&data))
}

#[tokio::test]
async fn trace_transfers_lists_every_ether_transfer_that_was_not_reverted() {
    let devnet = start();
    let a = devnet.accounts()[0].address;
    let p = provider(&devnet, 0);
    let sink = address!("0x5151515151515151515151515151515151515151");
    let forward = address!("0xf0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0");
    let reverter = address!("0xeded0000000000000000000000000000000000ed");
    let through_reverter = address!("0xeded0000000000000000000000000000000000ee");
    let payload = json!({
        "traceTransfers": true,
        "blockStateCalls": [{
            "stateOverrides": {
                (forward.to_string()): {"code": forwarder(sink, false)},
                (reverter.to_string()): {"code": forwarder(sink, true)},
                (through_reverter.to_string()): {"code": forwarder(reverter, false)},
            },
            "calls": [
                {"from": a, "to": forward, "value": "0x5"},
                {"from": a, "to": through_reverter, "value": "0x3"},
                {"from": a, "to": reverter, "value": "0x2"},
            ]
        }]
    });
    let blocks: Value = rpc(&p, "eth_simulateV1", json!([payload, "latest"])).await;
    let calls = blocks[0]["calls"].as_array().expect("calls");
    let word = |who: Address| format!("{:#x}", who.into_word());
    let transfer_topic = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef".to_owned();
    let emitter = "0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee".to_owned();
    let logs = |i: usize| calls[i]["logs"].as_array().expect("logs").iter().map(transfer_log).collect::<Vec<_>>();

    // The tx's own transfer, then the forwarded one, in execution order.
    assert_eq!(
        logs(0),
        vec![
            (emitter.clone(), vec![transfer_topic.clone(), word(a), word(forward)], U256::from(5)),
            (emitter.clone(), vec![transfer_topic.clone(), word(forward), word(sink)], U256::from(5)),
        ]
    );
    // The inner frame reverted: its transfer is gone, the outer one stays.
    assert_eq!(calls[1]["status"], "0x1");
    assert_eq!(logs(1), vec![(emitter, vec![transfer_topic, word(a), word(through_reverter)], U256::from(3))]);
    // The whole call reverted: no logs at all.
    assert_eq!(calls[2]["status"], "0x0");
    assert!(logs(2).is_empty());

    // Without the flag, an ether transfer makes no log.
    let plain = json!({"blockStateCalls": [{
        "stateOverrides": {(forward.to_string()): {"code": forwarder(sink, false)}},
        "calls": [{"from": a, "to": forward, "value": "0x5"}]
    }]});
    let blocks: Value = rpc(&p, "eth_simulateV1", json!([plain, "latest"])).await;
    assert_eq!(blocks[0]["calls"][0]["logs"], json!([]));
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
