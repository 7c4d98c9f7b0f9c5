//! Opening LMDB environments (heed) the way every store of the project does: one place that
//! holds the `unsafe` of an environment open, the map size and the sync flags. The ledger's block
//! and state stores use it, and so does the devnet's secondary index.

use std::path::Path;

pub use heed;
use heed::types::Bytes;
use heed::{CommitOrAbort, Env, EnvFlags, EnvOpenOptions, WithoutTls};

use crate::error::{LedgerError, Result};

/// A committed database handle with raw byte keys and values.
pub type Db = heed::Database<'static, Bytes, Bytes>;

/// Virtual map size of each environment (LMDB reserves address space, not disk).
const MAP_SIZE: usize = 1 << 40;

/// Whether commits wait for the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// fsync on every block commit: a committed block survives power loss.
    Durable,
    /// No fsync: survives a killed process (the OS keeps the pages), not a power loss. For
    /// ephemeral chains, whose data directory is removed on exit anyway.
    Ephemeral,
}

/// Opens (creating) the environment in directory `path`. Each path must be opened once per
/// process, by the one owner of its files.
#[allow(unsafe_code)]
pub fn open_env(path: &Path, durability: Durability) -> Result<Env<WithoutTls>> {
    std::fs::create_dir_all(path).map_err(|source| LedgerError::Io {
        action: "create".into(),
        path: path.to_path_buf(),
        source,
    })?;
    let mut options = EnvOpenOptions::new().read_txn_without_tls();
    options.map_size(MAP_SIZE).max_dbs(16).max_readers(512);
    if durability == Durability::Ephemeral {
        // SAFETY: NO_SYNC only drops fsync; LMDB stays consistent across process crashes, and an
        // ephemeral chain does not promise to survive power loss.
        unsafe {
            options.flags(EnvFlags::NO_SYNC | EnvFlags::NO_META_SYNC);
        }
    }
    // SAFETY: each environment is opened once per process (its store owns it, and heed refuses
    // a second open of the same path), and nothing else truncates or rewrites its files.
    let env = unsafe { options.open(path) }?;
    Ok(env)
}

/// Creates (or opens) named databases in one transaction.
pub fn create_databases<const N: usize>(env: &Env<WithoutTls>, names: [&str; N]) -> Result<[Db; N]> {
    let wtxn = env.write_txn()?;
    let dbs = env
        .create_databases_and_commit(wtxn, |opener, wtxn| -> heed::Result<_> {
            let mut out = Vec::with_capacity(N);
            for name in names {
                out.push(opener.database_options().types::<Bytes, Bytes>().name(name).create(wtxn)?);
            }
            let array: [_; N] = out.try_into().unwrap_or_else(|_| unreachable!("N databases created"));
            Ok(CommitOrAbort::<_, ()>::Commit(array))
        })?
        .unwrap_commit();
    Ok(dbs)
}
