//! Command-line arguments.

use clap::{Args, Parser, Subcommand};

/// The Manaflow devnet: a local chain where every transaction declares the before and after
/// values of the state it touches. With no subcommand, runs the node (as `manaflow node`).
#[derive(Debug, Parser)]
#[command(name = "manaflow", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to run (default: the node).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The node's flags, when no subcommand is given.
    #[command(flatten)]
    pub node: NodeArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the devnet: validator, coordinator and web3 JSON-RPC on 127.0.0.1:8545 (the default).
    Node(NodeArgs),
    /// Run the devnet with a prompt on it: send txs, read their moves, step through execution
    /// and through block validation forwards and in reverse, tamper with copies.
    Repl(crate::repl::ReplArgs),
    /// Run a benchmark (build with --release for meaningful figures).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Follow a node as a light client: check its headers, and the inclusion, output and fraud
    /// proofs asked for, holding nothing but headers.
    Light(crate::light::LightArgs),
    /// Run the validator alone (DESIGN §11): the UTXO set, the code table and the blocks, no
    /// secondary index and no web3 execution. It takes batches of complete txs from any number
    /// of coordinators (manaflow_submitBatch), seals blocks and serves them, their headers,
    /// compact forms and proofs, and the template of the next block.
    Validator(ValidatorArgs),
    /// Run a coordinator that follows a validator (DESIGN §11): the web3 JSON-RPC, mempool,
    /// execution and secondary index for its users, sending their txs to the validator in
    /// batches. Dev methods that change the chain are refused: it belongs to the validator.
    Coordinator(CoordinatorArgs),
}

/// Arguments of `manaflow validator`: the chain's flags as `manaflow node` takes them, and how
/// it seals.
#[derive(Debug, Args)]
pub struct ValidatorArgs {
    /// The chain's flags.
    #[command(flatten)]
    pub node: NodeArgs,
    /// Seal once this many txs are accepted (with --block-time, at the latest when it passes).
    /// Without either, a block is sealed as soon as no batch is being checked.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub block_txs: Option<u64>,
    /// Most batches one origin (a coordinator's name) may have in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=1_024))]
    pub batches_in_flight: u64,
}

impl ValidatorArgs {
    /// The validator's configuration; the node flags a validator has no use for are refused.
    pub fn config(&self) -> anyhow::Result<manaflow::Config> {
        let node = &self.node;
        let unused = [
            ("--dump-state", node.dump_state.is_some()),
            ("--load-state", node.load_state.is_some()),
            ("--state", node.state.is_some()),
            ("--gas-cap", node.gas_cap.is_some()),
            ("--block-wire compact", node.block_wire == BlockWireArg::Compact),
        ];
        if let Some((flag, _)) = unused.iter().find(|(_, given)| *given) {
            anyhow::bail!(
                "{flag} is not a validator's: a validator keeps no state dumps and runs no calls \
                 (give it to `manaflow coordinator` or `manaflow node`)"
            );
        }
        let mut config = node.config()?;
        config.roles.block_txs = self.block_txs.map(|n| n as usize);
        config.roles.batches_in_flight = self.batches_in_flight as usize;
        Ok(config)
    }
}

/// Arguments of `manaflow coordinator`.
#[derive(Debug, Args)]
pub struct CoordinatorArgs {
    /// The validator's JSON-RPC URL (`manaflow validator` prints it).
    #[arg(long, value_name = "URL")]
    pub validator: String,
    /// The name this coordinator's batches carry (default: coordinator-<port>).
    #[arg(long)]
    pub name: Option<String>,
    /// Times a tx the validator dropped as stale or contended is re-filled and resent before its
    /// sender hears why.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub max_refills: u32,
    /// The node's flags (the chain's must match the validator's; the genesis is the validator's).
    #[command(flatten)]
    pub node: NodeArgs,
}

impl CoordinatorArgs {
    /// The coordinator's configuration.
    pub fn config(&self) -> anyhow::Result<manaflow::Config> {
        if self.node.block_time.is_some() {
            anyhow::bail!("--block-time is the validator's: a coordinator sends batches as txs come");
        }
        if !(self.validator.starts_with("http://") || self.validator.starts_with("https://")) {
            anyhow::bail!("--validator {:?} is not an http(s) URL (try http://127.0.0.1:8545)", self.validator);
        }
        let mut config = self.node.config()?;
        config.roles.validator = Some(self.validator.clone());
        config.roles.name = self.name.clone().unwrap_or_else(|| format!("coordinator-{}", self.node.port));
        if config.roles.name.len() > manaflow_types::batch::MAX_ORIGIN_BYTES {
            anyhow::bail!("--name is at most {} bytes", manaflow_types::batch::MAX_ORIGIN_BYTES);
        }
        config.roles.max_refills = self.max_refills;
        Ok(config)
    }
}

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Apply one large block of state changes onto a large UTXO set: the critical path
    /// (live and double-use checks applied to the set), the end-to-end rate (with the
    /// commitment and a durable block commit) and the seed's naive loop as the baseline.
    Apply(ApplyArgs),
    /// Validate a block of signed ERC20 transfers from many senders: execution into moves, then
    /// full validation (signatures, stateless re-execution, UTXO step) with one and with all
    /// threads; baselines: revm alone on a CacheDB, and signature recovery alone.
    Validate(ValidateArgs),
    /// Fraud-proof sizes on a block of ERC20 transfers (a per-tx proof, a double use, a wrong
    /// commitment) beside the block's size, and checking a per-tx proof with headers alone
    /// against the validator's full check of that tx.
    Proofs(ProofsArgs),
    /// The bandwidth question (DESIGN §10): bytes per tx of Ethereum's signed tx, that plus its
    /// EIP-7928 access-list entries, manaflow's canonical block and its compact form, for ETH
    /// and ERC20 transfers, masked native swaps, WASM ERC20 transfers, deployments and a mix;
    /// each block snappy-compressed; and decoding plus validating a compact block against
    /// validating the canonical one.
    Wire(WireArgs),
    /// Load a devnet over HTTP with pre-signed ERC20 transfers from many senders: mined tx/s,
    /// p50/p99 latency (send → mined), the rate of the last 10% against the first 10%, time to
    /// ready and memory; every tx verified afterwards.
    Rpc(RpcArgs),
    /// Execute the same ERC20 transfer in WASM (the SDK's ERC20) and in the EVM (OpenZeppelin's
    /// ERC20), executions per second each, side by side; both produce the same moves.
    Wasm(WasmArgs),
    /// Time geth's tracers over HTTP: `debug_traceTransaction` of an ERC20 transfer with the
    /// struct logger and with `callTracer`, and `debug_traceBlockByNumber` (`callTracer`) of a
    /// block of transfers while another client polls `eth_blockNumber`; with `--anvil PATH`, the
    /// same against Anvil in the same run.
    Trace(TraceArgs),
    /// Everything at once for minutes: senders, WebSocket subscribers (half never reading), an
    /// eth_call and eth_getLogs hammer; mined tx/s with and without a whole-chain eth_getLogs
    /// loop, requests answered and failed, and anonymous memory (RssAnon) over the run.
    Soak(SoakArgs),
    /// The roles apart (DESIGN §11): a validator process fed pre-signed, pre-filled ERC20
    /// transfers in batches by 1, 2 and 4 coordinators at once, tx/s each beside `bench
    /// validate`'s rate in the same run, and the validator's memory as its chain grows.
    Roles(RolesArgs),
}

/// Arguments of `bench roles`.
#[derive(Debug, Args)]
pub struct RolesArgs {
    /// Accounts (each sends one transfer per block, so a block holds this many).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(8..=10_000))]
    pub accounts: u64,
    /// Timed blocks per run.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub blocks: u64,
    /// Runs per number of coordinators (and of `bench validate`); medians are reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub runs: u64,
    /// Transfers in `bench validate`'s block, the baseline measured in the same run.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub validate_txs: u64,
}

/// Arguments of `bench soak`.
#[derive(Debug, Args)]
pub struct SoakArgs {
    /// Minutes of the soak phase.
    #[arg(long, default_value_t = 10.0, value_parser = parse_minutes)]
    pub minutes: f64,
    /// Seconds of each of the two comparison phases before it (without, then with the
    /// eth_getLogs loop).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub compare_seconds: u64,
    /// Senders (dev accounts), each sending as fast as its txs are mined.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    pub senders: u64,
    /// WebSocket subscribers; every other one never reads.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(0..=1_000))]
    pub subscribers: u64,
    /// Distinct recipients, reused in turn (so the state stops growing; enough of them that a
    /// whole-chain eth_getLogs of one's transfers stays within the 10,000-log bound).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub recipients: u64,
}

fn parse_minutes(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(minutes) if minutes > 0.0 && minutes <= 1_440.0 => Ok(minutes),
        _ => Err(format!("{text:?} is not a number of minutes from 0 to 1440 (a day)")),
    }
}

/// Arguments of `bench trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// Transfers in the traced block.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub block_txs: u64,
    /// Runs of each single-tx trace (the block is traced a quarter as often, at least 3 times).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    pub runs: u64,
    /// An Anvil binary to run the same requests against (npm's `@foundry-rs/anvil`).
    #[arg(long)]
    pub anvil: Option<std::path::PathBuf>,
}

/// Arguments of `bench wasm`.
#[derive(Debug, Args)]
pub struct WasmArgs {
    /// Transfers executed per runtime in each run (each from its own sender).
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub txs: u64,
    /// Measured runs; medians are reported.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: u64,
}

/// Arguments of `bench rpc`.
#[derive(Debug, Args)]
pub struct RpcArgs {
    /// ERC20 transfers to send.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(10..))]
    pub txs: u64,
    /// Distinct senders (dev accounts).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub senders: u64,
    /// Requests in flight at once (each worker sends its senders' txs in nonce order).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub concurrency: u64,
    /// Distinct recipients, reused in turn (0: a new recipient per transfer, so every transfer
    /// also creates a storage slot and the state grows with the chain).
    #[arg(long, default_value_t = 0)]
    pub recipients: u64,
}

/// The node's flags, named as Anvil names them.
#[derive(Debug, Args, Clone)]
pub struct NodeArgs {
    /// Port to listen on (0: any free port; the banner's last line tells which).
    #[arg(short, long, default_value_t = 8545, env = "MANAFLOW_PORT")]
    pub port: u16,
    /// Interface to listen on.
    #[arg(long, default_value = "127.0.0.1", env = "MANAFLOW_HOST")]
    pub host: std::net::IpAddr,
    /// Number of dev accounts [default: 10].
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pub accounts: Option<u64>,
    /// Balance of each dev account, in ether [default: 10000].
    #[arg(long)]
    pub balance: Option<u64>,
    /// Mnemonic the dev accounts derive from (m/44'/60'/0'/0/i) [default: "test test … junk"].
    #[arg(short, long)]
    pub mnemonic: Option<String>,
    /// Chain id [default: 31337].
    #[arg(long)]
    pub chain_id: Option<u64>,
    /// Mine a block every this many seconds (default: automine, a block as soon as txs arrive).
    #[arg(short, long, value_parser = parse_seconds)]
    pub block_time: Option<std::time::Duration>,
    /// Block gas limit [default: 30000000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(21_000..))]
    pub gas_limit: Option<u64>,
    /// Most gas an eth_call, eth_estimateGas, eth_simulateV1 or traced call may use; a request
    /// asking for more is capped [default: the block gas limit].
    #[arg(long, value_parser = clap::value_parser!(u64).range(21_000..=1_000_000_000))]
    pub gas_cap: Option<u64>,
    /// Base fee of the genesis block, in wei; later blocks follow EIP-1559 (0 allowed: free txs)
    /// [default: 1000000000].
    #[arg(long)]
    pub base_fee: Option<u64>,
    /// Genesis timestamp, in Unix seconds (default: now).
    #[arg(long)]
    pub timestamp: Option<u64>,
    /// EVM hardfork: prague or cancun [default: prague].
    #[arg(long)]
    pub hardfork: Option<manaflow_evm::Hardfork>,
    /// Keep the chain in this directory and resume it on restart (default: a temp dir removed on
    /// exit). The directory remembers the chain's settings (chain id, hardfork, gas limit, base
    /// fee, accounts, balance, mnemonic): flags left out take them, and a flag that contradicts
    /// one is refused.
    #[arg(long)]
    pub data_dir: Option<std::path::PathBuf>,
    /// Do not predeploy the deterministic CREATE2 deployer.
    #[arg(long)]
    pub disable_default_create2_deployer: bool,
    /// How the node's own validator receives each block it seals: `canonical`, or `compact`
    /// (DESIGN §10: every block goes to its compact bytes and is expanded and validated from
    /// them, as a validator receiving it from the network would).
    #[arg(long, value_enum, default_value = "canonical")]
    pub block_wire: BlockWireArg,
    /// Host names the JSON-RPC answers besides the bound address, `localhost`, `127.0.0.1` and
    /// `[::1]` (comma-separated; `*` for any), as geth's `--http.vhosts`: a request whose `Host`
    /// header names another is refused (a web page cannot reach the devnet through DNS
    /// rebinding). CORS stays open to every origin.
    #[arg(long, value_delimiter = ',', value_name = "HOSTS")]
    pub allow_hosts: Vec<String>,
    /// Print nothing but errors.
    #[arg(long)]
    pub silent: bool,
    /// Write the latest state to FILE (Anvil's JSON format) when the node stops.
    #[arg(long, value_name = "FILE")]
    pub dump_state: Option<std::path::PathBuf>,
    /// Load the state in FILE (Anvil's JSON format, plain or gzipped) at start, as the cheats the
    /// first block carries.
    #[arg(long, value_name = "FILE")]
    pub load_state: Option<std::path::PathBuf>,
    /// Both: load FILE at start if it exists, and write it when the node stops.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["dump_state", "load_state"])]
    pub state: Option<std::path::PathBuf>,
    /// Also write the dump file every this many seconds (with --dump-state or --state).
    #[arg(short = 's', long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub state_interval: Option<u64>,
}

impl NodeArgs {
    /// The file to load the state from at start, if any (`--state` only when it exists).
    pub fn state_to_load(&self) -> Option<&std::path::Path> {
        match (&self.load_state, &self.state) {
            (Some(path), _) => Some(path),
            (None, Some(path)) if path.exists() => Some(path),
            _ => None,
        }
    }

    /// The file to dump the state to, if any.
    pub fn state_to_dump(&self) -> Option<&std::path::Path> {
        self.dump_state.as_deref().or(self.state.as_deref())
    }
}

fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    let seconds: f64 = text.parse().map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !(seconds > 0.0 && seconds.is_finite()) {
        return Err("the block time must be a positive number of seconds".into());
    }
    let longest = manaflow::coordinator::MAX_BLOCK_INTERVAL;
    match std::time::Duration::try_from_secs_f64(seconds) {
        Ok(every) if every <= longest => Ok(every),
        _ => Err(format!("the block time must be at most {} s (a year)", longest.as_secs())),
    }
}

impl NodeArgs {
    /// The node configuration these flags describe: with `--data-dir`, the settings its chain
    /// remembers stand for the flags not given.
    pub fn config(&self) -> Result<manaflow::Config, manaflow::SetupError> {
        let defaults = manaflow::Config::default();
        let mut chain = manaflow::ChainConfig { data_dir: self.data_dir.clone(), ..defaults.chain };
        if let Some(dir) = &self.data_dir
            && let Some(stored) = manaflow::ChainSettings::read(dir)?
        {
            stored.apply_to(&mut chain);
        }
        let ether = alloy_primitives::U256::from(10u64).pow(alloy_primitives::U256::from(18));
        chain.chain_id = self.chain_id.unwrap_or(chain.chain_id);
        chain.accounts = self.accounts.map_or(chain.accounts, |n| n as usize);
        chain.balance = self.balance.map_or(chain.balance, |b| alloy_primitives::U256::from(b) * ether);
        chain.mnemonic = self.mnemonic.clone().unwrap_or(chain.mnemonic);
        chain.gas_limit = self.gas_limit.unwrap_or(chain.gas_limit);
        chain.gas_cap = self.gas_cap;
        chain.base_fee = self.base_fee.unwrap_or(chain.base_fee);
        chain.timestamp = self.timestamp;
        chain.hardfork = self.hardfork.unwrap_or(chain.hardfork);
        if self.disable_default_create2_deployer {
            chain.create2_deployer = false;
        }
        chain.block_wire = match self.block_wire {
            BlockWireArg::Canonical => manaflow::BlockWire::Canonical,
            BlockWireArg::Compact => manaflow::BlockWire::Compact,
        };
        Ok(manaflow::Config {
            chain,
            mining: manaflow::MiningConfig { block_time: self.block_time, ..defaults.mining },
            server: manaflow::ServerConfig {
                host: self.host,
                port: self.port,
                allowed_hosts: self.allow_hosts.clone(),
                ..defaults.server
            },
            roles: manaflow::RolesConfig::default(),
            silent: self.silent,
        })
    }
}

/// Arguments of `bench validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// ERC20 transfers in the block.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub txs: u64,
    /// Distinct senders (each sends txs/senders transfers, in nonce order).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub senders: u64,
    /// Measured runs; medians are reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: u64,
}

/// Arguments of `bench proofs`.
#[derive(Debug, Args)]
pub struct ProofsArgs {
    /// ERC20 transfers per block (each from its own sender).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(2..=100_000))]
    pub txs: u64,
    /// Timed runs of the verifier and of the validator's check; medians are reported.
    #[arg(long, default_value_t = 201, value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: u64,
}

/// Arguments of `bench wire`.
#[derive(Debug, Args)]
pub struct WireArgs {
    /// Txs per block (each from its own dev account).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(5..=20_000))]
    pub txs: u64,
    /// Interleaved timed runs of validation and of decoding plus validation; medians reported.
    #[arg(long, default_value_t = 31, value_parser = clap::value_parser!(u64).range(1..=1_000))]
    pub runs: u64,
}

/// Arguments of `bench apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Outputs in the UTXO set before the measured block (each written key is one output plus
    /// its first-use marker).
    #[arg(long, default_value_t = 10_000_000)]
    pub outputs: u64,
    /// Moves (state changes) in the measured block; the seed's block had 640,000.
    #[arg(long, default_value_t = 640_000)]
    pub moves: u64,
    /// Measured runs (a fresh block each); the median is reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: u64,
    /// Moves per tx in the measured block.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub moves_per_tx: u64,
    /// Moves of the naive baseline (a prefix of the block: one durable write per move is slow).
    #[arg(long, default_value_t = 2_000)]
    pub baseline_moves: u64,
    /// Directory for the benchmark's stores (default: a temp dir, removed afterwards).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// Seed of the random keys.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `--block-wire`: the form in which the node's own validator receives each block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BlockWireArg {
    /// The canonical block.
    Canonical,
    /// The compact form (DESIGN §10).
    Compact,
}
