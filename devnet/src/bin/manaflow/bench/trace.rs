//! `manaflow bench trace`: tracing as a developer uses it, over HTTP. A node (in this process)
//! gets an ERC20 and a transfer, then a block of `--block-txs` transfers; the benchmark times
//! `debug_traceTransaction` of the transfer with the struct logger and with `callTracer`, and
//! `debug_traceBlockByNumber` (`callTracer`) of the block, while another client polls
//! `eth_blockNumber` (its p99 says whether tracing stalls other requests). With `--anvil PATH`
//! the same requests go to an Anvil binary (started with `--steps-tracing`, without which its
//! struct logs are empty) in the same run. Medians of `--runs` runs.

use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use super::rpc::{Client, TOKEN_ARTIFACT, quantity};
use crate::cli::TraceArgs;

/// What one node measured, in milliseconds.
struct Figures {
    struct_ms: f64,
    call_ms: f64,
    block_call_ms: f64,
    blocknumber_p99_ms: f64,
    struct_steps: usize,
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Times `runs` calls of `method` with `params`; their median in ms, and the last answer.
async fn time(client: &Client, runs: usize, method: &str, params: Value) -> anyhow::Result<(f64, Value)> {
    let mut samples = Vec::with_capacity(runs);
    let mut last = Value::Null;
    for _ in 0..runs {
        let started = Instant::now();
        last = client.call(method, params.clone()).await?;
        samples.push(started.elapsed().as_secs_f64() * 1e3);
    }
    Ok((median(samples), last))
}

fn transfer_input(to: Address) -> Bytes {
    let mut input = keccak256("transfer(address,uint256)")[..4].to_vec();
    input.extend_from_slice(to.into_word().as_slice());
    input.extend_from_slice(B256::from(U256::from(1u64)).as_slice());
    Bytes::from(input)
}

/// Builds the chain on the node behind `client` and measures it.
async fn measure(client: &Client, args: &TraceArgs) -> anyhow::Result<Figures> {
    let accounts: Vec<Address> = serde_json::from_value(client.call("eth_accounts", json!([])).await?)?;
    let from = *accounts.first().context("the node has no dev accounts")?;
    let artifact: Value = serde_json::from_str(TOKEN_ARTIFACT)?;
    let code = artifact["bytecode"].as_str().context("artifact without bytecode")?;
    let hash = client.call("eth_sendTransaction", json!([{"from": from, "data": code}])).await?;
    let token: Address = serde_json::from_value(client.receipt(&hash).await?["contractAddress"].clone())?;
    let to = Address::repeat_byte(0x42);
    let transfer = json!({"from": from, "to": token, "data": transfer_input(to), "gas": "0x186a0"});
    let traced = client.call("eth_sendTransaction", json!([transfer])).await?;
    client.receipt(&traced).await?;

    // A block of transfers, each to a recipient of its own.
    client.call("evm_setBlockGasLimit", json!(["0x3b9aca00"])).await?;
    client.call("evm_setAutomine", json!([false])).await?;
    for i in 0..args.block_txs {
        let to = Address::from_word(keccak256(format!("recipient {i}")));
        let tx = json!({"from": from, "to": token, "data": transfer_input(to), "gas": "0x186a0"});
        client.call("eth_sendTransaction", json!([tx])).await?;
    }
    client.call("evm_mine", json!([])).await?;
    client.call("evm_setAutomine", json!([true])).await?;
    let block = quantity(&client.call("eth_blockNumber", json!([])).await?)?;
    let count = client.call("eth_getBlockTransactionCountByNumber", json!([format!("{block:#x}")])).await?;
    if quantity(&count)? != args.block_txs {
        bail!("the block holds {count} txs, not {}", args.block_txs);
    }

    let runs = args.runs as usize;
    let (struct_ms, frame) = time(client, runs, "debug_traceTransaction", json!([traced, {}])).await?;
    let struct_steps = frame["structLogs"].as_array().map_or(0, Vec::len);
    let call_config = json!({"tracer": "callTracer"});
    let (call_ms, _) = time(client, runs, "debug_traceTransaction", json!([traced, call_config])).await?;

    // The block trace, with another client polling the block number all along.
    let poller = {
        let client = client.clone();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let task = tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                client.call("eth_blockNumber", json!([])).await?;
                latencies.push(started.elapsed().as_secs_f64() * 1e3);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            anyhow::Ok(latencies)
        });
        (stop, task)
    };
    let block_runs = runs.div_ceil(4).max(3);
    let params = json!([format!("{block:#x}"), {"tracer": "callTracer"}]);
    let (block_call_ms, traces) = time(client, block_runs, "debug_traceBlockByNumber", params).await?;
    poller.0.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut latencies = poller.1.await??;
    if traces.as_array().map(Vec::len) != Some(args.block_txs as usize) {
        bail!(
            "debug_traceBlockByNumber answered {} traces for {} txs",
            traces.as_array().map_or(0, Vec::len),
            args.block_txs
        );
    }
    latencies.sort_by(f64::total_cmp);
    let p99 =
        latencies.get((latencies.len() * 99 / 100).min(latencies.len().saturating_sub(1))).copied().unwrap_or(0.0);
    Ok(Figures { struct_ms, call_ms, block_call_ms, blocknumber_p99_ms: p99, struct_steps })
}

/// An Anvil process on a free port.
struct Anvil(std::process::Child);

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the Anvil binary at `path`; it and its URL once it answers.
fn start_anvil(path: &std::path::Path) -> anyhow::Result<(Anvil, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = std::process::Command::new(path)
        .args(["--port", &port.to_string(), "--silent", "--steps-tracing"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start Anvil at {}", path.display()))?;
    let anvil = Anvil(child);
    for _ in 0..500 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok((anvil, format!("http://127.0.0.1:{port}")));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("Anvil at {} did not listen on port {port} within 10 s", path.display())
}

/// Runs the benchmark.
pub fn run(args: TraceArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let devnet = manaflow::spawn(manaflow::Config::test())?;
    println!(
        "manaflow: tracing an ERC20 transfer and a block of {} transfers, {} runs each",
        args.block_txs, args.runs
    );
    let ours = runtime.block_on(measure(&Client::new(&devnet.url())?, &args));
    devnet.shutdown();
    let ours = ours?;
    report("manaflow", &ours);
    let anvil = match &args.anvil {
        Some(path) => {
            let (process, url) = start_anvil(path)?;
            println!("anvil:    the same requests against {}", path.display());
            let figures = runtime.block_on(measure(&Client::new(&url)?, &args));
            drop(process);
            let figures = figures?;
            report("anvil", &figures);
            Some(figures)
        }
        None => None,
    };
    if let Some(anvil) = &anvil {
        let ratio = |ours: f64, theirs: f64| ours / theirs.max(1e-9);
        println!(
            "ratio to Anvil (goal ≤ 2): struct {:.2}, call {:.2}, block call {:.2}",
            ratio(ours.struct_ms, anvil.struct_ms),
            ratio(ours.call_ms, anvil.call_ms),
            ratio(ours.block_call_ms, anvil.block_call_ms)
        );
    }
    let mut summary = format!(
        "bench trace: struct_ms={:.2} call_ms={:.2} block_call_ms={:.1} blocknumber_p99_ms={:.2}",
        ours.struct_ms, ours.call_ms, ours.block_call_ms, ours.blocknumber_p99_ms
    );
    if let Some(anvil) = anvil {
        summary.push_str(&format!(
            " anvil_struct_ms={:.2} anvil_call_ms={:.2} anvil_block_call_ms={:.1}",
            anvil.struct_ms, anvil.call_ms, anvil.block_call_ms
        ));
    }
    println!("{summary}");
    Ok(())
}

fn report(name: &str, f: &Figures) {
    println!(
        "{name:>8}: struct logger {:.2} ms ({} steps), callTracer {:.2} ms, block callTracer {:.1} ms, \
         eth_blockNumber p99 during it {:.2} ms",
        f.struct_ms, f.struct_steps, f.call_ms, f.block_call_ms, f.blocknumber_p99_ms
    );
}
