//! The header-only verifier: inclusion and output proofs, and fraud proofs rule by rule.

use std::sync::Mutex;

use alloy_primitives::{B256, Bytes, keccak256};

use super::{Evidence, FraudProof, Inclusion, TxProof, Verdict};
use crate::block::{Header, outcomes_root, tx_leaf, tx_leaves};
use crate::check::{ChainContext, check_header};
use crate::commitment::{LtHash, add_write};
use crate::merkle::branch_root;
use crate::moves::{Mark, Move, StateKey, Word};
use crate::outcome::Outcome;
use crate::reference::{TxLoc, names_a_tx};
use crate::tx::Tx;
use crate::verdict::{Position, Rule, Site, Violation};
use crate::verify::{CodeSource, TxVerifier, check_tx_alone};

/// The headers a verifier holds: a chain from genesis, linked by parent hashes. It holds no
/// body, no UTXO set and no state.
pub trait HeaderChain {
    /// The header at height `number`, if held.
    fn header(&self, number: u64) -> Option<Header>;

    /// The hash of the header at height `number`, if held (a holder that keeps hashes answers
    /// without hashing).
    fn hash(&self, number: u64) -> Option<B256> {
        self.header(number).map(|h| h.hash())
    }
}

impl HeaderChain for [Header] {
    fn header(&self, number: u64) -> Option<Header> {
        usize::try_from(number).ok().and_then(|n| self.get(n)).cloned()
    }
}

impl HeaderChain for Vec<Header> {
    fn header(&self, number: u64) -> Option<Header> {
        self.as_slice().header(number)
    }
}

/// Checks that `inclusion` sits in the block with `header`: its leaf reaches the tx root
/// through its branch, as leaf `index` of the header's tx count.
pub fn verify_inclusion(header: &Header, inclusion: &Inclusion) -> Result<(), String> {
    if inclusion.at.block != header.number {
        return Err(format!("the inclusion is at block {}, the header is block {}", inclusion.at.block, header.number));
    }
    let leaf = tx_leaf(&inclusion.id, &inclusion.moves, &inclusion.refs);
    match branch_root(leaf, inclusion.at.index.into(), header.tx_count, &inclusion.branch) {
        Some(root) if root == header.tx_root => Ok(()),
        _ => Err(format!("tx {} at {} does not reach block {}'s tx root", inclusion.id, inclusion.at, header.number)),
    }
}

/// Checks a tx proof against the verifier's headers: the tx's leaf reaches its block's tx
/// root and its outcome's leaf the outcomes root.
pub fn verify_tx_proof(headers: &dyn HeaderChain, proof: &TxProof) -> Result<(), String> {
    let header = headers.header(proof.at.block).ok_or_else(|| format!("no header {} is held", proof.at.block))?;
    verify_tx_in(&header, proof)
}

/// Checks a tx proof against the header of its block: the tx's leaf reaches the tx root and its
/// outcome's leaf the outcomes root.
pub fn verify_tx_in(header: &Header, proof: &TxProof) -> Result<(), String> {
    let leaf = tx_leaf(&proof.tx.id(), proof.tx.moves(), &proof.refs);
    match branch_root(leaf, proof.at.index.into(), header.tx_count, &proof.branch) {
        Some(root) if root == header.tx_root && proof.at.block == header.number => {}
        _ => return Err(format!("the tx at {} does not reach block {}'s tx root", proof.at, header.number)),
    }
    match branch_root(proof.outcome.leaf(), proof.at.index.into(), header.tx_count, &proof.outcome_branch) {
        Some(root) if root == header.outcomes_root => Ok(()),
        _ => Err(format!("the outcome at {} does not reach block {}'s outcomes root", proof.at, header.number)),
    }
}

/// Checks an output proof: the creating tx's proof, and that the tx wrote `key`. Returns the
/// value written. It proves the value was written, not that it is still live.
pub fn verify_output(headers: &dyn HeaderChain, proof: &TxProof, key: &StateKey) -> Result<Word, String> {
    verify_tx_proof(headers, proof)?;
    proof
        .tx
        .moves()
        .iter()
        .find(|m| m.key() == *key && m.is_write() && m.mark != Mark::Context)
        .map(|m| m.next)
        .ok_or_else(|| format!("the tx at {} does not write {key}", proof.at))
}

/// The chain as a tx of block `below` sees it: ancestors' hashes from the held headers.
struct Ancestors<'a> {
    headers: &'a dyn HeaderChain,
    below: u64,
}

impl ChainContext for Ancestors<'_> {
    fn block_hash(&self, number: u64) -> Option<B256> {
        (number < self.below).then(|| self.headers.hash(number)).flatten()
    }
    fn dev_mode(&self) -> bool {
        self.headers.header(0).is_some_and(|g| g.dev_mode())
    }
}

/// Code a proof carries, hashed only when re-execution asks for a hash (a runtime that already
/// holds the code by hash never asks), noting any hash it lacks.
struct CarriedCode<'a> {
    codes: &'a [Bytes],
    missed: Mutex<Option<B256>>,
}

impl CodeSource for CarriedCode<'_> {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        let found = self.codes.iter().find(|c| keccak256(c) == *hash).cloned();
        if found.is_none()
            && let Ok(mut missed) = self.missed.lock()
        {
            missed.get_or_insert(*hash);
        }
        found
    }
}

/// Checks a fraud proof with only `headers` (and a runtime to re-execute a tx statelessly):
/// the proof's header must attach to the held chain, its evidence must check out against the
/// headers, and the rule it names must break where it says.
pub fn verify(headers: &dyn HeaderChain, proof: &FraudProof, runtime: &dyn TxVerifier) -> Verdict {
    match shown(headers, proof, runtime) {
        Err(why) => Verdict::NotProven(why),
        Ok(v) if v.rule != proof.rule || v.position != proof.position => Verdict::NotProven(format!(
            "the proof names {} at {}, but its evidence shows {} at {}",
            proof.rule, proof.position, v.rule, v.position
        )),
        Ok(v) => Verdict::BlockInvalid(v),
    }
}

/// The violation a proof's evidence shows, whatever rule and position the proof claims (or why
/// it shows none). [`verify`] accepts a proof only when this is what it claims; a soundness test
/// asks of this that nothing built from a valid chain shows anything.
pub fn shown(headers: &dyn HeaderChain, proof: &FraudProof, runtime: &dyn TxVerifier) -> Result<Violation, String> {
    match proof.evidence {
        // A header numbered out of turn attaches at the height it claims to follow.
        Evidence::Header => out_of_turn(headers, proof),
        _ => attach(headers, &proof.header).and_then(|()| violation(headers, proof, runtime)),
    }
}

/// A header-rule proof: the header's parent hash must be the held header below the height the
/// proof names; the header must then break a rule against it (its number among them).
fn out_of_turn(headers: &dyn HeaderChain, proof: &FraudProof) -> Result<Violation, String> {
    let header = &proof.header;
    let height = proof.position.block;
    let parent = match height {
        0 => None,
        h => match headers.header(h - 1) {
            Some(p) if p.hash() == header.parent_hash => Some(p),
            _ => return Err(format!("block {}'s parent hash is not the held header {}", header.number, h - 1)),
        },
    };
    if header.number != height {
        let why = format!("number {} is not the next height ({height})", header.number);
        return Ok(Violation::new(Position { block: height, site: Site::Header }, Rule::BadHeader, why));
    }
    if parent.is_none() {
        attach(headers, header)?;
    }
    match check_header(header, parent.as_ref()) {
        Err(v) => Ok(v),
        Ok(()) => Err("the header keeps every rule against its parent".into()),
    }
}

/// The header must be held, or be a child of a held header.
fn attach(headers: &dyn HeaderChain, header: &Header) -> Result<(), String> {
    if header.number == 0 {
        return match headers.header(0) {
            Some(genesis) if genesis.hash() == header.hash() => Ok(()),
            _ => Err("a genesis header other than the verifier's is not a block of its chain".into()),
        };
    }
    match headers.hash(header.number - 1) {
        Some(parent) if parent == header.parent_hash => Ok(()),
        Some(_) => Err(format!("block {}'s parent hash is not the held header {}", header.number, header.number - 1)),
        None => Err(format!("no header {} is held to attach block {} to", header.number - 1, header.number)),
    }
}

/// The header a proof's evidence at `block` is checked against: the proof's own header for its
/// block, a held ancestor below it.
fn header_at(headers: &dyn HeaderChain, tip: &Header, block: u64) -> Result<Header, String> {
    if block == tip.number {
        Ok(tip.clone())
    } else if block < tip.number {
        headers.header(block).ok_or_else(|| format!("no header {block} is held"))
    } else {
        Err(format!("evidence at block {block} comes after the block it is about ({})", tip.number))
    }
}

/// The move `mv` of `inclusion`, which must take part in the UTXO step.
fn utxo_move(inclusion: &Inclusion, mv: u32) -> Result<(Move, TxLoc), String> {
    let m = *inclusion.moves.get(mv as usize).ok_or_else(|| format!("the tx has no move {mv}"))?;
    if m.mark == Mark::Context {
        return Err(format!("move {mv} is an x move, checked against headers, not outputs"));
    }
    Ok((m, inclusion.refs.get(mv as usize).copied().unwrap_or_default()))
}

fn earlier(a: TxLoc, b: TxLoc) -> bool {
    (a.block, a.index) < (b.block, b.index)
}

/// The violation the evidence shows, or why it shows none.
fn violation(headers: &dyn HeaderChain, proof: &FraudProof, runtime: &dyn TxVerifier) -> Result<Violation, String> {
    let header = &proof.header;
    let number = header.number;
    let in_block = |inc: &Inclusion| -> Result<(), String> {
        if inc.at.block != number {
            return Err(format!("the evidence's tx is at block {}, not in block {number}", inc.at.block));
        }
        verify_inclusion(header, inc)
    };
    let anywhere = |inc: &Inclusion| verify_inclusion(&header_at(headers, header, inc.at.block)?, inc);
    match &proof.evidence {
        Evidence::Tx { tx, codes } => {
            if tx.at.block != number {
                return Err(format!("the tx is at block {}, not in block {number}", tx.at.block));
            }
            verify_tx_in(header, tx)?;
            let carried = CarriedCode { codes, missed: Mutex::new(None) };
            let ancestors = Ancestors { headers, below: number };
            let checked = check_tx_alone(
                &tx.tx,
                tx.at.index,
                &tx.refs,
                &tx.outcome,
                header,
                &ancestors,
                runtime,
                &carried.with_deployed(&tx.outcome),
                None,
            );
            if let Some(hash) = carried.missed.lock().ok().and_then(|m| *m) {
                return Err(format!("re-execution asked for code {hash}, which the proof does not carry"));
            }
            checked.failure.ok_or_else(|| "the tx passes every check a tx passes alone".into())
        }
        Evidence::Duplicate { first, second } => {
            in_block(second)?;
            anywhere(first)?;
            if first.id != second.id || !earlier(first.at, second.at) {
                return Err("the two inclusions are not one id at two positions, earlier first".into());
            }
            let why = format!("tx {} is already in the chain at {}", second.id, first.at);
            Ok(Violation::new(Position::of_tx(number, second.at.index), Rule::DuplicateTx, why))
        }
        Evidence::Unknown { consumer, mv, named } => {
            in_block(consumer)?;
            let (m, r) = utxo_move(consumer, *mv)?;
            if !names_a_tx(&m) {
                return Err("the move names no tx (intx = 0)".into());
            }
            let position = Position::of_move(number, consumer.at.index, *mv);
            let unknown = |why: String| Ok(Violation::new(position, Rule::UnknownOutput, why));
            if !earlier(r, consumer.at) {
                return if named.is_none() {
                    unknown(format!("reference {r} is not earlier than the move"))
                } else {
                    Err("a reference that is not earlier needs no named tx".into())
                };
            }
            let named_header = header_at(headers, header, r.block)?;
            if u64::from(r.index) >= named_header.tx_count {
                return if named.is_none() {
                    unknown(format!("block {} has {} txs; reference {r} names none", r.block, named_header.tx_count))
                } else {
                    Err("a reference that names no tx needs no named tx".into())
                };
            }
            let named = named.as_ref().ok_or("the proof lacks the tx the reference names")?;
            if named.at != r {
                return Err(format!("the named tx is at {}, the reference says {r}", named.at));
            }
            verify_inclusion(&named_header, named)?;
            if named.id != m.intx {
                return unknown(format!("reference {r} names tx {}, not {}", named.id, m.intx));
            }
            if writes(&named.moves, &m.key()).is_none() {
                return unknown(format!("tx {} at {r} does not write {}", named.id, m.key()));
            }
            Err("the reference names an earlier tx with that id which writes the key".into())
        }
        Evidence::Prev { consumer, mv, producer } => {
            in_block(consumer)?;
            let (m, r) = utxo_move(consumer, *mv)?;
            let position = Position::of_move(number, consumer.at.index, *mv);
            if m.intx.is_zero() {
                if producer.is_some() {
                    return Err("never-written state has no producer".into());
                }
                return if m.prev.is_zero() {
                    Err("the move expects zero of never-written state, which is right".into())
                } else {
                    let why = format!("expects {} but {} was never written", m.prev, m.key());
                    Ok(Violation::new(position, Rule::PrevMismatch, why))
                };
            }
            let producer = producer.as_ref().ok_or("the proof lacks the producer")?;
            if producer.at != r || !earlier(r, consumer.at) || producer.id != m.intx {
                return Err("the producer is not the earlier tx the move's reference and intx name".into());
            }
            anywhere(producer)?;
            let written = writes(&producer.moves, &m.key()).ok_or("the producer does not write the key")?;
            if written == m.prev {
                return Err("the producer wrote the value the move expects".into());
            }
            let why = format!("expects {} but ({}, {}) was created with {written}", m.prev, m.intx, m.key());
            Ok(Violation::new(position, Rule::PrevMismatch, why))
        }
        Evidence::Conflict { first, first_move, second, second_move } => {
            in_block(second)?;
            anywhere(first)?;
            let (m1, _) = utxo_move(first, *first_move)?;
            let (m2, _) = utxo_move(second, *second_move)?;
            if !earlier(first.at, second.at) || m1.key() != m2.key() || m1.intx != m2.intx || !m1.is_write() {
                return Err("the first move is not an earlier consume of the output the second claims".into());
            }
            let rule = if m2.is_write() { Rule::DoubleUse } else { Rule::ReadAfterConsume };
            let why = format!("({}, {}) was consumed at {} move {first_move}", m1.intx, m1.key(), first.at);
            Ok(Violation::new(Position::of_move(number, second.at.index, *second_move), rule, why))
        }
        Evidence::Body { txs, outcomes, refs, parent_state } => {
            body_violation(headers, header, txs, outcomes, refs, parent_state)
        }
        Evidence::Header => out_of_turn(headers, proof),
    }
}

/// The value `moves` write to `key`, if they write it.
fn writes(moves: &[Move], key: &StateKey) -> Option<Word> {
    moves.iter().find(|w| w.mark != Mark::Context && w.key() == *key && w.is_write()).map(|w| w.next)
}

/// Roots, counts and commitment of a whole body against its header.
fn body_violation(
    headers: &dyn HeaderChain,
    header: &Header,
    txs: &[Tx],
    outcomes: &[Outcome],
    refs: &[Vec<TxLoc>],
    parent_state: &LtHash,
) -> Result<Violation, String> {
    let at_header = Position { block: header.number, site: Site::Header };
    let bad = |why: String| Ok(Violation::new(at_header, Rule::BadHeader, why));
    let ids: Vec<_> = txs.iter().map(Tx::id).collect();
    let leaves = tx_leaves(txs, refs);
    if crate::merkle::merkle_root(&leaves) != header.tx_root {
        return Err("the body is not this block's: its txs do not hash to the header's tx root".into());
    }
    if outcomes_root(outcomes) != header.outcomes_root {
        return Err("the body is not this block's: its outcomes do not hash to the header's outcomes root".into());
    }
    if header.tx_count != txs.len() as u64 {
        return bad(format!("header counts {} txs but the body has {}", header.tx_count, txs.len()));
    }
    if outcomes.len() != txs.len() {
        return bad(format!("{} txs but {} outcomes", txs.len(), outcomes.len()));
    }
    let parent_digest = match header.number {
        0 => LtHash::new().digest(),
        n => headers.header(n - 1).ok_or_else(|| format!("no header {} is held", n - 1))?.commitment,
    };
    if parent_state.digest() != parent_digest {
        return Err("the parent state does not hash to the parent's commitment".into());
    }
    let mut after = parent_state.clone();
    for (tx, id) in txs.iter().zip(&ids) {
        for m in tx.moves().iter().filter(|m| m.mark != Mark::Context && m.is_write()) {
            add_write(&mut after, *id, m);
        }
    }
    let computed = after.digest();
    if computed == header.commitment {
        return Err("the body matches the header's roots and commitment".into());
    }
    let why = format!("header commits to {} but the UTXO set after the block is {computed}", header.commitment);
    Ok(Violation::new(Position { block: header.number, site: Site::Commitment }, Rule::BadCommitment, why))
}

impl<'c> CarriedCode<'c> {
    /// This code plus what the tx's own outcome deploys.
    fn with_deployed<'a>(&'a self, outcome: &'a Outcome) -> WithDeployed<'a, 'c> {
        WithDeployed { carried: self, deployed: &outcome.codes }
    }
}

struct WithDeployed<'a, 'c> {
    carried: &'a CarriedCode<'c>,
    deployed: &'a [Bytes],
}

impl CodeSource for WithDeployed<'_, '_> {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.deployed.iter().find(|c| keccak256(c) == *hash).cloned().or_else(|| self.carried.code(hash))
    }
}
