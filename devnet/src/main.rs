//! `manaflow`: the Manaflow devnet binary.
//!
//! Today it carries the benchmarks of the ledger (`manaflow bench apply`); the node, the RPC and
//! the REPL join as their issues land.

mod bench;
mod cli;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    init_tracing();
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Bench(bench) => bench::run(bench),
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: warnings).
fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
