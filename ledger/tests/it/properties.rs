//! Property tests: random valid chains pass both validators with the same UTXO set and
//! commitments; every single tamper the UTXO rules can see is rejected by both with the same
//! rule at the same position.

use manaflow_ledger::{Output, validate_reverse};
use manaflow_types::{B256, Block, Bytes, EthereumTx, Move, Position, Rule, Site, Tx, TxId, U256};
use proptest::prelude::*;
use rand::Rng;

use crate::chains::{At, ChainGen, TrustDeclared, forward, forward_outputs, position, reseal, utxo_moves};

fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

/// Both validators' verdicts (forward on both of its paths), asserted equal.
pub(crate) fn verdicts(blocks: &[Block]) -> Option<(Position, Rule)> {
    let (_, fwd) = forward(blocks);
    let mut steps = 0usize;
    let (_, observed) =
        manaflow_ledger::MemoryChain::validate(blocks, &TrustDeclared, &mut |_: manaflow_ledger::ForwardStep<'_>| {
            steps += 1
        });
    assert_eq!(
        fwd.as_ref().map(|v| (v.position, v.rule)),
        observed.err().map(|v| (v.position, v.rule)),
        "the parallel UTXO step and the step-by-step one disagree"
    );
    let rev = validate_reverse(blocks, &TrustDeclared, &mut ()).verdict;
    let fwd = fwd.map(|v| (v.position, v.rule));
    let rev = rev.map(|v| (v.position, v.rule));
    assert_eq!(fwd, rev, "forward and reverse validation disagree");
    if let Some((position, rule)) = fwd {
        crate::proofs::assert_fraud_proof_agrees(blocks, position, rule);
    }
    fwd
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn valid_chains_pass_both_ways_with_equal_sets(seed in any::<u64>(), blocks in 1usize..6, txs in 1usize..10) {
        let chain = ChainGen::new(seed).chain(blocks, txs);
        let (memory, fwd) = forward(&chain);
        prop_assert!(fwd.is_none(), "forward rejected a valid chain: {}", fwd.unwrap());
        let rev = validate_reverse(&chain, &TrustDeclared, &mut ());
        prop_assert!(rev.verdict.is_none(), "reverse rejected a valid chain: {}", rev.verdict.unwrap());
        // The tip set rebuilt backwards is the forward validator's set, and every key with an
        // output has its first-use marker.
        let outputs = forward_outputs(&memory.state);
        prop_assert_eq!(&rev.tip, &outputs);
        let keys: Vec<_> = outputs.iter().map(|(k, _)| *k).collect();
        prop_assert_eq!(&rev.markers, &keys);
        prop_assert_eq!(memory.state.size(), 2 * keys.len() as u64);
        // Per-block commitments agree with the headers.
        let headers: Vec<B256> = chain.iter().map(|b| b.header.commitment).collect();
        prop_assert_eq!(rev.commitments, headers);
        // The commitment recomputed from scratch equals the running one.
        let mut from_scratch = manaflow_types::LtHash::new();
        for e in memory.state.set.elements() {
            from_scratch.insert(&e);
        }
        prop_assert_eq!(from_scratch.digest(), memory.state.lthash.digest());
    }

    #[test]
    fn tampering_a_field_of_a_consumed_or_read_move(seed in any::<u64>(), pick in any::<prop::sample::Index>(), field in 0u8..6) {
        let mut maker = ChainGen::new(seed);
        let mut chain = maker.chain(4, 6);
        let moves = utxo_moves(&chain);
        // Tamper a move after genesis (genesis is a system tx whose id covers its moves).
        let candidates: Vec<_> = moves.iter().filter(|(at, _, _)| at.0 > 0).collect();
        prop_assume!(!candidates.is_empty());
        let &&(at, m, _) = pick.get(&candidates);
        let random_word = |maker: &mut ChainGen| B256::from(maker.rng().random::<[u8; 32]>());
        let mut tampered = m;
        let expected: Option<Rule> = match field {
            0 => { tampered.intx = random_word(&mut maker); Some(Rule::UnknownOutput) }
            1 => {
                // prev of a consume or of a read: the output holds something else.
                loop {
                    tampered.prev = random_word(&mut maker);
                    if m.mark == manaflow_types::Mark::Nonce {
                        // Nonces fit in u64; a wider one is malformed, not a mismatch.
                        tampered.prev = B256::from(U256::from(maker.rng().random::<u64>()));
                    }
                    if tampered.prev != m.prev && tampered.prev != m.next { break; }
                }
                Some(Rule::PrevMismatch)
            }
            2 if m.is_write() => {
                // next of a write: invisible to the UTXO rules unless someone depends on it, and
                // then the dependant finds a different value.
                tampered.next = random_word(&mut maker);
                None
            }
            2 => {
                // next of a read turns it into a consume of a still-live output: valid there,
                // but any later claim on that output now comes after its consumption.
                tampered.next = random_word(&mut maker);
                None
            }
            3 => { tampered.addr = manaflow_types::Address::from(maker.rng().random::<[u8; 20]>()); None }
            4 => { tampered.slot = random_word(&mut maker); None }
            _ => { tampered.mask = manaflow_types::Mask(manaflow_types::Mask::PREV); Some(Rule::Malformed) }
        };
        chain[at.0].txs[at.1].moves_mut()[at.2] = tampered;
        reseal(&mut chain, at.0, None);
        let verdict = verdicts(&chain);
        if let Some(rule) = expected {
            prop_assert_eq!(verdict, Some((position(at), rule)));
        }
        if field == 2 && !m.is_write() {
            // The first later claim on (intx, key) is now a double use or a read after consume.
            let later = utxo_moves(&chain).into_iter().find(|(a, x, _)| *a > at && x.intx == m.intx && x.key() == m.key());
            match later {
                Some((a, x, _)) => {
                    let rule = if x.is_write() { Rule::DoubleUse } else { Rule::ReadAfterConsume };
                    prop_assert_eq!(verdict, Some((position(a), rule)));
                }
                None => prop_assert_eq!(verdict, None),
            }
        }
    }

    #[test]
    fn structural_tampers_are_caught_where_they_bite(seed in any::<u64>(), pick in any::<prop::sample::Index>(), kind in 0u8..8) {
        let mut maker = ChainGen::new(seed);
        let mut chain = maker.chain(4, 6);
        let moves = utxo_moves(&chain);
        let after_genesis: Vec<_> = moves.iter().filter(|(at, _, _)| at.0 > 0).cloned().collect();
        prop_assume!(!after_genesis.is_empty());
        let expected: (Position, Rule);
        match kind {
            0 => {
                // A duplicated move.
                let (at, m, _) = *pick.get(&after_genesis);
                chain[at.0].txs[at.1].moves_mut().insert(at.2 + 1, m);
                reseal(&mut chain, at.0, None);
                expected = (position((at.0, at.1, at.2 + 1)), Rule::Malformed);
            }
            1 => {
                // A dropped write that a later move depends on.
                let deps: Vec<(At, At)> = dependencies(&moves);
                prop_assume!(!deps.is_empty());
                let &(writer, dependant) = pick.get(&deps);
                prop_assume!(writer.0 > 0);
                chain[writer.0].txs[writer.1].moves_mut().remove(writer.2);
                reseal(&mut chain, writer.0, None);
                expected = (position(dependant), Rule::UnknownOutput);
            }
            2 => {
                // Two txs of one block swapped so that a tx comes before one it depends on.
                let deps: Vec<(At, At)> = dependencies(&moves)
                    .into_iter()
                    .filter(|(w, d)| w.0 == d.0 && w.0 > 0)
                    .collect();
                prop_assume!(!deps.is_empty());
                let &(writer, dependant) = pick.get(&deps);
                let (b, t, u) = (writer.0, writer.1, dependant.1);
                let ids: Vec<TxId> = chain[b].txs.iter().map(Tx::id).collect();
                // After the swap, u sits at t; its first move on an output of txs t..u fails.
                let first_bad = chain[b].txs[u].moves().iter().position(|m| ids[t..u].contains(&m.intx)).unwrap();
                chain[b].txs.swap(t, u);
                reseal(&mut chain, b, None);
                expected = (position((b, t, first_bad)), Rule::UnknownOutput);
            }
            3 | 4 => {
                // A later tx that consumes (3) or reads (4) an output already consumed.
                let consumed: Vec<_> = moves.iter().filter(|(_, m, _)| m.is_write()).cloned().collect();
                let (at, m, _) = *pick.get(&consumed);
                let last = chain.len() - 1;
                let target = maker.rng().random_range(at.0..=last);
                let copy = if kind == 3 {
                    Move::write(m.key(), m.intx, m.prev, B256::from(U256::from(maker.rng().random::<u64>() | 1) + U256::from_be_bytes(m.prev.0)))
                } else {
                    Move::read(m.key(), m.intx, m.prev)
                };
                let raw = Bytes::from(format!("replay-{}", maker.rng().random::<u64>()).into_bytes());
                chain[target].txs.push(Tx::Ethereum(EthereumTx { raw, moves: vec![copy] }));
                chain[target].outcomes.push(crate::chains::plain_outcome());
                let index = chain[target].txs.len() - 1;
                reseal(&mut chain, target, None);
                let rule = if kind == 3 { Rule::DoubleUse } else { Rule::ReadAfterConsume };
                expected = (position((target, index, 0)), rule);
            }
            6 | 7 => {
                // A planted reference: on a move naming a tx, one that names another position
                // (6); on a move naming none, any non-zero one (7).
                let named: Vec<_> = after_genesis.iter().filter(|(_, m, _)| (kind == 6) != m.intx.is_zero()).cloned().collect();
                prop_assume!(!named.is_empty());
                let (at, _, _) = *pick.get(&named);
                let old = chain[at.0].refs[at.1][at.2];
                let planted = loop {
                    let r = manaflow_types::TxLoc::new(maker.rng().random_range(0..=at.0 as u64), maker.rng().random_range(0..4));
                    if r != old && r != manaflow_types::TxLoc::ZERO { break r; }
                };
                crate::chains::plant_reference(&mut chain, at, planted);
                expected = if kind == 6 {
                    (position(at), Rule::UnknownOutput)
                } else {
                    (Position::of_tx(at.0 as u64, at.1 as u32), Rule::Malformed)
                };
            }
            _ => {
                // A wrong commitment in one header (the rest of the chain resealed around it).
                let b = maker.rng().random_range(0..chain.len());
                chain[b].header.commitment = B256::from(maker.rng().random::<[u8; 32]>());
                reseal(&mut chain, b, Some(b));
                expected = (Position { block: b as u64, site: Site::Commitment }, Rule::BadCommitment);
            }
        }
        prop_assert_eq!(verdicts(&chain), Some(expected));
    }
}

/// Pairs (write creating (t, key), first later move naming (t, key)).
fn dependencies(moves: &[(At, Move, TxId)]) -> Vec<(At, At)> {
    let mut out = vec![];
    for (i, (at, m, id)) in moves.iter().enumerate() {
        if !m.is_write() {
            continue;
        }
        if let Some((dep, _, _)) = moves[i + 1..].iter().find(|(_, x, _)| x.intx == *id && x.key() == m.key()) {
            out.push((*at, *dep));
        }
    }
    out
}

#[test]
fn a_chain_with_no_tamper_has_no_verdict_and_outputs_match_reverse() {
    let chain = ChainGen::new(7).chain(5, 8);
    assert_eq!(verdicts(&chain), None);
    let rev = validate_reverse(&chain, &TrustDeclared, &mut ());
    assert!(rev.tip.iter().all(|(_, o): &(_, Output)| o.is_written()));
}

#[test]
fn a_header_numbered_out_of_turn_is_blamed_at_its_height_by_both() {
    // Heights 0..=4; height 2 claims number 5 and height 3 claims number 2 with a correct
    // parent hash: positions must name heights, so both validators stop at height 2.
    let mut chain = ChainGen::new(21).chain(4, 4);
    chain[2].header.number = 5;
    chain[3].header.number = 2;
    chain[3].header.parent_hash = chain[2].hash();
    chain[4].header.parent_hash = chain[3].hash();
    assert_eq!(verdicts(&chain), Some((Position { block: 2, site: Site::Header }, Rule::BadHeader)));
    // A huge number does not overflow anything.
    let mut chain = ChainGen::new(22).chain(2, 2);
    chain[1].header.number = u64::MAX;
    chain[2].header.parent_hash = chain[1].hash();
    assert_eq!(verdicts(&chain), Some((Position { block: 1, site: Site::Header }, Rule::BadHeader)));
}

#[test]
fn both_validators_report_every_check_as_a_step() {
    use manaflow_ledger::{ForwardStep, ReverseStep};
    let chain = ChainGen::new(23).chain(4, 6);
    let moves = utxo_moves(&chain);
    let writes = moves.iter().filter(|(_, m, _)| m.is_write()).count();
    let txs: usize = chain.iter().map(|b| b.txs.len()).sum();

    let (mut reads, mut consumed, mut created, mut tx_checks, mut commitments) = (0, 0, 0, 0, 0);
    let (_, result) =
        manaflow_ledger::MemoryChain::validate(&chain, &TrustDeclared, &mut |step: ForwardStep<'_>| match step {
            ForwardStep::Read { .. } => reads += 1,
            ForwardStep::Consumed { .. } => consumed += 1,
            ForwardStep::Created { .. } => created += 1,
            ForwardStep::TxChecked { failure, .. } => {
                assert!(failure.is_none());
                tx_checks += 1
            }
            ForwardStep::Commitment { computed, declared, .. } => {
                assert_eq!(computed, declared);
                commitments += 1
            }
            _ => {}
        });
    result.unwrap();
    assert_eq!((reads + consumed, consumed, created), (moves.len(), writes, writes));
    assert_eq!((tx_checks, commitments), (txs, chain.len()));

    let (mut claims, mut discharged, mut found) = (0, 0, 0);
    let outcome = validate_reverse(&chain, &TrustDeclared, &mut |step: ReverseStep<'_>| match step {
        ReverseStep::Claimed { .. } => claims += 1,
        ReverseStep::Discharged { .. } => discharged += 1,
        ReverseStep::Found { .. } => found += 1,
        _ => {}
    });
    assert!(outcome.verdict.is_none());
    assert_eq!((claims, discharged, found), (moves.len(), writes, 0));
}
