//! `manaflow bench rpc`: a devnet under a load of pre-signed ERC20 transfers over HTTP.
//!
//! Starts a node (as `manaflow` does, on a free port), deploys OpenZeppelin's ERC20 and mints to
//! each sender through the RPC, pre-signs the transfers, then sends them with
//! `eth_sendRawTransaction` from `--concurrency` workers, each owning senders and sending their
//! txs in nonce order. In automine a send is answered once its tx is mined, so a send's latency is
//! submit → mined. Afterwards every tx is verified: each sender's nonce, and a successful receipt
//! for every transfer. Reported: mined tx/s, p50/p99 latency, the rate of the last 10% of txs
//! against the first 10%, time to ready and memory.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};
use manaflow_types::SigningKey;
use serde_json::{Value, json};

use super::erc20_transfer;
use crate::cli::RpcArgs;

pub(crate) const TOKEN_ARTIFACT: &str = include_str!("../../../../../examples/contracts/artifacts/TestToken.json");

/// Hardhat 3.18's rate on this load, on this machine (the measurement).
const HARDHAT_TPS: f64 = 930.0;

/// A minimal JSON-RPC client over one HTTP connection pool.
#[derive(Clone)]
pub(crate) struct Client {
    http: reqwest::Client,
    /// Parsed once: reqwest would otherwise parse (and IDNA-map) a string URL per request.
    url: reqwest::Url,
}

impl Client {
    /// A client of the node at `url`.
    pub(crate) fn new(url: &str) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder().pool_max_idle_per_host(1024).tcp_nodelay(true).build()?,
            url: url.parse()?,
        })
    }

    pub(crate) async fn call(&self, method: &str, params: Value) -> anyhow::Result<Value> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let answer: Value = self.http.post(self.url.clone()).json(&body).send().await?.json().await?;
        if let Some(error) = answer.get("error") {
            bail!("{method} failed: {error}");
        }
        Ok(answer["result"].clone())
    }

    /// The receipt of `hash`, waiting up to 5 s for it (Anvil may answer a send before its
    /// receipt is there).
    pub(crate) async fn receipt(&self, hash: &Value) -> anyhow::Result<Value> {
        for _ in 0..500 {
            let receipt = self.call("eth_getTransactionReceipt", json!([hash])).await?;
            if !receipt.is_null() {
                return Ok(receipt);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        bail!("no receipt for {hash} after 5 s")
    }
}

pub(crate) fn quantity(value: &Value) -> anyhow::Result<u64> {
    let text = value.as_str().context("expected a hex quantity")?;
    Ok(u64::from_str_radix(text.trim_start_matches("0x"), 16)?)
}

/// CPU time this process has used (user + system), from `/proc/self/stat`.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks: u64 = fields.get(11..13).map(|f| f.iter().filter_map(|t| t.parse::<u64>().ok()).sum()).unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Resident memory of this process now (`VmRSS`), in bytes.
fn rss_bytes() -> u64 {
    status_bytes("VmRSS:")
}

/// A memory figure of this process's `/proc/self/status` (`VmRSS:`, `RssAnon:` …), in bytes.
pub(crate) fn status_bytes(field: &str) -> u64 {
    status_bytes_of("/proc/self/status", field)
}

/// A field of a process's status file (`/proc/<pid>/status`), in bytes (0 where unavailable).
pub(crate) fn status_bytes_of(path: &str, field: &str) -> u64 {
    let status = std::fs::read_to_string(path).unwrap_or_default();
    let kib = status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or_default();
    kib * 1024
}

/// Runs the benchmark.
pub fn run(args: RpcArgs) -> anyhow::Result<()> {
    let senders = args.senders.max(1) as usize;
    let config = manaflow::Config::test().with_accounts(senders.max(10));
    let start = Instant::now();
    let devnet = manaflow::spawn(config)?;
    let ready = start.elapsed();
    println!("node ready (listening) in {:.1} ms at {}", ready.as_secs_f64() * 1e3, devnet.url());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let keys: Vec<SigningKey> = devnet.accounts()[..senders].iter().map(|a| a.key.clone()).collect();
    let client = Client {
        http: reqwest::Client::builder().pool_max_idle_per_host(1024).tcp_nodelay(true).build()?,
        url: devnet.url().parse()?,
    };
    let outcome = runtime.block_on(load(&client, &keys, &args));
    devnet.shutdown();
    let outcome = outcome?;
    let n = outcome.latencies.len();
    let mut latencies = outcome.latencies.clone();
    latencies.sort();
    let pct = |p: f64| latencies[((n as f64 * p) as usize).min(n - 1)].as_secs_f64() * 1e3;
    let tps = n as f64 / outcome.elapsed.as_secs_f64();
    let slowdown = outcome.slowdown();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!();
    let recipients = match args.recipients {
        0 => "a new recipient each".to_string(),
        r => format!("{r} recipients in turn"),
    };
    println!(
        "txs:                {n} ERC20 transfers from {senders} senders ({recipients}), concurrency {}",
        args.concurrency
    );
    println!("mined and verified: {n} (every sender's nonce, a successful receipt per transfer)");
    println!("elapsed:            {:.2} s", outcome.elapsed.as_secs_f64());
    println!(
        "mined tx/s:         {tps:.0}   (target ≥ {:.0}: 5× Hardhat 3.18's {HARDHAT_TPS:.0} tx/s on this load)",
        5.0 * HARDHAT_TPS
    );
    println!("latency:            p50 {:.2} ms, p99 {:.2} ms (send → mined)", pct(0.5), pct(0.99));
    println!("rate, last 10% / first 10%: {slowdown:.2} (target ≥ 0.9)");
    println!(
        "cpu:                {:.2} core-s during the load ({:.0} core-µs per tx, {:.0}% of {} cores; node and client)",
        outcome.cpu.as_secs_f64(),
        outcome.cpu.as_secs_f64() * 1e6 / n as f64,
        100.0 * outcome.cpu.as_secs_f64() / outcome.elapsed.as_secs_f64() / cores as f64,
        cores
    );
    println!("blocks:             {} ({:.1} txs per block)", outcome.blocks, n as f64 / outcome.blocks.max(1) as f64);
    println!(
        "memory (RSS):       {:.1} MiB after 10% of txs, {:.1} MiB at the end",
        outcome.rss_early as f64 / 1048576.0,
        outcome.rss_end as f64 / 1048576.0
    );
    println!("ready:              {:.1} ms (target < 100 ms)", ready.as_secs_f64() * 1e3);
    println!("bench rpc: tps={tps:.0} p50_ms={:.2} p99_ms={:.2} slowdown={slowdown:.2}", pct(0.5), pct(0.99));
    Ok(())
}

struct LoadOutcome {
    latencies: Vec<Duration>,
    /// When each tx's send was answered, since the load started, in completion order.
    completions: Vec<Duration>,
    elapsed: Duration,
    blocks: u64,
    rss_early: u64,
    rss_end: u64,
    /// CPU time used by the whole process (node and load generator) during the load.
    cpu: Duration,
}

impl LoadOutcome {
    /// The rate of the last 10% of completions over the rate of the first 10%.
    fn slowdown(&self) -> f64 {
        let n = self.completions.len();
        let tenth = (n / 10).max(1);
        let first = self.completions[tenth - 1].as_secs_f64();
        let last = (self.completions[n - 1] - self.completions[n - 1 - tenth]).as_secs_f64();
        if last <= 0.0 || first <= 0.0 {
            return 1.0;
        }
        (tenth as f64 / last) / (tenth as f64 / first)
    }
}

/// Deploys OpenZeppelin's ERC20 (as `keys[0]`) and mints to every key; the chain id and the
/// token.
pub(crate) async fn setup_token(client: &Client, keys: &[SigningKey]) -> anyhow::Result<(u64, Address)> {
    let chain_id = quantity(&client.call("eth_chainId", json!([])).await?)?;
    let deployer = keys[0].address();
    let artifact: Value = serde_json::from_str(TOKEN_ARTIFACT)?;
    let code = artifact["bytecode"].as_str().context("artifact without bytecode")?;
    let hash = client.call("eth_sendTransaction", json!([{"from": deployer, "data": code}])).await?;
    let token: Address = serde_json::from_value(client.receipt(&hash).await?["contractAddress"].clone())?;
    for key in keys {
        let mut input = keccak256("mint(address,uint256)")[..4].to_vec();
        input.extend_from_slice(key.address().into_word().as_slice());
        input.extend_from_slice(B256::from(U256::from(10u64).pow(U256::from(24))).as_slice());
        let hash = client
            .call("eth_sendTransaction", json!([{"from": deployer, "to": token, "data": Bytes::from(input)}]))
            .await?;
        client.receipt(&hash).await?;
    }
    Ok((chain_id, token))
}

async fn load(client: &Client, keys: &[SigningKey], args: &RpcArgs) -> anyhow::Result<LoadOutcome> {
    let (chain_id, token) = setup_token(client, keys).await?;
    let first_block = quantity(&client.call("eth_blockNumber", json!([])).await?)? + 1;

    // Pre-sign: tx i goes from sender i % senders, in nonce order per sender.
    let total = args.txs as usize;
    let mut per_sender: Vec<Vec<Bytes>> = vec![Vec::new(); keys.len()];
    let mut start_nonces = Vec::new();
    for key in keys {
        start_nonces.push(quantity(&client.call("eth_getTransactionCount", json!([key.address(), "latest"])).await?)?);
    }
    let bar = ProgressBar::new(total as u64)
        .with_style(ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {per_sec}")?.progress_chars("=> "));
    bar.set_message("signing");
    for i in 0..total {
        let s = i % keys.len();
        let nonce = start_nonces[s] + per_sender[s].len() as u64;
        let r = if args.recipients == 0 { i as u64 } else { i as u64 % args.recipients };
        let to = Address::from_word(keccak256(format!("recipient {r}")));
        per_sender[s].push(erc20_transfer(&keys[s], chain_id, nonce, token, to, U256::from(1u64), 10_000_000_000));
        bar.inc(1);
    }
    bar.reset();
    bar.set_message("sending");

    // Workers: each owns the senders w, w + concurrency, … and sends their txs in nonce order.
    let concurrency = (args.concurrency as usize).clamp(1, keys.len());
    let started = Instant::now();
    let cpu_start = cpu_time();
    let done = Arc::new(std::sync::Mutex::new(Vec::with_capacity(total)));
    let rss_early = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let queues: Vec<Vec<Bytes>> = (w..keys.len()).step_by(concurrency).map(|s| per_sender[s].clone()).collect();
        let client = client.clone();
        let done = Arc::clone(&done);
        let bar = bar.clone();
        let rss_early = Arc::clone(&rss_early);
        workers.push(tokio::spawn(async move {
            let longest = queues.iter().map(Vec::len).max().unwrap_or(0);
            for i in 0..longest {
                for queue in &queues {
                    let Some(raw) = queue.get(i) else { continue };
                    let sent = Instant::now();
                    client.call("eth_sendRawTransaction", json!([raw])).await?;
                    let answered = Instant::now();
                    let count = {
                        let mut done = done.lock().expect("no panics while holding it");
                        done.push((answered - sent, answered - started));
                        done.len()
                    };
                    if count == total / 10 {
                        rss_early.store(rss_bytes(), std::sync::atomic::Ordering::Relaxed);
                    }
                    bar.inc(1);
                }
            }
            anyhow::Ok(())
        }));
    }
    for worker in workers {
        worker.await??;
    }
    let elapsed = started.elapsed();
    let cpu = cpu_time() - cpu_start;
    bar.finish_and_clear();
    let rss_end = rss_bytes();

    // Verify: every sender's nonce moved by its txs, and every transfer has a successful receipt.
    for (s, key) in keys.iter().enumerate() {
        let nonce = quantity(&client.call("eth_getTransactionCount", json!([key.address(), "latest"])).await?)?;
        if nonce != start_nonces[s] + per_sender[s].len() as u64 {
            bail!("sender {s} has nonce {nonce}, expected {}", start_nonces[s] + per_sender[s].len() as u64);
        }
    }
    let last_block = quantity(&client.call("eth_blockNumber", json!([])).await?)?;
    let mut succeeded = 0;
    for block in first_block..=last_block {
        let receipts = client.call("eth_getBlockReceipts", json!([format!("{block:#x}")])).await?;
        for receipt in receipts.as_array().context("receipts are a list")? {
            if receipt["status"] != "0x1" {
                bail!("transfer {} failed", receipt["transactionHash"]);
            }
            succeeded += 1;
        }
    }
    if succeeded != total {
        bail!("{succeeded} successful transfers in blocks {first_block}..={last_block}, expected {total}");
    }
    let mut done = std::mem::take(&mut *done.lock().expect("workers finished"));
    done.sort_by_key(|(_, at)| *at);
    Ok(LoadOutcome {
        latencies: done.iter().map(|(latency, _)| *latency).collect(),
        completions: done.iter().map(|(_, at)| *at).collect(),
        elapsed,
        blocks: last_block + 1 - first_block,
        rss_early: rss_early.load(std::sync::atomic::Ordering::Relaxed),
        rss_end,
        cpu,
    })
}
