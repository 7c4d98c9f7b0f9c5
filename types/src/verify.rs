//! The re-execution hook: the part of a tx's validity that needs a runtime.

use alloy_primitives::{Address, B256, Bytes};

use crate::block::Header;
use crate::check::{ChainContext, TxChecked, check_tx};
use crate::compact::{CompactTx, DeriveError, Derived};
use crate::moves::{Mark, StateKey};
use crate::outcome::Outcome;
use crate::reference::{TxLoc, names_a_tx};
use crate::tx::Tx;
use crate::verdict::{Position, Rule, Violation};

/// Code by hash, for re-execution: the chain's code table plus the code the block deploys.
pub trait CodeSource: Sync {
    /// The code whose keccak256 is `hash`.
    fn code(&self, hash: &B256) -> Option<Bytes>;
}

/// Re-executes a tx statelessly against its declared moves (DESIGN §4). The runtimes implement
/// it; a validator calls it in parallel for every tx of a block.
pub trait TxVerifier: Sync {
    /// Checks that `tx` at `index` in the block with `header` re-executes to exactly its moves
    /// and `outcome`. `sender` is the sender a native tx's signature recovered.
    fn verify(
        &self,
        tx: &Tx,
        index: u32,
        sender: Option<Address>,
        header: &Header,
        outcome: &Outcome,
        codes: &dyn CodeSource,
    ) -> Result<(), Violation>;

    /// Re-executes a compact tx (DESIGN §10), the `index`th of the block with `header`, against
    /// its witness, and gives its moves, references and outcome. System txs travel canonical and
    /// never reach this; a verifier with no runtime refuses every other tx.
    fn derive(
        &self,
        tx: &CompactTx,
        index: u32,
        header: &Header,
        chain: &dyn ChainContext,
        codes: &dyn CodeSource,
    ) -> Result<Derived, DeriveError> {
        let _ = (tx, index, header, chain, codes);
        Err(DeriveError::Other("no runtime is configured to re-derive compact txs".into()))
    }

    /// The keys `tx` (the `index`th of the block with `header`) reads, in the order re-execution
    /// first asks for each: the order its compact witness lists them in.
    fn access_order(
        &self,
        tx: &Tx,
        index: u32,
        header: &Header,
        codes: &dyn CodeSource,
    ) -> Result<Vec<StateKey>, Violation> {
        let _ = (index, codes);
        Err(Violation::new(
            Position::of_tx(header.number, index),
            Rule::Reexecution,
            format!("no runtime is configured to re-execute {} txs", tx.kind_name()),
        ))
    }
}

/// The verifier of a validator with no runtime: system txs need no re-execution (DESIGN §3), and
/// every other tx is refused, since nothing could check its moves.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRuntime;

impl TxVerifier for NoRuntime {
    fn verify(
        &self,
        tx: &Tx,
        index: u32,
        _: Option<Address>,
        header: &Header,
        _: &Outcome,
        _: &dyn CodeSource,
    ) -> Result<(), Violation> {
        match tx {
            Tx::System(_) => Ok(()),
            other => Err(Violation::new(
                Position::of_tx(header.number, index),
                Rule::Reexecution,
                format!("no runtime is configured to re-execute {} txs", other.kind_name()),
            )),
        }
    }
}

/// Every check of one tx that needs no UTXO set and no other tx (DESIGN §4): its shape, its
/// references' shape, its signature, its context moves, a system tx's empty outcome, and —
/// unless a tx-level rule already failed — re-execution. `duplicate` is a tx-level failure the
/// caller found (the id already in the chain), which re-execution then need not run after.
/// Validators and the fraud-proof verifier (DESIGN §9) both call this, so a per-tx proof
/// fails exactly where a validator does.
#[allow(clippy::too_many_arguments)]
pub fn check_tx_alone(
    tx: &Tx,
    index: u32,
    refs: &[TxLoc],
    outcome: &Outcome,
    header: &Header,
    chain: &dyn ChainContext,
    verifier: &dyn TxVerifier,
    codes: &dyn CodeSource,
    duplicate: Option<Violation>,
) -> TxChecked {
    let TxChecked { sender, mut failure } = check_tx(tx, index, header, chain);
    failure = Violation::earliest(failure, duplicate);
    let at_tx = Position::of_tx(header.number, index);
    if let Err(why) = check_ref_shape(tx, refs) {
        failure = Violation::earliest(failure, Some(Violation::new(at_tx, Rule::Malformed, why)));
    }
    if matches!(tx, Tx::System(_)) && !system_outcome_fits(tx, outcome) {
        let why = "a system tx executes nothing: its outcome is empty but for the code its c moves deploy";
        failure = Violation::earliest(failure, Some(Violation::new(at_tx, Rule::Malformed, why)));
    }
    // Re-execution fails at tx level, after every other tx-level rule: run it unless a tx-level
    // failure already decides this tx.
    let decided = failure.as_ref().is_some_and(|f| f.position == at_tx);
    if !decided && let Err(v) = verifier.verify(tx, index, sender, header, outcome, codes) {
        failure = Violation::earliest(failure, Some(v));
    }
    TxChecked { sender, failure }
}

/// Checks that a tx's references have the shape DESIGN §9 gives them: one per move, and zero
/// for a move that names no tx (`intx = 0`, or an `x` move). Whether a non-zero reference names
/// the right tx is the UTXO step's check (a wrong one is an unknown output).
pub fn check_ref_shape(tx: &Tx, refs: &[TxLoc]) -> Result<(), String> {
    let moves = tx.moves();
    if moves.len() != refs.len() {
        return Err(format!("{} moves but {} references", moves.len(), refs.len()));
    }
    match moves.iter().zip(refs).position(|(m, r)| !names_a_tx(m) && *r != TxLoc::ZERO) {
        Some(i) => Err(format!("move {i} names no tx but carries reference {}; it must be zero", refs[i])),
        None => Ok(()),
    }
}

/// A system tx's outcome: success, no gas, no logs, and only code that its own `c` writes
/// deploy (genesis predeploys contracts this way).
pub fn system_outcome_fits(tx: &Tx, outcome: &Outcome) -> bool {
    outcome.success
        && outcome.gas_used == 0
        && outcome.logs.is_empty()
        && outcome.codes.iter().all(|code| {
            let hash = alloy_primitives::keccak256(code);
            tx.moves().iter().any(|m| m.mark == Mark::Code && m.is_write() && m.next == hash)
        })
}
