//! `manaflow repl`: the devnet with a prompt on it. The node starts as `manaflow` starts it (same
//! flags, JSON-RPC served, so txs from ethers or cast show up here); the prompt is the
//! `manaflow-repl` crate's, driving the node through [`DevnetBackend`].

use std::path::PathBuf;

use manaflow::repl_backend::DevnetBackend;

use crate::cli::NodeArgs;

/// Arguments of `manaflow repl`.
#[derive(Debug, clap::Args)]
pub struct ReplArgs {
    /// Run the commands in FILE (`-`: standard input) instead of prompting: each is echoed with
    /// its output; the first failing command stops the run with exit status 1.
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
    /// History file of the interactive prompt.
    #[arg(long, value_name = "FILE", default_value_os_t = manaflow_repl::default_history())]
    pub history: PathBuf,
    /// The node's flags, as for `manaflow node`.
    #[command(flatten)]
    pub node: NodeArgs,
}

/// Runs the REPL; `Ok(false)` when a script command failed.
pub fn run(args: &ReplArgs) -> anyhow::Result<bool> {
    let mut config = args.node.config()?;
    config.silent = true;
    let devnet = manaflow::spawn(config)?;
    let intro = format!(
        "manaflow repl · chain {} · JSON-RPC on {} · {} dev accounts (alice, bob, …) · `help` lists the commands",
        devnet.coordinator().node().chain_id(),
        devnet.url(),
        devnet.accounts().len()
    );
    let options = manaflow_repl::Options { script: args.script.clone(), history: args.history.clone(), intro };
    // The backend owns the devnet: dropping the session at the end shuts it down.
    manaflow_repl::run(Box::new(DevnetBackend::new(devnet)?), &options)
}
