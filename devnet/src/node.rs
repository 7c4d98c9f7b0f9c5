//! The node's core, without transport: the validating ledger, the chain's clock and base fee,
//! commits (every block validated first), rollback and the past-block state the RPC reads.
//! Admission is in [`crate::admission`], block building in [`crate::sequencing`].
//!
//! Every block, whether built from txs or from a cheat, goes through [`Ledger::apply`] — the
//! validator — before it counts.

use std::sync::Arc;

use alloy_eips::eip1559::BaseFeeParams;
use alloy_primitives::{Address, B256, Bytes, U256};
use manaflow_evm::{EvmRuntime, EvmVerifier, Hardfork, KnownSenders};
use manaflow_ledger::{Applied, Durability, Ledger, LedgerConfig, LedgerError};
use manaflow_types::{
    Block, Call, ExecError, Execution, FLAG_DEV_MODE, Header, Move, Outcome, Output, Runtime, StateKey, StateView,
    SystemTx, Tx, TxId, sort_canonical,
};

use crate::config::ChainConfig;
use crate::error::{NodeError, SetupError};
use crate::genesis::{DevAccount, dev_accounts, genesis_tx};
use crate::history::{HistoricView, StateHistory};

/// A block committed to the chain.
#[derive(Clone, Debug)]
pub struct Committed {
    /// Its header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
    /// Its tx ids.
    pub ids: Vec<TxId>,
}

/// A running chain.
pub struct Node {
    ledger: Ledger,
    runtime: EvmRuntime,
    config: ChainConfig,
    accounts: Vec<DevAccount>,
    senders: Arc<KnownSenders>,
    history: StateHistory,
    /// Gas used by the tip's txs (the next base fee depends on it).
    tip_gas_used: u64,
    /// Block numbers by hash.
    numbers: std::collections::HashMap<B256, u64>,
    /// Seconds added to the wall clock (`evm_increaseTime`).
    time_offset: i64,
    /// The next block's timestamp, once (`evm_setNextBlockTimestamp`).
    next_timestamp: Option<u64>,
    _temp: Option<tempfile::TempDir>,
}

/// The runtime every part of the node executes with: revm for `hardfork`, hosting WASM contracts.
pub fn chain_runtime(hardfork: Hardfork) -> EvmRuntime {
    EvmRuntime::new(hardfork).with_guest(manaflow_wasm::WasmVm::shared())
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

impl Node {
    /// Opens the chain in `config.data_dir` (resuming it) or in a new temp dir, with a genesis
    /// block if the chain is new.
    pub fn open(config: ChainConfig) -> Result<Self, NodeError> {
        let (dir, temp, durability) = match &config.data_dir {
            Some(dir) => (dir.clone(), None, Durability::Durable),
            None => {
                let temp = tempfile::Builder::new().prefix("manaflow-").tempdir().map_err(SetupError::TempDir)?;
                (temp.path().to_path_buf(), Some(temp), Durability::Ephemeral)
            }
        };
        let senders = Arc::new(KnownSenders::new());
        let verifier = Arc::new(EvmVerifier::with_known_senders(chain_runtime(config.hardfork), Arc::clone(&senders)));
        let ledger = Ledger::open(&dir, LedgerConfig { durability, ..LedgerConfig::default() }, verifier)?;
        let accounts = dev_accounts(&config.mnemonic, config.accounts)?;
        let mut node = Self {
            ledger,
            runtime: chain_runtime(config.hardfork),
            config,
            accounts,
            senders,
            history: StateHistory::default(),
            tip_gas_used: 0,
            numbers: std::collections::HashMap::new(),
            time_offset: 0,
            next_timestamp: None,
            _temp: temp,
        };
        if node.ledger.is_empty() {
            let (tx, outcome) = genesis_tx(&node.accounts, node.config.balance, node.config.create2_deployer);
            let template = Header {
                timestamp: node.config.timestamp.unwrap_or_else(now),
                base_fee: node.config.base_fee,
                ..node.template()
            };
            let genesis = node.ledger.seal(&template, vec![tx], vec![outcome]);
            let applied = node.ledger.apply(&genesis)?;
            node.history.record(&genesis);
            node.numbers.insert(applied.hash, 0);
        } else {
            for n in 0..node.ledger.len() {
                let block = node.ledger.block(n)?;
                node.history.record(&block);
                node.numbers.insert(block.header.hash(), n);
                node.tip_gas_used = block.outcomes.iter().map(|o| o.gas_used).sum();
            }
        }
        Ok(node)
    }

    fn template(&self) -> Header {
        Header {
            chain_id: self.config.chain_id,
            flags: FLAG_DEV_MODE,
            gas_limit: self.config.gas_limit,
            base_fee: self.config.base_fee,
            blob_base_fee: 1,
            ..Header::default()
        }
    }

    /// The dev accounts.
    pub fn accounts(&self) -> &[DevAccount] {
        &self.accounts
    }

    /// The runtime txs execute in.
    pub(crate) fn runtime(&self) -> &EvmRuntime {
        &self.runtime
    }

    /// The ledger (read access).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Every written key's live output, in canonical order (the whole UTXO set: for
    /// inspection, not for hot paths).
    pub fn outputs(&mut self) -> Result<Vec<(StateKey, Output)>, NodeError> {
        Ok(self.ledger.outputs()?)
    }

    /// The chain's configuration.
    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.config.chain_id
    }

    /// The tip's header.
    pub fn tip(&self) -> &Header {
        self.ledger.tip().expect("a node always has its genesis block")
    }

    /// The tip's height.
    pub fn height(&self) -> u64 {
        self.tip().number
    }

    /// The number of the block with hash `hash`.
    pub fn number_of(&self, hash: &B256) -> Option<u64> {
        self.numbers.get(hash).copied()
    }

    /// Gas used by the txs of block `number`.
    pub fn gas_used(&self, number: u64) -> Result<u64, NodeError> {
        Ok(self.ledger.block(number)?.outcomes.iter().map(|o| o.gas_used).sum())
    }

    /// The base fee of the next block: EIP-1559 from the tip (a chain started at 0 stays at 0).
    pub fn next_base_fee(&self) -> u64 {
        let tip = self.tip();
        if self.config.base_fee == 0 {
            return 0;
        }
        BaseFeeParams::ethereum().next_block_base_fee(self.tip_gas_used, tip.gas_limit, tip.base_fee)
    }

    /// The next block's timestamp: the one set with `evm_setNextBlockTimestamp`, else the clock
    /// (with its offset), never before the tip's.
    pub fn next_timestamp(&self) -> u64 {
        let clock = now().saturating_add_signed(self.time_offset);
        self.next_timestamp.unwrap_or(clock).max(self.tip().timestamp)
    }

    /// Moves the clock forward by `seconds` (`evm_increaseTime`); returns the total offset.
    pub fn increase_time(&mut self, seconds: i64) -> i64 {
        self.time_offset = self.time_offset.saturating_add(seconds);
        self.time_offset
    }

    /// Fixes the next block's timestamp (`evm_setNextBlockTimestamp`).
    pub fn set_next_timestamp(&mut self, timestamp: u64) -> Result<(), NodeError> {
        let tip = self.tip().timestamp;
        if timestamp < tip {
            return Err(NodeError::TimestampBeforeTip { requested: timestamp, tip });
        }
        self.next_timestamp = Some(timestamp);
        Ok(())
    }

    /// The header template of the next block.
    pub fn next_header(&self) -> Header {
        Header {
            number: self.ledger.len(),
            timestamp: self.next_timestamp(),
            base_fee: self.next_base_fee(),
            ..self.template()
        }
    }

    /// Validates `block` and commits it (all or nothing); `senders` are the senders the
    /// coordinator recovered for its Ethereum txs.
    pub fn commit(&mut self, block: &Block, senders: &[(TxId, Address)]) -> Result<Committed, NodeError> {
        for (id, sender) in senders {
            self.senders.insert(*id, *sender);
        }
        let applied: Result<Applied, LedgerError> = self.ledger.apply(block);
        for (id, _) in senders {
            self.senders.remove(id);
        }
        let applied = applied?;
        self.history.record(block);
        self.numbers.insert(applied.hash, block.header.number);
        self.tip_gas_used = block.outcomes.iter().map(|o| o.gas_used).sum();
        self.next_timestamp = None;
        Ok(Committed { header: block.header.clone(), hash: applied.hash, ids: applied.ids })
    }

    /// Commits a block holding one system tx with `moves` (a cheat), deploying `codes`.
    pub fn commit_system(&mut self, mut moves: Vec<Move>, codes: Vec<Bytes>) -> Result<Committed, NodeError> {
        sort_canonical(&mut moves);
        let header = self.next_header();
        let tx = Tx::System(SystemTx { block: header.number, index: 0, moves });
        let outcome = Outcome { codes, ..Outcome::system() };
        let block = self.ledger.seal(&header, vec![tx], vec![outcome]);
        self.commit(&block, &[])
    }

    /// Undoes the blocks above `height`.
    pub fn rollback_to(&mut self, height: u64) -> Result<(), NodeError> {
        self.ledger.rollback_to(height)?;
        self.history.truncate(height);
        self.numbers.retain(|_, n| *n <= height);
        self.tip_gas_used = self.gas_used(self.height())?;
        self.next_timestamp = None;
        Ok(())
    }

    /// The output of `key` after block `height` (the tip's when `height` is at or above it).
    pub fn output_at(&self, key: &StateKey, height: u64) -> Result<Output, NodeError> {
        if height >= self.height() {
            return Ok(self.ledger.output(key)?);
        }
        Ok(self.history.output_at(&self.ledger, key, height)?)
    }

    /// The state after block `height`, as a runtime reads it.
    pub fn view_at(&self, height: u64) -> StateAt<'_> {
        if height >= self.height() {
            StateAt::Tip(&self.ledger)
        } else {
            StateAt::Past(HistoricView { ledger: &self.ledger, history: &self.history, height })
        }
    }

    /// Executes `call` on the state after block `height`, in the context of the next block
    /// (for the tip, as Anvil does) or of block `height` itself (for a past block). Nothing is
    /// written.
    pub fn simulate(&self, call: &Call, height: u64) -> Result<Execution, ExecError> {
        let mut header = if height >= self.height() {
            self.next_header()
        } else {
            self.ledger.header(height).cloned().unwrap_or_else(|| self.next_header())
        };
        if call.max_fee_per_gas == 0 {
            // A call without a price runs without a base fee, as geth's eth_call does.
            header.base_fee = 0;
        }
        let view = self.view_at(height);
        self.runtime.execute(call, &header, &self.ledger, &view)
    }

    /// The balance of `address` after block `height`.
    pub fn balance_at(&self, address: Address, height: u64) -> Result<U256, NodeError> {
        Ok(U256::from_be_bytes(self.output_at(&StateKey::balance(address), height)?.value.0))
    }

    /// The nonce of `address` after block `height`.
    pub fn nonce_at(&self, address: Address, height: u64) -> Result<u64, NodeError> {
        Ok(U256::from_be_bytes(self.output_at(&StateKey::nonce(address), height)?.value.0).saturating_to())
    }

    /// The code of `address` after block `height`.
    pub fn code_at(&self, address: Address, height: u64) -> Result<Bytes, NodeError> {
        let hash = self.output_at(&StateKey::code(address), height)?.value;
        if hash.is_zero() || hash == alloy_primitives::KECCAK256_EMPTY {
            return Ok(Bytes::new());
        }
        self.ledger.code(&hash).ok_or(NodeError::Ledger(LedgerError::CodeNotFound(hash)))
    }

    /// Storage `slot` of `address` after block `height`.
    pub fn storage_at(&self, address: Address, slot: B256, height: u64) -> Result<B256, NodeError> {
        Ok(self.output_at(&StateKey::storage(address, slot), height)?.value)
    }

    /// The balance of `address` at the tip.
    pub fn balance(&self, address: Address) -> Result<U256, NodeError> {
        self.balance_at(address, u64::MAX)
    }

    /// The nonce of `address` at the tip.
    pub fn nonce(&self, address: Address) -> Result<u64, NodeError> {
        self.nonce_at(address, u64::MAX)
    }
}

/// The state after some block: the tip's (the UTXO set) or a past one's (through the history).
pub enum StateAt<'a> {
    /// The latest state.
    Tip(&'a Ledger),
    /// The state after a past block.
    Past(HistoricView<'a>),
}

impl StateView for StateAt<'_> {
    fn output(&self, key: &StateKey) -> Result<Output, manaflow_types::MissingState> {
        match self {
            StateAt::Tip(ledger) => StateView::output(*ledger, key),
            StateAt::Past(view) => view.output(key),
        }
    }
    fn code(&self, hash: &B256) -> Result<Bytes, manaflow_types::MissingState> {
        match self {
            StateAt::Tip(ledger) => StateView::code(*ledger, hash),
            StateAt::Past(view) => view.code(hash),
        }
    }
}
