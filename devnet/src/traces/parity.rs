//! Parity's traces (`trace_*`) over a [`Subject`]: the call traces and the VM trace come from
//! revm-inspectors' parity builder; the `stateDiff` is read off the move set, with the shapes
//! revm-inspectors gives (an account that was absent is `+` with its final values and changed
//! slots; otherwise only changed fields, `*` from → to, and accounts that changed nothing left
//! out).

use alloy_consensus::transaction::TransactionInfo;
use alloy_primitives::map::HashSet;
use alloy_primitives::{B256, Bytes, U64};
use alloy_rpc_types_trace::parity::{
    AccountDiff, ChangedType, Delta, LocalizedTransactionTrace, StateDiff, TraceResults, TraceType,
};
use revm_inspectors::tracing::{TracingInspector, TracingInspectorConfig};

use super::prestate::{Account, accounts, code_lookup, no_code};
use super::{Subject, TraceError};

/// The call traces of `subject`, placed at `info`.
pub fn transaction_traces(
    subject: &Subject<'_>,
    info: TransactionInfo,
) -> Result<Vec<LocalizedTransactionTrace>, TraceError> {
    let inspector = TracingInspector::new(TracingInspectorConfig::default_parity());
    // The root's gasUsed is the execution's, without the intrinsic gas, as Parity and Anvil say.
    let (_, inspector) = subject.run(inspector)?;
    Ok(inspector.into_parity_builder().into_localized_transaction_traces(info))
}

/// The trace results `types` ask of `subject` (`trace`, `vmTrace`, `stateDiff`).
pub fn replay(subject: &Subject<'_>, types: &HashSet<TraceType>) -> Result<TraceResults, TraceError> {
    let inspector = TracingInspector::new(TracingInspectorConfig::from_parity_config(types));
    let (exec, inspector) = subject.run(inspector)?;
    let (trace, vm_trace, _) = inspector.into_parity_builder().into_trace_type_traces(types);
    let state_diff = types.contains(&TraceType::StateDiff).then(|| {
        let code = code_lookup(&exec.codes, |hash| subject.code(hash));
        state_diff(&exec.moves, &code)
    });
    Ok(TraceResults { output: exec.output.clone(), state_diff, trace: trace.unwrap_or_default(), vm_trace })
}

/// The state diff of a tx whose moves are `moves`; `code` finds code by hash.
pub fn state_diff(moves: &[manaflow_types::Move], code: &dyn Fn(&B256) -> Option<Bytes>) -> StateDiff {
    let code_of = |hash: &B256| if no_code(hash) { Bytes::new() } else { code(hash).unwrap_or_default() };
    let mut diff = StateDiff::default();
    for (address, account) in accounts(moves) {
        let Account { balance, nonce, code_hash, storage } = &account;
        let changed_slots = storage.iter().filter(|(_, (found, left))| found != left);
        let mut entry = AccountDiff::default();
        if account.empty_before() {
            if account.empty_after() {
                continue;
            }
            entry.balance = Delta::Added(balance.1);
            entry.nonce = Delta::Added(U64::from(nonce.1));
            entry.code = Delta::Added(code_of(&code_hash.1));
            entry.storage = changed_slots.map(|(slot, (_, left))| (*slot, Delta::Added(*left))).collect();
        } else {
            entry.storage = changed_slots
                .map(|(slot, (found, left))| (*slot, Delta::Changed(ChangedType { from: *found, to: *left })))
                .collect();
            if entry.storage.is_empty() && balance.0 == balance.1 && nonce.0 == nonce.1 && code_hash.0 == code_hash.1 {
                continue;
            }
            entry.balance = delta(balance.0, balance.1);
            entry.nonce = delta(U64::from(nonce.0), U64::from(nonce.1));
            if code_hash.0 != code_hash.1 {
                entry.code = Delta::Changed(ChangedType { from: code_of(&code_hash.0), to: code_of(&code_hash.1) });
            }
        }
        diff.insert(address, entry);
    }
    diff
}

/// Unchanged, or changed from → to.
fn delta<T: PartialEq>(from: T, to: T) -> Delta<T> {
    if from == to { Delta::Unchanged } else { Delta::Changed(ChangedType { from, to }) }
}
