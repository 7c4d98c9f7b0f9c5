//! Sequencing, in one place: admitted txs executed in order against the latest state (each on
//! the outputs of those before it) into a block, and the same for a simulation after a sender's
//! pooled txs. An Ethereum tx gets the moves its execution made; a native tx is filled or checked
//! as [`native`] says. A tx that cannot be sequenced is refused ([`Refusal`]) and never reaches a
//! block: a block is all or nothing.

pub mod native;

use alloy_primitives::B256;
use manaflow_evm::outcome_of;
use manaflow_types::TxId;
use manaflow_types::{
    Block, Call, DeclaredView, EthereumTx, ExecError, Execution, Header, NativeTx, OverlayView, Runtime, StateView, Tx,
};

use crate::admission::{Admitted, Kind};
use crate::error::NodeError;
pub use crate::error::{FillError, Refusal};
use crate::node::Node;

/// A tx accepted and mined.
#[derive(Clone, Debug)]
pub struct Mined {
    /// The tx id (hash).
    pub hash: TxId,
    /// The block that includes it.
    pub block: u64,
    /// What execution did.
    pub execution: Execution,
}

/// A block built from pooled txs, not yet validated.
#[derive(Debug)]
pub struct Built {
    /// The sealed block.
    pub block: Block,
    /// Each included tx with its execution, in block order.
    pub included: Vec<(Admitted, Execution)>,
    /// Txs refused at sequencing (dropped), with why.
    pub refused: Vec<(Admitted, Refusal)>,
    /// Txs that did not fit in the block's gas (they wait for the next block).
    pub deferred: Vec<Admitted>,
}

impl Node {
    /// Executes `txs` in order against the latest state into a block with `header`: a tx that
    /// cannot be sequenced is dropped, a tx that does not fit the remaining gas is deferred.
    pub fn build(&self, header: &Header, txs: Vec<Admitted>) -> Built {
        let mut view = OverlayView::new(self.ledger());
        let (mut included, mut refused, mut deferred) = (Vec::new(), Vec::new(), Vec::new());
        let (mut block_txs, mut outcomes) = (Vec::new(), Vec::new());
        // The pending cheats lead the block, as its tx 0 (DESIGN §8).
        if let Some((system, outcome)) = self.pending_system(header.number) {
            let system = Tx::System(system);
            view.apply(system.id(), system.moves(), &outcome.codes);
            block_txs.push(system);
            outcomes.push(outcome);
        }
        let mut gas_left = header.gas_limit;
        for tx in txs {
            if tx.call.gas_limit > gas_left {
                deferred.push(tx);
                continue;
            }
            match self.sequence(&tx, header, &view) {
                Ok((block_tx, execution)) => {
                    gas_left -= execution.gas_used;
                    view.apply(tx.hash, &execution.moves, &execution.codes);
                    block_txs.push(block_tx);
                    included.push((tx, execution));
                }
                Err(e) => refused.push((tx, e)),
            }
        }
        outcomes.extend(included.iter().map(|(_, exec)| outcome_of(exec)));
        let block = self.ledger().seal(header, block_txs, outcomes);
        Built { block, included, refused, deferred }
    }

    /// Executes `call` in the next block's context after `pending` (txs not mined yet, in
    /// order; any that can no longer be sequenced are skipped), as a wallet chaining txs before
    /// inclusion needs. Nothing is written.
    pub fn simulate_pending(&self, pending: &[Admitted], call: &Call) -> Result<Execution, ExecError> {
        let header = self.next_header();
        let mut view = self.tip_view();
        for tx in pending {
            if let Ok((_, execution)) = self.sequence(tx, &header, &view) {
                view.apply(tx.hash, &execution.moves, &execution.codes);
            }
        }
        self.runtime().execute(call, &header, self.ledger(), &view)
    }

    /// Sequences one admitted tx against `view` in the block with `header`: the tx as the block
    /// holds it, with its execution.
    fn sequence(&self, tx: &Admitted, header: &Header, view: &dyn StateView) -> Result<(Tx, Execution), Refusal> {
        match &tx.kind {
            Kind::Ethereum => {
                let execution = self.runtime().execute(&tx.call, header, self.ledger(), view)?;
                let moves = execution.moves.clone();
                Ok((Tx::Ethereum(EthereumTx { raw: tx.raw.clone(), moves }), execution))
            }
            Kind::Native(native) => self.sequence_native(native, &tx.call, header, view),
        }
    }

    /// Sequences a native tx against `view` (see [`native`]): a fully signed one is checked live
    /// and re-executed statelessly, as the validator will; one with masks is executed and
    /// filled. A stale signed field refuses it.
    fn sequence_native(
        &self,
        native: &NativeTx,
        call: &Call,
        header: &Header,
        view: &dyn StateView,
    ) -> Result<(Tx, Execution), Refusal> {
        if native::is_fully_signed(native) {
            native::check_live(native, view)?;
            let codes = |hash: &B256| self.ledger().code(hash);
            let declared = DeclaredView::new(&native.moves, &codes);
            let execution = match self.runtime().execute(call, header, self.ledger(), &declared) {
                Err(ExecError::Missing(missing)) => return Err(Refusal::Unlisted(missing)),
                other => other?,
            };
            native::fill(native, &execution.moves)?;
            return Ok((Tx::Native(native.clone()), execution));
        }
        let execution = self.runtime().execute(call, header, self.ledger(), view)?;
        let moves = native::fill(native, &execution.moves)?;
        Ok((Tx::Native(NativeTx { moves, ..native.clone() }), execution))
    }

    /// Mines `raw` in a block of its own (the core of automine, without a pool).
    pub fn submit_raw(&mut self, raw: &[u8]) -> Result<Mined, NodeError> {
        let tx = self.admit(raw)?;
        let header = self.next_header();
        let mut built = self.build(&header, vec![tx]);
        if let Some((_, e)) = built.refused.pop() {
            return Err(e.into());
        }
        if let Some(tx) = built.deferred.pop() {
            return Err(NodeError::GasLimit { tx: tx.call.gas_limit, block: header.gas_limit });
        }
        let (tx, execution) = built.included.pop().expect("one tx, neither refused nor deferred");
        self.commit(&built.block, &[(tx.hash, tx.call.caller)])?;
        Ok(Mined { hash: tx.hash, block: header.number, execution })
    }
}
