//! The canonical bytes of proofs: RLP lists of fixed shape. Moves, references and tx envelopes
//! travel as the byte strings the block body stores; a decoder refuses anything over its bounds,
//! anything left over, and anything that does not re-encode to the same bytes.

use alloy_primitives::{B256, Bytes};
use alloy_rlp::{Decodable, Encodable, Header as RlpHeader};

use super::{Evidence, FraudProof, Inclusion, TxProof};
use crate::block::{Header, list_item};
use crate::commitment::LtHash;
use crate::error::DecodeError;
use crate::moves::{decode_moves, encode_moves};
use crate::outcome::Outcome;
use crate::reference::{TxLoc, decode_refs, encode_refs};
use crate::tx::Tx;
use crate::verdict::{Position, Rule, Site};

/// The largest proof accepted: a body proof of a full block fits with room to spare.
pub const MAX_PROOF_BYTES: usize = 16 << 20;
/// The most siblings a branch may have (a tree of 2^64 leaves).
pub const MAX_BRANCH: usize = 64;
/// The most txs a body proof may carry.
const MAX_BODY_TXS: usize = 1 << 20;

const RULES: [Rule; 12] = [
    Rule::BadHeader,
    Rule::Malformed,
    Rule::DuplicateTx,
    Rule::SystemTx,
    Rule::Signature,
    Rule::Context,
    Rule::Reexecution,
    Rule::UnknownOutput,
    Rule::DoubleUse,
    Rule::ReadAfterConsume,
    Rule::PrevMismatch,
    Rule::BadCommitment,
];

fn list(payload: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 9);
    RlpHeader { list: true, payload_length: payload.len() }.encode(&mut out);
    out.extend_from_slice(&payload);
    out
}

fn take<T: Decodable>(buf: &mut &[u8]) -> Result<T, DecodeError> {
    Ok(T::decode(buf)?)
}

fn end(buf: &[u8], what: &str) -> Result<(), DecodeError> {
    if buf.is_empty() { Ok(()) } else { Err(DecodeError::Invalid(format!("{} bytes left over in {what}", buf.len()))) }
}

fn put_loc(out: &mut Vec<u8>, at: &TxLoc) {
    at.block.encode(out);
    at.index.encode(out);
}

fn take_loc(buf: &mut &[u8]) -> Result<TxLoc, DecodeError> {
    Ok(TxLoc { block: take(buf)?, index: take(buf)? })
}

fn put_branch(out: &mut Vec<u8>, branch: &[B256]) {
    branch.to_vec().encode(out);
}

fn take_branch(buf: &mut &[u8]) -> Result<Vec<B256>, DecodeError> {
    let branch: Vec<B256> = take(buf)?;
    if branch.len() > MAX_BRANCH {
        return Err(DecodeError::Invalid(format!("a branch of {} siblings (at most {MAX_BRANCH})", branch.len())));
    }
    Ok(branch)
}

fn put_refs(out: &mut Vec<u8>, refs: &[TxLoc]) {
    Bytes::from(encode_refs(refs)).encode(out);
}

fn take_refs(buf: &mut &[u8]) -> Result<Vec<TxLoc>, DecodeError> {
    decode_refs(&take::<Bytes>(buf)?)
}

fn encode_inclusion(out: &mut Vec<u8>, inc: &Inclusion) {
    let mut p = Vec::new();
    put_loc(&mut p, &inc.at);
    inc.id.encode(&mut p);
    Bytes::from(encode_moves(&inc.moves)).encode(&mut p);
    put_refs(&mut p, &inc.refs);
    put_branch(&mut p, &inc.branch);
    out.extend_from_slice(&list(p));
}

fn decode_inclusion(buf: &mut &[u8]) -> Result<Inclusion, DecodeError> {
    let mut b = list_item(buf, "an inclusion")?;
    let inc = Inclusion {
        at: take_loc(&mut b)?,
        id: take(&mut b)?,
        moves: decode_moves(&take::<Bytes>(&mut b)?)?,
        refs: take_refs(&mut b)?,
        branch: take_branch(&mut b)?,
    };
    end(b, "an inclusion")?;
    Ok(inc)
}

fn put_tx_proof(out: &mut Vec<u8>, proof: &TxProof) {
    let mut p = Vec::new();
    put_loc(&mut p, &proof.at);
    Bytes::from(proof.tx.encode()).encode(&mut p);
    put_refs(&mut p, &proof.refs);
    put_branch(&mut p, &proof.branch);
    proof.outcome.encode(&mut p);
    put_branch(&mut p, &proof.outcome_branch);
    out.extend_from_slice(&list(p));
}

fn take_tx_proof(buf: &mut &[u8]) -> Result<TxProof, DecodeError> {
    let mut b = list_item(buf, "a tx proof")?;
    let proof = TxProof {
        at: take_loc(&mut b)?,
        tx: Tx::decode(&take::<Bytes>(&mut b)?)?,
        refs: take_refs(&mut b)?,
        branch: take_branch(&mut b)?,
        outcome: take::<Outcome>(&mut b)?,
        outcome_branch: take_branch(&mut b)?,
    };
    end(b, "a tx proof")?;
    Ok(proof)
}

/// The canonical bytes of a tx (inclusion, receipt or output) proof.
pub(super) fn encode_tx_proof(proof: &TxProof) -> Vec<u8> {
    let mut out = Vec::new();
    put_tx_proof(&mut out, proof);
    out
}

/// Decodes [`encode_tx_proof`].
pub(super) fn decode_tx_proof(bytes: &[u8]) -> Result<TxProof, DecodeError> {
    bounded(bytes)?;
    let mut buf = bytes;
    let proof = take_tx_proof(&mut buf)?;
    end(buf, "a tx proof")?;
    canonical(bytes, &encode_tx_proof(&proof))?;
    Ok(proof)
}

fn put_position(out: &mut Vec<u8>, position: &Position) {
    let mut p = Vec::new();
    position.block.encode(&mut p);
    let (site, tx, mv) = match position.site {
        Site::Header => (0u8, 0u32, 0u64),
        Site::Tx { tx, mv } => (1, tx, mv.map_or(0, |m| u64::from(m) + 1)),
        Site::Commitment => (2, 0, 0),
    };
    site.encode(&mut p);
    tx.encode(&mut p);
    mv.encode(&mut p);
    out.extend_from_slice(&list(p));
}

fn take_position(buf: &mut &[u8]) -> Result<Position, DecodeError> {
    let mut b = list_item(buf, "a position")?;
    let block: u64 = take(&mut b)?;
    let site = match (take::<u8>(&mut b)?, take::<u32>(&mut b)?, take::<u64>(&mut b)?) {
        (0, 0, 0) => Site::Header,
        (1, tx, 0) => Site::Tx { tx, mv: None },
        (1, tx, mv) => Site::Tx {
            tx,
            mv: Some(u32::try_from(mv - 1).map_err(|_| DecodeError::Invalid("a move index over u32".into()))?),
        },
        (2, 0, 0) => Site::Commitment,
        (site, ..) => return Err(DecodeError::Invalid(format!("position site {site} (0 header, 1 tx, 2 commitment)"))),
    };
    end(b, "a position")?;
    Ok(Position { block, site })
}

/// The canonical bytes of a fraud proof: `[header, rule, position, kind, evidence…]`.
pub(super) fn encode_fraud_proof(proof: &FraudProof) -> Vec<u8> {
    let mut p = Vec::new();
    proof.header.encode(&mut p);
    (RULES.iter().position(|r| *r == proof.rule).unwrap_or(0) as u8).encode(&mut p);
    put_position(&mut p, &proof.position);
    match &proof.evidence {
        Evidence::Tx { tx, codes } => {
            0u8.encode(&mut p);
            put_tx_proof(&mut p, tx);
            codes.encode(&mut p);
        }
        Evidence::Duplicate { first, second } => {
            1u8.encode(&mut p);
            encode_inclusion(&mut p, first);
            encode_inclusion(&mut p, second);
        }
        Evidence::Unknown { consumer, mv, named } => {
            2u8.encode(&mut p);
            encode_inclusion(&mut p, consumer);
            mv.encode(&mut p);
            put_optional(&mut p, named.as_ref());
        }
        Evidence::Prev { consumer, mv, producer } => {
            3u8.encode(&mut p);
            encode_inclusion(&mut p, consumer);
            mv.encode(&mut p);
            put_optional(&mut p, producer.as_ref());
        }
        Evidence::Conflict { first, first_move, second, second_move } => {
            4u8.encode(&mut p);
            encode_inclusion(&mut p, first);
            first_move.encode(&mut p);
            encode_inclusion(&mut p, second);
            second_move.encode(&mut p);
        }
        Evidence::Body { txs, outcomes, refs, parent_state } => {
            5u8.encode(&mut p);
            let txs: Vec<Bytes> = txs.iter().map(|tx| Bytes::from(tx.encode())).collect();
            txs.encode(&mut p);
            outcomes.encode(&mut p);
            let refs: Vec<Bytes> = refs.iter().map(|r| Bytes::from(encode_refs(r))).collect();
            refs.encode(&mut p);
            Bytes::from(parent_state.to_bytes()).encode(&mut p);
        }
        Evidence::Header => 6u8.encode(&mut p),
    }
    list(p)
}

fn put_optional(out: &mut Vec<u8>, inc: Option<&Inclusion>) {
    let mut p = Vec::new();
    if let Some(inc) = inc {
        encode_inclusion(&mut p, inc);
    }
    out.extend_from_slice(&list(p));
}

fn take_optional(buf: &mut &[u8]) -> Result<Option<Inclusion>, DecodeError> {
    let mut b = list_item(buf, "an optional inclusion")?;
    if b.is_empty() {
        return Ok(None);
    }
    let inc = decode_inclusion(&mut b)?;
    end(b, "an optional inclusion")?;
    Ok(Some(inc))
}

fn bounded(bytes: &[u8]) -> Result<(), DecodeError> {
    if bytes.len() > MAX_PROOF_BYTES {
        return Err(DecodeError::Invalid(format!("a proof of {} bytes (at most {MAX_PROOF_BYTES})", bytes.len())));
    }
    Ok(())
}

fn canonical(bytes: &[u8], again: &[u8]) -> Result<(), DecodeError> {
    if bytes != again {
        return Err(DecodeError::Invalid("the proof is not in its canonical encoding".into()));
    }
    Ok(())
}

/// Decodes [`encode_fraud_proof`].
pub(super) fn decode_fraud_proof(bytes: &[u8]) -> Result<FraudProof, DecodeError> {
    bounded(bytes)?;
    let mut outer = bytes;
    let mut b = list_item(&mut outer, "a fraud proof")?;
    end(outer, "a fraud proof")?;
    let header: Header = take(&mut b)?;
    let rule =
        *RULES.get(usize::from(take::<u8>(&mut b)?)).ok_or_else(|| DecodeError::Invalid("unknown rule code".into()))?;
    let position = take_position(&mut b)?;
    let evidence = match take::<u8>(&mut b)? {
        0 => Evidence::Tx { tx: take_tx_proof(&mut b)?, codes: take(&mut b)? },
        1 => Evidence::Duplicate { first: decode_inclusion(&mut b)?, second: decode_inclusion(&mut b)? },
        2 => {
            Evidence::Unknown { consumer: decode_inclusion(&mut b)?, mv: take(&mut b)?, named: take_optional(&mut b)? }
        }
        3 => {
            Evidence::Prev { consumer: decode_inclusion(&mut b)?, mv: take(&mut b)?, producer: take_optional(&mut b)? }
        }
        4 => Evidence::Conflict {
            first: decode_inclusion(&mut b)?,
            first_move: take(&mut b)?,
            second: decode_inclusion(&mut b)?,
            second_move: take(&mut b)?,
        },
        5 => {
            let raw: Vec<Bytes> = take(&mut b)?;
            if raw.len() > MAX_BODY_TXS {
                return Err(DecodeError::Invalid(format!("a body of {} txs (at most {MAX_BODY_TXS})", raw.len())));
            }
            let txs = raw.iter().map(|r| Tx::decode(r)).collect::<Result<Vec<_>, _>>()?;
            let outcomes: Vec<Outcome> = take(&mut b)?;
            let refs = take::<Vec<Bytes>>(&mut b)?.iter().map(|r| decode_refs(r)).collect::<Result<Vec<_>, _>>()?;
            let state = take::<Bytes>(&mut b)?;
            let parent_state = Box::new(
                LtHash::from_bytes(&state)
                    .ok_or_else(|| DecodeError::Invalid("a parent state that is not an LtHash".into()))?,
            );
            Evidence::Body { txs, outcomes, refs, parent_state }
        }
        6 => Evidence::Header,
        other => return Err(DecodeError::Invalid(format!("unknown evidence kind {other}"))),
    };
    end(b, "a fraud proof")?;
    let proof = FraudProof { header, rule, position, evidence };
    canonical(bytes, &encode_fraud_proof(&proof))?;
    Ok(proof)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moves::{Move, StateKey};
    use crate::outcome::Outcome;
    use crate::tx::SystemTx;

    fn tx_proof(branch: usize) -> TxProof {
        let m = Move::write(
            StateKey::balance(alloy_primitives::Address::repeat_byte(1)),
            B256::ZERO,
            B256::ZERO,
            B256::with_last_byte(1),
        );
        TxProof {
            at: TxLoc::new(3, 1),
            tx: Tx::System(SystemTx { block: 3, index: 1, moves: vec![m] }),
            refs: vec![TxLoc::ZERO],
            branch: vec![B256::repeat_byte(7); branch],
            outcome: Outcome::system(),
            outcome_branch: vec![B256::repeat_byte(8); 2],
        }
    }

    #[test]
    fn proofs_round_trip_and_out_of_bound_or_non_canonical_bytes_are_refused() {
        let proof = tx_proof(3);
        let bytes = proof.encode();
        assert_eq!(decode_tx_proof(&bytes).unwrap(), proof);
        for cut in 0..bytes.len() {
            assert!(decode_tx_proof(&bytes[..cut]).is_err(), "a prefix of {cut} bytes decoded");
        }
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(decode_tx_proof(&trailing).is_err());
        let err = decode_tx_proof(&tx_proof(MAX_BRANCH + 1).encode()).unwrap_err().to_string();
        assert!(err.contains("a branch of 65 siblings (at most 64)"), "{err}");
        let err = decode_fraud_proof(&vec![0u8; MAX_PROOF_BYTES + 1]).unwrap_err().to_string();
        assert!(err.contains("at most 16777216"), "{err}");
        let fraud = FraudProof {
            header: Header { number: 3, ..Header::default() },
            rule: Rule::Reexecution,
            position: Position::of_tx(3, 1),
            evidence: Evidence::Tx { tx: proof, codes: vec![Bytes::from_static(b"\x60\x00")] },
        };
        assert_eq!(decode_fraud_proof(&encode_fraud_proof(&fraud)).unwrap(), fraud);
        let header_only =
            FraudProof { evidence: Evidence::Header, position: Position { block: 3, site: Site::Header }, ..fraud };
        assert_eq!(decode_fraud_proof(&encode_fraud_proof(&header_only)).unwrap(), header_only);
    }
}
