//! Errors of the ledger: an invalid block (a [`Violation`]) or a storage failure.

use manaflow_types::{DecodeError, Violation};
use thiserror::Error;

/// What can go wrong applying or reading blocks.
#[derive(Debug, Error)]
pub enum LedgerError {
    /// The block broke a validity rule; nothing was written.
    #[error("invalid block: {0}")]
    Invalid(Box<Violation>),
    /// LMDB failed.
    #[error("storage: {0}")]
    Storage(#[from] heed::Error),
    /// Stored bytes did not decode: the data directory is damaged.
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// A block or tx that is not in the store.
    #[error("not found: {0}")]
    NotFound(String),
    /// A request the ledger cannot serve in its current state.
    #[error("{0}")]
    Refused(String),
}

impl From<Violation> for LedgerError {
    fn from(v: Violation) -> Self {
        LedgerError::Invalid(Box::new(v))
    }
}

impl From<DecodeError> for LedgerError {
    fn from(e: DecodeError) -> Self {
        LedgerError::Corrupt(e.to_string())
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
