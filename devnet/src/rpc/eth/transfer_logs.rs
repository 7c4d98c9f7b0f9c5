//! Ether transfers as logs, for `eth_simulateV1`'s `traceTransfers`: revm-inspectors'
//! [`TransferInspector`] inserts an ERC20 `Transfer` log of `0xeeee…eeee` for each transfer, but
//! in the caller's frame, so the log of a call or create whose frame reverted (and so undid the
//! transfer) would stand. [`TransferLogs`] takes those logs back out when the frame fails.

use manaflow_evm::EvmContext;
use revm::context_interface::{ContextTr, JournalTr};
use revm::inspector::Inspector;
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::{CallInputs, CallOutcome, CreateInputs, CreateOutcome};
use revm_inspectors::transfer::TransferInspector;

/// Inserts a log for each ether transfer that was not undone.
pub struct TransferLogs {
    inner: TransferInspector,
    /// Per frame in progress: where its transfer log sits in the journal's logs (`None`: it
    /// transferred nothing).
    frames: Vec<Option<usize>>,
}

impl Default for TransferLogs {
    fn default() -> Self {
        Self { inner: TransferInspector::new(false).with_logs(true), frames: Vec::new() }
    }
}

impl TransferLogs {
    /// Notes whether the hook just run logged a transfer (the journal's log count grew).
    fn opened(&mut self, before: usize, ctx: &EvmContext<'_>) {
        self.frames.push((ctx.journal().logs().len() > before).then_some(before));
    }

    /// Takes a failed frame's transfer log back out.
    fn closed(&mut self, ok: bool, ctx: &mut EvmContext<'_>) {
        if let Some(Some(at)) = self.frames.pop()
            && !ok
        {
            // The frame's own logs went with its revert; its transfer log is the last left.
            ctx.journal_mut().inner.logs.truncate(at);
        }
    }
}

impl<'db> Inspector<EvmContext<'db>, EthInterpreter> for TransferLogs {
    fn call(&mut self, ctx: &mut EvmContext<'db>, inputs: &mut CallInputs) -> Option<CallOutcome> {
        let before = ctx.journal().logs().len();
        let outcome = self.inner.call(ctx, inputs);
        self.opened(before, ctx);
        outcome
    }

    fn call_end(&mut self, ctx: &mut EvmContext<'db>, _inputs: &CallInputs, outcome: &mut CallOutcome) {
        self.closed(outcome.result.is_ok(), ctx);
    }

    fn create(&mut self, ctx: &mut EvmContext<'db>, inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        let before = ctx.journal().logs().len();
        let outcome = self.inner.create(ctx, inputs);
        self.opened(before, ctx);
        outcome
    }

    fn create_end(&mut self, ctx: &mut EvmContext<'db>, _inputs: &CreateInputs, outcome: &mut CreateOutcome) {
        self.closed(outcome.result.is_ok(), ctx);
    }
}
