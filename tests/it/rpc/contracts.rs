//! The ERC20 TestToken: deployment, transfer, approve/transferFrom, its events in receipts,
//! `eth_getLogs` by address, topics (OR and wildcards), block range and block hash, and polled
//! filters (`eth_newFilter`, `eth_newBlockFilter`, `eth_getFilterChanges`).

use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256, U256};
use alloy_provider::{DynProvider, Provider};
use alloy_rpc_types_eth::{Filter, Log, TransactionReceipt};
use alloy_sol_types::{SolCall, SolEvent};
use serde_json::json;

use crate::rpc::support::ITestToken::{self, Approval, Transfer};
use crate::rpc::support::*;

/// Deploys a TestToken from `from` (who gets the initial supply).
pub async fn deploy_token(p: &DynProvider, from: Address) -> Address {
    deploy(p, from, artifact("TestToken").bytecode).await
}

/// The token balance of `holder`.
pub async fn token_balance(p: &DynProvider, token: Address, holder: Address) -> U256 {
    let out = eth_call(p, holder, token, ITestToken::balanceOfCall { account: holder }.abi_encode()).await;
    ITestToken::balanceOfCall::abi_decode_returns(&out).expect("a uint256")
}

/// `from` sends `value` tokens to `to`.
pub async fn token_transfer(
    p: &DynProvider,
    token: Address,
    from: Address,
    to: Address,
    value: u64,
) -> TransactionReceipt {
    let input = ITestToken::transferCall { to, value: U256::from(value) }.abi_encode();
    send_ok(p, call_tx(from, token, input)).await
}

fn supply() -> U256 {
    U256::from(1_000_000u64) * U256::from(10u64).pow(U256::from(18))
}

/// Checks that `log` is the `index`-th log of `receipt`, emitted by `address` with `topics` and `data`.
fn assert_log(log: &Log, receipt: &TransactionReceipt, address: Address, topics: &[B256], data: &[u8], index: u64) {
    assert_eq!(log.address(), address);
    assert_eq!(log.topics(), topics);
    assert_eq!(log.data().data.as_ref(), data);
    assert_eq!(log.log_index, Some(index));
    assert_eq!(log.transaction_hash, Some(receipt.transaction_hash));
    assert_eq!(log.transaction_index, receipt.transaction_index);
    assert_eq!(log.block_hash, receipt.block_hash);
    assert_eq!(log.block_number, receipt.block_number);
    assert!(!log.removed);
}

fn word(value: u64) -> [u8; 32] {
    U256::from(value).to_be_bytes()
}

#[tokio::test]
async fn erc20_deploys_transfers_approves_and_transfers_from() {
    let devnet = start();
    let (a, b, c) = (devnet.accounts()[0].address, devnet.accounts()[1].address, devnet.accounts()[2].address);
    let pa = provider(&devnet, 0);
    let pb = provider(&devnet, 1);
    let token = deploy_token(&pa, a).await;
    assert_eq!(pa.get_code_at(token).await.unwrap(), artifact("TestToken").deployed, "the runtime code");

    let initial = eth_call(&pa, a, token, ITestToken::INITIAL_SUPPLYCall {}.abi_encode()).await;
    assert_eq!(ITestToken::INITIAL_SUPPLYCall::abi_decode_returns(&initial).unwrap(), supply());
    let total = eth_call(&pa, a, token, ITestToken::totalSupplyCall {}.abi_encode()).await;
    assert_eq!(ITestToken::totalSupplyCall::abi_decode_returns(&total).unwrap(), supply());
    assert_eq!(token_balance(&pa, token, a).await, supply());

    // transfer: a → b, 250.
    let receipt = token_transfer(&pa, token, a, b, 250).await;
    assert_eq!(receipt.to, Some(token));
    let logs = receipt.inner.logs();
    assert_eq!(logs.len(), 1);
    assert_log(&logs[0], &receipt, token, &[Transfer::SIGNATURE_HASH, a.into_word(), b.into_word()], &word(250), 0);
    let decoded = receipt.decoded_log::<Transfer>().expect("a Transfer event");
    assert_eq!((decoded.from, decoded.to, decoded.value), (a, b, U256::from(250u64)));
    assert!(receipt.inner.logs_bloom().contains_input(alloy_primitives::BloomInput::Raw(token.as_slice())));
    assert_eq!(token_balance(&pa, token, a).await, supply() - U256::from(250u64));
    assert_eq!(token_balance(&pa, token, b).await, U256::from(250u64));

    // approve: a lets b spend 100.
    let input = ITestToken::approveCall { spender: b, value: U256::from(100u64) }.abi_encode();
    let receipt = send_ok(&pa, call_tx(a, token, input)).await;
    let logs = receipt.inner.logs();
    assert_eq!(logs.len(), 1);
    assert_log(&logs[0], &receipt, token, &[Approval::SIGNATURE_HASH, a.into_word(), b.into_word()], &word(100), 0);
    let allowance = |p: DynProvider| async move {
        let out = eth_call(&p, a, token, ITestToken::allowanceCall { owner: a, spender: b }.abi_encode()).await;
        ITestToken::allowanceCall::abi_decode_returns(&out).unwrap()
    };
    assert_eq!(allowance(pa.clone()).await, U256::from(100u64));

    // transferFrom: b moves 60 of a's tokens to c.
    let input = ITestToken::transferFromCall { from: a, to: c, value: U256::from(60u64) }.abi_encode();
    let receipt = send_ok(&pb, call_tx(b, token, input)).await;
    assert_eq!(receipt.from, b);
    let logs = receipt.inner.logs();
    assert_eq!(logs.len(), 1, "OpenZeppelin v5 emits no Approval when spending an allowance");
    assert_log(&logs[0], &receipt, token, &[Transfer::SIGNATURE_HASH, a.into_word(), c.into_word()], &word(60), 0);
    assert_eq!(allowance(pa.clone()).await, U256::from(40u64));
    assert_eq!(token_balance(&pa, token, a).await, supply() - U256::from(310u64));
    assert_eq!(token_balance(&pa, token, b).await, U256::from(250u64));
    assert_eq!(token_balance(&pa, token, c).await, U256::from(60u64));

    // Beyond the allowance: the custom error comes back from eth_call.
    let input = ITestToken::transferFromCall { from: a, to: c, value: U256::from(41u64) }.abi_encode();
    let error = pb.call(call_tx(b, token, input)).await.expect_err("over the allowance");
    let failure = failure(&error);
    assert_eq!(failure.code, 3);
    alloy_sol_types::sol! { error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed); }
    let expected = ERC20InsufficientAllowance { spender: b, allowance: U256::from(40u64), needed: U256::from(41u64) };
    assert_eq!(
        failure.data,
        Some(json!(alloy_primitives::Bytes::from(alloy_sol_types::SolError::abi_encode(&expected))))
    );
}

#[tokio::test]
async fn get_logs_by_address_topics_range_and_block_hash() {
    let devnet = start();
    let (a, b, c) = (devnet.accounts()[0].address, devnet.accounts()[1].address, devnet.accounts()[2].address);
    let p = provider(&devnet, 0);
    let mint = deploy_receipt(&p, a, artifact("TestToken").bytecode).await;
    let token = mint.contract_address.unwrap();
    let other = deploy_token(&p, a).await;
    let t1 = token_transfer(&p, token, a, b, 1).await;
    let approve =
        send_ok(&p, call_tx(a, token, ITestToken::approveCall { spender: b, value: U256::from(5u64) }.abi_encode()))
            .await;
    let t3 = token_transfer(&p, other, a, c, 2).await;
    let t4 = token_transfer(&p, token, a, c, 3).await;
    let tx_of = |logs: &[Log]| logs.iter().map(|l| l.transaction_hash.unwrap()).collect::<Vec<_>>();

    // The constructor's mint is a Transfer from the zero address.
    assert_eq!(mint.contract_address, Some(token));
    assert_log(
        &mint.inner.logs()[0],
        &mint,
        token,
        &[Transfer::SIGNATURE_HASH, B256::ZERO, a.into_word()],
        &supply().to_be_bytes::<32>(),
        0,
    );

    // By address, over the whole chain.
    let logs = p.get_logs(&Filter::new().address(token).from_block(0)).await.unwrap();
    assert_eq!(
        tx_of(&logs),
        vec![mint.transaction_hash, t1.transaction_hash, approve.transaction_hash, t4.transaction_hash]
    );
    assert_eq!(logs[1], t1.inner.logs()[0], "getLogs gives the receipt's log");
    let logs = p.get_logs(&Filter::new().address(vec![token, other]).from_block(0)).await.unwrap();
    assert_eq!(logs.len(), 6);
    let logs =
        p.get_logs(&Filter::new().address(other).from_block(0).to_block(BlockNumberOrTag::Latest)).await.unwrap();
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[1], t3.inner.logs()[0]);

    // By topic: OR in position 0, then a single event.
    let either = Filter::new()
        .address(token)
        .from_block(0)
        .event_signature(vec![Transfer::SIGNATURE_HASH, Approval::SIGNATURE_HASH]);
    assert_eq!(p.get_logs(&either).await.unwrap().len(), 4);
    let approvals = Filter::new().from_block(0).event_signature(Approval::SIGNATURE_HASH);
    assert_eq!(tx_of(&p.get_logs(&approvals).await.unwrap()), vec![approve.transaction_hash]);
    // OR in an indexed position: transfers to b or c.
    let to_b_or_c = Filter::new()
        .from_block(0)
        .event_signature(Transfer::SIGNATURE_HASH)
        .topic2(vec![b.into_word(), c.into_word()]);
    assert_eq!(
        tx_of(&p.get_logs(&to_b_or_c).await.unwrap()),
        vec![t1.transaction_hash, t3.transaction_hash, t4.transaction_hash]
    );

    // A null wildcard between two topics, as raw JSON: Transfer(*, c) on any contract.
    let logs: Vec<Log> = rpc(
        &p,
        "eth_getLogs",
        json!([{"fromBlock": "0x0", "toBlock": "latest", "topics": [Transfer::SIGNATURE_HASH, null, c.into_word()]}]),
    )
    .await;
    assert_eq!(tx_of(&logs), vec![t3.transaction_hash, t4.transaction_hash]);
    assert_eq!(logs[0].address(), other);
    assert_eq!(logs[1].address(), token);
    // A topic nothing has.
    let none = Filter::new().from_block(0).event_signature(B256::repeat_byte(0xee));
    assert!(p.get_logs(&none).await.unwrap().is_empty());

    // By block range: exactly the blocks of t1 ..= t3.
    let range = Filter::new().from_block(t1.block_number.unwrap()).to_block(t3.block_number.unwrap());
    assert_eq!(
        tx_of(&p.get_logs(&range).await.unwrap()),
        vec![t1.transaction_hash, approve.transaction_hash, t3.transaction_hash]
    );
    let single = Filter::new().from_block(t4.block_number.unwrap()).to_block(t4.block_number.unwrap());
    assert_eq!(tx_of(&p.get_logs(&single).await.unwrap()), vec![t4.transaction_hash]);
    // Without a range: the latest block only.
    assert_eq!(tx_of(&p.get_logs(&Filter::new()).await.unwrap()), vec![t4.transaction_hash]);

    // By block hash.
    let by_hash = Filter::new().at_block_hash(approve.block_hash.unwrap());
    let logs = p.get_logs(&by_hash).await.unwrap();
    assert_eq!(logs, approve.inner.logs().to_vec());
    let by_hash_and_topic =
        Filter::new().at_block_hash(approve.block_hash.unwrap()).event_signature(Transfer::SIGNATURE_HASH);
    assert!(p.get_logs(&by_hash_and_topic).await.unwrap().is_empty());
}

#[tokio::test]
async fn log_and_block_filters_report_each_change_once() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let token = deploy_token(&p, a).await;
    let other = deploy_token(&p, a).await;

    let logs_id = p.new_filter(&Filter::new().address(token).event_signature(Transfer::SIGNATURE_HASH)).await.unwrap();
    let blocks_id = p.new_block_filter().await.unwrap();
    assert!(p.get_filter_changes::<Log>(logs_id).await.unwrap().is_empty(), "nothing happened since install");
    assert!(p.get_filter_changes::<B256>(blocks_id).await.unwrap().is_empty());

    let first = token_transfer(&p, token, a, b, 1).await;
    let _ignored = token_transfer(&p, other, a, b, 1).await;
    let changes = p.get_filter_changes::<Log>(logs_id).await.unwrap();
    assert_eq!(changes, first.inner.logs().to_vec(), "only the filtered token's log");
    assert!(p.get_filter_changes::<Log>(logs_id).await.unwrap().is_empty(), "a log is reported once");

    let second = token_transfer(&p, token, a, b, 2).await;
    let third = token_transfer(&p, token, a, b, 3).await;
    let changes = p.get_filter_changes::<Log>(logs_id).await.unwrap();
    assert_eq!(changes, [second.inner.logs(), third.inner.logs()].concat());
    assert!(p.get_filter_changes::<Log>(logs_id).await.unwrap().is_empty());

    // The block filter saw the four tx blocks, then two mined empty.
    let height = block_number(&p).await;
    let _: serde_json::Value = rpc(&p, "anvil_mine", json!(["0x2"])).await;
    let mut expected = Vec::new();
    for n in height - 3..=height + 2 {
        expected.push(p.get_block_by_number(BlockNumberOrTag::Number(n)).await.unwrap().unwrap().header.hash);
    }
    assert_eq!(p.get_filter_changes::<B256>(blocks_id).await.unwrap(), expected);
    assert!(p.get_filter_changes::<B256>(blocks_id).await.unwrap().is_empty(), "a block is reported once");

    assert!(p.uninstall_filter(logs_id).await.unwrap());
    assert!(!p.uninstall_filter(logs_id).await.unwrap(), "already uninstalled");
    let error = p.get_filter_changes::<Log>(logs_id).await.expect_err("an uninstalled filter");
    assert_eq!(failure(&error).code, -32000);
}

#[tokio::test]
async fn log_indices_are_block_wide_when_a_block_holds_several_txs() {
    let devnet = start();
    let (a, b, c) = (devnet.accounts()[0].address, devnet.accounts()[1].address, devnet.accounts()[2].address);
    let p = provider(&devnet, 0);
    let token = deploy_token(&p, a).await;
    let _: serde_json::Value = rpc(&p, "evm_setAutomine", json!([false])).await;
    let inputs = [
        ITestToken::transferCall { to: b, value: U256::from(1u64) }.abi_encode(),
        ITestToken::approveCall { spender: c, value: U256::from(2u64) }.abi_encode(),
        ITestToken::transferCall { to: c, value: U256::from(3u64) }.abi_encode(),
    ];
    let mut hashes = Vec::new();
    for input in inputs {
        let pending = p.send_transaction(call_tx(a, token, input).gas_limit(100_000)).await.expect("pooled");
        hashes.push(*pending.tx_hash());
    }
    let _: serde_json::Value = rpc(&p, "evm_mine", json!([])).await;
    let height = block_number(&p).await;
    let mut all = Vec::new();
    for (i, hash) in hashes.iter().enumerate() {
        let receipt = p.get_transaction_receipt(*hash).await.unwrap().expect("mined");
        assert!(receipt.status());
        assert_eq!(receipt.block_number, Some(height));
        assert_eq!(receipt.transaction_index, Some(i as u64));
        let logs = receipt.inner.logs();
        assert_eq!(logs.len(), 1);
        assert_eq!(logs[0].log_index, Some(i as u64), "log indices count across the block's txs");
        assert_eq!(logs[0].transaction_index, Some(i as u64));
        assert_eq!(logs[0].transaction_hash, Some(*hash));
        all.push(logs[0].clone());
    }
    let logs = p.get_logs(&Filter::new().from_block(height).to_block(height)).await.unwrap();
    assert_eq!(logs, all, "eth_getLogs agrees with the receipts");
    let receipts = p.get_block_receipts(height.into()).await.unwrap().expect("receipts");
    assert_eq!(receipts.iter().flat_map(|r| r.inner.logs().to_vec()).collect::<Vec<_>>(), all);
    assert_eq!(token_balance(&p, token, b).await, U256::from(1u64));
    assert_eq!(token_balance(&p, token, c).await, U256::from(3u64));
}
