//! What a sender of a native tx leaves masked: which fields of its simulated moves it signs and
//! which it leaves to the coordinator (DESIGN §2).

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};

use crate::moves::{Mask, Move};

/// Which fields of the simulated moves the sender signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Masking {
    /// Every field of every move: fixed at signing time.
    Full,
    /// Moves on these contracts are filled by the coordinator; so is the `next` of every other
    /// write.
    Contested(Vec<Address>),
}

impl Masking {
    /// The mask of `m` under this masking.
    pub fn mask_of(&self, m: &Move) -> Mask {
        match self {
            Masking::Full => Mask::SIGNED,
            Masking::Contested(contracts) if contracts.contains(&m.addr) => Mask(Mask::PRESENT),
            Masking::Contested(_) if m.is_write() => Mask(Mask::PRESENT | Mask::INTX | Mask::PREV),
            Masking::Contested(_) => Mask::SIGNED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moves::StateKey;
    use alloy_primitives::B256;

    #[test]
    fn contested_masking_leaves_the_pool_and_results_to_the_coordinator() {
        let pool = Address::repeat_byte(1);
        let me = Address::repeat_byte(2);
        let reserve = Move::write(StateKey::storage(pool, B256::ZERO), B256::ZERO, B256::ZERO, B256::with_last_byte(1));
        let mine = Move::write(StateKey::balance(me), B256::ZERO, B256::with_last_byte(9), B256::with_last_byte(8));
        let code = Move::read(StateKey::code(me), B256::ZERO, B256::ZERO);
        let masking = Masking::Contested(vec![pool]);
        assert_eq!(masking.mask_of(&reserve), Mask(Mask::PRESENT));
        assert_eq!(masking.mask_of(&mine), Mask(Mask::PRESENT | Mask::INTX | Mask::PREV));
        assert_eq!(masking.mask_of(&code), Mask::SIGNED);
        assert_eq!(Masking::Full.mask_of(&reserve), Mask::SIGNED);
    }
}
