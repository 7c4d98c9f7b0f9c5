//! Inputs past their bounds are refused with a −32602 naming the bound, nothing is done, and the
//! node keeps mining (these once panicked the miner or mined without end).

use alloy_primitives::U256;
use alloy_rpc_types_eth::TransactionRequest;
use serde_json::{Value, json};

use crate::rpc::support::*;

#[tokio::test]
async fn block_counts_and_intervals_past_their_bounds_are_refused_and_mining_goes_on() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let height = block_number(&p).await;

    let huge = rpc_err(&p, "anvil_mine", json!(["0xffffffffffffffff"])).await;
    assert_eq!(huge.code, -32602);
    assert!(huge.message.contains("at most 100000"), "{huge:?}");
    let over = rpc_err(&p, "hardhat_mine", json!(["0x186a1"])).await;
    assert!(over.message.contains("100001 blocks asked"), "{over:?}");
    let negative = rpc_err(&p, "evm_mine", json!([{"blocks": -1}])).await;
    assert_eq!(negative.code, -32602);
    assert!(negative.message.contains("must not be negative"), "{negative:?}");
    let seconds = rpc_err(&p, "anvil_setIntervalMining", json!([9_223_372_036_854_775_808u64])).await;
    assert_eq!(seconds.code, -32602);
    assert!(seconds.message.contains("longer than the longest"), "{seconds:?}");
    let millis = rpc_err(&p, "evm_setIntervalMining", json!([u64::MAX])).await;
    assert!(millis.message.contains("longer than the longest"), "{millis:?}");
    assert_eq!(block_number(&p).await, height, "nothing was mined");

    // The miner lives: automine still mines, and a count within the bound is mined.
    let tx = TransactionRequest::default().from(a).to(b).value(U256::from(1u64));
    assert!(send_ok(&p, tx).await.status());
    let _: Value = rpc(&p, "anvil_mine", json!(["0x3"])).await;
    assert_eq!(block_number(&p).await, height + 4);
    let _: Value = rpc(&p, "anvil_setIntervalMining", json!([31_536_000u64])).await;
    let _: Value = rpc(&p, "evm_setAutomine", json!([true])).await;
    let tx = TransactionRequest::default().from(a).to(b).value(U256::from(1u64));
    assert!(send_ok(&provider(&devnet, 0), tx).await.status(), "back to automine after a year-long interval");
}
