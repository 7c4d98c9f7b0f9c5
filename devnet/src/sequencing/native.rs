//! The coordinator's side of native txs (type `0x4d`, DESIGN §3): sequencing fills exactly the
//! fields the sender left masked and nothing else.
//!
//! - A tx with masks (or the open flag) is executed against the latest state. Each executed
//!   move must agree with every field the sender signed for its key; masked fields take the
//!   executed values; moves the sender did not list are added only when the tx is open.
//! - A fully signed tx (every listed field signed, not open) needs no state. Its listed outputs
//!   must be live with the signed values, and its outcome comes from the validator's own
//!   stateless re-execution.
//!
//! Either way, a tx that no longer fits the state (a stale `prev`) is refused at sequencing and
//! never reaches a block: a block is all or nothing.

use manaflow_types::{Mask, Move, NativeTx, StateView};

pub use crate::error::{FillError, StaleField};

/// Whether `tx` is fully signed: every listed move signs all three fields, and it is not open.
pub fn is_fully_signed(tx: &NativeTx) -> bool {
    !tx.call.open && tx.moves.iter().all(|m| m.mask == Mask::SIGNED)
}

/// Checks the signed fields of `declared` against `actual` (the same key).
fn check_signed(declared: &Move, actual: &Move) -> Result<(), FillError> {
    // The value first: a stale prev says most about why (intx alone differs when the same value
    // was written again).
    let fields = [
        (Mask::PREV, "prev", declared.prev, actual.prev),
        (Mask::INTX, "intx", declared.intx, actual.intx),
        (Mask::NEXT, "next", declared.next, actual.next),
    ];
    for (bit, field, signed, got) in fields {
        if declared.mask.signs(bit) && signed != got {
            return Err(FillError::Stale(Box::new(StaleField { key: declared.key(), field, signed, actual: got })));
        }
    }
    Ok(())
}

/// The moves of `tx` filled from its execution's `executed` moves: each listed move keeps its
/// mask and takes the executed values (which must equal every signed field); unlisted executed
/// moves are added with mask 0 when the tx is open.
pub fn fill(tx: &NativeTx, executed: &[Move]) -> Result<Vec<Move>, FillError> {
    let mut filled = Vec::with_capacity(executed.len());
    let mut listed = tx.moves.iter().peekable();
    for actual in executed {
        // Both lists are in canonical key order: a listed key before this one was not touched.
        if let Some(declared) = listed.peek()
            && declared.key() < actual.key()
        {
            return Err(FillError::Untouched { key: declared.key() });
        }
        match listed.peek() {
            Some(declared) if declared.key() == actual.key() => {
                check_signed(declared, actual)?;
                filled.push(Move { mask: declared.mask, ..*actual });
                listed.next();
            }
            _ if tx.call.open => filled.push(Move { mask: Mask::COORDINATOR, ..*actual }),
            _ => return Err(FillError::Unlisted { key: actual.key() }),
        }
    }
    if let Some(declared) = listed.next() {
        return Err(FillError::Untouched { key: declared.key() });
    }
    Ok(filled)
}

/// Checks that every listed output of a fully signed tx is live in `view` with the signed
/// `intx` and `prev` (context moves are checked by the validator against the headers).
pub fn check_live(tx: &NativeTx, view: &dyn StateView) -> Result<(), FillError> {
    for declared in tx.moves.iter().filter(|m| m.mark != manaflow_types::Mark::Context) {
        let output = view.output(&declared.key())?;
        let actual = Move { intx: output.intx, prev: output.value, ..*declared };
        check_signed(declared, &actual)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use manaflow_types::{Address, B256, NativeCall, SigningKey, StateKey};

    fn word(n: u8) -> B256 {
        B256::with_last_byte(n)
    }

    fn tx(moves: Vec<Move>, open: bool) -> NativeTx {
        NativeTx::sign(
            NativeCall { open, ..NativeCall::default() },
            moves,
            &SigningKey::from_bytes(&B256::repeat_byte(7)).expect("a key"),
        )
    }

    #[test]
    fn fills_masked_fields_and_keeps_signed_ones() {
        let pool = StateKey::storage(Address::repeat_byte(1), word(0));
        let executed = [Move::write(pool, word(9), word(100), word(90))];
        let masked =
            Move { mask: Mask(Mask::PRESENT | Mask::NEXT), ..Move::write(pool, B256::ZERO, B256::ZERO, word(90)) };
        let filled = fill(&tx(vec![masked], false), &executed).expect("fills");
        assert_eq!(filled, [Move { mask: masked.mask, ..executed[0] }]);

        let stale = Move { mask: Mask::SIGNED, ..Move::write(pool, word(9), word(99), word(90)) };
        let err = fill(&tx(vec![stale], false), &executed).expect_err("a stale prev");
        assert!(matches!(&err, FillError::Stale(stale) if stale.field == "prev"), "{err}");
    }

    #[test]
    fn adds_unlisted_moves_only_when_open() {
        let a = StateKey::balance(Address::repeat_byte(1));
        let b = StateKey::balance(Address::repeat_byte(2));
        let executed = [Move::read(a, word(1), word(5)), Move::read(b, word(2), word(6))];
        let listed = Move { mask: Mask::SIGNED, ..executed[0] };
        assert!(matches!(fill(&tx(vec![listed], false), &executed), Err(FillError::Unlisted { .. })));
        let filled = fill(&tx(vec![listed], true), &executed).expect("open");
        assert_eq!(filled[1].mask, Mask::COORDINATOR);
        let extra =
            Move { mask: Mask::SIGNED, ..Move::read(StateKey::balance(Address::repeat_byte(3)), word(3), word(7)) };
        assert!(matches!(fill(&tx(vec![listed, extra], true), &executed), Err(FillError::Untouched { .. })));
    }
}
