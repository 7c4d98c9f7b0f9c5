//! Moves: the declared before and after values of each piece of state a transaction touches.

use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::DecodeError;

/// A transaction id (the Ethereum tx hash, the native id, or the system id).
pub type TxId = B256;

/// One 32-byte value: every piece of state is one word.
pub type Word = B256;

/// What kind of state a move is about (DESIGN §2). The byte values are the ASCII letters, so
/// the canonical order of marks is `b < c < n < s < x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Mark {
    /// An account's balance (U256 big-endian).
    Balance = b'b',
    /// An account's code: keccak256 of the code, or zero for no code.
    Code = b'c',
    /// An account's nonce (u64 big-endian in a word).
    Nonce = b'n',
    /// A storage slot of an account.
    Storage = b's',
    /// The execution context the transaction observed; never in the UTXO set.
    Context = b'x',
}

impl Mark {
    /// All marks in canonical order.
    pub const ALL: [Mark; 5] = [Mark::Balance, Mark::Code, Mark::Nonce, Mark::Storage, Mark::Context];

    /// The mark's tag byte.
    pub const fn byte(self) -> u8 {
        self as u8
    }

    /// Parses a tag byte.
    pub fn from_byte(byte: u8) -> Result<Mark, DecodeError> {
        match byte {
            b'b' => Ok(Mark::Balance),
            b'c' => Ok(Mark::Code),
            b'n' => Ok(Mark::Nonce),
            b's' => Ok(Mark::Storage),
            b'x' => Ok(Mark::Context),
            other => Err(DecodeError::UnknownMark(other)),
        }
    }

    /// The mark as its one-letter name.
    pub fn letter(self) -> char {
        self.byte() as char
    }
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.letter())
    }
}

impl Serialize for Mark {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_char(self.letter())
    }
}

impl<'de> Deserialize<'de> for Mark {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii() => Mark::from_byte(c as u8).map_err(serde::de::Error::custom),
            _ => Err(serde::de::Error::custom(format!("mark must be one of b, c, n, s, x; got {text:?}"))),
        }
    }
}

/// Which fields of a move the sender signed, plus the presence bit P (DESIGN §2–3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mask(pub u8);

impl Serialize for Mask {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:#04x}", self.0))
    }
}

impl<'de> Deserialize<'de> for Mask {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let digits =
            text.strip_prefix("0x").ok_or_else(|| serde::de::Error::custom("mask must be a 0x-prefixed hex byte"))?;
        let byte = u8::from_str_radix(digits, 16)
            .map_err(|_| serde::de::Error::custom(format!("mask {text:?} is not a hex byte")))?;
        if byte & !Mask::DEFINED != 0 {
            return Err(serde::de::Error::custom(format!("mask {text:?} sets undefined bits")));
        }
        Ok(Mask(byte))
    }
}

impl Mask {
    /// `intx` is signed.
    pub const INTX: u8 = 0x01;
    /// `prev` is signed.
    pub const PREV: u8 = 0x02;
    /// `next` is signed.
    pub const NEXT: u8 = 0x04;
    /// Presence bit P: the sender listed this move (it is in the signed payload).
    pub const PRESENT: u8 = 0x80;
    /// Every defined bit.
    pub const DEFINED: u8 = Self::INTX | Self::PREV | Self::NEXT | Self::PRESENT;

    /// No field signed, not listed by the sender: a coordinator-filled move.
    pub const COORDINATOR: Mask = Mask(0);
    /// Listed by the sender with every field signed.
    pub const SIGNED: Mask = Mask(Self::DEFINED);

    /// Whether the presence bit is set.
    pub const fn present(self) -> bool {
        self.0 & Self::PRESENT != 0
    }

    /// Whether the given field bit is signed.
    pub const fn signs(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

/// The key of a piece of state: `(mark, addr, slot)`, ordered canonically as `(addr, mark, slot)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StateKey {
    /// The account the state belongs to (zero for `x`).
    pub addr: Address,
    /// What kind of state.
    pub mark: Mark,
    /// The storage key for `s`, the field id for `x`, zero otherwise.
    pub slot: Word,
}

impl StateKey {
    /// Length of [`StateKey::to_bytes`].
    pub const LEN: usize = 20 + 1 + 32;

    /// A balance key.
    pub fn balance(addr: Address) -> Self {
        Self { addr, mark: Mark::Balance, slot: Word::ZERO }
    }

    /// A nonce key.
    pub fn nonce(addr: Address) -> Self {
        Self { addr, mark: Mark::Nonce, slot: Word::ZERO }
    }

    /// A code key.
    pub fn code(addr: Address) -> Self {
        Self { addr, mark: Mark::Code, slot: Word::ZERO }
    }

    /// A storage key.
    pub fn storage(addr: Address, slot: Word) -> Self {
        Self { addr, mark: Mark::Storage, slot }
    }

    /// The canonical bytes `addr ‖ mark ‖ slot`, whose byte order is the canonical order.
    pub fn to_bytes(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        out[..20].copy_from_slice(self.addr.as_slice());
        out[20] = self.mark.byte();
        out[21..].copy_from_slice(self.slot.as_slice());
        out
    }

    /// Parses [`StateKey::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() != Self::LEN {
            return Err(DecodeError::Length { what: "state key", expected: Self::LEN, got: bytes.len() });
        }
        Ok(Self {
            addr: Address::from_slice(&bytes[..20]),
            mark: Mark::from_byte(bytes[20])?,
            slot: Word::from_slice(&bytes[21..]),
        })
    }
}

impl fmt::Display for StateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mark {
            Mark::Storage | Mark::Context => write!(f, "{}:{}:{}", self.mark, self.addr, self.slot),
            _ => write!(f, "{}:{}", self.mark, self.addr),
        }
    }
}

/// One declared state access (DESIGN §2): `prev == next` is a read, otherwise a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Move {
    /// Which fields the sender signed, and the presence bit.
    pub mask: Mask,
    /// What kind of state.
    pub mark: Mark,
    /// The tx whose output this move found; zero for never-written state.
    pub intx: TxId,
    /// The account the state belongs to.
    pub addr: Address,
    /// Storage key, context field id, or zero.
    pub slot: Word,
    /// The value found.
    pub prev: Word,
    /// The value left.
    pub next: Word,
}

impl Move {
    /// Length of the canonical encoding: mask, mark, intx, addr, slot, prev, next.
    pub const ENCODED_LEN: usize = 1 + 1 + 32 + 20 + 32 + 32 + 32;

    /// A read of `key` found in output `(intx, key)` with `value`.
    pub fn read(key: StateKey, intx: TxId, value: Word) -> Self {
        Self::write(key, intx, value, value)
    }

    /// A write of `key`: consumes `(intx, key)` holding `prev`, leaves `next`.
    pub fn write(key: StateKey, intx: TxId, prev: Word, next: Word) -> Self {
        Self { mask: Mask::COORDINATOR, mark: key.mark, intx, addr: key.addr, slot: key.slot, prev, next }
    }

    /// The state key `(mark, addr, slot)`.
    pub fn key(&self) -> StateKey {
        StateKey { addr: self.addr, mark: self.mark, slot: self.slot }
    }

    /// Whether this move writes (`prev != next`) and so consumes and creates an output.
    pub fn is_write(&self) -> bool {
        self.prev != self.next
    }

    /// Whether this move found never-written state (`intx == 0`).
    pub fn is_first_use(&self) -> bool {
        self.intx.is_zero()
    }

    /// Appends the canonical 150-byte encoding.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(self.mask.0);
        out.push(self.mark.byte());
        out.extend_from_slice(self.intx.as_slice());
        out.extend_from_slice(self.addr.as_slice());
        out.extend_from_slice(self.slot.as_slice());
        out.extend_from_slice(self.prev.as_slice());
        out.extend_from_slice(self.next.as_slice());
    }

    /// Parses one canonical encoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() != Self::ENCODED_LEN {
            return Err(DecodeError::Length { what: "move", expected: Self::ENCODED_LEN, got: bytes.len() });
        }
        let mask = bytes[0];
        if mask & !Mask::DEFINED != 0 {
            return Err(DecodeError::UnknownMaskBits(mask));
        }
        Ok(Self {
            mask: Mask(mask),
            mark: Mark::from_byte(bytes[1])?,
            intx: TxId::from_slice(&bytes[2..34]),
            addr: Address::from_slice(&bytes[34..54]),
            slot: Word::from_slice(&bytes[54..86]),
            prev: Word::from_slice(&bytes[86..118]),
            next: Word::from_slice(&bytes[118..150]),
        })
    }
}

/// Encodes moves back to back (the canonical moves bytes of a tx).
pub fn encode_moves(moves: &[Move]) -> Vec<u8> {
    let mut out = Vec::with_capacity(moves.len() * Move::ENCODED_LEN);
    for m in moves {
        m.encode_into(&mut out);
    }
    out
}

/// Decodes back-to-back moves; the length must be a whole number of moves.
pub fn decode_moves(bytes: &[u8]) -> Result<Vec<Move>, DecodeError> {
    if !bytes.len().is_multiple_of(Move::ENCODED_LEN) {
        return Err(DecodeError::Length {
            what: "moves (a multiple of 150 bytes)",
            expected: bytes.len() / Move::ENCODED_LEN * Move::ENCODED_LEN,
            got: bytes.len(),
        });
    }
    bytes.chunks_exact(Move::ENCODED_LEN).map(Move::decode).collect()
}

/// Sorts moves into the canonical order `(addr, mark, slot)`.
pub fn sort_canonical(moves: &mut [Move]) {
    moves.sort_unstable_by_key(Move::key);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Move {
        Move {
            mask: Mask(Mask::PRESENT | Mask::PREV),
            mark: Mark::Storage,
            intx: TxId::repeat_byte(7),
            addr: Address::repeat_byte(0xaa),
            slot: Word::with_last_byte(3),
            prev: Word::with_last_byte(1),
            next: Word::with_last_byte(2),
        }
    }

    #[test]
    fn move_bytes_round_trip_and_bad_bytes_are_errors() {
        let m = sample();
        let bytes = encode_moves(&[m, m]);
        assert_eq!(bytes.len(), 300);
        assert_eq!(decode_moves(&bytes).unwrap(), vec![m, m]);
        assert!(matches!(decode_moves(&bytes[..299]), Err(DecodeError::Length { .. })));
        let mut bad = bytes.clone();
        bad[1] = b'q';
        assert_eq!(decode_moves(&bad), Err(DecodeError::UnknownMark(b'q')));
        bad[1] = b's';
        bad[0] = 0x40;
        assert_eq!(decode_moves(&bad), Err(DecodeError::UnknownMaskBits(0x40)));
    }

    #[test]
    fn canonical_order_is_addr_then_mark_then_slot() {
        let a = Address::repeat_byte(1);
        let b = Address::repeat_byte(2);
        let mut keys = [
            StateKey::storage(a, Word::with_last_byte(2)),
            StateKey::balance(b),
            StateKey::nonce(a),
            StateKey::storage(a, Word::with_last_byte(1)),
            StateKey::balance(a),
            StateKey::code(a),
        ];
        keys.sort();
        let marks: Vec<_> = keys.iter().map(|k| (k.addr == a, k.mark)).collect();
        assert_eq!(
            marks,
            [
                (true, Mark::Balance),
                (true, Mark::Code),
                (true, Mark::Nonce),
                (true, Mark::Storage),
                (true, Mark::Storage),
                (false, Mark::Balance)
            ]
        );
        // The byte encoding sorts the same way, so stores keyed by it iterate canonically.
        let mut bytes: Vec<_> = keys.iter().map(StateKey::to_bytes).collect();
        bytes.sort();
        assert_eq!(bytes, keys.iter().map(StateKey::to_bytes).collect::<Vec<_>>());
    }

    #[test]
    fn json_uses_hex_and_mark_letters() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["mark"], "s");
        assert_eq!(json["mask"], "0x82");
        assert_eq!(json["addr"], "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(json["next"], format!("0x{}02", "0".repeat(62)));
        let back: Move = serde_json::from_value(json).unwrap();
        assert_eq!(back, sample());
    }
}
