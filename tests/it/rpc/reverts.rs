//! Reverts: `eth_call` and `eth_estimateGas` answer error 3 with the revert bytes as data, a mined
//! failing tx has status 0 and its sender pays for the gas, and the Router's two-call tx is
//! atomic (all or nothing).

use alloy_primitives::{Address, Bytes, U256};
use alloy_provider::Provider;
use alloy_sol_types::{Panic, Revert, SolCall, SolError, SolEvent};
use serde_json::json;

use crate::rpc::contracts::{deploy_token, token_balance};
use crate::rpc::support::IReverter::{self, Rejected};
use crate::rpc::support::IRouter::{self, TwoTransfers};
use crate::rpc::support::ITestToken::{self, Transfer};
use crate::rpc::support::*;

fn hex(bytes: impl Into<Bytes>) -> serde_json::Value {
    json!(bytes.into())
}

#[tokio::test]
async fn eth_call_and_estimate_gas_return_the_revert_data() {
    let devnet = start();
    let a = devnet.accounts()[0].address;
    let p = provider(&devnet, 0);
    let reverter = deploy(&p, a, artifact("Reverter").bytecode).await;

    let custom = IReverter::alwaysRevertsCall { value: U256::from(7u64) }.abi_encode();
    let expected = Rejected { caller: a, value: U256::from(7u64), reason: "always reverts".into() }.abi_encode();
    for method in ["eth_call", "eth_estimateGas"] {
        let failure =
            rpc_err(&p, method, json!([{"from": a, "to": reverter, "input": Bytes::from(custom.clone())}])).await;
        assert_eq!(failure.code, 3, "{method}: {failure:?}");
        assert!(failure.message.contains("execution reverted"), "{method}: {failure:?}");
        assert_eq!(failure.data, Some(hex(expected.clone())), "{method}: the custom error's selector and args");
    }
    // Through alloy's typed call and estimate, decoding the custom error.
    let error = p.call(call_tx(a, reverter, custom.clone())).await.expect_err("reverts");
    let decoded = error.as_error_resp().and_then(|e| e.as_decoded_error::<Rejected>()).expect("a Rejected error");
    assert_eq!((decoded.caller, decoded.value, decoded.reason.as_str()), (a, U256::from(7u64), "always reverts"));
    let error = p.estimate_gas(call_tx(a, reverter, custom.clone())).await.expect_err("reverts");
    assert_eq!(failure(&error).data, Some(hex(expected)));

    // Error(string): the reason is in the message too.
    let input = IReverter::revertWithReasonCall { reason: "nope".into() }.abi_encode();
    let failure = rpc_err(&p, "eth_call", json!([{"from": a, "to": reverter, "input": Bytes::from(input)}])).await;
    assert_eq!(failure.code, 3);
    assert_eq!(failure.message, "execution reverted: nope");
    assert_eq!(failure.data, Some(hex(Revert::from("nope").abi_encode())));

    // Panic(0x12).
    let input = IReverter::panicDivByZeroCall { numerator: U256::from(1u64) }.abi_encode();
    let failure = rpc_err(&p, "eth_call", json!([{"from": a, "to": reverter, "input": Bytes::from(input)}])).await;
    assert_eq!(failure.code, 3);
    assert!(failure.message.starts_with("execution reverted"), "{failure:?}");
    assert_eq!(failure.data, Some(hex(Panic::from(U256::from(0x12u64)).abi_encode())));

    // Empty revert data.
    let input = IReverter::revertEmptyCall {}.abi_encode();
    let failure =
        rpc_err(&p, "eth_estimateGas", json!([{"from": a, "to": reverter, "input": Bytes::from(input)}])).await;
    assert_eq!(failure.code, 3);
    assert_eq!(failure.message, "execution reverted");
    assert_eq!(failure.data, Some(json!("0x")));
}

#[tokio::test]
async fn a_mined_failing_tx_has_status_0_and_its_sender_pays_the_gas() {
    let devnet = start();
    let a = devnet.accounts()[0].address;
    let p = provider(&devnet, 0);
    let reverter = deploy(&p, a, artifact("Reverter").bytecode).await;
    let (height, before) = chain_state(&p, &[a, reverter]).await;
    let nonce_before = nonce(&p, a).await;

    let input = IReverter::alwaysRevertsCall { value: U256::from(9u64) }.abi_encode();
    // An explicit gas limit: the provider does not estimate (which would fail).
    let receipt = send(&p, call_tx(a, reverter, input).gas_limit(100_000).value(U256::from(5u64))).await;
    assert!(!receipt.status(), "the tx reverted");
    assert_eq!(receipt.block_number, Some(height + 1), "a reverted tx is still mined");
    assert_eq!(receipt.from, a);
    assert_eq!(receipt.to, Some(reverter));
    assert!(receipt.inner.logs().is_empty());
    assert!(receipt.gas_used > 21_000 && receipt.gas_used < 100_000, "gas used {}", receipt.gas_used);

    let (after_height, after) = chain_state(&p, &[a, reverter]).await;
    assert_eq!(after_height, height + 1);
    assert_eq!(after[0], before[0] - fee(&receipt), "the sender pays the gas, the value stays");
    assert_eq!(after[1], before[1], "the value was not transferred");
    assert_eq!(nonce(&p, a).await, nonce_before + 1, "the nonce is used");
}

#[tokio::test]
async fn the_router_is_atomic() {
    let devnet = start();
    let (a, to) = (devnet.accounts()[0].address, devnet.accounts()[3].address);
    let p = provider(&devnet, 0);
    let token_a = deploy_token(&p, a).await;
    let token_b = deploy_token(&p, a).await;
    let router = deploy(&p, a, artifact("Router").bytecode).await;
    let reverter = deploy(&p, a, artifact("Reverter").bytecode).await;
    for token in [token_a, token_b] {
        let input = ITestToken::approveCall { spender: router, value: U256::from(1_000u64) }.abi_encode();
        send_ok(&p, call_tx(a, token, input)).await;
    }
    let allowance = |token: Address| {
        let p = p.clone();
        async move {
            let out =
                eth_call(&p, a, token, ITestToken::allowanceCall { owner: a, spender: router }.abi_encode()).await;
            ITestToken::allowanceCall::abi_decode_returns(&out).unwrap()
        }
    };
    let holdings = |p: alloy_provider::DynProvider| async move {
        vec![
            token_balance(&p, token_a, a).await,
            token_balance(&p, token_a, to).await,
            token_balance(&p, token_b, a).await,
            token_balance(&p, token_b, to).await,
            allowance(token_a).await,
            allowance(token_b).await,
        ]
    };
    let start_holdings = holdings(p.clone()).await;

    // The second call reverts: eth_call shows the bubbled-up error, the mined tx changes nothing.
    let input = IRouter::twoTransfersSecondRevertsCall {
        tokenA: token_a,
        reverter,
        to,
        a: U256::from(10u64),
        b: U256::from(20u64),
    }
    .abi_encode();
    let failure =
        rpc_err(&p, "eth_call", json!([{"from": a, "to": router, "input": Bytes::from(input.clone())}])).await;
    assert_eq!(failure.code, 3);
    let expected = Rejected { caller: router, value: U256::from(20u64), reason: "always reverts".into() }.abi_encode();
    assert_eq!(failure.data, Some(hex(expected)));
    let receipt = send(&p, call_tx(a, router, input).gas_limit(300_000)).await;
    assert!(!receipt.status());
    assert!(receipt.inner.logs().is_empty(), "a reverted tx keeps no logs");
    assert_eq!(holdings(p.clone()).await, start_holdings, "the first transfer did not survive");

    // Both calls succeed: both transfers happen, with three logs in order.
    let input =
        IRouter::twoTransfersCall { tokenA: token_a, tokenB: token_b, to, a: U256::from(10u64), b: U256::from(20u64) }
            .abi_encode();
    let receipt = send_ok(&p, call_tx(a, router, input)).await;
    let (ten, twenty) = (U256::from(10u64), U256::from(20u64));
    assert_eq!(
        holdings(p.clone()).await,
        vec![
            start_holdings[0] - ten,
            ten,
            start_holdings[2] - twenty,
            twenty,
            start_holdings[4] - ten,
            start_holdings[5] - twenty
        ]
    );
    let logs = receipt.inner.logs();
    assert_eq!(logs.len(), 3);
    assert_eq!(logs[0].address(), token_a);
    assert_eq!(logs[0].topics(), &[Transfer::SIGNATURE_HASH, a.into_word(), to.into_word()]);
    assert_eq!(logs[0].data().data.as_ref(), &ten.to_be_bytes::<32>());
    assert_eq!(logs[1].address(), token_b);
    assert_eq!(logs[1].topics(), &[Transfer::SIGNATURE_HASH, a.into_word(), to.into_word()]);
    assert_eq!(logs[1].data().data.as_ref(), &twenty.to_be_bytes::<32>());
    assert_eq!(logs[2].address(), router);
    assert_eq!(
        logs[2].topics(),
        &[TwoTransfers::SIGNATURE_HASH, token_a.into_word(), token_b.into_word(), to.into_word()]
    );
    assert_eq!(logs[2].data().data.as_ref(), &[ten.to_be_bytes::<32>(), twenty.to_be_bytes::<32>()].concat()[..]);
    assert_eq!(logs.iter().map(|l| l.log_index).collect::<Vec<_>>(), vec![Some(0), Some(1), Some(2)]);
}
