//! `manaflow repl`: the devnet with a prompt on it. The node starts as `manaflow` starts it (same
//! flags, JSON-RPC served, so txs from ethers or cast show up here), and the prompt steps through
//! txs and through block validation, forwards and in reverse.
//!
//! Interactive on a terminal (rustyline: history file, tab completion, colour); with
//! `--script FILE` (or `-` for standard input) each command is echoed with its output, and the
//! first failing command ends the run with a non-zero status.

mod abi;
mod cmd;
mod complete;
mod console;
mod describe;
mod names;
mod render;
mod session;
mod words;

use std::cell::RefCell;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::rc::Rc;

use anyhow::Context;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{CompletionType, Config, Editor};

use crate::cli::NodeArgs;
use cmd::{Flow, execute};
use complete::{Candidates, ReplHelper};
use console::{Console, Stdout};
use render::{BAD, HEADING, paint};
use session::Session;

/// Arguments of `manaflow repl`.
#[derive(Debug, clap::Args)]
pub struct ReplArgs {
    /// Run the commands in FILE (`-`: standard input) instead of prompting: each is echoed with
    /// its output; the first failing command stops the run with exit status 1.
    #[arg(long, value_name = "FILE")]
    pub script: Option<PathBuf>,
    /// History file of the interactive prompt.
    #[arg(long, value_name = "FILE", default_value_os_t = default_history())]
    pub history: PathBuf,
    /// The node's flags, as for `manaflow node`.
    #[command(flatten)]
    pub node: NodeArgs,
}

fn default_history() -> PathBuf {
    std::env::var_os("HOME")
        .map_or_else(|| PathBuf::from(".manaflow_history"), |home| PathBuf::from(home).join(".manaflow_history"))
}

/// Runs the REPL; `Ok(false)` when a script command failed.
pub fn run(args: &ReplArgs) -> anyhow::Result<bool> {
    let mut config = args.node.config();
    config.silent = true;
    let devnet = manaflow::spawn(config)?;
    let intro = format!(
        "manaflow repl · chain {} · JSON-RPC on {} · {} dev accounts (alice, bob, …) · `help` lists the commands",
        args.node.chain_id,
        devnet.url(),
        devnet.accounts().len()
    );
    let mut session = Session::new(devnet)?;
    let ok = match &args.script {
        Some(path) => {
            eprintln!("{intro}");
            run_script(&mut session, path)?
        }
        None => {
            anstream::println!("{}", paint(HEADING, &intro));
            interactive(&mut session, &args.history)?;
            true
        }
    };
    session.devnet.shutdown();
    Ok(ok)
}

/// Runs the commands of `path`, echoing each; stops at the first failure.
fn run_script(session: &mut Session, path: &std::path::Path) -> anyhow::Result<bool> {
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path).with_context(|| format!("cannot open the script {}", path.display()))?;
        Box::new(std::io::BufReader::new(file))
    };
    let mut console = Stdout::new(false);
    for (number, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading line {} of the script", number + 1))?;
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('#') {
            writeln!(console.out(), "{}", paint(render::DIM, trimmed))?;
            continue;
        }
        writeln!(console.out(), "{} {trimmed}", paint(HEADING, "»"))?;
        match execute(session, trimmed, &mut console) {
            Ok(Flow::Continue) => {}
            Ok(Flow::Exit) => break,
            Err(e) => {
                writeln!(console.out(), "{} {e:#}", paint(BAD, "error:"))?;
                eprintln!("line {}: `{trimmed}` failed: {e:#}", number + 1);
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// The prompt: reads lines until `exit` or Ctrl-D; errors are printed and the prompt goes on.
fn interactive(session: &mut Session, history: &std::path::Path) -> anyhow::Result<()> {
    let config = Config::builder()
        .auto_add_history(true)
        .history_ignore_dups(true)?
        .completion_type(CompletionType::List)
        .build();
    let mut editor: Editor<ReplHelper, DefaultHistory> = Editor::with_config(config)?;
    let candidates = Rc::new(RefCell::new(Candidates::of(session)));
    editor.set_helper(Some(ReplHelper { candidates: Rc::clone(&candidates) }));
    if history.exists() {
        editor.load_history(history).with_context(|| format!("cannot read the history file {}", history.display()))?;
    }
    let mut console = Stdout::new(std::io::stdin().is_terminal());
    let prompt = "manaflow> ";
    loop {
        match editor.readline(prompt) {
            Ok(line) => match execute(session, &line, &mut console) {
                Ok(Flow::Exit) => break,
                Ok(Flow::Continue) => {}
                Err(e) => writeln!(console.out(), "{} {e:#}", paint(BAD, "error:"))?,
            },
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
        *candidates.borrow_mut() = Candidates::of(session);
        // Saved after every line, so a killed session keeps what was typed.
        if let Err(e) = editor.save_history(history) {
            tracing::warn!("cannot save the history to {}: {e}", history.display());
        }
    }
    Ok(())
}
