//! `manaflow bench roles`: a validator process (`manaflow validator`) fed by 1, 2 and 4
//! coordinators at once, each sending pre-signed, pre-filled ERC20 transfers as batches over
//! JSON-RPC; beside `bench validate`'s rate, measured in the same run.
//!
//! Before any clock starts, a node of this process (the library's `Node`, holding the same
//! genesis as the validator) builds the whole chain: the token's deployment, a mint to every
//! account, then `--blocks` blocks in which every account sends one transfer to another of its
//! group (four groups, so that coordinators own disjoint state and their batches may arrive in
//! any order). Each block's txs are split by group into one batch per coordinator, encoded as
//! the JSON-RPC request it is sent as.
//!
//! Timed: from the first batch sent to the validator's commit of the last block. Coordinators
//! are tasks of this process, each sending its batch for the next block as soon as the last one
//! is answered (the validator holds a batch for the block after the one it fills until that one
//! is sealed). The validator seals at `--accounts` txs: each block is whole when sealed. Memory:
//! the validator's `RssAnon` after the first 10,000 timed transfers and after the last.
//!
//! The two cores are shared by the validator process (its per-tx checks on all of them) and this
//! process (the coordinators post bytes and wait: they sign, execute and encode nothing while
//! timed).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy_primitives::{Bytes, TxKind, U256};
use alloy_sol_types::{SolCall, sol};
use anyhow::{Context as _, ensure};
use manaflow::{ChainConfig, Node};
use manaflow_types::{Batch, BatchTx, SigningKey};
use serde_json::{Value, json};

use super::rpc::{TOKEN_ARTIFACT, status_bytes_of};
use super::signed_1559;
use super::stats::median;
use crate::cli::{RolesArgs, ValidateArgs};

sol! {
    function mint(address to, uint256 amount);
    function transfer(address to, uint256 amount) returns (bool);
}

/// The genesis timestamp the validator and the builder share (so their genesis blocks match).
const GENESIS_TIMESTAMP: u64 = 1_700_000_000;
/// Groups of accounts: a transfer stays in its sender's group.
const GROUPS: usize = 4;
/// The block gas limit (a block of transfers is far below it: blocks are sealed by count).
const GAS_LIMIT: u64 = 10_000_000_000;

/// The chain the validator runs and the builder copies.
fn chain(accounts: usize) -> ChainConfig {
    ChainConfig {
        accounts,
        base_fee: 0,
        gas_limit: GAS_LIMIT,
        timestamp: Some(GENESIS_TIMESTAMP),
        ..ChainConfig::default()
    }
}

/// One block's batches: per group, the `manaflow_submitBatch` body of that group's txs.
struct BlockBatches {
    number: u64,
    groups: Vec<(Vec<BatchTx>, usize)>,
}

/// The chain, built ahead: the setup blocks (sent first, untimed) and the timed ones.
struct Prebuilt {
    setup: Vec<BlockBatches>,
    timed: Vec<BlockBatches>,
}

/// Builds, signs and fills every block on a node of this process.
fn prebuild(accounts: usize, blocks: usize) -> anyhow::Result<Prebuilt> {
    let mut node = Node::open(chain(accounts))?;
    let keys: Vec<SigningKey> = node.accounts().iter().map(|a| a.key.clone()).collect();
    let mut nonces = vec![0u64; accounts];
    let mut sign = |i: usize, to: TxKind, input: Vec<u8>, gas: u64| {
        let raw = signed_1559(&keys[i], 31337, nonces[i], to, U256::ZERO, input.into(), gas, 2_000_000_000);
        nonces[i] += 1;
        raw
    };
    let artifact: Value = serde_json::from_str(TOKEN_ARTIFACT)?;
    let code: Bytes = artifact["bytecode"].as_str().context("artifact without bytecode")?.parse()?;
    let token = node.accounts()[0].address.create(0);
    let deploy = vec![sign(0, TxKind::Create, code.to_vec(), 5_000_000)];
    let mints: Vec<Bytes> = (0..accounts)
        .map(|i| {
            let to = keys[i].address();
            sign(
                i,
                TxKind::Call(token),
                mintCall { to, amount: U256::from(10u64).pow(U256::from(24)) }.abi_encode(),
                200_000,
            )
        })
        .collect();
    let setup = vec![block_batches(&mut node, &deploy, |_| 0)?, block_batches(&mut node, &mints, |_| 0)?];
    let progress = indicatif::ProgressBar::new(blocks as u64).with_message("building the chain ahead");
    let mut timed = Vec::with_capacity(blocks);
    // Account i is member i / GROUPS of group i % GROUPS (accounts g, g + GROUPS, …).
    let group_len = |g: usize| (accounts - g).div_ceil(GROUPS);
    for round in 0..blocks {
        let raws: Vec<Bytes> = (0..accounts)
            .map(|i| {
                // The partner: another account of i's group, moving on each round.
                let (g, at, len) = (i % GROUPS, i / GROUPS, group_len(i % GROUPS));
                let partner = g + GROUPS * ((at + 1 + round % (len.max(2) - 1)) % len);
                let input = transferCall { to: keys[partner].address(), amount: U256::from(1 + round) }.abi_encode();
                sign(i, TxKind::Call(token), input, 100_000)
            })
            .collect();
        timed.push(block_batches(&mut node, &raws, |i| i % GROUPS)?);
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(Prebuilt { setup, timed })
}

/// Builds `raws` into the node's next block, commits it, and splits its txs by `group_of`
/// (the index of a raw tx in `raws`, which is its index in the block).
fn block_batches(node: &mut Node, raws: &[Bytes], group_of: impl Fn(usize) -> usize) -> anyhow::Result<BlockBatches> {
    let admitted = raws.iter().map(|raw| node.admit(raw)).collect::<Result<Vec<_>, _>>()?;
    let header = node.next_header();
    let built = node.build(&header, admitted);
    ensure!(built.refused.is_empty(), "refused while building: {:?}", built.refused.first().map(|r| &r.1));
    ensure!(built.deferred.is_empty(), "{} txs did not fit", built.deferred.len());
    ensure!(built.block.outcomes.iter().all(|o| o.success), "a tx failed while building");
    let senders: Vec<_> = built.included.iter().map(|(tx, _)| (tx.hash, tx.call.caller)).collect();
    node.commit(&built.block, &senders)?;
    let mut groups: Vec<(Vec<BatchTx>, usize)> = (0..GROUPS).map(|g| (Vec::new(), g)).collect();
    for (i, (tx, outcome)) in built.block.txs.into_iter().zip(built.block.outcomes).enumerate() {
        groups[group_of(i)].0.push(BatchTx { tx, outcome });
    }
    groups.retain(|(txs, _)| !txs.is_empty());
    Ok(BlockBatches { number: header.number, groups })
}

/// The request bodies coordinator `c` of `k` sends, one per block, in order.
fn bodies(blocks: &[BlockBatches], c: usize, k: usize) -> Vec<String> {
    blocks
        .iter()
        .filter_map(|block| {
            let txs: Vec<BatchTx> =
                block.groups.iter().filter(|(_, g)| g % k == c).flat_map(|(txs, _)| txs.iter().cloned()).collect();
            (!txs.is_empty()).then(|| {
                let batch = Batch::new(format!("coordinator-{c}"), block.number, txs);
                json!({"jsonrpc": "2.0", "id": 1, "method": "manaflow_submitBatch", "params": [Bytes::from(batch.encode())]})
                    .to_string()
            })
        })
        .collect()
}

/// A validator process on a free port, and its URL.
struct ValidatorProcess {
    child: Child,
    url: String,
}

impl ValidatorProcess {
    fn start(accounts: usize) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(std::env::current_exe()?)
            .args(["validator", "--silent", "--port", &port.to_string(), "--accounts", &accounts.to_string()])
            .args(["--base-fee", "0", "--gas-limit", &GAS_LIMIT.to_string()])
            .args(["--timestamp", &GENESIS_TIMESTAMP.to_string(), "--block-txs", &accounts.to_string()])
            .args(["--block-time", "2"])
            .stdout(Stdio::null())
            .spawn()
            .context("starting `manaflow validator`")?;
        Ok(Self { child, url: format!("http://127.0.0.1:{port}") })
    }

    /// Its anonymous resident memory, in MiB.
    fn rss_anon_mib(&self) -> f64 {
        status_bytes_of(&format!("/proc/{}/status", self.child.id()), "RssAnon:") as f64 / (1 << 20) as f64
    }
}

impl Drop for ValidatorProcess {
    fn drop(&mut self) {
        // SIGTERM: it stops cleanly and removes its temporary chain.
        let terminated = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        if !terminated.is_ok_and(|s| s.success()) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

async fn call(http: &reqwest::Client, url: &str, body: String) -> anyhow::Result<Value> {
    let answer: Value =
        http.post(url).header("content-type", "application/json").body(body).send().await?.json().await?;
    if let Some(error) = answer.get("error") {
        anyhow::bail!("the validator refused: {error}");
    }
    Ok(answer["result"].clone())
}

async fn height(http: &reqwest::Client, url: &str) -> anyhow::Result<u64> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}).to_string();
    let value = call(http, url, body).await?;
    Ok(u64::from_str_radix(value.as_str().unwrap_or("0x0").trim_start_matches("0x"), 16)?)
}

/// Sends `bodies` one after another, checking that every tx was accepted.
/// Sends `bodies` in order, two in flight (as a coordinator pipelines its batches: the next one
/// is read by the validator while the last is checked), checking that every tx was accepted.
async fn feed(http: reqwest::Client, url: String, bodies: Vec<String>) -> anyhow::Result<()> {
    let mut in_flight = std::collections::VecDeque::new();
    for body in bodies {
        if in_flight.len() == 2 {
            accepted(in_flight.pop_front().context("a batch in flight")?).await?;
        }
        let (http, url) = (http.clone(), url.clone());
        in_flight.push_back(tokio::spawn(async move { call(&http, &url, body).await }));
        // Sent in order: the next one leaves once this one is on its way.
        tokio::task::yield_now().await;
    }
    for answer in in_flight {
        accepted(answer).await?;
    }
    Ok(())
}

/// Checks that every tx of a batch's answer was accepted.
async fn accepted(answer: tokio::task::JoinHandle<anyhow::Result<Value>>) -> anyhow::Result<()> {
    let answer = answer.await??;
    let fates = answer["fates"].as_array().context("fates")?;
    if let Some(refused) = fates.iter().find(|f| f["status"] != "accepted") {
        anyhow::bail!("a tx was not accepted: {refused}");
    }
    Ok(())
}

/// One run: `k` coordinators feed the validator every block. Returns tx/s and the validator's
/// RssAnon (MiB) after 10,000 timed transfers and at the end.
async fn run_one(prebuilt: &Prebuilt, accounts: usize, k: usize) -> anyhow::Result<(f64, f64, f64)> {
    let validator = ValidatorProcess::start(accounts)?;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(120)).build()?;
    let started = Instant::now();
    while height(&http, &validator.url).await.is_err() {
        ensure!(started.elapsed() < Duration::from_secs(30), "the validator did not answer within 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for body in bodies(&prebuilt.setup, 0, 1) {
        feed(http.clone(), validator.url.clone(), vec![body]).await?;
    }
    let setup_tip = prebuilt.setup.last().map_or(0, |b| b.number);
    while height(&http, &validator.url).await? < setup_tip {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let feeds: Vec<Vec<String>> = (0..k).map(|c| bodies(&prebuilt.timed, c, k)).collect();
    let last = prebuilt.timed.last().map_or(setup_tip, |b| b.number);
    let early = setup_tip + (10_000 / accounts.max(1)).max(1) as u64;
    let start = Instant::now();
    let mut tasks: Option<Vec<_>> =
        Some(feeds.into_iter().map(|bodies| tokio::spawn(feed(http.clone(), validator.url.clone(), bodies))).collect());
    let mut rss_early = None;
    let mut samples = Vec::new();
    let every = early - setup_tip;
    loop {
        let h = height(&http, &validator.url).await?;
        if rss_early.is_none() && h >= early {
            rss_early = Some(validator.rss_anon_mib());
        }
        if h >= setup_tip + every * (samples.len() as u64 + 1) {
            samples.push(validator.rss_anon_mib());
        }
        if h >= last {
            break;
        }
        // Every batch answered: a feeder's failure is reported now rather than waited out.
        if tasks.as_ref().is_some_and(|tasks| tasks.iter().all(|t| t.is_finished())) {
            for task in tasks.take().into_iter().flatten() {
                task.await??;
            }
        }
        ensure!(start.elapsed() < Duration::from_secs(600), "the run did not finish within 10 minutes");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let elapsed = start.elapsed();
    for task in tasks.into_iter().flatten() {
        task.await??;
    }
    let series: Vec<String> = samples.iter().map(|mib| format!("{mib:.0}")).collect();
    tracing::info!(coordinators = k, "validator RssAnon (MiB) every 10,000 transfers: {}", series.join(" "));
    let txs = (prebuilt.timed.len() * accounts) as f64;
    Ok((txs / elapsed.as_secs_f64(), rss_early.unwrap_or_default(), validator.rss_anon_mib()))
}

/// Runs the benchmark.
pub fn run(args: RolesArgs) -> anyhow::Result<()> {
    let accounts = args.accounts as usize;
    let blocks = args.blocks as usize;
    println!(
        "bench roles: a validator process fed by 1, 2 and 4 coordinators; {blocks} blocks of {accounts} ERC20 \
         transfers ({} txs), {} runs each; {} cores shared by the validator process and this one",
        blocks * accounts,
        args.runs,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let senders = args.validate_txs.min(1_000);
    let validate_tps = super::validate::measure(ValidateArgs { txs: args.validate_txs, senders, runs: args.runs })?;
    let prebuilt = prebuild(accounts, blocks)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let mut tps = Vec::new();
    let mut rss = (0.0, 0.0);
    for k in [1usize, 2, 4] {
        let mut rates = Vec::new();
        for run in 0..args.runs {
            let (rate, early, end) = runtime.block_on(run_one(&prebuilt, accounts, k))?;
            println!(
                "coordinators={k} run {run}: {rate:.0} tx/s; validator RssAnon {early:.1} MiB after 10,000 transfers, {end:.1} MiB after {}",
                blocks * accounts
            );
            rates.push(rate);
            if k == 4 {
                rss = (early, end);
            }
        }
        tps.push(median(&rates));
    }
    println!(
        "validator memory (coordinators=4, last run): RssAnon {:.1} MiB after 10,000 transfers, {:.1} MiB after {}: {:.2}x",
        rss.0,
        rss.1,
        blocks * accounts,
        rss.1 / rss.0.max(f64::MIN_POSITIVE)
    );
    println!(
        "bench roles: tps_1={:.0} tps_2={:.0} tps_4={:.0} validate_tps={validate_tps:.0} ratio={:.2}",
        tps[0],
        tps[1],
        tps[2],
        tps[2] / validate_tps
    );
    Ok(())
}
