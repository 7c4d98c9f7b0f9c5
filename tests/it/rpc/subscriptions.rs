//! `eth_subscribe` over WebSocket through alloy's WS provider: `newHeads`, `logs` and
//! `newPendingTransactions`.

use std::time::Duration;

use alloy_eips::BlockNumberOrTag;
use alloy_provider::{Provider, ProviderBuilder, WsConnect};
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::SolEvent;
use serde_json::{Value, json};

use crate::rpc::contracts::{deploy_token, token_transfer};
use crate::rpc::support::ITestToken::Transfer;
use crate::rpc::support::*;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn new_heads_delivers_each_mined_block() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let ws = ProviderBuilder::new().connect_ws(WsConnect::new(devnet.ws_url())).await.expect("a WebSocket");
    assert_eq!(ws.get_block_number().await.unwrap(), 0, "plain requests over the WebSocket");
    let mut heads = ws.subscribe_blocks().await.expect("eth_subscribe newHeads");

    let _: Value = rpc(&p, "anvil_mine", json!(["0x2"])).await;
    for n in 1..=2u64 {
        let header = tokio::time::timeout(WAIT, heads.recv()).await.expect("a head in time").expect("a header");
        let block = p.get_block_by_number(BlockNumberOrTag::Number(n)).await.unwrap().unwrap();
        assert_eq!(header.number, n);
        assert_eq!(header.hash, block.header.hash);
        assert_eq!(header.parent_hash, block.header.parent_hash);
        assert_eq!(header.timestamp, block.header.timestamp);
    }
    // A tx's block too.
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let receipt = send_ok(&p, alloy_rpc_types_eth::TransactionRequest::default().from(a).to(b)).await;
    let header = tokio::time::timeout(WAIT, heads.recv()).await.expect("a head in time").expect("a header");
    assert_eq!(Some(header.hash), receipt.block_hash);
    assert_eq!(header.gas_used, 21_000);
}

#[tokio::test]
async fn new_pending_transactions_delivers_every_pooled_tx_automine_or_not() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let ws = ProviderBuilder::new().connect_ws(WsConnect::new(devnet.ws_url())).await.expect("a WebSocket");
    let mut pending = ws.subscribe_pending_transactions().await.expect("eth_subscribe newPendingTransactions");
    let mined = send_ok(&p, alloy_rpc_types_eth::TransactionRequest::default().from(a).to(b)).await;
    let hash = tokio::time::timeout(WAIT, pending.recv()).await.expect("a hash in time").expect("a hash");
    assert_eq!(hash, mined.transaction_hash, "automine mined it, and it was announced as pooled");

    let _: Value = rpc(&p, "evm_setAutomine", json!([false])).await;
    let pooled =
        p.send_transaction(alloy_rpc_types_eth::TransactionRequest::default().from(a).to(b)).await.expect("pooled");
    let hash = tokio::time::timeout(WAIT, pending.recv()).await.expect("a hash in time").expect("a hash");
    assert_eq!(hash, *pooled.tx_hash());
}

#[tokio::test]
async fn logs_delivers_the_matching_logs_only() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let token = deploy_token(&p, a).await;
    let other = deploy_token(&p, a).await;
    let ws = ProviderBuilder::new().connect_ws(WsConnect::new(devnet.ws_url())).await.expect("a WebSocket");
    let filter = Filter::new().address(token).event_signature(Transfer::SIGNATURE_HASH);
    let mut logs = ws.subscribe_logs(&filter).await.expect("eth_subscribe logs");

    token_transfer(&p, other, a, b, 1).await; // not matching: another contract
    let receipt = token_transfer(&p, token, a, b, 42).await;
    let log = tokio::time::timeout(WAIT, logs.recv()).await.expect("a log in time").expect("a log");
    assert_eq!(log, receipt.inner.logs()[0], "the receipt's log, first and only");
    assert_eq!(log.address(), token);
    assert_eq!(log.topics(), &[Transfer::SIGNATURE_HASH, a.into_word(), b.into_word()]);
    assert_eq!(log.data().data.as_ref(), &alloy_primitives::U256::from(42u64).to_be_bytes::<32>());
    assert_eq!(log.transaction_hash, Some(receipt.transaction_hash));
    assert_eq!(log.log_index, Some(0));

    let receipt = token_transfer(&p, token, a, b, 43).await;
    let log = tokio::time::timeout(WAIT, logs.recv()).await.expect("a log in time").expect("a log");
    assert_eq!(log.transaction_hash, Some(receipt.transaction_hash));
}

#[tokio::test]
async fn an_unsubscribed_subscription_gets_nothing_more() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let ws = ProviderBuilder::new().connect_ws(WsConnect::new(devnet.ws_url())).await.expect("a WebSocket");
    let mut heads = ws.subscribe_blocks().await.expect("newHeads");
    // A plain request that waits for its answer: alloy's own `unsubscribe` does not wait, and its
    // late answer can land on the next request's id. The server numbers a connection's
    // subscriptions from 1.
    let removed: bool = ws.raw_request("eth_unsubscribe".into(), json!(["0x1"])).await.expect("eth_unsubscribe");
    assert!(removed, "the connection's first subscription existed");
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    let nothing = tokio::time::timeout(Duration::from_millis(300), heads.recv()).await;
    assert!(!matches!(nothing, Ok(Ok(_))), "no head after eth_unsubscribe: {nothing:?}");
    // A new subscription on the same connection works.
    let mut heads = ws.subscribe_blocks().await.expect("newHeads again");
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    let header = tokio::time::timeout(WAIT, heads.recv()).await.expect("a head in time").expect("a header");
    assert_eq!(header.number, 2);

    let failure = match ws.raw_request::<_, Value>("eth_subscribe".into(), json!(["noSuchKind"])).await {
        Ok(v) => panic!("an unknown subscription kind must fail: {v}"),
        Err(e) => failure(&e),
    };
    assert_eq!(failure.code, -32602, "{failure:?}");
    assert_eq!(ws.get_block_number().await.unwrap(), 2, "the connection still serves");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_stops_reading_is_dropped_and_the_node_serves_on() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let devnet = start();
    let p = provider(&devnet, 0);
    let (mut socket, _) = tokio_tungstenite::connect_async(devnet.ws_url()).await.expect("a WebSocket");
    const SUBSCRIPTIONS: usize = 100;
    for id in 0..SUBSCRIPTIONS {
        let request = json!({"jsonrpc": "2.0", "id": id, "method": "eth_subscribe", "params": ["newHeads"]});
        socket.send(Message::text(request.to_string())).await.unwrap();
    }
    for _ in 0..SUBSCRIPTIONS {
        socket.next().await.expect("a subscription id").unwrap();
    }
    // The client stops reading; 100 notifications a block fill the socket buffers, then the
    // outbox (10,000 messages), and the node drops the connection.
    for _ in 0..10 {
        let _: Value = rpc(&p, "anvil_mine", json!(["0x64"])).await;
    }
    assert_eq!(block_number(&p).await, 1000, "the node mines and answers on");

    // What the socket buffered drains (the queued messages were freed with the connection), then
    // the connection ends: well short of every notification.
    let mut received = 0usize;
    let ended = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(Ok(message)) = socket.next().await {
            if message.is_close() {
                break;
            }
            received += 1;
        }
    })
    .await;
    assert!(ended.is_ok(), "the connection was closed");
    assert!(received < 1000 * SUBSCRIPTIONS, "dropped before every notification was sent: {received}");
    assert!(received > 0, "the notifications flowed until the client stopped reading");
}
