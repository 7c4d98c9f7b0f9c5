//! `manaflow`: the Manaflow devnet binary. With no subcommand (or `manaflow node`) it runs the
//! devnet until Ctrl-C or SIGTERM; `manaflow repl` opens a prompt on it; `manaflow bench …` runs
//! the benchmarks.

mod banner;
mod bench;
mod cli;
mod light;
mod repl;
mod state;

use std::process::ExitCode;

use clap::Parser;

fn main() -> anyhow::Result<ExitCode> {
    init_tracing();
    let cli = cli::Cli::parse();
    match cli.command {
        None => run_node(&cli.node),
        Some(cli::Command::Node(args)) => run_node(&args),
        Some(cli::Command::Repl(args)) => {
            return Ok(if repl::run(&args)? { ExitCode::SUCCESS } else { ExitCode::FAILURE });
        }
        Some(cli::Command::Bench(bench)) => bench::run(bench),
        Some(cli::Command::Light(args)) => {
            return Ok(if light::run(&args)? { ExitCode::SUCCESS } else { ExitCode::FAILURE });
        }
        Some(cli::Command::Validator(args)) => run_validator(&args),
        Some(cli::Command::Coordinator(args)) => run_with(&args.node, args.config()?),
    }?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the devnet until Ctrl-C or SIGTERM, then shuts it down cleanly.
fn run_node(args: &cli::NodeArgs) -> anyhow::Result<()> {
    run_with(args, args.config()?)
}

/// Runs the validator alone until Ctrl-C or SIGTERM.
fn run_validator(args: &cli::ValidatorArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    fixed_mmap_threshold();
    let validator = manaflow::spawn_validator(config.clone())?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let signals = {
        let _context = runtime.enter();
        Signals::listen()?
    };
    if !config.silent {
        banner::print_validator(&config, &validator);
    }
    runtime.block_on(signals.wait());
    validator.shutdown();
    Ok(())
}

/// Runs a devnet with `config` (all in one, or a coordinator) until Ctrl-C or SIGTERM.
fn run_with(args: &cli::NodeArgs, config: manaflow::Config) -> anyhow::Result<()> {
    let silent = config.silent;
    if !config.server.host.is_loopback() {
        // Said even when silent: this is about safety, not chatter.
        eprintln!(
            "warning: listening on {} exposes this devnet to the network: anyone who can reach the \
             port can send txs signed with the dev accounts' keys (eth_sendTransaction) and use every \
             cheat (anvil_*, evm_*, hardhat_*). Use --host 127.0.0.1 unless that is what you want.",
            config.server.host
        );
    }
    let banner_config = config.clone();
    let devnet = manaflow::spawn(config)?;
    if let Some(path) = args.state_to_load() {
        state::load(&devnet, path)?;
    }
    // Listening for signals before the banner says the node is up: a SIGTERM sent as soon as
    // "Listening on" is read still stops it cleanly.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let signals = {
        let _context = runtime.enter();
        Signals::listen()?
    };
    if !silent {
        banner::print(&banner_config, &devnet);
    }
    let dumper = match (args.state_to_dump(), args.state_interval) {
        (Some(path), Some(seconds)) => Some(state::Periodic::start(&devnet, path, seconds)?),
        _ => None,
    };
    runtime.block_on(signals.wait());
    if !silent {
        // A harness may have stopped reading our stdout: a closed pipe is no reason to fail.
        use std::io::Write;
        let _ = writeln!(std::io::stdout(), "\nShutting down…");
    }
    drop(dumper);
    if let Some(path) = args.state_to_dump() {
        state::dump(&devnet, path)?;
    }
    devnet.shutdown();
    Ok(())
}

/// Ctrl-C (SIGINT) and SIGTERM, listened for from the moment they are made.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Starts listening (inside a tokio runtime).
    fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for either.
    async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: warnings).
fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

/// Makes glibc's malloc serve every allocation of 256 KiB or more from its own mapping, returned
/// to the system when freed. By default the threshold rises with each large block freed, after
/// which multi-megabyte buffers (a validator decodes a batch of several per request) come from
/// the heap and leave its resident memory growing, block after block (`bench roles`: 49 → 84
/// MiB over 100,000 transfers; with the threshold fixed, 25 → 33 MiB).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn fixed_mmap_threshold() {
    // SAFETY: mallopt only sets an allocator parameter; it is called before any thread of ours
    // allocates concurrently (the validator has not started).
    let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024) };
    if set != 1 {
        tracing::warn!("could not fix malloc's mmap threshold; resident memory may grow with batch sizes");
    }
}

/// Elsewhere the allocator's defaults stand.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fixed_mmap_threshold() {}
