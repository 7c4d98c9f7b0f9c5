//! More WASM frames alive at once than the instance pool has slots: the frames beyond it run on
//! the engine that allocates on demand, and compute exactly what pooled frames compute.

use alloy_primitives::U256;
use manaflow_types::guest::opcode;
use manaflow_types::{Entry, GuestExit, GuestFrame, GuestRun, GuestStep, GuestVm, HostAnswer, HostOp};
use manaflow_wasm::WasmVm;

use crate::support::{wat, word};

/// The pool's slots (`engine::POOL_INSTANCES`), and some frames beyond them.
const FRAMES: usize = 1_024 + 76;
const GAS: u64 = 1_000_000;

/// Resumes `run` with `answer`; the step must be the host op `opcode`.
fn expect_op(run: &mut dyn GuestRun, answer: HostAnswer, opcode: u8) -> (HostOp, u64) {
    match run.resume(answer, GAS) {
        (GuestStep::Op(op), gas) if op.opcode == opcode => (op, gas),
        other => panic!("expected opcode {opcode:#04x}, got {other:?}"),
    }
}

#[test]
fn frames_beyond_the_pool_run_on_demand_with_the_same_results() {
    let module = wat("store");
    let vm = WasmVm;
    let value = word(42);
    let frame = GuestFrame { input: value.to_vec().into(), ..GuestFrame::default() };
    // Every frame is started and left suspended at its SSTORE, holding its instance and its
    // fiber stack: more than the pool can hold at once.
    let mut suspended: Vec<(Box<dyn GuestRun>, u64)> = (0..FRAMES)
        .map(|i| {
            let mut run = vm.start(Entry::Call, module.clone(), None, frame.clone());
            let (op, gas) = expect_op(run.as_mut(), HostAnswer::Start, opcode::SSTORE);
            assert_eq!(op.stack, [U256::ZERO, U256::from_be_bytes(value.0)], "frame {i} stores its input at slot 0");
            (run, gas)
        })
        .collect();
    let gas_at_sstore = suspended[0].1;
    assert!(suspended.iter().all(|(_, gas)| *gas == gas_at_sstore), "every frame burnt the same fuel");

    // Then each finishes: SSTORE done, SLOAD answered, the word returned.
    let mut ends = Vec::new();
    for (run, _) in &mut suspended {
        let done = HostAnswer::Done { pushed: None, return_data: None, written: None };
        expect_op(run.as_mut(), done, opcode::SLOAD);
        let loaded = HostAnswer::Done { pushed: Some(U256::from_be_bytes(value.0)), return_data: None, written: None };
        ends.push(run.resume(loaded, GAS));
    }
    let first = ends[0].clone();
    assert_eq!(first.0, GuestStep::Exit { exit: GuestExit::Return, output: value.to_vec().into() });
    for (i, end) in ends.iter().enumerate() {
        assert_eq!(*end, first, "frame {i} ended as the first did (same output, same gas)");
    }
}
