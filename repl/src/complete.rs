//! Tab completion: command names first, then names (accounts, contracts, aliases), recent tx
//! hashes, each command's keywords, and a contract's functions after `call`/`send <contract>`.

use std::cell::RefCell;
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::{Context, Helper, Highlighter, Hinter, Validator};

use crate::cmd::COMMANDS;
use crate::session::Session;

/// What completion offers, refreshed from the session after each command.
#[derive(Debug, Default)]
pub struct Candidates {
    names: Vec<String>,
    txs: Vec<String>,
    /// Each contract's name and its function names.
    functions: Vec<(String, Vec<String>)>,
}

impl Candidates {
    /// The session's current names, txs and functions.
    pub fn of(session: &Session) -> Self {
        let names = session.names.all().iter().map(|n| n.name.clone()).collect();
        let txs = session.recent.iter().rev().map(|h| format!("{h:#x}")).collect();
        let functions = session
            .names
            .all()
            .iter()
            .filter_map(|n| {
                let abi = session.names.abi_of(&n.address)?;
                Some((n.name.clone(), abi.functions.keys().cloned().collect()))
            })
            .collect();
        Self { names, txs, functions }
    }
}

/// Keywords a command takes besides names and hashes.
fn keywords(command: &str) -> &'static [&'static str] {
    match command {
        "validate" => &["forward", "reverse", "chain", "latest", "--step"],
        "utxo" => &["balance", "nonce", "code", "storage"],
        "tamper" => &[
            "last",
            "block",
            "move",
            "drop-move",
            "intx",
            "prev",
            "next",
            "drop",
            "swap",
            "replay",
            "commitment",
            "--step",
        ],
        "tx" | "moves" => &["last", "--raw"],
        "step" => &["last", "--step"],
        "block" => &["latest", "genesis"],
        "send" => &["--from", "--value", "--force", "--native", "--masked"],
        "automine" => &["on", "off"],
        "call" => &["--from"],
        "deploy" => &["--from", "--value", "--sig"],
        _ => &[],
    }
}

/// The rustyline helper.
#[derive(Helper, Hinter, Highlighter, Validator)]
pub struct ReplHelper {
    /// The candidates, shared with the loop that refreshes them.
    pub candidates: Rc<RefCell<Candidates>>,
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let partial = &before[start..];
        let words: Vec<&str> = before[..start].split_whitespace().collect();
        let candidates = self.candidates.borrow();
        let mut options: Vec<String> = Vec::new();
        match words.as_slice() {
            [] => options.extend(COMMANDS.iter().map(|c| c.name.to_string())),
            ["help"] => options.extend(COMMANDS.iter().map(|c| c.name.to_string())),
            [command, rest @ ..] => {
                if let (["call" | "send"], [contract]) = (&[*command][..], rest)
                    && let Some((_, functions)) = candidates.functions.iter().find(|(n, _)| n == contract)
                {
                    options.extend(functions.iter().cloned());
                }
                options.extend(keywords(command).iter().map(|k| k.to_string()));
                options.extend(candidates.names.iter().cloned());
                options.extend(candidates.txs.iter().cloned());
            }
        }
        let mut seen = std::collections::HashSet::new();
        let pairs = options
            .into_iter()
            .filter(|o| o.starts_with(partial) && seen.insert(o.clone()))
            .map(|o| Pair { display: o.clone(), replacement: format!("{o} ") })
            .collect();
        Ok((start, pairs))
    }
}
