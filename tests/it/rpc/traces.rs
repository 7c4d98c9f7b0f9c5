//! geth's debug API as debuggers call it: `debug_traceTransaction` with each tracer (the struct
//! logger and its options, `callTracer`, `prestateTracer` in both modes, `4byteTracer`,
//! `flatCallTracer`, `noopTracer`), `debug_traceCall` with overrides, and the block tracers, on
//! the example contracts: a revert deep in a call chain, a delegate call, a CREATE2, a WASM
//! contract called from the EVM. The prestate diff is checked against the tx's moves.

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use serde_json::{Value, json};

use crate::rpc::contracts::{deploy_token, token_transfer};
use crate::rpc::support::*;

alloy_sol_types::sol! {
    /// Forwarder: forwards a call of each kind, bubbling reverts.
    interface IForward {
        function value() external view returns (uint256 current);
        function setValue(uint256 newValue) external;
        function forward(address target, bytes calldata data) external returns (bytes memory ret);
        function forwardDelegate(address target, bytes calldata data) external returns (bytes memory ret);
    }
}

/// A chain with a token and one mined transfer of 1234 from Alice to Bob.
struct Transferred {
    /// Kept alive for the provider.
    _devnet: manaflow::Devnet,
    p: alloy_provider::DynProvider,
    alice: Address,
    token: Address,
    moved: alloy_rpc_types_eth::TransactionReceipt,
}

async fn transferred() -> Transferred {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let token = deploy_token(&p, a).await;
    let moved = token_transfer(&p, token, a, b, 1234).await;
    Transferred { alice: a, _devnet: devnet, p, token, moved }
}

/// `debug_traceTransaction` of `hash` with `options`.
async fn trace(p: &alloy_provider::DynProvider, hash: B256, options: Value) -> Value {
    rpc(p, "debug_traceTransaction", json!([hash, options])).await
}

fn call_tracer(config: Value) -> Value {
    json!({"tracer": "callTracer", "tracerConfig": config})
}

/// Sends `input` to `to` from `from` with a fixed gas limit (so that reverting txs are mined).
async fn send_input(p: &alloy_provider::DynProvider, from: Address, to: Address, input: Vec<u8>) -> B256 {
    let tx = TransactionRequest::default().from(from).to(to).input(Bytes::from(input).into()).gas_limit(500_000);
    send(p, tx).await.transaction_hash
}

#[tokio::test]
async fn call_tracer_shows_a_revert_deep_in_a_call_chain() {
    let devnet = start();
    let a = devnet.accounts()[0].address;
    let p = provider(&devnet, 0);
    let outer = deploy(&p, a, artifact("Forwarder").bytecode).await;
    let inner = deploy(&p, a, artifact("Forwarder").bytecode).await;
    let reverter = deploy(&p, a, artifact("Reverter").bytecode).await;
    let deepest = IReverter::revertWithReasonCall { reason: "deep".into() }.abi_encode();
    let middle = IForward::forwardCall { target: reverter, data: deepest.clone().into() }.abi_encode();
    let input = IForward::forwardCall { target: inner, data: middle.clone().into() }.abi_encode();
    let hash = send_input(&p, a, outer, input.clone()).await;
    let receipt = p.get_transaction_receipt(hash).await.unwrap().unwrap();
    assert!(!receipt.status());

    let top = trace(&p, hash, call_tracer(json!({}))).await;
    assert_eq!(top["type"], "CALL");
    assert_eq!(lower(&top["from"]), key(a));
    assert_eq!(lower(&top["to"]), key(outer));
    assert_eq!(top["input"], json!(Bytes::from(input)));
    assert_eq!(top["gasUsed"], json!(format!("{:#x}", receipt.gas_used)));
    assert_eq!(top["error"], "execution reverted");
    assert_eq!(top["revertReason"], "deep");
    let second = &top["calls"][0];
    assert_eq!(lower(&second["to"]), key(inner));
    assert_eq!(second["input"], json!(Bytes::from(middle)));
    assert_eq!(second["error"], "execution reverted");
    let third = &second["calls"][0];
    assert_eq!(third["type"], "CALL");
    assert_eq!(lower(&third["to"]), key(reverter));
    assert_eq!(third["input"], json!(Bytes::from(deepest)));
    assert_eq!(third["revertReason"], "deep");
    assert!(third.get("calls").is_none(), "the reverter calls nothing");
    // The revert data bubbles up unchanged.
    assert_eq!(top["output"], third["output"]);

    let only_top = trace(&p, hash, call_tracer(json!({"onlyTopCall": true}))).await;
    assert!(only_top.get("calls").is_none());
    assert_eq!(only_top["gasUsed"], top["gasUsed"]);
}

#[tokio::test]
async fn call_tracer_shows_logs_delegate_calls_and_create2() {
    let Transferred { _devnet, p, alice: a, token, moved } = transferred().await;
    let traced = trace(&p, moved.transaction_hash, call_tracer(json!({"withLog": true}))).await;
    let log = &traced["logs"][0];
    assert_eq!(lower(&log["address"]), key(token));
    assert_eq!(log["topics"][0], json!(alloy_primitives::keccak256("Transfer(address,address,uint256)")));
    assert_eq!(log["data"], json!(B256::from(U256::from(1234u64))));
    let without = trace(&p, moved.transaction_hash, call_tracer(json!({}))).await;
    assert!(without.get("logs").is_none());

    // A delegate call runs the callee's code on the caller's storage.
    let forwarder = deploy(&p, a, artifact("Forwarder").bytecode).await;
    let set = IForward::setValueCall { newValue: U256::from(5u64) }.abi_encode();
    let input = IForward::forwardDelegateCall { target: forwarder, data: set.into() }.abi_encode();
    let hash = send_input(&p, a, forwarder, input).await;
    let traced = trace(&p, hash, call_tracer(json!({}))).await;
    assert_eq!(traced["calls"][0]["type"], "DELEGATECALL");
    assert_eq!(lower(&traced["calls"][0]["to"]), key(forwarder));

    // A CREATE2 from the factory.
    let factory = deploy(&p, a, artifact("Create2Factory").bytecode).await;
    let child = artifact("Child").bytecode;
    let mut code = child.to_vec();
    code.extend_from_slice(&U256::from(7u64).to_be_bytes::<32>());
    let salt = B256::repeat_byte(0x11);
    let input = ICreate2Factory::deployCall { salt, code: code.clone().into() }.abi_encode();
    let hash = send_input(&p, a, factory, input).await;
    let traced = trace(&p, hash, call_tracer(json!({}))).await;
    let created = factory.create2(salt, alloy_primitives::keccak256(&code));
    assert_eq!(traced["calls"][0]["type"], "CREATE2");
    assert_eq!(lower(&traced["calls"][0]["to"]), key(created));
    assert_eq!(traced["calls"][0]["input"], json!(Bytes::from(code)));
}

/// The moves of a mined tx, as `manaflow_getMoves` lists them: (mark, address, slot, prev, next).
async fn moves(p: &alloy_provider::DynProvider, hash: B256) -> Vec<(String, Address, B256, B256, B256)> {
    let listed: Value = rpc(p, "manaflow_getMoves", json!([hash])).await;
    let field = |m: &Value, k: &str| serde_json::from_value::<B256>(m[k].clone()).unwrap();
    listed["moves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let address: Address = serde_json::from_value(m["address"].clone()).unwrap();
            (m["mark"].as_str().unwrap().to_owned(), address, field(m, "slot"), field(m, "prev"), field(m, "next"))
        })
        .collect()
}

/// A storage word of a trace; absent is zero (the diff leaves zero values out, as geth does).
fn word(v: &Value) -> B256 {
    if v.is_null() { B256::ZERO } else { serde_json::from_value(v.clone()).unwrap() }
}

fn quantity(v: &Value) -> U256 {
    serde_json::from_value(v.clone()).unwrap()
}

#[tokio::test]
async fn the_prestate_tracer_agrees_with_the_moves() {
    let Transferred { _devnet, p, token, moved, .. } = transferred().await;
    let hash = moved.transaction_hash;
    let moves = moves(&p, hash).await;

    // Default mode: every account loaded, with its prior values and every slot loaded.
    let pre = trace(&p, hash, json!({"tracer": "prestateTracer"})).await;
    for (mark, address, slot, prev, _) in &moves {
        let account = &pre[key(*address)];
        match mark.as_str() {
            "b" => assert_eq!(quantity(&account["balance"]), U256::from_be_bytes(prev.0), "{address} balance"),
            "n" if !prev.is_zero() => assert_eq!(account["nonce"], json!(U256::from_be_bytes(prev.0).to::<u64>())),
            "s" => assert_eq!(word(&account["storage"][format!("{slot:?}")]), *prev, "{address} slot {slot} in {pre}"),
            _ => {}
        }
    }
    let token_pre = &pre[key(token)];
    assert_eq!(token_pre["code"], json!(artifact("TestToken").deployed));
    let read_slots = moves.iter().filter(|(m, addr, ..)| m == "s" && *addr == token).count();
    assert_eq!(token_pre["storage"].as_object().unwrap().len(), read_slots);

    // Diff mode: exactly the moves that changed something.
    let diff = trace(&p, hash, json!({"tracer": "prestateTracer", "tracerConfig": {"diffMode": true}})).await;
    let (pre, post) = (&diff["pre"], &diff["post"]);
    for (mark, address, slot, prev, next) in moves.iter().filter(|(.., prev, next)| prev != next) {
        let account = key(*address);
        match mark.as_str() {
            "b" => {
                assert_eq!(quantity(&pre[&account]["balance"]), U256::from_be_bytes(prev.0));
                assert_eq!(quantity(&post[&account]["balance"]), U256::from_be_bytes(next.0));
            }
            "n" => assert_eq!(post[&account]["nonce"], json!(U256::from_be_bytes(next.0).to::<u64>())),
            "s" => {
                assert_eq!(word(&pre[&account]["storage"][format!("{slot:?}")]), *prev);
                assert_eq!(word(&post[&account]["storage"][format!("{slot:?}")]), *next);
            }
            other => panic!("a transfer changes no {other} move"),
        }
    }
    let changed_slots = moves.iter().filter(|(m, _, _, prev, next)| m == "s" && prev != next).count();
    let post_slots: usize =
        post.as_object().unwrap().values().map(|acc| acc["storage"].as_object().map_or(0, |s| s.len())).sum();
    assert_eq!(post_slots, changed_slots, "no slot beyond the moves");
    assert!(post[key(token)].get("code").is_none(), "unchanged fields are left out");
}

#[tokio::test]
async fn the_struct_logger_and_its_options() {
    let Transferred { _devnet, p, moved, .. } = transferred().await;
    let hash = moved.transaction_hash;

    let full = trace(&p, hash, json!({})).await;
    assert_eq!(full["failed"], false);
    assert_eq!(full["gas"], json!(moved.gas_used));
    assert_eq!(full["returnValue"], json!(B256::from(U256::from(1u64))));
    let logs = full["structLogs"].as_array().unwrap();
    assert!(logs.len() > 100, "every step of an ERC20 transfer");
    assert_eq!(logs[0]["op"], "PUSH1");
    assert_eq!(logs[0]["pc"], 0);
    assert_eq!(logs[0]["depth"], 1);
    assert!(logs[0].get("memory").is_none(), "memory only when asked");
    let sstore = logs.iter().find(|l| l["op"] == "SSTORE").expect("the balance write");
    assert!(sstore["storage"].as_object().is_some_and(|s| !s.is_empty()));
    assert!(sstore["stack"].as_array().is_some_and(|s| s.len() >= 2));
    assert_eq!(logs.last().unwrap()["op"], "RETURN");

    let slim = trace(&p, hash, json!({"disableStack": true, "disableStorage": true, "limit": 10})).await;
    let slim_logs = slim["structLogs"].as_array().unwrap();
    assert_eq!(slim_logs.len(), 10);
    assert!(slim_logs.iter().all(|l| l.get("stack").is_none() && l.get("storage").is_none()));

    let rich = trace(&p, hash, json!({"enableMemory": true, "enableReturnData": true})).await;
    let rich_logs = rich["structLogs"].as_array().unwrap();
    assert_eq!(rich_logs.len(), logs.len());
    assert!(rich_logs.iter().any(|l| l["memory"].as_array().is_some_and(|m| !m.is_empty())));
}

#[tokio::test]
async fn four_byte_flat_and_noop_tracers() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let token = deploy_token(&p, a).await;
    let forwarder = deploy(&p, a, artifact("Forwarder").bytecode).await;
    let transfer = ITestToken::transferCall { to: b, value: U256::from(1u64) }.abi_encode();
    let input = IForward::forwardCall { target: token, data: transfer.into() }.abi_encode();
    let hash = send_input(&p, a, forwarder, input).await;

    let four: Value = trace(&p, hash, json!({"tracer": "4byteTracer"})).await;
    assert_eq!(four, json!({"0x6fadcf72-192": 1, "0xa9059cbb-64": 1}));
    let noop: Value = trace(&p, hash, json!({"tracer": "noopTracer"})).await;
    assert_eq!(noop, json!({}));
    let flat: Value = trace(&p, hash, json!({"tracer": "flatCallTracer"})).await;
    let flat = flat.as_array().expect("a list of calls");
    assert_eq!(flat.len(), 2);
    assert_eq!(flat[0]["traceAddress"], json!([]));
    assert_eq!(flat[1]["traceAddress"], json!([0]));
    assert_eq!(lower(&flat[1]["action"]["to"]), key(token));
    assert_eq!(flat[0]["transactionHash"], json!(hash));

    let refused = rpc_err(&p, "debug_traceTransaction", json!([hash, {"tracer": "function() {}"}])).await;
    assert_eq!(refused.code, -32602);
    assert!(refused.message.contains("JavaScript tracers are not supported"), "{refused:?}");
    let unknown = rpc_err(&p, "debug_traceTransaction", json!([B256::repeat_byte(3), {}])).await;
    assert!(unknown.message.contains("not found"), "{unknown:?}");
}

#[tokio::test]
async fn trace_call_runs_with_state_and_block_overrides() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let token = deploy_token(&p, a).await;
    let balance_of = Bytes::from(ITestToken::balanceOfCall { account: b }.abi_encode());
    let slot = erc20_balance_slot(b);
    let options = json!({
        "tracer": "callTracer",
        "stateOverrides": {(token.to_string()): {"stateDiff": {(slot.to_string()): B256::from(U256::from(99u64))}}},
    });
    let traced: Value =
        rpc(&p, "debug_traceCall", json!([{"from": a, "to": token, "data": balance_of}, "latest", options])).await;
    assert_eq!(traced["output"], json!(B256::from(U256::from(99u64))));
    assert_eq!(traced["type"], "CALL");

    let context = deploy(&p, a, artifact("BlockContext").bytecode).await;
    let live = Bytes::from(IBlockContext::liveCall {}.abi_encode());
    let options = json!({"tracer": "callTracer", "blockOverrides": {"number": "0x4d2"}});
    let traced: Value =
        rpc(&p, "debug_traceCall", json!([{"from": a, "to": context, "data": live}, "latest", options])).await;
    let out: Bytes = serde_json::from_value(traced["output"].clone()).unwrap();
    assert_eq!(U256::from_be_slice(&out[..32]), U256::from(1234u64), "the overridden block number");

    // The struct logger by default.
    let plain: Value = rpc(&p, "debug_traceCall", json!([{"from": a, "to": token, "data": balance_of}])).await;
    assert!(plain["structLogs"].as_array().is_some_and(|l| !l.is_empty()));
}

#[tokio::test]
async fn block_tracers_list_the_listed_txs_only() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let _: Value = rpc(&p, "evm_setAutomine", json!([false])).await;
    // A cheat rides in the next block as its tx 0, which no tracer lists.
    let _: Value =
        rpc(&p, "anvil_setBalance", json!([B256::repeat_byte(1).to_string()[..42].to_string(), "0x1"])).await;
    let mut hashes = Vec::new();
    for value in [1u64, 2] {
        let tx = json!({"from": a, "to": b, "value": format!("{value:#x}")});
        hashes.push(rpc::<B256>(&p, "eth_sendTransaction", json!([tx])).await);
    }
    let _: Value = rpc(&p, "evm_mine", json!([])).await;
    let number = block_number(&p).await;
    let by_number: Value =
        rpc(&p, "debug_traceBlockByNumber", json!([format!("{number:#x}"), {"tracer": "callTracer"}])).await;
    let results = by_number.as_array().unwrap();
    assert_eq!(results.len(), 2);
    for (result, hash) in results.iter().zip(&hashes) {
        assert_eq!(result["txHash"], json!(hash));
        assert_eq!(result["result"]["type"], "CALL");
        assert_eq!(lower(&result["result"]["to"]), key(b));
    }
    assert_eq!(results[1]["result"]["value"], "0x2");
    let block = p.get_block_by_number(number.into()).await.unwrap().unwrap();
    let by_hash: Value = rpc(&p, "debug_traceBlockByHash", json!([block.header.hash, {"tracer": "callTracer"}])).await;
    assert_eq!(by_hash, by_number);
    let flat: Value =
        rpc(&p, "debug_traceBlockByNumber", json!([format!("{number:#x}"), {"tracer": "flatCallTracer"}])).await;
    assert_eq!(flat[1]["result"][0]["transactionPosition"], 1, "positions count listed txs only");
}

#[tokio::test]
async fn a_wasm_contract_called_from_the_evm_appears_as_a_call_with_its_host_ops() {
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let token = deploy(&p, a, wasm_artifact("erc20")).await;
    let forwarder = deploy(&p, a, artifact("Forwarder").bytecode).await;
    // Alice gives the forwarder some tokens, which it sends on to Bob.
    let fund = ITestToken::transferCall { to: forwarder, value: U256::from(10u64) }.abi_encode();
    let funded = send_input(&p, a, token, fund).await;
    let transfer = ITestToken::transferCall { to: b, value: U256::from(3u64) }.abi_encode();
    let input = IForward::forwardCall { target: token, data: transfer.clone().into() }.abi_encode();
    let hash = send_input(&p, a, forwarder, input).await;

    let traced = trace(&p, hash, call_tracer(json!({"withLog": true}))).await;
    let inner = &traced["calls"][0];
    assert_eq!(inner["type"], "CALL");
    assert_eq!(lower(&inner["to"]), key(token));
    assert_eq!(inner["input"], json!(Bytes::from(transfer)));
    assert_eq!(inner["output"], json!(B256::from(U256::from(1u64))));
    assert!(quantity(&inner["gasUsed"]) > U256::ZERO);
    assert_eq!(inner["logs"][0]["topics"][0], json!(alloy_primitives::keccak256("Transfer(address,address,uint256)")));

    // The WASM frame's host ops appear in the struct log as the instructions they mirror.
    let steps = trace(&p, funded, json!({})).await;
    let ops: Vec<&str> = steps["structLogs"].as_array().unwrap().iter().map(|l| l["op"].as_str().unwrap()).collect();
    assert!(ops.contains(&"SLOAD") && ops.contains(&"SSTORE") && ops.contains(&"LOG3"), "{ops:?}");
}

#[tokio::test]
async fn the_model_trace_lists_each_access_with_the_move_it_became() {
    let Transferred { _devnet, p, token, moved, .. } = transferred().await;
    let traced: Value = rpc(&p, "manaflow_traceTransaction", json!([moved.transaction_hash])).await;
    assert_eq!(traced["reproduced"], true);
    assert_eq!(traced["kind"], "ethereum");
    let moves = traced["moves"].as_array().unwrap();
    let steps = traced["steps"].as_array().unwrap();
    assert_eq!(steps[0]["op"], "TX");
    assert_eq!(steps[0]["touch"]["kind"], "call");

    // Each storage access points at the move of its slot; the first touch of each is marked once.
    let storage: Vec<&Value> = steps.iter().filter(|s| s["op"] == "SLOAD" || s["op"] == "SSTORE").collect();
    assert!(storage.len() >= 4, "two balances read and written: {storage:?}");
    for step in &storage {
        let at = step["move"].as_u64().expect("a storage access became a move") as usize;
        assert_eq!(moves[at]["mark"], "s");
        assert_eq!(moves[at]["slot"], step["touch"]["slot"]);
        assert_eq!(lower(&moves[at]["address"]), key(token));
    }
    let first_touches = storage.iter().filter(|s| s["firstTouch"] == true).count();
    let storage_moves = moves.iter().filter(|m| m["mark"] == "s").count();
    assert_eq!(first_touches, storage_moves, "each slot's move is first touched once");
    let write = storage.iter().find(|s| s["op"] == "SSTORE").unwrap();
    assert_eq!(
        moves[write["move"].as_u64().unwrap() as usize]["next"],
        write["touch"]["value"],
        "the last write is the move's next"
    );
    let log = steps.iter().find(|s| s["touch"]["kind"] == "log").expect("the Transfer event");
    assert_eq!(log["op"], "LOG3");
    assert_eq!(log["move"], Value::Null, "a log makes no move");
}
