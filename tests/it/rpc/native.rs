//! Native txs (type `0x4d`) over JSON-RPC and the AMM demonstration: 50 senders swap on one pool.
//! Signed with the pool's moves masked, the coordinator fills and sequences them all in one
//! block, and every swap within its slippage bound succeeds (the one signed without slack would
//! revert, so it is dropped at sequencing); signed fully (everything fixed at signing time), all
//! but one are refused at sequencing on a stale `prev` and never included.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::{DynProvider, Provider};
use alloy_sol_types::SolCall;
use manaflow::wallet::UnsignedNative;
use manaflow::{Config, Devnet};
use manaflow_types::{Mask, NativeTx};
use serde_json::{Value, json};

use crate::rpc::support::*;

alloy_sol_types::sol! {
    /// The constant-product pool (`examples/contracts/src/Pool.sol`).
    interface IPool {
        function faucet() external;
        function quote(uint256 amountIn) external view returns (uint256);
        function swapAForB(uint256 amountIn, uint256 minOut) external returns (uint256 out);
        function reserveA() external view returns (uint256);
        function reserveB() external view returns (uint256);
        function balanceB(address account) external view returns (uint256);
    }
}

/// Swappers in the demonstration.
const SWAPPERS: usize = 50;

/// The pool's init code in the EVM (`Pool.sol`) or in WASM (the SDK's `amm`, same ABI and layout).
pub(crate) fn pool_code(runtime: &str) -> Bytes {
    match runtime {
        "evm" => artifact("Pool").bytecode,
        _ => wasm_artifact("amm"),
    }
}

/// A devnet with the pool (`pool_code`) deployed (10,000 A and B in reserve) and every swapper
/// funded by its faucet.
async fn pool_with_swappers(pool_code: Bytes) -> (Devnet, DynProvider, Address) {
    pool_with_swappers_on(Config::test().with_accounts(SWAPPERS + 1), pool_code).await
}

/// [`pool_with_swappers`] on a devnet started with `config` (every account but the first swaps).
pub(crate) async fn pool_with_swappers_on(config: Config, pool_code: Bytes) -> (Devnet, DynProvider, Address) {
    let devnet = start_with(config);
    let p = provider(&devnet, 0);
    let deployer = devnet.accounts()[0].address;
    let mut code = pool_code.to_vec();
    code.extend_from_slice(&ether(10_000).to_be_bytes::<32>());
    code.extend_from_slice(&ether(10_000).to_be_bytes::<32>());
    let pool = deploy(&p, deployer, code.into()).await;
    for account in &devnet.accounts()[1..] {
        let faucet = IPool::faucetCall {}.abi_encode();
        rpc::<B256>(
            &p,
            "manaflow_sendTransaction",
            json!([{"from": account.address, "to": pool, "data": Bytes::from(faucet)}]),
        )
        .await;
    }
    (devnet, p, pool)
}

/// Swapper `i`'s swap of 10 A with a bound of `bound_pct`% of the current quote, prepared on
/// the node with `masking` and signed with its key.
pub(crate) async fn signed_swap(
    devnet: &Devnet,
    p: &DynProvider,
    pool: Address,
    i: usize,
    masking: Value,
    bound_pct: u64,
) -> NativeTx {
    let account = &devnet.accounts()[i];
    let quote = IPool::quoteCall::abi_decode_returns(
        &eth_call(p, account.address, pool, IPool::quoteCall { amountIn: ether(10) }.abi_encode()).await,
    )
    .expect("a quote");
    let swap = IPool::swapAForBCall { amountIn: ether(10), minOut: quote * U256::from(bound_pct) / U256::from(100) };
    let request = json!({"from": account.address, "to": pool, "data": Bytes::from(swap.abi_encode())});
    let prepared: Value = rpc(p, "manaflow_prepareTransaction", json!([request, {"masking": masking}])).await;
    let unsigned: UnsignedNative = serde_json::from_value(prepared.clone()).expect("a prepared native tx");
    assert_eq!(prepared["signingHash"], json!(unsigned.signing_hash()), "the node and the wallet hash alike");
    unsigned.sign(&account.key)
}

async fn reserves(p: &DynProvider, pool: Address) -> (U256, U256) {
    let a = eth_call(p, Address::ZERO, pool, IPool::reserveACall {}.abi_encode()).await;
    let b = eth_call(p, Address::ZERO, pool, IPool::reserveBCall {}.abi_encode()).await;
    (
        IPool::reserveACall::abi_decode_returns(&a).expect("u256"),
        IPool::reserveBCall::abi_decode_returns(&b).expect("u256"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn masked_swaps_within_their_bounds_all_succeed_in_one_block() {
    masked_swaps_in_one_block(pool_code("evm")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn masked_swaps_on_a_wasm_pool_all_succeed_in_one_block() {
    masked_swaps_in_one_block(pool_code("wasm")).await;
}

async fn masked_swaps_in_one_block(code: Bytes) {
    let (devnet, p, pool) = pool_with_swappers(code).await;
    let mut txs = Vec::new();
    for i in 1..=SWAPPERS {
        // The last swapper accepts no slippage at all: sequenced after the others, its bound fails.
        let bound = if i == SWAPPERS { 100 } else { 80 };
        txs.push(signed_swap(&devnet, &p, pool, i, json!({"contested": [pool]}), bound).await);
    }
    // The pool's moves are left to the coordinator; the sender's own are signed as found.
    let first = &txs[0];
    assert!(
        first
            .moves
            .iter()
            .filter(|m| m.addr == pool && m.mark == manaflow_types::Mark::Storage)
            .all(|m| m.mask == Mask(Mask::PRESENT))
    );
    let nonce = first
        .moves
        .iter()
        .find(|m| m.addr == devnet.accounts()[1].address && m.mark == manaflow_types::Mark::Nonce)
        .expect("the nonce move");
    assert_eq!(nonce.mask, Mask(Mask::PRESENT | Mask::INTX | Mask::PREV), "the nonce's prev is signed");

    let _: Value = rpc(&p, "evm_setAutomine", json!([false])).await;
    let mut hashes = Vec::new();
    for tx in &txs {
        let hash: B256 = rpc(&p, "eth_sendRawTransaction", json!([Bytes::from(tx.encode_2718())])).await;
        assert_eq!(hash, tx.id(), "the id is known at signing time");
        hashes.push(hash);
    }
    let before = block_number(&p).await;
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    assert_eq!(block_number(&p).await, before + 1);
    let (within, beyond) = hashes.split_at(SWAPPERS - 1);
    for hash in within {
        let moves: Value = rpc(&p, "manaflow_getMoves", json!([hash])).await;
        assert_eq!(moves["block"], json!(before + 1), "every swap within its bound is in the one block");
        assert_eq!(moves["kind"], json!("native"));
    }
    // The swap without slack would revert after the others: its execution no longer touches what
    // it signed (its B balance), so the coordinator cannot fill it and drops it, fee-free.
    let dropped: Value = rpc(&p, "eth_getTransactionReceipt", json!([beyond[0]])).await;
    assert!(dropped.is_null(), "{dropped}");
    // The RPC shows them like any tx: the block lists them, each has a receipt with its log.
    let block: Value = rpc(&p, "eth_getBlockByNumber", json!([format!("{:#x}", before + 1), false])).await;
    assert_eq!(block["transactions"].as_array().map(Vec::len), Some(SWAPPERS - 1));
    let shown: Value = rpc(&p, "eth_getTransactionByHash", json!([hashes[0]])).await;
    assert_eq!(shown["type"], json!("0x4d"));
    assert_eq!(shown["from"], json!(devnet.accounts()[1].address));
    assert_eq!(shown["to"], json!(pool));
    let filled = shown["moves"].as_array().expect("its moves");
    let reserve =
        filled.iter().find(|m| m["address"] == json!(pool) && m["write"] == json!(true)).expect("a pool write");
    assert_eq!(reserve["mask"], json!("0x80"), "left to the coordinator, and filled: {reserve}");
    assert_ne!(reserve["prev"], reserve["next"]);
    let receipt: Value = rpc(&p, "eth_getTransactionReceipt", json!([hashes[0]])).await;
    assert_eq!((receipt["type"].clone(), receipt["status"].clone()), (json!("0x4d"), json!("0x1")));
    assert_eq!(receipt["logs"].as_array().map(Vec::len), Some(1), "the Swap event");
    for (i, hash) in within.iter().enumerate() {
        let receipt: Value = rpc(&p, "eth_getTransactionReceipt", json!([hash])).await;
        assert_eq!(receipt["status"], json!("0x1"), "swap {i} succeeds");
    }
    let full: Value = rpc(&p, "eth_getBlockByNumber", json!([format!("{:#x}", before + 1), true])).await;
    assert_eq!(full["transactions"][SWAPPERS - 2]["hash"], json!(hashes[SWAPPERS - 2]));

    let (a, b) = reserves(&p, pool).await;
    assert_eq!(a, ether(10_000 + 10 * (SWAPPERS as u64 - 1)), "every swap within its bound went through");
    assert!(b < ether(10_000));
    for account in &devnet.accounts()[1..SWAPPERS] {
        let out =
            eth_call(&p, account.address, pool, IPool::balanceBCall { account: account.address }.abi_encode()).await;
        let held = IPool::balanceBCall::abi_decode_returns(&out).expect("u256");
        assert!(held > ether(1_000), "{} received B", account.address);
    }
    // The chain validates both ways with the filled moves.
    for direction in ["forward", "reverse"] {
        let verdict: Value = rpc(&p, "manaflow_validateBlock", json!([format!("{:#x}", before + 1), direction])).await;
        assert_eq!(verdict["valid"], json!(true), "{direction}: {verdict}");
    }
    devnet.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fully_signed_swaps_all_but_one_are_refused_as_stale() {
    fully_signed_swaps_refused_as_stale(pool_code("evm")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fully_signed_swaps_on_a_wasm_pool_all_but_one_are_refused_as_stale() {
    fully_signed_swaps_refused_as_stale(pool_code("wasm")).await;
}

async fn fully_signed_swaps_refused_as_stale(code: Bytes) {
    let (devnet, p, pool) = pool_with_swappers(code).await;
    let mut txs = Vec::new();
    for i in 1..=SWAPPERS {
        txs.push(signed_swap(&devnet, &p, pool, i, json!("full"), 80).await);
    }
    assert!(txs.iter().all(|tx| tx.moves.iter().all(|m| m.mask == Mask::SIGNED)));
    let before = block_number(&p).await;
    let reserves_before = reserves(&p, pool).await;
    let sends = txs.iter().map(|tx| {
        let p = p.clone();
        let raw = Bytes::from(tx.encode_2718());
        async move { p.raw_request::<_, B256>("eth_sendRawTransaction".into(), [raw]).await }
    });
    let answers = futures_util::future::join_all(sends).await;
    let included: Vec<usize> = answers.iter().enumerate().filter(|(_, a)| a.is_ok()).map(|(i, _)| i).collect();
    assert_eq!(included.len(), 1, "exactly one fully signed swap fits the state it was signed for: {answers:?}");
    for answer in answers.iter().filter(|a| a.is_err()) {
        let message = failure(answer.as_ref().expect_err("refused")).message;
        assert!(message.contains("stale prev") && message.contains("re-sign"), "{message}");
    }
    assert_eq!(block_number(&p).await, before + 1, "one block, holding the one swap");
    for (i, tx) in txs.iter().enumerate() {
        let found: Value = rpc(&p, "eth_getTransactionReceipt", json!([tx.id()])).await;
        assert_eq!(found.is_null(), i != included[0], "tx {i}");
    }
    let (a, _) = reserves(&p, pool).await;
    assert_eq!(a, reserves_before.0 + ether(10));
    devnet.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_native_txs_are_refused_with_the_reason_and_change_nothing() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let alice = &devnet.accounts()[0];
    let bob = devnet.accounts()[1].address;
    let request = json!({"from": alice.address, "to": bob, "value": "0x1"});
    let prepared: Value = rpc(&p, "manaflow_prepareTransaction", json!([request])).await;
    let unsigned: UnsignedNative = serde_json::from_value(prepared).expect("prepared");
    let before = chain_state(&p, &[alice.address, bob]).await;

    let mut wrong_chain = unsigned.clone();
    wrong_chain.call.chain_id = 1;
    let mut unlisted = unsigned.clone();
    unlisted.moves.retain(|m| m.addr != bob);
    let mut not_open = unsigned.clone();
    not_open.moves[0].mask = Mask::COORDINATOR;
    let mut unsigned_nonce = unsigned.clone();
    for m in unsigned_nonce.moves.iter_mut().filter(|m| m.mark == manaflow_types::Mark::Nonce) {
        m.mask = Mask(Mask::PRESENT);
    }
    let cases = [
        (Bytes::from(vec![0x4d, 0xc0]), "invalid native tx: cannot decode it"),
        (Bytes::from(wrong_chain.sign(&alice.key).encode_2718()), "invalid chain id for signer"),
        (Bytes::from(not_open.sign(&alice.key).encode_2718()), "is not open"),
        (Bytes::from(unsigned_nonce.sign(&alice.key).encode_2718()), "no signed nonce move"),
        (Bytes::from(unlisted.sign(&alice.key).encode_2718()), "a fully signed tx must list every key it touches"),
    ];
    for (raw, expected) in cases {
        let failure = rpc_err(&p, "eth_sendRawTransaction", json!([raw])).await;
        assert!(failure.message.contains(expected), "{expected:?} in {:?}", failure.message);
    }
    assert_eq!(chain_state(&p, &[alice.address, bob]).await, before, "nothing changed");

    // The honest one goes through: ether moves with a native tx like with any other.
    let hash: B256 =
        rpc(&p, "eth_sendRawTransaction", json!([Bytes::from(unsigned.sign(&alice.key).encode_2718())])).await;
    let receipt: Value = rpc(&p, "eth_getTransactionReceipt", json!([hash])).await;
    assert_eq!(receipt["status"], json!("0x1"));
    assert_eq!(balance(&p, bob).await, initial_balance() + U256::from(1u64));
    devnet.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wallet_chains_native_txs_before_inclusion() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let alice = &devnet.accounts()[0];
    let bob = devnet.accounts()[1].address;
    let _: Value = rpc(&p, "evm_setAutomine", json!([false])).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let request = json!({"from": alice.address, "to": bob, "value": "0x5"});
        let prepared: Value = rpc(&p, "manaflow_prepareTransaction", json!([request])).await;
        let tx = serde_json::from_value::<UnsignedNative>(prepared).expect("prepared").sign(&alice.key);
        let hash: B256 = rpc(&p, "eth_sendRawTransaction", json!([Bytes::from(tx.encode_2718())])).await;
        ids.push((hash, tx));
    }
    // The second was prepared on top of the first, still pooled: it uses the first's outputs.
    let (first, second) = (&ids[0], &ids[1]);
    assert_eq!((first.1.call.nonce, second.1.call.nonce), (0, 1));
    let bob_balance = second.1.moves.iter().find(|m| m.key() == manaflow_types::StateKey::balance(bob)).expect("bob's");
    assert_eq!(bob_balance.intx, first.0, "chained on the pooled tx's output");
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    for (hash, _) in &ids {
        let receipt: Value = rpc(&p, "eth_getTransactionReceipt", json!([hash])).await;
        assert_eq!((receipt["blockNumber"].clone(), receipt["status"].clone()), (json!("0x1"), json!("0x1")));
    }
    assert_eq!(balance(&p, bob).await, initial_balance() + U256::from(10u64));
    devnet.shutdown();
}
