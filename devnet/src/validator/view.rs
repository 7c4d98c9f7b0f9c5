//! What a batch's per-tx checks read, published with each template so that they take none of
//! the validator's locks: the template, the hashes of the newest blocks (BLOCKHASH reaches 256
//! back), whether the chain is in dev mode, and the code table (with code the block being filled
//! deploys). The next template is published as soon as a block is sealed, before the ledger
//! commits it, so the next block's checks run while the last one is committed.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use alloy_primitives::{B256, Bytes};
use manaflow_types::{ChainContext, CodeSource, Header};
use parking_lot::RwLock;

/// How many of the newest block hashes a view keeps (what BLOCKHASH can read).
pub const RECENT_HASHES: usize = 256;

/// Code by hash: the chain's code table and what the blocks being filled deploy.
#[derive(Default)]
pub struct CodeCache(RwLock<HashMap<B256, Bytes>>);

impl CodeCache {
    /// A cache holding `codes`.
    pub fn new(codes: impl IntoIterator<Item = (B256, Bytes)>) -> Self {
        Self(RwLock::new(codes.into_iter().collect()))
    }

    /// Adds `code`, found under `hash`.
    pub fn insert(&self, hash: B256, code: Bytes) {
        self.0.write().entry(hash).or_insert(code);
    }
}

impl CodeSource for CodeCache {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.0.read().get(hash).cloned()
    }
}

/// The view of one template's checks.
pub struct CheckView {
    /// The block being filled.
    pub template: Header,
    /// The newest blocks' numbers and hashes, oldest first.
    recent: VecDeque<(u64, B256)>,
    dev_mode: bool,
    /// The code table.
    pub codes: Arc<CodeCache>,
}

impl CheckView {
    /// The view for `template`, after the blocks in `recent`.
    pub fn new(template: Header, recent: VecDeque<(u64, B256)>, dev_mode: bool, codes: Arc<CodeCache>) -> Self {
        Self { template, recent, dev_mode, codes }
    }
}

impl ChainContext for CheckView {
    fn block_hash(&self, number: u64) -> Option<B256> {
        let (first, _) = *self.recent.front()?;
        let at = number.checked_sub(first)? as usize;
        self.recent.get(at).filter(|(n, _)| *n == number).map(|(_, hash)| *hash)
    }

    fn dev_mode(&self) -> bool {
        self.dev_mode
    }
}
