//! Transactions: the Ethereum envelope, the native envelope and system transactions (DESIGN §3).

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_rlp::{Buf, Decodable, Encodable, Header as RlpHeader};
use serde::{Deserialize, Serialize};

use crate::error::{DecodeError, SignatureError};
use crate::moves::{Move, TxId, decode_moves, encode_moves};
use crate::signing::{Signature, SigningKey, recover_signer};

/// The EIP-2718 type byte of the native envelope (`'M'`, unused by Ethereum and the major L2s).
pub const NATIVE_TX_TYPE: u8 = 0x4d;
/// Kind tag of an Ethereum-envelope tx inside a block.
const KIND_ETHEREUM: u8 = 0xe0;
/// Kind tag of a system tx inside a block.
const KIND_SYSTEM: u8 = 0xe1;
/// Domain prefix of system tx ids.
const SYSTEM_ID_DOMAIN: &[u8] = b"manaflow-system";

/// A standard signed Ethereum tx (legacy, EIP-2930 or EIP-1559 bytes as wallets send them) plus
/// the coordinator-filled moves. Its id is the Ethereum tx hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EthereumTx {
    /// The signed tx exactly as sent (`eth_sendRawTransaction` bytes).
    pub raw: Bytes,
    /// The moves, in canonical order.
    pub moves: Vec<Move>,
}

/// An unsigned dev-mode tx (genesis allocations, cheats): ordinary moves, no execution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemTx {
    /// The number of the block that includes it.
    #[serde(with = "alloy_serde::quantity")]
    pub block: u64,
    /// Its index in that block.
    #[serde(with = "alloy_serde::quantity")]
    pub index: u32,
    /// The moves, in canonical order.
    pub moves: Vec<Move>,
}

/// The call a native tx makes, signed together with the moves the sender lists.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NativeCall {
    /// EIP-155 chain id.
    #[serde(with = "alloy_serde::quantity")]
    pub chain_id: u64,
    /// The sender's nonce.
    #[serde(with = "alloy_serde::quantity")]
    pub nonce: u64,
    /// EIP-1559 tip cap.
    #[serde(with = "alloy_serde::quantity")]
    pub max_priority_fee_per_gas: u128,
    /// EIP-1559 fee cap.
    #[serde(with = "alloy_serde::quantity")]
    pub max_fee_per_gas: u128,
    /// Gas limit.
    #[serde(with = "alloy_serde::quantity")]
    pub gas_limit: u64,
    /// Callee, or `None` to create a contract.
    pub to: Option<Address>,
    /// Wei sent.
    pub value: U256,
    /// Calldata or init code.
    pub input: Bytes,
    /// The "open" flag: the coordinator may add moves the sender did not list (P = 0).
    pub open: bool,
}

/// An EIP-2718 typed tx carrying the call and the moves with their masks, signed by the sender
/// over the masked payload (DESIGN §3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NativeTx {
    /// The call.
    pub call: NativeCall,
    /// The moves, in canonical order; masked fields are filled by the coordinator.
    pub moves: Vec<Move>,
    /// The sender's signature over [`NativeTx::signing_payload`].
    pub signature: Signature,
}

impl NativeTx {
    /// The signed payload: `type ‖ rlp([call fields…, open, signed moves])`, where the signed
    /// moves are those with P set, in canonical order, with unsigned fields zeroed and the mask
    /// byte included.
    pub fn signing_payload(call: &NativeCall, moves: &[Move]) -> Vec<u8> {
        let signed: Vec<Move> = moves.iter().filter(|m| m.mask.present()).map(masked_for_signing).collect();
        let signed_moves = Bytes::from(encode_moves(&signed));
        let fields = call_fields(call);
        let mut out = vec![NATIVE_TX_TYPE];
        let payload_len = fields.iter().map(|f| f.length()).sum::<usize>() + signed_moves.length();
        RlpHeader { list: true, payload_length: payload_len }.encode(&mut out);
        for f in &fields {
            f.encode(&mut out);
        }
        signed_moves.encode(&mut out);
        out
    }

    /// Signs `call` and `moves` with `key`.
    pub fn sign(call: NativeCall, moves: Vec<Move>, key: &SigningKey) -> Self {
        let hash = keccak256(Self::signing_payload(&call, &moves));
        let signature = key.sign_hash(&hash);
        Self { call, moves, signature }
    }

    /// The hash the sender signed.
    pub fn signing_hash(&self) -> B256 {
        keccak256(Self::signing_payload(&self.call, &self.moves))
    }

    /// The id: `keccak(signed payload ‖ r ‖ s ‖ y_parity)`, known at signing time.
    pub fn id(&self) -> TxId {
        let mut bytes = Self::signing_payload(&self.call, &self.moves);
        bytes.extend_from_slice(&self.signature.to_bytes());
        keccak256(bytes)
    }

    /// Recovers the sender (EIP-2 low `s` enforced).
    pub fn recover_sender(&self) -> Result<Address, SignatureError> {
        recover_signer(&self.signing_hash(), &self.signature)
    }

    /// The EIP-2718 envelope: `type ‖ rlp([call fields…, open, moves, y_parity, r, s])`.
    pub fn encode_2718(&self) -> Vec<u8> {
        let mut fields = call_fields(&self.call);
        fields.push(Field::Bytes(Bytes::from(encode_moves(&self.moves))));
        fields.push(Field::U64(self.signature.y_parity as u64));
        fields.push(Field::U256(self.signature.r));
        fields.push(Field::U256(self.signature.s));
        let mut out = vec![NATIVE_TX_TYPE];
        RlpHeader { list: true, payload_length: fields.iter().map(|f| f.length()).sum() }.encode(&mut out);
        for f in &fields {
            f.encode(&mut out);
        }
        out
    }

    /// Decodes [`NativeTx::encode_2718`]; the input must be exactly one envelope.
    pub fn decode_2718(bytes: &[u8]) -> Result<Self, DecodeError> {
        let (&ty, mut buf) = bytes.split_first().ok_or(DecodeError::Empty("native tx"))?;
        if ty != NATIVE_TX_TYPE {
            return Err(DecodeError::UnknownTxKind(ty));
        }
        let header = RlpHeader::decode(&mut buf)?;
        if !header.list {
            return Err(DecodeError::Rlp("native tx must be an RLP list".into()));
        }
        if buf.len() != header.payload_length {
            return Err(DecodeError::Trailing(buf.len().abs_diff(header.payload_length)));
        }
        let call = NativeCall {
            chain_id: u64::decode(&mut buf)?,
            nonce: u64::decode(&mut buf)?,
            max_priority_fee_per_gas: u128::decode(&mut buf)?,
            max_fee_per_gas: u128::decode(&mut buf)?,
            gas_limit: u64::decode(&mut buf)?,
            to: decode_to(&mut buf)?,
            value: U256::decode(&mut buf)?,
            input: Bytes::decode(&mut buf)?,
            open: bool::decode(&mut buf)?,
        };
        let moves = decode_moves(&Bytes::decode(&mut buf)?)?;
        let y_parity = match u64::decode(&mut buf)? {
            0 => false,
            1 => true,
            v => {
                return Err(DecodeError::Invalid(format!("y parity must be 0 or 1, got {v}")));
            }
        };
        let signature = Signature { y_parity, r: U256::decode(&mut buf)?, s: U256::decode(&mut buf)? };
        if !buf.is_empty() {
            return Err(DecodeError::Trailing(buf.len()));
        }
        Ok(Self { call, moves, signature })
    }
}

/// A move as it enters the signed payload: unsigned fields zeroed, mask kept.
fn masked_for_signing(m: &Move) -> Move {
    use crate::moves::Mask;
    let mut out = *m;
    if !m.mask.signs(Mask::INTX) {
        out.intx = B256::ZERO;
    }
    if !m.mask.signs(Mask::PREV) {
        out.prev = B256::ZERO;
    }
    if !m.mask.signs(Mask::NEXT) {
        out.next = B256::ZERO;
    }
    out
}

enum Field {
    U64(u64),
    U128(u128),
    U256(U256),
    Bytes(Bytes),
    Bool(bool),
}

impl Field {
    fn length(&self) -> usize {
        match self {
            Field::U64(v) => v.length(),
            Field::U128(v) => v.length(),
            Field::U256(v) => v.length(),
            Field::Bytes(v) => v.length(),
            Field::Bool(v) => v.length(),
        }
    }

    fn encode(&self, out: &mut dyn alloy_rlp::BufMut) {
        match self {
            Field::U64(v) => v.encode(out),
            Field::U128(v) => v.encode(out),
            Field::U256(v) => v.encode(out),
            Field::Bytes(v) => v.encode(out),
            Field::Bool(v) => v.encode(out),
        }
    }
}

fn call_fields(call: &NativeCall) -> Vec<Field> {
    vec![
        Field::U64(call.chain_id),
        Field::U64(call.nonce),
        Field::U128(call.max_priority_fee_per_gas),
        Field::U128(call.max_fee_per_gas),
        Field::U64(call.gas_limit),
        Field::Bytes(call.to.map(|a| Bytes::copy_from_slice(a.as_slice())).unwrap_or_default()),
        Field::U256(call.value),
        Field::Bytes(call.input.clone()),
        Field::Bool(call.open),
    ]
}

fn decode_to(buf: &mut &[u8]) -> Result<Option<Address>, DecodeError> {
    let bytes = Bytes::decode(buf)?;
    match bytes.len() {
        0 => Ok(None),
        20 => Ok(Some(Address::from_slice(&bytes))),
        n => Err(DecodeError::Length { what: "to address", expected: 20, got: n }),
    }
}

impl SystemTx {
    /// The id: `keccak("manaflow-system" ‖ block number ‖ index ‖ canonical moves)`.
    pub fn id(&self) -> TxId {
        let mut bytes = Vec::with_capacity(SYSTEM_ID_DOMAIN.len() + 12 + self.moves.len() * Move::ENCODED_LEN);
        bytes.extend_from_slice(SYSTEM_ID_DOMAIN);
        bytes.extend_from_slice(&self.block.to_be_bytes());
        bytes.extend_from_slice(&self.index.to_be_bytes());
        for m in &self.moves {
            m.encode_into(&mut bytes);
        }
        keccak256(bytes)
    }
}

/// A transaction of any envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Tx {
    /// A signed Ethereum tx with coordinator-filled moves.
    Ethereum(EthereumTx),
    /// A native tx signed over its masked moves.
    Native(NativeTx),
    /// An unsigned dev-mode system tx.
    System(SystemTx),
}

impl Tx {
    /// The tx id.
    pub fn id(&self) -> TxId {
        match self {
            Tx::Ethereum(tx) => keccak256(&tx.raw),
            Tx::Native(tx) => tx.id(),
            Tx::System(tx) => tx.id(),
        }
    }

    /// The moves, in canonical order.
    pub fn moves(&self) -> &[Move] {
        match self {
            Tx::Ethereum(tx) => &tx.moves,
            Tx::Native(tx) => &tx.moves,
            Tx::System(tx) => &tx.moves,
        }
    }

    /// The moves, mutable (for coordinators filling masked fields, and for tamper tests).
    pub fn moves_mut(&mut self) -> &mut Vec<Move> {
        match self {
            Tx::Ethereum(tx) => &mut tx.moves,
            Tx::Native(tx) => &mut tx.moves,
            Tx::System(tx) => &mut tx.moves,
        }
    }

    /// A short name of the envelope.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Tx::Ethereum(_) => "ethereum",
            Tx::Native(_) => "native",
            Tx::System(_) => "system",
        }
    }

    /// The canonical bytes of the tx inside a block: a kind tag, then the envelope.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Tx::Ethereum(tx) => {
                let moves = Bytes::from(encode_moves(&tx.moves));
                let mut out = vec![KIND_ETHEREUM];
                RlpHeader { list: true, payload_length: tx.raw.length() + moves.length() }.encode(&mut out);
                tx.raw.encode(&mut out);
                moves.encode(&mut out);
                out
            }
            Tx::Native(tx) => tx.encode_2718(),
            Tx::System(tx) => {
                let moves = Bytes::from(encode_moves(&tx.moves));
                let mut out = vec![KIND_SYSTEM];
                let len = tx.block.length() + tx.index.length() + moves.length();
                RlpHeader { list: true, payload_length: len }.encode(&mut out);
                tx.block.encode(&mut out);
                tx.index.encode(&mut out);
                moves.encode(&mut out);
                out
            }
        }
    }

    /// Decodes [`Tx::encode`]; the input must be exactly one tx.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let (&kind, rest) = bytes.split_first().ok_or(DecodeError::Empty("transaction"))?;
        match kind {
            NATIVE_TX_TYPE => NativeTx::decode_2718(bytes).map(Tx::Native),
            KIND_ETHEREUM => {
                let mut buf = list_body(rest)?;
                let raw = Bytes::decode(&mut buf)?;
                let moves = decode_moves(&Bytes::decode(&mut buf)?)?;
                ensure_empty(buf)?;
                Ok(Tx::Ethereum(EthereumTx { raw, moves }))
            }
            KIND_SYSTEM => {
                let mut buf = list_body(rest)?;
                let block = u64::decode(&mut buf)?;
                let index = u32::decode(&mut buf)?;
                let moves = decode_moves(&Bytes::decode(&mut buf)?)?;
                ensure_empty(buf)?;
                Ok(Tx::System(SystemTx { block, index, moves }))
            }
            other => Err(DecodeError::UnknownTxKind(other)),
        }
    }
}

/// The body of one RLP list that must span all of `bytes`.
pub(crate) fn list_body(mut bytes: &[u8]) -> Result<&[u8], DecodeError> {
    let header = RlpHeader::decode(&mut bytes)?;
    if !header.list {
        return Err(DecodeError::Rlp("expected an RLP list".into()));
    }
    if bytes.len() != header.payload_length {
        return Err(DecodeError::Trailing(bytes.len().abs_diff(header.payload_length)));
    }
    Ok(bytes)
}

pub(crate) fn ensure_empty(buf: &[u8]) -> Result<(), DecodeError> {
    if buf.has_remaining() { Err(DecodeError::Trailing(buf.len())) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moves::{Mask, StateKey};

    fn key() -> SigningKey {
        SigningKey::from_bytes(&keccak256(b"native test key")).unwrap()
    }

    fn moves(sender: Address) -> Vec<Move> {
        let mut nonce = Move::write(StateKey::nonce(sender), B256::repeat_byte(1), B256::ZERO, B256::with_last_byte(1));
        nonce.mask = Mask::SIGNED;
        let mut pool = Move::write(
            StateKey::storage(Address::repeat_byte(0xee), B256::ZERO),
            B256::repeat_byte(2),
            B256::with_last_byte(10),
            B256::with_last_byte(9),
        );
        pool.mask = Mask(Mask::PRESENT); // listed, values left to the coordinator
        vec![nonce, pool]
    }

    fn call() -> NativeCall {
        NativeCall {
            chain_id: 31337,
            nonce: 0,
            max_fee_per_gas: 2,
            gas_limit: 50_000,
            to: Some(Address::repeat_byte(0xee)),
            input: Bytes::from_static(b"\x01\x02"),
            ..NativeCall::default()
        }
    }

    #[test]
    fn native_tx_round_trips_and_recovers_its_sender() {
        let k = key();
        let tx = NativeTx::sign(call(), moves(k.address()), &k);
        assert_eq!(tx.recover_sender().unwrap(), k.address());
        let bytes = tx.encode_2718();
        assert_eq!(bytes[0], NATIVE_TX_TYPE);
        let back = NativeTx::decode_2718(&bytes).unwrap();
        assert_eq!(back, tx);
        let wrapped = Tx::Native(tx.clone());
        assert_eq!(Tx::decode(&wrapped.encode()).unwrap(), wrapped);
        let json = serde_json::to_value(&wrapped).unwrap();
        assert_eq!(json["kind"], "native");
        assert_eq!(json["call"]["chainId"], "0x7a69");
        assert_eq!(serde_json::from_value::<Tx>(json).unwrap(), wrapped);
        assert_eq!(wrapped.id(), tx.id());
    }

    #[test]
    fn masked_fields_can_be_filled_without_changing_id_or_signature() {
        let k = key();
        let mut tx = NativeTx::sign(call(), moves(k.address()), &k);
        let id = tx.id();
        tx.moves[1].prev = B256::with_last_byte(77);
        tx.moves[1].next = B256::with_last_byte(70);
        tx.moves[1].intx = B256::repeat_byte(9);
        assert_eq!(tx.id(), id);
        assert_eq!(tx.recover_sender().unwrap(), k.address());
        // A signed field changed: the signature now recovers someone else.
        tx.moves[0].next = B256::with_last_byte(2);
        assert_ne!(tx.recover_sender().ok(), Some(k.address()));
    }

    #[test]
    fn moves_without_presence_bit_are_outside_the_signature() {
        let k = key();
        let mut tx = NativeTx::sign(call(), moves(k.address()), &k);
        let extra = Move::read(StateKey::balance(Address::repeat_byte(3)), B256::ZERO, B256::ZERO);
        tx.moves.push(extra);
        assert_eq!(tx.recover_sender().unwrap(), k.address());
        // Flipping the presence bit of a listed move changes the payload.
        tx.moves[1].mask = Mask::COORDINATOR;
        assert_ne!(tx.recover_sender().ok(), Some(k.address()));
    }

    #[test]
    fn system_and_ethereum_txs_round_trip() {
        let sys = Tx::System(SystemTx { block: 3, index: 1, moves: moves(Address::repeat_byte(5)) });
        assert_eq!(Tx::decode(&sys.encode()).unwrap(), sys);
        let eth = Tx::Ethereum(EthereumTx { raw: Bytes::from_static(b"\x02\xf8"), moves: vec![] });
        assert_eq!(Tx::decode(&eth.encode()).unwrap(), eth);
        assert_eq!(eth.id(), keccak256(b"\x02\xf8"));
    }

    #[test]
    fn bad_bytes_are_errors_never_panics() {
        let k = key();
        let good = Tx::Native(NativeTx::sign(call(), moves(k.address()), &k)).encode();
        assert!(Tx::decode(&[]).is_err());
        assert!(Tx::decode(&[0x7f]).is_err());
        for cut in 0..good.len() {
            assert!(Tx::decode(&good[..cut]).is_err(), "prefix of {cut} bytes decoded");
        }
        let mut long = good.clone();
        long.push(0);
        assert!(Tx::decode(&long).is_err());
    }
}
