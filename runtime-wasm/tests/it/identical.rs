//! The SDK's ERC20 (WASM) and OpenZeppelin's ERC20 (EVM) give byte-identical moves for the same
//! calls, apart from the contract's code hash, the same logs and the same return and revert
//! data (DESIGN §6). Both run at gas price zero so the sender's balance does not depend on gas.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolCall;
use manaflow_types::{Execution, Mark, Move};

use crate::artifacts::{IToken, solidity, wasm};
use crate::support::*;

/// The moves with the token's code hash zeroed: the one field the runtimes may differ in.
fn normalised(execution: &Execution, token: Address) -> Vec<Move> {
    let mut moves = execution.moves.clone();
    for m in &mut moves {
        if m.addr == token && m.mark == Mark::Code {
            for value in [&mut m.prev, &mut m.next] {
                if !value.is_zero() {
                    *value = B256::repeat_byte(0xcc);
                }
            }
        }
    }
    moves
}

/// Runs the scenario on a token deployed from `init`; returns each step's execution.
fn scenario(init: Bytes) -> (Address, Vec<Execution>) {
    let mut chain = Sandbox::new();
    let carol = Address::repeat_byte(0xc0);
    let deployment = chain.send(alice(), None, init, U256::ZERO);
    let token = deployment.created.expect("the token deploys");
    let mut steps = vec![deployment];
    let call =
        |chain: &mut Sandbox, from: Address, input: Vec<u8>| chain.send(from, Some(token), input.into(), U256::ZERO);
    steps.push(call(&mut chain, bob(), IToken::mintCall { to: bob(), amount: U256::from(500) }.abi_encode()));
    steps.push(call(&mut chain, alice(), IToken::transferCall { to: bob(), value: U256::from(1_000) }.abi_encode()));
    steps.push(call(&mut chain, bob(), IToken::transferCall { to: bob(), value: U256::from(10) }.abi_encode()));
    steps.push(call(&mut chain, alice(), IToken::approveCall { spender: bob(), value: U256::from(300) }.abi_encode()));
    steps.push(call(
        &mut chain,
        bob(),
        IToken::transferFromCall { from: alice(), to: carol, value: U256::from(120) }.abi_encode(),
    ));
    steps.push(call(&mut chain, alice(), IToken::approveCall { spender: carol, value: U256::MAX }.abi_encode()));
    steps.push(call(
        &mut chain,
        carol,
        IToken::transferFromCall { from: alice(), to: carol, value: U256::from(7) }.abi_encode(),
    ));
    // Failing: more than the balance, more than the allowance, to the zero address.
    steps.push(call(
        &mut chain,
        bob(),
        IToken::transferCall { to: alice(), value: U256::from(1_000_000) }.abi_encode(),
    ));
    steps.push(call(
        &mut chain,
        bob(),
        IToken::transferFromCall { from: alice(), to: bob(), value: U256::from(1_000) }.abi_encode(),
    ));
    steps.push(call(
        &mut chain,
        alice(),
        IToken::transferCall { to: Address::ZERO, value: U256::from(1) }.abi_encode(),
    ));
    steps.push(call(&mut chain, alice(), IToken::balanceOfCall { account: carol }.abi_encode()));
    (token, steps)
}

#[test]
fn the_sdk_erc20_and_openzeppelin_erc20_give_identical_moves_logs_and_data() {
    let (evm_token, evm) = scenario(solidity("TestToken"));
    let (wasm_token, wasm) = scenario(wasm("erc20"));
    assert_eq!(evm_token, wasm_token, "same deployer and nonce, same address");
    assert_eq!(evm.len(), wasm.len());
    for (step, (e, w)) in evm.iter().zip(&wasm).enumerate() {
        assert_eq!(e.status, w.status, "step {step}: status");
        assert_eq!(normalised(e, evm_token), normalised(w, wasm_token), "step {step}: moves");
        assert_eq!(e.logs, w.logs, "step {step}: logs");
        if step > 0 {
            assert_eq!(e.output, w.output, "step {step}: return or revert data");
        }
    }
    // The scenario exercised what it claims: reverts with data, and writes to balance slots.
    assert!(evm.iter().filter(|e| e.status == manaflow_types::Status::Revert).all(|e| e.output.len() >= 4));
    assert_eq!(evm.iter().filter(|e| e.status == manaflow_types::Status::Revert).count(), 3);
}
