//! Masked native txs cannot be abused by whoever builds or relays the block. A coordinator that
//! changes a signed field, adds moves to a tx that is not open, drops the sender's nonce move,
//! replays a tx, or fills a value that re-execution contradicts produces a block that both
//! validators refuse, naming the rule; the honest block validates both ways.
//!
//! Each tampered block is re-sealed (roots and commitment recomputed) so that only the model's
//! rules can catch it.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use manaflow::wallet::{Masking, prepare};
use manaflow::{ChainConfig, Node};
use manaflow_evm::{EvmRuntime, EvmVerifier, Hardfork};
use manaflow_ledger::{MemoryChain, positions, seal_block, validate_reverse};
use manaflow_types::{Block, Call, Mark, Mask, Move, NativeTx, Rule, SigningKey, StateKey, Tx};

fn ether(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

fn sign_eth(key: &SigningKey, nonce: u64, to: Option<Address>, input: Bytes) -> Bytes {
    let tx = TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 3_000_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: to.map_or(TxKind::Create, TxKind::Call),
        value: U256::ZERO,
        input,
        access_list: Default::default(),
    };
    let sig = key.sign_hash(&tx.signature_hash());
    let signed = tx.into_signed(alloy_primitives::Signature::new(sig.r, sig.s, sig.y_parity));
    Bytes::from(TxEnvelope::from(signed).encoded_2718())
}

fn selector(signature: &str) -> Vec<u8> {
    keccak256(signature.as_bytes())[..4].to_vec()
}

/// A node with the Pool deployed by account 0 and account 1 funded by its faucet, and account
/// 1's masked swap built into a block (not committed): the node, the block, the swapper's key.
fn a_block_with_a_masked_swap() -> (Node, Block, SigningKey, Address) {
    let mut node = Node::open(ChainConfig::default()).expect("the node opens");
    let deployer = node.accounts()[0].key.clone();
    let swapper = node.accounts()[1].key.clone();
    let path = format!("{}/../examples/contracts/artifacts/Pool.json", env!("CARGO_MANIFEST_DIR"));
    let artifact: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("Pool")).expect("JSON");
    let mut code: Vec<u8> = artifact["bytecode"].as_str().expect("bytecode").parse::<Bytes>().expect("hex").to_vec();
    code.extend_from_slice(&ether(10_000).to_be_bytes::<32>());
    code.extend_from_slice(&ether(10_000).to_be_bytes::<32>());
    node.submit_raw(&sign_eth(&deployer, 0, None, code.into())).expect("the pool deploys");
    let pool = deployer.address().create(0);
    node.submit_raw(&sign_eth(&swapper, 0, Some(pool), selector("faucet()").into())).expect("the faucet pays");

    let mut input = selector("swapAForB(uint256,uint256)");
    input.extend_from_slice(&ether(10).to_be_bytes::<32>());
    input.extend_from_slice(&U256::ZERO.to_be_bytes::<32>());
    let call = Call {
        tx_type: 2,
        caller: swapper.address(),
        to: Some(pool),
        input: input.into(),
        gas_limit: 1_000_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: Some(1_000_000_000),
        nonce: 1,
        chain_id: Some(31337),
        ..Call::default()
    };
    let unsigned = prepare(&node, &call, &Masking::Contested(vec![pool]), false).expect("the swap prepares");
    let raw = unsigned.sign(&swapper).encode_2718();
    let admitted = node.admit(&raw).expect("admitted");
    let built = node.build(&node.next_header(), vec![admitted]);
    assert!(built.refused.is_empty(), "{:?}", built.refused);
    (node, built.block, swapper, pool)
}

fn verifier() -> EvmVerifier {
    EvmVerifier::new(EvmRuntime::new(Hardfork::Prague))
}

/// `block` re-sealed on top of `chain` (as a dishonest producer would).
fn reseal(chain: &[Block], block: Block) -> Block {
    let (parent, valid) = MemoryChain::validate(chain, &verifier(), &mut ());
    valid.expect("the chain before validates");
    let header = &chain.last().expect("a parent").header;
    let located = positions(chain);
    let locate = |id: &B256| located.get(id).copied();
    seal_block(Some(header), &block.header, block.txs, block.outcomes, &parent.state.lthash, &locate)
}

/// The rules forward and reverse validation name for `chain` + `block`.
fn verdicts(chain: &[Block], block: &Block) -> (Option<Rule>, Option<Rule>) {
    let mut all = chain.to_vec();
    all.push(block.clone());
    let forward = MemoryChain::validate(&all, &verifier(), &mut ()).1.err().map(|v| v.rule);
    let reverse = validate_reverse(&all, &verifier(), &mut ()).verdict.map(|v| v.rule);
    (forward, reverse)
}

fn native_mut(block: &mut Block) -> &mut NativeTx {
    match &mut block.txs[0] {
        Tx::Native(native) => native,
        other => panic!("expected a native tx, got {}", other.kind_name()),
    }
}

#[test]
fn the_honest_block_validates_both_ways() {
    let (node, block, swapper, pool) = a_block_with_a_masked_swap();
    let chain = node.ledger().blocks().expect("blocks");
    assert_eq!(verdicts(&chain, &block), (None, None));
    let native = match &block.txs[0] {
        Tx::Native(native) => native,
        other => panic!("{}", other.kind_name()),
    };
    assert_eq!(native.recover_sender().expect("recovers"), swapper.address());
    let reserve = native.moves.iter().find(|m| m.addr == pool && m.is_write()).expect("a reserve write");
    assert_eq!(reserve.mask, Mask(Mask::PRESENT), "filled by the coordinator");
}

#[test]
fn changing_a_signed_field_breaks_the_signature() {
    let (node, mut block, swapper, _) = a_block_with_a_masked_swap();
    let chain = node.ledger().blocks().expect("blocks");
    let native = native_mut(&mut block);
    let own = native.moves.iter_mut().find(|m| m.addr == swapper.address() && m.mark == Mark::Balance).expect("a move");
    assert!(own.mask.signs(Mask::PREV));
    own.prev = B256::from(U256::from_be_bytes(own.prev.0) + U256::from(1u64));
    assert_eq!(verdicts(&chain, &reseal(&chain, block)), (Some(Rule::Signature), Some(Rule::Signature)));
}

#[test]
fn adding_a_move_to_a_tx_that_is_not_open_is_refused() {
    let (node, mut block, _, _) = a_block_with_a_masked_swap();
    let chain = node.ledger().blocks().expect("blocks");
    let native = native_mut(&mut block);
    assert!(!native.call.open);
    let extra = Move::read(StateKey::balance(Address::repeat_byte(0xee)), B256::ZERO, B256::ZERO);
    native.moves.push(extra);
    manaflow_types::sort_canonical(&mut native.moves);
    assert_eq!(verdicts(&chain, &reseal(&chain, block)), (Some(Rule::Signature), Some(Rule::Signature)));
}

#[test]
fn dropping_the_senders_nonce_move_is_refused() {
    let (node, mut block, swapper, _) = a_block_with_a_masked_swap();
    let chain = node.ledger().blocks().expect("blocks");
    let native = native_mut(&mut block);
    native.moves.retain(|m| m.key() != StateKey::nonce(swapper.address()));
    assert_eq!(verdicts(&chain, &reseal(&chain, block)), (Some(Rule::Signature), Some(Rule::Signature)));
}

#[test]
fn filling_a_value_re_execution_contradicts_is_refused() {
    let (node, mut block, _, pool) = a_block_with_a_masked_swap();
    let chain = node.ledger().blocks().expect("blocks");
    let native = native_mut(&mut block);
    // The reserve's next is masked: the signature still holds, re-execution does not.
    let reserve = native.moves.iter_mut().find(|m| m.addr == pool && m.is_write()).expect("a reserve write");
    reserve.next = B256::from(U256::from_be_bytes(reserve.next.0) + U256::from(1u64));
    let tampered = reseal(&chain, block);
    let native = match &tampered.txs[0] {
        Tx::Native(native) => native,
        other => panic!("{}", other.kind_name()),
    };
    assert!(native.recover_sender().is_ok(), "the masked field is outside the signature");
    assert_eq!(verdicts(&chain, &tampered), (Some(Rule::Reexecution), Some(Rule::Reexecution)));
}

#[test]
fn replaying_a_native_tx_is_refused() {
    let (mut node, block, _, _) = a_block_with_a_masked_swap();
    let replayed = block.txs[0].clone();
    let outcome = block.outcomes[0].clone();
    node.commit(&block, &[]).expect("the honest block commits");
    let chain = node.ledger().blocks().expect("blocks");
    let header = node.next_header();
    let again = Block { header, txs: vec![replayed], outcomes: vec![outcome], refs: vec![] };
    let (forward, reverse) = verdicts(&chain, &reseal(&chain, again));
    assert_eq!((forward, reverse), (Some(Rule::DuplicateTx), Some(Rule::DuplicateTx)));
    // And the coordinator refuses to sequence it again: its nonce is spent.
    let raw = match &block.txs[0] {
        Tx::Native(native) => NativeTx { moves: native.moves.clone(), ..native.clone() }.encode_2718(),
        other => panic!("{}", other.kind_name()),
    };
    let admitted = node.admit(&raw).expect("it still decodes and recovers");
    let built = node.build(&node.next_header(), vec![admitted]);
    assert_eq!(built.refused.len(), 1, "a replay is refused at sequencing");
    assert!(built.refused[0].1.to_string().contains("nonce too low"), "{}", built.refused[0].1);
}
