//! `manaflow bench wasm`: the same ERC20 transfer executed in WASM and in the EVM.
//!
//! Two tokens with the same storage layout hold the same balances: OpenZeppelin's ERC20 (the
//! committed Solidity artifact) and the SDK's ERC20 (the committed `.wasm`). Each run executes
//! `--txs` transfers on each, every one from its own sender against the same state (so each
//! transfer loads its accounts and slots cold, as a tx in a block does), through the runtime the
//! node uses. Before measuring, one transfer on each is checked to give the same moves apart from
//! the token's address and code.

use std::time::Instant;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use anyhow::{Context as _, ensure};
use indicatif::{ProgressBar, ProgressStyle};
use manaflow_evm::{EvmRuntime, Hardfork};
use manaflow_types::{Call, Execution, Header, MapView, Move, Output, Runtime, StateKey, Status};

use super::NoAncestors;
use super::stats::median;
use crate::cli::WasmArgs;

const CHAIN_ID: u64 = 31337;
const EVM_TOKEN_ARTIFACT: &str = include_str!("../../../../../examples/contracts/artifacts/TestToken.json");
const WASM_TOKEN: &[u8] = include_bytes!("../../../../../examples/wasm/artifacts/erc20.wasm");

fn header() -> Header {
    Header { timestamp: 1_700_000_000, gas_limit: 30_000_000, chain_id: CHAIN_ID, ..Header::default() }
}

fn sender(i: u64) -> Address {
    Address::from_word(keccak256(format!("bench wasm sender {i}")))
}

/// OpenZeppelin's `_balances` mapping is at slot 0.
fn balance_slot(owner: Address) -> B256 {
    keccak256([owner.into_word().as_slice(), B256::ZERO.as_slice()].concat())
}

fn output(value: B256) -> Output {
    Output { intx: B256::repeat_byte(1), value }
}

/// A state holding `code` at `token` with `senders` holders of tokens and ETH.
fn state(view: &mut MapView, token: Address, code: &Bytes, senders: u64) {
    let hash = keccak256(code);
    view.codes.insert(hash, code.clone());
    view.outputs.insert(StateKey::code(token), output(hash));
    view.outputs.insert(StateKey::nonce(token), output(B256::from(U256::from(1))));
    let per_sender = U256::from(10u64).pow(U256::from(24));
    view.outputs.insert(
        StateKey::storage(token, B256::from(U256::from(2))),
        output(B256::from(per_sender * U256::from(senders))),
    );
    for i in 0..senders {
        let who = sender(i);
        view.outputs.insert(StateKey::balance(who), output(B256::from(U256::from(10u64).pow(U256::from(21)))));
        view.outputs.insert(StateKey::storage(token, balance_slot(who)), output(B256::from(per_sender)));
    }
}

fn transfer(from: Address, token: Address) -> Call {
    let mut input = keccak256("transfer(address,uint256)")[..4].to_vec();
    input.extend_from_slice(Address::repeat_byte(0xee).into_word().as_slice());
    input.extend_from_slice(B256::from(U256::from(1_000)).as_slice());
    Call {
        tx_type: 2,
        caller: from,
        to: Some(token),
        input: input.into(),
        gas_limit: 200_000,
        max_priority_fee_per_gas: Some(0),
        chain_id: Some(CHAIN_ID),
        ..Call::default()
    }
}

/// The moves with `token`'s address and code hash written as zero, to compare two tokens.
fn normalised(moves: &[Move], token: Address) -> Vec<Move> {
    moves
        .iter()
        .map(|m| {
            let mut m = *m;
            if m.addr == token {
                m.addr = Address::ZERO;
                if m.mark == manaflow_types::Mark::Code {
                    (m.prev, m.next) = (B256::ZERO, B256::ZERO);
                }
            }
            m
        })
        .collect()
}

fn execute(runtime: &EvmRuntime, view: &MapView, call: &Call) -> anyhow::Result<Execution> {
    let execution = runtime.execute(call, &header(), &NoAncestors, view).context("a transfer executes")?;
    ensure!(execution.status == Status::Success, "the transfer failed: {:?} {}", execution.status, execution.output);
    Ok(execution)
}

/// Executes `txs` transfers on `token`; returns executions per second.
fn measure(runtime: &EvmRuntime, view: &MapView, token: Address, txs: u64, bar: &ProgressBar) -> anyhow::Result<f64> {
    let calls: Vec<Call> = (0..txs).map(|i| transfer(sender(i), token)).collect();
    let start = Instant::now();
    for call in &calls {
        execute(runtime, view, call)?;
        bar.inc(1);
    }
    Ok(txs as f64 / start.elapsed().as_secs_f64())
}

/// Runs the benchmark.
pub fn run(args: WasmArgs) -> anyhow::Result<()> {
    let artifact: serde_json::Value = serde_json::from_str(EVM_TOKEN_ARTIFACT)?;
    let evm_code: Bytes =
        artifact["deployedBytecode"].as_str().context("artifact without deployedBytecode")?.parse()?;
    let wasm_code = Bytes::from_static(WASM_TOKEN);
    let (evm_token, wasm_token) = (Address::repeat_byte(0xe0), Address::repeat_byte(0xa0));
    let mut view = MapView::default();
    state(&mut view, evm_token, &evm_code, args.txs);
    state(&mut view, wasm_token, &wasm_code, args.txs);
    let runtime = manaflow::node::chain_runtime(Hardfork::Prague);

    let evm = execute(&runtime, &view, &transfer(sender(0), evm_token))?;
    let wasm = execute(&runtime, &view, &transfer(sender(0), wasm_token))?;
    ensure!(
        normalised(&evm.moves, evm_token) == normalised(&wasm.moves, wasm_token) && evm.logs.len() == wasm.logs.len(),
        "the WASM and EVM transfers touch different state:\nEVM  {:?}\nWASM {:?}",
        evm.moves,
        wasm.moves
    );
    println!(
        "ERC20 transfer, {} moves each, identical in both runtimes; gas: EVM {}, WASM {}",
        evm.moves.len(),
        evm.gas_used,
        wasm.gas_used
    );
    println!("{} transfers per runtime, {} runs", args.txs, args.runs);

    let bar = ProgressBar::new(args.txs * args.runs * 2).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} transfers ({per_sec})").expect("a valid template"),
    );
    let (mut wasm_rates, mut evm_rates) = (Vec::new(), Vec::new());
    for _ in 0..args.runs {
        wasm_rates.push(measure(&runtime, &view, wasm_token, args.txs, &bar)?);
        evm_rates.push(measure(&runtime, &view, evm_token, args.txs, &bar)?);
    }
    bar.finish_and_clear();
    for (run, (w, e)) in wasm_rates.iter().zip(&evm_rates).enumerate() {
        println!("run {}: wasm {w:.0} /s, evm {e:.0} /s", run + 1);
    }
    let (wasm_tps, evm_tps) = (median(&wasm_rates), median(&evm_rates));
    println!("bench wasm: wasm_tps={wasm_tps:.0} evm_tps={evm_tps:.0} ratio={:.3}", wasm_tps / evm_tps);
    Ok(())
}
