//! How a devnet is set up, in three parts that change for different reasons: the chain
//! ([`ChainConfig`]: genesis, rules, storage), block production ([`MiningConfig`]) and the
//! JSON-RPC transport ([`ServerConfig`]); printing is the binary's (`silent`).
//!
//! ```
//! use manaflow::Config;
//! let config = Config::test().with_accounts(3).with_chain_id(1337);
//! assert_eq!(config.chain.accounts, 3);
//! assert_eq!(config.server.port, 0); // any free port
//! ```

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use alloy_primitives::U256;
use manaflow_evm::Hardfork;

use crate::genesis::DEFAULT_MNEMONIC;

/// The chain: its genesis, its rules and where it lives (the flags Anvil users know).
#[derive(Clone, Debug)]
pub struct ChainConfig {
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
    /// Most gas an `eth_call`, `eth_estimateGas`, `eth_simulateV1` call or traced call may use
    /// (`--gas-cap`); `None` for the block gas limit. A request asking for more is capped.
    pub gas_cap: Option<u64>,
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
    /// How the node's own validator receives each block the node seals (`--block-wire`).
    pub block_wire: BlockWire,
}

/// The form in which the node's own validator receives each block it seals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlockWire {
    /// The canonical block, as sealed.
    #[default]
    Canonical,
    /// The compact form of DESIGN §10, expanded and validated as a validator receiving it
    /// from the network would: every block round-trips through its compact bytes.
    Compact,
}

/// How blocks are produced.
#[derive(Clone, Debug)]
pub struct MiningConfig {
    /// Mine a block every this long instead of a block per tx (automine).
    pub block_time: Option<Duration>,
    /// Most txs the mempool holds.
    pub mempool_size: usize,
}

/// Where and how the JSON-RPC listens.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Interface the RPC listens on.
    pub host: IpAddr,
    /// Port the RPC listens on (0: any free port).
    pub port: u16,
    /// Largest request body the RPC accepts, in bytes.
    pub max_body_bytes: u64,
    /// Host names requests may name in their `Host` header besides the bound address and
    /// loopback names (`--allow-hosts`; `*` allows any).
    pub allowed_hosts: Vec<String>,
    /// What one log query may ask.
    pub logs: LogLimits,
}

/// Bounds on one log query (`eth_getLogs`, `eth_getFilterLogs`, a filter poll).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogLimits {
    /// Most blocks its range spans.
    pub max_range: u64,
    /// Most logs it answers.
    pub max_results: usize,
}

impl Default for LogLimits {
    fn default() -> Self {
        Self { max_range: 1_000_000, max_results: 10_000 }
    }
}

/// A devnet's whole setup.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The chain.
    pub chain: ChainConfig,
    /// Block production.
    pub mining: MiningConfig,
    /// The JSON-RPC transport.
    pub server: ServerConfig,
    /// The roles run apart (DESIGN §11): a validator's sealing and bounds, a coordinator's
    /// validator.
    pub roles: RolesConfig,
    /// Print nothing (no banner).
    pub silent: bool,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            chain_id: 31337,
            accounts: 10,
            balance: U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18)),
            mnemonic: DEFAULT_MNEMONIC.into(),
            gas_limit: 30_000_000,
            gas_cap: None,
            base_fee: 1_000_000_000,
            timestamp: None,
            hardfork: Hardfork::Prague,
            data_dir: None,
            create2_deployer: true,
            block_wire: BlockWire::Canonical,
        }
    }
}

/// The roles run apart (DESIGN §11): `manaflow validator` and `manaflow coordinator`.
#[derive(Clone, Debug)]
pub struct RolesConfig {
    /// The validator a coordinator follows (`--validator URL`); `None`: every role in one process.
    pub validator: Option<String>,
    /// The name a coordinator gives its batches (the validator bounds batches in flight by it).
    pub name: String,
    /// A validator seals once this many txs are pending (and, with a block time, at the latest
    /// when it passes); `None` with no block time: as soon as no batch is being checked.
    pub block_txs: Option<usize>,
    /// The most batches one origin may have in flight at a validator.
    pub batches_in_flight: usize,
    /// How many times a coordinator re-fills and resends a tx the validator dropped as stale or
    /// contended before it tells the sender why.
    pub max_refills: u32,
}

impl Default for RolesConfig {
    fn default() -> Self {
        Self { validator: None, name: "coordinator".into(), block_txs: None, batches_in_flight: 4, max_refills: 3 }
    }
}

impl Default for MiningConfig {
    fn default() -> Self {
        Self { block_time: None, mempool_size: 100_000 }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            host: Ipv4Addr::LOCALHOST.into(),
            port: 8545,
            max_body_bytes: 2 * 1024 * 1024,
            allowed_hosts: Vec::new(),
            logs: LogLimits::default(),
        }
    }
}

impl Config {
    /// For integration tests: any free port, a temp dir, nothing printed (Anvil's
    /// `NodeConfig::test()`).
    pub fn test() -> Self {
        let mut config = Self { silent: true, ..Self::default() };
        config.server.port = 0;
        config
    }

    /// With `count` dev accounts.
    pub fn with_accounts(mut self, count: usize) -> Self {
        self.chain.accounts = count;
        self
    }

    /// With chain id `chain_id`.
    pub fn with_chain_id(mut self, chain_id: u64) -> Self {
        self.chain.chain_id = chain_id;
        self
    }

    /// Keeping the chain in `dir` (resumed when it exists).
    pub fn with_data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.chain.data_dir = Some(dir.into());
        self
    }

    /// Mining a block every `interval` instead of automine.
    pub fn with_block_time(mut self, interval: Duration) -> Self {
        self.mining.block_time = Some(interval);
        self
    }

    /// Listening on `port` (0: any free one).
    pub fn with_port(mut self, port: u16) -> Self {
        self.server.port = port;
        self
    }
}
