//! Batches (DESIGN §11): what a coordinator or a wallet sends a validator running apart. A batch
//! names who sent it and the block its txs were filled for, and carries an ordered list of
//! complete txs (Ethereum or native, with their moves), each with its declared outcome.
//!
//! Bytes: `rlp([origin, target, [item…]])` where each item is one byte string,
//! `rlp([tx, outcome])` with the tx in its canonical block encoding ([`Tx::encode`]). Items are
//! opaque to the batch's own decoding, so one malformed tx refuses that tx alone
//! ([`Batch::txs`] holds each item's own result) and keeps the rest.
//!
//! **Bounds**, checked before anything is allocated for them: [`MAX_BATCH_BYTES`],
//! [`MAX_BATCH_TXS`], [`MAX_ORIGIN_BYTES`].

use alloy_primitives::Bytes;
use alloy_rlp::{Decodable, Encodable, Header as RlpHeader};

use crate::error::DecodeError;
use crate::{Outcome, Tx};

/// The largest batch, in bytes.
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;
/// The most txs one batch carries.
pub const MAX_BATCH_TXS: usize = 4096;
/// The longest origin name, in bytes.
pub const MAX_ORIGIN_BYTES: usize = 64;

/// One tx of a batch with the outcome its sender declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchTx {
    /// The tx, with its moves.
    pub tx: Tx,
    /// What its execution declares (success, gas, logs, deployed code).
    pub outcome: Outcome,
}

/// A batch as it was decoded: each item's tx, or why that item is not one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Who sent it (a coordinator's name); batches in flight are counted per origin.
    pub origin: String,
    /// The number of the block its txs were filled for.
    pub target: u64,
    /// The items in order.
    pub txs: Vec<Result<BatchTx, DecodeError>>,
}

/// Why a batch was refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// More bytes than [`MAX_BATCH_BYTES`].
    #[error("a batch of {0} bytes; a batch holds at most {MAX_BATCH_BYTES} bytes (send several)")]
    TooLarge(usize),
    /// More txs than [`MAX_BATCH_TXS`] (counting stops at the first one too many).
    #[error("a batch of more than {MAX_BATCH_TXS} txs ({0} counted); send several")]
    TooManyTxs(usize),
    /// An origin longer than [`MAX_ORIGIN_BYTES`] or not UTF-8.
    #[error("the batch's origin must be UTF-8 of at most {MAX_ORIGIN_BYTES} bytes")]
    Origin,
    /// The frame around the items is not `rlp([origin, target, [item…]])`.
    #[error("not a batch: {0}")]
    Frame(DecodeError),
}

impl From<alloy_rlp::Error> for BatchError {
    fn from(e: alloy_rlp::Error) -> Self {
        BatchError::Frame(e.into())
    }
}

impl BatchTx {
    /// The item's bytes: `rlp([tx, outcome])`.
    pub fn encode(&self) -> Vec<u8> {
        let tx = Bytes::from(self.tx.encode());
        let mut out = Vec::with_capacity(tx.len() + 64);
        RlpHeader { list: true, payload_length: tx.length() + self.outcome.length() }.encode(&mut out);
        tx.encode(&mut out);
        self.outcome.encode(&mut out);
        out
    }

    /// Decodes [`BatchTx::encode`]; the input must be exactly one item.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut buf = bytes;
        let header = RlpHeader::decode(&mut buf)?;
        if !header.list || header.payload_length != buf.len() {
            return Err(DecodeError::Invalid("a batch item is one list: [tx, outcome]".into()));
        }
        let tx = Tx::decode(&Bytes::decode(&mut buf)?)?;
        let outcome = Outcome::decode(&mut buf)?;
        if !buf.is_empty() {
            return Err(DecodeError::Trailing(buf.len()));
        }
        Ok(Self { tx, outcome })
    }
}

impl Batch {
    /// A batch of `txs` from `origin` for block `target`.
    pub fn new(origin: impl Into<String>, target: u64, txs: Vec<BatchTx>) -> Self {
        Self { origin: origin.into(), target, txs: txs.into_iter().map(Ok).collect() }
    }

    /// The batch's bytes; an item that did not decode cannot be encoded again and is left out.
    pub fn encode(&self) -> Vec<u8> {
        let items: Vec<Bytes> = self.txs.iter().flatten().map(|item| Bytes::from(item.encode())).collect();
        encode_items(&self.origin, self.target, &items)
    }

    /// Decodes a batch: the frame must be well formed and within the bounds; each item decodes
    /// on its own.
    pub fn decode(bytes: &[u8]) -> Result<Self, BatchError> {
        if bytes.len() > MAX_BATCH_BYTES {
            return Err(BatchError::TooLarge(bytes.len()));
        }
        let mut buf = bytes;
        let outer = RlpHeader::decode(&mut buf)?;
        if !outer.list || outer.payload_length != buf.len() {
            return Err(BatchError::Frame(DecodeError::Invalid(
                "a batch is one list: [origin, target, [items]]".into(),
            )));
        }
        let origin = Bytes::decode(&mut buf)?;
        if origin.len() > MAX_ORIGIN_BYTES {
            return Err(BatchError::Origin);
        }
        let origin = String::from_utf8(origin.to_vec()).map_err(|_| BatchError::Origin)?;
        let target = u64::decode(&mut buf)?;
        let list = RlpHeader::decode(&mut buf)?;
        if !list.list || list.payload_length != buf.len() {
            return Err(BatchError::Frame(DecodeError::Invalid(
                "the batch's items are its last field, one list".into(),
            )));
        }
        // Count the items before decoding any: each is at least one byte.
        let mut count = 0usize;
        let mut scan = buf;
        while !scan.is_empty() {
            RlpHeader::decode_bytes(&mut scan, false)?;
            count += 1;
            if count > MAX_BATCH_TXS {
                return Err(BatchError::TooManyTxs(count));
            }
        }
        let mut txs = Vec::with_capacity(count);
        while !buf.is_empty() {
            let item = RlpHeader::decode_bytes(&mut buf, false)?;
            txs.push(BatchTx::decode(item));
        }
        Ok(Self { origin, target, txs })
    }
}

/// A batch's bytes from items already encoded (a test or a fuzzer may put any bytes in an item).
pub fn encode_items(origin: &str, target: u64, items: &[Bytes]) -> Vec<u8> {
    let origin = Bytes::copy_from_slice(origin.as_bytes());
    let items_len: usize = items.iter().map(Encodable::length).sum();
    let list_len = items_len + alloy_rlp::length_of_length(items_len);
    let payload = origin.length() + target.length() + list_len;
    let mut out = Vec::with_capacity(payload + 8);
    RlpHeader { list: true, payload_length: payload }.encode(&mut out);
    origin.encode(&mut out);
    target.encode(&mut out);
    RlpHeader { list: true, payload_length: items_len }.encode(&mut out);
    for item in items {
        item.encode(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EthereumTx, Move, StateKey};
    use alloy_primitives::{Address, B256};

    fn item(n: u8) -> BatchTx {
        let key = StateKey::balance(Address::repeat_byte(n));
        let tx = Tx::Ethereum(EthereumTx {
            raw: Bytes::from(vec![n; 40]),
            moves: vec![Move::write(key, B256::ZERO, B256::ZERO, B256::with_last_byte(n))],
        });
        BatchTx { tx, outcome: Outcome { success: true, gas_used: 21_000, ..Outcome::default() } }
    }

    #[test]
    fn a_batch_round_trips() {
        let batch = Batch::new("coordinator-1", 7, vec![item(1), item(2)]);
        assert_eq!(Batch::decode(&batch.encode()), Ok(batch));
    }

    #[test]
    fn a_malformed_item_refuses_that_item_alone() {
        let items = [Bytes::from(item(1).encode()), Bytes::from_static(b"\xc1\x80"), Bytes::from(item(3).encode())];
        let batch = Batch::decode(&encode_items("c", 3, &items)).expect("the frame is well formed");
        assert_eq!(batch.txs.len(), 3);
        assert_eq!(batch.txs[0], Ok(item(1)));
        assert!(batch.txs[1].is_err(), "{:?}", batch.txs[1]);
        assert_eq!(batch.txs[2], Ok(item(3)));
    }

    #[test]
    fn bounds_refuse_before_decoding() {
        let items = vec![Bytes::from_static(b"x"); MAX_BATCH_TXS + 1];
        assert!(matches!(Batch::decode(&encode_items("c", 1, &items)), Err(BatchError::TooManyTxs(_))));
        let long = "o".repeat(MAX_ORIGIN_BYTES + 1);
        assert_eq!(Batch::decode(&encode_items(&long, 1, &[])), Err(BatchError::Origin));
        assert_eq!(Batch::decode(&vec![0u8; MAX_BATCH_BYTES + 1]), Err(BatchError::TooLarge(MAX_BATCH_BYTES + 1)));
        assert!(matches!(Batch::decode(b"\x80"), Err(BatchError::Frame(_))));
    }
}
