//! Receipts as Ethereum clients expect them, from a block's declared outcomes: status, gas,
//! cumulative gas, logs and their bloom, and the effective gas price each tx paid.

use alloy_primitives::{Bloom, Log, logs_bloom};
use manaflow_types::{Block, Tx};

use crate::envelope::{decode_envelope, envelope_call};

/// The receipt of one tx of a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// Whether execution succeeded.
    pub success: bool,
    /// Gas the tx used.
    pub gas_used: u64,
    /// Gas used by this tx and those before it in the block.
    pub cumulative_gas_used: u64,
    /// The price paid per gas (fees are burned).
    pub effective_gas_price: u128,
    /// Logs emitted.
    pub logs: Vec<Log>,
    /// Bloom filter of the logs.
    pub logs_bloom: Bloom,
}

/// The receipts of `block`, in order. A tx whose envelope no longer decodes (not possible in a
/// validated block) reports a zero price.
pub fn block_receipts(block: &Block) -> Vec<Receipt> {
    let base_fee = block.header.base_fee;
    let mut cumulative = 0u64;
    block
        .txs
        .iter()
        .zip(&block.outcomes)
        .map(|(tx, outcome)| {
            let effective_gas_price = match tx {
                // The price needs no sender: the envelope is read, not recovered again.
                Tx::Ethereum(eth) => decode_envelope(&eth.raw)
                    .map(|envelope| envelope_call(&envelope, Default::default()).effective_gas_price(base_fee))
                    .unwrap_or_default(),
                Tx::Native(native) => native
                    .call
                    .max_fee_per_gas
                    .min(u128::from(base_fee).saturating_add(native.call.max_priority_fee_per_gas)),
                Tx::System(_) => 0,
            };
            cumulative = cumulative.saturating_add(outcome.gas_used);
            Receipt {
                success: outcome.success,
                gas_used: outcome.gas_used,
                cumulative_gas_used: cumulative,
                effective_gas_price,
                logs: outcome.logs.clone(),
                logs_bloom: logs_bloom(&outcome.logs),
            }
        })
        .collect()
}
