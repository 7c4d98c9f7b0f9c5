//! The node's core, without transport: a ledger that validates every block, and automine —
//! each accepted tx is executed into its moves and sealed into a block of its own.

use std::path::PathBuf;
use std::sync::Arc;

use alloy_primitives::{Address, B256, Bytes, U256};
use manaflow_evm::{EnvelopeError, EvmRuntime, EvmVerifier, Hardfork, decode_signed, outcome_of};
use manaflow_ledger::{Durability, Ledger, LedgerConfig, LedgerError};
use manaflow_types::{EthereumTx, ExecError, Execution, FLAG_DEV_MODE, Header, Runtime, Tx, TxId};
use thiserror::Error;

use crate::genesis::{DEFAULT_MNEMONIC, DevAccount, dev_accounts, genesis_tx};

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
    /// Base fee per gas, in wei.
    pub base_fee: u64,
    /// Genesis timestamp (default: now).
    pub timestamp: Option<u64>,
    /// The EVM hardfork.
    pub hardfork: Hardfork,
    /// Where the chain lives; `None` for a temp dir removed on exit.
    pub data_dir: Option<PathBuf>,
    /// Predeploy the deterministic CREATE2 deployer.
    pub create2_deployer: bool,
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
        }
    }
}

/// Why a tx was not accepted. Nothing changed.
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
    /// The node could not start.
    #[error("{0}")]
    Setup(String),
}

/// A running chain.
pub struct Node {
    ledger: Ledger,
    runtime: EvmRuntime,
    config: Config,
    accounts: Vec<DevAccount>,
    _temp: Option<tempfile::TempDir>,
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

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

impl Node {
    /// Opens the chain in `config.data_dir` (resuming it) or in a new temp dir, with a genesis
    /// block if the chain is new.
    pub fn open(config: Config) -> Result<Self, NodeError> {
        let (dir, temp, durability) = match &config.data_dir {
            Some(dir) => (dir.clone(), None, Durability::Durable),
            None => {
                let temp =
                    tempfile::tempdir().map_err(|e| NodeError::Setup(format!("cannot create a temp dir: {e}")))?;
                (temp.path().to_path_buf(), Some(temp), Durability::Ephemeral)
            }
        };
        let verifier = Arc::new(EvmVerifier::new(EvmRuntime::new(config.hardfork)));
        let ledger = Ledger::open(&dir, LedgerConfig { durability, ..LedgerConfig::default() }, verifier)?;
        let accounts = dev_accounts(&config.mnemonic, config.accounts).map_err(NodeError::Setup)?;
        let mut node = Self { ledger, runtime: EvmRuntime::new(config.hardfork), config, accounts, _temp: temp };
        if node.ledger.is_empty() {
            let (tx, outcome) = genesis_tx(&node.accounts, node.config.balance, node.config.create2_deployer);
            let template = Header { timestamp: node.config.timestamp.unwrap_or_else(now), ..node.template() };
            let genesis = node.ledger.seal(&template, vec![tx], vec![outcome]);
            node.ledger.apply(&genesis)?;
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

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.config.chain_id
    }

    /// Accepts a signed tx (`eth_sendRawTransaction` bytes) and mines it in a block of its own.
    /// A tx that cannot execute is refused with its rule and changes nothing.
    pub fn submit_raw(&mut self, raw: &[u8]) -> Result<Mined, NodeError> {
        let signed = decode_signed(raw, self.config.chain_id)?;
        let tip = self.ledger.tip().map(|h| h.timestamp).unwrap_or_default();
        let number = self.ledger.len();
        let template = Header { number, timestamp: now().max(tip), ..self.template() };
        let execution = self.runtime.execute(&signed.call(), &template, &self.ledger, &self.ledger)?;
        let tx = Tx::Ethereum(EthereumTx { raw: Bytes::copy_from_slice(raw), moves: execution.moves.clone() });
        let block = self.ledger.seal(&template, vec![tx], vec![outcome_of(&execution)]);
        self.ledger.apply(&block)?;
        Ok(Mined { hash: signed.hash, block: number, execution })
    }

    /// The balance of `address` at the tip.
    pub fn balance(&self, address: Address) -> Result<U256, NodeError> {
        Ok(U256::from_be_bytes(self.ledger.output(&manaflow_types::StateKey::balance(address))?.value.0))
    }

    /// The nonce of `address` at the tip.
    pub fn nonce(&self, address: Address) -> Result<u64, NodeError> {
        let word: B256 = self.ledger.output(&manaflow_types::StateKey::nonce(address))?.value;
        Ok(U256::from_be_bytes(word.0).saturating_to())
    }
}
