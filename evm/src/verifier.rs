//! Stateless re-execution as the validator's per-tx check (DESIGN §4): a tx is re-executed
//! against nothing but its declared `prev` values and code by hash, and must reproduce exactly
//! its declared moves and outcome.

use alloy_primitives::{Address, B256, keccak256};
use manaflow_types::{
    ChainContext, CodeSource, ContextField, DeclaredView, Header, Mark, Mask, Move, Outcome, Position, Rule, Tx,
    TxVerifier, Violation, context::parse_context_slot,
};

use crate::envelope::{decode_on_chain, decode_with_sender, native_call};
use crate::senders::KnownSenders;
use crate::trace::AccessSink;
use manaflow_types::{ExecError, Execution, Runtime, Status};
use std::sync::Arc;

use crate::runtime::EvmRuntime;

/// Re-executes Ethereum-envelope and native txs in the EVM (system txs need none).
#[derive(Clone, Debug, Default)]
pub struct EvmVerifier {
    runtime: EvmRuntime,
    senders: Option<Arc<KnownSenders>>,
}

impl EvmVerifier {
    /// A verifier running `runtime`, recovering every sender itself.
    pub fn new(runtime: EvmRuntime) -> Self {
        Self { runtime, senders: None }
    }

    /// A verifier that takes the senders in `senders` as recovered (a node's own validator,
    /// whose coordinator recovered them on admission) and recovers the rest.
    pub fn with_known_senders(runtime: EvmRuntime, senders: Arc<KnownSenders>) -> Self {
        Self { runtime, senders: Some(senders) }
    }

    /// Re-executes `tx` (the `index`th of the block with `header`) against its declared moves as
    /// the validator does, reporting each state access to `sink` as it happens (the REPL's
    /// `step`). `None` for a system tx, which does not execute.
    pub fn trace(
        &self,
        tx: &Tx,
        index: u32,
        header: &Header,
        codes: &dyn CodeSource,
        sink: AccessSink<'_>,
    ) -> Result<Option<Execution>, Violation> {
        self.reexecute(tx, index, None, header, codes, Some(sink))
    }

    /// Re-executes `tx` (the `index`th of the block with `header`) against its declared moves
    /// with `inspector` watching (a tracer of revm-inspectors, say): the tx as it ran when it was
    /// mined, with no state but its own moves. `None` for a system tx, which does not execute.
    pub fn replay<I>(
        &self,
        tx: &Tx,
        index: u32,
        header: &Header,
        codes: &dyn CodeSource,
        inspector: I,
    ) -> Result<Option<(Execution, I)>, Violation>
    where
        I: for<'db> revm::inspector::Inspector<crate::EvmContext<'db>, revm::interpreter::interpreter::EthInterpreter>,
    {
        let Some(replay) = self.prepare(tx, index, None, header)? else { return Ok(None) };
        let lookup = |hash: &B256| codes.code(hash);
        let view = DeclaredView::new(tx.moves(), &lookup);
        let (result, inspector) =
            self.runtime.execute_inspected(&replay.call, header, &replay.context, &view, inspector);
        Ok(Some((replay.finish(result)?, inspector)))
    }

    /// Runs `tx` against nothing but its declared `prev` values and code by hash.
    fn reexecute(
        &self,
        tx: &Tx,
        index: u32,
        sender: Option<Address>,
        header: &Header,
        codes: &dyn CodeSource,
        sink: Option<AccessSink<'_>>,
    ) -> Result<Option<Execution>, Violation> {
        let Some(replay) = self.prepare(tx, index, sender, header)? else { return Ok(None) };
        let lookup = |hash: &B256| codes.code(hash);
        let view = DeclaredView::new(tx.moves(), &lookup);
        let result = match sink {
            Some(sink) => self.runtime.execute_traced(&replay.call, header, &replay.context, &view, sink),
            None => self.runtime.execute(&replay.call, header, &replay.context, &view),
        };
        replay.finish(result).map(Some)
    }

    /// The runtime it re-executes with.
    pub(crate) fn runtime(&self) -> &EvmRuntime {
        &self.runtime
    }

    /// The call `tx` makes (its sender recovered, or `sender` for a native tx); a system tx
    /// makes none and is refused.
    pub(crate) fn call_of(
        &self,
        tx: &Tx,
        index: u32,
        sender: Option<Address>,
        header: &Header,
    ) -> Result<manaflow_types::Call, Violation> {
        match self.prepare(tx, index, sender, header)? {
            Some(replay) => Ok(replay.call),
            None => {
                Err(Violation::new(Position::of_tx(header.number, index), Rule::Malformed, "a system tx makes no call"))
            }
        }
    }

    /// Runs `tx` against `view` with the chain context its moves declare (system txs: `None`).
    pub(crate) fn reexecute_on(
        &self,
        tx: &Tx,
        index: u32,
        header: &Header,
        view: &dyn manaflow_types::StateView,
    ) -> Result<Option<Execution>, Violation> {
        let Some(replay) = self.prepare(tx, index, None, header)? else { return Ok(None) };
        replay.finish(self.runtime.execute(&replay.call, header, &replay.context, view)).map(Some)
    }

    /// The call `tx` makes and the chain context its moves declare (`None`: a system tx).
    fn prepare(
        &self,
        tx: &Tx,
        index: u32,
        sender: Option<Address>,
        header: &Header,
    ) -> Result<Option<Replay>, Violation> {
        let at_tx = Position::of_tx(header.number, index);
        let call = match tx {
            Tx::System(_) => return Ok(None),
            Tx::Ethereum(eth) => match self.senders.as_ref().and_then(|known| known.get(&keccak256(&eth.raw))) {
                Some(sender) => decode_with_sender(&eth.raw, header.chain_id, sender),
                None => decode_on_chain(&eth.raw, header.chain_id, header.dev_mode()),
            }
            .map_err(|e| Violation::new(at_tx, Rule::Signature, e.to_string()))?
            .call(),
            Tx::Native(native) => {
                let sender = match sender {
                    Some(sender) => sender,
                    None => {
                        native.recover_sender().map_err(|e| Violation::new(at_tx, Rule::Signature, e.to_string()))?
                    }
                };
                native_call(native, sender)
            }
        };
        let hashes = tx
            .moves()
            .iter()
            .filter(|m| m.mark == Mark::Context)
            .filter_map(|m| match parse_context_slot(&m.slot) {
                Some((ContextField::BlockHash, n)) => Some((n, m.next)),
                _ => None,
            })
            .collect();
        Ok(Some(Replay { call, context: DeclaredContext(hashes), at_tx }))
    }
}

/// A tx ready to re-execute: its call and the chain context its moves declare.
struct Replay {
    call: manaflow_types::Call,
    context: DeclaredContext,
    at_tx: Position,
}

impl Replay {
    /// The execution, or the violation its failure is.
    fn finish(&self, result: Result<Execution, ExecError>) -> Result<Execution, Violation> {
        let fail = |why: String| Violation::new(self.at_tx, Rule::Reexecution, why);
        match result {
            Ok(exec) => Ok(exec),
            Err(ExecError::Missing(missing)) => Err(fail(format!("re-execution needs {missing}"))),
            Err(ExecError::Rejected(rejection)) => Err(fail(format!("re-execution refuses the tx: {rejection}"))),
            Err(ExecError::Internal(e)) => Err(fail(e)),
        }
    }
}

/// BLOCKHASH during re-execution answers from the tx's own `x` moves, which the per-tx checks
/// have already held against the chain's headers: re-execution needs no chain.
struct DeclaredContext(Vec<(u64, B256)>);

impl ChainContext for DeclaredContext {
    fn block_hash(&self, number: u64) -> Option<B256> {
        self.0.iter().find(|(n, _)| *n == number).map(|(_, h)| *h)
    }
    fn dev_mode(&self) -> bool {
        false
    }
}

impl TxVerifier for EvmVerifier {
    fn verify(
        &self,
        tx: &Tx,
        index: u32,
        sender: Option<Address>,
        header: &Header,
        outcome: &Outcome,
        codes: &dyn CodeSource,
    ) -> Result<(), Violation> {
        let at_tx = Position::of_tx(header.number, index);
        let fail = |why: String| Violation::new(at_tx, Rule::Reexecution, why);
        let Some(exec) = self.reexecute(tx, index, sender, header, codes, None)? else { return Ok(()) };
        let declared = tx.moves();
        // Masks say what the sender signed; execution knows nothing of them.
        let same = |i: usize| match (declared.get(i), exec.moves.get(i)) {
            (Some(d), Some(e)) => Move { mask: Mask::default(), ..*d } == *e,
            (d, e) => d.is_none() && e.is_none(),
        };
        if let Some(i) = (0..declared.len().max(exec.moves.len())).find(|&i| !same(i)) {
            let why = match (declared.get(i), exec.moves.get(i)) {
                (Some(d), Some(e)) if d.key() == e.key() => {
                    format!(
                        "declares {} as {} → {} but re-execution gives {} → {}",
                        d.key(),
                        d.prev,
                        d.next,
                        e.prev,
                        e.next
                    )
                }
                (Some(d), Some(e)) => format!("declares a move on {} where re-execution touches {}", d.key(), e.key()),
                (Some(d), None) => format!("declares a move on {} that re-execution does not touch", d.key()),
                (None, Some(e)) => format!("re-execution also touches {}, which is not declared", e.key()),
                (None, None) => unreachable!("an index below the longer length"),
            };
            let at = if i < declared.len() { Position::of_move(header.number, index, i as u32) } else { at_tx };
            return Err(Violation::new(at, Rule::Reexecution, why));
        }
        let success = exec.status == Status::Success;
        if success != outcome.success || exec.gas_used != outcome.gas_used {
            return Err(fail(format!(
                "declares success={} gas {} but re-execution gives success={} gas {}",
                outcome.success, outcome.gas_used, success, exec.gas_used
            )));
        }
        if exec.logs != outcome.logs {
            return Err(fail(format!("declares {} logs that re-execution does not reproduce", outcome.logs.len())));
        }
        if exec.codes != outcome.codes {
            return Err(fail("declares deployed code that re-execution does not produce".into()));
        }
        Ok(())
    }

    fn derive(
        &self,
        tx: &manaflow_types::CompactTx,
        index: u32,
        header: &Header,
        chain: &dyn ChainContext,
        codes: &dyn CodeSource,
    ) -> Result<manaflow_types::Derived, manaflow_types::DeriveError> {
        self.derive_compact(tx, index, header, chain, codes)
    }

    fn access_order(
        &self,
        tx: &Tx,
        index: u32,
        header: &Header,
        codes: &dyn CodeSource,
    ) -> Result<Vec<manaflow_types::StateKey>, Violation> {
        self.compact_access_order(tx, index, header, codes)
    }
}

/// The outcome to declare for an execution.
pub fn outcome_of(exec: &manaflow_types::Execution) -> Outcome {
    Outcome {
        success: exec.status == Status::Success,
        gas_used: exec.gas_used,
        logs: exec.logs.clone(),
        codes: exec.codes.clone(),
    }
}
