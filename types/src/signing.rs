//! secp256k1 signing and recovery (libsecp256k1), with EIP-2's low-s rule enforced.

use alloy_primitives::{Address, B256, U256, keccak256};
use secp256k1::SECP256K1;
use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use serde::{Deserialize, Serialize};

use crate::error::SignatureError;

/// Half the secp256k1 group order: the largest `s` EIP-2 allows.
const HALF_ORDER: U256 =
    U256::from_limbs([0xdfe9_2f46_681b_20a0, 0x5d57_6e73_57a4_501d, 0xffff_ffff_ffff_ffff, 0x7fff_ffff_ffff_ffff]);

/// A recoverable ECDSA signature as Ethereum writes it: `r`, `s` and the y parity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Signature {
    /// The `r` scalar.
    pub r: U256,
    /// The `s` scalar (low half enforced on recovery).
    pub s: U256,
    /// The parity of the nonce point's y coordinate (the recovery id).
    #[serde(rename = "yParity", with = "alloy_serde::quantity")]
    pub y_parity: bool,
}

impl Signature {
    /// The 65 bytes `r ‖ s ‖ y_parity`.
    pub fn to_bytes(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[..32].copy_from_slice(&self.r.to_be_bytes::<32>());
        out[32..64].copy_from_slice(&self.s.to_be_bytes::<32>());
        out[64] = self.y_parity as u8;
        out
    }

    /// Whether `s` is in the lower half of the group order (EIP-2).
    pub fn is_low_s(&self) -> bool {
        self.s <= HALF_ORDER
    }
}

/// A private key that signs prehashed messages.
#[derive(Clone)]
pub struct SigningKey(secp256k1::SecretKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.address())
    }
}

impl SigningKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: &B256) -> Result<Self, SignatureError> {
        secp256k1::SecretKey::from_byte_array(bytes.0).map(Self).map_err(|_| SignatureError::InvalidKey)
    }

    /// The key's 32 bytes.
    pub fn to_bytes(&self) -> B256 {
        B256::from(self.0.secret_bytes())
    }

    /// The Ethereum address of the key.
    pub fn address(&self) -> Address {
        let public = secp256k1::PublicKey::from_secret_key_global(&self.0);
        public_key_address(&public)
    }

    /// Signs a 32-byte hash (RFC 6979 nonces; libsecp256k1 always yields low `s`).
    pub fn sign_hash(&self, hash: &B256) -> Signature {
        let sig = SECP256K1.sign_ecdsa_recoverable(secp256k1::Message::from_digest(hash.0), &self.0);
        let (recid, compact) = sig.serialize_compact();
        Signature {
            r: U256::from_be_slice(&compact[..32]),
            s: U256::from_be_slice(&compact[32..]),
            y_parity: i32::from(recid) == 1,
        }
    }
}

fn public_key_address(public: &secp256k1::PublicKey) -> Address {
    let uncompressed = public.serialize_uncompressed();
    Address::from_slice(&keccak256(&uncompressed[1..])[12..])
}

/// Recovers the signer's address of `hash`, refusing high-`s` signatures (EIP-2).
pub fn recover_signer(hash: &B256, sig: &Signature) -> Result<Address, SignatureError> {
    if !sig.is_low_s() {
        return Err(SignatureError::HighS);
    }
    let mut compact = [0u8; 64];
    compact[..32].copy_from_slice(&sig.r.to_be_bytes::<32>());
    compact[32..].copy_from_slice(&sig.s.to_be_bytes::<32>());
    let recid = RecoveryId::try_from(sig.y_parity as i32).map_err(|e| SignatureError::Malformed(e.to_string()))?;
    let recoverable =
        RecoverableSignature::from_compact(&compact, recid).map_err(|e| SignatureError::Malformed(e.to_string()))?;
    let public = SECP256K1
        .recover_ecdsa(secp256k1::Message::from_digest(hash.0), &recoverable)
        .map_err(|_| SignatureError::Unrecoverable)?;
    Ok(public_key_address(&public))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first dev account of the `test test … junk` mnemonic, known from every tutorial.
    const KEY0: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    #[test]
    fn known_key_has_known_address_and_recovers() {
        let key = SigningKey::from_bytes(&KEY0.parse().unwrap()).unwrap();
        assert_eq!(key.address(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse::<Address>().unwrap());
        let hash = keccak256(b"manaflow");
        let sig = key.sign_hash(&hash);
        assert!(sig.is_low_s());
        assert_eq!(recover_signer(&hash, &sig).unwrap(), key.address());
        let other = keccak256(b"other");
        assert_ne!(recover_signer(&other, &sig).ok(), Some(key.address()));
    }

    #[test]
    fn high_s_twin_is_refused() {
        let key = SigningKey::from_bytes(&KEY0.parse().unwrap()).unwrap();
        let hash = keccak256(b"eip-2");
        let sig = key.sign_hash(&hash);
        // (r, n - s, !v) is the same signature mirrored into the upper half: valid ECDSA, but EIP-2 refuses it.
        let order = HALF_ORDER * U256::from(2) + U256::from(1);
        let twin = Signature { r: sig.r, s: order - sig.s, y_parity: !sig.y_parity };
        assert_eq!(recover_signer(&hash, &twin), Err(SignatureError::HighS));
    }

    #[test]
    fn zero_r_is_malformed_not_a_panic() {
        let sig = Signature { r: U256::ZERO, s: U256::from(1), y_parity: false };
        assert!(recover_signer(&B256::ZERO, &sig).is_err());
    }
}
