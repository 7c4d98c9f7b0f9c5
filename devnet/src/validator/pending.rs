//! The block a validator is filling: the txs accepted since the last seal, in arrival order, and
//! the outputs they left, over the committed UTXO set. Each accepted tx passed the UTXO step
//! against exactly this state, so the block they make passes it again when sealed.

use std::collections::HashMap;

use manaflow_ledger::Known;
use manaflow_ledger::utxo::in_utxo_set;
use manaflow_ledger::{Ledger, LedgerError};
use manaflow_types::{LtHash, Move, Outcome, Output, Rule, Tx, TxId, moves_hash};

/// The pending block.
#[derive(Default)]
pub struct PendingBlock {
    txs: Vec<Tx>,
    outcomes: Vec<Outcome>,
    ids: HashMap<TxId, u32>,
    /// Each key the pending txs wrote, with its latest output.
    outputs: HashMap<manaflow_types::StateKey, Output>,
    gas_used: u64,
    /// What was computed for each pending tx when it was checked, in block order, and their
    /// commitment delta summed as they are accepted.
    known: Known,
}

/// A tx that passed its per-tx checks, with what was computed for it then (in parallel, off the
/// validator's exclusive lock), so that nothing about it is hashed again.
#[derive(Clone, Debug)]
pub struct Arrived {
    /// The tx.
    pub tx: Tx,
    /// Its declared outcome.
    pub outcome: Outcome,
    /// Its id.
    pub id: TxId,
    /// Its moves' hash.
    pub moves_hash: alloy_primitives::B256,
    /// Its outcome's leaf.
    pub outcome_leaf: alloy_primitives::B256,
    /// What its writes change in the UTXO set's commitment.
    pub delta: LtHash,
}

impl Arrived {
    /// Computes what sealing needs of `tx`, whose id is `id`.
    pub fn new(id: TxId, tx: Tx, outcome: Outcome) -> Self {
        let mut delta = LtHash::new();
        for m in tx.moves().iter().filter(|m| in_utxo_set(m) && m.is_write()) {
            manaflow_types::commitment::add_write(&mut delta, id, m);
        }
        let moves_hash = moves_hash(tx.moves());
        let outcome_leaf = outcome.leaf();
        Self { tx, outcome, id, moves_hash, outcome_leaf, delta }
    }
}

/// Why a tx does not fit the pending block's UTXO state: the rule, the move and what was found.
#[derive(Clone, Debug)]
pub struct Misfit {
    /// The rule DESIGN §4 names for it.
    pub rule: Rule,
    /// The move, by index in the tx.
    pub mv: u32,
    /// What was wrong, in words.
    pub why: String,
}

impl PendingBlock {
    /// Txs accepted so far.
    pub fn len(&self) -> usize {
        self.txs.len()
    }

    /// Whether no tx is pending.
    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    /// Gas the pending txs use.
    pub fn gas_used(&self) -> u64 {
        self.gas_used
    }

    /// Whether tx `id` is pending.
    pub fn contains(&self, id: &TxId) -> bool {
        self.ids.contains_key(id)
    }

    /// The index of pending tx `id` in the block being filled.
    pub fn index_of(&self, id: &TxId) -> Option<u32> {
        self.ids.get(id).copied()
    }

    /// The live output of `key` after the pending txs.
    fn live(&self, ledger: &Ledger, key: &manaflow_types::StateKey) -> Result<Output, LedgerError> {
        match self.outputs.get(key) {
            Some(out) => Ok(*out),
            None => ledger.output(key),
        }
    }

    /// The UTXO step of `tx` after the pending txs: every consumed or read output live with the
    /// declared `prev`. References are not checked here: the validator fills them when it seals.
    pub fn fits(&self, ledger: &Ledger, tx: &Tx) -> Result<Result<(), Misfit>, LedgerError> {
        for (i, m) in tx.moves().iter().enumerate().filter(|(_, m)| in_utxo_set(m)) {
            let found = self.live(ledger, &m.key())?;
            if found.intx == m.intx && found.value == m.prev {
                continue;
            }
            return Ok(Err(self.classify(ledger, m, i as u32, found)));
        }
        Ok(Ok(()))
    }

    /// Names the rule a move broke given the live output it found (as forward validation does,
    /// DESIGN §4's ranking).
    fn classify(&self, ledger: &Ledger, m: &Move, mv: u32, found: Output) -> Misfit {
        let key = m.key();
        let (rule, why) = if found.intx == m.intx {
            (Rule::PrevMismatch, format!("prev {} but output ({}, {key}) holds {}", m.prev, m.intx, found.value))
        } else {
            let consumed = if m.is_write() { Rule::DoubleUse } else { Rule::ReadAfterConsume };
            let existed = m.intx.is_zero() || self.ids.contains_key(&m.intx) || ledger.locate(&m.intx).is_some();
            if existed {
                (
                    consumed,
                    format!("output ({}, {key}) was consumed earlier; its live output is from {}", m.intx, found.intx),
                )
            } else {
                (Rule::UnknownOutput, format!("no earlier tx {} wrote {key}", m.intx))
            }
        };
        Misfit { rule, mv, why }
    }

    /// Accepts a tx that [`PendingBlock::fits`].
    pub fn push(&mut self, arrived: Arrived) {
        let Arrived { tx, outcome, id, moves_hash, outcome_leaf, delta } = arrived;
        self.known.delta.combine(&delta);
        self.known.ids.push(id);
        self.known.moves_hashes.push(moves_hash);
        self.known.outcome_leaves.push(outcome_leaf);
        for m in tx.moves().iter().filter(|m| in_utxo_set(m) && m.is_write()) {
            self.outputs.insert(m.key(), Output { intx: id, value: m.next });
        }
        self.gas_used = self.gas_used.saturating_add(outcome.gas_used);
        self.ids.insert(id, self.txs.len() as u32);
        self.txs.push(tx);
        self.outcomes.push(outcome);
    }

    /// Takes the txs, outcomes and what was computed for them to seal, leaving the block empty.
    pub fn take(&mut self) -> (Vec<Tx>, Vec<Outcome>, Known) {
        let taken = std::mem::take(self);
        (taken.txs, taken.outcomes, taken.known)
    }
}
