//! The coordinator's searches of txs (DESIGN §5: not needed to validate, kept for the web3 API):
//! for each address, the listed txs that touched it (every address of a tx's moves); the tx of
//! each sender and nonce; the tx that created each contract. Otterscan's searches read them, so
//! they answer from the index ([`crate::index`]) rather than by scanning blocks.

use alloy_primitives::{Address, B256};

use crate::error::IndexError;
use crate::index::ChainIndex;

/// Where a listed tx sits: block number and ledger index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TxRef {
    /// Block number.
    pub block: u64,
    /// Index in the block (the ledger's).
    pub index: u32,
}

/// The tx searches over the index.
#[derive(Clone, Copy)]
pub struct TxIndex<'a>(pub(crate) &'a ChainIndex);

impl TxIndex<'_> {
    /// A page of the txs that touched `address` in blocks `from..=to`: at least `size` of them
    /// (whole blocks: the last block's other txs come too), in chain order or (`newest_first`)
    /// reversed; and whether more follow.
    pub fn page(
        &self,
        address: &Address,
        blocks: (u64, u64),
        newest_first: bool,
        size: usize,
    ) -> Result<(Vec<TxRef>, bool), IndexError> {
        let mut taken: Vec<TxRef> = Vec::new();
        let mut more = false;
        self.0.touched(address, blocks, newest_first, |block, index| {
            if taken.len() >= size && taken.last().is_some_and(|last| last.block != block) {
                more = true;
                return false;
            }
            taken.push(TxRef { block, index });
            true
        })?;
        Ok((taken, more))
    }

    /// The tx `sender` sent with `nonce`.
    pub fn by_sender_and_nonce(&self, sender: &Address, nonce: u64) -> Result<Option<B256>, IndexError> {
        self.0.sent(sender, nonce)
    }

    /// The tx that created `contract`.
    pub fn creation(&self, contract: &Address) -> Result<Option<B256>, IndexError> {
        self.0.created(contract)
    }
}
