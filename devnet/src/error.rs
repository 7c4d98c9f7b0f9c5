//! The devnet's errors, one enum per thing that can fail: starting the node ([`SetupError`]),
//! admitting a tx ([`NodeError`], [`NativeError`]), pooling it ([`SubmitError`]) and what a
//! pooled tx's sender learns when it is not included ([`Dropped`], [`Refusal`], [`FillError`],
//! [`PoolError`]). Every variant says what was
//! wrong; sources are kept.

use std::net::SocketAddr;
use std::sync::Arc;

use alloy_primitives::Address;
use manaflow_evm::EnvelopeError;
use manaflow_ledger::LedgerError;
use manaflow_types::check::UnsignedNonce;
use manaflow_types::{B256, DecodeError, ExecError, MissingState, Rejection, SignatureError, StateKey, TxId};
use thiserror::Error;

/// Why a tx or a request was not accepted. Nothing changed.
#[derive(Debug, Error)]
pub enum NodeError {
    /// The bytes are not an acceptable signed Ethereum tx.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The tx cannot execute (nonce, funds, gas…).
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// The block was refused or storage failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The tx asks for more gas than a block holds.
    #[error("exceeds block gas limit: tx gas limit {tx}, block gas limit {block}")]
    GasLimit {
        /// The tx's gas limit.
        tx: u64,
        /// The block's.
        block: u64,
    },
    /// The bytes are a native tx (type `0x4d`) that cannot be accepted.
    #[error("invalid native tx: {0}")]
    Native(#[from] NativeError),
    /// A timestamp before the latest block's was asked for the next block.
    #[error("timestamp {requested} is before the latest block's timestamp {tip}; pick one at or after it")]
    TimestampBeforeTip {
        /// The timestamp asked for.
        requested: u64,
        /// The latest block's.
        tip: u64,
    },
    /// The node could not start.
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// Sequencing refused the tx (a native tx that no longer fits the state).
    #[error(transparent)]
    Refused(Box<Refusal>),
    /// The validator refused a block the coordinator built (its txs were dropped).
    #[error(transparent)]
    BlockRefused(Arc<NodeError>),
    /// The secondary index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
}

impl From<manaflow_ledger::lmdb::heed::Error> for IndexError {
    fn from(e: manaflow_ledger::lmdb::heed::Error) -> Self {
        IndexError::Storage(e.into())
    }
}

/// Why the secondary index (derived data, [`crate::index`]) could not answer or record.
#[derive(Debug, Error)]
pub enum IndexError {
    /// Its storage failed.
    #[error("secondary index: {0}")]
    Storage(#[from] LedgerError),
    /// It holds something its layout does not allow (it is rebuilt from the blocks at the next
    /// start).
    #[error("the secondary index in {path} is corrupt: {what}; restart the node to rebuild it from the blocks")]
    Corrupt {
        /// Its directory.
        path: std::path::PathBuf,
        /// What was wrong.
        what: String,
    },
    /// A block came out of order.
    #[error("secondary index: block {number} recorded after {len} blocks")]
    OutOfOrder {
        /// Blocks recorded.
        len: u64,
        /// The block offered.
        number: u64,
    },
}

/// Why a native tx (type `0x4d`) was refused at admission.
#[derive(Debug, Error)]
pub enum NativeError {
    /// The bytes do not decode.
    #[error("cannot decode it: {0}")]
    Decode(#[from] DecodeError),
    /// Signed for another chain.
    #[error("invalid chain id for signer: signed for chain {signed}, this chain is {chain}")]
    ChainId {
        /// The chain id it carries.
        signed: u64,
        /// This chain's.
        chain: u64,
    },
    /// Moves out of canonical order, or two on one key.
    #[error("its moves must be in canonical order, one per key")]
    Order,
    /// A mask with undefined bits, or bits without the presence bit.
    #[error("move on {key} has an invalid mask {mask:#04x}")]
    Mask {
        /// The move's key.
        key: StateKey,
        /// Its mask byte.
        mask: u8,
    },
    /// Unlisted moves in a tx that is not open.
    #[error("it carries unlisted moves (presence bit 0) but is not open")]
    Unlisted,
    /// The signature does not recover.
    #[error("invalid signature: {0}")]
    Signature(#[from] SignatureError),
    /// The sender's own nonce move is not signed with the tx's nonce.
    #[error(transparent)]
    Nonce(#[from] UnsignedNonce),
}

/// Why the node could not start.
#[derive(Debug, Error)]
pub enum SetupError {
    /// The validator a coordinator follows cannot be followed.
    #[error("cannot follow the validator at {url}: {why}")]
    Upstream {
        /// Its URL.
        url: String,
        /// Why.
        why: String,
    },
    /// The temp dir of an ephemeral chain.
    #[error("cannot create a temp dir: {0}")]
    TempDir(#[source] std::io::Error),
    /// A damaged secondary index could not be removed to be rebuilt.
    #[error(
        "cannot remove the damaged secondary index {path} (remove it by hand; it is rebuilt from the blocks): {source}"
    )]
    Index {
        /// Its directory.
        path: std::path::PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
    /// The dev accounts do not derive from the mnemonic.
    #[error("cannot derive dev account {index} from the mnemonic: {source}")]
    Accounts {
        /// The account's index.
        index: usize,
        /// What the derivation said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The validation thread pool.
    #[error("cannot start the validation threads: {0}")]
    ValidationThreads(#[source] rayon::ThreadPoolBuildError),
    /// The async runtime of the RPC.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The RPC's port.
    #[error("cannot listen on {addr}: {source} (is another node running? try --port 0)")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The bound socket's address.
    #[error("cannot read the bound address: {0}")]
    LocalAddr(#[source] std::io::Error),
    /// The data dir holds a chain made with another setting than one asked for.
    #[error(
        "the data dir {dir} holds a chain made with {flag} {stored}, not the {asked} asked for \
         (start with {flag} {stored} or without the flag, or use another --data-dir)"
    )]
    SettingMismatch {
        /// The data dir.
        dir: std::path::PathBuf,
        /// The flag of the setting.
        flag: &'static str,
        /// The value the chain was made with.
        stored: String,
        /// The value asked for.
        asked: String,
    },
    /// The data dir's remembered settings cannot be read or written.
    #[error("cannot use the chain settings in {path}: {reason}")]
    ChainSettings {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A thread of the node.
    #[error("cannot start the {name} thread: {source}")]
    Thread {
        /// Which thread.
        name: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// Why a submitted tx was not pooled, or was pooled and then not included.
#[derive(Debug, Error)]
pub enum SubmitError {
    /// Decoding, signature, gas limit or state.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// The tx cannot pay or is out of order.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// The pool refused it.
    #[error(transparent)]
    Pool(#[from] PoolError),
    /// It was pooled but dropped when its block was built.
    #[error(transparent)]
    Dropped(#[from] Dropped),
}

/// Why a pooled tx left the pool without being included.
#[derive(Clone, Debug, Error)]
pub enum Dropped {
    /// Sequencing refused it (execution, or a stale or unfillable native tx).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Another tx with its nonce was mined first.
    #[error("nonce too low: transaction {0} was overtaken by another with its nonce")]
    Overtaken(TxId),
    /// The validator refused the block the coordinator built with it.
    #[error("the block was refused: {0}")]
    BlockRefused(Arc<NodeError>),
    /// Another tx with the same sender and nonce and a higher fee took its place.
    #[error("replaced by transaction {0}")]
    Replaced(TxId),
    /// `anvil_dropTransaction` or `anvil_dropAllTransactions` removed it from the pool.
    #[error("dropped from the pool by anvil_dropTransaction")]
    Removed,
    /// `evm_revert` emptied the pool.
    #[error("dropped by evm_revert")]
    Reverted,
    /// The node stopped before mining it.
    #[error("the node shut down before mining the transaction")]
    Shutdown,
}

/// Why a validator refused a whole batch (`manaflow_submitBatch`); a tx the batch carries is
/// refused on its own instead, with its fate.
#[derive(Debug, Error)]
pub enum BatchRefusal {
    /// The batch's bytes break a bound or are not a batch.
    #[error(transparent)]
    Batch(#[from] manaflow_types::BatchError),
    /// Its origin already has as many batches in flight as allowed.
    #[error(
        "{origin} already has {limit} batches in flight (the most allowed); wait for an answer before sending more"
    )]
    InFlight {
        /// The batch's origin.
        origin: String,
        /// The bound.
        limit: usize,
    },
    /// It names a block further ahead than the next but one.
    #[error("batch filled for block {target}, but the next block is {next}; fill it on manaflow_getTemplate's block")]
    Ahead {
        /// The block the batch names.
        target: u64,
        /// The block being filled.
        next: u64,
    },
    /// The validator is shutting down.
    #[error("the validator is shutting down")]
    Shutdown,
}

/// Why the pool refused a tx.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PoolError {
    /// The same tx is already pooled.
    #[error("already known: transaction {0} is already in the mempool")]
    AlreadyKnown(TxId),
    /// A tx with the same sender and nonce is pooled and pays at least as much.
    #[error(
        "replacement transaction underpriced: a transaction with nonce {nonce} is pending; raise its fee cap to replace it"
    )]
    Underpriced {
        /// The contested nonce.
        nonce: u64,
    },
    /// The pool holds as many txs as it may.
    #[error("txpool is full: {0} transactions are pending; mine or wait before sending more")]
    Full(usize),
}

/// Why a pooled tx was refused at sequencing.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Refusal {
    /// The runtime refused it (nonce, funds, gas…).
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// A native tx that no longer fits the state, or whose moves execution does not fill.
    #[error("invalid transaction: {0}")]
    Fill(#[from] FillError),
    /// A fully signed native tx whose execution needs a key it does not list.
    #[error("invalid transaction: execution needs {0}: a fully signed tx must list every key it touches")]
    Unlisted(MissingState),
    /// The validator this coordinator follows dropped it, for a reason re-filling cannot mend
    /// or after the re-fills allowed (DESIGN §11).
    #[error("the validator dropped it ({rule}): {reason}")]
    AtValidator {
        /// The rule, as the validator named it.
        rule: String,
        /// The validator's words, with how many times it was re-filled.
        reason: String,
    },
}

/// Why a native tx cannot be sequenced against the current state.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FillError {
    /// A signed field disagrees with what execution (or the live output) gives.
    #[error(transparent)]
    Stale(Box<StaleField>),
    /// Execution touches a key the tx does not list, and the tx is not open.
    #[error(
        "execution touches {key}, which the tx does not list, and the tx is not open: \
         list it, or sign the open flag to let the coordinator add it"
    )]
    Unlisted {
        /// The key.
        key: StateKey,
    },
    /// The tx lists a key that execution does not touch.
    #[error("the tx lists {key}, which execution does not touch")]
    Untouched {
        /// The key.
        key: StateKey,
    },
    /// Reading the state failed.
    #[error("the state has no output for {0}")]
    Missing(#[from] MissingState),
}

impl From<Refusal> for NodeError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Exec(e) => NodeError::Exec(e),
            other => NodeError::Refused(Box::new(other)),
        }
    }
}

/// A field a native tx signed that the state no longer gives.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "stale {field} for {key}: the tx signs {signed} but the state gives {actual}; \
     re-sign against the current state, or leave this field masked for the coordinator to fill"
)]
pub struct StaleField {
    /// The key.
    pub key: StateKey,
    /// `intx`, `prev` or `next`.
    pub field: &'static str,
    /// The signed value.
    pub signed: B256,
    /// The value the state gives.
    pub actual: B256,
}

/// Why a state dump could not be made, read or loaded.
#[derive(Debug, Error)]
pub enum StateError {
    /// Not JSON of Anvil's state format.
    #[error("the state dump is not JSON of Anvil's state format: {0}")]
    Json(#[source] serde_json::Error),
    /// Gzip failed.
    #[error("the state dump does not gunzip: {0}")]
    Gzip(#[source] std::io::Error),
    /// Decompresses past the bound.
    #[error("the state dump decompresses to more than {0} bytes")]
    TooLarge(u64),
    /// Storage on an account the model cannot hold it on.
    #[error(
        "account {0} has storage but neither a nonce nor code: the model keeps storage only on accounts \
         that exist (DESIGN §2); give it a nonce or code, or leave its storage out"
    )]
    StorageWithoutAccount(Address),
    /// A state file could not be read or written.
    #[error("cannot {action} the state file {}: {source}", path.display())]
    File {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The node could not read or change its state.
    #[error(transparent)]
    Node(#[from] NodeError),
}
