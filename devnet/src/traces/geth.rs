//! geth's tracers over a [`Subject`]: the struct logger (the default), `callTracer`,
//! `flatCallTracer`, `4byteTracer` and `noopTracer` from revm-inspectors, and `prestateTracer`
//! read off the move set ([`super::prestate`]). JavaScript tracers and `muxTracer` are refused
//! by name.

use alloy_consensus::transaction::TransactionInfo;
use alloy_rpc_types_trace::geth::{
    FourByteFrame, GethDebugBuiltInTracerType, GethDebugTracerType, GethDebugTracingOptions, GethTrace, NoopFrame,
};
use manaflow_types::Status;
use revm::inspector::NoOpInspector;
use revm_inspectors::tracing::{FourByteInspector, TracingInspector, TracingInspectorConfig};

use super::prestate::{code_lookup, frame};
use super::{Subject, TraceError};

/// Where a traced tx sits, for the tracers that say (`flatCallTracer`).
pub type TxInfo = TransactionInfo;

/// The trace `options` ask for of `subject`.
pub fn trace(subject: &Subject<'_>, options: &GethDebugTracingOptions, info: TxInfo) -> Result<GethTrace, TraceError> {
    let config = &options.tracer_config;
    let bad_config = |e: serde_json::Error| TraceError::Unsupported(format!("invalid tracerConfig: {e}"));
    let builtin = match &options.tracer {
        None => {
            let inspector = TracingInspector::new(TracingInspectorConfig::from_geth_config(&options.config));
            let (exec, inspector) = subject.run(inspector)?;
            let output = if exec.status == Status::Success || exec.status == Status::Revert {
                exec.output.clone()
            } else {
                Default::default()
            };
            let frame = inspector.into_geth_builder().geth_traces(exec.gas_used, output, options.config);
            return Ok(GethTrace::Default(frame));
        }
        Some(GethDebugTracerType::JsTracer(_)) => {
            return Err(TraceError::Unsupported(
                "JavaScript tracers are not supported; use a built-in tracer (callTracer, prestateTracer, \
                 4byteTracer, flatCallTracer, noopTracer) or the struct logger"
                    .into(),
            ));
        }
        Some(GethDebugTracerType::BuiltInTracer(builtin)) => builtin,
    };
    match builtin {
        GethDebugBuiltInTracerType::CallTracer => {
            let call_config = config.clone().into_call_config().map_err(bad_config)?;
            let inspector = TracingInspector::new(TracingInspectorConfig::from_geth_call_config(&call_config));
            let (exec, inspector) = subject.run(inspector)?;
            Ok(GethTrace::CallTracer(inspector.into_geth_builder().geth_call_traces(call_config, exec.gas_used)))
        }
        GethDebugBuiltInTracerType::FlatCallTracer => {
            let flat_config = config.clone().into_flat_call_config().map_err(bad_config)?;
            let inspector = TracingInspector::new(TracingInspectorConfig::from_flat_call_config(&flat_config));
            let (exec, inspector) = subject.run(inspector)?;
            let builder = inspector.with_transaction_gas_used(exec.gas_used).into_parity_builder();
            Ok(GethTrace::FlatCallTracer(builder.into_localized_transaction_traces(info)))
        }
        GethDebugBuiltInTracerType::FourByteTracer => {
            let (_, inspector) = subject.run(FourByteInspector::default())?;
            Ok(GethTrace::FourByteTracer(FourByteFrame::from(&inspector)))
        }
        GethDebugBuiltInTracerType::NoopTracer => {
            subject.run(NoOpInspector)?;
            Ok(GethTrace::NoopTracer(NoopFrame::default()))
        }
        GethDebugBuiltInTracerType::PreStateTracer => {
            let prestate_config = config.clone().into_pre_state_config().map_err(bad_config)?;
            let (exec, _) = subject.run(NoOpInspector)?;
            let code = code_lookup(&exec.codes, |hash| subject.code(hash));
            Ok(GethTrace::PreStateTracer(frame(&exec.moves, &code, subject.caller()?, &prestate_config)))
        }
        other => Err(TraceError::Unsupported(format!(
            "the {other:?} tracer is not supported; use callTracer, prestateTracer, 4byteTracer, flatCallTracer, \
             noopTracer or the struct logger"
        ))),
    }
}
