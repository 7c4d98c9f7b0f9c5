//! What a data dir remembers of the chain it holds: the settings fixed when its genesis was
//! made (`chain.json` beside the stores). Reopening the dir with a flag that contradicts one is
//! refused at start, naming both values; the binary takes the remembered value of every flag
//! not given, so `manaflow --data-dir DIR` alone resumes any chain.

use std::path::{Path, PathBuf};

use alloy_primitives::U256;
use serde::{Deserialize, Serialize};

use crate::config::ChainConfig;
use crate::error::SetupError;

/// The file, in the data dir.
pub const FILE_NAME: &str = "chain.json";

/// Largest `chain.json` read (it is a few hundred bytes).
const MAX_FILE_BYTES: u64 = 64 * 1024;

/// The settings a chain keeps for its life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChainSettings {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The EVM hardfork, by name.
    pub hardfork: String,
    /// Block gas limit.
    pub gas_limit: u64,
    /// Base fee of the genesis block.
    pub base_fee: u64,
    /// Number of dev accounts.
    pub accounts: usize,
    /// Wei each dev account started with.
    pub balance: U256,
    /// The dev accounts' mnemonic (dev keys: the chain is a devnet).
    pub mnemonic: String,
    /// Whether the CREATE2 deployer was predeployed.
    pub create2_deployer: bool,
}

/// One remembered setting that the asked configuration contradicts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The flag that sets it (`--chain-id`).
    pub flag: &'static str,
    /// The value the chain was made with.
    pub stored: String,
    /// The value asked for.
    pub asked: String,
}

impl ChainSettings {
    /// The settings of `config`.
    pub fn of(config: &ChainConfig) -> Self {
        Self {
            chain_id: config.chain_id,
            hardfork: config.hardfork.name().to_string(),
            gas_limit: config.gas_limit,
            base_fee: config.base_fee,
            accounts: config.accounts,
            balance: config.balance,
            mnemonic: config.mnemonic.clone(),
            create2_deployer: config.create2_deployer,
        }
    }

    /// The settings `dir` remembers; `None` when it holds none (a new dir, or one made before
    /// settings were remembered).
    pub fn read(dir: &Path) -> Result<Option<Self>, SetupError> {
        let path = dir.join(FILE_NAME);
        let bad = |reason: String| SetupError::ChainSettings { path: path.clone(), reason };
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(bad(e.to_string())),
        };
        let mut text = String::new();
        use std::io::Read as _;
        file.take(MAX_FILE_BYTES + 1).read_to_string(&mut text).map_err(|e| bad(e.to_string()))?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(bad(format!("larger than {MAX_FILE_BYTES} bytes")));
        }
        let settings: Self = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        settings.hardfork.parse::<manaflow_evm::Hardfork>().map_err(bad)?;
        Ok(Some(settings))
    }

    /// Writes them into `dir` (whole or not at all: a temp file renamed over the old one).
    pub fn write(&self, dir: &Path) -> Result<(), SetupError> {
        let path = dir.join(FILE_NAME);
        let temp: PathBuf = dir.join(format!("{FILE_NAME}.tmp"));
        let failed = |reason: String| SetupError::ChainSettings { path: path.clone(), reason };
        let text = serde_json::to_string_pretty(self).map_err(|e| failed(e.to_string()))?;
        std::fs::write(&temp, text).and_then(|()| std::fs::rename(&temp, &path)).map_err(|e| failed(e.to_string()))
    }

    /// The remembered settings `config` contradicts, in flag order.
    pub fn conflicts(&self, config: &ChainConfig) -> Vec<Conflict> {
        let asked = Self::of(config);
        let mut out = Vec::new();
        let mut check = |flag, stored: String, asked: String| {
            if stored != asked {
                out.push(Conflict { flag, stored, asked });
            }
        };
        check("--chain-id", self.chain_id.to_string(), asked.chain_id.to_string());
        check("--hardfork", self.hardfork.clone(), asked.hardfork);
        check("--gas-limit", self.gas_limit.to_string(), asked.gas_limit.to_string());
        check("--base-fee", self.base_fee.to_string(), asked.base_fee.to_string());
        check("--accounts", self.accounts.to_string(), asked.accounts.to_string());
        check("--balance", format!("{} wei", self.balance), format!("{} wei", asked.balance));
        check("--mnemonic", format!("{:?}", self.mnemonic), format!("{:?}", asked.mnemonic));
        check(
            "--disable-default-create2-deployer",
            (!self.create2_deployer).to_string(),
            (!asked.create2_deployer).to_string(),
        );
        out
    }

    /// Puts these settings into `config` (for the settings its user did not choose).
    pub fn apply_to(&self, config: &mut ChainConfig) {
        config.chain_id = self.chain_id;
        config.hardfork = self.hardfork.parse().unwrap_or_default();
        config.gas_limit = self.gas_limit;
        config.base_fee = self.base_fee;
        config.accounts = self.accounts;
        config.balance = self.balance;
        config.mnemonic = self.mnemonic.clone();
        config.create2_deployer = self.create2_deployer;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_name_each_conflict() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(ChainSettings::read(dir.path()).unwrap(), None);
        let config = ChainConfig { chain_id: 7, gas_limit: 20_000_000, ..ChainConfig::default() };
        let settings = ChainSettings::of(&config);
        settings.write(dir.path()).unwrap();
        let read = ChainSettings::read(dir.path()).unwrap().unwrap();
        assert_eq!(read, settings);
        assert!(read.conflicts(&config).is_empty());

        let other = ChainConfig { chain_id: 8, accounts: 3, ..config.clone() };
        let conflicts = read.conflicts(&other);
        let flags: Vec<_> = conflicts.iter().map(|c| c.flag).collect();
        assert_eq!(flags, ["--chain-id", "--accounts"]);
        assert_eq!((conflicts[0].stored.as_str(), conflicts[0].asked.as_str()), ("7", "8"));

        let mut fresh = ChainConfig::default();
        read.apply_to(&mut fresh);
        assert!(read.conflicts(&fresh).is_empty());
    }

    #[test]
    fn a_malformed_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "{\"chainId\": 1").unwrap();
        let err = ChainSettings::read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("chain.json"), "{err}");
    }
}
