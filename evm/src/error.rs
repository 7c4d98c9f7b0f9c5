//! Errors of the Ethereum envelope (the runtime's own errors are the model's `ExecError`).

use thiserror::Error;

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
