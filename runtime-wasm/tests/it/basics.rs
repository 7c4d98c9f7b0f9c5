//! The smallest WASM contracts: deployment, input and output, storage, revert, and the moves.

use alloy_primitives::{Bytes, U256};
use manaflow_types::{Mark, Status};

use crate::support::*;

#[test]
fn a_wasm_contract_deploys_and_returns_its_input() {
    let mut chain = Sandbox::new();
    let module = wat("echo");
    let echo = chain.deploy(alice(), module.clone());
    assert_eq!(chain.code(echo), module, "the module itself is the contract's code");
    let input = Bytes::from_static(b"hello, manaflow");
    let execution = chain.send(bob(), Some(echo), input.clone(), U256::ZERO);
    assert_eq!(execution.status, Status::Success);
    assert_eq!(execution.output, input);
    // The callee was loaded: its balance, nonce and code are declared as reads.
    let callee: Vec<_> = execution.moves.iter().filter(|m| m.addr == echo).map(|m| m.mark).collect();
    assert_eq!(callee, [Mark::Balance, Mark::Code, Mark::Nonce], "in canonical order");
    assert!(execution.moves.iter().filter(|m| m.addr == echo).all(|m| m.prev == m.next));
}

#[test]
fn storage_written_by_wasm_is_a_storage_move() {
    let mut chain = Sandbox::new();
    let store = chain.deploy(alice(), with_args(&wat("store"), &[word(7)]));
    assert_eq!(chain.storage(store, word(0)), word(7), "the constructor stored its argument");
    let execution = chain.send(bob(), Some(store), word(42).to_vec().into(), U256::ZERO);
    assert_eq!(execution.status, Status::Success);
    assert_eq!(execution.output.as_ref(), word(42).as_slice());
    let slot = execution.moves.iter().find(|m| m.mark == Mark::Storage).expect("a storage move");
    assert_eq!((slot.addr, slot.slot, slot.prev, slot.next), (store, word(0), word(7), word(42)));
    assert_eq!(chain.storage(store, word(0)), word(42));
}

#[test]
fn a_revert_returns_its_data_and_leaves_storage_alone() {
    let mut chain = Sandbox::new();
    let reverter = chain.deploy(alice(), wat("revert"));
    let execution = chain.send(bob(), Some(reverter), Bytes::new(), U256::ZERO);
    assert_eq!(execution.status, Status::Revert);
    assert_eq!(execution.output.as_ref(), b"no");
    assert!(execution.moves.iter().all(|m| m.prev == m.next || m.addr == bob()), "only the sender's nonce is written");
}

#[test]
fn gas_is_charged_for_wasm_execution_and_memory() {
    let chain = Sandbox::new();
    let mut chain = chain;
    let echo = chain.deploy(alice(), wat("echo"));
    let short = chain.simulate(bob(), Some(echo), Bytes::from(vec![1; 32]));
    let long = chain.simulate(bob(), Some(echo), Bytes::from(vec![1; 3200]));
    // Intrinsic 21,000 plus calldata, plus one page of memory (1,000) and the host calls.
    assert!(short.gas_used > 21_000 + 1_000, "{}", short.gas_used);
    assert!(long.gas_used > short.gas_used + 100 * 3, "copying more input costs more gas");
}
