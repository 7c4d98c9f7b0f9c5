//! Opening a ledger: the checkpoint loaded and the blocks after it replayed; a checkpoint found
//! unusable is rebuilt from the block store.

use manaflow_types::{Tx, TxId, TxLoc};
use rayon::prelude::*;

use super::Ledger;
use crate::delta::block_delta;
use crate::error::{Corruption, LedgerError, Result};
use crate::forward::ForwardState;
use crate::store::Checkpoint;
use crate::utxo::{Placed, UtxoSet, in_utxo_set};

impl Ledger {
    /// The height of the last checkpoint written, if any: at an open after `kill -9`, the
    /// blocks above it are replayed.
    pub fn checkpoint_height(&self) -> Result<Option<u64>> {
        Ok(self.chain.store.checkpoint()?.map(|c| c.height))
    }

    /// Loads the checkpoint and replays the blocks after it. A checkpoint found unusable (an
    /// output failing its checksum, metadata that does not decode, a height past a torn tail, a
    /// commitment the tip does not name) is derived data: it is dropped and the set rebuilt from
    /// the block store.
    pub(super) fn recover(&mut self) -> Result<()> {
        match self.replay(true) {
            Err(LedgerError::Corrupt(c)) if c.is_in_checkpoint() => {
                tracing::warn!(
                    "the UTXO checkpoint in {} is unusable ({c}); rebuilding it from the block store",
                    self.dir.join("state").display()
                );
                self.chain.store.clear()?;
                self.chain.codes.clear();
                self.chain.txs.clear();
                self.unflushed_txs.clear();
                self.unflushed_codes.clear();
                self.state = ForwardState::new();
                self.rebuilt = Some(c.to_string());
                self.replay(false)
            }
            other => other,
        }
    }

    /// Replays the blocks after the checkpoint (`use_checkpoint`) or from genesis.
    fn replay(&mut self, use_checkpoint: bool) -> Result<()> {
        let checkpoint = if use_checkpoint { self.chain.store.checkpoint()? } else { None };
        let replay_from = match checkpoint {
            None => 0,
            Some(Checkpoint { height, lthash, written_keys }) => {
                if height >= self.chain.headers.len() {
                    return Err(
                        Corruption::CheckpointAboveTip { height, blocks: self.chain.headers.len() as usize }.into()
                    );
                }
                let count = self.chain.store.output_count()?;
                let mut set =
                    if count as usize <= self.config.cache_keys_max { UtxoSet::new() } else { UtxoSet::partial() };
                if set.is_complete() {
                    set.reserve(count as usize);
                    self.chain.store.for_each_output(|key, out| set.insert_clean(key, out))?;
                }
                self.state = ForwardState { set, lthash, written_keys };
                height + 1
            }
        };
        let tip = self.chain.headers.len();
        if replay_from < tip {
            tracing::info!(from = replay_from, to = tip - 1, "replaying blocks after the UTXO checkpoint");
        }
        for number in replay_from..tip {
            let block = self.block(number)?;
            let ids: Vec<TxId> = block.txs.par_iter().map(Tx::id).collect();
            for (t, (tx, id)) in block.txs.iter().zip(&ids).enumerate() {
                let at = TxLoc::new(number, t as u32);
                for m in tx.moves().iter().filter(|m| in_utxo_set(m) && m.is_write()) {
                    self.state.written_keys += m.is_first_use() as u64;
                    self.state.set.set(m.key(), Placed::new(*id, m.next, at));
                }
            }
            self.state.lthash.combine(&block_delta(&block, &ids));
            self.record_txs(number, &ids);
            self.record_codes(&block);
        }
        if let Some(tip) = self.chain.headers.last() {
            let digest = self.state.lthash.digest();
            if digest != tip.commitment {
                return Err(Corruption::RecoveredCommitment { set: digest, header: tip.commitment }.into());
            }
        }
        Ok(())
    }
}
