//! Inputs past their bounds are refused with a −32602 naming the bound, nothing is done, and the
//! node keeps mining (these once panicked the miner or mined without end).

use alloy_primitives::{Bytes, U256};
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

/// Init code deploying `runtime` (at most 255 bytes).
fn init_code(runtime: &[u8]) -> Vec<u8> {
    let mut code = vec![0x60, runtime.len() as u8, 0x80, 0x60, 0x09, 0x5f, 0x39, 0x5f, 0xf3];
    code.extend_from_slice(runtime);
    code
}

/// A contract emitting `count` (< 256) `LOG0`s per call.
fn logger(count: u8) -> Vec<u8> {
    // PUSH1 count; loop: JUMPDEST DUP1 ISZERO PUSH1 end JUMPI PUSH0 PUSH0 LOG0 PUSH1 1 SWAP1 SUB
    // PUSH1 loop JUMP; end: JUMPDEST STOP
    init_code(&[
        0x60, count, 0x5b, 0x80, 0x15, 0x60, 0x12, 0x57, 0x5f, 0x5f, 0xa0, 0x60, 0x01, 0x90, 0x03, 0x60, 0x02, 0x56,
        0x5b, 0x00,
    ])
}

/// A contract returning the gas left when it runs (GAS PUSH0 MSTORE PUSH1 32 PUSH0 RETURN).
fn gas_left() -> Vec<u8> {
    init_code(&[0x5a, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3])
}

#[tokio::test]
async fn filters_subscriptions_and_batches_are_bounded() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let devnet = start();
    let client = reqwest::Client::new();
    let batch = |method: &str, n: usize| {
        Value::Array((0..n).map(|i| json!({"jsonrpc": "2.0", "id": i, "method": method, "params": []})).collect())
    };

    let too_many: Value =
        client.post(devnet.url()).json(&batch("eth_chainId", 1_001)).send().await.unwrap().json().await.unwrap();
    assert_eq!(too_many["error"]["code"], -32600, "{too_many}");
    assert!(too_many["error"]["message"].as_str().unwrap().contains("at most 1000"), "{too_many}");

    for _ in 0..10 {
        let answers: Value = client
            .post(devnet.url())
            .json(&batch("eth_newBlockFilter", 1_000))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(answers.as_array().unwrap().iter().all(|a| a["result"].is_string()), "installed");
    }
    let p = provider(&devnet, 0);
    let full = rpc_err(&p, "eth_newBlockFilter", json!([])).await;
    assert!(full.message.contains("10000 filters are installed"), "{full:?}");
    assert!(rpc::<bool>(&p, "eth_uninstallFilter", json!(["0x1"])).await);
    let _: Value = rpc(&p, "eth_newBlockFilter", json!([])).await;

    let (mut socket, _) = tokio_tungstenite::connect_async(devnet.ws_url()).await.expect("a WebSocket");
    let subscribe = |id: u64| {
        Message::text(
            json!({"jsonrpc": "2.0", "id": id, "method": "eth_subscribe", "params": ["newHeads"]}).to_string(),
        )
    };
    for id in 0..1_001 {
        socket.send(subscribe(id)).await.unwrap();
    }
    let mut refused = Vec::new();
    for _ in 0..1_001 {
        let answer: Value = serde_json::from_str(socket.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
        if answer["error"].is_object() {
            refused.push(answer);
        }
    }
    assert_eq!(refused.len(), 1, "only the 1001st is refused: {refused:?}");
    assert!(refused[0]["error"]["message"].as_str().unwrap().contains("1000 subscriptions"), "{refused:?}");
    assert_eq!(block_number(&p).await, 0, "the node still answers");
}

#[tokio::test]
async fn log_queries_are_bounded_and_read_from_the_log_index() {
    let mut config = manaflow::Config::test();
    config.server.logs = manaflow::LogLimits { max_range: 50, max_results: 100 };
    let devnet = start_with(config);
    let from = devnet.accounts()[0].address;
    let p = provider(&devnet, 0);
    let many = deploy(&p, from, logger(60).into()).await;
    let few = deploy(&p, from, logger(3).into()).await;
    let first = send_ok(&p, call_tx(from, many, Bytes::new())).await.block_number.unwrap();
    send_ok(&p, call_tx(from, many, Bytes::new())).await;
    send_ok(&p, call_tx(from, few, Bytes::new())).await;

    let all = rpc_err(&p, "eth_getLogs", json!([{"fromBlock": "0x0"}])).await;
    assert_eq!(all.code, -32602);
    assert!(all.message.contains("more than 100 logs"), "{all:?}");
    let one: Vec<Value> =
        rpc(&p, "eth_getLogs", json!([{"fromBlock": format!("{first:#x}"), "toBlock": format!("{first:#x}")}])).await;
    assert_eq!(one.len(), 60);
    let by_address: Vec<Value> = rpc(&p, "eth_getLogs", json!([{"fromBlock": "0x0", "address": few}])).await;
    assert_eq!(by_address.len(), 3);
    assert!(by_address.iter().all(|log| log["address"] == lower(&json!(few))));

    // A rolled-back block's logs are forgotten by the index.
    let snapshot: Value = rpc(&p, "evm_snapshot", json!([])).await;
    send_ok(&provider(&devnet, 0), call_tx(from, few, Bytes::new())).await;
    let _: bool = rpc(&p, "evm_revert", json!([snapshot])).await;
    let after: Vec<Value> = rpc(&p, "eth_getLogs", json!([{"fromBlock": "0x0", "address": few}])).await;
    assert_eq!(after.len(), 3);

    let _: Value = rpc(&p, "anvil_mine", json!(["0x40"])).await;
    let wide = rpc_err(&p, "eth_getLogs", json!([{"fromBlock": "0x0", "address": few}])).await;
    assert_eq!(wide.code, -32602);
    assert!(wide.message.contains("one query spans at most 50"), "{wide:?}");
}

#[tokio::test]
async fn calls_use_at_most_the_gas_cap() {
    let left = |out: Bytes| U256::from_be_slice(&out).to::<u64>();
    let mut low = manaflow::Config::test();
    low.chain.gas_cap = Some(100_000);
    let devnet = start_with(low);
    let from = devnet.accounts()[0].address;
    let p = provider(&devnet, 0);
    let probe = deploy(&p, from, gas_left().into()).await;
    let asked = call_tx(from, probe, Bytes::new()).gas_limit(1_000_000);
    let out: Bytes = rpc(&p, "eth_call", json!([asked, "latest"])).await;
    assert!(left(out.clone()) < 100_000, "capped: {}", left(out));

    let mut high = manaflow::Config::test();
    high.chain.gas_cap = Some(50_000_000);
    let devnet = start_with(high);
    let p = provider(&devnet, 0);
    let probe = deploy(&p, from, gas_left().into()).await;
    let asked = call_tx(from, probe, Bytes::new()).gas_limit(40_000_000);
    let out: Bytes = rpc(&p, "eth_call", json!([asked, "latest"])).await;
    assert!(left(out.clone()) > 30_000_000, "past the block gas limit, up to the cap: {}", left(out));
}

/// Posts `eth_chainId` over a raw connection naming `host`; the status and body.
async fn post_as_host(devnet: &manaflow::Devnet, host: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(devnet.addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, answer)
}

#[tokio::test]
async fn requests_naming_another_host_are_refused_unless_allowed() {
    let devnet = start();
    let (status, answer) = post_as_host(&devnet, "evil.example:8545").await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer.contains("--allow-hosts evil.example"), "says what to do: {answer}");
    for host in ["localhost:8545", "127.0.0.1", "[::1]:8545"] {
        let (status, answer) = post_as_host(&devnet, host).await;
        assert_eq!(status, 200, "{host}: {answer}");
        assert!(answer.contains("0x7a69"), "{answer}");
    }
    let mut config = manaflow::Config::test();
    config.server.allowed_hosts = vec!["devnet.test".into()];
    let allowing = start_with(config);
    assert_eq!(post_as_host(&allowing, "devnet.test:8545").await.0, 200);
    assert_eq!(post_as_host(&allowing, "evil.example").await.0, 403);
}

#[tokio::test]
async fn a_body_of_any_size_sent_before_reading_gets_its_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let devnet = start();
    for mib in [3usize, 40] {
        let body = vec![b' '; mib << 20];
        let head = format!(
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let mut stream = tokio::net::TcpStream::connect(devnet.addr()).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        // The whole body goes out before anything is read, as Python's http.client sends it.
        stream.write_all(&body).await.expect("the node reads the whole body");
        let mut answer = vec![0u8; 4096];
        let n = stream.read(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(answer.starts_with("HTTP/1.1 413"), "{mib} MiB: {answer}");
        assert!(answer.contains("larger than the limit of 2097152 bytes"), "{answer}");
    }
    assert_eq!(block_number(&provider(&devnet, 0)).await, 0, "the node still answers");
}
