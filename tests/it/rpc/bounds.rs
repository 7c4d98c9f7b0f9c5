//! Inputs past their bounds are refused with a −32602 naming the bound, nothing is done, and the
//! node keeps mining (these once panicked the miner or mined without end).

use alloy_primitives::U256;
use alloy_rpc_types_eth::TransactionRequest;
use serde_json::{Value, json};

use crate::rpc::support::*;

#[tokio::test]
async fn block_counts_and_intervals_past_their_bounds_are_refused_and_mining_goes_on() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let height = block_number(&p).await;

    let huge = rpc_err(&p, "anvil_mine", json!(["0xffffffffffffffff"])).await;
    assert_eq!(huge.code, -32602);
    assert!(huge.message.contains("at most 100000"), "{huge:?}");
    let over = rpc_err(&p, "hardhat_mine", json!(["0x186a1"])).await;
    assert!(over.message.contains("100001 blocks asked"), "{over:?}");
    let negative = rpc_err(&p, "evm_mine", json!([{"blocks": -1}])).await;
    assert_eq!(negative.code, -32602);
    assert!(negative.message.contains("must not be negative"), "{negative:?}");
    let seconds = rpc_err(&p, "anvil_setIntervalMining", json!([9_223_372_036_854_775_808u64])).await;
    assert_eq!(seconds.code, -32602);
    assert!(seconds.message.contains("longer than the longest"), "{seconds:?}");
    let millis = rpc_err(&p, "evm_setIntervalMining", json!([u64::MAX])).await;
    assert!(millis.message.contains("longer than the longest"), "{millis:?}");
    assert_eq!(block_number(&p).await, height, "nothing was mined");

    // The miner lives: automine still mines, and a count within the bound is mined.
    let tx = TransactionRequest::default().from(a).to(b).value(U256::from(1u64));
    assert!(send_ok(&p, tx).await.status());
    let _: Value = rpc(&p, "anvil_mine", json!(["0x3"])).await;
    assert_eq!(block_number(&p).await, height + 4);
    let _: Value = rpc(&p, "anvil_setIntervalMining", json!([31_536_000u64])).await;
    let _: Value = rpc(&p, "evm_setAutomine", json!([true])).await;
    let tx = TransactionRequest::default().from(a).to(b).value(U256::from(1u64));
    assert!(send_ok(&provider(&devnet, 0), tx).await.status(), "back to automine after a year-long interval");
}

#[tokio::test]
async fn a_notification_gets_no_body() {
    let devnet = start();
    let client = reqwest::Client::new();
    let notification = json!({"jsonrpc": "2.0", "method": "eth_blockNumber", "params": []});
    for body in [notification.clone(), json!([notification.clone(), notification])] {
        let response = client.post(devnet.url()).json(&body).send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::NO_CONTENT);
        assert!(response.bytes().await.unwrap().is_empty(), "no body for {body}");
    }
    // A request beside a notification is answered alone.
    let mixed = json!([{"jsonrpc": "2.0", "id": 7, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "method": "eth_blockNumber", "params": []}]);
    let answer: Value = client.post(devnet.url()).json(&mixed).send().await.unwrap().json().await.unwrap();
    assert_eq!(answer, json!([{"jsonrpc": "2.0", "id": 7, "result": "0x7a69"}]));
}

#[tokio::test]
async fn a_request_in_a_binary_websocket_frame_is_answered() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let devnet = start();
    let (mut socket, _) = tokio_tungstenite::connect_async(devnet.ws_url()).await.expect("a WebSocket");
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).to_string();
    socket.send(Message::binary(request.into_bytes())).await.unwrap();
    let answer = socket.next().await.expect("an answer").unwrap();
    let answer: Value = serde_json::from_str(answer.to_text().unwrap()).unwrap();
    assert_eq!(answer["result"], "0x7a69");
    socket.send(Message::binary(vec![0xff, 0xfe])).await.unwrap();
    let refused = socket.next().await.expect("an answer").unwrap();
    let refused: Value = serde_json::from_str(refused.to_text().unwrap()).unwrap();
    assert_eq!(refused["error"]["code"], -32700);
}
