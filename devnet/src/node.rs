//! The node's core, without transport: the validating ledger, the chain's clock and base fee,
//! tx admission (decode and recover once), block building against the latest state, and the
//! past-block state the RPC reads.
//!
//! Every block, whether built from txs or from a cheat, goes through [`Ledger::apply`] — the
//! validator — before it counts.

use std::path::PathBuf;
use std::sync::Arc;

use alloy_eips::eip1559::BaseFeeParams;
use alloy_primitives::{Address, B256, Bytes, U256};
use manaflow_evm::{
    EnvelopeError, EvmRuntime, EvmVerifier, Hardfork, KnownSenders, decode_signed, native_call, outcome_of,
};
use manaflow_ledger::{Applied, Durability, Ledger, LedgerConfig, LedgerError};
use manaflow_types::{
    Block, Call, EthereumTx, ExecError, Execution, FLAG_DEV_MODE, Header, Mask, Move, NATIVE_TX_TYPE, NativeTx,
    Outcome, Output, Runtime, StateKey, StateView, SystemTx, Tx, TxId, sort_canonical,
};
use thiserror::Error;

use crate::genesis::{DEFAULT_MNEMONIC, DevAccount, dev_accounts, genesis_tx};
use crate::history::{HistoricView, StateHistory};

/// How a node is set up (the flags Anvil users know).
#[derive(Clone, Debug)]
pub struct Config {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Number of dev accounts.
    pub accounts: usize,
    /// Wei each dev account starts with.
    pub balance: U256,
    /// The mnemonic the dev accounts derive from.
    pub mnemonic: String,
    /// Block gas limit.
    pub gas_limit: u64,
    /// Base fee per gas of the genesis block, in wei; later blocks follow EIP-1559 from it, as
    /// Anvil's do (0 stays 0).
    pub base_fee: u64,
    /// Genesis timestamp (default: now).
    pub timestamp: Option<u64>,
    /// The EVM hardfork.
    pub hardfork: Hardfork,
    /// Where the chain lives; `None` for a temp dir removed on exit.
    pub data_dir: Option<PathBuf>,
    /// Predeploy the deterministic CREATE2 deployer.
    pub create2_deployer: bool,
    /// Interface the RPC listens on.
    pub host: std::net::IpAddr,
    /// Port the RPC listens on (0: any free port).
    pub port: u16,
    /// Mine a block every this many seconds instead of a block per tx (automine).
    pub block_time: Option<std::time::Duration>,
    /// Print nothing (no banner).
    pub silent: bool,
    /// Most txs the mempool holds.
    pub mempool_size: usize,
    /// Largest request body the RPC accepts, in bytes.
    pub max_body_bytes: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            chain_id: 31337,
            accounts: 10,
            balance: U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18)),
            mnemonic: DEFAULT_MNEMONIC.into(),
            gas_limit: 30_000_000,
            base_fee: 1_000_000_000,
            timestamp: None,
            hardfork: Hardfork::Prague,
            data_dir: None,
            create2_deployer: true,
            host: std::net::Ipv4Addr::LOCALHOST.into(),
            port: 8545,
            block_time: None,
            silent: false,
            mempool_size: 100_000,
            max_body_bytes: 2 * 1024 * 1024,
        }
    }
}

impl Config {
    /// For integration tests: any free port, a temp dir, nothing printed.
    pub fn test() -> Self {
        Self { port: 0, silent: true, ..Self::default() }
    }
}

/// Why a tx or a request was not accepted. Nothing changed.
#[derive(Debug, Error)]
pub enum NodeError {
    /// The bytes are not an acceptable signed tx.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The tx cannot execute (nonce, funds, gas…).
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// The block was refused or storage failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The tx asks for more gas than a block holds.
    #[error("exceeds block gas limit: tx gas limit {tx}, block gas limit {block}")]
    GasLimit {
        /// The tx's gas limit.
        tx: u64,
        /// The block's.
        block: u64,
    },
    /// The bytes are a native tx (type `0x4d`) that cannot be accepted.
    #[error("invalid native tx: {0}")]
    Native(String),
    /// The node could not start.
    #[error("{0}")]
    Setup(String),
}

/// A tx whose signature checked out, ready to be pooled and executed.
#[derive(Clone, Debug)]
pub struct Admitted {
    /// Its id (hash).
    pub hash: TxId,
    /// Its bytes.
    pub raw: Bytes,
    /// What it calls, its sender recovered.
    pub call: Call,
}

/// A block built from pooled txs, not yet validated.
#[derive(Debug)]
pub struct Built {
    /// The sealed block.
    pub block: Block,
    /// Each included tx with its execution, in block order.
    pub included: Vec<(Admitted, Execution)>,
    /// Txs refused at execution (dropped), with why.
    pub refused: Vec<(Admitted, ExecError)>,
    /// Txs that did not fit in the block's gas (they wait for the next block).
    pub deferred: Vec<Admitted>,
}

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

/// A tx accepted and mined.
#[derive(Clone, Debug)]
pub struct Mined {
    /// The tx id (hash).
    pub hash: TxId,
    /// The block that includes it.
    pub block: u64,
    /// What execution did.
    pub execution: Execution,
}

/// A running chain.
pub struct Node {
    ledger: Ledger,
    runtime: EvmRuntime,
    config: Config,
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

/// Decodes signed tx bytes for a chain with `chain_id` and blocks of `gas_limit` gas, and
/// recovers the sender (the only recovery the tx gets: the validator takes the sender from
/// here). Needs no state, so callers run it without holding the node.
pub fn admit(raw: &[u8], chain_id: u64, gas_limit: u64) -> Result<Admitted, NodeError> {
    if raw.first() == Some(&NATIVE_TX_TYPE) {
        return admit_native(raw, chain_id, gas_limit);
    }
    let signed = decode_signed(raw, chain_id)?;
    let call = signed.call();
    if call.gas_limit > gas_limit {
        return Err(NodeError::GasLimit { tx: call.gas_limit, block: gas_limit });
    }
    Ok(Admitted { hash: signed.hash, raw: Bytes::copy_from_slice(raw), call })
}

/// [`admit`] for a native tx: decoded, its shape and chain id checked, its sender recovered over
/// the masked payload. Its id is known at signing time; masked fields are filled at sequencing.
fn admit_native(raw: &[u8], chain_id: u64, gas_limit: u64) -> Result<Admitted, NodeError> {
    let tx = NativeTx::decode_2718(raw).map_err(|e| NodeError::Native(format!("cannot decode it: {e}")))?;
    if tx.call.chain_id != chain_id {
        return Err(NodeError::Native(format!(
            "invalid chain id for signer: signed for chain {}, this chain is {chain_id}",
            tx.call.chain_id
        )));
    }
    if tx.moves.windows(2).any(|w| w[0].key() >= w[1].key()) {
        return Err(NodeError::Native("its moves must be in canonical order, one per key".into()));
    }
    if let Some(m) = tx.moves.iter().find(|m| m.mask.0 & !Mask::DEFINED != 0 || (!m.mask.present() && m.mask.0 != 0)) {
        return Err(NodeError::Native(format!("move on {} has an invalid mask {:#04x}", m.key(), m.mask.0)));
    }
    if !tx.call.open && tx.moves.iter().any(|m| !m.mask.present()) {
        return Err(NodeError::Native("it carries unlisted moves (presence bit 0) but is not open".into()));
    }
    let sender = tx.recover_sender().map_err(|e| NodeError::Native(format!("invalid signature: {e}")))?;
    manaflow_types::check::signed_nonce(&tx.moves, sender, tx.call.nonce).map_err(NodeError::Native)?;
    let call = native_call(&tx, sender);
    if call.gas_limit > gas_limit {
        return Err(NodeError::GasLimit { tx: call.gas_limit, block: gas_limit });
    }
    Ok(Admitted { hash: tx.id(), raw: Bytes::copy_from_slice(raw), call })
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
    pub fn open(config: Config) -> Result<Self, NodeError> {
        let (dir, temp, durability) = match &config.data_dir {
            Some(dir) => (dir.clone(), None, Durability::Durable),
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("manaflow-")
                    .tempdir()
                    .map_err(|e| NodeError::Setup(format!("cannot create a temp dir: {e}")))?;
                (temp.path().to_path_buf(), Some(temp), Durability::Ephemeral)
            }
        };
        let senders = Arc::new(KnownSenders::new());
        let verifier = Arc::new(EvmVerifier::with_known_senders(chain_runtime(config.hardfork), Arc::clone(&senders)));
        let ledger = Ledger::open(&dir, LedgerConfig { durability, ..LedgerConfig::default() }, verifier)?;
        let accounts = dev_accounts(&config.mnemonic, config.accounts).map_err(NodeError::Setup)?;
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

    /// The ledger (read access).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Every written key's live output, in canonical order (the whole UTXO set: for
    /// inspection, not for hot paths).
    pub fn outputs(&mut self) -> Result<Vec<(StateKey, Output)>, NodeError> {
        Ok(self.ledger.outputs()?)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
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
            return Err(NodeError::Setup(format!(
                "timestamp {timestamp} is before the latest block's timestamp {tip}; pick one at or after it"
            )));
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

    /// Decodes signed tx bytes and recovers the sender (the only recovery the tx gets: the
    /// validator takes the sender from here).
    pub fn admit(&self, raw: &[u8]) -> Result<Admitted, NodeError> {
        admit(raw, self.config.chain_id, self.config.gas_limit)
    }

    /// Executes `txs` in order against the latest state into a block with `header`: a tx the
    /// runtime refuses is dropped, a tx that does not fit the remaining gas is deferred.
    pub fn build(&self, header: &Header, txs: Vec<Admitted>) -> Built {
        let mut view = manaflow_types::OverlayView::new(&self.ledger);
        let (mut included, mut refused, mut deferred) = (Vec::new(), Vec::new(), Vec::new());
        let mut block_txs = Vec::new();
        let mut gas_left = header.gas_limit;
        for tx in txs {
            if tx.call.gas_limit > gas_left {
                deferred.push(tx);
                continue;
            }
            let sequenced = if tx.raw.first() == Some(&NATIVE_TX_TYPE) {
                self.sequence_native(&tx, header, &view)
            } else {
                self.runtime.execute(&tx.call, header, &self.ledger, &view).map(|execution| {
                    let moves = execution.moves.clone();
                    (Tx::Ethereum(EthereumTx { raw: tx.raw.clone(), moves }), execution)
                })
            };
            match sequenced {
                Ok((block_tx, execution)) => {
                    gas_left -= execution.gas_used;
                    view.apply(tx.hash, &execution.moves, &execution.codes);
                    block_txs.push(block_tx);
                    included.push((tx, execution));
                }
                Err(e) => refused.push((tx, e)),
            }
        }
        let outcomes = included.iter().map(|(_, exec)| outcome_of(exec)).collect();
        let block = self.ledger.seal(header, block_txs, outcomes);
        Built { block, included, refused, deferred }
    }

    /// Executes `call` in the next block's context after `pending` (txs not mined yet, in
    /// order; any that no longer fit are skipped), as a wallet chaining txs before inclusion
    /// needs. Nothing is written.
    pub fn simulate_pending(&self, pending: &[Admitted], call: &Call) -> Result<Execution, ExecError> {
        let header = self.next_header();
        let mut view = manaflow_types::OverlayView::new(&self.ledger);
        for tx in pending {
            let sequenced = if tx.raw.first() == Some(&NATIVE_TX_TYPE) {
                self.sequence_native(tx, &header, &view).map(|(_, execution)| execution)
            } else {
                self.runtime.execute(&tx.call, &header, &self.ledger, &view)
            };
            if let Ok(execution) = sequenced {
                view.apply(tx.hash, &execution.moves, &execution.codes);
            }
        }
        self.runtime.execute(call, &header, &self.ledger, &view)
    }

    /// Sequences a native tx against `view` (see [`crate::native`]): a fully signed one is
    /// checked live and re-executed statelessly, as the validator will; one with masks is
    /// executed and filled. A stale signed field refuses it.
    fn sequence_native(
        &self,
        tx: &Admitted,
        header: &Header,
        view: &dyn StateView,
    ) -> Result<(Tx, Execution), ExecError> {
        let refuse = |why: String| ExecError::Rejected(manaflow_types::Rejection::Other(why));
        let native = NativeTx::decode_2718(&tx.raw).map_err(|e| refuse(format!("invalid native tx: {e}")))?;
        if crate::native::is_fully_signed(&native) {
            crate::native::check_live(&native, view).map_err(|e| refuse(e.to_string()))?;
            let codes = |hash: &B256| self.ledger.code(hash);
            let declared = manaflow_types::DeclaredView::new(&native.moves, &codes);
            let execution = match self.runtime.execute(&tx.call, header, &self.ledger, &declared) {
                Err(ExecError::Missing(missing)) => {
                    return Err(refuse(format!(
                        "execution needs {missing}: a fully signed tx must list every key it touches"
                    )));
                }
                other => other?,
            };
            crate::native::fill(&native, &execution.moves).map_err(|e| refuse(e.to_string()))?;
            return Ok((Tx::Native(native), execution));
        }
        let execution = self.runtime.execute(&tx.call, header, &self.ledger, view)?;
        let moves = crate::native::fill(&native, &execution.moves).map_err(|e| refuse(e.to_string()))?;
        Ok((Tx::Native(NativeTx { moves, ..native }), execution))
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

    /// Mines `raw` in a block of its own (the core of automine, without a pool).
    pub fn submit_raw(&mut self, raw: &[u8]) -> Result<Mined, NodeError> {
        let tx = self.admit(raw)?;
        let header = self.next_header();
        let mut built = self.build(&header, vec![tx]);
        if let Some((_, e)) = built.refused.pop() {
            return Err(e.into());
        }
        if let Some(tx) = built.deferred.pop() {
            return Err(NodeError::GasLimit { tx: tx.call.gas_limit, block: header.gas_limit });
        }
        let (tx, execution) = built.included.pop().expect("one tx, neither refused nor deferred");
        self.commit(&built.block, &[(tx.hash, tx.call.caller)])?;
        Ok(Mined { hash: tx.hash, block: header.number, execution })
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
        self.ledger
            .code(&hash)
            .ok_or_else(|| NodeError::Ledger(LedgerError::NotFound(format!("code with hash {hash}"))))
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
