//! `manaflow bench soak`: a devnet under everything at once for minutes, watched for memory that
//! grows and requests that go unanswered.
//!
//! One node, OpenZeppelin's ERC20, `--senders` dev accounts sending transfers to `--recipients`
//! recipients in turn (so the state stops growing) with `eth_sendRawTransaction`, each as fast
//! as its txs are mined. Three phases on the same chain:
//! 1. `plain` (`--compare-seconds`): the senders alone;
//! 2. `logs` (as long): the senders and one client looping `eth_getLogs` from block 0 to the
//!    latest (the token's transfers to one recipient): mined tx/s against `plain`'s shows
//!    whether long reads hold up the miner;
//! 3. `soak` (`--minutes`): the senders, `--subscribers` WebSocket clients subscribed to
//!    `newHeads` and the token's logs (half read everything, half never read and must be dropped
//!    when their outbox fills, their memory freed), and a hammer of `eth_call` and `eth_getLogs`.
//!
//! Reported: tx/s of each phase, requests answered and failed, notifications received, the slow
//! subscribers dropped, and `RssAnon` (the process's anonymous memory: LMDB's mapped pages are
//! not in it) when the soak starts, after its first minute (or tenth), at its middle and end.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, U256, keccak256};
use anyhow::Context as _;
use futures_util::{SinkExt, StreamExt};
use manaflow_types::SigningKey;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use super::erc20_transfer;
use super::rpc::{Client, quantity, setup_token, status_bytes};
use crate::cli::SoakArgs;

/// What the load counted.
#[derive(Default)]
struct Counters {
    mined: AtomicU64,
    send_errors: AtomicU64,
    reads: AtomicU64,
    read_errors: AtomicU64,
    notifications: AtomicU64,
    /// The first error answered, to say what the errors were.
    first_error: std::sync::Mutex<Option<String>>,
}

impl Counters {
    /// Counts an error answered to a send or a read.
    fn error(&self, counter: &AtomicU64, error: &anyhow::Error) {
        counter.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_error.lock().unwrap_or_else(|p| p.into_inner());
        first.get_or_insert_with(|| error.to_string());
    }
}

/// A counter's value now.
fn count(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

/// The recipient of transfer `i`.
fn recipient(i: u64, recipients: u64) -> Address {
    Address::from_word(keccak256(format!("soak recipient {}", i % recipients.max(1))))
}

/// A sender: transfers to the recipients in turn, each sent once the last is mined, until
/// `stop`.
async fn send_loop(
    client: Client,
    key: SigningKey,
    (chain_id, token, recipients): (u64, Address, u64),
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let mut nonce = quantity(&client.call("eth_getTransactionCount", json!([key.address(), "latest"])).await?)?;
    let mut i = u64::from_be_bytes(key.address()[..8].try_into().unwrap_or_default());
    while !stop.load(Ordering::Relaxed) {
        let to = recipient(i, recipients);
        let raw = erc20_transfer(&key, chain_id, nonce, token, to, U256::from(1u64), 100_000_000_000);
        match client.call("eth_sendRawTransaction", json!([raw])).await {
            Ok(_) => {
                counters.mined.fetch_add(1, Ordering::Relaxed);
                nonce += 1;
            }
            Err(e) => {
                counters.error(&counters.send_errors, &e);
                nonce = quantity(&client.call("eth_getTransactionCount", json!([key.address(), "latest"])).await?)?;
            }
        }
        i += 1;
    }
    Ok(())
}

/// A reader looping whole-chain `eth_getLogs` (the token's transfers to one recipient, in turn)
/// and, with `calls`, `eth_call` of `balanceOf`, until `stop`.
async fn read_loop(
    client: Client,
    (token, recipients): (Address, u64),
    calls: bool,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
) {
    let transfer = keccak256("Transfer(address,address,uint256)");
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let to = recipient(i, recipients);
        let filter = json!({"fromBlock": "0x0", "toBlock": "latest", "address": token,
            "topics": [transfer, null, B256::from(to.into_word())]});
        let mut answers = vec![client.call("eth_getLogs", json!([filter])).await];
        if calls {
            let mut input = keccak256("balanceOf(address)")[..4].to_vec();
            input.extend_from_slice(to.into_word().as_slice());
            let call = json!({"to": token, "data": alloy_primitives::Bytes::from(input)});
            answers.push(client.call("eth_call", json!([call, "latest"])).await);
        }
        for answer in answers {
            counters.reads.fetch_add(1, Ordering::Relaxed);
            if let Err(e) = answer {
                counters.error(&counters.read_errors, &e);
            }
        }
        i += 1;
    }
}

/// A WebSocket subscriber to `newHeads` and the token's logs. A reader counts what it gets
/// until `stop`; a slow one never reads after subscribing. Whether the node dropped it.
async fn subscriber(url: String, token: Address, reads: bool, counters: Arc<Counters>, stop: Arc<AtomicBool>) -> bool {
    let Ok((mut socket, _)) = tokio_tungstenite::connect_async(url).await else { return false };
    for (id, params) in [(1, json!(["newHeads"])), (2, json!(["logs", {"address": token}]))] {
        let request = json!({"jsonrpc": "2.0", "id": id, "method": "eth_subscribe", "params": params});
        if socket.send(Message::text(request.to_string())).await.is_err() {
            return true;
        }
    }
    if reads {
        while !stop.load(Ordering::Relaxed) {
            match tokio::time::timeout(Duration::from_millis(200), socket.next()).await {
                Ok(Some(Ok(_))) => {
                    counters.notifications.fetch_add(1, Ordering::Relaxed);
                }
                Ok(_) => return true,
                Err(_) => {}
            }
        }
        return false;
    }
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Read what the kernel buffered: a dropped connection ends after it.
    loop {
        match tokio::time::timeout(Duration::from_secs(2), socket.next()).await {
            Ok(Some(Ok(message))) if !message.is_close() => continue,
            Ok(_) => return true,
            Err(_) => return false,
        }
    }
}

/// CPU time of this process's threads so far, by thread name (user + system, in seconds).
fn cpu_by_thread() -> std::collections::BTreeMap<String, f64> {
    let mut out = std::collections::BTreeMap::new();
    // The whole process, threads that ended included (a long read's thread lives for one read).
    if let Some((_, seconds)) = std::fs::read_to_string("/proc/self/stat").ok().as_deref().and_then(stat_cpu) {
        out.insert("all threads".to_string(), seconds);
    }
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return out };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
        let Some((name, seconds)) = stat_cpu(&stat) else { continue };
        *out.entry(name).or_insert(0.0) += seconds;
    }
    out
}

/// The name and CPU seconds (user and system) of a `stat` file of `/proc`.
fn stat_cpu(stat: &str) -> Option<(String, f64)> {
    let (open, close) = (stat.find('(')?, stat.rfind(')')?);
    let fields: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    let ticks: u64 = fields.get(11..13)?.iter().filter_map(|t| t.parse::<u64>().ok()).sum();
    Some((stat.get(open + 1..close)?.to_string(), ticks as f64 / 100.0))
}

/// The CPU seconds each thread name used between two [`cpu_by_thread`] readings, largest first.
fn cpu_spent(before: &std::collections::BTreeMap<String, f64>) -> String {
    let mut spent: Vec<(String, f64)> =
        cpu_by_thread().into_iter().map(|(name, t)| (name.clone(), t - before.get(&name).unwrap_or(&0.0))).collect();
    spent.sort_by(|a, b| b.1.total_cmp(&a.1));
    spent.iter().take(5).map(|(name, t)| format!("{name} {t:.1}")).collect::<Vec<_>>().join(", ")
}

/// Mined tx/s over the next `seconds`.
async fn phase(counters: &Counters, seconds: f64) -> f64 {
    let before = count(&counters.mined);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    (count(&counters.mined) - before) as f64 / started.elapsed().as_secs_f64()
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1048576.0
}

/// Runs the benchmark.
pub fn run(args: SoakArgs) -> anyhow::Result<()> {
    let senders = args.senders as usize;
    let devnet = manaflow::spawn(manaflow::Config::test().with_accounts(senders.max(10)))?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let keys: Vec<SigningKey> = devnet.accounts()[..senders].iter().map(|a| a.key.clone()).collect();
    let client = Client::new(&devnet.url())?;
    let outcome = runtime.block_on(soak(&client, &devnet.ws_url(), &keys, &args));
    devnet.shutdown();
    outcome
}

async fn soak(client: &Client, ws_url: &str, keys: &[SigningKey], args: &SoakArgs) -> anyhow::Result<()> {
    let (chain_id, token) = setup_token(client, keys).await.context("deploying the token")?;
    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for key in keys {
        let job = (chain_id, token, args.recipients);
        senders.push(tokio::spawn(send_loop(client.clone(), key.clone(), job, counters.clone(), stop.clone())));
    }
    let compare = args.compare_seconds as f64;
    println!("phase plain: {} senders for {compare} s", keys.len());
    let cpu = cpu_by_thread();
    let tps_plain = phase(&counters, compare).await;
    println!("  mined tx/s: {tps_plain:.0}; CPU seconds by thread: {}", cpu_spent(&cpu));

    println!("phase logs: the senders and one client looping whole-chain eth_getLogs for {compare} s");
    let stop_reader = Arc::new(AtomicBool::new(false));
    let reads_before = count(&counters.reads);
    let cpu = cpu_by_thread();
    let reader =
        tokio::spawn(read_loop(client.clone(), (token, args.recipients), false, counters.clone(), stop_reader.clone()));
    let tps_logs = phase(&counters, compare).await;
    stop_reader.store(true, Ordering::Relaxed);
    reader.await?;
    let scans = count(&counters.reads) - reads_before;
    println!(
        "  mined tx/s: {tps_logs:.0} ({:.2} of plain), {scans} eth_getLogs answered; CPU seconds by thread: {}",
        tps_logs / tps_plain.max(1e-9),
        cpu_spent(&cpu)
    );

    let seconds = args.minutes * 60.0;
    println!(
        "phase soak: {} senders, {} subscribers (half never read), an eth_call and eth_getLogs hammer, for {:.1} min",
        keys.len(),
        args.subscribers,
        args.minutes
    );
    let mined_before = count(&counters.mined);
    let rss_start = status_bytes("RssAnon:");
    let mut subscribers = Vec::new();
    for i in 0..args.subscribers {
        let reads = i % 2 == 0;
        subscribers.push(tokio::spawn(subscriber(ws_url.to_string(), token, reads, counters.clone(), stop.clone())));
    }
    let hammers: Vec<_> = (0..2)
        .map(|_| {
            tokio::spawn(read_loop(client.clone(), (token, args.recipients), true, counters.clone(), stop.clone()))
        })
        .collect();
    let started = Instant::now();
    // After the first minute of a soak of 10 minutes or more; after its first tenth otherwise.
    let early_at = (seconds / 10.0).min(60.0);
    let mut samples = Vec::new();
    for at in [early_at, seconds / 2.0, seconds] {
        let wait = (at - started.elapsed().as_secs_f64()).max(0.0);
        tokio::time::sleep(Duration::from_secs_f64(wait)).await;
        let rss = status_bytes("RssAnon:");
        println!(
            "  at {:>6.1} s: RssAnon {:.1} MiB, {} txs mined",
            started.elapsed().as_secs_f64(),
            mib(rss),
            count(&counters.mined) - mined_before
        );
        samples.push(rss);
    }
    let soak_elapsed = started.elapsed().as_secs_f64();
    let soak_tps = (count(&counters.mined) - mined_before) as f64 / soak_elapsed;
    stop.store(true, Ordering::Relaxed);
    for sender in senders {
        sender.await??;
    }
    for hammer in hammers {
        hammer.await?;
    }
    let mut dropped = (0, 0);
    for (i, subscriber) in subscribers.into_iter().enumerate() {
        let was_dropped = subscriber.await?;
        if was_dropped {
            if i % 2 == 0 { dropped.0 += 1 } else { dropped.1 += 1 }
        }
    }
    let mined = count(&counters.mined);
    let requests = mined + count(&counters.send_errors) + count(&counters.reads);
    let errors = count(&counters.send_errors) + count(&counters.read_errors);
    println!();
    println!("soak tx/s:          {soak_tps:.0} ({mined} txs mined in all)");
    let first_error = counters.first_error.lock().unwrap_or_else(|p| p.into_inner()).clone();
    println!(
        "requests:           {requests} answered, {errors} errors (sends refused or reads failed){}",
        first_error.map(|e| format!("; the first: {e}")).unwrap_or_default()
    );
    println!("notifications:      {} received by the reading subscribers", count(&counters.notifications));
    println!(
        "subscribers dropped: {} of {} slow ones (their outboxes filled), {} of {} reading ones",
        dropped.1,
        args.subscribers / 2,
        dropped.0,
        args.subscribers.div_ceil(2)
    );
    let (early, end) = (samples[0], samples[2]);
    let ratio = end as f64 / early.max(1) as f64;
    println!(
        "RssAnon:            {:.1} MiB at start, {:.1} after {early_at:.0} s, {:.1} at the middle, {:.1} at the end ({ratio:.2}× the early figure; target ≤ 1.2)",
        mib(rss_start),
        mib(early),
        mib(samples[1]),
        mib(end)
    );
    println!(
        "logs ratio:         {:.2} (mined tx/s with a whole-chain eth_getLogs loop / without; target ≥ 0.8)",
        tps_logs / tps_plain.max(1e-9)
    );
    println!(
        "bench soak: minutes={} tps_plain={tps_plain:.0} tps_logs={tps_logs:.0} logs_ratio={:.2} soak_tps={soak_tps:.0} requests={requests} errors={errors} rss_anon_early_mib={:.1} rss_anon_end_mib={:.1} rss_ratio={ratio:.2}",
        args.minutes,
        tps_logs / tps_plain.max(1e-9),
        mib(early),
        mib(end)
    );
    Ok(())
}
