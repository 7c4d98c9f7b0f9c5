//! State dumps in Anvil's format: `anvil_dumpState` (hex of gzipped JSON), `anvil_loadState`
//! (gzipped or plain JSON), `--dump-state` / `--load-state` / `--state` (plain JSON files).
//!
//! A dump lists every account of the latest state (the UTXO set with the pending cheats) with its
//! nonce, balance, code and storage, and `best_block_number`. A load becomes the pending system
//! tx of DESIGN §8 — one write per key, validated in the block that includes it — so the UTXO set
//! stays the single truth; the block number does not change. State the model forbids (storage on
//! an account with neither nonce nor code, DESIGN §2) is refused, naming the address.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use alloy_consensus::constants::{EMPTY_OMMER_ROOT_HASH, EMPTY_ROOT_HASH};
use alloy_primitives::{Address, B256, Bloom, Bytes, KECCAK256_EMPTY, U256, keccak256};
use manaflow_types::{Header, Mark, StateKey};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::StateError;

/// Most bytes a dump may decompress to (a bound on `anvil_loadState` and `--load-state`).
pub const MAX_DUMP_BYTES: u64 = 512 * 1024 * 1024;

/// What loading a dump writes: each key's value, and the code the `c` keys name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Load {
    /// Each key and the value it is set to.
    pub writes: Vec<(StateKey, B256)>,
    /// The code the `c` writes name.
    pub codes: Vec<Bytes>,
}

/// One account of a dump, as Anvil writes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DumpedAccount {
    /// Its nonce.
    #[serde(deserialize_with = "u64_number_or_quantity")]
    pub nonce: u64,
    /// Its balance in wei.
    pub balance: U256,
    /// Its code (empty for none).
    #[serde(default)]
    pub code: Bytes,
    /// Its storage: slot → value, zero values left out (written as 32-byte words, as Anvil
    /// writes them; read from any quantity).
    #[serde(default, deserialize_with = "storage_words")]
    pub storage: BTreeMap<B256, B256>,
}

/// A state dump, as Anvil writes it. The fields this node does not keep (`block`, `blocks`,
/// `transactions`) are kept as they came, so a dump from Anvil passes through unchanged.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StateDump {
    /// The block environment of the latest block, as revm serializes it (Anvil requires the
    /// field, though it may be `null`; a load here does not use it).
    #[serde(default)]
    pub block: Option<serde_json::Value>,
    /// Every account, by address.
    pub accounts: BTreeMap<Address, DumpedAccount>,
    /// The latest block's number.
    #[serde(default, deserialize_with = "optional_u64")]
    pub best_block_number: Option<u64>,
    /// Anvil's blocks (a dump from here holds the latest block's header; a load here does not
    /// use them).
    #[serde(default)]
    pub blocks: Vec<serde_json::Value>,
    /// Anvil's transactions (not used here).
    #[serde(default)]
    pub transactions: Vec<serde_json::Value>,
}

/// A `u64` written as a JSON number or as a quantity string (`"0x2a"` or `"42"`).
fn parse_u64(value: &serde_json::Value) -> Option<u64> {
    match value {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => match s.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => s.parse().ok(),
        },
        _ => None,
    }
}

fn u64_number_or_quantity<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    parse_u64(&value).ok_or_else(|| serde::de::Error::custom(format!("{value} is not a u64 number or quantity")))
}

fn storage_words<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<B256, B256>, D::Error> {
    let words: BTreeMap<U256, U256> = BTreeMap::deserialize(deserializer)?;
    Ok(words.into_iter().map(|(slot, value)| (B256::from(slot), B256::from(value))).collect())
}

fn optional_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Null => Ok(None),
        value => parse_u64(&value)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("{value} is not a block number"))),
    }
}

/// The block environment of `header`, in the form revm serializes its `BlockEnv` (and Anvil
/// writes in its dumps).
fn block_env(header: &Header) -> serde_json::Value {
    serde_json::json!({
        "number": U256::from(header.number),
        "beneficiary": header.coinbase,
        "timestamp": U256::from(header.timestamp),
        "gas_limit": header.gas_limit,
        "basefee": header.base_fee,
        "difficulty": U256::ZERO,
        "prevrandao": header.prevrandao,
        "blob_excess_gas_and_price": {"excess_blob_gas": 0, "blob_gasprice": header.blob_base_fee},
        "slot_num": 0,
    })
}

/// The block `header` heads, as an Anvil dump's `blocks` entry (Anvil refuses a dump whose
/// `best_block_number` names no block of the dump). The fields Ethereum's header has and this
/// chain's does not are those of an empty block; Anvil hashes the header its own way.
fn anvil_block(header: &Header) -> serde_json::Value {
    let quantity = |v: u64| format!("{v:#x}");
    serde_json::json!({
        "header": {
            "parentHash": header.parent_hash,
            "sha3Uncles": EMPTY_OMMER_ROOT_HASH,
            "miner": header.coinbase,
            "stateRoot": header.commitment,
            "transactionsRoot": EMPTY_ROOT_HASH,
            "receiptsRoot": EMPTY_ROOT_HASH,
            "logsBloom": Bloom::ZERO,
            "difficulty": "0x0",
            "number": quantity(header.number),
            "gasLimit": quantity(header.gas_limit),
            "gasUsed": "0x0",
            "timestamp": quantity(header.timestamp),
            "extraData": "0x",
            "mixHash": header.prevrandao,
            "nonce": "0x0000000000000000",
            "baseFeePerGas": quantity(header.base_fee),
        },
        "transactions": [],
        "ommers": [],
    })
}

impl StateDump {
    /// The dump of `outputs` (each written key's live value at the tip) with their `codes`, after
    /// the block with header `tip`.
    pub fn of(
        outputs: impl IntoIterator<Item = (StateKey, B256)>,
        code: impl Fn(&B256) -> Option<Bytes>,
        tip: &Header,
    ) -> Self {
        let mut accounts: BTreeMap<Address, DumpedAccount> = BTreeMap::new();
        for (key, value) in outputs {
            if key.mark == Mark::Context {
                continue;
            }
            let account = accounts.entry(key.addr).or_default();
            match key.mark {
                Mark::Balance => account.balance = U256::from_be_bytes(value.0),
                Mark::Nonce => account.nonce = U256::from_be_bytes(value.0).saturating_to(),
                Mark::Code if !value.is_zero() && value != KECCAK256_EMPTY => {
                    account.code = code(&value).unwrap_or_default();
                }
                Mark::Storage if !value.is_zero() => {
                    account.storage.insert(key.slot, value);
                }
                _ => {}
            }
        }
        // Keys written back to zero leave no account behind.
        accounts.retain(|_, a| *a != DumpedAccount::default());
        Self {
            block: Some(block_env(tip)),
            accounts,
            best_block_number: Some(tip.number),
            blocks: vec![anvil_block(tip)],
            ..Self::default()
        }
    }

    /// The writes a load makes, and the code they deploy: every account's balance, nonce and
    /// code, and each storage slot given. Refuses storage on an account with neither nonce nor
    /// code (DESIGN §2: such an account cannot hold storage).
    pub fn writes(&self) -> Result<Load, StateError> {
        let mut writes = Vec::new();
        let mut codes = Vec::new();
        for (address, account) in &self.accounts {
            if !account.storage.is_empty() && account.nonce == 0 && account.code.is_empty() {
                return Err(StateError::StorageWithoutAccount(*address));
            }
            writes.push((StateKey::balance(*address), B256::from(account.balance)));
            writes.push((StateKey::nonce(*address), B256::from(U256::from(account.nonce))));
            let hash = if account.code.is_empty() { B256::ZERO } else { keccak256(&account.code) };
            writes.push((StateKey::code(*address), hash));
            if !account.code.is_empty() {
                codes.push(account.code.clone());
            }
            for (slot, value) in &account.storage {
                writes.push((StateKey::storage(*address, *slot), *value));
            }
        }
        Ok(Load { writes, codes })
    }

    /// As `anvil_dumpState` answers it: the JSON, gzipped.
    pub fn to_gzip(&self) -> Result<Bytes, StateError> {
        let json = serde_json::to_vec(self).map_err(StateError::Json)?;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&json).map_err(StateError::Gzip)?;
        Ok(encoder.finish().map_err(StateError::Gzip)?.into())
    }

    /// A dump from `bytes`: gzipped JSON (`anvil_dumpState`'s) or plain JSON (a `--dump-state`
    /// file), at most [`MAX_DUMP_BYTES`] once decompressed.
    pub fn decode(bytes: &[u8]) -> Result<Self, StateError> {
        let json = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            let decoder = flate2::read::GzDecoder::new(bytes);
            decoder.take(MAX_DUMP_BYTES + 1).read_to_end(&mut out).map_err(StateError::Gzip)?;
            if out.len() as u64 > MAX_DUMP_BYTES {
                return Err(StateError::TooLarge(MAX_DUMP_BYTES));
            }
            out
        } else {
            bytes.to_vec()
        };
        serde_json::from_slice(&json).map_err(StateError::Json)
    }
}
