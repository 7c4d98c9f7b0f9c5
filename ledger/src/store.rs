//! The two LMDB environments (heed) under a data directory:
//!
//! - `blocks.dat` and `blocks/`: the durable truth. Block bytes are appended to `blocks.dat`
//!   and synced; then `extents` (number → offset, length, checksum) and `headers` (number →
//!   header RLP) are written in one synced transaction, which is the moment the block counts as
//!   committed. Writing the bytes can start before validation ends; only the index commits.
//! - `state/`: derived data that may lag: `utxo` (key → live output, the checkpoint of the set),
//!   `txs` (tx id → position), `codes` (code hash → code) and `meta` (checkpoint height,
//!   commitment state, size). It is
//!   written in large sorted batches off the critical path and rebuilt from `blocks` after a crash.
//!
//! Two environments, because LMDB allows one writer per environment: a checkpoint flush that
//! takes seconds must never hold up the next block's durable write.

use std::path::Path;

use heed::{Env, PutFlags, WithoutTls};

use manaflow_types::{LtHash, StateKey, TxId};

use crate::error::{Corruption, LedgerError, Result};
use crate::history::TxLoc;
pub use crate::lmdb::Durability;
use crate::lmdb::{Db, create_databases, open_env};
use crate::utxo::{Output, Placed};

fn number_key(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// Where a block's bytes sit in the data file, and their BLAKE3 hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockExtent {
    /// Byte offset in `blocks.dat`.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
    /// BLAKE3 of the bytes, checked on every read.
    pub checksum: [u8; 32],
}

impl BlockExtent {
    fn to_bytes(self) -> [u8; 48] {
        let mut out = [0u8; 48];
        out[..8].copy_from_slice(&self.offset.to_be_bytes());
        out[8..16].copy_from_slice(&self.len.to_be_bytes());
        out[16..].copy_from_slice(&self.checksum);
        out
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let bytes: &[u8; 48] = bytes.try_into().ok()?;
        Some(Self {
            offset: u64::from_be_bytes(bytes[..8].try_into().ok()?),
            len: u64::from_be_bytes(bytes[8..16].try_into().ok()?),
            checksum: bytes[16..].try_into().ok()?,
        })
    }

    fn end(&self) -> u64 {
        self.offset + self.len
    }
}

/// The block store: block bytes appended to one data file (as Bitcoin Core's `blk*.dat`), and
/// an LMDB index `number → extent` plus the headers. A block is committed when its index entry
/// is; bytes past the last indexed block are leftovers of a block that failed or of a crash, and
/// are overwritten by the next block.
pub struct BlockStore {
    env: Env<WithoutTls>,
    extents: Db,
    headers: Db,
    data: std::fs::File,
    /// Where `data` lives, for errors.
    path: std::path::PathBuf,
    durability: Durability,
    /// End of the last committed block in the data file.
    end: std::sync::atomic::AtomicU64,
    /// Rollbacks so far: a reader that sees it change knows its blocks may have been replaced.
    generation: std::sync::atomic::AtomicU64,
    /// Blocks dropped at open because the data file ends inside them (a torn tail).
    cut: Option<std::ops::RangeInclusive<u64>>,
    /// Faults injected by tests.
    #[cfg(feature = "faults")]
    pub(crate) faults: crate::faults::Faults,
}

/// Bytes of a block written to the data file but not yet indexed.
#[derive(Debug)]
pub struct PendingBlock {
    number: u64,
    extent: BlockExtent,
}

impl BlockStore {
    /// Opens `dir/blocks` and `dir/blocks.dat`.
    pub fn open(dir: &Path, durability: Durability) -> Result<Self> {
        let env = open_env(&dir.join("blocks"), durability)?;
        let [extents, headers] = create_databases(&env, ["extents", "headers"])?;
        let path = dir.join("blocks.dat");
        let created = !path.exists();
        let data = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| LedgerError::Io { action: "open".into(), path: path.clone(), source })?;
        if created && durability == Durability::Durable {
            // The new file's directory entry must survive a power loss too.
            std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|source| LedgerError::Io {
                action: "sync".into(),
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let len = data
            .metadata()
            .map_err(|source| LedgerError::Io { action: "read".into(), path: path.clone(), source })?
            .len();
        let (end, cut) = Self::cut_torn_tail(&env, extents, headers, len)?;
        if let Some(cut) = &cut {
            tracing::warn!(
                "{} ends inside block {}: blocks {}..={} were never wholly written and are dropped (a torn tail)",
                path.display(),
                cut.start(),
                cut.start(),
                cut.end()
            );
        }
        let store = Self {
            env,
            extents,
            headers,
            data,
            path,
            durability,
            end: end.into(),
            generation: 0.into(),
            cut,
            #[cfg(feature = "faults")]
            faults: Default::default(),
        };
        Ok(store)
    }

    /// Drops the index entries of blocks that end past `len`, the data file's length (a crash or
    /// a lost write left it short); the end of the last whole block, and the numbers dropped.
    fn cut_torn_tail(
        env: &Env<WithoutTls>,
        extents: Db,
        headers: Db,
        len: u64,
    ) -> Result<(u64, Option<std::ops::RangeInclusive<u64>>)> {
        let mut wtxn = env.write_txn()?;
        let mut dropped: Option<std::ops::RangeInclusive<u64>> = None;
        let end = loop {
            let Some((key, value)) = extents.last(&wtxn)? else { break 0 };
            let number = u64::from_be_bytes(key.try_into().map_err(|_| Corruption::Extent(None))?);
            let extent = BlockExtent::from_bytes(value).ok_or(Corruption::Extent(Some(number)))?;
            if extent.end() <= len {
                break extent.end();
            }
            let key = number_key(number);
            extents.delete(&mut wtxn, &key)?;
            headers.delete(&mut wtxn, &key)?;
            dropped = Some(number..=dropped.map_or(number, |d| *d.end()));
        };
        if dropped.is_some() {
            wtxn.commit()?;
        }
        Ok((end, dropped))
    }

    /// The blocks dropped at open as a torn tail, if any.
    pub fn torn_tail(&self) -> Option<std::ops::RangeInclusive<u64>> {
        self.cut.clone()
    }

    /// Writes block `number`'s bytes after the last committed block (synced when durable), not
    /// yet indexed: nothing refers to them until [`BlockStore::commit`].
    pub fn write_pending(&self, number: u64, bytes: &[u8]) -> Result<PendingBlock> {
        use std::os::unix::fs::FileExt;
        let offset = self.end.load(std::sync::atomic::Ordering::Acquire);
        let io = |source: std::io::Error| LedgerError::Io {
            action: format!("write block {number} to"),
            path: self.path.clone(),
            source,
        };
        #[cfg(feature = "faults")]
        if let Some(e) = self.faults.due(crate::faults::Seam::Write) {
            return Err(io(e));
        }
        self.data.write_all_at(bytes, offset).map_err(io)?;
        #[cfg(feature = "faults")]
        if let Some(e) = self.faults.due(crate::faults::Seam::Sync) {
            return Err(LedgerError::Io {
                action: format!("sync block {number} to"),
                path: self.path.clone(),
                source: e,
            });
        }
        if self.durability == Durability::Durable {
            self.data.sync_data().map_err(io)?;
        }
        let checksum = *blake3::hash(bytes).as_bytes();
        Ok(PendingBlock { number, extent: BlockExtent { offset, len: bytes.len() as u64, checksum } })
    }

    /// Indexes a written block with its header: once this returns, the block is committed.
    pub fn commit(&self, pending: PendingBlock, header_rlp: &[u8]) -> Result<()> {
        #[cfg(feature = "faults")]
        if let Some(source) = self.faults.due(crate::faults::Seam::Commit) {
            let action = format!("commit the index entry of block {} in", pending.number);
            return Err(LedgerError::Io { action, path: self.path.with_file_name("blocks"), source });
        }
        let mut wtxn = self.env.write_txn()?;
        let key = number_key(pending.number);
        self.extents.put_with_flags(&mut wtxn, PutFlags::APPEND, &key, &pending.extent.to_bytes())?;
        self.headers.put_with_flags(&mut wtxn, PutFlags::APPEND, &key, header_rlp)?;
        wtxn.commit()?;
        self.end.store(pending.extent.end(), std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Writes and commits block `number` in one call.
    pub fn append(&self, number: u64, block_bytes: &[u8], header_rlp: &[u8]) -> Result<()> {
        let pending = self.write_pending(number, block_bytes)?;
        self.commit(pending, header_rlp)
    }

    /// The bytes of block `number`, checked against the checksum recorded when it was written.
    pub fn block_bytes(&self, number: u64) -> Result<Option<Vec<u8>>> {
        use std::os::unix::fs::FileExt;
        let extent = {
            let rtxn = self.env.read_txn()?;
            match self.extents.get(&rtxn, &number_key(number))? {
                Some(v) => {
                    BlockExtent::from_bytes(v).ok_or_else(|| LedgerError::Corrupt(Corruption::Extent(Some(number))))?
                }
                None => return Ok(None),
            }
        };
        let mut bytes = vec![0u8; extent.len as usize];
        self.data
            .read_exact_at(&mut bytes, extent.offset)
            .map_err(|source| Corruption::ReadBlock { number, source })?;
        if *blake3::hash(&bytes).as_bytes() != extent.checksum {
            return Err(Corruption::Checksum(number).into());
        }
        Ok(Some(bytes))
    }

    /// The number of committed blocks: their headers are numbered from 0 with no gap, so the
    /// last one's number says how many there are (checked without reading them all).
    pub fn header_count(&self) -> Result<u64> {
        let rtxn = self.env.read_txn()?;
        let count = self.headers.len(&rtxn)?;
        let last = match self.headers.last(&rtxn)? {
            Some((k, _)) => k.try_into().map(u64::from_be_bytes).map_err(|_| Corruption::HeaderGap(count))? + 1,
            None => 0,
        };
        if last != count {
            return Err(Corruption::HeaderGap(count.min(last)).into());
        }
        Ok(count)
    }

    /// The RLP of block `number`'s header.
    pub fn header_rlp(&self, number: u64) -> Result<Option<Vec<u8>>> {
        let rtxn = self.env.read_txn()?;
        Ok(self.headers.get(&rtxn, &number_key(number))?.map(<[u8]>::to_vec))
    }

    /// The RLPs of the headers from `first` on, in order.
    pub fn header_rlps_from(&self, first: u64) -> Result<Vec<Vec<u8>>> {
        let rtxn = self.env.read_txn()?;
        let from = number_key(first);
        let range = (std::ops::Bound::Included(&from[..]), std::ops::Bound::Unbounded);
        let mut out = Vec::new();
        for (i, item) in self.headers.range(&rtxn, &range)?.enumerate() {
            let (k, v) = item?;
            let expected = first + i as u64;
            if k != number_key(expected) {
                return Err(Corruption::HeaderGap(expected).into());
            }
            out.push(v.to_vec());
        }
        Ok(out)
    }

    /// Rollbacks so far (see [`BlockStore::truncate_above`]).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Deletes blocks above `number` (rollback). The generation moves first, so a reader that
    /// read a block replaced afterwards sees the change.
    pub fn truncate_above(&self, number: u64) -> Result<()> {
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut wtxn = self.env.write_txn()?;
        let from = number_key(number + 1);
        let range = (std::ops::Bound::Included(&from[..]), std::ops::Bound::Unbounded);
        self.extents.delete_range(&mut wtxn, &range)?;
        self.headers.delete_range(&mut wtxn, &range)?;
        let end = match self.extents.last(&wtxn)? {
            Some((_, v)) => {
                BlockExtent::from_bytes(v).ok_or_else(|| LedgerError::Corrupt(Corruption::Extent(None)))?.end()
            }
            None => 0,
        };
        wtxn.commit()?;
        self.end.store(end, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Bytes on disk: the index environment and the data file.
    pub fn disk_size(&self) -> u64 {
        self.env.real_disk_size().unwrap_or(0) + self.data.metadata().map(|m| m.len()).unwrap_or(0)
    }
}

/// The checkpoint written by a flush.
pub struct Checkpoint {
    /// Height the checkpoint reflects (the tip when it was taken).
    pub height: u64,
    /// The set's LtHash state at that height.
    pub lthash: LtHash,
    /// Keys ever written at that height.
    pub written_keys: u64,
}

const META_HEIGHT: &[u8] = b"height";
const META_LTHASH: &[u8] = b"lthash";
const META_WRITTEN: &[u8] = b"written-keys";

/// The state store: the UTXO checkpoint, the tx index and their metadata.
#[derive(Clone)]
pub struct StateStore {
    env: Env<WithoutTls>,
    utxo: Db,
    txs: Db,
    meta: Db,
    codes: Db,
}

impl StateStore {
    /// Opens `dir/state`.
    pub fn open(dir: &Path, durability: Durability) -> Result<Self> {
        let env = open_env(&dir.join("state"), durability)?;
        let [utxo, txs, meta, codes] = create_databases(&env, ["utxo", "txs", "meta", "codes"])?;
        Ok(Self { env, utxo, txs, meta, codes })
    }

    /// The last checkpoint, if any was written.
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        let rtxn = self.env.read_txn()?;
        let Some(height) = self.meta.get(&rtxn, META_HEIGHT)? else { return Ok(None) };
        let corrupt = |what: &'static str| LedgerError::Corrupt(Corruption::Checkpoint(what));
        let height = u64::from_be_bytes(height.try_into().map_err(|_| corrupt("height"))?);
        let lthash =
            self.meta.get(&rtxn, META_LTHASH)?.and_then(LtHash::from_bytes).ok_or_else(|| corrupt("lthash"))?;
        let written = self.meta.get(&rtxn, META_WRITTEN)?.ok_or_else(|| corrupt("size"))?;
        let written_keys = u64::from_be_bytes(written.try_into().map_err(|_| corrupt("size"))?);
        Ok(Some(Checkpoint { height, lthash, written_keys }))
    }

    /// Writes a batch in one transaction: outputs (sorted by key; never-written = delete), new
    /// tx positions, removed tx ids, and the checkpoint metadata.
    pub fn write_checkpoint(
        &self,
        outputs: &[([u8; StateKey::LEN], Placed)],
        new_txs: &[(TxId, TxLoc)],
        removed_txs: &[TxId],
        new_codes: &[alloy_primitives::Bytes],
        checkpoint: &Checkpoint,
    ) -> Result<()> {
        let mut wtxn = self.env.write_txn()?;
        for code in new_codes {
            self.codes.put(&mut wtxn, alloy_primitives::keccak256(code).as_slice(), code)?;
        }
        for (key, out) in outputs {
            if out.out.is_written() {
                self.utxo.put(&mut wtxn, key, &encode_output(key, out))?;
            } else {
                self.utxo.delete(&mut wtxn, key)?;
            }
        }
        for (id, loc) in new_txs {
            self.txs.put(&mut wtxn, id.as_slice(), &loc.to_bytes())?;
        }
        for id in removed_txs {
            self.txs.delete(&mut wtxn, id.as_slice())?;
        }
        self.meta.put(&mut wtxn, META_HEIGHT, &checkpoint.height.to_be_bytes())?;
        self.meta.put(&mut wtxn, META_LTHASH, &checkpoint.lthash.to_bytes())?;
        self.meta.put(&mut wtxn, META_WRITTEN, &checkpoint.written_keys.to_be_bytes())?;
        wtxn.commit()?;
        Ok(())
    }

    /// Writes outputs (sorted by key) in one transaction, without touching the metadata.
    pub fn write_outputs(&self, outputs: &[([u8; StateKey::LEN], Placed)]) -> Result<()> {
        let mut wtxn = self.env.write_txn()?;
        for (key, out) in outputs {
            self.utxo.put(&mut wtxn, key, &encode_output(key, out))?;
        }
        wtxn.commit()?;
        Ok(())
    }

    /// The seed's naive step, kept as the benchmarks' baseline: one write transaction that
    /// checks `key`'s output is `expected` and replaces it with `next`, committed (and synced)
    /// on its own. Returns whether the output matched.
    pub fn replace_output_synced(&self, key: &StateKey, expected: &Placed, next: &Placed) -> Result<bool> {
        let mut wtxn = self.env.write_txn()?;
        let k = key.to_bytes();
        let found = self.utxo.get(&wtxn, &k)?.map(|bytes| decode_output(key, bytes)).transpose()?;
        if found.as_ref() != Some(expected) {
            return Ok(false);
        }
        self.utxo.put(&mut wtxn, &k, &encode_output(&k, next))?;
        wtxn.commit()?;
        Ok(true)
    }

    /// Looks up outputs of `keys` (sorted for locality) in the checkpoint.
    pub fn load_outputs(&self, keys: &[StateKey]) -> Result<Vec<Placed>> {
        let rtxn = self.env.read_txn()?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let found = self.utxo.get(&rtxn, &key.to_bytes())?;
            out.push(match found {
                Some(bytes) => decode_output(key, bytes)?,
                None => Placed::NEVER_WRITTEN,
            });
        }
        Ok(out)
    }

    /// Empties the checkpoint (outputs, tx positions, codes, metadata): it is derived data, and
    /// is rebuilt from the block store when found unusable.
    pub fn clear(&self) -> Result<()> {
        let mut wtxn = self.env.write_txn()?;
        for db in [self.utxo, self.txs, self.meta, self.codes] {
            db.clear(&mut wtxn)?;
        }
        wtxn.commit()?;
        Ok(())
    }

    /// Number of outputs in the checkpoint.
    pub fn output_count(&self) -> Result<u64> {
        let rtxn = self.env.read_txn()?;
        Ok(self.utxo.len(&rtxn)?)
    }

    /// Calls `f` for every checkpointed output, in key order.
    pub fn for_each_output(&self, mut f: impl FnMut(StateKey, Placed)) -> Result<()> {
        let rtxn = self.env.read_txn()?;
        for item in self.utxo.iter(&rtxn)? {
            let (k, v) = item?;
            let key = StateKey::from_bytes(k).map_err(|_| Corruption::OutputKey)?;
            f(key, decode_output(&key, v)?);
        }
        Ok(())
    }

    /// Calls `f` for every stored code blob.
    pub fn for_each_code(&self, mut f: impl FnMut(alloy_primitives::Bytes)) -> Result<()> {
        let rtxn = self.env.read_txn()?;
        for item in self.codes.iter(&rtxn)? {
            let (_, v) = item?;
            f(alloy_primitives::Bytes::copy_from_slice(v));
        }
        Ok(())
    }

    /// Where a checkpointed tx sits.
    pub fn tx_location(&self, id: &TxId) -> Result<Option<TxLoc>> {
        let rtxn = self.env.read_txn()?;
        Ok(self.txs.get(&rtxn, id.as_slice())?.and_then(|bytes| TxLoc::from_bytes(bytes).ok()))
    }

    /// Bytes the environment occupies on disk.
    pub fn disk_size(&self) -> u64 {
        self.env.real_disk_size().unwrap_or(0)
    }
}

/// An output as the checkpoint stores it: its 64 bytes, the 12-byte position of the tx that
/// created it (DESIGN §9), then 8 bytes of BLAKE3 over the key and them, so that a flipped byte
/// in a key or a value is caught when read.
fn encode_output(key: &[u8], out: &Placed) -> [u8; 84] {
    let mut bytes = [0u8; 84];
    bytes[..64].copy_from_slice(&out.out.to_bytes());
    bytes[64..76].copy_from_slice(&out.at.to_bytes());
    let check = blake3::Hasher::new().update(key).update(&bytes[..76]).finalize();
    bytes[76..].copy_from_slice(&check.as_bytes()[..8]);
    bytes
}

/// Reads [`encode_output`].
fn decode_output(key: &StateKey, bytes: &[u8]) -> Result<Placed> {
    let corrupt = || LedgerError::Corrupt(Corruption::Output(*key));
    if bytes.len() != 84 {
        return Err(corrupt());
    }
    let check = blake3::Hasher::new().update(&key.to_bytes()).update(&bytes[..76]).finalize();
    if check.as_bytes()[..8] != bytes[76..] {
        return Err(corrupt());
    }
    let out = Output::from_bytes(&bytes[..64]).ok_or_else(corrupt)?;
    let at = TxLoc::from_bytes(&bytes[64..76]).map_err(|_| corrupt())?;
    Ok(Placed { out, at })
}
