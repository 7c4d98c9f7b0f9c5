//! `manaflow_` proof methods (DESIGN §9): headers for a light client to follow, inclusion
//! proofs of txs and outputs, and fraud proofs of blocks this node refuses, made and checked.

use alloy_primitives::{Address, B256, Bytes, U64, U256};
use manaflow_ledger::{Ledger, output_proof};
use manaflow_types::proof::{self, FraudProof, HeaderChain, TxProof, Verdict};
use manaflow_types::{Block, Header, Mark, StateView};
use serde_json::{Value, json};

use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::error::RpcError;
use crate::rpc::model::{key_of, move_json};

/// Most headers one `manaflow_getHeaders` call returns.
pub const MAX_HEADERS: u64 = 1024;

/// The node's committed headers, as a verifier holds them.
pub struct NodeHeaders<'a>(pub &'a Node);

impl HeaderChain for NodeHeaders<'_> {
    fn header(&self, number: u64) -> Option<Header> {
        self.0.ledger().header(number).ok().flatten()
    }
    fn hash(&self, number: u64) -> Option<B256> {
        manaflow_types::ChainContext::block_hash(self.0.ledger(), number)
    }
}

/// `manaflow_getHeaders`: up to [`MAX_HEADERS`] headers from `from`, each as its RLP bytes (its
/// keccak is the block hash) and its fields.
pub fn get_headers(_rpc: &Rpc, node: &Node, from: U64, count: U64) -> Result<Value, RpcError> {
    headers(node.ledger(), from, count)
}

/// [`get_headers`] from a ledger (a validator's or a node's).
pub fn headers(ledger: &Ledger, from: U64, count: U64) -> Result<Value, RpcError> {
    let (from, count) = (from.to::<u64>(), count.to::<u64>());
    if count > MAX_HEADERS {
        return Err(RpcError::invalid_params(format!(
            "param 2 (count): {count} headers; at most {MAX_HEADERS} a call"
        )));
    }
    let end = from.saturating_add(count).min(ledger.len());
    let mut out = Vec::new();
    for n in from..end {
        let header = ledger.header(n).map_err(RpcError::internal)?.ok_or_else(|| RpcError::internal("a gap"))?;
        out.push(json!({
            "number": n,
            "hash": header.hash(),
            "rlp": Bytes::from(manaflow_types::block::encode_header(&header)),
            "header": header,
        }));
    }
    Ok(Value::Array(out))
}

/// `manaflow_getRawBlock`: a block's canonical bytes (header, txs with their moves, outcomes and
/// references), as a validator receives it.
pub fn get_raw_block(_rpc: &Rpc, node: &Node, number: U64) -> Result<Value, RpcError> {
    raw_block(node.ledger(), number)
}

/// [`get_raw_block`] from a ledger.
pub fn raw_block(ledger: &Ledger, number: U64) -> Result<Value, RpcError> {
    let number = sealed(ledger, number)?;
    Ok(json!(Bytes::from(ledger.block(number).map_err(RpcError::internal)?.encode())))
}

/// `number` if the ledger holds that block; else an error naming the tip.
pub fn sealed(ledger: &Ledger, number: U64) -> Result<u64, RpcError> {
    let number = number.to::<u64>();
    if number >= ledger.len() {
        let tip = ledger.len().saturating_sub(1);
        return Err(RpcError::server(format!("block {number} is not mined yet (the tip is {tip})")));
    }
    Ok(number)
}

/// A tx proof as JSON: where, what, the branches, and its canonical bytes.
pub fn tx_proof_json(proof: &TxProof, header: &Header) -> Value {
    let bytes = proof.encode();
    json!({
        "block": proof.at.block,
        "index": proof.at.index,
        "blockHash": header.hash(),
        "txRoot": header.tx_root,
        "outcomesRoot": header.outcomes_root,
        "txCount": header.tx_count,
        "id": proof.tx.id(),
        "kind": proof.tx.kind_name(),
        "moves": proof.tx.moves().iter().map(move_json).collect::<Vec<_>>(),
        "references": proof.refs,
        "branch": proof.branch,
        "outcome": proof.outcome,
        "outcomeBranch": proof.outcome_branch,
        "bytes": bytes.len(),
        "proof": Bytes::from(bytes),
    })
}

/// `manaflow_getTransactionProof`: the inclusion proof of a mined tx with its outcome (so its
/// receipt's logs are proven too).
pub fn get_transaction_proof(_rpc: &Rpc, node: &Node, tx_hash: B256) -> Result<Value, RpcError> {
    transaction_proof(node.ledger(), tx_hash)
}

/// [`get_transaction_proof`] from a ledger.
pub fn transaction_proof(ledger: &Ledger, tx_hash: B256) -> Result<Value, RpcError> {
    let loc =
        ledger.locate(&tx_hash).ok_or_else(|| RpcError::server(format!("transaction {tx_hash} is not in a block")))?;
    let block = ledger.block(loc.block).map_err(RpcError::internal)?;
    let proof = manaflow_ledger::tx_proof(&block, loc.index as usize).map_err(RpcError::internal)?;
    Ok(tx_proof_json(&proof, &block.header))
}

/// `manaflow_getOutputProof`: the proof of the tx that created the live output of a key — a
/// proof that the value was written, not that it is still live. "No producer" for state never
/// written, or written by a dev cheat that no block holds yet.
pub fn get_output_proof(
    _rpc: &Rpc,
    node: &Node,
    address: Address,
    mark: Mark,
    slot: Option<U256>,
) -> Result<Value, RpcError> {
    let key = key_of(address, mark, slot);
    let committed = node.ledger().output(&key).map_err(RpcError::internal)?;
    let latest = node.tip_view().output(&key).map_err(RpcError::internal)?;
    let no_producer =
        |reason: &str| json!({"key": key.to_string(), "value": latest.value, "producer": null, "reason": reason});
    if latest.intx != committed.intx {
        return Ok(no_producer("written by a dev cheat that no block holds yet; mine a block and ask again"));
    }
    match output_proof(node.ledger(), &key).map_err(RpcError::internal)? {
        None => Ok(no_producer("never written: its value is the implicit zero, which no tx produced")),
        Some(proof) => {
            let header = node.ledger().header(proof.at.block).map_err(RpcError::internal)?.unwrap_or_default();
            Ok(json!({
                "key": key.to_string(),
                "value": committed.value,
                "intx": committed.intx,
                "producer": tx_proof_json(&proof, &header),
                "note": "proves the value was written by this tx; liveness is what a tx that reads it is checked for",
            }))
        }
    }
}

/// A fraud proof as JSON: the rule, where, what it carries, its size and its bytes.
pub fn fraud_proof_json(proof: &FraudProof) -> Value {
    let bytes = proof.encode();
    json!({
        "block": proof.header.number,
        "blockHash": proof.header.hash(),
        "rule": proof.rule.to_string(),
        "position": proof.position.to_string(),
        "evidence": proof.evidence.name(),
        "bytes": bytes.len(),
        "proof": Bytes::from(bytes),
    })
}

/// `manaflow_getFraudProof`: the fraud proof of a block (its canonical bytes) that this node
/// refuses on top of its tip. Nothing changes.
pub fn get_fraud_proof(rpc: &Rpc, raw_block: Bytes) -> Result<Value, RpcError> {
    let block = Block::decode(&raw_block).map_err(|e| RpcError::invalid_params(format!("param 1 (raw block): {e}")))?;
    rpc.coordinator.with_node(|node| {
        let tip = node.tip().clone();
        if block.header.parent_hash != tip.hash() {
            return Err(RpcError::invalid_params(format!(
                "the block's parent {} is not the tip (block {}, {}): a fraud proof is made against the chain it extends",
                block.header.parent_hash,
                tip.number,
                tip.hash()
            )));
        }
        let proof = node.fraud_proof(&block).map_err(RpcError::server)?;
        Ok(fraud_proof_json(&proof))
    })
}

/// `manaflow_verifyFraudProof`: checks a fraud proof with this node's headers alone, as a light
/// client would; says whether it shows its block invalid, and the violation or why not.
pub fn verify_fraud_proof(_rpc: &Rpc, node: &Node, proof: Bytes) -> Result<Value, RpcError> {
    let proof = FraudProof::decode(&proof).map_err(|e| RpcError::invalid_params(format!("param 1 (proof): {e}")))?;
    let runtime = manaflow_evm::EvmVerifier::new(crate::node::chain_runtime(node.config().hardfork));
    let base =
        json!({"block": proof.header.number, "blockHash": proof.header.hash(), "evidence": proof.evidence.name()});
    let mut answer = base;
    match proof::verify(&NodeHeaders(node), &proof, &runtime) {
        Verdict::BlockInvalid(v) => {
            answer["valid"] = json!(true);
            answer["rule"] = json!(v.rule.to_string());
            answer["position"] = json!(v.position.to_string());
            answer["detail"] = json!(v.detail);
        }
        Verdict::NotProven(why) => {
            answer["valid"] = json!(false);
            answer["reason"] = json!(why);
        }
    }
    Ok(answer)
}
