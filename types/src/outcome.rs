//! A tx's declared outcome: what re-execution must reproduce besides the moves (DESIGN §4:
//! "to exactly its declared moves, logs and gas"), and the code it deployed, so that a validator
//! re-executing any tx of the block finds every code by hash.

use alloy_primitives::{Bytes, Log};
use alloy_rlp::{RlpDecodable, RlpEncodable};
use serde::{Deserialize, Serialize};

/// The receipt part of a tx in a block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, RlpEncodable, RlpDecodable)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// Whether execution succeeded (false: reverted or halted; the tx is still included).
    pub success: bool,
    /// Gas used, as in the receipt.
    #[serde(with = "alloy_serde::quantity")]
    pub gas_used: u64,
    /// Logs emitted.
    pub logs: Vec<Log>,
    /// Code deployed by the tx (each the new value of a `c` move, as its keccak256).
    pub codes: Vec<Bytes>,
}

impl Outcome {
    /// The outcome of a system tx: nothing executes.
    pub fn system() -> Self {
        Self { success: true, ..Self::default() }
    }

    /// Its Merkle leaf: keccak of its RLP.
    pub fn leaf(&self) -> alloy_primitives::B256 {
        alloy_primitives::keccak256(alloy_rlp::encode(self))
    }
}
