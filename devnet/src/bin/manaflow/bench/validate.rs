//! `manaflow bench validate`: a block of signed ERC20 transfers from many senders.
//!
//! Genesis predeploys OpenZeppelin's ERC20 (the committed test artifact) and gives every sender
//! ETH and tokens. The measured block is built as a coordinator would (each tx executed into its
//! moves on the pending state), then validated as a validator does — signatures, stateless
//! re-execution against the declared moves, UTXO step, commitment — with one thread and with
//! all. Baselines in the same run: revm executing the same txs one after another on its own
//! `CacheDB`, and signature recovery alone.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use anyhow::Context as _;
use manaflow_evm::{EvmRuntime, EvmVerifier, Hardfork, decode_signed, outcome_of, tx_env};
use manaflow_ledger::{Ledger, LedgerConfig};
use manaflow_types::{
    Block, EthereumTx, FLAG_DEV_MODE, Header, Move, Outcome, OverlayView, Runtime, SigningKey, StateKey, SystemTx, Tx,
    sort_canonical,
};
use rayon::prelude::*;
use revm::context::CfgEnv;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::state::{AccountInfo, Bytecode};
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext};

use super::stats::{median, median_duration};
use super::{NoAncestors, erc20_transfer};
use crate::cli::ValidateArgs;

/// The benchmark chain's id.
pub(super) const CHAIN_ID: u64 = 31337;
const TOKEN_ARTIFACT: &str = include_str!("../../../../../examples/contracts/artifacts/TestToken.json");

fn word(v: U256) -> B256 {
    B256::from(v)
}

/// OpenZeppelin ERC20 keeps balances in the mapping at slot 0 and the total supply at slot 2.
fn balance_slot(owner: Address) -> B256 {
    keccak256([owner.into_word().as_slice(), B256::ZERO.as_slice()].concat())
}

/// The token, its code, the senders' keys and the genesis moves that fund them.
pub(super) struct Setup {
    pub(super) token: Address,
    pub(super) code: Bytes,
    pub(super) senders: Vec<SigningKey>,
    pub(super) genesis: Vec<Move>,
}

/// The token deployed at genesis and `senders` funded senders.
pub(super) fn setup(senders: u64) -> anyhow::Result<Setup> {
    let artifact: serde_json::Value = serde_json::from_str(TOKEN_ARTIFACT)?;
    let code: Bytes = artifact["deployedBytecode"].as_str().context("artifact without deployedBytecode")?.parse()?;
    let token = Address::repeat_byte(0x70);
    let senders: Vec<SigningKey> = (0..senders)
        .map(|i| SigningKey::from_bytes(&keccak256(format!("bench sender {i}"))).expect("a valid key"))
        .collect();
    let per_sender = U256::from(10u64).pow(U256::from(24));
    let mut genesis = vec![
        Move::write(StateKey::code(token), B256::ZERO, B256::ZERO, keccak256(&code)),
        Move::write(StateKey::nonce(token), B256::ZERO, B256::ZERO, word(U256::from(1))),
        Move::write(
            StateKey::storage(token, word(U256::from(2))),
            B256::ZERO,
            B256::ZERO,
            word(per_sender * U256::from(senders.len())),
        ),
    ];
    for key in &senders {
        let a = key.address();
        genesis.push(Move::write(
            StateKey::balance(a),
            B256::ZERO,
            B256::ZERO,
            word(U256::from(10u64).pow(U256::from(21))),
        ));
        genesis.push(Move::write(StateKey::storage(token, balance_slot(a)), B256::ZERO, B256::ZERO, word(per_sender)));
    }
    sort_canonical(&mut genesis);
    Ok(Setup { token, code, senders, genesis })
}

/// The header fields every benchmark block starts from.
pub(super) fn template() -> Header {
    Header {
        timestamp: 1_700_000_000,
        base_fee: 1_000_000_000,
        blob_base_fee: 1,
        gas_limit: 30_000_000_000,
        chain_id: CHAIN_ID,
        flags: FLAG_DEV_MODE,
        ..Header::default()
    }
}

/// Executes the txs one after another into moves and seals them (what a coordinator does).
pub(super) fn build_block(ledger: &Ledger, raws: &[Bytes]) -> anyhow::Result<Block> {
    let runtime = EvmRuntime::new(Hardfork::Prague);
    let header = Header { number: ledger.len(), ..template() };
    let mut pending = OverlayView::new(ledger);
    let (mut txs, mut outcomes) = (Vec::with_capacity(raws.len()), Vec::with_capacity(raws.len()));
    for raw in raws {
        let signed = decode_signed(raw, CHAIN_ID)?;
        let exec = runtime.execute(&signed.call(), &header, &NoAncestors, &pending)?;
        pending.apply(signed.hash, &exec.moves, &exec.codes);
        outcomes.push(outcome_of(&exec));
        txs.push(Tx::Ethereum(EthereumTx { raw: raw.clone(), moves: exec.moves }));
    }
    Ok(ledger.seal(&template(), txs, outcomes))
}

/// revm alone: the same txs, one after another, committed to its own in-memory database.
fn revm_baseline(setup: &Setup, raws: &[Bytes]) -> anyhow::Result<Duration> {
    let mut db = CacheDB::new(EmptyDB::default());
    let code = Bytecode::new_raw(setup.code.clone());
    db.insert_account_info(
        setup.token,
        AccountInfo { nonce: 1, code_hash: code.hash_slow(), code: Some(code), ..AccountInfo::default() },
    );
    for m in &setup.genesis {
        if m.mark == manaflow_types::Mark::Balance {
            db.insert_account_info(
                m.addr,
                AccountInfo { balance: U256::from_be_bytes(m.next.0), ..AccountInfo::default() },
            );
        }
        if m.mark == manaflow_types::Mark::Storage {
            db.insert_account_storage(m.addr, U256::from_be_bytes(m.slot.0), U256::from_be_bytes(m.next.0))?;
        }
    }
    let calls: Vec<_> =
        raws.iter().map(|raw| decode_signed(raw, CHAIN_ID).map(|s| tx_env(&s.call()))).collect::<Result<_, _>>()?;
    let header = Header { number: 1, ..template() };
    let mut evm = Context::mainnet()
        .with_db(&mut db)
        .with_cfg(CfgEnv::new_with_spec(SpecId::PRAGUE).with_chain_id(CHAIN_ID))
        .with_block(EvmRuntime::block_env(&header))
        .build_mainnet();
    let start = Instant::now();
    for tx in calls {
        evm.transact_commit(tx).map_err(|e| anyhow::anyhow!("revm baseline: {e}"))?;
    }
    Ok(start.elapsed())
}

/// Runs the benchmark.
pub fn run(args: ValidateArgs) -> anyhow::Result<()> {
    measure(args).map(|_| ())
}

/// Runs the benchmark, printing its lines; returns its rate (full validation on all threads,
/// tx/s, the median), for benchmarks that compare with it in the same run.
pub(super) fn measure(args: ValidateArgs) -> anyhow::Result<f64> {
    let setup = setup(args.senders)?;
    let n = args.txs as usize;
    let senders = setup.senders.len();
    println!(
        "bench validate: {n} ERC20 transfers from {senders} senders, {} runs, {} threads",
        args.runs,
        rayon::current_num_threads()
    );
    let mut nonces = vec![0u64; senders];
    let raws: Vec<Bytes> = (0..n)
        .map(|i| {
            let s = i % senders;
            let to = setup.senders[(i * 7 + 1) % senders].address();
            let raw = erc20_transfer(
                &setup.senders[s],
                CHAIN_ID,
                nonces[s],
                setup.token,
                to,
                U256::from(1 + nonces[s]),
                3_000_000_000,
            );
            nonces[s] += 1;
            raw
        })
        .collect();

    let dir = tempfile::tempdir()?;
    let config = LedgerConfig { durability: manaflow_ledger::Durability::Ephemeral, ..LedgerConfig::default() };
    let verifier = Arc::new(EvmVerifier::new(EvmRuntime::new(Hardfork::Prague)));
    let mut ledger = Ledger::open(dir.path(), config, verifier)?;
    let genesis_tx = Tx::System(SystemTx { block: 0, index: 0, moves: setup.genesis.clone() });
    let genesis_outcome = Outcome { codes: vec![setup.code.clone()], ..Outcome::system() };
    let genesis = ledger.seal(&template(), vec![genesis_tx], vec![genesis_outcome]);
    ledger.apply(&genesis)?;

    let start = Instant::now();
    let block = build_block(&ledger, &raws)?;
    let execution = start.elapsed();
    let failed = block.outcomes.iter().filter(|o| !o.success).count();
    anyhow::ensure!(failed == 0, "{failed} transfers failed while building the block");
    println!(
        "execution into moves (coordinator, sequential): {:.1} ms, {:.0} tx/s",
        ms(execution),
        n as f64 / execution.as_secs_f64()
    );

    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let (mut full, mut full_1, mut ecrecover, mut revm) = (vec![], vec![], vec![], vec![]);
    for run in 0..args.runs {
        let t = Instant::now();
        ledger.check(&block, &mut ())?;
        full.push(t.elapsed());
        let t = Instant::now();
        one.install(|| ledger.check(&block, &mut ()))?;
        full_1.push(t.elapsed());
        let t = Instant::now();
        let recovered = raws.par_iter().filter(|raw| decode_signed(raw, CHAIN_ID).is_ok()).count();
        ecrecover.push(t.elapsed());
        anyhow::ensure!(recovered == n, "signature recovery failed");
        revm.push(revm_baseline(&setup, &raws)?);
        println!(
            "run {run}: full validation {:>7.1} ms (1 thread {:>7.1} ms) | signature recovery alone {:>6.1} ms | revm sequential {:>6.1} ms",
            ms(full[run as usize]),
            ms(full_1[run as usize]),
            ms(ecrecover[run as usize]),
            ms(revm[run as usize])
        );
    }
    let tps = |d: &[Duration]| median(&d.iter().map(|d| n as f64 / d.as_secs_f64()).collect::<Vec<_>>());
    let (tps_all, tps_1, ecrecover_tps, revm_tps) = (tps(&full), tps(&full_1), tps(&ecrecover), tps(&revm));
    println!(
        "median: full validation {:.1} ms, one thread {:.1} ms; speedup {:.2}x; validation / recovery-only = {:.2}",
        ms(median_duration(&full)),
        ms(median_duration(&full_1)),
        tps_all / tps_1,
        tps_all / ecrecover_tps
    );
    println!(
        "bench validate: tps={tps_all:.0} tps_1={tps_1:.0} revm_tps={revm_tps:.0} ecrecover_tps={ecrecover_tps:.0}"
    );
    Ok(tps_all)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
