//! Bad contracts: each is refused at deployment or stopped within its tx's gas, with a reason,
//! and nothing but the sender's nonce changes.

use alloy_primitives::{Address, Bytes, U256};
use manaflow_types::{Execution, Mark, Status};

use crate::support::*;

/// Deploys `module` expecting a refusal; returns the reason.
fn refused(chain: &mut Sandbox, module: Bytes) -> String {
    let execution = chain.send(alice(), None, module, U256::ZERO);
    assert_eq!(execution.status, Status::Revert, "refused at deployment");
    assert_eq!(execution.created, None);
    only_nonce_written(&execution, alice());
    revert_reason(&execution.output).expect("an Error(string) reason")
}

fn only_nonce_written(execution: &Execution, sender: Address) {
    let writes: Vec<_> = execution.moves.iter().filter(|m| m.prev != m.next).collect();
    assert_eq!(writes.len(), 1, "only the nonce is written: {writes:?}");
    assert_eq!((writes[0].addr, writes[0].mark), (sender, Mark::Nonce));
}

#[test]
fn invalid_modules_are_refused_at_deployment_with_the_reason() {
    let mut chain = Sandbox::new();
    let garbage = Bytes::from_static(b"\0asm\x01\0\0\0\x01\x05\xff\xff\xff\xff\xff");
    assert!(refused(&mut chain, garbage).starts_with("invalid wasm module"));
    let reason = refused(&mut chain, wat("no_call"));
    assert!(reason.contains("missing export `call`"), "{reason}");
    let reason = refused(&mut chain, wat("unknown_import"));
    assert!(reason.contains("launch_missiles"), "{reason}");
    let reason = refused(&mut chain, wat("start"));
    assert!(reason.contains("start function"), "{reason}");
    let reason = refused(&mut chain, wat("big_memory"));
    assert!(reason.contains("65 pages"), "{reason}");
    let reason = refused(&mut chain, with_args(&wat("echo"), &[word(1)]));
    assert!(reason.contains("no `deploy` export"), "{reason}");
}

/// Calls a freshly deployed `module` and returns the execution.
fn call_bad(module: &str, gas_limit_check: bool) -> Execution {
    let mut chain = Sandbox::new();
    let contract = chain.deploy(alice(), wat(module));
    let execution = chain.send(bob(), Some(contract), Bytes::new(), U256::ZERO);
    only_nonce_written(&execution, bob());
    if gas_limit_check {
        assert_eq!(execution.gas_used, 10_000_000, "a halt consumes all the tx's gas");
    }
    execution
}

#[test]
fn an_endless_loop_runs_out_of_gas() {
    let execution = call_bad("endless_loop", true);
    assert_eq!(execution.status, Status::Halt("OutOfGas(Basic)".into()));
}

#[test]
fn deep_recursion_traps_when_the_stack_is_exhausted() {
    let execution = call_bad("deep_recursion", true);
    let Status::Halt(reason) = execution.status else { panic!("halts") };
    assert_eq!(reason, "wasm trap: call stack exhausted");
}

#[test]
fn a_trap_halts_with_its_reason() {
    let execution = call_bad("trap", true);
    let Status::Halt(reason) = execution.status else { panic!("halts") };
    assert!(reason.contains("unreachable"), "{reason}");
    let execution = call_bad("out_of_bounds", true);
    let Status::Halt(reason) = execution.status else { panic!("halts") };
    assert!(reason.contains("finish: out of bounds"), "{reason}");
}

#[test]
fn a_memory_bomb_stops_at_the_memory_limit_and_pays_for_it() {
    let mut chain = Sandbox::new();
    let bomb = chain.deploy(alice(), wat("memory_bomb"));
    let execution = chain.send(bob(), Some(bomb), Bytes::new(), U256::ZERO);
    assert_eq!(execution.status, Status::Success);
    assert_eq!(execution.output.as_ref(), [64], "grown to the 64-page limit, then refused");
    assert!(execution.gas_used > 21_000 + 64 * manaflow_wasm::gas::PAGE_GAS);
}

#[test]
fn a_huge_length_from_the_guest_is_refused_before_anything_is_allocated() {
    let execution = call_bad("huge_input", true);
    let Status::Halt(reason) = execution.status else { panic!("halts") };
    assert_eq!(reason, "call_contract: out of bounds memory access");
}

#[test]
fn a_refused_memory_growth_costs_nothing() {
    let mut chain = Sandbox::new();
    let capped = chain.deploy(alice(), wat("capped_memory"));
    let execution = chain.send(bob(), Some(capped), Bytes::new(), U256::ZERO);
    assert_eq!(execution.status, Status::Success);
    assert_eq!(execution.output.as_ref(), [1], "still one page");
    // Ten refused growths of 63 pages would be 630,000 gas if they were charged.
    assert!(execution.gas_used < 21_000 + 5_000, "{}", execution.gas_used);
}

#[test]
fn an_unstripped_module_is_refused_for_its_custom_section() {
    let mut chain = Sandbox::new();
    // Identifiers make the text format emit a `name` custom section after the last section.
    let named =
        wat::parse_str(r#"(module $named (memory (export "memory") 1) (func $entry (export "call")))"#).unwrap();
    let reason = refused(&mut chain, named.into());
    assert!(reason.contains("custom section \"name\""), "{reason}");
}

#[test]
fn wasm_code_returned_by_an_evm_create_is_checked_when_called() {
    let mut chain = Sandbox::new();
    let module =
        wat::parse_str(r#"(module (memory (export "memory") 1) (func) (start 0) (func (export "call")))"#).unwrap();
    // EVM init code that returns the module as the contract's code: CODECOPY it, RETURN it.
    let len = u16::try_from(module.len()).unwrap().to_be_bytes();
    let mut init = vec![0x61, len[0], len[1], 0x60, 0x0e, 0x60, 0x00, 0x39, 0x61, len[0], len[1], 0x60, 0x00, 0xf3];
    init.extend(&module);
    let contract = chain.deploy(alice(), init.into());
    assert_eq!(chain.code(contract).as_ref(), module.as_slice(), "the EVM deployed the bytes as they are");
    let execution = chain.send(bob(), Some(contract), Bytes::new(), U256::ZERO);
    let Status::Halt(reason) = &execution.status else { panic!("halts: {:?}", execution.status) };
    assert!(reason.contains("start function"), "{reason}");
    only_nonce_written(&execution, bob());
}
