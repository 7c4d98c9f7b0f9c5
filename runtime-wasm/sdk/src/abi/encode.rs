//! ABI encoding: a list of values becomes heads (one word each: the value, or the offset of a
//! dynamic value's tail) followed by the tails (length word, then the bytes right-padded to
//! whole words).

use alloc::vec::Vec;

use crate::abi::Selector;
use crate::{Address, B256, U256};

/// How one value is laid out in the ABI.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Token<'a> {
    /// A static value, one word (`uintN`, `address`, `bool`, `bytes32`).
    Word(B256),
    /// A dynamic value (`bytes`, `string`): its bytes, encoded as a length word and padded data.
    Bytes(&'a [u8]),
}

/// A value with an ABI encoding. Implemented for the supported Solidity types; `&[u8]` and
/// `Vec<u8>` encode as `bytes`, `&str` as `string`.
pub trait Encode {
    /// The value's ABI layout.
    fn token(&self) -> Token<'_>;
}

impl Encode for U256 {
    fn token(&self) -> Token<'_> {
        Token::Word((*self).into())
    }
}

impl Encode for Address {
    fn token(&self) -> Token<'_> {
        Token::Word(self.into_word())
    }
}

impl Encode for B256 {
    fn token(&self) -> Token<'_> {
        Token::Word(*self)
    }
}

impl Encode for bool {
    fn token(&self) -> Token<'_> {
        Token::Word(uint_word(u64::from(*self)))
    }
}

/// Smaller unsigned integers (`uint8` … `uint64`), right-aligned in a word.
macro_rules! encode_small_uint {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn token(&self) -> Token<'_> {
                Token::Word(uint_word(u64::from(*self)))
            }
        }
    )*};
}
encode_small_uint!(u8, u16, u32, u64);

impl Encode for &[u8] {
    fn token(&self) -> Token<'_> {
        Token::Bytes(self)
    }
}

impl Encode for Vec<u8> {
    fn token(&self) -> Token<'_> {
        Token::Bytes(self)
    }
}

impl Encode for &str {
    fn token(&self) -> Token<'_> {
        Token::Bytes(self.as_bytes())
    }
}

/// A `u64` as a big-endian word (lengths, offsets, small integers).
pub(crate) fn uint_word(value: u64) -> B256 {
    U256::from_limbs([value, 0, 0, 0]).into()
}

/// The ABI encoding of `values` as a tuple: `abi.encode(values...)` in Solidity, and the return
/// data of a function returning them.
///
/// ```
/// use manaflow_sdk::{U256, abi};
/// let out = abi::encode(&[&U256::from(1), &"hi"]);
/// assert_eq!(out.len(), 4 * 32); // value, offset, length, padded "hi"
/// assert_eq!(out[63], 0x40); // the string's tail starts after the two heads
/// ```
pub fn encode(values: &[&dyn Encode]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&mut out, values);
    out
}

/// `selector ‖ encode(values)`: call data for a function, or the revert data of a custom error
/// (`abi.encodeWithSelector` in Solidity).
pub fn encode_with_selector(selector: Selector, values: &[&dyn Encode]) -> Vec<u8> {
    let mut out = Vec::from(selector);
    encode_into(&mut out, values);
    out
}

/// Appends the encoding of `values` to `out`; offsets count from where the tuple starts.
fn encode_into(out: &mut Vec<u8>, values: &[&dyn Encode]) {
    let start = out.len();
    out.resize(start + 32 * values.len(), 0);
    for (i, value) in values.iter().enumerate() {
        let head = match value.token() {
            Token::Word(word) => word,
            Token::Bytes(bytes) => {
                // The tail goes at the end: length word, bytes, zeros to a whole word.
                let offset = uint_word((out.len() - start) as u64);
                out.extend_from_slice(&uint_word(bytes.len() as u64).0);
                out.extend_from_slice(bytes);
                out.resize(out.len() + padded_len(bytes.len()) - bytes.len(), 0);
                offset
            }
        };
        out[start + 32 * i..start + 32 * (i + 1)].copy_from_slice(&head.0);
    }
}

/// `len` rounded up to whole words.
fn padded_len(len: usize) -> usize {
    len.div_ceil(32) * 32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(n: u64) -> [u8; 32] {
        uint_word(n).0
    }

    #[test]
    fn static_values_are_one_word_each() {
        let a = Address([0x11; 20]);
        let out = encode(&[&a, &true, &U256::from(5), &18u8]);
        assert_eq!(out.len(), 128);
        assert_eq!(&out[..12], &[0; 12]);
        assert_eq!(&out[12..32], &[0x11; 20]);
        assert_eq!(out[32..64], word(1));
        assert_eq!(out[64..96], word(5));
        assert_eq!(out[96..128], word(18));
    }

    #[test]
    fn dynamic_values_get_offsets_and_padded_tails() {
        // abi.encode(bytes("abc"), uint256(7), string("")) as solc produces it.
        let abc: &[u8] = b"abc";
        let out = encode(&[&abc, &U256::from(7), &""]);
        let mut expected = Vec::new();
        for w in [word(0x60), word(7), word(0xa0), word(3)] {
            expected.extend_from_slice(&w);
        }
        let mut padded = [0u8; 32];
        padded[..3].copy_from_slice(b"abc");
        expected.extend_from_slice(&padded);
        expected.extend_from_slice(&word(0));
        assert_eq!(out, expected);
    }

    #[test]
    fn returning_bytes_wraps_them_once() {
        let data: Vec<u8> = (0..33).collect();
        let out = encode(&[&data]);
        assert_eq!(out.len(), 32 + 32 + 64);
        assert_eq!(out[..32], word(0x20));
        assert_eq!(out[32..64], word(33));
        assert_eq!(&out[64..97], &data[..]);
        assert!(out[97..].iter().all(|&b| b == 0));
    }
}
