//! # manaflow-repl: a prompt on a Manaflow chain
//!
//! The REPL shows the model at work: each tx's moves, the UTXO set, a tx re-executed access by
//! access as the validator does, block validation forwards and in reverse, and tampered copies of
//! the chain with the rule that catches each change.
//!
//! It drives a chain through [`Backend`], a small trait it owns; the devnet implements it over its
//! node, so the REPL knows nothing of the node's locks, its transport or its storage. Start with
//! [`run`] (the prompt, or a script) or [`Session`] with [`execute`] (one command, into any
//! [`Console`]).
//!
//! Interactive on a terminal (rustyline: history file, tab completion, colour); with a script each
//! command is echoed with its output, and the first failing command ends the run with a non-zero
//! status.

mod abi;
pub mod backend;
mod cmd;
mod complete;
pub mod console;
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

pub use backend::{Backend, Envelope, MinedBlock, Mining, SendRequest, Sent, SetSummary, TxPosition};
pub use cmd::{Flow, execute};
use complete::{Candidates, ReplHelper};
pub use console::{Console, Pace, Stdout, Transcript};
use render::{BAD, HEADING, paint};
pub use session::Session;

/// How the REPL runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Run the commands in this file (`-`: standard input) instead of prompting.
    pub script: Option<PathBuf>,
    /// History file of the interactive prompt.
    pub history: PathBuf,
    /// The line shown first (on stderr for a script, so stdout is only the transcript).
    pub intro: String,
}

/// `~/.manaflow_history` (or `.manaflow_history` without a home).
pub fn default_history() -> PathBuf {
    std::env::var_os("HOME")
        .map_or_else(|| PathBuf::from(".manaflow_history"), |home| PathBuf::from(home).join(".manaflow_history"))
}

/// Runs the REPL on `backend`: the prompt, or the script of `options`; `Ok(false)` when a script
/// command failed.
pub fn run(backend: Box<dyn Backend>, options: &Options) -> anyhow::Result<bool> {
    let mut session = Session::new(backend);
    match &options.script {
        Some(path) => {
            eprintln!("{}", options.intro);
            let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
                Box::new(std::io::stdin().lock())
            } else {
                let file =
                    std::fs::File::open(path).with_context(|| format!("cannot open the script {}", path.display()))?;
                Box::new(std::io::BufReader::new(file))
            };
            run_script(&mut session, reader, &mut Stdout::new(false), &mut std::io::stderr())
        }
        None => {
            anstream::println!("{}", paint(HEADING, &options.intro));
            interactive(&mut session, &options.history)?;
            Ok(true)
        }
    }
}

/// Runs the commands read from `reader`, echoing each (`» command`) with its output into
/// `console`; stops at the first failure, printing `error: …` there and which line failed into
/// `errors` (the binary's stderr). `Ok(false)` when a command failed.
pub fn run_script(
    session: &mut Session,
    reader: impl BufRead,
    console: &mut dyn Console,
    errors: &mut dyn std::io::Write,
) -> anyhow::Result<bool> {
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
        match execute(session, trimmed, console) {
            Ok(Flow::Continue) => {}
            Ok(Flow::Exit) => break,
            Err(e) => {
                writeln!(console.out(), "{} {e:#}", paint(BAD, "error:"))?;
                writeln!(errors, "line {}: `{trimmed}` failed: {e:#}", number + 1)?;
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
