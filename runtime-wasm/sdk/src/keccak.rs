//! keccak-256, at run time and at compile time.

use crate::B256;

/// keccak-256 of `data`. On wasm32 this is the host's `keccak256` (30 + 6 gas per word, as the
/// EVM's `KECCAK256`, and no hashing code in the module); elsewhere a pure-Rust implementation,
/// so storage-slot computations can be unit-tested on the host.
pub fn keccak256(data: &[u8]) -> B256 {
    #[cfg(target_arch = "wasm32")]
    return B256(crate::host::keccak256(data));
    #[cfg(not(target_arch = "wasm32"))]
    return const_keccak256(data);
}

/// keccak-256 of `data` as a `const fn`, for values known at compile time (selectors, event
/// topics): used in a `const` item it costs neither code nor gas.
pub const fn const_keccak256(data: &[u8]) -> B256 {
    B256(keccak_const::Keccak256::new().update(data).finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(h: &str) -> [u8; 32] {
        core::array::from_fn(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
    }

    #[test]
    fn known_digests() {
        // The empty-input digest every Ethereum client knows (the code hash of an empty account).
        assert_eq!(keccak256(b""), B256(hex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")));
        assert_eq!(
            keccak256(b"Transfer(address,address,uint256)"),
            B256(hex("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"))
        );
    }
}
