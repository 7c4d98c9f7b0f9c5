//! ABI decoding of call data with solc's validation: wherever a solc-compiled function reverts
//! while decoding its arguments, decoding here fails with [`Revert::empty`] — an argument list
//! shorter than its heads, an `address` or `uintN` with bits above its width, a `bool` other
//! than 0 or 1, a `bytes`/`string` whose offset or length exceeds 2^64 − 1 or whose data runs
//! past the end. Extra bytes after the arguments are accepted, as solc accepts them.
//!
//! Dynamic values follow solc's rules for `calldata` parameters; a `bytes memory` parameter in
//! solc panics (`Panic(0x41)`) instead of reverting empty on a length above 2^64 − 1.

use crate::{Address, B256, Result, Revert, U256};

/// Reads a function's arguments (the call data after the selector) head by head.
pub struct Decoder<'a> {
    args: &'a [u8],
    next_head: usize,
}

impl<'a> Decoder<'a> {
    /// A decoder over `args`, the call data after the four selector bytes.
    pub fn new(args: &'a [u8]) -> Self {
        Decoder { args, next_head: 0 }
    }

    /// The next value.
    pub fn read<T: Decode<'a>>(&mut self) -> Result<T> {
        T::decode(self)
    }

    /// The byte position of the next head, advancing past it.
    fn next_head(&mut self) -> usize {
        let at = self.next_head;
        self.next_head += 32;
        at
    }

    /// The next head word.
    fn word(&mut self) -> Result<&'a [u8; 32]> {
        let at = self.next_head();
        self.word_at(at)
    }

    /// The next head as an unsigned integer of `bits` bits (at most 64).
    fn small_uint(&mut self, bits: u32) -> Result<u64> {
        let at = self.next_head();
        self.uint_at(at, bits)
    }

    /// The word at byte `at` of the arguments, reverting when it runs past the end.
    fn word_at(&self, at: usize) -> Result<&'a [u8; 32]> {
        self.args.get(at..).and_then(|rest| rest.first_chunk::<32>()).ok_or_else(Revert::empty)
    }

    /// The word at byte `at` as an unsigned integer of `bits` bits (at most 64), reverting when
    /// a higher bit is set, as solc does.
    fn uint_at(&self, at: usize, bits: u32) -> Result<u64> {
        let value: U256 = B256(*self.word_at(at)?).into();
        if value.bit_len() > bits as usize {
            return Err(Revert::empty());
        }
        Ok(value.as_limbs()[0])
    }

    /// The next head as the offset of a dynamic value (`bytes`, `string`); returns its bytes.
    fn dynamic(&mut self) -> Result<&'a [u8]> {
        // solc reverts on offsets and lengths above 2^64 - 1; between that and usize::MAX (wasm32:
        // 2^32 - 1) they point past the end of the call data, so the bound checks revert too.
        let offset = usize::try_from(self.small_uint(64)?).map_err(|_| Revert::empty())?;
        let len = usize::try_from(self.uint_at(offset, 64)?).map_err(|_| Revert::empty())?;
        // The length word was read, so `offset + 32` is within the arguments.
        let start = offset + 32;
        let end = start.checked_add(len).ok_or_else(Revert::empty)?;
        self.args.get(start..end).ok_or_else(Revert::empty)
    }
}

/// A type that can be decoded from call data. Implemented for `U256`, `Address`, `bool`, `B256`,
/// `u8`…`u64`, `&[u8]` (`bytes` or `string`: solc does not check that a string is UTF-8) and
/// tuples of up to six of them.
pub trait Decode<'a>: Sized {
    /// Reads one value (a tuple: one per element) from `decoder`.
    fn decode(decoder: &mut Decoder<'a>) -> Result<Self>;
}

impl<'a> Decode<'a> for U256 {
    fn decode(decoder: &mut Decoder<'a>) -> Result<Self> {
        Ok(B256(*decoder.word()?).into())
    }
}

impl<'a> Decode<'a> for B256 {
    fn decode(decoder: &mut Decoder<'a>) -> Result<Self> {
        Ok(B256(*decoder.word()?))
    }
}

impl<'a> Decode<'a> for Address {
    fn decode(decoder: &mut Decoder<'a>) -> Result<Self> {
        Address::from_word(&B256(*decoder.word()?)).ok_or_else(Revert::empty)
    }
}

impl<'a> Decode<'a> for bool {
    fn decode(decoder: &mut Decoder<'a>) -> Result<Self> {
        Ok(decoder.small_uint(1)? == 1)
    }
}

/// `uint8` … `uint64`.
macro_rules! decode_small_uint {
    ($($t:ty),*) => {$(
        impl<'a> Decode<'a> for $t {
            fn decode(decoder: &mut Decoder<'a>) -> Result<Self> {
                Ok(decoder.small_uint(<$t>::BITS)? as $t)
            }
        }
    )*};
}
decode_small_uint!(u8, u16, u32, u64);

impl<'a> Decode<'a> for &'a [u8] {
    fn decode(decoder: &mut Decoder<'a>) -> Result<Self> {
        decoder.dynamic()
    }
}

/// Tuples decode their elements in order, as a function's argument list.
macro_rules! decode_tuple {
    ($($name:ident),+) => {
        impl<'a, $($name: Decode<'a>),+> Decode<'a> for ($($name,)+) {
            fn decode(decoder: &mut Decoder<'a>) -> Result<Self> {
                Ok(($(decoder.read::<$name>()?,)+))
            }
        }
    };
}
decode_tuple!(A, B);
decode_tuple!(A, B, C);
decode_tuple!(A, B, C, D);
decode_tuple!(A, B, C, D, E);
decode_tuple!(A, B, C, D, E, F);

/// Decodes a function's arguments (the call data after the selector), e.g.
/// `decode::<(Address, U256)>(args)` for `transfer(address,uint256)`.
///
/// ```
/// use manaflow_sdk::{Address, U256, abi};
/// let args = abi::encode(&[&Address([7; 20]), &U256::from(9)]);
/// let (to, value): (Address, U256) = abi::decode(&args).unwrap();
/// assert_eq!((to, value), (Address([7; 20]), U256::from(9)));
/// ```
pub fn decode<'a, T: Decode<'a>>(args: &'a [u8]) -> Result<T> {
    Decoder::new(args).read()
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;
    use crate::abi::encode;

    #[test]
    fn round_trip() {
        let data: &[u8] = b"relay me";
        let args = encode(&[&Address([1; 20]), &data, &true, &B256([2; 32]), &42u8]);
        let decoded: (Address, &[u8], bool, B256, u8) = decode(&args).unwrap();
        assert_eq!(decoded, (Address([1; 20]), data, true, B256([2; 32]), 42));
    }

    #[test]
    fn short_arguments_revert_empty() {
        let args = encode(&[&Address([1; 20]), &U256::from(1)]);
        assert_eq!(decode::<(Address, U256)>(&args[..63]), Err(Revert::empty()));
        // Trailing bytes are fine, as in solc.
        let mut longer = args.clone();
        longer.push(0xff);
        assert!(decode::<(Address, U256)>(&longer).is_ok());
    }

    #[test]
    fn dirty_values_revert_empty() {
        let mut dirty_address = encode(&[&Address([1; 20])]);
        dirty_address[11] = 1;
        assert_eq!(decode::<Address>(&dirty_address), Err(Revert::empty()));
        assert_eq!(decode::<bool>(&encode(&[&2u8])), Err(Revert::empty()));
        assert_eq!(decode::<u8>(&encode(&[&256u16])), Err(Revert::empty()));
    }

    #[test]
    fn bad_dynamic_values_revert_empty() {
        let data: &[u8] = b"0123456789";
        let good = encode(&[&data]);
        let with = |at: usize, word: B256| {
            let mut v: Vec<u8> = good.clone();
            v[at..at + 32].copy_from_slice(&word.0);
            v
        };
        // Offset past the end, offset above 2^64 - 1, length running past the end.
        assert_eq!(decode::<&[u8]>(&with(0, encode::uint_word(0x60))), Err(Revert::empty()));
        assert_eq!(decode::<&[u8]>(&with(0, B256([0xff; 32]))), Err(Revert::empty()));
        assert_eq!(decode::<&[u8]>(&with(32, encode::uint_word(33))), Err(Revert::empty()));
        // The data may end exactly at the end of the call data (solc does not need the padding).
        assert_eq!(decode::<&[u8]>(&good[..64 + 10]), Ok(data));
    }
}
