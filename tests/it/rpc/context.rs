//! The block context a tx sees (BlockContext artifact) is the block the RPC shows: number,
//! timestamp, base fee, coinbase, prevrandao, gas limit, chain id, and BLOCKHASH of the parent
//! equal to the parent's RPC hash; a past-block `eth_call` sees that block's context.

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{B256, U256};
use alloy_provider::{DynProvider, Provider};
use alloy_sol_types::{SolCall, SolEvent};
use serde_json::{Value, json};

use crate::rpc::support::IBlockContext::{self, Recorded};
use crate::rpc::support::*;

fn assert_context(context: &Context, block: &alloy_rpc_types_eth::Block, parent: &alloy_rpc_types_eth::Block) {
    let header = &block.header;
    assert_eq!(context.number, U256::from(header.number), "number");
    assert_eq!(context.timestamp, U256::from(header.timestamp), "timestamp");
    assert_eq!(context.basefee, U256::from(header.base_fee_per_gas.unwrap()), "basefee");
    assert_eq!(context.coinbase, header.beneficiary, "coinbase");
    assert_eq!(B256::from(context.prevrandao), header.mix_hash, "prevrandao");
    assert_eq!(context.gaslimit, U256::from(header.gas_limit), "gaslimit");
    assert_eq!(context.chainid, U256::from(CHAIN_ID), "chainid");
    assert_eq!(context.parentHash, parent.header.hash, "BLOCKHASH(number - 1) is the parent's RPC hash");
    assert_eq!(header.parent_hash, parent.header.hash);
}

async fn block(p: &DynProvider, n: u64) -> alloy_rpc_types_eth::Block {
    p.get_block_by_number(BlockNumberOrTag::Number(n)).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_tx_sees_the_context_of_the_block_it_is_mined_in() {
    let devnet = start();
    let a = devnet.accounts()[0].address;
    let p = provider(&devnet, 0);
    let contract = deploy(&p, a, artifact("BlockContext").bytecode).await;
    let _: Value = rpc(&p, "anvil_mine", json!(["0x2"])).await;

    // An explicit gas limit: eth_estimateGas runs a call without a gas price with BASEFEE 0 (as
    // geth does), so storing block.basefee costs more in the mined tx than in the estimate.
    let record = call_tx(a, contract, IBlockContext::recordCall {}.abi_encode()).gas_limit(300_000);
    let receipt = send_ok(&p, record).await;
    let n = receipt.block_number.unwrap();
    let (mined, parent) = (block(&p, n).await, block(&p, n - 1).await);
    let out = eth_call(&p, a, contract, IBlockContext::recordedCall {}.abi_encode()).await;
    let recorded = IBlockContext::recordedCall::abi_decode_returns(&out).unwrap();
    assert_context(&recorded, &mined, &parent);
    let blob_base_fee: U256 = rpc(&p, "eth_blobBaseFee", json!([])).await;
    assert_eq!(recorded.blobbasefee, blob_base_fee);

    let logs = receipt.inner.logs();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].topics(), &[Recorded::SIGNATURE_HASH, B256::from(U256::from(n))]);
    let data =
        [U256::from(mined.header.timestamp).to_be_bytes::<32>().as_slice(), parent.header.hash.as_slice()].concat();
    assert_eq!(logs[0].data().data.as_ref(), &data[..]);

    // A call at a past block runs in that block's context (with a gas price: a call without one
    // sees BASEFEE 0, as in geth).
    let _: Value = rpc(&p, "anvil_mine", json!(["0x2"])).await;
    let input = IBlockContext::liveCall {}.abi_encode();
    let call = call_tx(a, contract, input).gas_price(10 * GWEI);
    let then = p.call(call).block(BlockId::number(n)).await.unwrap();
    let then = IBlockContext::liveCall::abi_decode_returns(&then).unwrap();
    assert_context(&then, &mined, &parent);
}
