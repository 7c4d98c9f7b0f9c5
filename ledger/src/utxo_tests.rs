//! Unit tests of the in-memory UTXO set.

use super::*;
use manaflow_types::Address;

fn key(i: u8) -> StateKey {
    StateKey::balance(Address::repeat_byte(i))
}

#[test]
fn apply_checks_intx_and_prev_then_updates_in_place() {
    let mut set = UtxoSet::new();
    let mut undo = UndoLog::default();
    let t1 = TxId::repeat_byte(1);
    let at = TxLoc::new(1, 0);
    let first = Move::write(key(1), TxId::ZERO, Word::ZERO, Word::with_last_byte(5));
    assert_eq!(set.apply_move(&first, TxLoc::ZERO, t1, at, &mut undo), Ok(Placed::NEVER_WRITTEN));
    assert_eq!(set.live(&key(1)), Placed::new(t1, Word::with_last_byte(5), at));
    // The implicit output is gone once written.
    assert!(set.apply_move(&first, TxLoc::ZERO, t1, at, &mut undo).is_err());
    // A read of the new output must name where its tx sits.
    let read = Move::read(key(1), t1, Word::with_last_byte(5));
    assert!(set.apply_move(&read, TxLoc::new(1, 1), t1, TxLoc::new(2, 0), &mut undo).is_err());
    assert!(set.apply_move(&read, at, t1, TxLoc::new(2, 0), &mut undo).is_ok());
    set.rollback(&mut undo);
    assert_eq!(set.live(&key(1)), Placed::NEVER_WRITTEN);
    assert_eq!(set.take_dirty().len(), 0, "a rolled-back first write leaves nothing to flush");
}

#[test]
fn parallel_step_keeps_block_order_per_key_and_finds_the_earliest_mismatch() {
    let mut set = UtxoSet::new();
    let (a, b) = (TxId::repeat_byte(0xa), TxId::repeat_byte(0xb));
    let m0 = Move::write(key(1), TxId::ZERO, Word::ZERO, Word::with_last_byte(1));
    let m1 = Move::write(key(1), a, Word::with_last_byte(1), Word::with_last_byte(2)); // chained on m0
    let m2 = Move::write(key(2), TxId::ZERO, Word::ZERO, Word::with_last_byte(3));
    let ids = [a, b];
    let (z, a_at) = (TxLoc::ZERO, TxLoc::new(4, 0));
    let moves = [(0, &m0, z), (1, &m1, a_at), (1, &m2, z)];
    let outcome = set.apply_moves(4, &moves, &ids);
    assert_eq!(outcome.mismatch, None);
    assert_eq!(outcome.first_writes, 2);
    assert_eq!(set.live(&key(1)), Placed::new(b, Word::with_last_byte(2), TxLoc::new(4, 1)));
    // A second pass: every move now finds the wrong output; the earliest is reported.
    let mut again = set.apply_moves(5, &[(1, &m2, z), (1, &m1, a_at)], &ids);
    assert_eq!(again.mismatch.map(|m| m.seq), Some(0));
    assert!(again.undo.is_empty());
    set.rollback(&mut again.undo);
    assert_eq!(set.live(&key(1)), Placed::new(b, Word::with_last_byte(2), TxLoc::new(4, 1)));
}

#[test]
fn take_dirty_is_sorted_and_clears() {
    let mut set = UtxoSet::new();
    for i in [3u8, 1, 2] {
        set.set(StateKey::nonce(Address::repeat_byte(i)), Placed::new(TxId::repeat_byte(i), Word::ZERO, TxLoc::ZERO));
    }
    let dirty = set.take_dirty();
    assert_eq!(dirty.len(), 3);
    assert!(dirty.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(set.take_dirty().is_empty());
}
