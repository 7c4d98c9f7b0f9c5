//! Solidity 0.8's checked arithmetic on `uint256`: where solc's compiled code panics, these
//! return [`Revert::panic`], so `?` reproduces its revert data.
//!
//! Division is this module's own: ruint's general division compiles to about 8 KB of wasm, a
//! third of a module's size limit, against a few hundred bytes for long division here (at most
//! 256 shift-and-subtract steps, a few hundred gas).

use crate::revert::Panic;
use crate::{Result, Revert, U256};

/// `a + b`, reverting with `Panic(0x11)` on overflow.
pub fn add(a: U256, b: U256) -> Result<U256> {
    a.checked_add(b).ok_or_else(|| Revert::panic(Panic::Arithmetic))
}

/// `a - b`, reverting with `Panic(0x11)` on underflow.
pub fn sub(a: U256, b: U256) -> Result<U256> {
    a.checked_sub(b).ok_or_else(|| Revert::panic(Panic::Arithmetic))
}

/// `a * b`, reverting with `Panic(0x11)` on overflow.
pub fn mul(a: U256, b: U256) -> Result<U256> {
    a.checked_mul(b).ok_or_else(|| Revert::panic(Panic::Arithmetic))
}

/// `a / b` (rounding down), reverting with `Panic(0x12)` when `b` is zero.
pub fn div(a: U256, b: U256) -> Result<U256> {
    if b.is_zero() {
        return Err(Revert::panic(Panic::DivisionByZero));
    }
    Ok(long_division(a, b))
}

/// `a / b` for a non-zero `b`, bit by bit from `a`'s highest set bit: shift the next bit of `a`
/// into the remainder, subtract `b` when it fits.
fn long_division(a: U256, b: U256) -> U256 {
    let a = a.as_limbs();
    let mut quotient = [0u64; 4];
    let mut remainder = U256::ZERO;
    for i in (0..U256::from_limbs(*a).bit_len()).rev() {
        let [r0, r1, r2, r3] = *remainder.as_limbs();
        // A remainder is below b, so shifted it is below 2b: one bit past 256 at most (`carry`),
        // in which case it certainly exceeds b and the wrapping subtraction lands below b.
        let carry = r3 >> 63 == 1;
        let next_bit = a[i / 64] >> (i % 64) & 1;
        remainder = U256::from_limbs([r0 << 1 | next_bit, r1 << 1 | r0 >> 63, r2 << 1 | r1 >> 63, r3 << 1 | r2 >> 63]);
        if carry || remainder >= b {
            remainder = remainder.wrapping_sub(b);
            quotient[i / 64] |= 1 << (i % 64);
        }
    }
    U256::from_limbs(quotient)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_where_solidity_panics() {
        let one = U256::from(1);
        assert_eq!(add(U256::MAX, one), Err(Revert::panic(Panic::Arithmetic)));
        assert_eq!(sub(U256::ZERO, one), Err(Revert::panic(Panic::Arithmetic)));
        assert_eq!(mul(U256::MAX, U256::from(2)), Err(Revert::panic(Panic::Arithmetic)));
        assert_eq!(div(one, U256::ZERO), Err(Revert::panic(Panic::DivisionByZero)));
        assert_eq!(div(U256::from(7), U256::from(2)), Ok(U256::from(3)));
        assert_eq!(add(U256::MAX - one, one), Ok(U256::MAX));
    }

    #[test]
    fn long_division_agrees_with_ruint() {
        // xorshift64: varied magnitudes, including divisors above 2^255 (the carry case).
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..2000 {
            let a = U256::from_limbs([next(), next(), next(), next()]) >> (next() % 256) as usize;
            let b = U256::from_limbs([next(), next(), next(), next()]) >> (next() % 256) as usize;
            if b.is_zero() {
                continue;
            }
            assert_eq!(div(a, b), Ok(a / b), "{a} / {b}");
        }
        assert_eq!(div(U256::MAX, U256::MAX), Ok(U256::from(1)));
        assert_eq!(div(U256::MAX, U256::from(1) << 255), Ok(U256::from(1)));
        assert_eq!(div(U256::MAX, U256::from(1)), Ok(U256::MAX));
        assert_eq!(div(U256::ZERO, U256::from(3)), Ok(U256::ZERO));
    }
}
