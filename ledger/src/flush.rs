//! Checkpoint flushes: the changed outputs, tx positions and codes written to the state store
//! in the background (Bitcoin Core's UTXO cache flush), so a block's commit never waits for them.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use super::{FlushFailure, Ledger};
use crate::error::{LedgerError, Result, StopCause};
use crate::store::Checkpoint;

impl Ledger {
    /// Starts writing the changed outputs and tx positions to the checkpoint in the background.
    /// Returns the error of the previous flush, if it failed (its batch is queued again).
    /// Whether a flush should start: enough outputs changed, or the interval passed with some
    /// changed and no flush still running.
    pub(super) fn flush_due(&self) -> bool {
        let dirty = self.state.set.dirty_len();
        let idle = self.flusher.as_ref().is_none_or(JoinHandle::is_finished);
        dirty >= self.config.flush_threshold
            || (dirty > 0 && idle && self.config.flush_interval.is_some_and(|every| self.last_flush.elapsed() >= every))
    }

    pub(super) fn start_flush(&mut self) -> Result<()> {
        self.last_flush = Instant::now();
        let previous = self.join_flush();
        if self.is_empty() {
            return previous;
        }
        let outputs = self.state.set.take_dirty();
        let txs = std::mem::take(&mut self.unflushed_txs);
        let codes = std::mem::take(&mut self.unflushed_codes);
        let checkpoint = Checkpoint {
            height: self.len() - 1,
            lthash: self.state.lthash.clone(),
            written_keys: self.state.written_keys,
        };
        let store = self.chain.store.clone();
        tracing::debug!(
            outputs = outputs.len(),
            txs = txs.len(),
            height = checkpoint.height,
            "checkpoint flush started"
        );
        self.flusher =
            Some(std::thread::spawn(move || match store.write_checkpoint(&outputs, &txs, &[], &codes, &checkpoint) {
                Ok(()) => Ok(txs.into_iter().map(|(id, _)| id).collect()),
                Err(error) => Err(Box::new(FlushFailure { error, outputs, txs, codes })),
            }));
        previous
    }

    /// Waits for a background flush. On success, forgets the tx positions it wrote and evicts
    /// clean entries if the cache is over budget; on failure, marks the batch dirty again so the next flush writes it.
    pub(super) fn join_flush(&mut self) -> Result<()> {
        let Some(handle) = self.flusher.take() else { return Ok(()) };
        match handle.join() {
            Ok(Ok(flushed)) => {
                // Their positions are in the checkpoint now: memory holds only the newer ones.
                for id in &flushed {
                    self.chain.txs.remove(id);
                }
                if self.state.set.cached_keys() > self.config.cache_keys_max {
                    self.state.set.evict_clean();
                }
                Ok(())
            }
            Ok(Err(failure)) => {
                let FlushFailure { error, outputs, txs, codes } = *failure;
                self.state.set.mark_dirty_again(&outputs);
                let newer = std::mem::replace(&mut self.unflushed_codes, codes);
                self.unflushed_codes.extend(newer);
                let newer = std::mem::replace(&mut self.unflushed_txs, txs);
                self.unflushed_txs.extend(newer);
                Err(error)
            }
            Err(_) => {
                self.stopped = Some(Arc::new(StopCause::FlushPanicked));
                Err(LedgerError::FlushPanicked)
            }
        }
    }

    /// Writes the checkpoint now and waits for it.
    pub fn flush(&mut self) -> Result<()> {
        self.ensure_running()?;
        self.start_flush()?;
        self.join_flush()
    }
}
