//! Contract storage with Solidity's layout: a state variable's slot, `mapping(k => v)` at
//! `keccak256(pad32(k) ‖ slot)` (nested mappings apply that again), and `string`/`bytes` state
//! variables in Solidity's short/long encoding. Reads and writes happen in the order the
//! functions here are called, one `SLOAD`/`SSTORE` each, so a contract that calls them where
//! solc's code would touches exactly the same slots.

use alloc::vec::Vec;

use crate::abi::{Encode, Token};
use crate::revert::Panic;
use crate::{B256, Result, Revert, U256, host, keccak256};

/// A storage slot: the position of a state variable, a mapping entry or a word of a long string.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Slot(pub U256);

impl Slot {
    /// The slot of the state variable declared at position `index` (for one-word variables:
    /// the n-th state variable is at slot n).
    pub const fn new(index: u64) -> Slot {
        Slot(U256::from_limbs([index, 0, 0, 0]))
    }

    /// The slot of `mapping[key]` for a mapping at this slot: `keccak256(pad32(key) ‖ slot)`
    /// for value-type keys, `keccak256(key ‖ slot)` for `string`/`bytes` keys.
    pub fn mapping<K: Encode + ?Sized>(self, key: &K) -> Slot {
        let slot = B256::from(self.0).0;
        let hash = match key.token() {
            Token::Word(word) => {
                let mut preimage = [0u8; 64];
                preimage[..32].copy_from_slice(&word.0);
                preimage[32..].copy_from_slice(&slot);
                keccak256(&preimage)
            }
            Token::Bytes(bytes) => keccak256(&[bytes, &slot].concat()),
        };
        Slot(hash.into())
    }

    /// The slot `n` words after this one (the n-th word of a long string's data).
    fn offset(self, n: usize) -> Slot {
        Slot(self.0.wrapping_add(U256::from_limbs([n as u64, 0, 0, 0])))
    }

    /// Where a long string's data starts: `keccak256(slot)`.
    fn data_slot(self) -> Slot {
        Slot(keccak256(&B256::from(self.0).0).into())
    }

    /// `SLOAD`.
    pub fn load(self) -> U256 {
        B256(host::storage_load(&B256::from(self.0).0)).into()
    }

    /// `SSTORE` (traps in a static call).
    pub fn store(self, value: U256) {
        host::storage_store(&B256::from(self.0).0, &B256::from(value).0)
    }

    /// `TLOAD` (EIP-1153): this slot of the contract's transient storage, which starts every
    /// tx at zero and makes no moves (Solidity's `transient` state variables use the same slot
    /// numbers as ordinary ones, in this separate space).
    pub fn load_transient(self) -> U256 {
        B256(host::transient_load(&B256::from(self.0).0)).into()
    }

    /// `TSTORE` (EIP-1153; traps in a static call).
    pub fn store_transient(self, value: U256) {
        host::transient_store(&B256::from(self.0).0, &B256::from(value).0)
    }

    /// Reads a `string` or `bytes` state variable stored here, as solc's getters do: the slot,
    /// then for a long value each word of its data. Reverts with `Panic(0x22)` when the slot
    /// does not hold a valid encoding.
    pub fn load_string(self) -> Result<Vec<u8>> {
        let head = self.load();
        let len = string_len(head)?;
        if len < 32 {
            // Short: the bytes left-aligned in the slot itself.
            return Ok(B256::from(head).0[..len].to_vec());
        }
        let data = self.data_slot();
        let mut out = Vec::with_capacity(len.div_ceil(32) * 32);
        for i in 0..len.div_ceil(32) {
            out.extend_from_slice(&B256::from(data.offset(i).load()).0);
        }
        out.truncate(len);
        Ok(out)
    }

    /// Assigns a `string` or `bytes` state variable stored here, as solc's
    /// `copy_byte_array_to_storage` does: read the slot for the old length (reverting with
    /// `Panic(0x22)` on an invalid encoding), zero the old data words the new value no longer
    /// uses, then write the new value — short (< 32 bytes): left-aligned in the slot with
    /// `len * 2` in the last byte; long: the slot holds `len * 2 + 1` and the data fills words
    /// from `keccak256(slot)` on.
    pub fn store_string(self, value: &[u8]) -> Result<()> {
        let old_len = string_len(self.load())?;
        let new_len = value.len();
        // Hashed only when a long value (old or new) needs it: the host's keccak costs gas.
        let data = || self.data_slot();
        if old_len > 31 {
            let data = data();
            // Words in use by the old value and not by the new one; a new short value frees all.
            let keep = if new_len < 32 { 0 } else { new_len.div_ceil(32) };
            for i in keep..old_len.div_ceil(32) {
                data.offset(i).store(U256::ZERO);
            }
        }
        if new_len > 31 {
            let data = data();
            for (i, chunk) in value.chunks(32).enumerate() {
                let mut word = [0u8; 32];
                word[..chunk.len()].copy_from_slice(chunk);
                data.offset(i).store(B256(word).into());
            }
            self.store(U256::from_limbs([new_len as u64 * 2 + 1, 0, 0, 0]));
        } else {
            self.store(short_string(value));
        }
        Ok(())
    }
}

/// The slot value of a short (< 32 bytes) string: its bytes left-aligned, `len * 2` in the last
/// byte.
fn short_string(value: &[u8]) -> U256 {
    let mut word = [0u8; 32];
    word[..value.len()].copy_from_slice(value);
    word[31] = value.len() as u8 * 2;
    B256(word).into()
}

/// The length of the string whose slot holds `head` (solc's `extract_byte_array_length`):
/// `Panic(0x22)` when the short/long flag (bit 0) disagrees with the length.
fn string_len(head: U256) -> Result<usize> {
    // On the limbs rather than with U256 shifts, which are bulky in wasm.
    let [low, rest @ ..] = *head.as_limbs();
    let long = low & 1 == 1;
    let len = if long { low >> 1 | rest[0] << 63 } else { (low >> 1) & 0x7f };
    let beyond_u64 = long && (rest[0] >> 1 != 0 || rest[1..] != [0, 0]);
    if long != (beyond_u64 || len >= 32) {
        return Err(Revert::panic(Panic::StorageEncoding));
    }
    // More than a module's 4 MiB of memory could never be read back anyway.
    if beyond_u64 {
        return Err(Revert::panic(Panic::OutOfMemory));
    }
    usize::try_from(len).map_err(|_| Revert::panic(Panic::OutOfMemory))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Address;

    fn slot(h: &str) -> Slot {
        Slot(U256::from_str_radix(h, 16).unwrap())
    }

    #[test]
    fn mapping_slots_match_solidity() {
        // keccak256(abi.encode(address(0x…01), uint256(0))): _balances[address(1)] at slot 0.
        let one = Address([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(
            Slot::new(0).mapping(&one),
            slot("ada5013122d395ba3c54772283fb069b10426056ef8ca54750cb9bb552a59e7d")
        );
        // keccak256(abi.encode(uint256(0), uint256(0))) and keccak256(abi.encode(uint256(1), uint256(1))).
        assert_eq!(
            Slot::new(0).mapping(&U256::ZERO),
            slot("ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5")
        );
        assert_eq!(
            Slot::new(1).mapping(&U256::from(1)),
            slot("cc69885fda6bcc1a4ace058b4a62bf5e179ea78fd58a1ccd71c22cc9b688792f")
        );
    }

    #[test]
    fn nested_mapping_hashes_twice() {
        // _allowances[owner][spender] at slot 1: keccak(pad(spender) ‖ keccak(pad(owner) ‖ pad(1))).
        let owner = Address([0xaa; 20]);
        let spender = Address([0xbb; 20]);
        let inner = keccak256(&[owner.into_word().0, B256::from(U256::from(1)).0].concat());
        let outer = keccak256(&[spender.into_word().0, inner.0].concat());
        assert_eq!(Slot::new(1).mapping(&owner).mapping(&spender), Slot(outer.into()));
        // And _allowances[address(1)][address(1)], computed independently with solc-js's js-sha3.
        let one = Address([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(
            Slot::new(1).mapping(&one).mapping(&one),
            slot("edb38a93e6e2e82dbb40826a878df1d817a37ef13fcaa25248649a90fa47497b")
        );
    }

    #[test]
    fn string_keys_are_hashed_unpadded() {
        let key: &str = "abc";
        let expected = keccak256(&[&b"abc"[..], &B256::from(U256::from(2)).0].concat());
        assert_eq!(Slot::new(2).mapping(&key), Slot(expected.into()));
    }

    #[test]
    fn short_string_encoding_of_test_token() {
        // solc stores `_name = "Test Token"` (10 bytes) as the bytes left-aligned, 0x14 last.
        let expected =
            U256::from_str_radix("5465737420546f6b656e00000000000000000000000000000000000000000014", 16).unwrap();
        assert_eq!(short_string(b"Test Token"), expected);
        assert_eq!(string_len(expected), Ok(10));
    }

    #[test]
    fn string_lengths_and_invalid_encodings() {
        assert_eq!(string_len(U256::ZERO), Ok(0));
        assert_eq!(string_len(U256::from(32 * 2 + 1)), Ok(32));
        // Long flag with a short length, and short flag with a length of 32 or more: Panic(0x22).
        assert_eq!(string_len(U256::from(3)), Err(Revert::panic(Panic::StorageEncoding)));
        assert_eq!(string_len(U256::from(64)), Err(Revert::panic(Panic::StorageEncoding)));
        // Long lengths past a u64: a valid encoding, but no memory holds them.
        assert_eq!(string_len(U256::from(1) << 100 | U256::from(1)), Err(Revert::panic(Panic::OutOfMemory)));
        assert_eq!(string_len(U256::from(u64::MAX) << 1 | U256::from(1)), Ok(u64::MAX as usize));
    }
}
