//! The value types of the ABI: [`Address`], [`B256`] (`bytes32`) and [`U256`] (`uint256`, from
//! `ruint`, the big-integer crate alloy uses).

pub use ruint::aliases::U256;

/// A 20-byte account address (Solidity `address`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct Address(pub [u8; 20]);

impl Address {
    /// The zero address, `address(0)`.
    pub const ZERO: Address = Address([0; 20]);

    /// Whether this is `address(0)`.
    pub fn is_zero(&self) -> bool {
        *self == Self::ZERO
    }

    /// The address left-padded to a word, as the ABI and storage hold it.
    pub fn into_word(self) -> B256 {
        let mut word = [0u8; 32];
        word[12..].copy_from_slice(&self.0);
        B256(word)
    }

    /// The address in a word's low 20 bytes, or `None` when the high 12 bytes are not zero
    /// (Solidity reverts on such "dirty" addresses in calldata).
    pub fn from_word(word: &B256) -> Option<Address> {
        let (high, low) = word.0.split_at(12);
        high.iter().all(|&b| b == 0).then(|| Address(low.try_into().expect("20 bytes")))
    }
}

/// A 32-byte word (Solidity `bytes32`): hashes, storage keys, log topics. Converts to and from
/// [`U256`] (big-endian) with `.into()`; `U256::from(word)` does not compile, as ruint's inherent
/// `from` shadows the trait.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct B256(pub [u8; 32]);

impl B256 {
    /// The zero word.
    pub const ZERO: B256 = B256([0; 32]);
}

// The two conversions below are the only places where numbers and words meet, so a module has
// one copy of each (byte-order conversions are bulky in wasm, which has no byte swap).

impl From<U256> for B256 {
    /// The number as a big-endian word.
    #[inline(never)]
    fn from(value: U256) -> Self {
        B256(value.to_be_bytes())
    }
}

impl From<B256> for U256 {
    /// The word read as a big-endian number.
    #[inline(never)]
    fn from(word: B256) -> Self {
        U256::from_be_bytes(word.0)
    }
}

impl From<Address> for B256 {
    /// The address left-padded with zeros.
    fn from(address: Address) -> Self {
        address.into_word()
    }
}
