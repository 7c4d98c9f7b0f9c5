//! The coordinator's log index (a secondary index, DESIGN §5, kept in [`crate::index`]): for
//! each address that logged and each topic logged, the blocks holding such a log. `eth_getLogs`
//! reads only the blocks its filter's addresses and topics all point to, found by a leapfrog
//! join, so a query over the whole chain costs in proportion to the blocks that match, not to
//! the chain.

use alloy_rpc_types_eth::Filter;

use crate::error::IndexError;
use crate::index::{ChainIndex, LOG_ADDRESS, LOG_TOPIC};

/// The log searches over the index.
#[derive(Clone, Copy)]
pub struct LogIndex<'a>(pub(crate) &'a ChainIndex);

impl LogIndex<'_> {
    /// The blocks in `from..=to` that may hold a log `filter` matches: every block there whose
    /// logs include one of the filter's addresses (when it names any) and, for each topic
    /// position it constrains, one of that position's topics (at some position: the blocks are
    /// candidates, matched exactly when read).
    pub fn candidates(&self, filter: &Filter, from: u64, to: u64) -> Result<Vec<u64>, IndexError> {
        let kind = |tag: u8, value: &[u8]| [&[tag][..], value].concat();
        let mut sets: Vec<Vec<Vec<u8>>> = Vec::new();
        if !filter.address.is_empty() {
            sets.push(filter.address.iter().map(|a| kind(LOG_ADDRESS, a.as_slice())).collect());
        }
        for topics in filter.topics.iter().filter(|t| !t.is_empty()) {
            sets.push(topics.iter().map(|t| kind(LOG_TOPIC, t.as_slice())).collect());
        }
        self.0.log_blocks_in_all(&sets, from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Address, B256, Log, LogData};
    use manaflow_ledger::Durability;
    use manaflow_types::{Block, Header, Outcome};

    use crate::index::BlockEntries;

    fn block(number: u64, logs: &[(Address, &[B256])]) -> Block {
        let logs = logs
            .iter()
            .map(|(address, topics)| Log {
                address: *address,
                data: LogData::new_unchecked(topics.to_vec(), Default::default()),
            })
            .collect();
        Block {
            header: Header { number, ..Header::default() },
            txs: Vec::new(),
            outcomes: vec![Outcome { success: true, gas_used: 0, logs, codes: Vec::new() }],
            refs: Vec::new(),
        }
    }

    fn record(index: &ChainIndex, block: &Block) {
        let entries = BlockEntries::of(block, block.header.hash(), |_| None, |_| false);
        index.record(block, &entries).unwrap();
    }

    #[test]
    fn candidates_are_the_blocks_every_constraint_points_to() {
        let dir = tempfile::tempdir().unwrap();
        let index = ChainIndex::open(dir.path(), Durability::Ephemeral).unwrap();
        let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
        let (t, u) = (B256::repeat_byte(7), B256::repeat_byte(8));
        record(&index, &block(0, &[]));
        record(&index, &block(1, &[(a, &[t])]));
        record(&index, &block(2, &[(b, &[u])]));
        record(&index, &block(3, &[]));
        record(&index, &block(4, &[(a, &[u]), (b, &[t])]));
        let logs = LogIndex(&index);
        assert_eq!(logs.candidates(&Filter::new(), 0, 10).unwrap(), [1, 2, 4]);
        assert_eq!(logs.candidates(&Filter::new().address(a), 0, 10).unwrap(), [1, 4]);
        assert_eq!(logs.candidates(&Filter::new().address(a).event_signature(u), 0, 10).unwrap(), [4]);
        assert_eq!(logs.candidates(&Filter::new().address(vec![a, b]), 2, 3).unwrap(), [2]);
        assert_eq!(logs.candidates(&Filter::new().address(a).event_signature(vec![t, u]), 0, 10).unwrap(), [1, 4]);
        assert_eq!(logs.candidates(&Filter::new().address(b).event_signature(t), 0, 10).unwrap(), [4]);
        assert_eq!(logs.candidates(&Filter::new().address(b).event_signature(t), 0, 3).unwrap(), Vec::<u64>::new());
        assert!(logs.candidates(&Filter::new().address(Address::ZERO), 0, 10).unwrap().is_empty());
        index.rollback_to(2).unwrap();
        assert_eq!(logs.candidates(&Filter::new().address(a), 0, 10).unwrap(), [1]);
        record(&index, &block(3, &[(a, &[t])]));
        assert_eq!(logs.candidates(&Filter::new().event_signature(t), 0, 10).unwrap(), [1, 3]);
        // Out of order is refused, and a reopened index keeps what it held.
        assert!(index.record(&block(7, &[]), &BlockEntries::default()).is_err());
        drop(index);
        let index = ChainIndex::open(dir.path(), Durability::Ephemeral).unwrap();
        assert_eq!(index.blocks_recorded().unwrap(), 4);
        assert_eq!(LogIndex(&index).candidates(&Filter::new().event_signature(t), 0, 10).unwrap(), [1, 3]);
    }
}
