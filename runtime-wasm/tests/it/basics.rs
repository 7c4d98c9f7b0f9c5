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

#[test]
fn block_context_read_from_wasm_is_recorded_as_x_moves() {
    use alloy_sol_types::{SolCall, SolValue};
    use manaflow_types::ContextField;
    use manaflow_types::context::parse_context_slot;

    let mut chain = Sandbox::new();
    let relay = chain.deploy(alice(), crate::artifacts::wasm("relay"));
    let input = crate::artifacts::IRelay::contextCall {}.abi_encode();
    let execution = chain.send(bob(), Some(relay), input.into(), U256::ZERO);
    assert_eq!(execution.status, Status::Success, "{:?}", execution.output);
    type Context = (U256, U256, U256, U256, alloy_primitives::Address, U256, alloy_primitives::B256);
    let (chain_id, number, timestamp, base_fee, coinbase, gas_limit, prev) =
        <Context as SolValue>::abi_decode(&execution.output).expect("the context tuple");
    let h = header();
    assert_eq!((chain_id, number, timestamp), (U256::from(h.chain_id), U256::from(h.number), U256::from(h.timestamp)));
    assert_eq!((base_fee, coinbase, gas_limit), (U256::from(h.base_fee), h.coinbase, U256::from(h.gas_limit)));
    assert_eq!(prev, alloy_primitives::keccak256((h.number - 1).to_be_bytes()), "BLOCKHASH(number - 1)");
    let mut fields: Vec<(ContextField, u64)> = execution
        .moves
        .iter()
        .filter(|m| m.mark == Mark::Context)
        .filter_map(|m| parse_context_slot(&m.slot))
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            (ContextField::ChainId, 0),
            (ContextField::Number, 0),
            (ContextField::Timestamp, 0),
            (ContextField::BaseFee, 0),
            (ContextField::Coinbase, 0),
            (ContextField::GasLimit, 0),
            (ContextField::BlockHash, h.number - 1),
        ]
    );
    assert!(execution.moves.iter().filter(|m| m.mark == Mark::Context).all(|m| m.prev == m.next));
}

#[test]
fn re_execution_missing_a_declared_move_is_refused_without_harm() {
    use std::collections::HashMap;

    use alloy_primitives::B256;
    use manaflow_types::{Call, DeclaredView, ExecError, Runtime};

    let mut chain = Sandbox::new();
    let store = chain.deploy(alice(), with_args(&wat("store"), &[word(7)]));
    let call = Call {
        tx_type: 2,
        caller: bob(),
        to: Some(store),
        input: word(9).to_vec().into(),
        gas_limit: 1_000_000,
        max_priority_fee_per_gas: Some(0),
        chain_id: Some(CHAIN_ID),
        ..Call::default()
    };
    let execution = runtime().execute(&call, &header(), &Chain, &chain.view).expect("executes");
    // Drop the storage move: re-execution reaches an undeclared slot while the WASM frame waits
    // on its fiber, and must end with the missing state, not a panic or a wrong result.
    let declared: Vec<_> = execution.moves.iter().filter(|m| m.mark != Mark::Storage).copied().collect();
    let codes: HashMap<B256, Bytes> = chain.view.codes.clone();
    let lookup = |hash: &B256| codes.get(hash).cloned();
    let view = DeclaredView::new(&declared, &lookup);
    let refused = runtime().execute(&call, &header(), &Chain, &view);
    assert!(matches!(refused, Err(ExecError::Missing(_))), "{refused:?}");
    // And the runtime still works afterwards, on this thread.
    let again = runtime().execute(&call, &header(), &Chain, &chain.view).expect("executes");
    assert_eq!(again, execution);
}

#[test]
fn transient_storage_lasts_for_the_tx_and_makes_no_moves() {
    let mut chain = Sandbox::new();
    let contract = chain.deploy(alice(), wat("transient"));
    let execution = chain.send(bob(), Some(contract), Bytes::new(), U256::ZERO);
    assert_eq!(execution.status, Status::Success, "{:?}", execution.output);
    assert_eq!(execution.output.as_ref(), word(42).as_slice(), "the inner call reads what the outer one stored");
    assert!(!execution.moves.iter().any(|m| m.mark == Mark::Storage), "transient storage makes no moves");
    let later = chain.send(bob(), Some(contract), Bytes::from_static(b"r"), U256::ZERO);
    assert_eq!(later.status, Status::Success);
    assert_eq!(later.output.as_ref(), word(0).as_slice(), "the next tx starts with it cleared");
}

#[test]
fn code_copy_returns_a_wasm_or_an_evm_contracts_code() {
    let mut chain = Sandbox::new();
    let copier = chain.deploy(alice(), wat("code_copy"));
    let own = chain.send(bob(), Some(copier), Bytes::new(), U256::ZERO);
    assert_eq!(own.status, Status::Success, "{:?}", own.output);
    assert_eq!(own.output, chain.code(copier), "its own code: the module");

    let token = chain.deploy(alice(), crate::artifacts::solidity("TestToken"));
    let other = chain.send(bob(), Some(copier), token.to_vec().into(), U256::ZERO);
    assert_eq!(other.status, Status::Success, "{:?}", other.output);
    assert_eq!(other.output, chain.code(token), "an EVM contract's runtime code");
    let code = other.moves.iter().find(|m| m.addr == token && m.mark == Mark::Code).expect("the token's code move");
    assert_eq!(code.prev, code.next, "reading code is a read");
}

#[test]
fn console_log_from_wasm_is_recorded_as_from_solidity() {
    let mut chain = Sandbox::new();
    let logger = chain.deploy(alice(), wat("console"));
    let execution = chain.send(bob(), Some(logger), Bytes::new(), U256::ZERO);
    assert_eq!(execution.status, Status::Success);
    assert_eq!(manaflow_types::console::lines(&execution.console), ["hello from wasm"]);
    // The console call makes no move of its own beyond loading the console address's account.
    let simulated = chain.simulate(bob(), Some(logger), Bytes::new());
    assert_eq!(simulated.console, execution.console, "a call logs the same");
}
