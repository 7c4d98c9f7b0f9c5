//! The ledger and the compact wire form (DESIGN §10): the compact form of a committed block, and
//! a block that arrives compact, expanded against the tip and validated like any other.

use foldhash::fast::RandomState;
use hashbrown::HashMap;
use manaflow_types::{Block, CompactBlock, StateKey, Tx, TxId, TxLoc};
use rayon::prelude::*;

use super::{Applied, Ledger};
use crate::compact::{Expanded, compact_block, expand_block};
use crate::error::{LedgerError, Result};

impl Ledger {
    /// The compact form of committed block `number`.
    pub fn compact(&self, number: u64) -> Result<CompactBlock> {
        self.compact_of(&self.block(number)?)
    }

    /// The compact form of `block`, committed or not (its code comes from the chain's code table
    /// and from its own outcomes).
    pub fn compact_of(&self, block: &Block) -> Result<CompactBlock> {
        Ok(compact_block(block, &*self.verifier, &self.chain)?)
    }

    /// Expands `compact`, a block to follow the tip, into its canonical block. The id at each
    /// reference comes from the UTXO set where the output is live there (the usual case) and
    /// from the block store otherwise.
    pub fn expand(&self, compact: &CompactBlock) -> Result<Expanded> {
        let mut read_error: Option<LedgerError> = None;
        let mut blocks: HashMap<u64, Vec<TxId>, RandomState> = HashMap::default();
        let mut resolve = |key: &StateKey, at: TxLoc| -> Option<TxId> {
            if let Some(placed) = self.state.set.cached(key)
                && placed.at == at
                && !placed.out.intx.is_zero()
            {
                return Some(placed.out.intx);
            }
            if at.block >= self.len() {
                return None;
            }
            let ids = blocks.entry(at.block).or_insert_with(|| match self.block(at.block) {
                Ok(block) => block.txs.par_iter().map(Tx::id).collect(),
                Err(e) => {
                    read_error.get_or_insert(e);
                    Vec::new()
                }
            });
            ids.get(at.index as usize).copied()
        };
        let expanded = expand_block(compact, &*self.verifier, &self.chain, &self.chain, &mut resolve);
        if let Some(e) = read_error {
            return Err(e);
        }
        Ok(expanded?)
    }

    /// Expands `compact` and validates and commits it, all or nothing, as [`Ledger::apply`]
    /// does a canonical block; the expansion's re-execution is the validation's.
    pub fn apply_compact(&mut self, compact: &CompactBlock) -> Result<(Block, Applied)> {
        self.ensure_running()?;
        let expanded = self.expand(compact)?;
        let verifier = std::sync::Arc::clone(&self.verifier);
        let applied = self.apply_with(&expanded.block, &mut (), &expanded.verifier(&*verifier), None)?;
        Ok((expanded.block, applied))
    }

    /// Expands `compact` and validates it against the tip without committing it.
    pub fn check_compact(&mut self, compact: &CompactBlock) -> Result<Block> {
        self.ensure_running()?;
        let expanded = self.expand(compact)?;
        let verifier = std::sync::Arc::clone(&self.verifier);
        self.check_with(&expanded.block, &mut (), &expanded.verifier(&*verifier))?;
        Ok(expanded.block)
    }
}
