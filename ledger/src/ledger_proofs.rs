//! The ledger as a [`ProofSource`]: blocks and headers from the block store, the tip's UTXO set
//! and commitment state, and the fraud proof of a block it refuses.

use manaflow_types::{Block, FraudProof, Header, LtHash, StateKey};

use super::Ledger;
use crate::error::{LedgerError, Result};
use crate::proofs::{ProofSource, fraud_proof};
use crate::utxo::Placed;

impl ProofSource for Ledger {
    fn header_of(&self, number: u64) -> Option<Header> {
        self.header(number).ok().flatten()
    }
    fn block_of(&self, number: u64) -> std::result::Result<Block, String> {
        self.block(number).map_err(|e| e.to_string())
    }
    fn tip_state(&self) -> LtHash {
        self.state.lthash.clone()
    }
    fn live_output(&self, key: &StateKey) -> std::result::Result<Placed, String> {
        match self.state.set.cached(key) {
            Some(placed) => Ok(placed),
            None => self.chain.store.load_outputs(std::slice::from_ref(key)).map(|v| v[0]).map_err(|e| e.to_string()),
        }
    }
}

impl Ledger {
    /// The fraud proof of `block`, which must fail validation on the tip (DESIGN §9). Nothing
    /// changes. A valid block, or a storage failure, is an error.
    pub fn fraud_proof(&mut self, block: &Block) -> Result<FraudProof> {
        let violation = match self.check(block, &mut ()) {
            Ok(()) => {
                let why = format!("block {} is valid on this chain: there is nothing to prove", block.header.number);
                return Err(LedgerError::NoFraud(why));
            }
            Err(LedgerError::Invalid(v)) => *v,
            Err(other) => return Err(other),
        };
        fraud_proof(self, block, &violation).map_err(LedgerError::NoFraud)
    }
}

impl manaflow_types::CodeSource for Ledger {
    fn code(&self, hash: &manaflow_types::B256) -> Option<manaflow_types::Bytes> {
        self.chain.code(hash)
    }
}

impl crate::history::History for Ledger {
    fn locate(&self, id: &manaflow_types::TxId) -> Option<manaflow_types::TxLoc> {
        self.chain.locate(id)
    }
    fn wrote(&self, id: &manaflow_types::TxId, key: &StateKey) -> bool {
        self.chain.wrote(id, key)
    }
}
