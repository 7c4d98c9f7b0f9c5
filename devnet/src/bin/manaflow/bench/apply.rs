//! `manaflow bench apply`: one large block of state changes onto a large UTXO set.
//!
//! Fills a durable ledger with `--outputs` outputs (random keys, built by the chain itself in
//! blocks of first writes), then applies `--runs` fresh blocks of `--moves` writes that consume
//! random live outputs, and reports per run:
//! - the **critical path**: the sequential UTXO step (each move's output found live with its
//!   `prev`, consumed once, the new output written in its place);
//! - the **end-to-end** time of `Ledger::apply`: stateless checks, UTXO step and commitment,
//!   and the block's durable commit (fsync) in the block store;
//! - as the baseline, the seed's naive loop: one LMDB transaction, synced, per state change,
//!   on a copy of the same set (timed on a prefix of a block).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use manaflow_ledger::store::{Durability, StateStore};
use manaflow_ledger::{Ledger, LedgerConfig, NoRuntime, Output, Placed};
use manaflow_types::{Address, B256, FLAG_DEV_MODE, Header, Move, Outcome, StateKey, SystemTx, Tx, sort_canonical};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::stats::{human_bytes, human_rate, median, median_duration, peak_rss_bytes};
use crate::cli::ApplyArgs;

/// Moves per tx while filling the set.
const FILL_MOVES_PER_TX: usize = 1_000;

/// The set as the benchmark driver tracks it, to generate valid blocks.
struct Model {
    keys: Vec<StateKey>,
    outputs: Vec<Output>,
}

/// Runs the benchmark.
pub fn run(args: ApplyArgs) -> anyhow::Result<()> {
    let temp = tempfile::tempdir().context("creating a temp dir for the benchmark")?;
    let root = args.dir.clone().unwrap_or_else(|| temp.path().to_path_buf());
    let mut rng = SmallRng::seed_from_u64(args.seed);
    println!(
        "bench apply: {} outputs in the set, blocks of {} moves ({} per tx), {} runs, stores in {}",
        args.outputs,
        args.moves,
        args.moves_per_tx,
        args.runs,
        root.display()
    );

    let config = LedgerConfig {
        durability: Durability::Durable,
        flush_threshold: usize::MAX,
        cache_keys_max: usize::MAX,
        flush_interval: None,
    };
    let mut ledger = Ledger::open(&root.join("ledger"), config, Arc::new(NoRuntime)).context("opening the ledger")?;
    let template = Header {
        timestamp: 1_700_000_000,
        chain_id: 31337,
        gas_limit: 30_000_000,
        flags: FLAG_DEV_MODE,
        ..Header::default()
    };
    let mut model = fill(&mut ledger, &template, &args, &mut rng)?;

    let start = Instant::now();
    ledger.flush()?;
    println!("checkpoint of the filled set written in {:.1} s", start.elapsed().as_secs_f64());

    let mut runs = Vec::new();
    for run in 0..args.runs {
        let block = measured_block(&ledger, &template, &mut model, &args, &mut rng);
        let applied = ledger.apply(&block).with_context(|| format!("applying measured block {run}"))?;
        let t = applied.timings;
        println!(
            "run {run}: utxo step {:>6.1} ms | stateless checks {:>6.1} ms | utxo step + commitment {:>7.1} ms \
             (block written and synced alongside: {:>6.1} ms) | index commit {:>5.1} ms | total {:>7.1} ms",
            ms(t.stage.utxo_step),
            ms(t.stage.stateless),
            ms(t.stage.utxo_and_commitment),
            ms(t.block_write),
            ms(t.durable_write),
            ms(t.total)
        );
        runs.push(t);
    }
    let dirty_blocks = args.runs;
    let start = Instant::now();
    ledger.flush()?;
    let flush_time = start.elapsed();
    let recompute = Instant::now();
    ledger.recompute_commitment().context("recomputing the commitment from scratch")?;
    let recompute_time = recompute.elapsed();

    let moves = args.moves as f64;
    let utxo_step = median_duration(&runs.iter().map(|t| t.stage.utxo_step).collect::<Vec<_>>());
    let total = median_duration(&runs.iter().map(|t| t.total).collect::<Vec<_>>());
    let rate = median(&runs.iter().map(|t| moves / t.stage.utxo_step.as_secs_f64()).collect::<Vec<_>>());
    let full_rate = median(&runs.iter().map(|t| moves / t.total.as_secs_f64()).collect::<Vec<_>>());
    let (blocks_disk, state_disk) = ledger.disk_size();
    println!("median utxo step {:.1} ms, median apply {:.1} ms", ms(utxo_step), ms(total));
    println!(
        "checkpoint flush of {dirty_blocks} blocks' changes: {:.1} s (in normal operation a background thread does this, off the critical path)",
        flush_time.as_secs_f64()
    );
    println!(
        "commitment recomputed from scratch over {} members in {:.1} s: matches",
        ledger.utxo_size(),
        recompute_time.as_secs_f64()
    );
    println!("disk: blocks {}, state {}", human_bytes(blocks_disk), human_bytes(state_disk));
    drop(ledger);

    let baseline = naive_baseline(&root.join("baseline"), &model, &args, &mut rng)?;
    if let Some(rss) = peak_rss_bytes() {
        println!("peak RSS {}", human_bytes(rss));
    }
    println!(
        "critical path {} | end to end {} | naive loop {}",
        human_rate(rate),
        human_rate(full_rate),
        human_rate(baseline)
    );
    println!(
        "bench apply: rate={:.0} full_rate={:.0} baseline={:.0} ratio={:.1}",
        rate,
        full_rate,
        baseline,
        rate / baseline
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn random_word(rng: &mut SmallRng) -> B256 {
    B256::from(rng.random::<[u8; 32]>())
}

/// Fills the ledger with `args.outputs` first writes of random storage keys, in blocks of
/// `args.moves` moves, and returns the model of the set.
fn fill(ledger: &mut Ledger, template: &Header, args: &ApplyArgs, rng: &mut SmallRng) -> anyhow::Result<Model> {
    let total = args.outputs as usize;
    let mut model = Model { keys: Vec::with_capacity(total), outputs: Vec::with_capacity(total) };
    let bar = ProgressBar::new(args.outputs).with_style(
        ProgressStyle::with_template(
            "filling the UTXO set {bar:40} {human_pos}/{human_len} outputs ({per_sec}, eta {eta})",
        )
        .expect("valid template"),
    );
    let genesis = ledger.seal(template, vec![], vec![]);
    ledger.apply(&genesis)?;
    while model.keys.len() < total {
        let in_block = (total - model.keys.len()).min(args.moves.max(1) as usize);
        let number = ledger.len();
        let mut txs = Vec::new();
        let mut pending = Vec::with_capacity(in_block);
        let mut left = in_block;
        while left > 0 {
            let n = left.min(FILL_MOVES_PER_TX);
            let mut moves: Vec<Move> = (0..n)
                .map(|_| {
                    let key = StateKey::storage(Address::from(rng.random::<[u8; 20]>()), random_word(rng));
                    Move::write(key, B256::ZERO, B256::ZERO, random_word(rng))
                })
                .collect();
            sort_canonical(&mut moves);
            pending.push(moves.iter().map(|m| (m.key(), m.next)).collect::<Vec<_>>());
            txs.push(Tx::System(SystemTx { block: number, index: txs.len() as u32, moves }));
            left -= n;
        }
        let outcomes = txs.iter().map(|_| Outcome::system()).collect();
        let block = ledger.seal(template, txs, outcomes);
        let applied = ledger.apply(&block).context("applying a fill block")?;
        for (id, writes) in applied.ids.iter().zip(pending) {
            for (key, value) in writes {
                model.keys.push(key);
                model.outputs.push(Output { intx: *id, value });
            }
        }
        bar.set_position(model.keys.len() as u64);
    }
    bar.finish();
    Ok(model)
}

/// A block of `args.moves` writes consuming random live outputs (distinct keys within a tx; a
/// key drawn twice in one block consumes the output the earlier tx created).
fn measured_block(
    ledger: &Ledger,
    template: &Header,
    model: &mut Model,
    args: &ApplyArgs,
    rng: &mut SmallRng,
) -> manaflow_types::Block {
    let number = ledger.len();
    let per_tx = args.moves_per_tx as usize;
    let mut left = args.moves as usize;
    let mut txs = Vec::with_capacity(left / per_tx + 1);
    while left > 0 {
        let n = left.min(per_tx);
        let mut picked: Vec<usize> = Vec::with_capacity(n);
        while picked.len() < n {
            let i = rng.random_range(0..model.keys.len());
            if !picked.contains(&i) {
                picked.push(i);
            }
        }
        let mut moves: Vec<(usize, Move)> = picked
            .iter()
            .map(|&i| {
                let found = model.outputs[i];
                let mut next = random_word(rng);
                if next == found.value {
                    next.0[0] ^= 1;
                }
                (i, Move::write(model.keys[i], found.intx, found.value, next))
            })
            .collect();
        moves.sort_unstable_by_key(|(_, m)| m.key());
        let tx = SystemTx { block: number, index: txs.len() as u32, moves: moves.iter().map(|(_, m)| *m).collect() };
        let id = tx.id();
        for (i, m) in &moves {
            model.outputs[*i] = Output { intx: id, value: m.next };
        }
        txs.push(Tx::System(tx));
        left -= n;
    }
    let outcomes = txs.iter().map(|_| Outcome::system()).collect();
    ledger.seal(template, txs, outcomes)
}

/// The seed's naive loop: for each state change, one write transaction that checks and
/// replaces the output, committed and synced. Runs on a copy of the set in its own store.
fn naive_baseline(dir: &Path, model: &Model, args: &ApplyArgs, rng: &mut SmallRng) -> anyhow::Result<f64> {
    let store = StateStore::open(dir, Durability::Durable)?;
    let mut sorted: Vec<([u8; StateKey::LEN], Placed)> =
        model.keys.iter().zip(&model.outputs).map(|(k, o)| (k.to_bytes(), placed(*o))).collect();
    sorted.sort_unstable_by_key(|e| e.0);
    let bar = ProgressBar::new(sorted.len() as u64).with_style(
        ProgressStyle::with_template("copying the set for the naive baseline {bar:40} {human_pos}/{human_len}")
            .expect("valid template"),
    );
    for chunk in sorted.chunks(1_000_000) {
        store.write_outputs(chunk)?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish();
    drop(sorted);
    let n = args.baseline_moves.min(model.keys.len() as u64).max(1) as usize;
    let picks: Vec<usize> = (0..n).map(|_| rng.random_range(0..model.keys.len())).collect();
    let new_id = random_word(rng);
    let start = Instant::now();
    let mut applied = 0usize;
    for &i in &picks {
        let next = placed(Output { intx: new_id, value: random_word(rng) });
        // A key drawn twice finds the output the earlier change left: skip it, as a naive
        // validator would reject it.
        if store.replace_output_synced(&model.keys[i], &placed(model.outputs[i]), &next)? {
            applied += 1;
        }
    }
    let elapsed = start.elapsed();
    let rate = applied as f64 / elapsed.as_secs_f64();
    println!(
        "naive loop: {applied} state changes, one synced LMDB transaction each, in {:.2} s",
        elapsed.as_secs_f64()
    );
    Ok(rate)
}

/// An output as the checkpoint stores it (the position of its tx does not matter here).
fn placed(out: Output) -> Placed {
    Placed { out, at: manaflow_types::TxLoc::ZERO }
}
