//! Command-line arguments.

use clap::{Args, Parser, Subcommand};

/// The Manaflow devnet: a local chain where every transaction declares the before and after
/// values of the state it touches.
#[derive(Debug, Parser)]
#[command(name = "manaflow", version, about, long_about = None)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a benchmark (build with --release for meaningful figures).
    #[command(subcommand)]
    Bench(BenchCommand),
}

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Apply one large block of state changes onto a large UTXO set: the critical path
    /// (live and double-use checks applied to the set), the end-to-end rate (with the
    /// commitment and a durable block commit) and the seed's naive loop as the baseline.
    Apply(ApplyArgs),
    /// Validate a block of signed ERC20 transfers from many senders: execution into moves, then
    /// full validation (signatures, stateless re-execution, UTXO step) with one and with all
    /// threads; baselines: revm alone on a CacheDB, and signature recovery alone.
    Validate(ValidateArgs),
}

/// Arguments of `bench validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// ERC20 transfers in the block.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub txs: u64,
    /// Distinct senders (each sends txs/senders transfers, in nonce order).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub senders: u64,
    /// Measured runs; medians are reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: u64,
}

/// Arguments of `bench apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Outputs in the UTXO set before the measured block (each written key is one output plus
    /// its first-use marker).
    #[arg(long, default_value_t = 10_000_000)]
    pub outputs: u64,
    /// Moves (state changes) in the measured block; the seed's block had 640,000.
    #[arg(long, default_value_t = 640_000)]
    pub moves: u64,
    /// Measured runs (a fresh block each); the median is reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: u64,
    /// Moves per tx in the measured block.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub moves_per_tx: u64,
    /// Moves of the naive baseline (a prefix of the block: one durable write per move is slow).
    #[arg(long, default_value_t = 2_000)]
    pub baseline_moves: u64,
    /// Directory for the benchmark's stores (default: a temp dir, removed afterwards).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// Seed of the random keys.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}
