//! Proofs (DESIGN §9): inclusion and output proofs verify against headers alone; every invalid
//! block the tamper generators make has a fraud proof that a header-only verifier accepts with
//! the validators' rule and position (completeness, checked inside `properties::verdicts`);
//! and nothing built from a valid chain, nor any mutation of it, shows a held block invalid
//! (soundness).

use manaflow_ledger::{MemoryChain, ProofSource, inclusion, output_proof, tx_proof};
use manaflow_types::proof::{self, Evidence, FraudProof, Inclusion, Verdict};
use manaflow_types::{B256, Block, Bytes, Header, Position, Rule, Site, StateKey, U256};
use proptest::prelude::*;
use rand::Rng;
use rand::SeedableRng;
use rand::rngs::SmallRng;

use crate::chains::{ChainGen, TrustDeclared, lthash_after};

/// The fraud proof of the invalid block at `position.block` verifies with `rule` at
/// `position`, also after a round trip through its bytes.
pub fn assert_fraud_proof_agrees(blocks: &[Block], position: Position, rule: Rule) {
    let b = position.block as usize;
    if b == 0 {
        return; // genesis defines the chain: a header-only verifier takes it as given
    }
    let (mut chain, valid) = MemoryChain::validate(&blocks[..b], &TrustDeclared, &mut ());
    valid.expect("the chain before the invalid block validates");
    let proof = chain
        .fraud_proof(&blocks[b], &TrustDeclared)
        .unwrap_or_else(|e| panic!("no fraud proof of {rule} at {position}: {e}"));
    let decoded = FraudProof::decode(&proof.encode()).expect("a proof's bytes decode");
    assert_eq!(decoded, proof);
    let headers = headers(&blocks[..b]);
    match proof::verify(&headers, &decoded, &TrustDeclared) {
        Verdict::BlockInvalid(v) => assert_eq!((v.position, v.rule), (position, rule), "{v}"),
        Verdict::NotProven(why) => {
            panic!("the {} proof of {rule} at {position} does not verify: {why}", proof.evidence.name())
        }
    }
    assert_eq!(chain.blocks().len(), b, "making a proof changes nothing");
}

fn headers(blocks: &[Block]) -> Vec<Header> {
    blocks.iter().map(|b| b.header.clone()).collect()
}

#[test]
fn inclusion_and_output_proofs_verify_against_headers_alone() {
    let chain = ChainGen::new(7).chain(5, 8);
    let (memory, valid) = MemoryChain::validate(&chain, &TrustDeclared, &mut ());
    valid.unwrap();
    let headers = headers(&chain);
    for block in &chain {
        for t in 0..block.txs.len() {
            let p = tx_proof(block, t).unwrap();
            proof::verify_tx_proof(&headers, &p).unwrap();
            assert_eq!(manaflow_types::TxProof::decode(&p.encode()).unwrap(), p);
            let mut moved = p.clone();
            moved.at.index ^= 1;
            assert!(proof::verify_tx_proof(&headers, &moved).is_err(), "a proof at another index verifies");
            let mut other_outcome = p.clone();
            other_outcome.outcome.gas_used += 1;
            assert!(proof::verify_tx_proof(&headers, &other_outcome).is_err(), "a changed outcome verifies");
        }
    }
    let mut proven = 0;
    for (key, out) in crate::chains::forward_outputs(&memory.state) {
        let p = output_proof(&memory, &key).unwrap().expect("a written key has a producer");
        assert_eq!(p.tx.id(), out.intx);
        assert_eq!(proof::verify_output(&headers, &p, &key).unwrap(), out.value);
        proven += 1;
    }
    assert!(proven > 10);
    let never = StateKey::balance(manaflow_types::Address::repeat_byte(0xee));
    assert!(output_proof(&memory, &never).unwrap().is_none(), "never-written state has no producer");
}

/// Proof-shaped evidence built honestly from a valid chain, for every evidence kind.
fn honest_evidence(chain: &[Block], memory: &MemoryChain, rng: &mut SmallRng) -> Vec<FraudProof> {
    let b = rng.random_range(1..chain.len());
    let block = &chain[b];
    let t = rng.random_range(0..block.txs.len());
    let consumer = inclusion(block, t).unwrap();
    let mv = rng.random_range(0..consumer.moves.len().max(1)) as u32;
    let at_ref = |inc: &Inclusion, mv: u32| -> Option<Inclusion> {
        let r = *inc.refs.get(mv as usize)?;
        let m = inc.moves.get(mv as usize)?;
        (!m.intx.is_zero()).then(|| inclusion(&memory.block_of(r.block).ok()?, r.index as usize).ok()).flatten()
    };
    let earlier = {
        let eb = rng.random_range(0..=b);
        let et = rng.random_range(0..chain[eb].txs.len());
        inclusion(&chain[eb], if eb == b { et.min(t.saturating_sub(1)) } else { et }).unwrap()
    };
    let earlier_move = rng.random_range(0..earlier.moves.len().max(1)) as u32;
    let tx_position = Position::of_tx(b as u64, t as u32);
    let move_position = Position::of_move(b as u64, t as u32, mv);
    let rules = [
        Rule::Malformed,
        Rule::Signature,
        Rule::Reexecution,
        Rule::DuplicateTx,
        Rule::UnknownOutput,
        Rule::PrevMismatch,
        Rule::DoubleUse,
        Rule::ReadAfterConsume,
        Rule::BadCommitment,
        Rule::BadHeader,
    ];
    let rule = rules[rng.random_range(0..rules.len())];
    let proof = |position, evidence| FraudProof { header: block.header.clone(), rule, position, evidence };
    vec![
        proof(tx_position, Evidence::Tx { tx: tx_proof(block, t).unwrap(), codes: vec![] }),
        proof(tx_position, Evidence::Duplicate { first: earlier.clone(), second: consumer.clone() }),
        proof(move_position, Evidence::Unknown { consumer: consumer.clone(), mv, named: at_ref(&consumer, mv) }),
        proof(move_position, Evidence::Prev { consumer: consumer.clone(), mv, producer: at_ref(&consumer, mv) }),
        proof(
            move_position,
            Evidence::Conflict { first: earlier, first_move: earlier_move, second: consumer.clone(), second_move: mv },
        ),
        proof(
            Position { block: b as u64, site: manaflow_types::Site::Commitment },
            Evidence::Body {
                txs: block.txs.clone(),
                outcomes: block.outcomes.clone(),
                refs: block.refs.clone(),
                parent_state: Box::new(lthash_after(&chain[..b])),
            },
        ),
        proof(Position { block: b as u64, site: manaflow_types::Site::Header }, Evidence::Header),
    ]
}

/// One random change to a proof's bytes: a flipped bit, a byte set, a cut, or a copied span.
fn mutate(bytes: &[u8], rng: &mut SmallRng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let i = rng.random_range(0..out.len());
    match rng.random_range(0..4) {
        0 => out[i] ^= 1 << rng.random_range(0..8),
        1 => out[i] = rng.random(),
        2 => out.truncate(i),
        _ => {
            let j = rng.random_range(0..out.len());
            let span: Vec<u8> = out[i.min(j)..i.max(j)].to_vec();
            out.splice(i..i, span);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    /// Soundness: evidence built from a valid chain, under any claim and after any of 40 random
    /// mutations of its bytes, never shows a block of that chain invalid.
    #[test]
    fn nothing_built_from_a_valid_chain_shows_its_blocks_invalid(seed in any::<u64>()) {
        let chain = ChainGen::new(seed).chain(4, 6);
        let (memory, valid) = MemoryChain::validate(&chain, &TrustDeclared, &mut ());
        prop_assert!(valid.is_ok());
        let headers = headers(&chain);
        let held: std::collections::HashSet<B256> = headers.iter().map(Header::hash).collect();
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut checked = 0;
        for candidate in honest_evidence(&chain, &memory, &mut rng) {
            // Whatever rule and position it claims, the evidence shows nothing.
            let shown = proof::shown(&headers, &candidate, &TrustDeclared);
            prop_assert!(shown.is_err(), "{} evidence of a valid block shows {shown:?}", candidate.evidence.name());
            let bytes = candidate.encode();
            for _ in 0..40 {
                let Ok(mutated) = FraudProof::decode(&mutate(&bytes, &mut rng)) else { continue };
                checked += 1;
                if let Ok(v) = proof::shown(&headers, &mutated, &TrustDeclared) {
                    prop_assert!(
                        !held.contains(&mutated.header.hash()),
                        "a mutated {} proof shows held block {} invalid: {v}",
                        mutated.evidence.name(),
                        mutated.header.number
                    );
                }
            }
        }
        // Most bit flips land in hashes and words, which still decode: the verifier sees them.
        prop_assert!(checked > 0, "no mutation decoded");
    }
}

#[test]
fn a_proof_of_a_valid_block_is_refused_by_the_maker() {
    let chain = ChainGen::new(3).chain(3, 5);
    let (mut memory, _) = MemoryChain::validate(&chain[..3], &TrustDeclared, &mut ());
    let err = memory.fraud_proof(&chain[3], &TrustDeclared).unwrap_err();
    assert!(err.contains("valid"), "{err}");
}

/// One tampered copy per rule the property tests do not reach (the shape, system-tx, signature,
/// context, duplicate and header rules; re-execution needs a runtime and is checked in the
/// REPL's and the RPC's tests): each is refused alike both ways, and its fraud proof verifies
/// with that rule at that position (`properties::verdicts` checks the proof).
#[test]
fn every_rule_has_a_fraud_proof_that_a_header_only_verifier_accepts() {
    use manaflow_types::{ContextField, Mark, NativeCall, NativeTx, Outcome, SigningKey, SystemTx, Tx, context_key};

    use crate::chains::{plain_outcome, reseal};
    use crate::properties::verdicts;

    let base = ChainGen::new(11).chain(4, 6);
    let last = base.len() - 1;
    let with_tx = |tx: Tx, outcome: Outcome| {
        let mut chain = base.clone();
        chain[last].txs.push(tx);
        chain[last].outcomes.push(outcome);
        reseal(&mut chain, last, None);
        chain
    };
    let at_tx = |chain: &[Block]| Position::of_tx(last as u64, (chain[last].txs.len() - 1) as u32);

    // A system tx that names the wrong position.
    let sys = Tx::System(SystemTx { block: last as u64, index: 0, moves: vec![] });
    let chain = with_tx(sys, Outcome::system());
    assert_eq!(verdicts(&chain), Some((at_tx(&chain), Rule::SystemTx)));

    // A native tx signed for another chain.
    let key = SigningKey::from_bytes(&manaflow_types::keccak256(b"a proofs test key")).unwrap();
    let call = NativeCall {
        chain_id: 1,
        nonce: 0,
        max_priority_fee_per_gas: 1,
        max_fee_per_gas: 1,
        gas_limit: 21_000,
        to: None,
        value: U256::ZERO,
        input: Default::default(),
        open: false,
    };
    let chain = with_tx(Tx::Native(NativeTx::sign(call, vec![], &key)), plain_outcome());
    assert_eq!(verdicts(&chain), Some((at_tx(&chain), Rule::Signature)));

    // A context move that saw another timestamp.
    let ts = context_key(ContextField::Timestamp, 0);
    let seen = B256::from(U256::from(base[last].header.timestamp + 1));
    let x = manaflow_types::Move::read(ts, B256::ZERO, seen);
    let raw = Bytes::from_static(b"a tx that saw another time");
    let chain = with_tx(Tx::Ethereum(manaflow_types::EthereumTx { raw, moves: vec![x] }), plain_outcome());
    let (position, rule) = verdicts(&chain).expect("refused");
    assert_eq!((position.block, rule), (last as u64, Rule::Context), "{position}");

    // A tx already in the chain, and one twice in the block.
    let earlier = base[1].txs[0].clone();
    let chain = with_tx(earlier.clone(), plain_outcome());
    assert_eq!(verdicts(&chain), Some((at_tx(&chain), Rule::DuplicateTx)));
    let mut twice = base.clone();
    let again = twice[last].txs[0].clone();
    twice[last].txs.push(again);
    twice[last].outcomes.push(plain_outcome());
    reseal(&mut twice, last, None);
    assert_eq!(verdicts(&twice), Some((at_tx(&twice), Rule::DuplicateTx)));

    // A header before its parent's time; a tx root that is not the body's.
    let mut early = base.clone();
    early[last].header.timestamp = early[last - 1].header.timestamp - 1;
    reseal(&mut early, last, None);
    assert_eq!(verdicts(&early), Some((Position { block: last as u64, site: Site::Header }, Rule::BadHeader)));
    let mut counted = base.clone();
    counted[last].header.tx_count += 1;
    assert_eq!(verdicts(&counted), Some((Position { block: last as u64, site: Site::Header }, Rule::BadHeader)));
    // A tx root the body does not hash to: the validators refuse the block, but the body is not
    // that header's, so nothing about the header can be proven from it.
    let mut rooted = base.clone();
    rooted[last].header.tx_root = B256::repeat_byte(5);
    let (mut memory, _) = MemoryChain::validate(&rooted[..last], &TrustDeclared, &mut ());
    let err = memory.fraud_proof(&rooted[last], &TrustDeclared).unwrap_err();
    assert!(err.contains("not that header's body"), "{err}");

    // A move's reference list one short (the block's lists no longer match its moves).
    let mut short = base.clone();
    let t = short[last].txs.iter().position(|tx| tx.moves().iter().any(|m| m.mark != Mark::Context)).unwrap();
    short[last].refs[t].pop();
    let refs = short[last].refs.clone();
    let parent = short[last - 1].header.clone();
    let template = short[last].header.clone();
    let (txs, outcomes) = (short[last].txs.clone(), short[last].outcomes.clone());
    short[last] = manaflow_ledger::seal_with_references(
        Some(&parent),
        &template,
        txs,
        outcomes,
        refs,
        &lthash_after(&short[..last]),
    );
    assert_eq!(verdicts(&short), Some((Position::of_tx(last as u64, t as u32), Rule::Malformed)));
}

/// Soundness of body evidence: a valid block's body with one reference list dropped no longer
/// hashes to the header's tx root; claiming a bad header from it proves nothing.
#[test]
fn a_body_that_is_not_the_blocks_proves_nothing_about_its_header() {
    let chain = ChainGen::new(5).chain(3, 5);
    let headers = headers(&chain);
    let b = chain.len() - 1;
    let mut refs = chain[b].refs.clone();
    refs.pop();
    let proof = FraudProof {
        header: chain[b].header.clone(),
        rule: Rule::BadHeader,
        position: Position { block: b as u64, site: manaflow_types::Site::Header },
        evidence: Evidence::Body {
            txs: chain[b].txs.clone(),
            outcomes: chain[b].outcomes.clone(),
            refs,
            parent_state: Box::new(lthash_after(&chain[..b])),
        },
    };
    match proof::verify(&headers, &proof, &TrustDeclared) {
        Verdict::NotProven(why) => assert!(why.contains("not this block's"), "{why}"),
        Verdict::BlockInvalid(v) => panic!("a valid block shown invalid: {v}"),
    }
}
