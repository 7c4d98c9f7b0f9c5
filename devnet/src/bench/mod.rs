//! Benchmarks run by `manaflow bench …`. Each prints the figure its issue names, the baseline
//! measured in the same run, and a last summary line.

mod apply;
mod rpc;
mod stats;
mod validate;

use crate::cli::BenchCommand;

/// Runs one benchmark.
pub fn run(command: BenchCommand) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; benchmark figures need `cargo run --release -- bench …`");
    }
    match command {
        BenchCommand::Apply(args) => apply::run(args),
        BenchCommand::Validate(args) => validate::run(args),
        BenchCommand::Rpc(args) => rpc::run(args),
    }
}
