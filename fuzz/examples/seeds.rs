//! Writes the seed corpora under `fuzz/corpus/<target>/` from real inputs: signed Ethereum txs
//! of every type, a signed native tx, the blocks and headers of a devnet that ran them, their
//! moves, a JSON-RPC request for every method, the committed WASM modules, a state dump, the
//! differential target's valid block with tampered copies, and batches (valid, with a malformed
//! item, empty, origins at and past the bound). Run from the repository root:
//!
//! ```text
//! cargo run -p manaflow-fuzz --example seeds
//! ```
//!
//! Deterministic but for the devnet's timestamps; AFL++ grows the corpus from these.

use std::path::{Path, PathBuf};

use alloy_consensus::{SignableTransaction, TxEip1559, TxEip2930, TxEip7702, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip7702::Authorization;
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use manaflow_types::{B256, Mask, Move, NativeCall, NativeTx, SigningKey, StateKey, Tx, encode_moves};

const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn write(root: &Path, target: &str, name: &str, bytes: &[u8]) {
    let dir = root.join(target);
    std::fs::create_dir_all(&dir).expect("the corpus dir");
    std::fs::write(dir.join(name), bytes).expect("a seed written");
}

fn signed<T: SignableTransaction<alloy_primitives::Signature>>(signer: &PrivateKeySigner, tx: T) -> Vec<u8>
where
    TxEnvelope: From<alloy_consensus::Signed<T>>,
{
    let signature = signer.sign_hash_sync(&tx.signature_hash()).expect("signed");
    TxEnvelope::from(tx.into_signed(signature)).encoded_2718()
}

fn eth_envelopes(root: &Path) {
    let signer: PrivateKeySigner = DEV_KEY.parse().expect("the dev key");
    let to = TxKind::Call(Address::repeat_byte(0x22));
    let input = Bytes::from(vec![0xa9, 0x05, 0x9c, 0xbb, 0, 1, 2, 3]);
    let txs = vec![
        signed(
            &signer,
            TxLegacy {
                chain_id: Some(31337),
                nonce: 0,
                gas_price: 2_000_000_000,
                gas_limit: 21_000,
                to,
                value: U256::from(1),
                input: Bytes::new(),
            },
        ),
        signed(
            &signer,
            TxEip2930 {
                chain_id: 31337,
                nonce: 1,
                gas_price: 2_000_000_000,
                gas_limit: 50_000,
                to,
                value: U256::ZERO,
                input: input.clone(),
                access_list: Default::default(),
            },
        ),
        signed(
            &signer,
            TxEip1559 {
                chain_id: 31337,
                nonce: 2,
                gas_limit: 60_000,
                max_fee_per_gas: 3_000_000_000,
                max_priority_fee_per_gas: 1,
                to,
                value: U256::from(7),
                access_list: Default::default(),
                input,
            },
        ),
        signed(
            &signer,
            TxEip1559 {
                chain_id: 31337,
                nonce: 3,
                gas_limit: 200_000,
                max_fee_per_gas: 3_000_000_000,
                max_priority_fee_per_gas: 1,
                to: TxKind::Create,
                value: U256::ZERO,
                access_list: Default::default(),
                input: Bytes::from(vec![0x60, 0x00, 0x60, 0x00, 0xf3]),
            },
        ),
    ];
    let auth = Authorization { chain_id: U256::from(31337), address: Address::repeat_byte(0x33), nonce: 5 };
    let auth_signature = signer.sign_hash_sync(&auth.signature_hash()).expect("signed");
    let delegation = TxEip7702 {
        chain_id: 31337,
        nonce: 4,
        gas_limit: 100_000,
        max_fee_per_gas: 3_000_000_000,
        max_priority_fee_per_gas: 1,
        to: Address::repeat_byte(0x22),
        value: U256::ZERO,
        access_list: Default::default(),
        authorization_list: vec![auth.into_signed(auth_signature)],
        input: Bytes::new(),
    };
    let mut all = txs;
    all.push(signed(&signer, delegation));
    for (i, tx) in all.iter().enumerate() {
        write(root, "eth_envelope", &format!("seed-{i}"), tx);
    }
}

fn native_envelope(root: &Path) {
    let key = SigningKey::from_bytes(&DEV_KEY.parse::<B256>().expect("the dev key")).expect("a key");
    let sender = key.address();
    let call = NativeCall {
        chain_id: 31337,
        nonce: 0,
        max_priority_fee_per_gas: 1,
        max_fee_per_gas: 3_000_000_000,
        gas_limit: 50_000,
        to: Some(Address::repeat_byte(0x22)),
        value: U256::from(5),
        input: Bytes::new(),
        open: true,
    };
    let mut nonce = Move::write(StateKey::nonce(sender), B256::ZERO, B256::ZERO, B256::from(U256::from(1)));
    nonce.mask = Mask(Mask::DEFINED);
    let tx = NativeTx::sign(call, vec![nonce], &key);
    write(root, "native_envelope", "seed-0", &tx.encode_2718());
}

fn rpc_requests(root: &Path) {
    let params = serde_json::json!({
        "address": "0x2222222222222222222222222222222222222222",
        "block": "latest",
        "tx": {"from": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "to": "0x2222222222222222222222222222222222222222", "data": "0x", "gas": "0x5208"},
        "filter": {"fromBlock": "0x0", "toBlock": "latest", "address": "0x2222222222222222222222222222222222222222", "topics": [null]},
        "hash": "0x0000000000000000000000000000000000000000000000000000000000000001",
    });
    for (i, &method) in manaflow::rpc::methods::METHODS.iter().enumerate() {
        let guess = if method.contains("Balance")
            || method.contains("Code")
            || method.contains("Nonce")
            || method.contains("Count")
        {
            serde_json::json!([params["address"], params["block"]])
        } else if method.contains("call")
            || method.contains("Call")
            || method.contains("estimate")
            || method.starts_with("eth_send")
        {
            serde_json::json!([params["tx"], params["block"]])
        } else if method.contains("Logs") || method.contains("Filter") {
            serde_json::json!([params["filter"]])
        } else if method.contains("Hash") || method.contains("Transaction") || method.contains("trace") {
            serde_json::json!([params["hash"]])
        } else {
            serde_json::json!([])
        };
        let request = serde_json::json!({"jsonrpc": "2.0", "id": i, "method": method, "params": guess});
        write(root, "rpc_request", method, request.to_string().as_bytes());
    }
    let batch = serde_json::json!([
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"},
        {"jsonrpc": "2.0", "method": "eth_blockNumber", "params": []},
        {"jsonrpc": "2.0", "id": "x", "method": "anvil_mine", "params": ["0x2", "0x1"]},
    ]);
    write(root, "rpc_request", "batch", batch.to_string().as_bytes());
}

fn chain_seeds(root: &Path) {
    let devnet = manaflow::spawn(manaflow::Config::test()).expect("a devnet");
    let coordinator = devnet.coordinator().clone();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let signer: PrivateKeySigner = DEV_KEY.parse().expect("the dev key");
    for nonce in 0..3u64 {
        let tx = TxEip1559 {
            chain_id: 31337,
            nonce,
            gas_limit: 21_000,
            max_fee_per_gas: 3_000_000_000,
            max_priority_fee_per_gas: 1,
            to: TxKind::Call(Address::repeat_byte(0x44)),
            value: U256::from(nonce + 1),
            access_list: Default::default(),
            input: Bytes::new(),
        };
        let raw = signed(&signer, tx);
        runtime.block_on(coordinator.submit(&raw)).expect("mined");
    }
    let node = coordinator.node();
    for number in 0..=node.height() {
        let block = node.ledger().block(number).expect("a block");
        write(root, "block", &format!("devnet-{number}"), &block.encode());
        write(root, "header", &format!("devnet-{number}"), &manaflow_types::block::encode_header(&block.header));
        let compact = node.ledger().compact(number).expect("a compact block");
        write(root, "compact", &format!("devnet-{number}"), &compact.encode());
        for (i, tx) in block.txs.iter().enumerate() {
            write(root, "moves", &format!("devnet-{number}-{i}"), &encode_moves(tx.moves()));
        }
    }
    drop(node);
    let dump = coordinator.dump_state().expect("a dump");
    write(root, "state_dump", "devnet-gzip", &dump.to_gzip().expect("gzipped"));
    devnet.shutdown();
}

fn differential_seeds(root: &Path) {
    let valid = manaflow_fuzz::chain::valid();
    let last = valid.last().expect("a block").clone();
    let seed = |flags: u8, block: &manaflow_types::Block| [vec![flags], block.encode()].concat();
    write(root, "forward_reverse", "valid", &seed(0, &last));
    write(root, "forward_reverse", "valid-resealed", &seed(1, &last));
    let mut wrong_prev = last.clone();
    if let Tx::Ethereum(tx) = &mut wrong_prev.txs[1] {
        tx.moves[0].prev = B256::repeat_byte(9);
    }
    write(root, "forward_reverse", "wrong-prev", &seed(1, &wrong_prev));
    let mut duplicate = last.clone();
    duplicate.txs.push(duplicate.txs[0].clone());
    duplicate.outcomes.push(duplicate.outcomes[0].clone());
    duplicate.refs.push(duplicate.refs[0].clone());
    write(root, "forward_reverse", "duplicate-tx", &seed(1, &duplicate));
    let mut dropped = last;
    if let Tx::Ethereum(tx) = &mut dropped.txs[2] {
        tx.moves.remove(0);
    }
    dropped.refs[2].remove(0);
    write(root, "forward_reverse", "dropped-move", &seed(1, &dropped));
}

fn wasm_seeds(root: &Path, repo: &Path) {
    let dir = repo.join("examples/wasm/artifacts");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "wasm") {
            let bytes = std::fs::read(&path).expect("a module");
            write(root, "wasm_deploy", &path.file_name().unwrap().to_string_lossy(), &bytes);
        }
    }
}

/// Fraud proofs of the differential target's refused blocks, and tx proofs of its valid ones.
fn proof_seeds(root: &Path) {
    use manaflow_fuzz::chain::{TrustDeclared, valid, with_last};
    let chain = valid();
    let last = chain.last().expect("a block").clone();
    for (b, block) in chain.iter().enumerate() {
        for t in 0..block.txs.len() {
            let proof = manaflow_ledger::tx_proof(block, t).expect("a tx proof");
            write(root, "proof", &format!("tx-{b}-{t}"), &proof.encode());
        }
    }
    let mut wrong_prev = last.clone();
    wrong_prev.txs[1].moves_mut()[0].prev = B256::repeat_byte(9);
    let mut duplicate = last.clone();
    duplicate.txs.push(duplicate.txs[0].clone());
    duplicate.outcomes.push(duplicate.outcomes[0].clone());
    let mut commitment = last.clone();
    commitment.header.commitment = B256::repeat_byte(1);
    for (name, block, reseal) in
        [("prev-mismatch", wrong_prev, true), ("duplicate-tx", duplicate, true), ("bad-commitment", commitment, false)]
    {
        let tampered = with_last(block, reseal);
        let n = tampered.len() - 1;
        let (mut memory, valid) = manaflow_ledger::MemoryChain::validate(&tampered[..n], &TrustDeclared, &mut ());
        valid.expect("the chain before validates");
        let proof = memory.fraud_proof(&tampered[n], &TrustDeclared).expect("a fraud proof");
        write(root, "proof", name, &proof.encode());
    }
}

/// Batches: two items, a malformed item between two good ones, none, and origins at and past
/// the bound.
fn batch_seeds(root: &Path) {
    use manaflow_types::batch::{MAX_ORIGIN_BYTES, encode_items};
    use manaflow_types::{Batch, BatchTx, EthereumTx, Outcome};
    let item = |n: u8| {
        let key = StateKey::balance(Address::repeat_byte(n));
        let tx = Tx::Ethereum(EthereumTx {
            raw: Bytes::from(vec![n; 40]),
            moves: vec![Move::write(key, B256::ZERO, B256::ZERO, B256::with_last_byte(n))],
        });
        BatchTx { tx, outcome: Outcome { success: true, gas_used: 21_000, ..Outcome::default() } }
    };
    write(root, "batch", "two-items", &Batch::new("coordinator-1", 7, vec![item(1), item(2)]).encode());
    let items = [Bytes::from(item(1).encode()), Bytes::from_static(b"\xc1\x80"), Bytes::from(item(3).encode())];
    write(root, "batch", "malformed-item", &encode_items("coordinator-1", 3, &items));
    write(root, "batch", "empty", &Batch::new("coordinator-1", 0, vec![]).encode());
    let origin = "o".repeat(MAX_ORIGIN_BYTES);
    write(root, "batch", "origin-at-bound", &Batch::new(origin.clone(), 1, vec![item(4)]).encode());
    write(root, "batch", "origin-too-long", &encode_items(&format!("{origin}o"), 1, &[]));
}

fn main() {
    let repo: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = repo.join("fuzz/corpus");
    eth_envelopes(&root);
    native_envelope(&root);
    rpc_requests(&root);
    chain_seeds(&root);
    differential_seeds(&root);
    proof_seeds(&root);
    wasm_seeds(&root, &repo);
    batch_seeds(&root);
    println!("seeds written under {}", root.display());
}
