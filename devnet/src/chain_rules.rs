//! What every block of a devnet chain shares, whichever role builds it: the header fields its
//! configuration fixes, the EIP-1559 base fee after a block, and opening a chain's directory
//! (the data dir it was given, or a new temporary one, with the settings a data dir remembers).

use std::path::PathBuf;

use alloy_eips::eip1559::BaseFeeParams;
use alloy_primitives::Address;
use manaflow_ledger::{Durability, Ledger};
use manaflow_types::{Block, FLAG_DEV_MODE, Header};

use crate::chain_settings::{ChainSettings, Conflict};
use crate::config::ChainConfig;
use crate::error::SetupError;
use crate::genesis::{DevAccount, genesis_tx};

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}

/// The header fields `config` fixes for every block, naming `coinbase`.
pub fn header_template(config: &ChainConfig, coinbase: Address) -> Header {
    Header {
        chain_id: config.chain_id,
        flags: FLAG_DEV_MODE,
        gas_limit: config.gas_limit,
        base_fee: config.base_fee,
        blob_base_fee: 1,
        coinbase,
        ..Header::default()
    }
}

/// The base fee after `tip`, whose txs used `gas_used`: EIP-1559's, except that a chain started
/// at base fee 0 stays at 0.
pub fn next_base_fee(config: &ChainConfig, tip: &Header, gas_used: u64) -> u64 {
    if config.base_fee == 0 {
        return 0;
    }
    BaseFeeParams::ethereum().next_block_base_fee(gas_used, tip.gas_limit, tip.base_fee)
}

/// A chain's directory: the data dir, or a temporary one deleted when the guard drops.
pub struct ChainDir {
    /// Where the chain lives.
    pub path: PathBuf,
    /// The temporary directory's guard (`None` for a data dir).
    pub temp: Option<tempfile::TempDir>,
    /// How durably it writes (a data dir syncs; a temporary chain does not).
    pub durability: Durability,
}

/// Opens the directory `config` names, refusing a data dir that remembers another chain (at
/// start, rather than refusing every tx at validation later).
pub fn chain_dir(config: &ChainConfig) -> Result<ChainDir, SetupError> {
    let Some(dir) = &config.data_dir else {
        let temp = tempfile::Builder::new().prefix("manaflow-").tempdir().map_err(SetupError::TempDir)?;
        return Ok(ChainDir { path: temp.path().to_path_buf(), temp: Some(temp), durability: Durability::Ephemeral });
    };
    if let Some(stored) = ChainSettings::read(dir)?
        && let Some(conflict) = stored.conflicts(config).into_iter().next()
    {
        let Conflict { flag, stored, asked } = conflict;
        return Err(SetupError::SettingMismatch { dir: dir.clone(), flag, stored, asked });
    }
    Ok(ChainDir { path: dir.clone(), temp: None, durability: Durability::Durable })
}

/// The genesis block of a new chain in `ledger`: the dev accounts funded (and the CREATE2
/// deployer, if asked for), at the configured timestamp or now.
pub fn genesis_block(ledger: &Ledger, config: &ChainConfig, accounts: &[DevAccount]) -> Block {
    let (tx, outcome) = genesis_tx(accounts, config.balance, config.create2_deployer);
    let template = Header { timestamp: config.timestamp.unwrap_or_else(now), ..header_template(config, Address::ZERO) };
    ledger.seal(&template, vec![tx], vec![outcome])
}
