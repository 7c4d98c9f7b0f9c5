//! The two state views of the compact form: [`WitnessView`] serves a compact tx's accesses in
//! the order execution first asks for each key (decoding); [`RecordingView`] records that order
//! while a canonical tx re-executes against its declared moves (encoding).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use alloy_primitives::{B256, Bytes};

use super::{Access, PENDING_INTX};
use crate::moves::{Mark, Move, StateKey, TxId};
use crate::reference::TxLoc;
use crate::state::{MissingState, Output, StateView};
use crate::verify::CodeSource;

/// Serves a witness: the first time execution asks for a key it gets the next access, and the
/// same access every later time. Code comes from a code table by hash.
pub struct WitnessView<'a> {
    witness: &'a [Access],
    codes: &'a dyn CodeSource,
    served: Mutex<Served>,
}

#[derive(Default)]
struct Served {
    /// How many accesses have been handed out.
    next: usize,
    /// The access each key got.
    keys: HashMap<StateKey, usize>,
}

impl<'a> WitnessView<'a> {
    /// A view serving `witness`, with code from `codes`.
    pub fn new(witness: &'a [Access], codes: &'a dyn CodeSource) -> Self {
        Self { witness, codes, served: Mutex::default() }
    }

    /// After execution: each move's reference (`None` for `x` moves and never-written state),
    /// or why the witness does not fit the moves (accesses left over, a move on a key that was
    /// never served).
    pub fn finish(self, moves: &[Move]) -> Result<Vec<Option<TxLoc>>, String> {
        let served = self.served.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        if served.next != self.witness.len() {
            return Err(format!(
                "the witness has {} accesses but execution made {}: it is too long",
                self.witness.len(),
                served.next
            ));
        }
        moves
            .iter()
            .enumerate()
            .map(|(j, m)| {
                if m.mark == Mark::Context {
                    return Ok(None);
                }
                let i = served.keys.get(&m.key()).ok_or_else(|| format!("move {j} on {} was never read", m.key()))?;
                Ok(self.witness[*i].reference)
            })
            .collect()
    }
}

impl StateView for WitnessView<'_> {
    fn output(&self, key: &StateKey) -> Result<Output, MissingState> {
        let mut served = self.served.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let index = match served.keys.get(key) {
            Some(i) => *i,
            None if served.next < self.witness.len() => {
                let i = served.next;
                served.next += 1;
                served.keys.insert(*key, i);
                i
            }
            // The witness ran out: execution asks for one more key than was sent.
            None => return Err(MissingState::Key(*key)),
        };
        let access = self.witness[index];
        let intx: TxId = if access.reference.is_some() { PENDING_INTX } else { B256::ZERO };
        Ok(Output { intx, value: access.prev })
    }

    fn code(&self, hash: &B256) -> Result<Bytes, MissingState> {
        self.codes.code(hash).ok_or(MissingState::Code(*hash))
    }
}

/// A view that passes every question to another and records the keys in the order they were
/// first asked for.
pub struct RecordingView<'a> {
    inner: &'a dyn StateView,
    order: Mutex<(Vec<StateKey>, HashSet<StateKey>)>,
}

impl<'a> RecordingView<'a> {
    /// Records the questions put to `inner`.
    pub fn new(inner: &'a dyn StateView) -> Self {
        Self { inner, order: Mutex::default() }
    }

    /// The keys asked for, in first-access order.
    pub fn into_order(self) -> Vec<StateKey> {
        self.order.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()).0
    }
}

impl StateView for RecordingView<'_> {
    fn output(&self, key: &StateKey) -> Result<Output, MissingState> {
        let found = self.inner.output(key)?;
        let mut order = self.order.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if order.1.insert(*key) {
            order.0.push(*key);
        }
        Ok(found)
    }

    fn code(&self, hash: &B256) -> Result<Bytes, MissingState> {
        self.inner.code(hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::Address;

    struct NoCode;
    impl CodeSource for NoCode {
        fn code(&self, _: &B256) -> Option<Bytes> {
            None
        }
    }

    #[test]
    fn a_witness_is_served_in_first_access_order_and_must_be_used_up() {
        let a = StateKey::balance(Address::repeat_byte(1));
        let b = StateKey::nonce(Address::repeat_byte(1));
        let witness = [
            Access { reference: Some(TxLoc::new(3, 1)), prev: B256::with_last_byte(7) },
            Access { reference: None, prev: B256::ZERO },
        ];
        let view = WitnessView::new(&witness, &NoCode);
        assert_eq!(view.output(&a).unwrap(), Output { intx: PENDING_INTX, value: B256::with_last_byte(7) });
        assert_eq!(view.output(&a).unwrap().value, B256::with_last_byte(7), "a key keeps its access");
        assert_eq!(view.output(&b).unwrap(), Output::NEVER_WRITTEN);
        let c = StateKey::code(Address::repeat_byte(1));
        assert_eq!(view.output(&c), Err(MissingState::Key(c)), "a short witness runs out");
        let moves = [Move::read(a, PENDING_INTX, B256::with_last_byte(7)), Move::read(b, B256::ZERO, B256::ZERO)];
        assert_eq!(view.finish(&moves).unwrap(), vec![Some(TxLoc::new(3, 1)), None]);

        let long = WitnessView::new(&witness, &NoCode);
        long.output(&a).unwrap();
        assert!(long.finish(&moves[..1]).unwrap_err().contains("too long"));
    }
}
