//! State dumps in Anvil's format (`anvil_dumpState`, `anvil_loadState`) and `anvil_reset`: a dump
//! from this node loaded into a fresh one answers the same reads; a load mines nothing and rides
//! in the next block; state the model forbids is refused naming the account; a reset returns to
//! a fresh genesis.

use alloy_primitives::{Address, B256, Bytes, U256, address};
use alloy_provider::{DynProvider, Provider};
use serde_json::{Value, json};

use crate::rpc::contracts::{deploy_token, token_balance, token_transfer};
use crate::rpc::support::*;

/// What the clients read of `addresses`: balance, nonce, code, and storage slots 0 to 3.
async fn reads(p: &DynProvider, addresses: &[Address]) -> Vec<(U256, u64, Bytes, Vec<U256>)> {
    let mut out = Vec::new();
    for address in addresses {
        let mut slots = Vec::new();
        for slot in 0..4u64 {
            slots.push(p.get_storage_at(*address, U256::from(slot)).await.unwrap());
        }
        out.push((balance(p, *address).await, nonce(p, *address).await, p.get_code_at(*address).await.unwrap(), slots));
    }
    out
}

#[tokio::test]
async fn a_dump_loaded_into_a_fresh_node_answers_the_same_reads() {
    let source = start();
    let (a, b) = (source.accounts()[0].address, source.accounts()[1].address);
    let p = provider(&source, 0);
    let token = deploy_token(&p, a).await;
    token_transfer(&p, token, a, b, 1234).await;
    let x = address!("0x7171717171717171717171717171717171717171");
    let _: Value = rpc(&p, "anvil_setBalance", json!([x, ether(3)])).await;
    let _: Value = rpc(&p, "anvil_setNonce", json!([x, "0x9"])).await;
    let _: Value = rpc(&p, "anvil_setStorageAt", json!([x, "0x2", B256::repeat_byte(5)])).await;
    let addresses = [a, b, x, token, address!("0x4e59b44847b379578588920ca78fbf26c0b4956c")];
    let expected = reads(&p, &addresses).await;

    let dump: Bytes = rpc(&p, "anvil_dumpState", json!([])).await;
    assert_eq!(&dump[..2], &[0x1f, 0x8b], "gzipped, as Anvil's");

    let target = start();
    let q = provider(&target, 0);
    let height = block_number(&q).await;
    assert!(rpc::<bool>(&q, "anvil_loadState", json!([dump])).await);
    assert_eq!(block_number(&q).await, height, "a load mines nothing");
    assert_eq!(reads(&q, &addresses).await, expected);
    assert_eq!(token_balance(&q, token, b).await, U256::from(1234u64));

    // It rides in the next block, validated like any system tx, and stays.
    let _: Value = rpc(&q, "evm_mine", json!([])).await;
    assert_eq!(block_number(&q).await, height + 1);
    assert_eq!(reads(&q, &addresses).await, expected);
    let moved = token_transfer(&provider(&target, 1), token, b, a, 34).await;
    assert!(moved.status());
    assert_eq!(token_balance(&q, token, b).await, U256::from(1200u64));
}

/// Anvil 1.7.1's answer to `anvil_dumpState` (see `tests/it/fixtures/README.md`).
const ANVIL_DUMP: &str = include_str!("../fixtures/anvil-1.7.1-dump.hex");

#[tokio::test]
async fn a_dump_written_by_anvil_loads_with_every_account() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let dump = ANVIL_DUMP.trim();
    assert!(rpc::<bool>(&p, "anvil_loadState", json!([dump])).await);

    // What the steps that made the dump set.
    let (x, y, z) = (
        address!("0x1111111111111111111111111111111111111111"),
        address!("0x2222222222222222222222222222222222222222"),
        address!("0x3333333333333333333333333333333333333333"),
    );
    assert_eq!(balance(&p, x).await, U256::from(0x1234));
    assert_eq!(nonce(&p, x).await, 7);
    assert_eq!(p.get_code_at(y).await.unwrap(), Bytes::from_static(&[0x60, 0x01, 0x60, 0x00, 0xf3]));
    assert_eq!(p.get_storage_at(y, U256::from(5)).await.unwrap(), U256::from(0xabcd));
    assert_eq!(balance(&p, z).await, U256::from(1000));

    // Every account of the dump, as Anvil wrote it, after the load has been mined.
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    let bytes = alloy_primitives::hex::decode(dump).unwrap();
    let mut json = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut json).unwrap();
    let written: Value = serde_json::from_str(&json).unwrap();
    let accounts = written["accounts"].as_object().expect("accounts");
    assert_eq!(accounts.len(), 16, "ten dev accounts, the three set, the coinbase and two predeploys");
    for (address, account) in accounts {
        let address: Address = address.parse().unwrap();
        let number = |v: &Value| U256::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
        assert_eq!(balance(&p, address).await, number(&account["balance"]), "{address} balance");
        assert_eq!(nonce(&p, address).await, account["nonce"].as_u64().unwrap(), "{address} nonce");
        let code: Bytes = serde_json::from_value(account["code"].clone()).unwrap();
        assert_eq!(p.get_code_at(address).await.unwrap(), code, "{address} code");
        for (slot, value) in account["storage"].as_object().unwrap() {
            let read = p.get_storage_at(address, number(&json!(slot))).await.unwrap();
            assert_eq!(read, number(value), "{address} slot {slot}");
        }
    }
}

#[tokio::test]
async fn a_dump_from_here_has_the_fields_anvil_requires() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    let dump: Bytes = rpc(&p, "anvil_dumpState", json!([])).await;
    let mut json = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&dump[..]), &mut json).unwrap();
    let dumped: Value = serde_json::from_str(&json).unwrap();
    // Anvil refuses a dump without `block`, and one whose best block is not among `blocks`.
    assert_eq!(dumped["block"]["number"], "0x1");
    assert_eq!(dumped["block"]["gas_limit"], json!(30_000_000u64));
    assert_eq!(dumped["best_block_number"], 1);
    assert_eq!(dumped["blocks"][0]["header"]["number"], "0x1");
    let latest = p.get_block_by_number(alloy_eips::BlockNumberOrTag::Latest).await.unwrap().unwrap();
    assert_eq!(dumped["blocks"][0]["header"]["timestamp"], json!(format!("{:#x}", latest.header.timestamp)));
    assert_eq!(dumped["blocks"][0]["transactions"], json!([]));
}

#[tokio::test]
async fn plain_json_loads_and_storage_without_an_account_is_refused_naming_it() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let height = block_number(&p).await;
    let good = address!("0x6161616161616161616161616161616161616161");
    let seven = "0x0000000000000000000000000000000000000000000000000000000000000007";
    let account = json!({"nonce": 1, "balance": "0x64", "code": "0x", "storage": {"0x1": seven}});
    let dump = json!({"accounts": {(good.to_string()): account}, "best_block_number": "0x5"});
    assert!(rpc::<bool>(&p, "anvil_loadState", json!([Bytes::from(dump.to_string().into_bytes())])).await);
    assert_eq!(balance(&p, good).await, U256::from(100u64));
    assert_eq!(nonce(&p, good).await, 1);
    assert_eq!(p.get_storage_at(good, U256::from(1u64)).await.unwrap(), U256::from(7u64));

    let bad = address!("0x6262626262626262626262626262626262626262");
    let account = json!({"nonce": 0, "balance": "0x1", "code": "0x", "storage": {"0x0": seven}});
    let dump = json!({"accounts": {(bad.to_string()): account}});
    let failure = rpc_err(&p, "anvil_loadState", json!([Bytes::from(dump.to_string().into_bytes())])).await;
    assert_eq!(failure.code, -32602);
    assert!(failure.message.to_lowercase().contains(&bad.to_string().to_lowercase()), "{failure:?}");
    assert_eq!(balance(&p, bad).await, U256::ZERO, "nothing of the refused dump was loaded");
    assert_eq!(block_number(&p).await, height);

    let junk = rpc_err(&p, "anvil_loadState", json!(["0x1f8b0000"])).await;
    assert_eq!(junk.code, -32602, "{junk:?}");
}

#[tokio::test]
async fn anvil_reset_returns_to_a_fresh_genesis() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let fresh = chain_state(&p, &[a, b]).await;
    deploy_token(&p, a).await;
    let _: Value = rpc(&p, "anvil_setBalance", json!([b, "0x1"])).await;
    let _: Value = rpc(&p, "evm_increaseTime", json!([1000])).await;
    let _: Value = rpc(&p, "anvil_reset", json!([])).await;
    assert_eq!(chain_state(&p, &[a, b]).await, fresh);
    assert_eq!(rpc::<Value>(&p, "evm_increaseTime", json!([0])).await, json!(0), "the clock too");
    let forking = rpc_err(&p, "anvil_reset", json!([{"forking": {"jsonRpcUrl": "http://127.0.0.1:1"}}])).await;
    assert_eq!(forking.code, -32602);
    assert!(forking.message.contains("forking is not supported"), "{forking:?}");
    // The chain goes on from genesis (a new provider: alloy caches nonces).
    let p = provider(&devnet, 0);
    let receipt =
        send_ok(&p, alloy_rpc_types_eth::TransactionRequest::default().from(a).to(b).value(U256::from(1u64))).await;
    assert_eq!(receipt.block_number, Some(1));
}

#[tokio::test]
async fn eth_get_account_gives_balance_nonce_code_hash_and_the_storage_trie_root() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let token = deploy_token(&p, a).await;
    token_transfer(&p, token, a, b, 1234).await;

    let account: Value = rpc(&p, "eth_getAccount", json!([token, "latest"])).await;
    let code = p.get_code_at(token).await.unwrap();
    assert_eq!(account["codeHash"], json!(alloy_primitives::keccak256(&code)));
    assert_eq!(account["nonce"], "0x1");
    // The trie root of the token's non-zero slots (OpenZeppelin's layout: two balances, the
    // total supply at 2, the short name and symbol at 3 and 4), as Ethereum would commit to them.
    let mut storage = Vec::new();
    let slots = [2u8, 3, 4].map(B256::with_last_byte);
    for slot in [erc20_balance_slot(a), erc20_balance_slot(b)].into_iter().chain(slots) {
        let value = p.get_storage_at(token, U256::from_be_bytes(slot.0)).await.unwrap();
        assert!(!value.is_zero());
        storage.push((slot, value));
    }
    assert_eq!(account["storageRoot"], json!(alloy_trie::root::storage_root_unhashed(storage)));

    let plain: Value = rpc(&p, "eth_getAccount", json!([b, "latest"])).await;
    assert_eq!(plain["balance"], json!(balance(&p, b).await));
    assert_eq!(plain["codeHash"], json!(alloy_primitives::KECCAK256_EMPTY));
    assert_eq!(plain["storageRoot"], json!(alloy_trie::EMPTY_ROOT_HASH));
    // At genesis the token did not exist.
    let before: Value = rpc(&p, "eth_getAccount", json!([token, "0x0"])).await;
    assert_eq!(before["storageRoot"], json!(alloy_trie::EMPTY_ROOT_HASH));
    assert_eq!(before["nonce"], "0x0");
}
