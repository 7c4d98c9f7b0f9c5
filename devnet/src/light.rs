//! A light client (DESIGN §9): it holds headers only — a chain from a genesis it trusts, each
//! header checked against its parent — and checks what a full node claims with proofs: a tx's
//! inclusion (and its receipt), an output's producer, and fraud proofs, which mark the block
//! they prove invalid and its descendants. It holds no UTXO set and no state.
//!
//! `manaflow light --rpc URL` drives one over JSON-RPC (`manaflow_getHeaders`,
//! `manaflow_getTransactionProof`, `manaflow_getOutputProof`); the type itself does no I/O.

use manaflow_types::proof::{self, FraudProof, HeaderChain, TxProof, Verdict};
use manaflow_types::{B256, Header, StateKey, TxId, TxVerifier, Violation, Word};
use thiserror::Error;

/// What a light client refuses, and why.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum LightError {
    /// A header that does not extend the held chain.
    #[error("header {number} does not extend the chain: {why}")]
    BadHeader {
        /// Its number.
        number: u64,
        /// What is wrong.
        why: String,
    },
    /// A proof that does not check out against the held headers.
    #[error("the proof does not check out: {0}")]
    BadProof(String),
    /// A proof about a block a fraud proof showed invalid (or a descendant of one).
    #[error("block {block} is invalid (a fraud proof showed block {from} breaks a rule): nothing in it counts")]
    InvalidBlock {
        /// The block the proof is about.
        block: u64,
        /// The first invalid block.
        from: u64,
    },
}

/// Headers from a trusted genesis, and what fraud proofs showed.
#[derive(Clone, Debug)]
pub struct LightClient {
    headers: Vec<Header>,
    hashes: Vec<B256>,
    /// The first block shown invalid, with the violation; it and its descendants count for
    /// nothing.
    invalid: Option<(u64, Violation)>,
}

impl HeaderChain for LightClient {
    fn header(&self, number: u64) -> Option<Header> {
        self.headers.header(number)
    }
    fn hash(&self, number: u64) -> Option<B256> {
        self.hashes.get(number as usize).copied()
    }
}

impl LightClient {
    /// A client that trusts `genesis` (the chain's definition: its dev flag and chain id).
    pub fn new(genesis: Header) -> Result<Self, LightError> {
        if genesis.number != 0 || !genesis.parent_hash.is_zero() {
            let why = "a genesis header has number 0 and a zero parent hash".into();
            return Err(LightError::BadHeader { number: genesis.number, why });
        }
        Ok(Self { hashes: vec![genesis.hash()], headers: vec![genesis], invalid: None })
    }

    /// The newest header held.
    pub fn tip(&self) -> &Header {
        self.headers.last().expect("a client holds its genesis")
    }

    /// Number of headers held.
    pub fn len(&self) -> u64 {
        self.headers.len() as u64
    }

    /// Always false: a client holds at least its genesis.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The first block a fraud proof showed invalid, and what it broke.
    pub fn invalid_from(&self) -> Option<&(u64, Violation)> {
        self.invalid.as_ref()
    }

    /// Whether block `number` is held and not shown invalid.
    pub fn is_valid(&self, number: u64) -> bool {
        number < self.len() && self.invalid.as_ref().is_none_or(|(from, _)| number < *from)
    }

    /// Appends `header`, which must be the next block: its number, its parent hash, and the
    /// rules a header keeps against its parent (chain id, flags, time). Headers it already
    /// holds are skipped if they are the same.
    pub fn extend(&mut self, header: Header) -> Result<(), LightError> {
        let number = header.number;
        if number < self.len() {
            return if self.headers[number as usize] == header {
                Ok(())
            } else {
                Err(LightError::BadHeader { number, why: "it differs from the header held at that height".into() })
            };
        }
        let tip = self.tip();
        manaflow_types::check::check_header(&header, Some(tip))
            .map_err(|v| LightError::BadHeader { number, why: v.detail })?;
        self.hashes.push(header.hash());
        self.headers.push(header);
        Ok(())
    }

    fn usable(&self, block: u64) -> Result<(), LightError> {
        match &self.invalid {
            Some((from, _)) if block >= *from => Err(LightError::InvalidBlock { block, from: *from }),
            _ => Ok(()),
        }
    }

    /// Checks that tx `id` is included as `proof` says, with its outcome (its receipt's logs).
    pub fn check_tx(&self, id: &TxId, proof: &TxProof) -> Result<(), LightError> {
        if proof.tx.id() != *id {
            return Err(LightError::BadProof(format!("the proof is of tx {}, not {id}", proof.tx.id())));
        }
        self.usable(proof.at.block)?;
        proof::verify_tx_proof(self, proof).map_err(LightError::BadProof)
    }

    /// Checks an output proof: the tx that created `key`'s output, and the value it wrote
    /// (proof that it was written, not that it is still live).
    pub fn check_output(&self, key: &StateKey, proof: &TxProof) -> Result<Word, LightError> {
        self.usable(proof.at.block)?;
        proof::verify_output(self, proof, key).map_err(LightError::BadProof)
    }

    /// Checks a fraud proof with `runtime` to re-execute a tx statelessly. When it shows a
    /// block invalid that this client holds, that block and its descendants are marked invalid;
    /// a proof against a block it does not hold (a child of a held header) is checked but marks
    /// nothing. Returns the verdict.
    pub fn accept_fraud_proof(&mut self, proof: &FraudProof, runtime: &dyn TxVerifier) -> Verdict {
        let verdict = proof::verify(self, proof, runtime);
        if let Verdict::BlockInvalid(v) = &verdict {
            let number = proof.header.number;
            let held = self.hashes.get(number as usize).is_some_and(|h| *h == proof.header.hash());
            if held && self.invalid.as_ref().is_none_or(|(from, _)| number < *from) {
                self.invalid = Some((number, v.clone()));
            }
        }
        verdict
    }

    /// The hash of block `number`, if held.
    pub fn hash(&self, number: u64) -> Option<B256> {
        self.hashes.get(number as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> Vec<Header> {
        let mut headers = vec![Header { chain_id: 7, ..Header::default() }];
        for i in 1..n {
            let parent = headers.last().unwrap();
            headers.push(Header {
                number: i,
                parent_hash: parent.hash(),
                chain_id: 7,
                timestamp: i,
                ..Header::default()
            });
        }
        headers
    }

    #[test]
    fn headers_must_link_and_keep_their_parents_rules() {
        let headers = chain(4);
        let mut client = LightClient::new(headers[0].clone()).unwrap();
        for h in &headers[1..] {
            client.extend(h.clone()).unwrap();
        }
        assert_eq!(client.len(), 4);
        client.extend(headers[2].clone()).unwrap(); // already held: fine
        let mut stranger = headers[3].clone();
        stranger.timestamp += 1;
        assert!(matches!(client.extend(stranger), Err(LightError::BadHeader { number: 3, .. })));
        let orphan = Header { number: 4, parent_hash: B256::repeat_byte(1), chain_id: 7, ..Header::default() };
        assert!(matches!(client.extend(orphan), Err(LightError::BadHeader { number: 4, .. })));
        let other_chain = Header { number: 4, parent_hash: headers[3].hash(), chain_id: 8, ..Header::default() };
        assert!(client.extend(other_chain).is_err(), "a header may not change the chain id");
        assert!(client.is_valid(3) && !client.is_valid(4));
    }
}
