//! A chain held entirely in memory: forward validation from genesis with no store. Tests, the
//! REPL's "validate the whole chain" and tamper experiments use it; [`crate::Ledger`] is the same
//! validator over LMDB.

use foldhash::fast::RandomState;
use hashbrown::HashMap;
use manaflow_types::{B256, Block, Bytes, ChainContext, CodeSource, StateKey, TxId, Violation, keccak256};

use crate::forward::{ForwardObserver, ForwardState};
use crate::history::{History, TxLoc};
use crate::verifier::TxVerifier;

/// The committed blocks and their tx index.
#[derive(Default)]
pub struct MemoryIndex {
    blocks: Vec<Block>,
    hashes: Vec<B256>,
    txs: HashMap<TxId, TxLoc, RandomState>,
    codes: HashMap<B256, Bytes, RandomState>,
}

impl CodeSource for MemoryIndex {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.codes.get(hash).cloned()
    }
}

impl ChainContext for MemoryIndex {
    fn block_hash(&self, number: u64) -> Option<B256> {
        self.hashes.get(number as usize).copied()
    }
    fn dev_mode(&self) -> bool {
        self.blocks.first().is_some_and(|b| b.header.dev_mode())
    }
}

impl History for MemoryIndex {
    fn locate(&self, id: &TxId) -> Option<TxLoc> {
        self.txs.get(id).copied()
    }
    fn wrote(&self, id: &TxId, key: &StateKey) -> bool {
        self.locate(id).is_some_and(|loc| {
            self.blocks[loc.block as usize].txs[loc.index as usize]
                .moves()
                .iter()
                .any(|m| m.key() == *key && m.is_write())
        })
    }
}

/// A chain validated forwards in memory.
#[derive(Default)]
pub struct MemoryChain {
    index: MemoryIndex,
    /// The UTXO set and commitment after the last block.
    pub state: ForwardState,
}

impl MemoryChain {
    /// An empty chain.
    pub fn new() -> Self {
        Self { index: MemoryIndex::default(), state: ForwardState::new() }
    }

    /// Validates `block` on the tip and appends it; on failure nothing changes.
    pub fn apply<O: ForwardObserver>(
        &mut self,
        block: &Block,
        verifier: &dyn TxVerifier,
        obs: &mut O,
    ) -> Result<(), Violation> {
        let parent = self.index.blocks.last().map(|b| &b.header);
        let (staged, _) = self.state.stage(block, parent, &self.index, verifier, obs)?;
        let number = block.header.number;
        for (i, id) in staged.prepared.ids.iter().enumerate() {
            self.index.txs.entry(*id).or_insert(TxLoc { block: number, index: i as u32 });
        }
        self.state.commit(staged);
        for code in block.outcomes.iter().flat_map(|o| &o.codes) {
            self.index.codes.insert(keccak256(code), code.clone());
        }
        self.index.hashes.push(block.hash());
        self.index.blocks.push(block.clone());
        Ok(())
    }

    /// Validates `blocks` from genesis, stopping at the first invalid block.
    pub fn validate<O: ForwardObserver>(
        blocks: &[Block],
        verifier: &dyn TxVerifier,
        obs: &mut O,
    ) -> (Self, Result<(), Violation>) {
        let mut chain = Self::new();
        for block in blocks {
            if let Err(v) = chain.apply(block, verifier, obs) {
                return (chain, Err(v));
            }
        }
        (chain, Ok(()))
    }

    /// The blocks, genesis first.
    pub fn blocks(&self) -> &[Block] {
        &self.index.blocks
    }

    /// The tip's header.
    pub fn tip(&self) -> Option<&manaflow_types::Header> {
        self.index.blocks.last().map(|b| &b.header)
    }
}

impl crate::proofs::ProofSource for MemoryChain {
    fn header_of(&self, number: u64) -> Option<manaflow_types::Header> {
        self.index.blocks.get(number as usize).map(|b| b.header.clone())
    }
    fn block_of(&self, number: u64) -> Result<Block, String> {
        self.index.blocks.get(number as usize).cloned().ok_or_else(|| format!("no block {number}"))
    }
    fn tip_state(&self) -> manaflow_types::LtHash {
        self.state.lthash.clone()
    }
    fn live_output(&self, key: &StateKey) -> Result<crate::utxo::Placed, String> {
        Ok(self.state.set.live(key))
    }
}

impl ChainContext for MemoryChain {
    fn block_hash(&self, number: u64) -> Option<B256> {
        self.index.block_hash(number)
    }
    fn dev_mode(&self) -> bool {
        self.index.dev_mode()
    }
}

impl CodeSource for MemoryChain {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.index.code(hash)
    }
}

impl History for MemoryChain {
    fn locate(&self, id: &TxId) -> Option<TxLoc> {
        self.index.locate(id)
    }
    fn wrote(&self, id: &TxId, key: &StateKey) -> bool {
        self.index.wrote(id, key)
    }
}

impl MemoryChain {
    /// The fraud proof of `block`, which must fail validation on this chain's tip (DESIGN §9).
    /// Nothing changes.
    pub fn fraud_proof(
        &mut self,
        block: &Block,
        verifier: &dyn TxVerifier,
    ) -> Result<manaflow_types::FraudProof, String> {
        let parent = self.index.blocks.last().map(|b| b.header.clone());
        let violation = match self.state.stage(block, parent.as_ref(), &self.index, verifier, &mut ()) {
            Ok((staged, _)) => {
                self.state.abort(staged);
                return Err(format!("block {} is valid: there is nothing to prove", block.header.number));
            }
            Err(v) => v,
        };
        crate::proofs::fraud_proof(self, block, &violation)
    }
}
