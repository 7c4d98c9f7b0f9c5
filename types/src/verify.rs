//! The re-execution hook: the part of a tx's validity that needs a runtime.

use alloy_primitives::{Address, B256, Bytes};

use crate::block::Header;
use crate::outcome::Outcome;
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
