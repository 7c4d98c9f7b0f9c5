//! What one block adds to the secondary index: worked out from the block alone (and the senders
//! of its listed txs), before the index's write transaction opens.

use alloy_primitives::{Address, B256, KECCAK256_EMPTY, U256};
use manaflow_types::{Block, Mark, Tx};

use super::{LOG_ADDRESS, LOG_ANY, LOG_TOPIC, Table};

/// The entries of one block, as `(table, key, value)`.
#[derive(Debug, Default)]
pub struct BlockEntries {
    entries: Vec<(Table, Vec<u8>, Vec<u8>)>,
}

impl BlockEntries {
    /// The entries of `block` with hash `hash`; `sender` gives a listed tx's sender (`None`:
    /// unknown, and the tx is not indexed by sender); `is_designator` tells whether code by hash
    /// is an EIP-7702 delegation (which creates no contract).
    pub fn of(
        block: &Block,
        hash: B256,
        sender: impl Fn(&Tx) -> Option<Address>,
        is_designator: impl Fn(&B256) -> bool,
    ) -> Self {
        let mut out = Self::default();
        let number = block.header.number;
        let height = number.to_be_bytes();
        out.push(Table::Hashes, hash.to_vec(), height.to_vec());
        let mut writes: Vec<Vec<u8>> = block
            .txs
            .iter()
            .flat_map(|tx| tx.moves())
            .filter(|m| m.mark != Mark::Context && m.is_write())
            .map(|m| [&m.key().to_bytes()[..], &height].concat())
            .collect();
        writes.sort_unstable();
        writes.dedup();
        for key in writes {
            out.push(Table::Writes, key, Vec::new());
        }
        for (index, tx) in block.txs.iter().enumerate() {
            if !matches!(tx, Tx::System(_)) {
                out.listed_tx(tx, number, index as u32, &sender, &is_designator);
            }
        }
        let mut logs: Vec<Vec<u8>> = Vec::new();
        for log in block.outcomes.iter().flat_map(|o| &o.logs) {
            logs.push([&[LOG_ANY][..], &height].concat());
            logs.push([&[LOG_ADDRESS][..], log.address.as_slice(), &height].concat());
            for topic in log.data.topics() {
                logs.push([&[LOG_TOPIC][..], topic.as_slice(), &height].concat());
            }
        }
        logs.sort_unstable();
        logs.dedup();
        for key in logs {
            out.push(Table::Logs, key, Vec::new());
        }
        out
    }

    /// The entries of listed tx `index` of block `number`.
    fn listed_tx(
        &mut self,
        tx: &Tx,
        number: u64,
        index: u32,
        sender: &impl Fn(&Tx) -> Option<Address>,
        is_designator: &impl Fn(&B256) -> bool,
    ) {
        let id = tx.id();
        let at = [&number.to_be_bytes()[..], &index.to_be_bytes()].concat();
        let located = [id.as_slice(), &number.to_be_bytes()].concat();
        let mut addresses: Vec<Address> =
            tx.moves().iter().filter(|m| m.mark != Mark::Context).map(|m| m.addr).collect();
        addresses.sort_unstable();
        addresses.dedup();
        for address in addresses {
            self.push(Table::Touched, [address.as_slice(), &at].concat(), Vec::new());
        }
        if let Some(from) = sender(tx) {
            let nonce = tx
                .moves()
                .iter()
                .find(|m| m.mark == Mark::Nonce && m.addr == from)
                .map(|m| U256::from_be_bytes(m.prev.0).saturating_to::<u64>());
            if let Some(nonce) = nonce {
                self.push(Table::Sent, [from.as_slice(), &nonce.to_be_bytes()].concat(), located.clone());
            }
        }
        let created = tx.moves().iter().filter(|m| m.mark == Mark::Code && m.prev.is_zero() && !m.next.is_zero());
        for m in created {
            if m.next != KECCAK256_EMPTY && !is_designator(&m.next) && !self.creates(&m.addr) {
                self.push(Table::Created, m.addr.to_vec(), located.clone());
            }
        }
    }

    /// Whether an earlier tx of this block already created `address`.
    fn creates(&self, address: &Address) -> bool {
        self.entries.iter().any(|(table, key, _)| *table == Table::Created && key == address.as_slice())
    }

    fn push(&mut self, table: Table, key: Vec<u8>, value: Vec<u8>) {
        self.entries.push((table, key, value));
    }

    /// The entries, in the order they were worked out.
    pub fn iter(&self) -> impl Iterator<Item = (Table, &[u8], &[u8])> {
        self.entries.iter().map(|(t, k, v)| (*t, k.as_slice(), v.as_slice()))
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
