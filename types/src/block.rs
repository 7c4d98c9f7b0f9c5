//! Blocks and headers, the tx Merkle root, and their canonical encoding.

use alloy_primitives::{Address, B256, Bytes, keccak256};
use alloy_rlp::{Decodable, Encodable, Header as RlpHeader, RlpDecodable, RlpEncodable};
use serde::{Deserialize, Serialize};

use crate::error::DecodeError;
pub use crate::merkle::merkle_root;
use crate::moves::{Move, TxId};
use crate::outcome::Outcome;
use crate::reference::{TxLoc, decode_refs, encode_refs, refs_hash};
use crate::tx::{Tx, ensure_empty, list_body};

/// Header flag: the chain is a dev chain, where system txs (cheats) are valid. Only the genesis
/// header's flag counts.
pub const FLAG_DEV_MODE: u8 = 0x01;

/// A block header (DESIGN §3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, RlpEncodable, RlpDecodable)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    /// Hash of the parent header; zero for genesis.
    pub parent_hash: B256,
    /// Block number; 0 for genesis.
    #[serde(with = "alloy_serde::quantity")]
    pub number: u64,
    /// Unix time in seconds.
    #[serde(with = "alloy_serde::quantity")]
    pub timestamp: u64,
    /// EIP-1559 base fee per gas, in wei.
    #[serde(with = "alloy_serde::quantity")]
    pub base_fee: u64,
    /// EIP-4844 blob base fee, in wei.
    #[serde(with = "alloy_serde::quantity")]
    pub blob_base_fee: u64,
    /// The address COINBASE returns (never credited: fees are burned).
    pub coinbase: Address,
    /// Block gas limit.
    #[serde(with = "alloy_serde::quantity")]
    pub gas_limit: u64,
    /// PREVRANDAO.
    pub prevrandao: B256,
    /// The chain id CHAINID returns.
    #[serde(with = "alloy_serde::quantity")]
    pub chain_id: u64,
    /// Flags; see [`FLAG_DEV_MODE`].
    #[serde(with = "alloy_serde::quantity")]
    pub flags: u8,
    /// Merkle root over the tx leaves `keccak(tx id ‖ keccak(canonical moves) ‖
    /// keccak(references))` ([`tx_leaf`]).
    pub tx_root: B256,
    /// Merkle root over the txs' outcomes (`keccak(rlp(outcome))`), so the block hash also
    /// fixes the gas, logs and deployed code that re-execution must reproduce.
    pub outcomes_root: B256,
    /// Number of txs in the block, so a Merkle branch's shape follows from the header alone
    /// (DESIGN §9).
    #[serde(with = "alloy_serde::quantity")]
    pub tx_count: u64,
    /// Digest of the UTXO set after this block.
    pub commitment: B256,
}

impl Header {
    /// The block hash: keccak of the header's RLP.
    pub fn hash(&self) -> B256 {
        keccak256(alloy_rlp::encode(self))
    }

    /// Whether the dev-mode flag is set.
    pub fn dev_mode(&self) -> bool {
        self.flags & FLAG_DEV_MODE != 0
    }
}

/// The header's canonical bytes (RLP).
pub fn encode_header(header: &Header) -> Vec<u8> {
    alloy_rlp::encode(header)
}

/// Decodes [`encode_header`]; the input must be exactly one header.
pub fn decode_header(mut bytes: &[u8]) -> Result<Header, DecodeError> {
    let header = Header::decode(&mut bytes)?;
    ensure_empty(bytes)?;
    Ok(header)
}

/// A header and its ordered txs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// The header.
    pub header: Header,
    /// The txs, in block order.
    pub txs: Vec<Tx>,
    /// Each tx's declared outcome, in the same order.
    pub outcomes: Vec<Outcome>,
    /// Each tx's references, one per move (DESIGN §9), in the same order.
    #[serde(default)]
    pub refs: Vec<Vec<TxLoc>>,
}

impl Block {
    /// The canonical bytes: `rlp([header, [tx bytes…], [outcome…], [references…]])`, each tx's
    /// references one byte string of 12 bytes per move.
    pub fn encode(&self) -> Vec<u8> {
        let txs: Vec<Bytes> = self.txs.iter().map(|tx| Bytes::from(tx.encode())).collect();
        let refs: Vec<Bytes> = self.refs.iter().map(|r| Bytes::from(encode_refs(r))).collect();
        let txs_len: usize = txs.iter().map(Encodable::length).sum();
        let outcomes_len: usize = self.outcomes.iter().map(Encodable::length).sum();
        let refs_len: usize = refs.iter().map(Encodable::length).sum();
        let list_len = |len: usize| len + alloy_rlp::length_of_length(len);
        let payload = self.header.length() + list_len(txs_len) + list_len(outcomes_len) + list_len(refs_len);
        let mut out = Vec::with_capacity(payload + 8);
        RlpHeader { list: true, payload_length: payload }.encode(&mut out);
        self.header.encode(&mut out);
        RlpHeader { list: true, payload_length: txs_len }.encode(&mut out);
        for tx in &txs {
            tx.encode(&mut out);
        }
        RlpHeader { list: true, payload_length: outcomes_len }.encode(&mut out);
        for outcome in &self.outcomes {
            outcome.encode(&mut out);
        }
        RlpHeader { list: true, payload_length: refs_len }.encode(&mut out);
        for r in &refs {
            r.encode(&mut out);
        }
        out
    }

    /// Decodes [`Block::encode`]; the input must be exactly one block, with one outcome and one
    /// reference list per tx, and one reference per move.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut buf = list_body(bytes)?;
        let header = Header::decode(&mut buf)?;
        let mut txs_body = list_item(&mut buf, "block txs")?;
        let mut txs = Vec::new();
        while !txs_body.is_empty() {
            let raw = alloy_rlp::Header::decode_bytes(&mut txs_body, false)?;
            txs.push(Tx::decode(raw)?);
        }
        let mut outcomes_body = list_item(&mut buf, "block outcomes")?;
        let mut outcomes = Vec::with_capacity(txs.len());
        while !outcomes_body.is_empty() {
            outcomes.push(Outcome::decode(&mut outcomes_body)?);
        }
        let mut refs_body = list_item(&mut buf, "block references")?;
        let mut refs = Vec::with_capacity(txs.len());
        while !refs_body.is_empty() {
            let raw = alloy_rlp::Header::decode_bytes(&mut refs_body, false)?;
            refs.push(decode_refs(raw)?);
        }
        ensure_empty(buf)?;
        if outcomes.len() != txs.len() {
            return Err(DecodeError::Invalid(format!("{} txs but {} outcomes", txs.len(), outcomes.len())));
        }
        if refs.len() != txs.len() {
            return Err(DecodeError::Invalid(format!("{} txs but {} reference lists", txs.len(), refs.len())));
        }
        if let Some((i, (tx, r))) = txs.iter().zip(&refs).enumerate().find(|(_, (tx, r))| tx.moves().len() != r.len()) {
            return Err(DecodeError::Invalid(format!(
                "tx {i} has {} moves but {} references",
                tx.moves().len(),
                r.len()
            )));
        }
        Ok(Self { header, txs, outcomes, refs })
    }

    /// The references of tx `index` (empty if the block has none for it).
    pub fn refs_of(&self, index: usize) -> &[TxLoc] {
        self.refs.get(index).map_or(&[], Vec::as_slice)
    }

    /// Every tx's Merkle leaf, in block order (what the tx root is over).
    pub fn tx_leaves(&self) -> Vec<B256> {
        tx_leaves(&self.txs, &self.refs)
    }

    /// The block hash.
    pub fn hash(&self) -> B256 {
        self.header.hash()
    }
}

/// Takes one RLP list item from `buf` and returns its body.
pub(crate) fn list_item<'a>(buf: &mut &'a [u8], what: &'static str) -> Result<&'a [u8], DecodeError> {
    let header = RlpHeader::decode(buf)?;
    if !header.list || buf.len() < header.payload_length {
        return Err(DecodeError::Rlp(format!("{what} must be an RLP list")));
    }
    let (body, rest) = buf.split_at(header.payload_length);
    *buf = rest;
    Ok(body)
}

/// The Merkle leaf of a tx: `keccak(id ‖ keccak(canonical moves) ‖ keccak(references))`, so an
/// inclusion proof also fixes the moves a signature may not cover and where each names its
/// output (DESIGN §9).
pub fn tx_leaf(id: &TxId, moves: &[Move], refs: &[TxLoc]) -> B256 {
    tx_leaf_of_hashes(id, &moves_hash(moves), &refs_hash(refs))
}

/// keccak of the canonical bytes of `moves`.
pub fn moves_hash(moves: &[Move]) -> B256 {
    let mut bytes = Vec::with_capacity(moves.len() * Move::ENCODED_LEN);
    for m in moves {
        m.encode_into(&mut bytes);
    }
    keccak256(bytes)
}

/// The leaves of `txs` with their references (a tx without a list gets none), in order.
pub fn tx_leaves(txs: &[Tx], refs: &[Vec<TxLoc>]) -> Vec<B256> {
    txs.iter()
        .enumerate()
        .map(|(i, tx)| tx_leaf(&tx.id(), tx.moves(), refs.get(i).map_or(&[], Vec::as_slice)))
        .collect()
}

/// The Merkle root over the outcomes' leaves (the header's `outcomes_root`).
pub fn outcomes_root(outcomes: &[Outcome]) -> B256 {
    merkle_root(&outcomes.iter().map(Outcome::leaf).collect::<Vec<_>>())
}

/// [`tx_leaf`] from the hashes of the moves and references.
pub fn tx_leaf_of_hashes(id: &TxId, moves_hash: &B256, refs_hash: &B256) -> B256 {
    let mut leaf = [0u8; 96];
    leaf[..32].copy_from_slice(id.as_slice());
    leaf[32..64].copy_from_slice(moves_hash.as_slice());
    leaf[64..].copy_from_slice(refs_hash.as_slice());
    keccak256(leaf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moves::StateKey;
    use crate::tx::SystemTx;

    fn block() -> Block {
        let m =
            Move::write(StateKey::balance(Address::repeat_byte(1)), B256::ZERO, B256::ZERO, B256::with_last_byte(5));
        let txs = vec![
            Tx::System(SystemTx { block: 7, index: 0, moves: vec![m] }),
            Tx::System(SystemTx { block: 7, index: 1, moves: vec![] }),
        ];
        let refs = vec![vec![TxLoc::ZERO], vec![]];
        let leaves: Vec<_> = txs.iter().zip(&refs).map(|(t, r)| tx_leaf(&t.id(), t.moves(), r)).collect();
        let outcomes = vec![
            Outcome::system(),
            Outcome { success: false, gas_used: 21_000, logs: vec![], codes: vec![Bytes::from_static(b"\x60\x00")] },
        ];
        let outcomes_root = super::outcomes_root(&outcomes);
        Block {
            header: Header {
                number: 7,
                chain_id: 31337,
                tx_root: merkle_root(&leaves),
                outcomes_root,
                tx_count: 2,
                ..Header::default()
            },
            txs,
            outcomes,
            refs,
        }
    }

    #[test]
    fn block_round_trips_and_truncations_fail() {
        let b = block();
        let bytes = b.encode();
        assert_eq!(Block::decode(&bytes).unwrap(), b);
        for cut in 0..bytes.len() {
            assert!(Block::decode(&bytes[..cut]).is_err(), "prefix {cut} decoded");
        }
        let json = serde_json::to_value(&b).unwrap();
        // Quantities as hex strings, as Ethereum tools write them.
        assert_eq!(json["header"]["number"], "0x7");
        assert_eq!(json["header"]["chainId"], "0x7a69");
        assert_eq!(json["txs"][0]["kind"], "system");
        assert_eq!(serde_json::from_value::<Block>(json).unwrap(), b);
        // A reference list that does not match its tx's moves is not a block.
        let mut ragged = b.clone();
        ragged.refs[1].push(TxLoc::new(1, 0));
        let err = Block::decode(&ragged.encode()).unwrap_err().to_string();
        assert!(err.contains("tx 1 has 0 moves but 1 references"), "{err}");
    }
}
