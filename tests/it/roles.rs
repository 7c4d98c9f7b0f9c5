//! The roles apart (DESIGN §11), in this process: a validator (`spawn_validator`) and
//! coordinators following it (`spawn` with `roles.validator`), used over JSON-RPC with alloy.
//! Coordinators agree with each other and with the validator's blocks; dev methods that change
//! the chain are refused by a coordinator, and methods a validator does not serve by the
//! validator; a batch's malformed tx is refused alone; a double use between batches is dropped
//! with its rule; a batch's bounds refuse it whole with a clear error. The demonstration with
//! processes (the binary) is in `roles_demo.rs`.

use std::time::Duration;

use alloy_primitives::{Address, Bytes, U256};
use alloy_provider::{DynProvider, Provider};
use manaflow::validator::TxFate;
use manaflow::{Config, Devnet, ValidatorHandle, spawn_validator};
use manaflow_types::batch::{MAX_BATCH_TXS, encode_items};
use manaflow_types::{Batch, BatchTx, Block, Header};
use serde_json::{Value, json};

use crate::rpc::support::*;

/// A validator sealing as batches arrive (or every `block_time`), with `accounts` dev accounts.
pub(crate) fn validator(accounts: usize, block_time: Option<Duration>) -> ValidatorHandle {
    crate::panics::surface();
    let mut config = Config::test().with_accounts(accounts);
    config.mining.block_time = block_time;
    spawn_validator(config).expect("the validator starts")
}

/// A coordinator named `name` following the validator at `url`.
pub(crate) fn coordinator(url: &str, name: &str, accounts: usize) -> Devnet {
    let mut config = Config::test().with_accounts(accounts);
    config.roles.validator = Some(url.to_string());
    config.roles.name = name.to_string();
    start_with(config)
}

/// A client of the validator's JSON-RPC (no signer: it only reads and submits batches).
fn validator_client(validator: &ValidatorHandle) -> DynProvider {
    alloy_provider::ProviderBuilder::new()
        .disable_recommended_fillers()
        .connect_http(validator.url().parse().expect("a URL"))
        .erased()
}

/// A batch of signed ETH transfers, filled for the validator's template on a node of our own that
/// holds the validator's chain (as a coordinator fills them).
fn transfers_batch(validator: &ValidatorHandle, origin: &str, transfers: &[(usize, u64, Address)]) -> Batch {
    let mut config = Config::test().with_accounts(4).chain;
    config.data_dir = None;
    let genesis = validator.validator().with_ledger(|l| l.block(0)).expect("genesis");
    let mut node = manaflow::Node::open_with_genesis(config, Some(genesis)).expect("a node");
    let height = validator.validator().with_ledger(|l| l.len());
    for n in 1..height {
        let block: Block = validator.validator().with_ledger(|l| l.block(n)).expect("a block");
        node.commit(&block, &[]).expect("the validator's block validates here");
    }
    let template: Header = validator.validator().template();
    let accounts = node.accounts().to_vec();
    let admitted = transfers
        .iter()
        .map(|&(from, nonce, to)| {
            let tx = transfer_1559(nonce, to, U256::from(1_000));
            node.admit(&sign(&signer(&accounts[from]), tx)).expect("a valid tx")
        })
        .collect();
    let built = node.build(&template, admitted);
    assert!(built.refused.is_empty(), "{:?}", built.refused);
    let items =
        built.block.txs.into_iter().zip(built.block.outcomes).map(|(tx, outcome)| BatchTx { tx, outcome }).collect();
    Batch::new(origin, template.number, items)
}

async fn submit(p: &DynProvider, bytes: Vec<u8>) -> Vec<TxFate> {
    let answer: Value = rpc(p, "manaflow_submitBatch", json!([Bytes::from(bytes)])).await;
    serde_json::from_value(answer["fates"].clone()).expect("fates")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coordinators_following_one_validator_agree_on_every_answer() {
    let validator = validator(4, None);
    let (a, b) = (coordinator(&validator.url(), "a", 4), coordinator(&validator.url(), "b", 4));
    let (pa, pb) = (provider(&a, 0), provider(&b, 1));
    let to = Address::repeat_byte(0x42);
    let receipt = send_ok(&pa, call_tx(a.accounts()[0].address, to, Bytes::new()).value(U256::from(7))).await;
    let second = send_ok(&pb, call_tx(b.accounts()[1].address, to, Bytes::new()).value(U256::from(5))).await;
    let tip = second.block_number.expect("mined");
    eventually(Duration::from_secs(10), || async { (block_number(&pa).await >= tip).then_some(()) }).await;

    // Both coordinators answer alike, and as the validator's blocks say.
    for p in [&pa, &pb] {
        assert_eq!(balance(p, to).await, U256::from(12));
        let theirs = p.get_transaction_receipt(receipt.transaction_hash).await.expect("a receipt").expect("mined");
        assert_eq!(theirs.block_number, receipt.block_number);
        assert_eq!(theirs.block_hash, receipt.block_hash);
    }
    let v = validator_client(&validator);
    let fate: TxFate = rpc(&v, "manaflow_txFate", json!([receipt.transaction_hash])).await;
    let block = receipt.block_number.expect("mined");
    assert!(matches!(fate, TxFate::Included { block: b, .. } if b == block), "{fate:?}");
    let raw: Bytes = rpc(&v, "manaflow_getRawBlock", json!([format!("{block:#x}")])).await;
    let sealed = Block::decode(&raw).expect("a block");
    assert_eq!(Some(sealed.hash()), receipt.block_hash);

    // The chain belongs to the validator: a coordinator refuses cheats and mining.
    for (method, params) in [
        ("anvil_setBalance", json!([to, "0x1"])),
        ("evm_mine", json!([])),
        ("evm_snapshot", json!([])),
        ("anvil_impersonateAccount", json!([to])),
    ] {
        let refused = rpc_err(&pa, method, params).await;
        assert!(refused.message.contains("belongs to the validator"), "{method}: {}", refused.message);
    }
    assert_eq!(balance(&pa, to).await, U256::from(12), "nothing changed");
    // A validator serves no execution and names what it does serve.
    let refused = rpc_err(&v, "eth_call", json!([{"to": to}, "latest"])).await;
    assert!(refused.message.contains("not served by a validator") && refused.message.contains("manaflow_submitBatch"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_keeps_its_good_txs_and_drops_a_malformed_one_and_a_double_use_with_their_rules() {
    let mut config = Config::test().with_accounts(4);
    config.roles.block_txs = Some(4); // nothing is sealed before the test says so
    crate::panics::surface();
    let validator = spawn_validator(config).expect("the validator starts");
    let v = validator_client(&validator);
    let to = Address::repeat_byte(0x77);
    let first = transfers_batch(&validator, "c1", &[(0, 0, to), (1, 0, to)]);
    let items: Vec<Bytes> = first.txs.iter().flatten().map(|item| Bytes::from(item.encode())).collect();
    let with_garbage =
        encode_items("c1", first.target, &[items[0].clone(), Bytes::from_static(b"\x01\x02"), items[1].clone()]);
    let utxo_before: Value = rpc(&v, "manaflow_utxoSet", json!([])).await;

    let fates = submit(&v, with_garbage).await;
    assert_eq!(fates.len(), 3);
    assert!(matches!(fates[0], TxFate::Accepted { index: 0, .. }), "{:?}", fates[0]);
    assert!(
        matches!(&fates[1], TxFate::Dropped { id: None, rule: manaflow::validator::DropRule::Malformed, reason, .. } if reason.contains("item 1")),
        "{:?}",
        fates[1]
    );
    assert!(matches!(fates[2], TxFate::Accepted { index: 1, .. }), "{:?}", fates[2]);

    // Another coordinator filled account 0's nonce 0 differently on the same state: the sender's
    // outputs were consumed by the first batch, so its tx is a double use.
    let rival = transfers_batch(&validator, "c2", &[(0, 0, Address::repeat_byte(0x78)), (2, 0, to)]);
    let fates = submit(&v, rival.encode()).await;
    let TxFate::Dropped { rule, mv, reason, .. } = &fates[0] else { panic!("{:?}", fates[0]) };
    assert_eq!(*rule, manaflow::validator::DropRule::Broke(manaflow_types::Rule::DoubleUse), "{reason}");
    assert!(mv.is_some(), "the move is named");
    // Its recipient's balance output was consumed by the first batch too: account 2's transfer
    // names the same recipient output, so it is dropped as well, for the same rule.
    assert!(matches!(fates[1], TxFate::Dropped { .. }), "{:?}", fates[1]);
    let unchanged: Value = rpc(&v, "manaflow_utxoSet", json!([])).await;
    assert_eq!(unchanged, utxo_before, "nothing is committed before the seal");

    // Sealed: the two accepted txs at their indices, the UTXO set moved on.
    validator.validator().seal().expect("seals");
    let id = BatchTx::decode(&items[0]).expect("an item").tx.id();
    let fate: TxFate = rpc(&v, "manaflow_txFate", json!([id])).await;
    assert_eq!(fate, TxFate::Included { id, block: 1, index: 0 });
    // The same batch again, now for a sealed block: every tx stale.
    let stale = submit(&v, first.encode()).await;
    assert!(stale.iter().all(|f| matches!(f, TxFate::Dropped { rule: manaflow::validator::DropRule::Stale, .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_past_their_bounds_are_refused_whole_with_what_to_do() {
    let validator = validator(2, None);
    let v = validator_client(&validator);
    let template: Header = rpc(&v, "manaflow_getTemplate", json!([])).await;
    let too_many = encode_items("c", template.number, &vec![Bytes::from_static(b"\x01"); MAX_BATCH_TXS + 1]);
    let refused = rpc_err(&v, "manaflow_submitBatch", json!([Bytes::from(too_many)])).await;
    assert!(refused.message.contains("at most") || refused.message.contains("more than"), "{}", refused.message);
    let ahead = encode_items("c", template.number + 5, &[]);
    let refused = rpc_err(&v, "manaflow_submitBatch", json!([Bytes::from(ahead)])).await;
    assert!(refused.message.contains("manaflow_getTemplate"), "{}", refused.message);
    let refused = rpc_err(&v, "manaflow_submitBatch", json!(["0xc0"])).await;
    assert!(refused.message.contains("not a batch"), "{}", refused.message);
    let height: alloy_primitives::U64 = rpc(&v, "eth_blockNumber", json!([])).await;
    assert_eq!(height.to::<u64>(), 0, "nothing was sealed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_spend_across_coordinators_ends_in_one_receipt_and_one_refusal_with_its_reason() {
    let validator = validator(4, Some(Duration::from_millis(500)));
    let a = coordinator(&validator.url(), "a", 4);
    let mut config = Config::test().with_accounts(4);
    config.roles.validator = Some(validator.url());
    config.roles.name = "b".into();
    config.roles.max_refills = 0;
    let b = start_with(config);
    // The same sender's nonce 0, to two recipients, one through each coordinator, filled for the
    // same block: the validator keeps the first to arrive and drops the other as a double use.
    let key = signer(&a.accounts()[0]);
    let (to_a, to_b) = (Address::repeat_byte(0xa1), Address::repeat_byte(0xb2));
    let raw_a = sign(&key, transfer_1559(0, to_a, U256::from(1)));
    let raw_b = sign(&key, transfer_1559(0, to_b, U256::from(2)));
    let (pa, pb) = (provider(&a, 1), provider(&b, 1));
    let v = validator_client(&validator);
    let now: alloy_primitives::U64 = rpc(&v, "eth_blockNumber", json!([])).await;
    eventually(Duration::from_secs(5), || async {
        let h: alloy_primitives::U64 = rpc(&v, "eth_blockNumber", json!([])).await;
        (h > now).then_some(())
    })
    .await;
    let (sent_a, sent_b) = tokio::join!(pa.send_raw_transaction(&raw_a), pb.send_raw_transaction(&raw_b));
    let outcomes = [sent_a.map(|_| ()).map_err(|e| e.to_string()), sent_b.map(|_| ()).map_err(|e| e.to_string())];
    let included = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(included, 1, "exactly one is included: {outcomes:?}");
    let refused = outcomes.iter().find_map(|o| o.as_ref().err()).expect("one refused");
    assert!(
        refused.contains("doubleUse") || refused.contains("DoubleUse") || refused.contains("nonce too low"),
        "the refusal says why: {refused}"
    );
    // Both coordinators hold the one that was included.
    let paid = if outcomes[0].is_ok() { to_a } else { to_b };
    for p in [&pa, &pb] {
        eventually(Duration::from_secs(5), || async { (balance(p, paid).await > U256::ZERO).then_some(()) }).await;
        assert_eq!(balance(p, if paid == to_a { to_b } else { to_a }).await, U256::ZERO);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validator_announces_each_sealed_block_to_new_heads_subscribers() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let validator = validator(2, None);
    let ws = validator.url().replace("http://", "ws://");
    let (mut socket, _) = tokio_tungstenite::connect_async(ws).await.expect("a WebSocket");
    let subscribe = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]});
    socket.send(Message::text(subscribe.to_string())).await.expect("sent");
    let answer: Value = match socket.next().await.expect("an answer").expect("a message") {
        Message::Text(text) => serde_json::from_str(&text).expect("JSON"),
        other => panic!("{other:?}"),
    };
    assert!(answer["result"].is_string(), "{answer}");
    let sealed = validator.validator().seal().expect("an empty block seals");
    let note: Value = match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
        Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str(&text).expect("JSON"),
        other => panic!("no notification: {other:?}"),
    };
    assert_eq!(note["params"]["result"]["number"], json!("0x1"));
    assert_eq!(note["params"]["result"]["hash"], json!(sealed.hash));
    let refused = json!({"jsonrpc": "2.0", "id": 2, "method": "eth_subscribe", "params": ["logs"]});
    socket.send(Message::text(refused.to_string())).await.expect("sent");
    let answer: Value = match socket.next().await.expect("an answer").expect("a message") {
        Message::Text(text) => serde_json::from_str(&text).expect("JSON"),
        other => panic!("{other:?}"),
    };
    assert!(answer["error"]["message"].as_str().unwrap_or_default().contains("newHeads only"), "{answer}");
}

#[test]
fn the_methods_a_coordinator_refuses_are_sorted_and_all_answered_by_a_node() {
    use manaflow::rpc::methods::{CHAIN_CHANGING, METHODS};
    assert!(CHAIN_CHANGING.windows(2).all(|w| w[0] < w[1]), "sorted, for the binary search that refuses them");
    for method in CHAIN_CHANGING {
        assert!(METHODS.contains(method), "{method} is a method a node answers");
    }
}
