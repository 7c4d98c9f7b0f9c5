//! Senders already recovered from a tx's exact bytes, so the node's validator does not recover
//! them a second time (a recovery costs ~40 µs, as much as executing an ERC20 transfer twice).
//!
//! Sound because the key is the tx id, `keccak256(raw)`: the same bytes always recover the same
//! sender. A table is filled by whoever recovered the sender (the coordinator admitting a tx)
//! and emptied once the tx's block is decided; a validator that finds nothing recovers.

use std::collections::HashMap;
use std::sync::RwLock;

use alloy_primitives::{Address, B256};

/// Recovered senders by tx id.
#[derive(Debug, Default)]
pub struct KnownSenders {
    senders: RwLock<HashMap<B256, Address>>,
}

impl KnownSenders {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that the tx with id `id` was signed by `sender`.
    pub fn insert(&self, id: B256, sender: Address) {
        self.senders.write().unwrap_or_else(|e| e.into_inner()).insert(id, sender);
    }

    /// Forgets tx `id`.
    pub fn remove(&self, id: &B256) {
        self.senders.write().unwrap_or_else(|e| e.into_inner()).remove(id);
    }

    /// The sender of tx `id`, if recovered before.
    pub fn get(&self, id: &B256) -> Option<Address> {
        self.senders.read().unwrap_or_else(|e| e.into_inner()).get(id).copied()
    }

    /// Number of senders held.
    pub fn len(&self) -> usize {
        self.senders.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
