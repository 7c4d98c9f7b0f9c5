//! The coordinator's secondary index of txs (DESIGN §5: not needed to validate, kept for the
//! web3 API): for each address, the listed txs that touched it (every address of a tx's moves);
//! the tx of each sender and nonce; the tx that created each contract. Otterscan's searches read
//! it, so they answer from the index rather than by scanning blocks.

use std::collections::HashMap;

use alloy_primitives::{Address, B256, U256};
use manaflow_types::{Block, Mark, Tx};

/// Where a listed tx sits: block number and ledger index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TxRef {
    /// Block number.
    pub block: u64,
    /// Index in the block (the ledger's).
    pub index: u32,
}

/// The index.
#[derive(Debug, Default)]
pub struct TxIndex {
    /// Per address, the txs that touched it, in chain order.
    by_address: HashMap<Address, Vec<TxRef>>,
    /// Per (sender, nonce), the tx and its block.
    by_sender_nonce: HashMap<(Address, u64), (B256, u64)>,
    /// Per contract, the tx that created it and its block.
    creations: HashMap<Address, (B256, u64)>,
}

impl TxIndex {
    /// Records `block` (blocks are recorded in height order); `sender` gives a listed tx's sender
    /// (`None`: unknown, and the tx is not indexed by sender); `is_designator` tells whether code
    /// by hash is an EIP-7702 delegation (which creates no contract).
    pub fn record(
        &mut self,
        block: &Block,
        sender: impl Fn(&Tx) -> Option<Address>,
        is_designator: impl Fn(&B256) -> bool,
    ) {
        let number = block.header.number;
        for (index, tx) in block.txs.iter().enumerate() {
            if matches!(tx, Tx::System(_)) {
                continue;
            }
            let at = TxRef { block: number, index: index as u32 };
            let id = tx.id();
            let mut addresses: Vec<Address> =
                tx.moves().iter().filter(|m| m.mark != Mark::Context).map(|m| m.addr).collect();
            addresses.sort_unstable();
            addresses.dedup();
            for address in addresses {
                self.by_address.entry(address).or_default().push(at);
            }
            if let Some(from) = sender(tx) {
                let nonce = tx
                    .moves()
                    .iter()
                    .find(|m| m.mark == Mark::Nonce && m.addr == from)
                    .map(|m| U256::from_be_bytes(m.prev.0).saturating_to::<u64>());
                if let Some(nonce) = nonce {
                    self.by_sender_nonce.insert((from, nonce), (id, number));
                }
            }
            for m in tx.moves().iter().filter(|m| m.mark == Mark::Code && m.prev.is_zero() && !m.next.is_zero()) {
                if m.next != alloy_primitives::KECCAK256_EMPTY && !is_designator(&m.next) {
                    self.creations.entry(m.addr).or_insert((id, number));
                }
            }
        }
    }

    /// Forgets the blocks above `height` (after a rollback).
    pub fn truncate(&mut self, height: u64) {
        self.by_address.retain(|_, refs| {
            refs.truncate(refs.partition_point(|r| r.block <= height));
            !refs.is_empty()
        });
        self.creations.retain(|_, (_, block)| *block <= height);
        self.by_sender_nonce.retain(|_, (_, block)| *block <= height);
    }

    /// The txs that touched `address`, in chain order.
    pub fn of_address(&self, address: &Address) -> &[TxRef] {
        self.by_address.get(address).map_or(&[], Vec::as_slice)
    }

    /// The tx `sender` sent with `nonce`.
    pub fn by_sender_and_nonce(&self, sender: &Address, nonce: u64) -> Option<B256> {
        self.by_sender_nonce.get(&(*sender, nonce)).map(|(id, _)| *id)
    }

    /// The tx that created `contract`.
    pub fn creation(&self, contract: &Address) -> Option<B256> {
        self.creations.get(contract).map(|(id, _)| *id)
    }
}
