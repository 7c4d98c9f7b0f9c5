//! The coordinator's log index (a secondary index, DESIGN §5): for each address that logged and
//! each topic logged, the blocks holding such a log, ascending. `eth_getLogs` reads only the
//! blocks its filter's addresses and topics all point to, so a query over the whole chain costs
//! in proportion to the blocks that match, not to the chain.

use std::collections::HashMap;

use alloy_primitives::{Address, B256};
use alloy_rpc_types_eth::{Filter, FilterSet};
use manaflow_types::Block;

/// The index.
#[derive(Debug, Default)]
pub struct LogIndex {
    /// Blocks with at least one log.
    with_logs: Vec<u64>,
    /// Per address, the blocks where it logged.
    by_address: HashMap<Address, Vec<u64>>,
    /// Per topic (at any position), the blocks where it was logged.
    by_topic: HashMap<B256, Vec<u64>>,
}

/// Appends `number` to a posting list unless it already ends with it.
fn post(list: &mut Vec<u64>, number: u64) {
    if list.last() != Some(&number) {
        list.push(number);
    }
}

/// The part of an ascending list within `from..=to`.
fn within(list: &[u64], from: u64, to: u64) -> &[u64] {
    let start = list.partition_point(|&n| n < from);
    let end = list.partition_point(|&n| n <= to);
    &list[start..end.max(start)]
}

/// The union of ascending lists, ascending and without repeats.
fn union(lists: Vec<&[u64]>) -> Vec<u64> {
    let mut out: Vec<u64> = lists.concat();
    out.sort_unstable();
    out.dedup();
    out
}

/// The numbers of ascending `a` also in ascending `b`.
fn intersect(a: &[u64], b: &[u64]) -> Vec<u64> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

impl LogIndex {
    /// Records `block` (blocks are recorded in height order).
    pub fn record(&mut self, block: &Block) {
        let number = block.header.number;
        for log in block.outcomes.iter().flat_map(|o| &o.logs) {
            post(&mut self.with_logs, number);
            post(self.by_address.entry(log.address).or_default(), number);
            for topic in log.data.topics() {
                post(self.by_topic.entry(*topic).or_default(), number);
            }
        }
    }

    /// Forgets the blocks above `height` (a rollback).
    pub fn truncate(&mut self, height: u64) {
        cut(&mut self.with_logs, height);
        self.by_address.retain(|_, list| cut(list, height));
        self.by_topic.retain(|_, list| cut(list, height));
    }

    /// The blocks in `from..=to` that may hold a log `filter` matches: every block there whose
    /// logs include one of the filter's addresses (when it names any) and, for each topic
    /// position it constrains, one of that position's topics (at some position: the blocks are
    /// candidates, matched exactly when read).
    pub fn candidates(&self, filter: &Filter, from: u64, to: u64) -> Vec<u64> {
        let mut result: Vec<u64> = within(&self.with_logs, from, to).to_vec();
        let mut narrow = |set: Vec<&[u64]>| {
            let matching = union(set);
            result = intersect(&result, &matching);
        };
        if !filter.address.is_empty() {
            narrow(
                filter
                    .address
                    .iter()
                    .map(|a| self.by_address.get(a).map_or(&[][..], |l| within(l, from, to)))
                    .collect(),
            );
        }
        for topics in &filter.topics {
            if topics.is_empty() {
                continue;
            }
            narrow(topic_lists(&self.by_topic, topics, from, to));
        }
        result
    }
}

/// The posting lists, within the range, of each topic of one position.
fn topic_lists<'a>(
    by_topic: &'a HashMap<B256, Vec<u64>>,
    topics: &FilterSet<B256>,
    from: u64,
    to: u64,
) -> Vec<&'a [u64]> {
    topics.iter().map(|t| by_topic.get(t).map_or(&[][..], |l| within(l, from, to))).collect()
}

/// Cuts an ascending list to the numbers up to `height`; whether any is left.
fn cut(list: &mut Vec<u64>, height: u64) -> bool {
    let keep = list.partition_point(|&n| n <= height);
    list.truncate(keep);
    !list.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Log, LogData};
    use manaflow_types::{Header, Outcome};

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
        }
    }

    #[test]
    fn candidates_are_the_blocks_every_constraint_points_to() {
        let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
        let (t, u) = (B256::repeat_byte(7), B256::repeat_byte(8));
        let mut index = LogIndex::default();
        index.record(&block(1, &[(a, &[t])]));
        index.record(&block(2, &[(b, &[u])]));
        index.record(&block(3, &[]));
        index.record(&block(4, &[(a, &[u]), (b, &[t])]));
        assert_eq!(index.candidates(&Filter::new(), 0, 10), [1, 2, 4]);
        assert_eq!(index.candidates(&Filter::new().address(a), 0, 10), [1, 4]);
        assert_eq!(index.candidates(&Filter::new().address(a).event_signature(u), 0, 10), [4]);
        assert_eq!(index.candidates(&Filter::new().address(vec![a, b]), 2, 3), [2]);
        assert!(index.candidates(&Filter::new().address(Address::ZERO), 0, 10).is_empty());
        index.truncate(2);
        assert_eq!(index.candidates(&Filter::new().address(a), 0, 10), [1]);
        index.record(&block(3, &[(a, &[t])]));
        assert_eq!(index.candidates(&Filter::new().event_signature(t), 0, 10), [1, 3]);
    }
}
