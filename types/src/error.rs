//! Errors of the model crate: decoding and signatures.

use thiserror::Error;

/// Bytes that are not a canonical encoding of a model object.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// A fixed-size field or record had the wrong length.
    #[error("{what}: expected {expected} bytes, got {got}")]
    Length {
        /// What was being decoded.
        what: &'static str,
        /// The length expected.
        expected: usize,
        /// The length found.
        got: usize,
    },
    /// A mark byte that is none of `b`, `c`, `n`, `s`, `x`.
    #[error("unknown mark byte {0:#04x} (expected one of b, c, n, s, x)")]
    UnknownMark(u8),
    /// A mask byte with bits outside intx/prev/next/P.
    #[error("mask {0:#04x} sets undefined bits (defined: 0x01 intx, 0x02 prev, 0x04 next, 0x80 present)")]
    UnknownMaskBits(u8),
    /// A transaction kind tag this version does not know.
    #[error("unknown transaction kind {0:#04x}")]
    UnknownTxKind(u8),
    /// An empty input where a typed object was expected.
    #[error("empty input: expected {0}")]
    Empty(&'static str),
    /// Bytes left over after a complete object.
    #[error("{0} trailing bytes after the encoded object")]
    Trailing(usize),
    /// RLP structure error.
    #[error("rlp: {0}")]
    Rlp(String),
    /// A field whose value is out of its range.
    #[error("{0}")]
    Invalid(String),
}

impl From<alloy_rlp::Error> for DecodeError {
    fn from(e: alloy_rlp::Error) -> Self {
        DecodeError::Rlp(e.to_string())
    }
}

/// A signature that does not recover a sender.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    /// `s` above half the curve order (EIP-2 forbids it: it makes signatures malleable).
    #[error("signature s value is in the upper half of the curve order (EIP-2 requires low s)")]
    HighS,
    /// `r` or `s` zero or not below the curve order, or a bad recovery id.
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// The signature does not recover any public key for this message.
    #[error("signature does not recover a public key")]
    Unrecoverable,
    /// A private key that is not a valid secp256k1 scalar.
    #[error("invalid private key")]
    InvalidKey,
}
