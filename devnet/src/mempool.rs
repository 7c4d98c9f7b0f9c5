//! The bounded mempool: txs by sender and nonce. A tx is *ready* when every nonce from its
//! sender's current one up to its own is pooled; future nonces wait until the gap fills. Ready
//! txs leave in arrival order, each sender's in nonce order.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

use alloy_primitives::Address;
use manaflow_types::TxId;

use crate::admission::Admitted;
pub use crate::error::PoolError;

/// A pooled tx and whoever waits for its fate.
#[derive(Debug)]
pub struct Pooled<W> {
    /// The tx.
    pub tx: Admitted,
    /// Arrival order.
    pub seq: u64,
    /// Told when the tx is mined or dropped.
    pub waiter: Option<W>,
}

/// What inserting did.
#[derive(Debug)]
pub struct Inserted<W> {
    /// Whether the tx can go into the next block (no nonce gap before it).
    pub ready: bool,
    /// The tx it replaced, if any.
    pub replaced: Option<Pooled<W>>,
}

/// The pool.
#[derive(Debug)]
pub struct Mempool<W> {
    by_sender: HashMap<Address, BTreeMap<u64, Pooled<W>>>,
    hashes: HashSet<TxId>,
    capacity: usize,
    next_seq: u64,
}

impl<W> Mempool<W> {
    /// An empty pool holding at most `capacity` txs.
    pub fn new(capacity: usize) -> Self {
        Self { by_sender: HashMap::new(), hashes: HashSet::new(), capacity, next_seq: 0 }
    }

    /// Number of pooled txs.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Whether tx `hash` is pooled.
    pub fn contains(&self, hash: &TxId) -> bool {
        self.hashes.contains(hash)
    }

    /// The pooled tx `hash`.
    pub fn get(&self, hash: &TxId) -> Option<&Admitted> {
        if !self.hashes.contains(hash) {
            return None;
        }
        self.by_sender.values().flat_map(|txs| txs.values()).map(|p| &p.tx).find(|tx| tx.hash == *hash)
    }

    /// Every pooled tx.
    pub fn iter(&self) -> impl Iterator<Item = &Admitted> {
        self.by_sender.values().flat_map(|txs| txs.values()).map(|p| &p.tx)
    }

    /// The nonce `sender`'s next tx should carry: its state nonce plus the run of pooled
    /// nonces from there.
    pub fn pending_nonce(&self, sender: Address, state_nonce: u64) -> u64 {
        let mut nonce = state_nonce;
        if let Some(txs) = self.by_sender.get(&sender) {
            while txs.contains_key(&nonce) {
                nonce += 1;
            }
        }
        nonce
    }

    /// Pools `tx` (whose sender's state nonce is `state_nonce`, at or below the tx's).
    pub fn insert(&mut self, tx: Admitted, state_nonce: u64, waiter: Option<W>) -> Result<Inserted<W>, PoolError> {
        if self.hashes.contains(&tx.hash) {
            return Err(PoolError::AlreadyKnown(tx.hash));
        }
        let (sender, nonce) = (tx.call.caller, tx.call.nonce);
        let existing = self.by_sender.get(&sender).and_then(|txs| txs.get(&nonce));
        if let Some(old) = existing {
            if tx.call.max_fee_per_gas <= old.tx.call.max_fee_per_gas {
                return Err(PoolError::Underpriced { nonce });
            }
        } else if self.hashes.len() >= self.capacity {
            return Err(PoolError::Full(self.hashes.len()));
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.hashes.insert(tx.hash);
        let txs = self.by_sender.entry(sender).or_default();
        let replaced = txs.insert(nonce, Pooled { tx, seq, waiter });
        if let Some(old) = &replaced {
            self.hashes.remove(&old.tx.hash);
        }
        let ready = (state_nonce..nonce).all(|n| txs.contains_key(&n));
        Ok(Inserted { ready, replaced })
    }

    /// Takes the ready txs, in arrival order (each sender's in nonce order), whose gas limits
    /// sum to at most `gas`; `state_nonce` gives each sender's current nonce. Returns them and
    /// the stale txs dropped on the way (nonces below the sender's).
    pub fn take_ready(
        &mut self,
        mut state_nonce: impl FnMut(Address) -> u64,
        gas: u64,
    ) -> (Vec<Pooled<W>>, Vec<Pooled<W>>) {
        let mut stale = Vec::new();
        let mut heads = BinaryHeap::new();
        let mut next_nonce = HashMap::new();
        for (sender, txs) in &mut self.by_sender {
            let nonce = state_nonce(*sender);
            let fresh = txs.split_off(&nonce);
            stale.extend(std::mem::replace(txs, fresh).into_values());
            if let Some(head) = txs.get(&nonce) {
                heads.push(Reverse((head.seq, *sender)));
                next_nonce.insert(*sender, nonce);
            }
        }
        let mut taken = Vec::new();
        let mut gas_left = gas;
        while let Some(Reverse((_, sender))) = heads.pop() {
            let nonce = next_nonce[&sender];
            let txs = self.by_sender.get_mut(&sender).expect("a head comes from a pooled sender");
            let fits = txs.get(&nonce).is_some_and(|p| p.tx.call.gas_limit <= gas_left);
            if !fits {
                continue;
            }
            let pooled = txs.remove(&nonce).expect("checked above");
            gas_left -= pooled.tx.call.gas_limit;
            if let Some(next) = txs.get(&(nonce + 1)) {
                heads.push(Reverse((next.seq, sender)));
                next_nonce.insert(sender, nonce + 1);
            }
            taken.push(pooled);
        }
        for pooled in taken.iter().chain(&stale) {
            self.hashes.remove(&pooled.tx.hash);
        }
        self.by_sender.retain(|_, txs| !txs.is_empty());
        (taken, stale)
    }

    /// Removes and returns the txs whose nonces are below their sender's (another tx with the
    /// nonce was included: a coordinator following a validator learns it from a block).
    pub fn evict_stale(&mut self, mut state_nonce: impl FnMut(Address) -> u64) -> Vec<Pooled<W>> {
        let mut stale = Vec::new();
        for (sender, txs) in &mut self.by_sender {
            let fresh = txs.split_off(&state_nonce(*sender));
            stale.extend(std::mem::replace(txs, fresh).into_values());
        }
        for pooled in &stale {
            self.hashes.remove(&pooled.tx.hash);
        }
        self.by_sender.retain(|_, txs| !txs.is_empty());
        stale
    }

    /// Puts txs taken but not mined (they did not fit) back, keeping their arrival order.
    pub fn put_back(&mut self, txs: Vec<Pooled<W>>) {
        for pooled in txs {
            self.hashes.insert(pooled.tx.hash);
            self.by_sender.entry(pooled.tx.call.caller).or_default().insert(pooled.tx.call.nonce, pooled);
        }
    }

    /// Whether any tx is ready given the senders' state nonces.
    pub fn has_ready(&self, mut state_nonce: impl FnMut(Address) -> u64) -> bool {
        self.by_sender.iter().any(|(sender, txs)| txs.contains_key(&state_nonce(*sender)))
    }

    /// Removes tx `hash` (returned, so its waiter can be told); a later nonce of its sender then
    /// waits for the gap to fill again.
    pub fn remove(&mut self, hash: &TxId) -> Option<Pooled<W>> {
        if !self.hashes.remove(hash) {
            return None;
        }
        let (sender, nonce) = self
            .by_sender
            .iter()
            .find_map(|(sender, txs)| txs.iter().find(|(_, p)| p.tx.hash == *hash).map(|(n, _)| (*sender, *n)))?;
        let txs = self.by_sender.get_mut(&sender)?;
        let removed = txs.remove(&nonce);
        if txs.is_empty() {
            self.by_sender.remove(&sender);
        }
        removed
    }

    /// The pooled txs split as geth's `txpool_` methods show them: *pending* (ready: every nonce
    /// from the sender's state nonce up to theirs is pooled) and *queued* (waiting on a gap),
    /// each by sender in nonce order.
    pub fn partition(&self, mut state_nonce: impl FnMut(Address) -> u64) -> (Vec<&Admitted>, Vec<&Admitted>) {
        let (mut pending, mut queued) = (Vec::new(), Vec::new());
        let mut senders: Vec<&Address> = self.by_sender.keys().collect();
        senders.sort();
        for sender in senders {
            let mut next = state_nonce(*sender);
            for (nonce, pooled) in &self.by_sender[sender] {
                if *nonce == next {
                    pending.push(&pooled.tx);
                    next += 1;
                } else {
                    queued.push(&pooled.tx);
                }
            }
        }
        (pending, queued)
    }

    /// Removes every tx (returned, so their waiters can be told).
    pub fn clear(&mut self) -> Vec<Pooled<W>> {
        self.hashes.clear();
        self.by_sender.drain().flat_map(|(_, txs)| txs.into_values()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{B256, Bytes};
    use manaflow_types::Call;

    fn tx(sender: u8, nonce: u64, fee: u128) -> Admitted {
        let caller = Address::repeat_byte(sender);
        let hash = B256::from(alloy_primitives::keccak256([sender, nonce as u8, fee as u8]));
        Admitted {
            hash,
            raw: Bytes::new(),
            call: Call { caller, nonce, gas_limit: 21_000, max_fee_per_gas: fee, ..Call::default() },
            kind: crate::admission::Kind::Ethereum,
        }
    }

    #[test]
    fn removing_a_tx_reopens_its_gap_and_partition_shows_it() {
        let mut pool = Mempool::<()>::new(10);
        let (first, second, other) = (tx(1, 0, 1), tx(1, 1, 1), tx(2, 5, 1));
        for t in [&first, &second, &other] {
            pool.insert(t.clone(), 0, None).unwrap();
        }
        let (pending, queued) = pool.partition(|_| 0);
        assert_eq!(pending.iter().map(|t| t.hash).collect::<Vec<_>>(), [first.hash, second.hash]);
        assert_eq!(queued.iter().map(|t| t.hash).collect::<Vec<_>>(), [other.hash]);
        assert_eq!(pool.remove(&first.hash).map(|p| p.tx.hash), Some(first.hash));
        assert!(pool.remove(&first.hash).is_none(), "removed once");
        let (pending, queued) = pool.partition(|_| 0);
        assert!(pending.is_empty());
        assert_eq!(queued.len(), 2, "the sender's next nonce now waits on the gap");
        assert_eq!(pool.len(), 2);
    }

    #[test]
    fn txs_whose_nonce_was_used_elsewhere_are_evicted_and_the_rest_stay() {
        let mut pool = Mempool::<()>::new(10);
        let (used, next, other) = (tx(1, 0, 1), tx(1, 1, 1), tx(2, 0, 1));
        for t in [&used, &next, &other] {
            pool.insert(t.clone(), 0, None).unwrap();
        }
        // Sender 1's nonce 0 was included through another coordinator.
        let evicted = pool.evict_stale(|sender| u64::from(sender == Address::repeat_byte(1)));
        assert_eq!(evicted.iter().map(|p| p.tx.hash).collect::<Vec<_>>(), [used.hash]);
        assert_eq!(pool.len(), 2);
        assert!(!pool.contains(&used.hash) && pool.contains(&next.hash) && pool.contains(&other.hash));
    }

    #[test]
    fn future_nonces_wait_until_the_gap_fills() {
        let mut pool = Mempool::<()>::new(10);
        assert!(!pool.insert(tx(1, 2, 1), 0, None).unwrap().ready);
        assert!(pool.insert(tx(1, 0, 1), 0, None).unwrap().ready);
        let (taken, _) = pool.take_ready(|_| 0, u64::MAX);
        assert_eq!(taken.iter().map(|p| p.tx.call.nonce).collect::<Vec<_>>(), vec![0]);
        assert!(pool.insert(tx(1, 1, 1), 1, None).unwrap().ready);
        let (taken, _) = pool.take_ready(|_| 1, u64::MAX);
        assert_eq!(taken.iter().map(|p| p.tx.call.nonce).collect::<Vec<_>>(), vec![1, 2]);
        assert!(pool.is_empty());
    }

    #[test]
    fn ready_txs_leave_in_arrival_order_and_within_the_gas() {
        let mut pool = Mempool::<()>::new(10);
        pool.insert(tx(2, 0, 1), 0, None).unwrap();
        pool.insert(tx(1, 0, 1), 0, None).unwrap();
        pool.insert(tx(2, 1, 1), 0, None).unwrap();
        let (taken, _) = pool.take_ready(|_| 0, 2 * 21_000);
        let order: Vec<_> = taken.iter().map(|p| (p.tx.call.caller[0], p.tx.call.nonce)).collect();
        assert_eq!(order, vec![(2, 0), (1, 0)]);
        assert_eq!(pool.len(), 1);
        assert_eq!(pool.pending_nonce(Address::repeat_byte(2), 1), 2);
    }

    #[test]
    fn replacement_needs_a_higher_fee_and_the_pool_is_bounded() {
        let mut pool = Mempool::<()>::new(2);
        pool.insert(tx(1, 0, 5), 0, None).unwrap();
        assert_eq!(pool.insert(tx(1, 0, 5), 0, None).unwrap_err(), PoolError::AlreadyKnown(tx(1, 0, 5).hash));
        assert_eq!(pool.insert(tx(1, 0, 4), 0, None).unwrap_err(), PoolError::Underpriced { nonce: 0 });
        assert!(pool.insert(tx(1, 0, 6), 0, None).unwrap().replaced.is_some());
        pool.insert(tx(1, 1, 6), 0, None).unwrap();
        assert_eq!(pool.insert(tx(3, 0, 6), 0, None).unwrap_err(), PoolError::Full(2));
    }

    #[test]
    fn stale_nonces_are_dropped() {
        let mut pool = Mempool::<()>::new(10);
        pool.insert(tx(1, 0, 1), 0, None).unwrap();
        pool.insert(tx(1, 1, 1), 0, None).unwrap();
        let (taken, stale) = pool.take_ready(|_| 1, u64::MAX);
        assert_eq!((taken.len(), stale.len()), (1, 1));
        assert!(pool.is_empty());
    }
}
