//! Tracing state accesses (the REPL's `step`): the accesses of nested calls and creates arrive
//! in execution order with their depth, contract and opcode, and tracing changes nothing about
//! the execution.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use manaflow_evm::{Access, EvmRuntime, Hardfork, Status, Touch, decode_signed};
use manaflow_types::{DeclaredView, MapView, Runtime};

use crate::support::*;

/// Executes `raw` against `view` traced, and checks it equals the untraced execution.
fn traced(raw: &Bytes, view: &MapView) -> (manaflow_evm::Execution, Vec<Access>) {
    let call = decode_signed(raw, CHAIN_ID).expect("valid signed tx").call();
    let runtime = EvmRuntime::new(Hardfork::Prague);
    let plain = runtime.execute(&call, &header(), &Chain, view).expect("executes");
    let mut accesses = Vec::new();
    let exec =
        runtime.execute_traced(&call, &header(), &Chain, view, &mut |a| accesses.push(a)).expect("executes traced");
    assert_eq!(exec, plain, "tracing changes nothing");
    (exec, accesses)
}

fn send(view: &mut MapView, key: &manaflow_types::SigningKey, nonce: u64, to: Option<Address>, input: Bytes) -> Bytes {
    let raw = sign_1559(key, nonce, to, U256::ZERO, input, 5_000_000);
    let exec = run(&raw, view);
    assert_eq!(exec.status, Status::Success, "{exec:?}");
    view.apply(keccak256(&raw), &exec.moves);
    for code in &exec.codes {
        view.codes.insert(keccak256(code), code.clone());
    }
    raw
}

#[test]
fn nested_calls_are_traced_in_order_with_their_depth() {
    let alice = key(30);
    let bob = Address::repeat_byte(0xb2);
    let mut view = funded(&[alice.address()], 10u128.pow(21));
    send(&mut view, &alice, 0, None, solidity("TestToken"));
    let token = alice.address().create(0);
    send(&mut view, &alice, 1, None, solidity("Router"));
    let router = alice.address().create(1);
    send(&mut view, &alice, 2, Some(token), calldata("approve(address,uint256)", &[router.into_word(), word(100)]));
    let raw = sign_1559(
        &alice,
        3,
        Some(router),
        U256::ZERO,
        calldata(
            "twoTransfers(address,address,address,uint256,uint256)",
            &[token.into_word(), token.into_word(), bob.into_word(), word(3), word(4)],
        ),
        5_000_000,
    );
    let (exec, accesses) = traced(&raw, &view);
    assert_eq!(exec.status, Status::Success);

    let first = &accesses[0];
    assert_eq!((first.opcode, first.depth, first.contract), ("TX", 0, alice.address()));
    assert!(matches!(first.touch, Touch::Call { target, .. } if target == router));
    let calls: Vec<&Access> = accesses.iter().filter(|a| a.opcode == "CALL").collect();
    assert_eq!(calls.len(), 2, "the router calls the token twice: {accesses:#?}");
    for call in &calls {
        assert_eq!((call.depth, call.contract), (0, router));
        assert!(call.pc > 0);
        assert!(matches!(call.touch, Touch::Call { target, .. } if target == token));
    }
    // The token's storage is read and written inside the calls, one level down.
    let in_token: Vec<&Access> = accesses.iter().filter(|a| a.contract == token).collect();
    assert!(in_token.iter().all(|a| a.depth == 1), "{in_token:#?}");
    let writes = in_token.iter().filter(|a| matches!(a.touch, Touch::StorageWrite { .. })).count();
    assert_eq!(writes, 6, "each transferFrom writes the allowance and both balances");
    let first_call = accesses.iter().position(|a| a.opcode == "CALL").expect("a call");
    let first_sstore = accesses.iter().position(|a| a.opcode == "SSTORE").expect("a write");
    assert!(first_call < first_sstore, "in execution order");

    // Every storage key traced is declared among the moves, with the value last written.
    let bob_slot = keccak256([bob.into_word().as_slice(), B256::ZERO.as_slice()].concat());
    let last = accesses
        .iter()
        .rev()
        .find_map(|a| match a.touch {
            Touch::StorageWrite { slot, value } if a.contract == token && slot == bob_slot => Some(value),
            _ => None,
        })
        .expect("bob's balance is written");
    let declared = exec.moves.iter().find(|m| m.addr == token && m.slot == bob_slot).expect("declared");
    assert_eq!((declared.next, last), (word(7), word(7)));

    // The validator's re-execution, traced, sees the same accesses.
    let lookup = |h: &B256| view.codes.get(h).cloned();
    let declared_view = DeclaredView::new(&exec.moves, &lookup);
    let call = decode_signed(&raw, CHAIN_ID).expect("valid").call();
    let mut again = Vec::new();
    EvmRuntime::new(Hardfork::Prague)
        .execute_traced(&call, &header(), &Chain, &declared_view, &mut |a| again.push(a))
        .expect("re-executes");
    assert_eq!(again, accesses);
}

#[test]
fn creates_report_the_new_address_and_context_reads_their_value() {
    let alice = key(31);
    let mut view = funded(&[alice.address()], 10u128.pow(21));
    send(&mut view, &alice, 0, None, solidity("Deployer"));
    // The Deployer's constructor creates a Child: reported when it returns, then the tx's own.
    let raw = sign_1559(&alice, 1, None, U256::ZERO, solidity("Deployer"), 5_000_000);
    let (_, accesses) = traced(&raw, &view);
    let creates: Vec<&Access> = accesses.iter().filter(|a| matches!(a.touch, Touch::Create { .. })).collect();
    let second = alice.address().create(1);
    assert_eq!(creates.len(), 2, "{accesses:#?}");
    assert_eq!((creates[0].opcode, creates[0].contract), ("CREATE", second));
    assert!(matches!(creates[0].touch, Touch::Create { created: Some(c), .. } if c == second.create(1)));
    assert_eq!(creates[1].opcode, "TX");
    assert!(matches!(creates[1].touch, Touch::Create { created: Some(c), .. } if c == second));

    send(&mut view, &alice, 1, None, solidity("BlockContext"));
    let context = alice.address().create(1);
    let raw = sign_1559(&alice, 2, Some(context), U256::ZERO, calldata("live()", &[]), 5_000_000);
    let (exec, accesses) = traced(&raw, &view);
    let timestamp = accesses.iter().find(|a| a.opcode == "TIMESTAMP").expect("TIMESTAMP is traced");
    assert!(matches!(timestamp.touch, Touch::Context { value } if value == U256::from(header().timestamp)));
    assert!(exec.moves.iter().any(|m| m.mark == manaflow_types::Mark::Context), "{exec:?}");
}
