//! WASM contracts over JSON-RPC, as a client sees them: the SDK's ERC20 deployed with
//! `eth_sendRawTransaction` and used through the same ABI as OpenZeppelin's (calls, receipts,
//! logs, custom-error reverts); bad modules refused with their reason while the node keeps
//! serving and nothing else changes.

use alloy_primitives::{Address, Bytes, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::{SolCall, SolEvent};

use crate::rpc::support::ITestToken::{self, Transfer};
use crate::rpc::support::*;

alloy_sol_types::sol! {
    /// OpenZeppelin 5's ERC20 errors, which the SDK's ERC20 raises the same way.
    interface IERC20Errors {
        error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed);
    }
}

fn supply() -> U256 {
    U256::from(1_000_000u64) * U256::from(10u64).pow(U256::from(18))
}

#[tokio::test]
async fn a_wasm_erc20_is_used_over_rpc_like_a_solidity_one() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let (alice, bob) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let token = deploy(&p, alice, wasm_artifact("erc20")).await;
    let code = p.get_code_at(token).await.expect("eth_getCode");
    assert_eq!(code, wasm_artifact("erc20"), "the module is the contract's code");

    let balance_of = |who: Address| ITestToken::balanceOfCall { account: who }.abi_encode();
    let out = eth_call(&p, alice, token, balance_of(alice)).await;
    assert_eq!(ITestToken::balanceOfCall::abi_decode_returns(&out).unwrap(), supply());

    let input = ITestToken::transferCall { to: bob, value: U256::from(250) }.abi_encode();
    let receipt = send_ok(&p, call_tx(alice, token, input)).await;
    let logs = receipt.inner.logs();
    assert_eq!(logs.len(), 1);
    let transfer = Transfer::decode_log_data(logs[0].data()).expect("a Transfer event");
    assert_eq!((transfer.from, transfer.to, transfer.value), (alice, bob, U256::from(250)));
    assert_eq!(logs[0].address(), token);
    let out = eth_call(&p, bob, token, balance_of(bob)).await;
    assert_eq!(ITestToken::balanceOfCall::abi_decode_returns(&out).unwrap(), U256::from(250));

    // A failing transfer: eth_call reverts with the custom error, as against Solidity.
    let too_much = ITestToken::transferCall { to: alice, value: U256::from(251) }.abi_encode();
    let error = p.call(call_tx(bob, token, too_much)).await.expect_err("the transfer reverts");
    let failure = failure(&error);
    assert_eq!(failure.code, 3, "{failure:?}");
    let data: Bytes = serde_json::from_value(failure.data.expect("revert data")).unwrap();
    let expected =
        IERC20Errors::ERC20InsufficientBalance { sender: bob, balance: U256::from(250), needed: U256::from(251) };
    assert_eq!(data, Bytes::from(alloy_sol_types::SolError::abi_encode(&expected)));

    // The moves of the transfer are served like any tx's.
    let moves: serde_json::Value = rpc(&p, "manaflow_getMoves", serde_json::json!([receipt.transaction_hash])).await;
    let slots = moves["moves"].as_array().expect("a move list").iter().filter(|m| m["mark"] == "s").count();
    assert_eq!(slots, 2, "the sender's and the recipient's balance slots: {moves}");
}

#[tokio::test]
async fn a_bad_module_is_refused_with_its_reason_and_the_node_keeps_serving() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let alice = devnet.accounts()[0].address;
    let before = chain_state(&p, &[alice]).await;
    // Not a module past its magic: estimating the deployment fails with the reason.
    let garbage = Bytes::from_static(b"\0asm\x01\0\0\0\x01\x05\xff\xff\xff\xff\xff");
    let request = TransactionRequest::default().from(alice).create().input(garbage.into());
    let error = p.estimate_gas(request.clone()).await.expect_err("the deployment is refused");
    assert!(error.to_string().contains("invalid wasm module"), "{error}");
    assert_eq!(chain_state(&p, &[alice]).await, before, "nothing changed");
    // The node still serves and deploys good modules.
    let token = deploy(&p, alice, wasm_artifact("counter")).await;
    assert_ne!(token, Address::ZERO);
}

#[tokio::test]
async fn an_endless_loop_stops_within_its_gas_and_the_node_keeps_serving() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let (alice, bob) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    // No identifiers, so the text format emits no name section (deployed modules carry none).
    let module = wat::parse_str(
        r#"(module (memory (export "memory") 1) (func (export "call") (loop (br 0))) (data (i32.const 0) ""))"#,
    )
    .expect("valid WAT");
    let looper = deploy(&p, alice, module.into()).await;
    let error = p.estimate_gas(call_tx(alice, looper, Bytes::new())).await.expect_err("no gas is enough");
    assert!(error.to_string().contains("OutOfGas"), "{error}");
    let bob_before = balance(&p, bob).await;
    let receipt = send(&p, call_tx(alice, looper, Bytes::new()).gas_limit(1_000_000)).await;
    assert!(!receipt.status(), "the call fails");
    assert_eq!(receipt.gas_used, 1_000_000, "within the tx's gas, all of it");
    // The node keeps serving: other state is untouched and the next tx goes through.
    assert_eq!(balance(&p, bob).await, bob_before);
    let next = send_ok(&p, TransactionRequest::default().from(alice).to(bob).value(U256::from(1))).await;
    assert_eq!(next.block_number, receipt.block_number.map(|n| n + 1));
}
