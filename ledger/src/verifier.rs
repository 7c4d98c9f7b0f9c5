//! The per-tx checks beyond the model's own: re-execution by a runtime.

use manaflow_types::{Address, Header, Position, Rule, Tx, Violation};

/// Re-executes a tx statelessly against its declared moves (DESIGN §4). The runtimes implement
/// it; the ledger calls it in parallel for every tx of a block.
pub trait TxVerifier: Sync {
    /// Checks that `tx` at `index` in the block with `header` re-executes to exactly its moves.
    /// `sender` is the recovered sender for native txs.
    fn verify(&self, tx: &Tx, index: u32, sender: Option<Address>, header: &Header) -> Result<(), Violation>;
}

/// The verifier of a ledger with no runtime: system txs need no re-execution (DESIGN §3), and
/// every other tx is refused, since nothing could check its moves.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRuntime;

impl TxVerifier for NoRuntime {
    fn verify(&self, tx: &Tx, index: u32, _sender: Option<Address>, header: &Header) -> Result<(), Violation> {
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
