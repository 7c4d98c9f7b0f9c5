//! Errors of the ledger: an invalid block (a [`Violation`]), a damaged store ([`Corruption`]), a
//! file that could not be used, or a lookup that found nothing.

use std::path::PathBuf;
use std::sync::Arc;

use manaflow_types::{B256, DecodeError, StateKey, TxId, Violation};
use thiserror::Error;

/// What can go wrong applying or reading blocks.
#[derive(Debug, Error)]
pub enum LedgerError {
    /// The block broke a validity rule; nothing was written.
    #[error("invalid block: {0}")]
    Invalid(Box<Violation>),
    /// LMDB failed.
    #[cfg(feature = "store")]
    #[error("storage: {0}")]
    Storage(#[from] heed::Error),
    /// A file or directory of the data directory could not be created, opened, written or synced.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`create`, `open`, `sync`, `write block 7 to`).
        action: String,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Stored bytes are damaged: the data directory needs a rebuild.
    #[error("corrupt store: {0}")]
    Corrupt(#[from] Corruption),
    /// A block that is not in the store.
    #[error("not found: block {0}")]
    BlockNotFound(u64),
    /// The chain was rolled back while a [`crate::BlockReader`] read it.
    #[error("the chain was rolled back during this read (an evm_revert or reset); ask again")]
    RolledBack,
    /// Code that is not in the code table.
    #[error("not found: code with hash {0}")]
    CodeNotFound(B256),
    /// An earlier storage failure stopped the ledger; it serves no writes until reopened.
    #[error("the ledger stopped after a storage failure ({0}); reopen it to rebuild from the block store")]
    Stopped(Arc<StopCause>),
    /// The data directory was written in another format (an older manaflow).
    #[error(
        "data directory {} holds data format {found}, and this build reads format {}: move it aside or remove it, or start with a new --data-dir",
        dir.display(),
        crate::format::DATA_FORMAT
    )]
    #[cfg(feature = "store")]
    Format {
        /// The directory.
        dir: PathBuf,
        /// The format it records.
        found: String,
    },
    /// A compact block (DESIGN §10) that does not expand: its bytes, or one tx's witness.
    #[error(transparent)]
    Compact(#[from] manaflow_types::CompactError),
    /// A fraud proof was asked of a block that breaks no rule, or could not be made.
    #[error("no fraud proof: {0}")]
    NoFraud(String),
    /// The background thread writing the checkpoint panicked.
    #[error("checkpoint flush thread panicked")]
    FlushPanicked,
}

/// Why a ledger stopped.
#[derive(Debug, Error)]
pub enum StopCause {
    /// The checkpoint flush thread panicked.
    #[error("the checkpoint flush thread panicked")]
    FlushPanicked,
    /// A rollback was applied in memory but its checkpoint or truncation failed.
    #[error("rollback to block {number} was not persisted: {source}")]
    Rollback {
        /// The block rolled back to.
        number: u64,
        /// What failed.
        #[source]
        source: Box<LedgerError>,
    },
}

/// How stored data is damaged.
#[derive(Debug, Error)]
pub enum Corruption {
    /// Stored bytes did not decode.
    #[error("{0}")]
    Decode(#[from] DecodeError),
    /// The checkpoint claims a height the block store does not reach.
    #[error("checkpoint at height {height} is above the block store's tip ({blocks} blocks)")]
    CheckpointAboveTip {
        /// The checkpoint's height.
        height: u64,
        /// Blocks in the store.
        blocks: usize,
    },
    /// A checkpoint field does not decode.
    #[error("checkpoint {0} is malformed")]
    Checkpoint(&'static str),
    /// After recovery the set's digest is not the tip header's commitment.
    #[error("UTXO set after recovery has commitment {set}, the tip header says {header}")]
    RecoveredCommitment {
        /// The recovered set's digest.
        set: B256,
        /// The tip header's commitment.
        header: B256,
    },
    /// A recomputation of the commitment disagrees with the running one.
    #[error("recomputed commitment {recomputed} differs from the running one {running}")]
    RunningCommitment {
        /// From every member of the set.
        recomputed: B256,
        /// The incremental one.
        running: B256,
    },
    /// The tip header's commitment is not the set's.
    #[error("tip header commits to {header}, the set is {set}")]
    TipCommitment {
        /// The tip header's commitment.
        header: B256,
        /// The set's digest.
        set: B256,
    },
    /// The set counts fewer keys than the blocks being rolled back first wrote.
    #[error("the set's size is below the keys the blocks first wrote")]
    SetSize,
    /// The tx index names a block the store does not hold.
    #[error("indexed tx {id} is in missing block {block}")]
    MissingBlock {
        /// The tx.
        id: TxId,
        /// The block the index names.
        block: u64,
    },
    /// A block's extent record does not decode (`None`: the last one).
    #[error("extent of block {}", .0.map_or_else(|| "at the end".to_string(), |n| n.to_string()))]
    Extent(Option<u64>),
    /// A block's bytes could not be read.
    #[error("reading block {number} from blocks.dat: {source}")]
    ReadBlock {
        /// The block.
        number: u64,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A block's bytes do not match the checksum stored with them.
    #[error("block {0} in blocks.dat does not match its checksum")]
    Checksum(u64),
    /// The header table has a gap.
    #[error("header keys are not contiguous at {0}")]
    HeaderGap(u64),
    /// A stored output does not decode or fails its checksum.
    #[error("the output of {0} in the UTXO checkpoint (state/) fails its checksum")]
    Output(StateKey),
    /// A stored output's key does not decode.
    #[error("a key in the UTXO checkpoint (state/) does not decode")]
    OutputKey,
    /// The state history names a block that does not write the key.
    #[error("block {block} is indexed as writing {key} but does not")]
    History {
        /// The block.
        block: u64,
        /// The key.
        key: StateKey,
    },
}

impl Corruption {
    /// Whether it is in the UTXO checkpoint (derived data, rebuilt from the block store) rather
    /// than in the blocks.
    pub fn is_in_checkpoint(&self) -> bool {
        matches!(
            self,
            Corruption::Output(_)
                | Corruption::OutputKey
                | Corruption::Checkpoint(_)
                | Corruption::CheckpointAboveTip { .. }
                | Corruption::RecoveredCommitment { .. }
        )
    }
}

impl From<Violation> for LedgerError {
    fn from(v: Violation) -> Self {
        LedgerError::Invalid(Box::new(v))
    }
}

impl From<DecodeError> for LedgerError {
    fn from(e: DecodeError) -> Self {
        LedgerError::Corrupt(Corruption::Decode(e))
    }
}

impl LedgerError {
    /// The violation, if the error is an invalid block.
    pub fn violation(&self) -> Option<&Violation> {
        match self {
            LedgerError::Invalid(v) => Some(v),
            _ => None,
        }
    }
}

/// Result alias for the ledger.
pub type Result<T, E = LedgerError> = std::result::Result<T, E>;
