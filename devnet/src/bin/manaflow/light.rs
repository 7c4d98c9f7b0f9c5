//! `manaflow light --rpc URL`: a light client over a node's JSON-RPC. It follows the node's
//! headers (checking each against its parent), checks the inclusion proofs of the txs and the
//! output proofs of the state it is asked about, and checks fraud proofs against the headers it
//! holds — marking a held block it proves invalid, and its descendants.

use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use manaflow::light::LightClient;
use manaflow_types::proof::{FraudProof, TxProof, Verdict};
use manaflow_types::{Address, B256, Bytes, Header, Mark, StateKey};
use serde_json::{Value, json};

/// `manaflow light` arguments.
#[derive(Debug, Args)]
pub struct LightArgs {
    /// The node to follow (its JSON-RPC URL).
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    pub rpc: String,
    /// Check the inclusion proof of this tx (repeatable).
    #[arg(long = "tx", value_name = "HASH")]
    pub txs: Vec<B256>,
    /// Check the output proof of this state: `ADDRESS:b`, `ADDRESS:n`, `ADDRESS:c` or
    /// `ADDRESS:s:SLOT` (repeatable).
    #[arg(long = "output", value_name = "KEY")]
    pub outputs: Vec<String>,
    /// Check a fraud proof (a file holding its bytes, raw or 0x hex).
    #[arg(long, value_name = "FILE")]
    pub fraud_proof: Option<std::path::PathBuf>,
    /// Keep following new headers (every second) until Ctrl-C.
    #[arg(long)]
    pub follow: bool,
    /// The hardfork the node runs, for re-executing a tx a fraud proof names.
    #[arg(long, default_value = "prague", value_parser = parse_hardfork)]
    pub hardfork: manaflow_evm::Hardfork,
}

fn parse_hardfork(text: &str) -> Result<manaflow_evm::Hardfork, String> {
    text.parse()
}

struct Rpc {
    http: reqwest::Client,
    url: String,
}

impl Rpc {
    async fn call(&self, method: &str, params: Value) -> anyhow::Result<Value> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let answer: Value = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .with_context(|| format!("cannot reach {} (is the node running?)", self.url))?
            .json()
            .await
            .with_context(|| format!("{method}: the answer is not JSON"))?;
        if let Some(error) = answer.get("error") {
            bail!("{method}: {}", error.get("message").and_then(Value::as_str).unwrap_or("an error"));
        }
        Ok(answer.get("result").cloned().unwrap_or(Value::Null))
    }
}

fn bytes_of(value: &Value, what: &str) -> anyhow::Result<Bytes> {
    serde_json::from_value(value.clone()).with_context(|| format!("{what} is not hex bytes"))
}

/// Fetches headers from `from` on; returns how many were added.
async fn sync(rpc: &Rpc, client: &mut Option<LightClient>) -> anyhow::Result<u64> {
    let mut added = 0;
    loop {
        let from = client.as_ref().map_or(0, LightClient::len);
        let page = rpc.call("manaflow_getHeaders", json!([format!("{from:#x}"), "0x400"])).await?;
        let page = page.as_array().context("manaflow_getHeaders answers a list")?;
        if page.is_empty() {
            return Ok(added);
        }
        for entry in page {
            let rlp = bytes_of(&entry["rlp"], "a header")?;
            let header: Header = manaflow_types::block::decode_header(&rlp).context("a header that does not decode")?;
            match client {
                None => *client = Some(LightClient::new(header)?),
                Some(c) => c.extend(header)?,
            }
            added += 1;
        }
    }
}

fn parse_key(text: &str) -> anyhow::Result<StateKey> {
    let parts: Vec<&str> = text.split(':').collect();
    let address: Address = parts[0].parse().with_context(|| format!("{:?} is not an address", parts[0]))?;
    Ok(match parts.get(1).copied() {
        Some("b") => StateKey::balance(address),
        Some("n") => StateKey::nonce(address),
        Some("c") => StateKey::code(address),
        Some("s") => {
            let slot: B256 = parts.get(2).context("a storage key needs a slot: ADDRESS:s:SLOT")?.parse()?;
            StateKey::storage(address, slot)
        }
        _ => bail!("{text:?}: give ADDRESS:b, ADDRESS:n, ADDRESS:c or ADDRESS:s:SLOT"),
    })
}

/// Runs the light client; returns whether every proof checked out.
pub fn run(args: &LightArgs) -> anyhow::Result<bool> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: &LightArgs) -> anyhow::Result<bool> {
    let rpc = Rpc { http: reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?, url: args.rpc.clone() };
    let mut client = None;
    sync(&rpc, &mut client).await?;
    let mut client = client.context("the node has no genesis header")?;
    println!(
        "following {}: {} headers checked, tip #{} {}",
        args.rpc,
        client.len(),
        client.tip().number,
        client.tip().hash()
    );
    let mut all_ok = true;
    for hash in &args.txs {
        let answer = rpc.call("manaflow_getTransactionProof", json!([hash])).await?;
        let proof = TxProof::decode(&bytes_of(&answer["proof"], "the proof")?)?;
        match client.check_tx(hash, &proof) {
            Ok(()) => println!(
                "tx {hash}: included at block {} index {}, {} logs proven (proof {} bytes, branch of {})",
                proof.at.block,
                proof.at.index,
                proof.outcome.logs.len(),
                proof.encode().len(),
                proof.branch.len()
            ),
            Err(e) => {
                all_ok = false;
                println!("tx {hash}: REFUSED: {e}");
            }
        }
    }
    for text in &args.outputs {
        let key = parse_key(text)?;
        let mark = match key.mark {
            Mark::Balance => "b",
            Mark::Nonce => "n",
            Mark::Code => "c",
            _ => "s",
        };
        let slot = (key.mark == Mark::Storage).then_some(key.slot);
        let answer = rpc.call("manaflow_getOutputProof", json!([key.addr, mark, slot])).await?;
        if answer["producer"].is_null() {
            println!("{key}: no producer ({})", answer["reason"].as_str().unwrap_or("none"));
            continue;
        }
        let proof = TxProof::decode(&bytes_of(&answer["producer"]["proof"], "the proof")?)?;
        match client.check_output(&key, &proof) {
            Ok(value) => println!(
                "{key}: {value} written by tx {} at block {} index {} (proof checked; it proves the write, not liveness)",
                proof.tx.id(),
                proof.at.block,
                proof.at.index
            ),
            Err(e) => {
                all_ok = false;
                println!("{key}: REFUSED: {e}");
            }
        }
    }
    if let Some(path) = &args.fraud_proof {
        let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let text = String::from_utf8_lossy(&raw);
        let bytes = match text.trim().strip_prefix("0x") {
            Some(hex) => alloy_primitives::hex::decode(hex).context("the fraud proof file is not valid hex")?,
            None => raw,
        };
        let proof = FraudProof::decode(&bytes).context("the fraud proof does not decode")?;
        let runtime = manaflow_evm::EvmVerifier::new(manaflow::node::chain_runtime(args.hardfork));
        match client.accept_fraud_proof(&proof, &runtime) {
            Verdict::BlockInvalid(v) => {
                let marked = client.invalid_from().is_some_and(|(n, _)| *n == proof.header.number);
                println!(
                    "fraud proof ({} bytes, {} evidence): block {} {} is INVALID: {v}{}",
                    bytes.len(),
                    proof.evidence.name(),
                    proof.header.number,
                    proof.header.hash(),
                    if marked {
                        "; it and its descendants are marked invalid"
                    } else {
                        " (a block this client does not hold)"
                    }
                );
            }
            Verdict::NotProven(why) => {
                all_ok = false;
                println!("fraud proof: not proven: {why}");
            }
        }
    }
    if args.follow {
        let mut holder = Some(client);
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            match sync(&rpc, &mut holder).await {
                Ok(0) => {}
                Ok(_) => {
                    let c = holder.as_ref().context("a client")?;
                    println!("tip #{} {} ({} headers checked)", c.tip().number, c.tip().hash(), c.len());
                }
                Err(e) => println!("following: {e}"),
            }
        }
    }
    Ok(all_ok)
}
