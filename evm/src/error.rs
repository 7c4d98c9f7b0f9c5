//! Errors of the EVM runtime: txs refused before execution, and missing state.

use alloy_primitives::U256;
use manaflow_types::MissingState;
use thiserror::Error;

/// Why a tx cannot be executed at all (it has no moves and cannot be included). Each names the
/// rule, in the words Ethereum clients use, so wallets classify them as they do against geth.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Rejection {
    /// The tx's nonce is below the sender's.
    #[error("nonce too low: tx nonce {tx}, sender nonce {state}")]
    NonceTooLow {
        /// Nonce in the tx.
        tx: u64,
        /// The sender's nonce.
        state: u64,
    },
    /// The tx's nonce is above the sender's.
    #[error("nonce too high: tx nonce {tx}, sender nonce {state}")]
    NonceTooHigh {
        /// Nonce in the tx.
        tx: u64,
        /// The sender's nonce.
        state: u64,
    },
    /// The sender cannot pay `value + gas_limit × max_fee`.
    #[error("insufficient funds for gas * price + value: balance {balance}, need {cost}")]
    InsufficientFunds {
        /// What the tx may cost.
        cost: U256,
        /// The sender's balance.
        balance: U256,
    },
    /// The gas limit does not cover the intrinsic gas.
    #[error("intrinsic gas too low: gas limit {limit}, intrinsic gas {intrinsic}")]
    IntrinsicGasTooLow {
        /// The tx's gas limit.
        limit: u64,
        /// What the tx costs before executing.
        intrinsic: u64,
    },
    /// Signed for another chain.
    #[error("invalid chain id: tx is for chain {tx}, this chain is {chain}")]
    WrongChainId {
        /// Chain id in the tx.
        tx: u64,
        /// This chain's id.
        chain: u64,
    },
    /// The fee cap is below the block's base fee.
    #[error("max fee per gas less than block base fee: max fee {max_fee}, base fee {base_fee}")]
    FeeCapTooLow {
        /// The tx's fee cap.
        max_fee: u128,
        /// The block's base fee.
        base_fee: u64,
    },
    /// Any other rule revm applies before execution.
    #[error("invalid transaction: {0}")]
    Other(String),
}

/// What can go wrong executing a tx.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExecError {
    /// The tx is invalid before execution.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// Execution needed state the view does not have (for re-execution: an undeclared access).
    #[error(transparent)]
    Missing(#[from] MissingState),
    /// The runtime failed (a bug or a broken header), not the tx.
    #[error("EVM failure: {0}")]
    Internal(String),
}

/// Why the bytes of an Ethereum-envelope tx are not an acceptable signed tx.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnvelopeError {
    /// Not a well-formed signed tx.
    #[error("malformed transaction: {0}")]
    Decode(String),
    /// A type this chain does not support yet.
    #[error("transaction type {ty} ({name}) is not supported")]
    UnsupportedType {
        /// The EIP-2718 type.
        ty: u8,
        /// Its name.
        name: &'static str,
    },
    /// `s` in the upper half of the curve order (EIP-2).
    #[error("invalid signature: s value is in the upper half of the curve order (EIP-2 requires low s)")]
    HighS,
    /// The signature recovers no sender.
    #[error("invalid signature: {0}")]
    Signature(String),
    /// Signed for another chain.
    #[error("invalid chain id: tx is for chain {tx}, this chain is {chain}")]
    WrongChainId {
        /// Chain id in the tx.
        tx: u64,
        /// This chain's id.
        chain: u64,
    },
}
