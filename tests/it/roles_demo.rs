//! The demonstration of DESIGN §11 with processes: one `manaflow validator` and three
//! `manaflow coordinator`s on 127.0.0.1, users of each (alloy) trading on one masked AMM pool
//! and transferring an ERC20. Swaps from different coordinators filled for the same block contend
//! for the pool: the validator keeps the first and drops the others as `DoubleUse`, and their
//! coordinators re-fill them into later blocks. Every tx ends included or refused with a reason;
//! the validator's chain validates forwards and in reverse; the coordinators' balances, receipts
//! and logs agree with each other and with the validator's blocks. Then the faults: a
//! coordinator killed after the validator accepted its tx loses nothing, and the validator
//! restarted on its data dir resumes while the coordinators reconnect and catch up.
//! `examples/roles/demo.sh` starts the same processes by hand.

use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::{Address, B256, Bytes, U64, U256};
use alloy_provider::{DynProvider, Provider};
use alloy_rpc_types_eth::Filter;
use alloy_sol_types::SolCall;
use manaflow::genesis::{DEFAULT_MNEMONIC, DevAccount, dev_accounts};
use manaflow::validator::{DropRule, TxFate};
use manaflow::wallet::UnsignedNative;
use manaflow_ledger::{Durability, Ledger, LedgerConfig, validate_reverse};
use manaflow_types::{Block, Rule};
use serde_json::{Value, json};

use crate::cli::{RunningNode, sigterm, start_node};
use crate::rpc::support::*;

alloy_sol_types::sol! {
    /// The constant-product pool (`examples/contracts/src/Pool.sol`).
    interface IDemoPool {
        function faucet() external;
        function quote(uint256 amountIn) external view returns (uint256);
        function swapAForB(uint256 amountIn, uint256 minOut) external returns (uint256 out);
    }
    /// The test ERC20 (`examples/contracts/src/TestToken.sol`).
    interface IDemoToken {
        function mint(address to, uint256 amount) external;
        function transfer(address to, uint256 amount) external returns (bool);
    }
}

const ACCOUNTS: usize = 8;

fn url(node: &RunningNode) -> String {
    format!("http://127.0.0.1:{}", node.port)
}

/// A coordinator keeping its chain in `dir` (a test's temp dir: one killed with SIGKILL cannot
/// remove a temporary chain of its own).
fn start_coordinator(validator: &str, name: &str, dir: &std::path::Path) -> RunningNode {
    let accounts = ACCOUNTS.to_string();
    let dir = dir.join(name);
    let dir = dir.to_str().expect("a UTF-8 path");
    start_node(&[
        "coordinator",
        "--validator",
        validator,
        "--port",
        "0",
        "--accounts",
        &accounts,
        "--name",
        name,
        "--data-dir",
        dir,
    ])
}

/// Stops the processes it names (SIGTERM) when the test ends, failed or not: none outlives it.
struct Stopper(Vec<u32>);

impl Drop for Stopper {
    fn drop(&mut self) {
        for pid in &self.0 {
            let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        }
    }
}

/// A plain client (no signer) at `url`.
fn reader(url: &str) -> DynProvider {
    alloy_provider::ProviderBuilder::new()
        .disable_recommended_fillers()
        .connect_http(url.parse().expect("a URL"))
        .erased()
}

/// A masked (or, with `"full"`, fully signed) swap of 10 A by `account`, prepared on its
/// coordinator and signed with its key.
async fn swap(p: &DynProvider, account: &DevAccount, pool: Address, masking: Value) -> Bytes {
    let quote = eth_call(p, account.address, pool, IDemoPool::quoteCall { amountIn: ether(10) }.abi_encode()).await;
    let quote = IDemoPool::quoteCall::abi_decode_returns(&quote).expect("a quote");
    let call = IDemoPool::swapAForBCall { amountIn: ether(10), minOut: quote / U256::from(2) };
    let request = json!({"from": account.address, "to": pool, "data": Bytes::from(call.abi_encode())});
    let prepared: Value = rpc(p, "manaflow_prepareTransaction", json!([request, {"masking": masking}])).await;
    let unsigned: UnsignedNative = serde_json::from_value(prepared).expect("a prepared native tx");
    Bytes::from(unsigned.sign(&account.key).encode_2718())
}

/// What became of one sent tx: its receipt (as JSON: alloy's receipt type knows no native
/// txs), or the error its coordinator answered.
type Outcome = Result<Value, String>;

async fn send_raw(p: &DynProvider, raw: Bytes) -> Outcome {
    match p.send_raw_transaction(&raw).await {
        Ok(pending) => receipt(p, *pending.tx_hash()).await.ok_or_else(|| "no receipt once answered".into()),
        Err(e) => Err(e.to_string()),
    }
}

async fn receipt(p: &DynProvider, hash: B256) -> Option<Value> {
    let receipt: Value = rpc(p, "eth_getTransactionReceipt", json!([hash])).await;
    (!receipt.is_null()).then_some(receipt)
}

fn block_of(receipt: &Value) -> u64 {
    u64::from_str_radix(receipt["blockNumber"].as_str().expect("mined").trim_start_matches("0x"), 16).expect("hex")
}

async fn height(p: &DynProvider) -> u64 {
    p.get_block_number().await.expect("eth_blockNumber")
}

/// Waits for the validator's next seal, so that txs sent now are filled for the same block.
async fn next_seal(validator: &DynProvider) {
    let now = height(validator).await;
    eventually(Duration::from_secs(10), || async { (height(validator).await > now).then_some(()) }).await;
}

/// Every coordinator at the validator's height.
async fn level(validator: &DynProvider, coordinators: &[DynProvider]) -> u64 {
    let tip = height(validator).await;
    for p in coordinators {
        eventually(Duration::from_secs(20), || async { (height(p).await >= tip).then_some(()) }).await;
    }
    tip
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_validator_and_three_coordinators_settle_contention_and_agree() {
    let data = tempfile::tempdir().expect("a temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let validator_args = [
        "validator",
        "--port",
        &port,
        "--block-time",
        "1",
        "--accounts",
        "8",
        "--data-dir",
        data.path().to_str().unwrap(),
    ];
    let mut validator = start_node(&validator_args);
    let v_url = url(&validator);
    let v = reader(&v_url);
    let mut coordinators: Vec<RunningNode> =
        (0..3).map(|i| start_coordinator(&v_url, &format!("c{i}"), data.path())).collect();
    let mut stopper = Stopper(coordinators.iter().chain([&validator]).map(|n| n.child.id()).collect());
    let accounts = dev_accounts(DEFAULT_MNEMONIC, ACCOUNTS).expect("dev accounts");
    // User i (accounts 1, 2, 3) uses coordinator i − 1; account 0 deploys through coordinator 0.
    // A fresh provider for each phase: alloy's nonce cache knows nothing of raw sends.
    let c_urls: Vec<String> = coordinators.iter().map(url).collect();
    let users_of = || -> Vec<DynProvider> { (1..=3).map(|i| connect(&c_urls[i - 1], signer(&accounts[i]))).collect() };
    let deployer = connect(&c_urls[0], signer(&accounts[0]));
    let users = users_of();
    let readers: Vec<DynProvider> = coordinators.iter().map(|c| reader(&url(c))).collect();

    // Setup: the pool (10,000 A and B) and the token, then each user's faucet and mint.
    let mut pool_code = artifact("Pool").bytecode.to_vec();
    pool_code.extend_from_slice(&ether(10_000).to_be_bytes::<32>());
    pool_code.extend_from_slice(&ether(10_000).to_be_bytes::<32>());
    let pool = deploy(&deployer, accounts[0].address, pool_code.into()).await;
    let token = deploy(&deployer, accounts[0].address, artifact("TestToken").bytecode).await;
    let setup = (1..=3).map(|i| {
        let p = users[i - 1].clone();
        let from = accounts[i].address;
        async move {
            send_ok(&p, call_tx(from, pool, IDemoPool::faucetCall {}.abi_encode())).await;
            let mint = IDemoToken::mintCall { to: from, amount: ether(1_000) };
            send_ok(&p, call_tx(from, token, mint.abi_encode())).await;
        }
    });
    futures_util::future::join_all(setup).await;

    // Contention: right after a seal, users 1 and 2 send masked swaps and user 3 a fully signed
    // one, each through its own coordinator: all three are filled for the same block.
    let mut raws = Vec::new();
    for (i, masking) in [(1, json!({"contested": [pool]})), (2, json!({"contested": [pool]})), (3, json!("full"))] {
        raws.push(swap(&users[i - 1], &accounts[i], pool, masking).await);
    }
    next_seal(&v).await;
    let sends = raws.into_iter().zip(&users).map(|(raw, p)| send_raw(p, raw));
    let swaps: Vec<Outcome> = futures_util::future::join_all(sends).await;

    // ERC20 transfers, each user to the next, at once.
    let users = users_of();
    let transfers = (1..=3).map(|i| {
        let p = users[i - 1].clone();
        let (from, to) = (accounts[i].address, accounts[i % 3 + 1].address);
        async move {
            let call = IDemoToken::transferCall { to, amount: ether(i as u64) };
            send(&p, call_tx(from, token, call.abi_encode())).await
        }
    });
    let transfers = futures_util::future::join_all(transfers).await;

    // Every tx ended included or refused with a reason: none is lost.
    let mut included = Vec::new();
    for (i, outcome) in swaps.iter().enumerate() {
        match outcome {
            Ok(receipt) => {
                assert_eq!(receipt["status"], "0x1", "swap {i} succeeded");
                included.push(receipt["transactionHash"].as_str().expect("a hash").parse::<B256>().expect("a hash"));
            }
            Err(reason) => {
                assert_eq!(i, 2, "only the fully signed swap may be refused: {reason}");
                assert!(reason.contains("stale") || reason.contains("fully signed"), "a reason: {reason}");
            }
        }
    }
    assert!(included.len() >= 2, "both masked swaps were included");
    let blocks: std::collections::BTreeSet<u64> = swaps.iter().flatten().map(block_of).collect();
    assert!(blocks.len() >= 2, "the contending swaps landed in different blocks: {blocks:?}");
    let drops: Vec<TxFate> = rpc(&v, "manaflow_recentDrops", json!([100])).await;
    assert!(
        drops.iter().any(|f| matches!(f, TxFate::Dropped { rule: DropRule::Broke(Rule::DoubleUse), .. })),
        "the validator dropped a contending swap as DoubleUse: {drops:?}"
    );
    let refused = swaps.iter().filter(|s| s.is_err()).count();
    eprintln!("swaps included in blocks {blocks:?}, {refused} refused with a reason; the validator's drops: {drops:?}");
    for receipt in &transfers {
        assert!(receipt.status());
        included.push(receipt.transaction_hash);
    }

    // The coordinators agree with each other and with the validator's blocks.
    let tip = level(&v, &readers).await;
    let watched: Vec<Address> = accounts.iter().map(|a| a.address).chain([pool, token]).collect();
    let first = chain_state(&readers[0], &watched).await;
    for r in &readers[1..] {
        assert_eq!(chain_state(r, &watched).await, first);
    }
    let logs = Filter::new().address(vec![pool, token]).from_block(0).to_block(tip);
    let pool_logs = readers[0].get_logs(&logs).await.expect("logs");
    assert!(!pool_logs.is_empty());
    for r in &readers {
        assert_eq!(r.get_logs(&logs).await.expect("logs"), pool_logs);
        for hash in &included {
            assert_eq!(receipt(r, *hash).await, receipt(&readers[0], *hash).await, "the receipt of {hash}");
        }
    }
    let chain: Vec<Block> = {
        let mut chain = Vec::new();
        for n in 0..=tip {
            let raw: Bytes = rpc(&v, "manaflow_getRawBlock", json!([U64::from(n)])).await;
            let block = Block::decode(&raw).expect("a block");
            let theirs = readers[0].get_block_by_number(n.into()).await.expect("a block").expect("known");
            assert_eq!(theirs.header.hash, block.hash(), "block {n}: the coordinator holds the validator's block");
            chain.push(block);
        }
        chain
    };
    // The validator's chain validates forwards (a fresh ledger) and in reverse.
    let verifier =
        Arc::new(manaflow_evm::EvmVerifier::new(manaflow::node::chain_runtime(manaflow_evm::Hardfork::Prague)));
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = LedgerConfig { durability: Durability::Ephemeral, ..LedgerConfig::default() };
    let mut ledger = Ledger::open(dir.path(), config, verifier.clone()).expect("a ledger");
    for block in &chain {
        ledger.apply(block).unwrap_or_else(|e| panic!("block {}: {e}", block.header.number));
    }
    let reverse = validate_reverse(&chain, &*verifier, &mut ());
    assert!(reverse.verdict.is_none(), "{:?}", reverse.verdict);

    let users = users_of();
    // Fault: coordinator 2 is killed once the validator has accepted its user's tx; the tx is
    // sealed all the same, and the others go on.
    let (from, to) = (accounts[3].address, accounts[1].address);
    let raw = sign(&signer(&accounts[3]), transfer_1559(nonce(&users[2], from).await, to, U256::from(3)));
    let hash = alloy_primitives::keccak256(&raw);
    let killed_user = users[2].clone();
    let pending = tokio::spawn(async move { killed_user.send_raw_transaction(&raw).await.map(|_| ()) });
    let accepted = eventually(Duration::from_secs(10), || async {
        let fate: Option<TxFate> = rpc(&v, "manaflow_txFate", json!([hash])).await;
        fate.filter(|f| matches!(f, TxFate::Accepted { .. } | TxFate::Included { .. }))
    })
    .await;
    let mut gone = coordinators.pop().expect("coordinator 2");
    gone.child.kill().expect("killed");
    let _ = gone.child.wait();
    let _ = pending.await;
    let included_fate = eventually(Duration::from_secs(10), || async {
        let fate: Option<TxFate> = rpc(&v, "manaflow_txFate", json!([hash])).await;
        fate.filter(|f| matches!(f, TxFate::Included { .. }))
    })
    .await;
    assert!(matches!(accepted, TxFate::Accepted { .. } | TxFate::Included { .. }), "{accepted:?}");
    assert!(matches!(included_fate, TxFate::Included { .. }));
    let after_kill = send_ok(&users[0], call_tx(accounts[1].address, to, Bytes::new()).value(U256::from(1))).await;
    assert!(after_kill.status(), "the other coordinators go on");

    // Fault: the validator restarts on its data dir; the coordinators reconnect and catch up.
    let before = height(&v).await;
    sigterm(&validator.child);
    assert!(validator.child.wait().expect("it stops").success());
    validator = start_node(&validator_args);
    stopper.0.push(validator.child.id());
    assert!(height(&v).await >= before, "it resumed its chain");
    let resumed = send_ok(&users[1], call_tx(accounts[2].address, to, Bytes::new()).value(U256::from(1))).await;
    assert!(resumed.block_number.expect("mined") > before);
    let readers = &readers[..2];
    let tip = level(&v, readers).await;
    assert_eq!(chain_state(&readers[0], &watched).await, chain_state(&readers[1], &watched).await);
    assert!(tip >= resumed.block_number.expect("mined"));
    for node in coordinators.iter().chain([&validator]) {
        sigterm(&node.child);
    }
    for mut node in coordinators.into_iter().chain([validator]) {
        assert!(node.child.wait().expect("stops").success());
    }
}
