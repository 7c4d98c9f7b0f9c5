//! The node's core, without transport: the validating ledger, the chain's clock and base fee,
//! commits (every block validated first), rollback and the past-block state the RPC reads.
//! Admission is in [`crate::admission`], block building in [`crate::sequencing`].
//!
//! Every block, whether built from txs or from a cheat, goes through [`Ledger::apply`] — the
//! validator — before it counts.

use std::sync::Arc;

use alloy_primitives::{Address, B256, Bytes, U256};
use manaflow_evm::{EvmRuntime, EvmVerifier, Hardfork, KnownSenders};
use manaflow_ledger::{Applied, BlockReader, Ledger, LedgerConfig, LedgerError};
use manaflow_types::{
    Block, Call, ExecError, Execution, Header, Outcome, Output, OverlayView, Runtime, StateKey, StateView, SystemTx,
    Tx, TxId,
};

use crate::chain_rules::{ChainDir, chain_dir, genesis_block, header_template, next_base_fee as base_fee_after};
use crate::chain_settings::ChainSettings;
use crate::config::{BlockWire, ChainConfig};
use crate::error::{IndexError, NodeError, SetupError};
use crate::genesis::{DevAccount, dev_accounts};
use crate::history::HistoricView;
use crate::index::ChainIndex;
use crate::pending::PendingSystem;
use crate::tx_index::TxIndex;

#[path = "node_index.rs"]
mod node_index;
use node_index::open_index;

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
    /// The secondary index on disk: past-block state, tx and log searches, numbers by hash.
    index: Arc<ChainIndex>,
    /// Gas used by the tip's txs (the next base fee depends on it).
    tip_gas_used: u64,
    /// Seconds added to the wall clock (`evm_increaseTime`).
    time_offset: i64,
    /// The cheats since the last block, waiting at the head of the next one (DESIGN §8).
    pending: PendingSystem,
    /// What the next blocks name as their coinbase (`anvil_setCoinbase`).
    coinbase: Address,
    /// The next block's base fee, once (`anvil_setNextBlockBaseFeePerGas`).
    next_base_fee: Option<u64>,
    /// The next block's prevrandao, once (`hardhat_setPrevRandao`).
    next_prevrandao: Option<B256>,
    /// The next block's timestamp, once (`evm_setNextBlockTimestamp`).
    next_timestamp: Option<u64>,
    _temp: Option<tempfile::TempDir>,
}

/// The runtime every part of the node executes with: revm for `hardfork`, hosting WASM contracts.
pub fn chain_runtime(hardfork: Hardfork) -> EvmRuntime {
    EvmRuntime::new(hardfork).with_guest(manaflow_wasm::WasmVm::shared())
}

pub use crate::chain_rules::now;

/// Code by hash as re-execution reads it: the chain's code table, or code a pending cheat
/// deploys.
impl manaflow_types::CodeSource for Node {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        Node::code(self, hash)
    }
}

impl Node {
    /// Opens the chain in `config.data_dir` (resuming it) or in a new temp dir, with a genesis
    /// block if the chain is new.
    pub fn open(config: ChainConfig) -> Result<Self, NodeError> {
        Self::open_with_genesis(config, None)
    }

    /// [`Node::open`], starting a new chain from `genesis` when one is given (a coordinator
    /// following a validator takes the validator's genesis block) rather than making one.
    pub fn open_with_genesis(config: ChainConfig, genesis: Option<Block>) -> Result<Self, NodeError> {
        let ChainDir { path: dir, temp, durability } = chain_dir(&config)?;
        let senders = Arc::new(KnownSenders::new());
        let verifier = Arc::new(EvmVerifier::with_known_senders(chain_runtime(config.hardfork), Arc::clone(&senders)));
        let ledger = Ledger::open(&dir, LedgerConfig { durability, ..LedgerConfig::default() }, verifier)?;
        let index = Arc::new(open_index(&dir.join("index"), durability)?);
        let accounts = dev_accounts(&config.mnemonic, config.accounts)?;
        let mut node = Self {
            ledger,
            runtime: chain_runtime(config.hardfork),
            config,
            accounts,
            senders,
            index,
            tip_gas_used: 0,
            time_offset: 0,
            pending: PendingSystem::default(),
            coinbase: Address::ZERO,
            next_base_fee: None,
            next_prevrandao: None,
            next_timestamp: None,
            _temp: temp,
        };
        if node.ledger.is_empty() {
            let genesis = match genesis {
                Some(genesis) => genesis,
                None => genesis_block(&node.ledger, &node.config, &node.accounts),
            };
            let applied = node.ledger.apply(&genesis)?;
            node.index.clear()?;
            node.index_block(&genesis, applied.hash, &[])?;
            if node.config.data_dir.is_some() {
                ChainSettings::of(&node.config).write(&dir)?;
            }
        } else {
            // A chain made before settings were remembered: its genesis still names its chain id.
            let stored = node.ledger.genesis().map_or(node.config.chain_id, |genesis| genesis.chain_id);
            if stored != node.config.chain_id {
                return Err(SetupError::SettingMismatch {
                    dir: dir.clone(),
                    flag: "--chain-id",
                    stored: stored.to_string(),
                    asked: node.config.chain_id.to_string(),
                }
                .into());
            }
            node.sync_index()?;
            node.tip_gas_used = node.gas_used(node.height())?;
        }
        Ok(node)
    }

    fn template(&self) -> Header {
        header_template(&self.config, self.coinbase)
    }

    /// The dev accounts.
    pub fn accounts(&self) -> &[DevAccount] {
        &self.accounts
    }

    /// The runtime txs execute in.
    pub(crate) fn runtime(&self) -> &EvmRuntime {
        &self.runtime
    }

    /// The secondary index itself, shared: a long read takes it and lets the node go (LMDB
    /// reads are snapshots).
    pub fn index(&self) -> Arc<ChainIndex> {
        Arc::clone(&self.index)
    }

    /// A reader of the blocks committed so far that holds no lock: long reads take it and let
    /// the node go (see [`manaflow_ledger::BlockReader`]).
    pub fn block_reader(&self) -> BlockReader {
        self.ledger.reader()
    }

    /// The secondary index of txs by address, sender and nonce, and contract creation.
    pub fn tx_index(&self) -> TxIndex<'_> {
        TxIndex(&self.index)
    }

    /// The ledger (read access).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The fraud proof of `block`, which must fail validation on the tip (DESIGN §9); nothing
    /// changes.
    pub fn fraud_proof(&mut self, block: &Block) -> Result<manaflow_types::FraudProof, NodeError> {
        Ok(self.ledger.fraud_proof(block)?)
    }

    /// Validates `block` against the tip without committing it.
    pub fn check_block(&mut self, block: &Block) -> Result<(), NodeError> {
        Ok(self.ledger.check(block, &mut ())?)
    }

    /// Expands a compact block (DESIGN §10) against the tip and validates what it expands to,
    /// without committing it; returns the expanded block.
    pub fn check_compact(&mut self, compact: &manaflow_types::CompactBlock) -> Result<Block, NodeError> {
        Ok(self.ledger.check_compact(compact)?)
    }

    /// Every written key's live output, in canonical order (the whole UTXO set: for
    /// inspection, not for hot paths).
    pub fn outputs(&mut self) -> Result<Vec<(StateKey, Output)>, NodeError> {
        Ok(self.ledger.outputs()?)
    }

    /// Every written key's value at the tip, the pending cheats applied, in key order (what a
    /// state dump lists).
    pub fn tip_values(&mut self) -> Result<Vec<(StateKey, B256)>, NodeError> {
        let mut values: std::collections::BTreeMap<StateKey, B256> =
            self.ledger.outputs()?.into_iter().map(|(key, out)| (key, out.value)).collect();
        values.extend(self.pending.writes());
        Ok(values.into_iter().collect())
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

    /// The number of the block with hash `hash` (`None` when unknown; a failing index is
    /// logged and answers `None`).
    pub fn number_of(&self, hash: &B256) -> Option<u64> {
        self.index.number_of(hash).unwrap_or_else(|e| {
            tracing::error!("looking up block {hash}: {e}");
            None
        })
    }

    /// Gas used by the txs of block `number`.
    pub fn gas_used(&self, number: u64) -> Result<u64, NodeError> {
        Ok(self.ledger.block(number)?.outcomes.iter().map(|o| o.gas_used).sum())
    }

    /// The base fee of the next block: EIP-1559 from the tip (a chain started at 0 stays at 0).
    pub fn next_base_fee(&self) -> u64 {
        if let Some(fee) = self.next_base_fee {
            return fee;
        }
        base_fee_after(&self.config, self.tip(), self.tip_gas_used)
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

    /// Sets the gas limit of the next blocks (`evm_setBlockGasLimit`); a tx may not ask for more.
    pub fn set_gas_limit(&mut self, gas_limit: u64) {
        self.config.gas_limit = gas_limit;
    }

    /// Sets the coinbase the next blocks name (`anvil_setCoinbase`); fees are burned all the same
    /// (DESIGN §3), so it changes what `COINBASE` reads, not balances.
    pub fn set_coinbase(&mut self, coinbase: Address) {
        self.coinbase = coinbase;
    }

    /// Sets the next block's base fee (`anvil_setNextBlockBaseFeePerGas`); later ones follow
    /// EIP-1559 from it.
    pub fn set_next_base_fee(&mut self, base_fee: u64) {
        self.next_base_fee = Some(base_fee);
    }

    /// Sets the next block's prevrandao (`hardhat_setPrevRandao`).
    pub fn set_next_prevrandao(&mut self, prevrandao: B256) {
        self.next_prevrandao = Some(prevrandao);
    }

    /// The header template of the next block.
    pub fn next_header(&self) -> Header {
        Header {
            number: self.ledger.len(),
            timestamp: self.next_timestamp(),
            base_fee: self.next_base_fee(),
            prevrandao: self.next_prevrandao.unwrap_or_default(),
            ..self.template()
        }
    }

    /// Validates `block` and commits it (all or nothing); `senders` are the senders the
    /// coordinator recovered for its Ethereum txs.
    pub fn commit(&mut self, block: &Block, senders: &[(TxId, Address)]) -> Result<Committed, NodeError> {
        for (id, sender) in senders {
            self.senders.insert(*id, *sender);
        }
        let applied: Result<Applied, LedgerError> = match self.config.block_wire {
            BlockWire::Canonical => self.ledger.apply(block),
            BlockWire::Compact => self.apply_through_compact(block),
        };
        for (id, _) in senders {
            self.senders.remove(id);
        }
        let applied = applied?;
        if !self.pending.is_empty() && block.txs.first().map(Tx::id) == Some(self.pending.id(block.header.number)) {
            self.pending = PendingSystem::default();
        }
        // An index left behind by an earlier failure refuses the block as out of order and
        // catches up from the block store instead.
        let indexed = match self.index_block(block, applied.hash, senders) {
            Err(IndexError::OutOfOrder { .. }) => self.sync_index(),
            other => other.map_err(NodeError::from),
        };
        if let Err(e) = indexed {
            // The block is committed; the index is derived and catches up at the next block.
            tracing::error!("the secondary index did not record block {}: {e}", block.header.number);
        }
        self.tip_gas_used = block.outcomes.iter().map(|o| o.gas_used).sum();
        self.next_timestamp = None;
        self.next_base_fee = None;
        self.next_prevrandao = None;
        Ok(Committed { header: block.header.clone(), hash: applied.hash, ids: applied.ids })
    }

    /// Commits `block` as a validator receiving it compact would: to its compact bytes, back,
    /// expanded against the tip and validated.
    fn apply_through_compact(&mut self, block: &Block) -> Result<Applied, LedgerError> {
        let bytes = self.ledger.compact_of(block)?.encode();
        let compact = manaflow_types::CompactBlock::decode(&bytes)?;
        // Validation checked that the expanded block has the sealed header's roots: it is the
        // sealed block.
        let (_, applied) = self.ledger.apply_compact(&compact)?;
        tracing::debug!(number = block.header.number, compact = bytes.len(), "block received compact");
        Ok(applied)
    }

    /// Sets each key to its value and keeps `codes` for the `c` keys that name them: a cheat.
    /// Nothing is mined: the writes merge into the pending system tx (DESIGN §8), which reads at
    /// the tip see applied and the next block carries as its tx 0. Returns that tx's id.
    pub fn cheat(&mut self, writes: Vec<(StateKey, B256)>, codes: Vec<Bytes>) -> Result<TxId, NodeError> {
        let mut pending = self.pending.clone();
        for (key, value) in writes {
            pending.set(key, value, self.ledger.output(&key)?);
        }
        for code in codes {
            pending.add_code(code);
        }
        self.pending = pending;
        Ok(self.pending.id(self.ledger.len()))
    }

    /// The pending system tx and its outcome, as block `number` would carry them (`None`: no
    /// cheat is pending).
    pub fn pending_system(&self, number: u64) -> Option<(SystemTx, Outcome)> {
        (!self.pending.is_empty()).then(|| (self.pending.tx(number), self.pending.outcome()))
    }

    /// What a snapshot keeps of the node besides its height: the pending cheats and the clock.
    pub fn snapshot(&self) -> NodeSnapshot {
        NodeSnapshot {
            height: self.height(),
            pending: self.pending.clone(),
            time_offset: self.time_offset,
            next_timestamp: self.next_timestamp,
        }
    }

    /// Returns to `snapshot`: the blocks above its height undone, its pending cheats and clock
    /// restored.
    pub fn restore(&mut self, snapshot: &NodeSnapshot) -> Result<(), NodeError> {
        self.rollback_to(snapshot.height)?;
        self.pending = snapshot.pending.clone();
        self.time_offset = snapshot.time_offset;
        self.next_timestamp = snapshot.next_timestamp;
        Ok(())
    }

    /// Undoes the blocks above `height`.
    pub fn rollback_to(&mut self, height: u64) -> Result<(), NodeError> {
        // The index first: if the ledger's rollback then fails, the index is behind the ledger
        // and catches up, never ahead of it.
        self.index.rollback_to(height)?;
        if let Err(e) = self.ledger.rollback_to(height) {
            if let Err(again) = self.sync_index() {
                tracing::error!("the secondary index could not catch up after a failed rollback: {again}");
            }
            return Err(e.into());
        }
        self.tip_gas_used = self.gas_used(self.height())?;
        self.next_timestamp = None;
        self.pending = PendingSystem::default();
        Ok(())
    }

    /// The output of `key` after block `height` (the tip's when `height` is at or above it).
    pub fn output_at(&self, key: &StateKey, height: u64) -> Result<Output, NodeError> {
        if height >= self.height() {
            if let Some(output) = self.pending.output(key, self.pending.id(self.ledger.len())) {
                return Ok(output);
            }
            return Ok(self.ledger.output(key)?);
        }
        crate::history::output_at(&self.index, &self.ledger, key, height)
    }

    /// The latest state with the pending cheats applied: what the next block's txs run on.
    pub fn tip_view(&self) -> OverlayView<'_> {
        let mut view = OverlayView::new(&self.ledger);
        if let Some((tx, outcome)) = self.pending_system(self.ledger.len()) {
            view.apply(Tx::System(tx.clone()).id(), &tx.moves, &outcome.codes);
        }
        view
    }

    /// Code by hash: the chain's code table, or code a pending cheat deploys.
    pub fn code(&self, hash: &B256) -> Option<Bytes> {
        self.ledger.code(hash).or_else(|| self.pending.code(hash))
    }

    /// The state after block `height`, as a runtime reads it (at the tip, with the pending cheats
    /// applied).
    pub fn view_at(&self, height: u64) -> StateAt<'_> {
        if height >= self.height() {
            StateAt::Tip(self.tip_view())
        } else {
            StateAt::Past(HistoricView { ledger: &self.ledger, index: &self.index, height })
        }
    }

    /// Executes `call` on the state after block `height`, in the context of the next block
    /// (for the tip, as Anvil does) or of block `height` itself (for a past block). Nothing is
    /// written.
    pub fn simulate(&self, call: &Call, height: u64) -> Result<Execution, ExecError> {
        let header = self.call_header(call, height);
        let view = self.view_at(height);
        self.runtime.execute(call, &header, &self.ledger, &view)
    }

    /// The header `call` runs in on the state after block `height` (see [`Node::simulate`]).
    pub fn call_header(&self, call: &Call, height: u64) -> Header {
        let mut header = if height >= self.height() {
            self.next_header()
        } else {
            self.ledger.header(height).ok().flatten().unwrap_or_else(|| self.next_header())
        };
        if call.max_fee_per_gas == 0 {
            // A call without a price runs without a base fee, as geth's eth_call does.
            header.base_fee = 0;
        }
        // A call may use up to the gas cap, which may pass the block gas limit (as geth's).
        header.gas_limit = header.gas_limit.max(call.gas_limit);
        header
    }

    /// The most gas a call (`eth_call`, `eth_estimateGas`, …) may use: `--gas-cap`, or the
    /// block gas limit.
    pub fn gas_cap(&self) -> u64 {
        self.config.gas_cap.unwrap_or(self.config.gas_limit)
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
        self.code(&hash).ok_or(NodeError::Ledger(LedgerError::CodeNotFound(hash)))
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

/// What a snapshot (`evm_snapshot`) keeps: the height, the pending cheats and the clock.
#[derive(Clone, Debug)]
pub struct NodeSnapshot {
    /// The tip's height.
    pub height: u64,
    /// The cheats not yet mined.
    pub pending: PendingSystem,
    /// Seconds added to the wall clock.
    pub time_offset: i64,
    /// The next block's timestamp, if one was set.
    pub next_timestamp: Option<u64>,
}

/// The state after some block: the tip's (the UTXO set with the pending cheats) or a past one's
/// (through the history).
pub enum StateAt<'a> {
    /// The latest state.
    Tip(OverlayView<'a>),
    /// The state after a past block.
    Past(HistoricView<'a>),
}

impl StateView for StateAt<'_> {
    fn output(&self, key: &StateKey) -> Result<Output, manaflow_types::MissingState> {
        match self {
            StateAt::Tip(view) => view.output(key),
            StateAt::Past(view) => view.output(key),
        }
    }
    fn code(&self, hash: &B256) -> Result<Bytes, manaflow_types::MissingState> {
        match self {
            StateAt::Tip(view) => view.code(hash),
            StateAt::Past(view) => view.code(hash),
        }
    }
}
