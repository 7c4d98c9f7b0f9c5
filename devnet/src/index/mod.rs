//! The coordinator's secondary index on disk (DESIGN §5: kept for the web3 API, not needed to
//! validate): which blocks wrote each key (past-block state), which txs touched each address,
//! each sender's tx by nonce, each contract's creating tx, which blocks logged each address and
//! topic, and block numbers by hash. One LMDB environment, `index/` in the data directory,
//! written once per block in one transaction, so the node's memory does not grow with its
//! history and a restart does not re-read the chain.
//!
//! Every block's entries are listed in an undo record beside them: a rollback deletes exactly
//! what the blocks above its height added, without reading those blocks (a torn tail may have
//! taken them). The index is derived data: one found unreadable is cleared and rebuilt from the
//! block store.

mod entries;

use std::ops::Bound;
use std::path::{Path, PathBuf};

use alloy_primitives::{Address, B256};
use manaflow_ledger::lmdb::heed::{Env, RoTxn, WithoutTls};
use manaflow_ledger::lmdb::{Db, Durability, create_databases, open_env};
use manaflow_types::{Block, StateKey};

pub use entries::BlockEntries;

use crate::error::IndexError;

/// The version of the layout below; an index of another version is rebuilt.
const VERSION: u64 = 1;
/// `meta` key: how many blocks are recorded (the next block to record).
const LEN: &[u8] = b"len";
/// `meta` key: the layout version.
const VERSION_KEY: &[u8] = b"version";

/// The tables, in the order their tags name them in undo records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Table {
    /// `key ‖ height` → ∅: block `height` wrote `key`.
    Writes = 0,
    /// `address ‖ block ‖ index` → ∅: listed tx `(block, index)` touched `address`.
    Touched = 1,
    /// `sender ‖ nonce` → `tx id ‖ block`.
    Sent = 2,
    /// `contract` → `tx id ‖ block`: the tx that created it (the first, kept).
    Created = 3,
    /// `tag ‖ value ‖ block` → ∅: block `block` holds a log with that address (tag 1) or topic
    /// (tag 2); tag 0 with no value: it holds a log.
    Logs = 4,
    /// `block hash` → `number`.
    Hashes = 5,
}

impl Table {
    const ALL: [Table; 6] = [Table::Writes, Table::Touched, Table::Sent, Table::Created, Table::Logs, Table::Hashes];

    fn from_tag(tag: u8) -> Option<Self> {
        Self::ALL.get(tag as usize).copied()
    }
}

/// Tag of a log key: the block holds some log.
pub const LOG_ANY: u8 = 0;
/// Tag of a log key: the block holds a log from the address that follows.
pub const LOG_ADDRESS: u8 = 1;
/// Tag of a log key: the block holds a log with the topic that follows.
pub const LOG_TOPIC: u8 = 2;

/// The index.
pub struct ChainIndex {
    env: Env<WithoutTls>,
    path: PathBuf,
    meta: Db,
    tables: [Db; 6],
    undo: Db,
}

impl ChainIndex {
    /// Opens (creating) the index in `path`. An index of another layout version is cleared.
    pub fn open(path: &Path, durability: Durability) -> Result<Self, IndexError> {
        let env = open_env(path, durability)?;
        let [meta, writes, touched, sent, created, logs, hashes, undo] =
            create_databases(&env, ["meta", "writes", "touched", "sent", "created", "logs", "hashes", "undo"])?;
        let index =
            Self { env, path: path.to_path_buf(), meta, tables: [writes, touched, sent, created, logs, hashes], undo };
        let version = {
            let rtxn = index.read()?;
            index.meta.get(&rtxn, VERSION_KEY)?.map(<[u8]>::to_vec)
        };
        if version.as_deref() != Some(&VERSION.to_be_bytes()[..]) {
            index.clear()?;
        }
        Ok(index)
    }

    /// Where the index lives (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn db(&self, table: Table) -> Db {
        self.tables[table as usize]
    }

    fn read(&self) -> Result<RoTxn<'_, WithoutTls>, IndexError> {
        Ok(self.env.read_txn()?)
    }

    fn corrupt(&self, what: impl Into<String>) -> IndexError {
        IndexError::Corrupt { path: self.path.clone(), what: what.into() }
    }

    /// Empties every table (the index is then rebuilt from the blocks).
    pub fn clear(&self) -> Result<(), IndexError> {
        let mut wtxn = self.env.write_txn()?;
        for db in self.tables.iter().chain([&self.undo, &self.meta]) {
            db.clear(&mut wtxn)?;
        }
        self.meta.put(&mut wtxn, VERSION_KEY, &VERSION.to_be_bytes())?;
        wtxn.commit()?;
        Ok(())
    }

    /// How many blocks are recorded.
    pub fn blocks_recorded(&self) -> Result<u64, IndexError> {
        let rtxn = self.read()?;
        self.len_in(&rtxn)
    }

    fn len_in(&self, txn: &RoTxn<'_, WithoutTls>) -> Result<u64, IndexError> {
        match self.meta.get(txn, LEN)? {
            None => Ok(0),
            Some(bytes) => {
                bytes.try_into().map(u64::from_be_bytes).map_err(|_| self.corrupt("the recorded length is not 8 bytes"))
            }
        }
    }

    /// Records `block`'s entries; it must be the next block (`len()`).
    pub fn record(&self, block: &Block, entries: &BlockEntries) -> Result<(), IndexError> {
        let number = block.header.number;
        let mut wtxn = self.env.write_txn()?;
        let len = self.len_in(&wtxn)?;
        if len != number {
            return Err(IndexError::OutOfOrder { len, number });
        }
        let mut undo = Vec::new();
        for (table, key, value) in entries.iter() {
            let db = self.db(table);
            if table == Table::Created && db.get(&wtxn, key)?.is_some() {
                continue;
            }
            db.put(&mut wtxn, key, value)?;
            undo.push(table as u8);
            undo.push(key.len() as u8);
            undo.extend_from_slice(key);
        }
        self.undo.put(&mut wtxn, &number.to_be_bytes(), &undo)?;
        self.meta.put(&mut wtxn, LEN, &(number + 1).to_be_bytes())?;
        wtxn.commit()?;
        Ok(())
    }

    /// Forgets the blocks above `height`: deletes what their undo records list.
    pub fn rollback_to(&self, height: u64) -> Result<(), IndexError> {
        let mut wtxn = self.env.write_txn()?;
        let len = self.len_in(&wtxn)?;
        if len <= height + 1 {
            return Ok(());
        }
        for number in (height + 1..len).rev() {
            let key = number.to_be_bytes();
            let record = self.undo.get(&wtxn, &key)?.map(<[u8]>::to_vec);
            let record = record.ok_or_else(|| self.corrupt(format!("no undo record for block {number}")))?;
            let mut rest = &record[..];
            while let [tag, len, tail @ ..] = rest {
                let table = Table::from_tag(*tag).ok_or_else(|| self.corrupt(format!("undo of block {number}")))?;
                let key = tail.get(..*len as usize).ok_or_else(|| self.corrupt(format!("undo of block {number}")))?;
                self.db(table).delete(&mut wtxn, key)?;
                rest = &tail[*len as usize..];
            }
            if !rest.is_empty() {
                return Err(self.corrupt(format!("undo of block {number} ends inside an entry")));
            }
            self.undo.delete(&mut wtxn, &key)?;
        }
        self.meta.put(&mut wtxn, LEN, &(height + 1).to_be_bytes())?;
        wtxn.commit()?;
        Ok(())
    }

    /// The value of `key` in `table`.
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>, IndexError> {
        let rtxn = self.read()?;
        Ok(self.db(table).get(&rtxn, key)?.map(<[u8]>::to_vec))
    }

    /// The keys of `table` from `prefix ‖ from` to `prefix ‖ to` (both 8-byte big-endian
    /// numbers; `to` inclusive), ascending or (`newest_first`) descending, handed to `visit`
    /// without the prefix until it returns `false`.
    fn scan(
        &self,
        table: Table,
        prefix: &[u8],
        (from, to): (u64, u64),
        newest_first: bool,
        mut visit: impl FnMut(&[u8]) -> bool,
    ) -> Result<(), IndexError> {
        if from > to {
            return Ok(());
        }
        let start = [prefix, &from.to_be_bytes()].concat();
        let end = [prefix, &to.to_be_bytes(), &[0xff; 8]].concat();
        let range = (Bound::Included(&start[..]), Bound::Included(&end[..]));
        let rtxn = self.read()?;
        let db = self.db(table);
        let mut each = |item: Result<(&[u8], &[u8]), _>| -> Result<bool, IndexError> {
            let (key, _) = item?;
            Ok(visit(&key[prefix.len()..]))
        };
        if newest_first {
            for item in db.rev_range(&rtxn, &range)? {
                if !each(item)? {
                    break;
                }
            }
        } else {
            for item in db.range(&rtxn, &range)? {
                if !each(item)? {
                    break;
                }
            }
        }
        Ok(())
    }

    /// The first block above `height` that wrote `key`.
    pub fn first_write_above(&self, key: &StateKey, height: u64) -> Result<Option<u64>, IndexError> {
        let mut found = None;
        if let Some(from) = height.checked_add(1) {
            self.scan(Table::Writes, &key.to_bytes(), (from, u64::MAX), false, |rest| {
                found = rest.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes);
                false
            })?;
        }
        Ok(found)
    }

    /// The listed txs that touched `address` in blocks `from..=to`, as `(block, index)`, in chain
    /// order or (`newest_first`) reversed, until `visit` returns `false`.
    pub fn touched(
        &self,
        address: &Address,
        (from, to): (u64, u64),
        newest_first: bool,
        mut visit: impl FnMut(u64, u32) -> bool,
    ) -> Result<(), IndexError> {
        let mut bad = false;
        self.scan(Table::Touched, address.as_slice(), (from, to), newest_first, |rest| {
            match (rest.get(..8), rest.get(8..12)) {
                (Some(block), Some(index)) => visit(
                    u64::from_be_bytes(block.try_into().unwrap_or_default()),
                    u32::from_be_bytes(index.try_into().unwrap_or_default()),
                ),
                _ => {
                    bad = true;
                    false
                }
            }
        })?;
        if bad {
            return Err(self.corrupt(format!("a touched-by entry of {address} is short")));
        }
        Ok(())
    }

    /// The blocks in `from..=to` holding a log of the kind `tag` (with `value`), ascending.
    fn log_blocks(&self, tag: u8, value: &[u8], from: u64, to: u64) -> Result<Vec<u64>, IndexError> {
        let prefix = [&[tag][..], value].concat();
        let mut blocks = Vec::new();
        self.scan(Table::Logs, &prefix, (from, to), false, |rest| {
            if let Some(number) = rest.get(..8).and_then(|b| b.try_into().ok()).map(u64::from_be_bytes) {
                blocks.push(number);
            }
            true
        })?;
        Ok(blocks)
    }

    /// The blocks in `from..=to` that hold, for every set of `sets`, a log of one of its kinds
    /// (each `tag ‖ value`); with no set, every block with a log. A leapfrog join: each set seeks
    /// to the first block at or after the others' candidate, so the cost follows the matches and
    /// the most selective set, never the length of a list that matches everywhere.
    pub fn log_blocks_in_all(&self, sets: &[Vec<Vec<u8>>], from: u64, to: u64) -> Result<Vec<u64>, IndexError> {
        if sets.is_empty() {
            return self.log_blocks(LOG_ANY, &[], from, to);
        }
        let rtxn = self.read()?;
        let db = self.db(Table::Logs);
        let end = to.to_be_bytes();
        // The first block at or after `at` (up to `to`) with a log of one of `set`'s kinds.
        let seek = |set: &[Vec<u8>], at: u64| -> Result<Option<u64>, IndexError> {
            let mut first: Option<u64> = None;
            for prefix in set {
                let start = [prefix.as_slice(), &at.to_be_bytes()].concat();
                let stop = [prefix.as_slice(), &end].concat();
                let range = (Bound::Included(&start[..]), Bound::Included(&stop[..]));
                if let Some(item) = db.range(&rtxn, &range)?.next() {
                    let (key, _) = item?;
                    let number = key
                        .get(prefix.len()..)
                        .and_then(|b| b.try_into().ok())
                        .map(u64::from_be_bytes)
                        .ok_or_else(|| self.corrupt("a log entry is not tag, value and block"))?;
                    first = Some(first.map_or(number, |f| f.min(number)));
                }
            }
            Ok(first)
        };
        let mut blocks = Vec::new();
        let mut at = from;
        'join: while at <= to {
            for set in sets {
                match seek(set, at)? {
                    None => break 'join,
                    Some(next) if next > at => {
                        at = next;
                        continue 'join;
                    }
                    Some(_) => {}
                }
            }
            blocks.push(at);
            match at.checked_add(1) {
                Some(next) => at = next,
                None => break,
            }
        }
        Ok(blocks)
    }

    /// The tx `sender` sent with `nonce`.
    pub fn sent(&self, sender: &Address, nonce: u64) -> Result<Option<B256>, IndexError> {
        let key = [sender.as_slice(), &nonce.to_be_bytes()].concat();
        self.tx_value(Table::Sent, &key)
    }

    /// The tx that created `contract`.
    pub fn created(&self, contract: &Address) -> Result<Option<B256>, IndexError> {
        self.tx_value(Table::Created, contract.as_slice())
    }

    fn tx_value(&self, table: Table, key: &[u8]) -> Result<Option<B256>, IndexError> {
        match self.get(table, key)? {
            None => Ok(None),
            Some(value) => match value.get(..32) {
                Some(id) => Ok(Some(B256::from_slice(id))),
                None => Err(self.corrupt(format!("a {table:?} entry is short"))),
            },
        }
    }

    /// The number of the block with hash `hash`.
    pub fn number_of(&self, hash: &B256) -> Result<Option<u64>, IndexError> {
        match self.get(Table::Hashes, hash.as_slice())? {
            None => Ok(None),
            Some(value) => value
                .try_into()
                .map(|b: [u8; 8]| Some(u64::from_be_bytes(b)))
                .map_err(|_| self.corrupt(format!("the number of block {hash} is not 8 bytes"))),
        }
    }
}
