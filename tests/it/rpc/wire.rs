//! The compact wire form (DESIGN §10) over JSON-RPC. A node whose own validator receives every
//! block compact (`--block-wire compact`) runs Solidity and WASM contracts, masked native swaps,
//! plain transfers and cheats (system txs); a second validator, fed nothing but
//! `manaflow_getBlockCompact`, expands every block to exactly the bytes of
//! `manaflow_getRawBlock`, validates it forwards and then the whole chain in reverse; every
//! single-byte change of a compact block is refused or fails validation.

use std::sync::Arc;

use alloy_primitives::{Address, Bytes, U256};
use alloy_provider::DynProvider;
use manaflow::{BlockWire, Config};
use manaflow_ledger::{Durability, Ledger, LedgerConfig, validate_reverse};
use manaflow_types::{Block, CompactBlock, Tx};
use serde_json::{Value, json};

use crate::rpc::contracts::{deploy_token, token_transfer};
use crate::rpc::native::{pool_code, pool_with_swappers_on, signed_swap};
use crate::rpc::support::*;

fn verifier() -> manaflow_evm::EvmVerifier {
    manaflow_evm::EvmVerifier::new(manaflow::node::chain_runtime(manaflow_evm::Hardfork::Prague))
}

async fn block_bytes(p: &DynProvider, method: &'static str, number: u64) -> Bytes {
    rpc(p, method, json!([format!("{number:#x}")])).await
}

/// Mines the node's pending txs (and pending cheats) into one block.
async fn mine(p: &DynProvider) {
    let _: Value = rpc(p, "evm_mine", json!([])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_received_compact_expands_to_its_canonical_blocks_and_validates_both_ways() {
    let mut config = Config::test().with_accounts(4);
    config.chain.block_wire = BlockWire::Compact;
    // Blocks 1–4: the Solidity pool deployed, three swappers paid by its faucet (native txs).
    let (devnet, p, pool) = pool_with_swappers_on(config, pool_code("evm")).await;
    let accounts: Vec<Address> = devnet.accounts().iter().map(|a| a.address).collect();

    // One block of masked swaps on the contended pool, filled by the coordinator.
    let _: Value = rpc(&p, "evm_setAutomine", json!([false])).await;
    for i in 1..=2 {
        let swap = signed_swap(&devnet, &p, pool, i, json!({"contested": [pool]}), 50).await;
        let _: Value = rpc(&p, "eth_sendRawTransaction", json!([Bytes::from(swap.encode_2718())])).await;
    }
    mine(&p).await;
    let swaps = block_number(&p).await;
    let _: Value = rpc(&p, "evm_setAutomine", json!([true])).await;

    // Solidity and WASM ERC20s, an ETH transfer, and a cheat that the next block carries.
    let token = deploy_token(&p, accounts[0]).await;
    let transfer = token_transfer(&p, token, accounts[0], accounts[1], 250).await;
    let wasm_token = deploy(&p, accounts[0], wasm_artifact("erc20")).await;
    token_transfer(&p, wasm_token, accounts[0], accounts[2], 7).await;
    let _: Value = rpc(&p, "anvil_setBalance", json!([accounts[3], "0x1234"])).await;
    send_ok(&p, call_tx(accounts[0], accounts[2], Bytes::new()).value(U256::from(5))).await;
    let tip = block_number(&p).await;

    // A second validator receives the chain compact: genesis as it is, then every block compact.
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = LedgerConfig { durability: Durability::Ephemeral, ..LedgerConfig::default() };
    let verifier = Arc::new(verifier());
    let mut ledger = Ledger::open(dir.path(), config, verifier.clone()).expect("a ledger");
    let genesis = Block::decode(&block_bytes(&p, "manaflow_getRawBlock", 0).await).expect("genesis");
    ledger.apply(&genesis).expect("genesis applies");
    let mut blocks = vec![genesis];
    let mut kinds = std::collections::BTreeSet::new();
    for number in 1..=tip {
        let raw = block_bytes(&p, "manaflow_getRawBlock", number).await;
        let bytes = block_bytes(&p, "manaflow_getBlockCompact", number).await;
        assert!(bytes.len() < raw.len(), "block {number}: compact {} bytes, canonical {}", bytes.len(), raw.len());
        let canonical = Block::decode(&raw).expect("a canonical block");
        let compact = CompactBlock::decode(&bytes).expect("a compact block");
        assert_eq!(compact.header, canonical.header);
        if number == swaps || number == transfer.block_number.expect("mined") {
            every_byte_change_is_refused(&mut ledger, &bytes);
        }
        let (expanded, _) = ledger.apply_compact(&compact).unwrap_or_else(|e| panic!("block {number}: {e}"));
        assert_eq!(expanded, canonical, "block {number} expands to the canonical block");
        kinds.extend(expanded.txs.iter().map(Tx::kind_name));
        blocks.push(expanded);
    }
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["ethereum", "native", "system"]);
    let natives = blocks[swaps as usize].txs.iter().filter(|tx| matches!(tx, Tx::Native(_))).count();
    assert_eq!(natives, 2, "both swaps in one block");
    assert!(blocks.iter().any(|b| b.txs.len() == 2 && matches!(b.txs[0], Tx::System(_))), "the cheat's block");

    // The same chain in reverse, with no UTXO set.
    let reverse = validate_reverse(&blocks, &*verifier, &mut ());
    assert!(reverse.verdict.is_none(), "{:?}", reverse.verdict);
    devnet.shutdown();
}

/// Every single-byte change of `bytes` (three bits flipped at each place, and the byte replaced
/// by 0x00 and 0xff) is refused as bytes or expands to a block that fails validation on `ledger`
/// (the block's parent is its tip) — except changes inside the header that make another valid
/// header (a later timestamp, say), which any encoding of blocks allows: their block hash is not
/// the one announced (`newHeads`, `manaflow_getHeaders`), so a receiver refuses them too.
/// Nothing is committed.
fn every_byte_change_is_refused(ledger: &mut Ledger, bytes: &[u8]) {
    let before = (ledger.len(), ledger.commitment());
    let announced = CompactBlock::decode(bytes).expect("the block").header;
    let body_start = 3 + 2 + manaflow_types::block::encode_header(&announced).len();
    let (mut refused, mut invalid, mut other_header) = (0, 0, 0);
    for i in 0..bytes.len() {
        let changes: [fn(u8) -> u8; 5] = [|b| b ^ 0x01, |b| b ^ 0x80, |b| b ^ 0x10, |_| 0x00, |_| 0xff];
        for change in changes {
            let mut mutated = bytes.to_vec();
            mutated[i] = change(mutated[i]);
            if mutated[i] == bytes[i] {
                continue;
            }
            let Ok(compact) = CompactBlock::decode(&mutated) else {
                refused += 1;
                continue;
            };
            if ledger.check_compact(&compact).is_err() {
                invalid += 1;
                continue;
            }
            assert!(i < body_start, "byte {i} of the body changed to {:#04x} still gives a valid block", mutated[i]);
            assert_ne!(compact.header.hash(), announced.hash(), "byte {i}: another encoding of the same block");
            other_header += 1;
        }
    }
    assert_eq!((ledger.len(), ledger.commitment()), before, "checking changed nothing");
    assert!(refused > 0 && invalid > 0, "{refused} refused as bytes, {invalid} refused by validation");
    eprintln!("{refused} changes refused as bytes, {invalid} by validation, {other_header} made another header");
}
