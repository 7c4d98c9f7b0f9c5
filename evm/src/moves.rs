//! From what execution loaded and the state it left to the tx's move set (DESIGN §2): every
//! account load declares `b`, `n`, `c`; every storage load its slot; every context opcode an `x`
//! read; each with the value found and the value left, in canonical order.

use std::collections::BTreeMap;

use alloy_primitives::{Bytes, U256};
use manaflow_types::{Move, Output, StateKey, Word, sort_canonical};
use revm::state::EvmState;

use crate::db::{AccountOutputs, DbError, Loads, ViewDb, code_value, u256_word};

/// The moves of an execution, and the code it deployed.
pub(crate) struct MoveSet {
    pub moves: Vec<Move>,
    pub codes: Vec<Bytes>,
}

/// Builds the move set. `state` is revm's state after the tx (not filtered: reads stay).
pub(crate) fn build(db: &ViewDb<'_>, state: &EvmState, context: &BTreeMap<StateKey, Word>) -> Result<MoveSet, DbError> {
    let loads = std::mem::take(&mut *db.loads.borrow_mut());
    let Loads { accounts, mut storage } = loads;
    let mut moves = Vec::with_capacity(accounts.len() * 3 + storage.len() + context.len());
    let mut codes = Vec::new();
    for (address, found) in &accounts {
        let AccountOutputs { balance, nonce, code } = *found;
        let (b, n, c) = match state.get(address) {
            Some(account) if account.is_selfdestructed() => (Word::ZERO, Word::ZERO, Word::ZERO),
            Some(account) => {
                let c = code_value(account.info.code_hash);
                if c != code.value
                    && !c.is_zero()
                    && let Some(bytecode) = &account.info.code
                {
                    codes.push(bytecode.original_bytes());
                }
                (u256_word(account.info.balance), u256_word(U256::from(account.info.nonce)), c)
            }
            None => (balance.value, nonce.value, code.value),
        };
        moves.push(mv(StateKey::balance(*address), balance, b));
        moves.push(mv(StateKey::nonce(*address), nonce, n));
        moves.push(mv(StateKey::code(*address), code, c));
    }
    // Slots revm never asked the database for (those of accounts created in this tx, known to
    // start empty) still get a move when execution touched them.
    for (address, account) in state {
        for slot in account.storage.keys() {
            if let std::collections::btree_map::Entry::Vacant(e) = storage.entry((*address, *slot)) {
                let key = StateKey::storage(*address, u256_word(*slot));
                e.insert(db.output(&key)?);
            }
        }
    }
    for ((address, slot), found) in &storage {
        let next = match state.get(address) {
            Some(account) if account.is_selfdestructed() => Word::ZERO,
            Some(account) => account.storage.get(slot).map(|s| u256_word(s.present_value)).unwrap_or(found.value),
            None => found.value,
        };
        moves.push(mv(StateKey::storage(*address, u256_word(*slot)), *found, next));
    }
    for (key, value) in context {
        moves.push(Move::read(*key, Word::ZERO, *value));
    }
    sort_canonical(&mut moves);
    Ok(MoveSet { moves, codes })
}

fn mv(key: StateKey, found: Output, next: Word) -> Move {
    Move::write(key, found.intx, found.value, next)
}
