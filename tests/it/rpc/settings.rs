//! The next blocks' settings, as Anvil's and Hardhat's dev methods change them: the block gas
//! limit, the coinbase, the next base fee and prevrandao, interval mining in milliseconds, auto
//! impersonation, logging, and the minimum gas price Anvil refuses under EIP-1559.

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{B256, U256, address};
use alloy_provider::Provider;
use serde_json::{Value, json};

use crate::rpc::support::*;

async fn latest(p: &alloy_provider::DynProvider) -> alloy_rpc_types_eth::Block {
    p.get_block_by_number(BlockNumberOrTag::Latest).await.unwrap().expect("the latest block")
}

#[tokio::test]
async fn the_next_blocks_take_the_gas_limit_coinbase_base_fee_and_prevrandao_set() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let coinbase = address!("0xc0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0");
    let randao = B256::repeat_byte(0x42);

    assert!(rpc::<bool>(&p, "evm_setBlockGasLimit", json!(["0x186a0"])).await);
    let _: Value = rpc(&p, "anvil_setCoinbase", json!([coinbase])).await;
    let _: Value = rpc(&p, "anvil_setNextBlockBaseFeePerGas", json!([U256::from(7 * GWEI)])).await;
    assert!(rpc::<bool>(&p, "hardhat_setPrevRandao", json!([randao])).await);
    // The node fills the fees from the next block's base fee (alloy's estimate would read the
    // latest block's).
    let hash: B256 = rpc(&p, "eth_sendTransaction", json!([{"from": a, "to": b, "value": "0x1"}])).await;
    let receipt = p.get_transaction_receipt(hash).await.unwrap().expect("mined");
    let block = latest(&p).await;
    assert_eq!(receipt.block_number, Some(block.header.number));
    assert_eq!(block.header.gas_limit, 100_000);
    assert_eq!(block.header.beneficiary, coinbase);
    assert_eq!(block.header.base_fee_per_gas, Some(7 * GWEI as u64));
    assert_eq!(block.header.mix_hash, randao);
    assert_eq!(receipt.effective_gas_price, 7 * GWEI + GWEI, "the tx paid the base fee set, plus its tip");

    // The base fee and prevrandao were for one block; the gas limit and coinbase stay.
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    let next = latest(&p).await;
    assert_eq!(next.header.gas_limit, 100_000);
    assert_eq!(next.header.beneficiary, coinbase);
    assert_eq!(next.header.mix_hash, B256::ZERO);
    assert!(next.header.base_fee_per_gas.unwrap() < 7 * GWEI as u64, "EIP-1559 from the fee set");

    // A tx asking for more gas than a block now holds is refused, naming both limits.
    let failure = rpc_err(&p, "eth_sendTransaction", json!([{"from": a, "to": b, "gas": "0x30d40"}])).await;
    assert!(failure.message.contains("exceeds block gas limit"), "{failure:?}");
    let refused = rpc_err(&p, "evm_setBlockGasLimit", json!(["0x0"])).await;
    assert_eq!(refused.code, -32602, "{refused:?}");
}

#[tokio::test]
async fn min_gas_price_is_refused_as_anvil_refuses_it_under_eip_1559() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let failure = rpc_err(&p, "anvil_setMinGasPrice", json!(["0x1"])).await;
    assert_eq!(failure.code, -32602);
    assert!(failure.message.contains("not supported when EIP-1559 is active"), "{failure:?}");
}

#[tokio::test]
async fn auto_impersonation_lets_any_sender_send_without_a_key() {
    let devnet = start();
    let b = devnet.accounts()[1].address;
    let p = provider(&devnet, 0);
    let x = address!("0x1212121212121212121212121212121212121212");
    let _: Value = rpc(&p, "anvil_setBalance", json!([x, ether(1)])).await;
    let tx = json!([{"from": x, "to": b, "value": "0x5"}]);
    assert_eq!(rpc_err(&p, "eth_sendTransaction", tx.clone()).await.code, -32000, "not impersonated yet");
    let _: Value = rpc(&p, "anvil_autoImpersonateAccount", json!([true])).await;
    let hash: B256 = rpc(&p, "eth_sendTransaction", tx.clone()).await;
    let receipt = p.get_transaction_receipt(hash).await.unwrap().expect("mined");
    assert_eq!(receipt.from, x);
    let _: Value = rpc(&p, "anvil_autoImpersonateAccount", json!([false])).await;
    assert_eq!(rpc_err(&p, "eth_sendTransaction", tx).await.code, -32000, "back to keys only");
}

#[tokio::test]
async fn interval_mining_in_milliseconds_and_logging_switch() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let height = block_number(&p).await;
    let _: Value = rpc(&p, "evm_setIntervalMining", json!([100])).await;
    eventually(std::time::Duration::from_secs(20), || {
        let p = p.clone();
        async move { (block_number(&p).await >= height + 2).then_some(()) }
    })
    .await;
    let _: Value = rpc(&p, "evm_setIntervalMining", json!([0])).await;
    assert!(!rpc::<bool>(&p, "anvil_getAutomine", json!([])).await, "0 leaves mining to requests");
    assert_eq!(rpc::<Value>(&p, "anvil_setLoggingEnabled", json!([false])).await, Value::Null);
    assert_eq!(rpc::<Value>(&p, "anvil_setLoggingEnabled", json!([true])).await, Value::Null);
}
