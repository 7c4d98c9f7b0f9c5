//! The fuzz targets: every decoder of untrusted bytes the devnet has (Ethereum and native tx
//! envelopes, blocks, headers, moves, JSON-RPC requests and the params of every method, WASM
//! deployments, state dumps, inclusion and fraud proofs, compact blocks, batches) and one
//! differential target (forward and reverse validation of a mutated block must agree). Each
//! target takes any bytes and must return without panicking; where a decoder accepts, what it
//! decoded must encode back to what decodes the same.
//!
//! `cargo test -p manaflow-fuzz` replays each target's committed corpus (`corpus/<target>/`);
//! `afl/` runs the same targets under AFL++ for coverage-guided runs (`scripts/fuzz.sh`).

pub mod chain;

use manaflow_types::block::{decode_header, encode_header};
use manaflow_types::{Block, NativeTx, Tx, decode_moves, encode_moves};
use serde_json::Value;

/// A fuzz target: its name (its corpus directory) and what it runs on one input.
pub struct Target {
    /// The name, as `scripts/fuzz.sh` and `corpus/` know it.
    pub name: &'static str,
    /// Runs one input.
    pub run: fn(&[u8]),
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target { name: "eth_envelope", run: eth_envelope },
    Target { name: "native_envelope", run: native_envelope },
    Target { name: "block", run: block },
    Target { name: "header", run: header },
    Target { name: "moves", run: moves },
    Target { name: "rpc_request", run: rpc_request },
    Target { name: "wasm_deploy", run: wasm_deploy },
    Target { name: "state_dump", run: state_dump },
    Target { name: "forward_reverse", run: forward_reverse },
    Target { name: "proof", run: proof },
    Target { name: "compact", run: compact },
    Target { name: "batch", run: batch },
];

/// The target named `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// An Ethereum envelope as `eth_sendRawTransaction` reads it (type, fields, signature, chain
/// id, sender recovery); a decoded envelope encodes back to the same bytes.
pub fn eth_envelope(data: &[u8]) {
    let _ = manaflow_evm::decode_on_chain(data, 31337, true);
    if let Ok(envelope) = manaflow_evm::decode_envelope(data) {
        use alloy_eips::eip2718::Encodable2718;
        let again = envelope.encoded_2718();
        let decoded = manaflow_evm::decode_envelope(&again).expect("an encoded envelope decodes");
        assert_eq!(decoded, envelope, "an envelope survives encoding");
    }
}

/// A native tx envelope, with its sender recovered; one that decodes encodes back to the same
/// bytes.
pub fn native_envelope(data: &[u8]) {
    if let Ok(tx) = NativeTx::decode_2718(data) {
        let _ = tx.recover_sender();
        assert_eq!(tx.encode_2718(), data, "a native tx decodes only from its canonical bytes");
    }
}

/// A block as the block store and a peer hand it over; one that decodes encodes back to the
/// same bytes.
pub fn block(data: &[u8]) {
    if let Ok(block) = Block::decode(data) {
        assert_eq!(block.encode(), data, "a block decodes only from its canonical bytes");
        for tx in &block.txs {
            assert_eq!(Tx::decode(&tx.encode()).as_ref(), Ok(tx), "a tx survives encoding");
        }
    }
}

/// A header's RLP; one that decodes encodes back to the same header.
pub fn header(data: &[u8]) {
    if let Ok(header) = decode_header(data) {
        assert_eq!(decode_header(&encode_header(&header)), Ok(header), "a header survives encoding");
    }
}

/// Moves back to back; what decodes encodes back to the same bytes.
pub fn moves(data: &[u8]) {
    if let Ok(moves) = decode_moves(data) {
        assert_eq!(encode_moves(&moves), data, "moves decode only from their canonical bytes");
    }
}

/// A JSON-RPC body (a request or a batch): each request object read as the server reads it,
/// and its params as its method takes them (every method of every family).
pub fn rpc_request(data: &[u8]) {
    let Ok(body) = serde_json::from_slice::<Value>(data) else { return };
    let requests = match body {
        Value::Array(requests) => requests,
        request => vec![request],
    };
    for request in requests {
        if let Ok(request) = manaflow::rpc::Request::read(request) {
            let _ = manaflow::rpc::methods::check_params(&request.method, request.params);
        }
    }
}

/// A WASM deployment (module ‖ constructor arguments) as a create tx carries it: checked
/// (compiled, exports, trailing sections) or refused.
pub fn wasm_deploy(data: &[u8]) {
    if data.starts_with(b"\0asm") {
        let _ = manaflow_wasm::WasmVm::check_deploy(data);
    }
}

/// A state dump as `anvil_loadState` and `--load-state` read it (gzip or plain JSON), and the
/// writes loading it would make.
pub fn state_dump(data: &[u8]) {
    if let Ok(dump) = manaflow::dump::StateDump::decode(data) {
        let _ = dump.writes();
    }
}

/// A block of a small valid chain replaced by the input (and re-sealed when the input's first
/// byte is odd, so that the rules on moves are reached): forward and reverse validation give
/// the same verdict, at the same position.
pub fn forward_reverse(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else { return };
    let Ok(block) = Block::decode(rest) else { return };
    let chain = chain::with_last(block, flags & 1 == 1);
    let (forward, reverse) = chain::verdicts(&chain);
    assert_eq!(forward, reverse, "forward and reverse validation disagree");
}

/// A fraud proof or a tx proof as `manaflow_verifyFraudProof` and a light client read them: one
/// that decodes encodes back to the same bytes, and is checked against the headers of a small
/// valid chain — where no proof may show one of those blocks invalid (soundness).
pub fn proof(data: &[u8]) {
    use manaflow_types::proof::{self, FraudProof, TxProof};
    let valid = chain::valid();
    let headers: Vec<manaflow_types::Header> = valid.iter().map(|b| b.header.clone()).collect();
    if let Ok(fraud) = FraudProof::decode(data) {
        assert_eq!(fraud.encode(), data, "a proof decodes only from its canonical bytes");
        let _ = proof::verify(&headers, &fraud, &manaflow_test_utils::TrustDeclared);
        // Whatever the proof claims, its evidence may show no block of the valid chain invalid.
        if let Ok(v) = proof::shown(&headers, &fraud, &manaflow_test_utils::TrustDeclared) {
            let hash = fraud.header.hash();
            assert!(
                !headers.iter().any(|h| h.hash() == hash),
                "a proof shows valid block {} invalid: {v}",
                fraud.header.number
            );
        }
    }
    if let Ok(tx) = TxProof::decode(data) {
        assert_eq!(tx.encode(), data, "a tx proof decodes only from its canonical bytes");
        let _ = proof::verify_tx_proof(&headers, &tx);
    }
}

/// A compact block (DESIGN §10) as a validator receiving one reads it: one that decodes is its
/// canonical bytes, and expanding it — every tx re-executed in the EVM against its witness, on a
/// chain that answers an id at every earlier position — gives an answer, never a panic.
pub fn compact(data: &[u8]) {
    use manaflow_types::{CompactBlock, StateKey, TxLoc};
    let Ok(block) = CompactBlock::decode(data) else { return };
    assert_eq!(block.encode(), data, "a compact block decodes only from its canonical bytes");
    let verifier = manaflow_evm::EvmVerifier::new(manaflow_evm::EvmRuntime::new(manaflow_evm::Hardfork::Prague));
    let mut resolve = |_: &StateKey, at: TxLoc| Some(manaflow_types::keccak256(at.to_bytes()));
    if let Ok(expanded) = manaflow_ledger::expand_block(&block, &verifier, &NoChain, &NoChain, &mut resolve) {
        assert_eq!(expanded.block.txs.len(), block.txs.len(), "every tx expands");
        assert_eq!(expanded.block.header, block.header);
    }
}

/// A batch (DESIGN §11) as a validator running apart reads one: one that decodes is within its
/// bounds, each item that decoded encodes back to itself, and the batch encodes back to those
/// items alone (a malformed item is left out), with the same origin and target.
pub fn batch(data: &[u8]) {
    use manaflow_types::batch::{MAX_BATCH_TXS, MAX_ORIGIN_BYTES};
    use manaflow_types::{Batch, BatchTx};
    let Ok(batch) = Batch::decode(data) else { return };
    assert!(batch.txs.len() <= MAX_BATCH_TXS, "a batch holds at most {MAX_BATCH_TXS} txs");
    assert!(batch.origin.len() <= MAX_ORIGIN_BYTES, "an origin holds at most {MAX_ORIGIN_BYTES} bytes");
    let items: Vec<BatchTx> = batch.txs.iter().flatten().cloned().collect();
    for item in &items {
        assert_eq!(BatchTx::decode(&item.encode()).as_ref(), Ok(item), "a batch item survives encoding");
    }
    let again = Batch::decode(&batch.encode()).expect("an encoded batch decodes");
    assert_eq!(again, Batch::new(batch.origin, batch.target, items), "a batch encodes its decoded items alone");
}

/// A chain with no blocks before the one read and an empty code table.
struct NoChain;

impl manaflow_types::ChainContext for NoChain {
    fn block_hash(&self, _: u64) -> Option<manaflow_types::B256> {
        None
    }
    fn dev_mode(&self) -> bool {
        true
    }
}

impl manaflow_types::CodeSource for NoChain {
    fn code(&self, _: &manaflow_types::B256) -> Option<manaflow_types::Bytes> {
        None
    }
}
