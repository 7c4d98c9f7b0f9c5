//! A REPL session: the chain (through its [`Backend`]), the names it knows, and the txs it sent.
//! The devnet's backend reaches the same node its RPC serves, so txs sent from ethers or cast show
//! up here and txs sent here show up there.

use alloy_primitives::{Address, B256, Bytes, U256};
use anyhow::{Context, bail};
use manaflow_types::{Block, Execution, Status, Tx};

use crate::abi;
use crate::backend::{Backend, Envelope, SendRequest, Sent};
use crate::names::Names;

/// A tx the session found on chain.
pub struct Located {
    /// The tx's hash.
    pub hash: B256,
    /// The block holding it.
    pub block: Block,
    /// Its index in the block.
    pub index: usize,
}

impl Located {
    /// The tx.
    pub fn tx(&self) -> &Tx {
        &self.block.txs[self.index]
    }
}

/// The session.
pub struct Session {
    /// The chain.
    pub backend: Box<dyn Backend>,
    /// Names of accounts, contracts and aliases.
    pub names: Names,
    /// The txs sent or shown here, newest last (for `last` and completion).
    pub recent: Vec<B256>,
    /// Txs sent here and pooled, not mined yet (mining is not automatic).
    pub pending: Vec<B256>,
    /// Where relative paths and bare artifact names are resolved (the process's working
    /// directory unless set).
    pub workdir: std::path::PathBuf,
}

impl Session {
    /// A session on `backend`, naming its dev accounts alice, bob, ….
    pub fn new(backend: Box<dyn Backend>) -> Self {
        let names = Names::for_accounts(&backend.accounts());
        Self { names, backend, recent: Vec::new(), pending: Vec::new(), workdir: std::path::PathBuf::new() }
    }

    /// Resolving relative paths and bare artifact names under `dir`.
    pub fn with_workdir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.workdir = dir.into();
        self
    }

    /// Remembers `hash` as the latest tx.
    pub fn remember(&mut self, hash: B256) {
        self.recent.retain(|h| *h != hash);
        self.recent.push(hash);
    }

    /// `word` as a tx hash: `last` (the default), a hash, or a unique hex prefix of a recent one.
    pub fn tx_hash(&self, word: Option<&str>) -> anyhow::Result<B256> {
        match word {
            None | Some("last") => self.recent.last().copied().context("no tx yet: send one, or give a tx hash"),
            Some(text) => {
                if let Ok(hash) = text.parse::<B256>() {
                    return Ok(hash);
                }
                let prefix = text.to_ascii_lowercase();
                let matches: Vec<&B256> =
                    self.recent.iter().filter(|h| format!("{h:#x}").starts_with(&prefix)).collect();
                match matches.as_slice() {
                    [one] => Ok(**one),
                    [] => bail!("{text:?} is not a tx hash (0x and 64 hex digits) nor the start of a recent one"),
                    _ => bail!("{text:?} starts {} recent txs; give more digits", matches.len()),
                }
            }
        }
    }

    /// Finds tx `hash` on chain.
    pub fn locate(&self, hash: B256) -> anyhow::Result<Located> {
        let loc = self.backend.locate(&hash).with_context(|| format!("tx {hash} is not on chain"))?;
        let block = self.backend.block(loc.block)?;
        Ok(Located { hash, block, index: loc.index as usize })
    }

    /// `word` as a block number: a number, `latest` (the default) or `genesis`.
    pub fn block_number(&self, word: Option<&str>) -> anyhow::Result<u64> {
        let height = self.backend.height();
        let number = match word {
            None | Some("latest") => height,
            Some("genesis") => 0,
            Some(text) => text.parse::<u64>().with_context(|| format!("{text:?} is not a block number"))?,
        };
        if number > height {
            bail!("block {number} does not exist yet: the chain is at {height}");
        }
        Ok(number)
    }

    /// Runs a call on the latest state without sending it.
    pub fn simulate(&self, from: Address, to: Option<Address>, input: Bytes, value: U256) -> anyhow::Result<Execution> {
        self.backend.simulate(from, to, input, value)
    }

    /// Signs a tx from dev account `from` in `envelope` and sends it, as
    /// `eth_sendRawTransaction` does. A tx that would revert is refused unless `force`.
    pub fn send(
        &mut self,
        from: Address,
        to: Option<Address>,
        input: Bytes,
        value: U256,
        force: bool,
        envelope: &Envelope,
    ) -> anyhow::Result<Sent> {
        if self.names.account_index(&from).is_none() {
            bail!("{} is not a dev account: the REPL signs only for those (see `accounts`)", self.names.show(&from));
        }
        let simulated = self.simulate(from, to, input.clone(), value)?;
        let failure = match &simulated.status {
            Status::Success => None,
            Status::Revert => Some(abi::show_revert(&simulated.output, &self.names)),
            Status::Halt(reason) => Some(format!("halted: {reason}")),
        };
        if let Some(why) = failure.filter(|_| !force) {
            bail!("the tx would fail ({why}); add --force to send it anyway");
        }
        let request = SendRequest { from, to, input, value, gas_used: simulated.gas_used, envelope: envelope.clone() };
        let sent = Sent { console: simulated.console, ..self.backend.send(request)? };
        self.remember(sent.hash);
        if sent.block.is_none() {
            self.pending.push(sent.hash);
        }
        Ok(sent)
    }
}
