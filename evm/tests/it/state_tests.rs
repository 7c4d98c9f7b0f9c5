//! Ethereum's official state tests (the selection in `evm/tests/ethereum-tests/`, Cancun): each
//! entry executed from its pre-state gives moves whose application equals revm's own post-state
//! (coinbase aside: fees are burned here), with the expected logs hash; and stateless
//! re-execution against the declared moves reproduces them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use manaflow_evm::{EvmRuntime, EvmVerifier, ExecError, Execution, Hardfork, Runtime, decode_signed, outcome_of};
use manaflow_ledger::{compact_block, expand_block};
use manaflow_types::{
    Block, ChainContext, CodeSource, CompactBlock, DeclaredView, EthereumTx, Header, MapView, Output, StateKey, Tx,
    TxLoc, names_a_tx,
};
use revm::context::CfgEnv;
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::eip4844::BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN;
use revm::primitives::hardfork::SpecId;
use revm::state::{AccountInfo, Bytecode};
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext};
use serde_json::Value;

/// Entries whose pre-state puts storage on an account with neither nonce nor code: DESIGN §2
/// rules such state out.
const RULED_OUT: [&str; 2] = ["create2collisionStorage", "RevertPrecompiledTouch_storage"];

/// BLOCKHASH as the state-test fillers define it (and revm's empty database answers).
struct TestChain;
impl ChainContext for TestChain {
    fn block_hash(&self, number: u64) -> Option<B256> {
        Some(keccak256(number.to_string().as_bytes()))
    }
    fn dev_mode(&self) -> bool {
        false
    }
}

/// The selection, committed with the crate (its README names the source commit).
fn tests_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/ethereum-tests");
    assert!(dir.join("manifest.json").exists(), "the state tests are expected in {}", dir.display());
    dir
}

fn hex_u256(v: &Value) -> U256 {
    v.as_str().and_then(|s| U256::from_str_radix(s.trim_start_matches("0x"), 16).ok()).unwrap_or_default()
}

fn hex_u64(v: &Value) -> u64 {
    hex_u256(v).to::<u64>()
}

fn hex_bytes(v: &Value) -> Bytes {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or_default()
}

/// One account of a pre- or post-state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Account {
    balance: U256,
    nonce: u64,
    code_hash: B256,
    storage: BTreeMap<U256, U256>,
}

const GENESIS: B256 = B256::repeat_byte(0x9e);

fn header_of(env: &Value) -> Header {
    let excess = hex_u64(&env["currentExcessBlobGas"]);
    let blob = BlobExcessGasAndPrice::new(excess, BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN);
    Header {
        number: hex_u64(&env["currentNumber"]),
        timestamp: hex_u64(&env["currentTimestamp"]),
        base_fee: hex_u64(&env["currentBaseFee"]),
        blob_base_fee: blob.blob_gasprice as u64,
        coinbase: env["currentCoinbase"].as_str().unwrap().parse().unwrap(),
        gas_limit: hex_u64(&env["currentGasLimit"]),
        prevrandao: env["currentRandom"].as_str().map(|s| s.parse().unwrap()).unwrap_or_default(),
        chain_id: 1,
        ..Header::default()
    }
}

/// The pre-state as our view (every non-zero value an output of a genesis tx) and as revm's.
fn pre_state(pre: &Value) -> (MapView, CacheDB<EmptyDB>) {
    let mut view = MapView::default();
    let mut db = CacheDB::new(EmptyDB::default());
    let out = |v: B256| Output { intx: if v.is_zero() { B256::ZERO } else { GENESIS }, value: v };
    for (address, account) in pre.as_object().unwrap() {
        let address: Address = address.parse().unwrap();
        let balance = hex_u256(&account["balance"]);
        let nonce = hex_u64(&account["nonce"]);
        let code = hex_bytes(&account["code"]);
        let code_hash = if code.is_empty() { B256::ZERO } else { keccak256(&code) };
        view.outputs.insert(StateKey::balance(address), out(B256::from(balance)));
        view.outputs.insert(StateKey::nonce(address), out(B256::from(U256::from(nonce))));
        view.outputs.insert(StateKey::code(address), out(code_hash));
        if !code.is_empty() {
            view.codes.insert(code_hash, code.clone());
        }
        let info = AccountInfo {
            balance,
            nonce,
            code_hash: keccak256(&code),
            code: Some(Bytecode::new_raw(code)),
            ..AccountInfo::default()
        };
        db.insert_account_info(address, info);
        for (slot, value) in account["storage"].as_object().unwrap() {
            let (slot, value) = (hex_u256(&Value::String(slot.clone())), hex_u256(value));
            view.outputs.insert(StateKey::storage(address, B256::from(slot)), out(B256::from(value)));
            db.insert_account_storage(address, slot, value).unwrap();
        }
    }
    (view, db)
}

fn ours(view: &MapView, address: Address, slots: &BTreeSet<U256>) -> Account {
    let word = |k: StateKey| U256::from_be_bytes(view.value(&k).0);
    let code = view.value(&StateKey::code(address));
    Account {
        balance: word(StateKey::balance(address)),
        nonce: word(StateKey::nonce(address)).to::<u64>(),
        code_hash: code,
        storage: slots
            .iter()
            .map(|s| (*s, word(StateKey::storage(address, B256::from(*s)))))
            .filter(|(_, v)| !v.is_zero())
            .collect(),
    }
}

fn theirs(db: &CacheDB<EmptyDB>, address: Address) -> Account {
    match db.cache.accounts.get(&address) {
        None => Account::default(),
        Some(account) => {
            let info = &account.info;
            let code_hash = if info.code_hash == revm::primitives::KECCAK_EMPTY { B256::ZERO } else { info.code_hash };
            Account {
                balance: info.balance,
                nonce: info.nonce,
                code_hash,
                storage: account.storage.iter().filter(|(_, v)| !v.is_zero()).map(|(k, v)| (*k, *v)).collect(),
            }
        }
    }
}

#[test]
fn ethereum_state_tests_agree_with_revm_and_reexecute() {
    let dir = tests_dir();
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let runtime = EvmRuntime::new(Hardfork::Cancun);
    let (mut checked, mut skipped, mut rejected) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for file in manifest["tests"].as_array().unwrap() {
        let path = dir.join(file["file"].as_str().unwrap());
        let suite: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for (name, unit) in suite.as_object().unwrap() {
            if RULED_OUT.iter().any(|p| name.contains(p)) {
                skipped += unit["post"]["Cancun"].as_array().map_or(0, Vec::len);
                continue;
            }
            let header = header_of(&unit["env"]);
            for (i, entry) in unit["post"]["Cancun"].as_array().unwrap().iter().enumerate() {
                let label = format!("{name}[{i}]");
                match check_entry(&runtime, &unit["pre"], &header, entry) {
                    Ok(true) => checked += 1,
                    Ok(false) => rejected += 1,
                    Err(why) => failures.push(format!("{label}: {why}")),
                }
            }
        }
    }
    eprintln!(
        "state tests: {checked} executed and compared, {rejected} rejected as expected, {skipped} ruled out by DESIGN §2"
    );
    assert!(
        failures.is_empty(),
        "{} of {} entries failed:\n{}",
        failures.len(),
        checked + rejected + failures.len(),
        failures.join("\n")
    );
    assert!(checked > 400, "only {checked} entries ran");
}

/// Checks one entry; `Ok(false)` when the tx is rightly refused before execution.
fn check_entry(runtime: &EvmRuntime, pre: &Value, header: &Header, entry: &Value) -> Result<bool, String> {
    let (mut view, mut db) = pre_state(pre);
    let expects_failure = entry.get("expectException").is_some_and(|e| !e.is_null());
    let raw = hex_bytes(&entry["txbytes"]);
    let signed = match decode_signed(&raw, header.chain_id) {
        Ok(signed) => signed,
        Err(_) if expects_failure => return Ok(false),
        Err(e) => return Err(format!("decoding failed: {e}")),
    };
    let call = signed.call();
    let exec = match runtime.execute(&call, header, &TestChain, &view) {
        Ok(exec) if expects_failure => {
            return Err(format!("executed a tx the test expects to fail: {:?}", exec.status));
        }
        Ok(exec) => exec,
        Err(ExecError::Rejected(_)) if expects_failure => return Ok(false),
        Err(e) => return Err(format!("execution failed: {e}")),
    };
    // revm's own view of the same tx, committed to its cache.
    let mut evm = Context::mainnet()
        .with_db(&mut db)
        .with_cfg(CfgEnv::new_with_spec(SpecId::CANCUN).with_chain_id(header.chain_id))
        .with_block(EvmRuntime::block_env(header))
        .build_mainnet();
    evm.transact_commit(manaflow_evm::tx_env(&call)).map_err(|e| format!("revm refused what we executed: {e}"))?;
    drop(evm);

    // Logs hash: keccak of the RLP list of logs.
    let logs_hash = keccak256(alloy_rlp::encode(&exec.logs));
    let expected_logs: B256 = entry["logs"].as_str().unwrap().parse().unwrap();
    if logs_hash != expected_logs {
        return Err(format!("logs hash {logs_hash} != expected {expected_logs}"));
    }

    // Apply the moves, then compare every account either side knows, coinbase aside.
    let id = signed.hash;
    view.apply(id, &exec.moves);
    for code in &exec.codes {
        view.codes.insert(keccak256(code), code.clone());
    }
    let mut addresses: BTreeSet<Address> = db.cache.accounts.keys().copied().collect();
    addresses.extend(exec.moves.iter().filter(|m| m.mark != manaflow_types::Mark::Context).map(|m| m.addr));
    addresses.remove(&header.coinbase);
    for address in addresses {
        let mut slots: BTreeSet<U256> =
            db.cache.accounts.get(&address).map(|a| a.storage.keys().copied().collect()).unwrap_or_default();
        slots.extend(
            view.outputs
                .keys()
                .filter(|k| k.addr == address && k.mark == manaflow_types::Mark::Storage)
                .map(|k| U256::from_be_bytes(k.slot.0)),
        );
        let (mine, revm) = (ours(&view, address, &slots), theirs(&db, address));
        if mine != revm {
            return Err(format!("account {address} differs:\n  moves give {mine:?}\n  revm gives  {revm:?}"));
        }
    }

    // Stateless re-execution against the declared moves only.
    let (pre_view, _) = pre_state(pre);
    let codes =
        |h: &B256| pre_view.codes.get(h).cloned().or_else(|| exec.codes.iter().find(|c| keccak256(c) == *h).cloned());
    let declared = DeclaredView::new(&exec.moves, &codes);
    let again =
        runtime.execute(&call, header, &TestChain, &declared).map_err(|e| format!("re-execution failed: {e}"))?;
    if again != exec {
        return Err("re-execution against the declared moves gave a different result".into());
    }
    compact_round_trip(runtime, &raw, &exec, header, &Codes(&pre_view, &exec.codes))?;
    Ok(true)
}

/// Code from a state test's pre-state and the code its tx deploys.
struct Codes<'a>(&'a MapView, &'a [Bytes]);

impl CodeSource for Codes<'_> {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.0.codes.get(hash).cloned().or_else(|| self.1.iter().find(|c| keccak256(c) == *hash).cloned())
    }
}

/// DESIGN §10: the tx, as the one tx of a block whose pre-state is genesis (block 0, tx 0),
/// goes to its compact form, to bytes and back, and expands to exactly the same block.
fn compact_round_trip(
    runtime: &EvmRuntime,
    raw: &Bytes,
    exec: &Execution,
    header: &Header,
    codes: &dyn CodeSource,
) -> Result<(), String> {
    if header.number == 0 {
        return Ok(());
    }
    let genesis = TxLoc::new(0, 0);
    let refs = exec.moves.iter().map(|m| if names_a_tx(m) { genesis } else { TxLoc::ZERO }).collect();
    let block = Block {
        header: Header { tx_count: 1, ..header.clone() },
        txs: vec![Tx::Ethereum(EthereumTx { raw: raw.clone(), moves: exec.moves.clone() })],
        outcomes: vec![outcome_of(exec)],
        refs: vec![refs],
    };
    let verifier = EvmVerifier::new(runtime.clone());
    let compact = compact_block(&block, &verifier, codes).map_err(|e| format!("compact form: {e}"))?;
    let decoded = CompactBlock::decode(&compact.encode()).map_err(|e| format!("compact bytes: {e}"))?;
    let mut resolve = |_: &StateKey, at: TxLoc| (at == genesis).then_some(GENESIS);
    let expanded = expand_block(&decoded, &verifier, &TestChain, codes, &mut resolve)
        .map_err(|e| format!("compact expansion: {e}"))?;
    if expanded.block != block {
        return Err("the compact form expanded to a different block".into());
    }
    Ok(())
}
