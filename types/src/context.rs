//! The execution context a transaction observes, recorded as `x` moves (DESIGN §2).

use alloy_primitives::{Address, B256, U256};

use crate::block::Header;
use crate::moves::{Mark, StateKey, Word};

/// A context field id: byte 0 of an `x` move's slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum ContextField {
    /// CHAINID.
    ChainId = 1,
    /// NUMBER.
    Number = 2,
    /// TIMESTAMP.
    Timestamp = 3,
    /// BASEFEE.
    BaseFee = 4,
    /// BLOBBASEFEE.
    BlobBaseFee = 5,
    /// COINBASE.
    Coinbase = 6,
    /// PREVRANDAO (DIFFICULTY before the merge).
    Prevrandao = 7,
    /// GASLIMIT.
    GasLimit = 8,
    /// BLOCKHASH(n); the block number sits in the slot's low 8 bytes.
    BlockHash = 9,
}

impl ContextField {
    /// Parses a field id byte.
    pub fn from_byte(byte: u8) -> Option<Self> {
        Some(match byte {
            1 => Self::ChainId,
            2 => Self::Number,
            3 => Self::Timestamp,
            4 => Self::BaseFee,
            5 => Self::BlobBaseFee,
            6 => Self::Coinbase,
            7 => Self::Prevrandao,
            8 => Self::GasLimit,
            9 => Self::BlockHash,
            _ => return None,
        })
    }

    /// The name of the opcode that reads this field.
    pub fn opcode_name(self) -> &'static str {
        match self {
            Self::ChainId => "CHAINID",
            Self::Number => "NUMBER",
            Self::Timestamp => "TIMESTAMP",
            Self::BaseFee => "BASEFEE",
            Self::BlobBaseFee => "BLOBBASEFEE",
            Self::Coinbase => "COINBASE",
            Self::Prevrandao => "PREVRANDAO",
            Self::GasLimit => "GASLIMIT",
            Self::BlockHash => "BLOCKHASH",
        }
    }
}

/// The state key of a context field (`blockhash` takes the block number).
pub fn context_key(field: ContextField, block_number: u64) -> StateKey {
    let mut slot = [0u8; 32];
    slot[0] = field as u8;
    if field == ContextField::BlockHash {
        slot[24..].copy_from_slice(&block_number.to_be_bytes());
    }
    StateKey { addr: Address::ZERO, mark: Mark::Context, slot: B256::from(slot) }
}

/// Splits an `x` slot into its field and (for `blockhash`) block number; `None` if malformed.
pub fn parse_context_slot(slot: &Word) -> Option<(ContextField, u64)> {
    let bytes = slot.as_slice();
    let field = ContextField::from_byte(bytes[0])?;
    let number = u64::from_be_bytes(bytes[24..].try_into().expect("8 bytes"));
    let middle_zero = bytes[1..24].iter().all(|b| *b == 0);
    match field {
        ContextField::BlockHash if middle_zero => Some((field, number)),
        _ if middle_zero && number == 0 => Some((field, 0)),
        _ => None,
    }
}

/// The value a header gives a (non-blockhash) context field, as the word the opcode pushes.
pub fn header_context_value(header: &Header, field: ContextField) -> Option<Word> {
    let word = |v: u64| B256::from(U256::from(v));
    Some(match field {
        ContextField::ChainId => word(header.chain_id),
        ContextField::Number => word(header.number),
        ContextField::Timestamp => word(header.timestamp),
        ContextField::BaseFee => word(header.base_fee),
        ContextField::BlobBaseFee => word(header.blob_base_fee),
        ContextField::Coinbase => header.coinbase.into_word(),
        ContextField::Prevrandao => header.prevrandao,
        ContextField::GasLimit => word(header.gas_limit),
        ContextField::BlockHash => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_slots_round_trip_and_reject_junk() {
        let key = context_key(ContextField::BlockHash, 0x0102_0304);
        assert_eq!(parse_context_slot(&key.slot), Some((ContextField::BlockHash, 0x0102_0304)));
        let key = context_key(ContextField::Timestamp, 99);
        assert_eq!(parse_context_slot(&key.slot), Some((ContextField::Timestamp, 0)));
        let mut junk = key.slot;
        junk.0[31] = 1;
        assert_eq!(parse_context_slot(&junk), None);
        assert_eq!(parse_context_slot(&Word::ZERO), None);
    }
}
