//! The coordinator's pool as clients inspect it: geth's pending/queued view, dropping txs on
//! request, and the feed of every pooled tx (pending-tx filters and `newPendingTransactions`).

use tokio::sync::broadcast;

use super::Coordinator;
use crate::admission::Admitted;
use crate::error::Dropped;
use manaflow_types::TxId;

/// How many pooled txs the coordinator remembers for pending-tx filters.
pub(super) const REMEMBERED_POOLED: usize = 10_000;

/// The txs pooled lately, each with its number in the order they were pooled.
#[derive(Default)]
pub(super) struct PooledLog {
    /// `(number, id)`, oldest first.
    pub(super) recent: std::collections::VecDeque<(u64, TxId)>,
    /// The number the next pooled tx gets.
    pub(super) next: u64,
}

impl Coordinator {
    /// Removes pooled tx `hash` (`anvil_dropTransaction`); its waiting sender is told. Returns
    /// whether it was pooled.
    pub fn drop_tx(&self, hash: &TxId) -> bool {
        let removed = self.pool.lock().remove(hash);
        match removed {
            Some(pooled) => {
                if let Some(waiter) = pooled.waiter {
                    let _ = waiter.send(Err(Dropped::Removed));
                }
                true
            }
            None => false,
        }
    }

    /// Empties the pool (`anvil_dropAllTransactions`); waiting senders are told.
    pub fn drop_all_txs(&self) {
        for pooled in self.pool.lock().clear() {
            if let Some(waiter) = pooled.waiter {
                let _ = waiter.send(Err(Dropped::Removed));
            }
        }
    }

    /// The pooled txs as geth's `txpool_` methods show them: (pending, queued), each by sender
    /// in nonce order (see [`Mempool::partition`]).
    pub fn pool_content(&self) -> (Vec<Admitted>, Vec<Admitted>) {
        let node = self.node.read();
        let pool = self.pool.lock();
        let (pending, queued) = pool.partition(|sender| node.nonce(sender).unwrap_or_default());
        (pending.into_iter().cloned().collect(), queued.into_iter().cloned().collect())
    }

    pub(super) fn record_pooled(&self, hash: TxId) {
        {
            let mut log = self.pooled_log.lock();
            if log.recent.len() == REMEMBERED_POOLED {
                log.recent.pop_front();
            }
            let number = log.next;
            log.recent.push_back((number, hash));
            log.next += 1;
        }
        let _ = self.pooled_feed.send(hash);
    }

    /// Every tx pooled from now on, as it is pooled (mined at once or not).
    pub fn subscribe_pooled(&self) -> broadcast::Receiver<TxId> {
        self.pooled_feed.subscribe()
    }

    /// The number the next pooled tx will get (where a pending-tx filter starts).
    pub fn pooled_mark(&self) -> u64 {
        self.pooled_log.lock().next
    }

    /// The txs pooled since mark `from` (of those still remembered), and the mark to poll from
    /// next.
    pub fn pooled_since(&self, from: u64) -> (Vec<TxId>, u64) {
        let log = self.pooled_log.lock();
        let hashes = log.recent.iter().filter(|(n, _)| *n >= from).map(|(_, h)| *h).collect();
        (hashes, log.next)
    }
}
