//! The bytes of a compact block (DESIGN §10), laid out for size:
//!
//! ```text
//! block   = "MF" 0x01 · varint(len) header-rlp · words · addresses · varint(tx count) · tx*
//! words   = varint(n) · n × 32 bytes      prev values used more than once where a table pays
//! addresses = varint(n) · n × 20 bytes    native senders, in order of first use
//! tx      = 0x00 · varint(len) raw · witness                            (Ethereum envelope)
//!         | 0x01 · varint(len) envelope-without-moves · varint(sender) · varint(n) masks · witness
//!         | 0x02 · varint(len) system-tx · varint(len) references · varint(len) outcome-rlp
//! witness = varint(n) · access*
//! access  = tag · [varint(height delta) · varint(index)] · [prev bytes | varint(word index)]
//! tag     = ref mode (bits 7–6: 0 none, 1 as the previous access, 2 explicit)
//!         · prev (bits 5–0: 0–32 = that many big-endian bytes, leading zeros cut; 33 = table)
//! ```
//!
//! Varints are unsigned LEB128. An explicit reference is the height counted back from this
//! block (0 = an earlier tx of this block) and the index. The encoding is canonical: decoding
//! re-encodes what it read and refuses bytes that differ (a longer varint, a literal with a
//! leading zero, a table entry spelled out, a reference repeated in full), so one block has one
//! compact form.

use std::collections::HashMap;

use alloy_primitives::{Address, B256, Bytes};
use alloy_rlp::Decodable;

use super::{Access, CompactBlock, CompactError, CompactTx};
use crate::block::{Header, decode_header, encode_header};
use crate::check::MAX_BLOCK_TXS;
use crate::moves::{Mask, Word};
use crate::outcome::Outcome;
use crate::reference::{TxLoc, decode_refs, encode_refs};
use crate::tx::{NativeTx, Tx};

/// The first bytes of every compact block: `"MF"` and the layout's version.
pub const MAGIC: [u8; 3] = [b'M', b'F', 0x01];
/// The largest compact block accepted, in bytes.
pub const MAX_COMPACT_BYTES: usize = 32 << 20;
/// The most accesses (and masks) one tx may carry.
pub const MAX_ACCESSES: usize = 1 << 16;
/// The most entries either per-block table may hold.
pub const MAX_TABLE: usize = 1 << 16;

const KIND_ETHEREUM: u8 = 0;
const KIND_NATIVE: u8 = 1;
const KIND_SYSTEM: u8 = 2;
const REF_NONE: u8 = 0;
const REF_SAME: u8 = 1;
const REF_EXPLICIT: u8 = 2;
const PREV_TABLE: u8 = 33;

impl CompactBlock {
    /// The canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        let tables = Tables::of(self);
        let mut out = Vec::with_capacity(256 + self.txs.len() * 256);
        out.extend_from_slice(&MAGIC);
        put_bytes(&mut out, &encode_header(&self.header));
        put_varint(&mut out, tables.words.len() as u64);
        for w in &tables.words {
            out.extend_from_slice(w.as_slice());
        }
        put_varint(&mut out, tables.addresses.len() as u64);
        for a in &tables.addresses {
            out.extend_from_slice(a.as_slice());
        }
        put_varint(&mut out, self.txs.len() as u64);
        for tx in &self.txs {
            match tx {
                CompactTx::Ethereum { raw, witness } => {
                    out.push(KIND_ETHEREUM);
                    put_bytes(&mut out, raw);
                    put_witness(&mut out, witness, &self.header, &tables);
                }
                CompactTx::Native { call, signature, sender, masks, witness } => {
                    out.push(KIND_NATIVE);
                    let shell = NativeTx { call: call.clone(), moves: Vec::new(), signature: *signature };
                    put_bytes(&mut out, &shell.encode_2718());
                    // Every native sender is in the table (`Tables::of`).
                    put_varint(&mut out, tables.address_index.get(sender).copied().unwrap_or_default() as u64);
                    put_varint(&mut out, masks.len() as u64);
                    out.extend(masks.iter().map(|m| m.0));
                    put_witness(&mut out, witness, &self.header, &tables);
                }
                CompactTx::System { tx, refs, outcome } => {
                    out.push(KIND_SYSTEM);
                    put_bytes(&mut out, &Tx::System(tx.clone()).encode());
                    put_bytes(&mut out, &encode_refs(refs));
                    put_bytes(&mut out, &alloy_rlp::encode(outcome));
                }
            }
        }
        out
    }

    /// Decodes [`CompactBlock::encode`]: exactly one compact block, within the bounds, in its
    /// canonical bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, CompactError> {
        if bytes.len() > MAX_COMPACT_BYTES {
            return Err(bad(format!("{} bytes, over the limit of {MAX_COMPACT_BYTES}", bytes.len())));
        }
        let mut r = Reader { buf: bytes };
        if r.take(MAGIC.len(), "magic")? != MAGIC {
            return Err(bad(format!("does not start with the magic bytes {MAGIC:02x?} (\"MF\", version 1)")));
        }
        let header = decode_header(r.bytes("header")?).map_err(|e| bad(format!("header: {e}")))?;
        let words = r.table(32, "word table")?.map(B256::from_slice).collect::<Vec<_>>();
        let addresses = r.table(20, "address table")?.map(Address::from_slice).collect::<Vec<_>>();
        let count = r.count(MAX_BLOCK_TXS as usize, 1, "txs")?;
        if count as u64 != header.tx_count {
            return Err(bad(format!("{count} txs but the header counts {}", header.tx_count)));
        }
        let mut txs = Vec::with_capacity(count);
        for index in 0..count {
            let tx = r.tx(&header, &words, &addresses).map_err(|why| CompactError::Tx { index: index as u32, why })?;
            txs.push(tx);
        }
        if !r.buf.is_empty() {
            return Err(bad(format!("{} bytes after the last tx", r.buf.len())));
        }
        let block = CompactBlock { header, txs };
        if block.encode() != bytes {
            return Err(bad("not the canonical encoding of the block it decodes to (a longer varint, a \
                 leading zero, a table entry spelled out, or a reference repeated in full)"
                .into()));
        }
        Ok(block)
    }
}

fn bad(why: String) -> CompactError {
    CompactError::Bytes(why)
}

/// The per-block tables the encoder uses.
struct Tables {
    words: Vec<Word>,
    word_index: HashMap<Word, usize>,
    addresses: Vec<Address>,
    address_index: HashMap<Address, usize>,
}

impl Tables {
    /// A word goes in the table when its uses, each spelled as a ~2-byte index, save more than
    /// the 32 bytes the entry costs: `uses × (literal length − 2) > 32`. First use first.
    fn of(block: &CompactBlock) -> Self {
        let mut uses: HashMap<Word, (usize, usize)> = HashMap::new();
        let prevs = block.txs.iter().flat_map(|tx| tx.witness()).map(|a| a.prev);
        for (order, prev) in prevs.enumerate() {
            uses.entry(prev).or_insert((order, 0)).1 += 1;
        }
        let mut chosen: Vec<(usize, Word)> = uses
            .into_iter()
            .filter(|(w, (_, n))| *n * literal(w).len().saturating_sub(2) > 32)
            .map(|(w, (first, _))| (first, w))
            .collect();
        chosen.sort_unstable();
        chosen.truncate(MAX_TABLE);
        let words: Vec<Word> = chosen.into_iter().map(|(_, w)| w).collect();
        let word_index = words.iter().enumerate().map(|(i, w)| (*w, i)).collect();
        let (mut addresses, mut address_index) = (Vec::new(), HashMap::new());
        for tx in &block.txs {
            if let CompactTx::Native { sender, .. } = tx {
                address_index.entry(*sender).or_insert_with(|| {
                    addresses.push(*sender);
                    addresses.len() - 1
                });
            }
        }
        Self { words, word_index, addresses, address_index }
    }
}

/// A word's big-endian bytes with leading zeros cut (empty for zero).
fn literal(w: &Word) -> &[u8] {
    let first = w.iter().position(|b| *b != 0).unwrap_or(32);
    &w[first..]
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_witness(out: &mut Vec<u8>, witness: &[Access], header: &Header, tables: &Tables) {
    put_varint(out, witness.len() as u64);
    let mut previous: Option<TxLoc> = None;
    for access in witness {
        let mode = match access.reference {
            None => REF_NONE,
            Some(r) if previous == Some(r) => REF_SAME,
            Some(_) => REF_EXPLICIT,
        };
        let table = tables.word_index.get(&access.prev);
        let lit = literal(&access.prev);
        let prev_code = if table.is_some() { PREV_TABLE } else { lit.len() as u8 };
        out.push(mode << 6 | prev_code);
        if let (REF_EXPLICIT, Some(r)) = (mode, access.reference) {
            put_varint(out, header.number.wrapping_sub(r.block));
            put_varint(out, u64::from(r.index));
        }
        match table {
            Some(i) => put_varint(out, *i as u64),
            None => out.extend_from_slice(lit),
        }
        if access.reference.is_some() {
            previous = access.reference;
        }
    }
}

/// A cursor over the input; every read names what it was reading when the input ends.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], CompactError> {
        if self.buf.len() < n {
            return Err(bad(format!("ends inside {what} ({n} bytes needed, {} left)", self.buf.len())));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn varint(&mut self, what: &str) -> Result<u64, CompactError> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1, what)?[0];
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(bad(format!("{what}: a varint over 64 bits")));
            }
            v |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(bad(format!("{what}: a varint over 64 bits")))
    }

    /// A count of at most `max` items of at least `min_len` bytes each (so a count cannot ask
    /// for more than the input holds).
    fn count(&mut self, max: usize, min_len: usize, what: &str) -> Result<usize, CompactError> {
        let n = self.varint(what)?;
        if n > max as u64 {
            return Err(bad(format!("{n} {what}, over the limit of {max}")));
        }
        if n.saturating_mul(min_len as u64) > self.buf.len() as u64 {
            return Err(bad(format!("{n} {what} cannot fit in the {} bytes left", self.buf.len())));
        }
        Ok(n as usize)
    }

    fn bytes(&mut self, what: &str) -> Result<&'a [u8], CompactError> {
        let n = self.count(MAX_COMPACT_BYTES, 1, what)?;
        self.take(n, what)
    }

    fn table(&mut self, width: usize, what: &str) -> Result<std::slice::ChunksExact<'a, u8>, CompactError> {
        let n = self.count(MAX_TABLE, width, what)?;
        Ok(self.take(n * width, what)?.chunks_exact(width))
    }

    fn tx(&mut self, header: &Header, words: &[Word], addresses: &[Address]) -> Result<CompactTx, String> {
        let kind = self.take(1, "tx kind").map_err(|e| e.to_string())?[0];
        let text = |e: CompactError| e.to_string();
        match kind {
            KIND_ETHEREUM => {
                let raw = Bytes::copy_from_slice(self.bytes("Ethereum envelope").map_err(text)?);
                let witness = self.witness(header, words).map_err(text)?;
                Ok(CompactTx::Ethereum { raw, witness })
            }
            KIND_NATIVE => {
                let shell = NativeTx::decode_2718(self.bytes("native envelope").map_err(text)?)
                    .map_err(|e| format!("native envelope: {e}"))?;
                if !shell.moves.is_empty() {
                    return Err("a compact native envelope carries no moves (they are re-derived)".into());
                }
                let index = self.varint("sender index").map_err(text)?;
                let sender = *addresses
                    .get(usize::try_from(index).unwrap_or(usize::MAX))
                    .ok_or_else(|| format!("sender index {index} is past the {}-entry table", addresses.len()))?;
                let n = self.count(MAX_ACCESSES, 1, "masks").map_err(text)?;
                let masks = self.take(n, "masks").map_err(text)?;
                if let Some(m) = masks.iter().find(|m| **m & !Mask::DEFINED != 0) {
                    return Err(format!("mask {m:#04x} sets undefined bits"));
                }
                let masks = masks.iter().map(|m| Mask(*m)).collect();
                let witness = self.witness(header, words).map_err(text)?;
                Ok(CompactTx::Native { call: shell.call, signature: shell.signature, sender, masks, witness })
            }
            KIND_SYSTEM => {
                let tx = match Tx::decode(self.bytes("system tx").map_err(text)?) {
                    Ok(Tx::System(tx)) => tx,
                    Ok(other) => return Err(format!("a {} tx where a system tx was announced", other.kind_name())),
                    Err(e) => return Err(format!("system tx: {e}")),
                };
                let refs = decode_refs(self.bytes("references").map_err(text)?).map_err(|e| e.to_string())?;
                if refs.len() != tx.moves.len() {
                    return Err(format!("{} moves but {} references", tx.moves.len(), refs.len()));
                }
                let mut outcome_bytes = self.bytes("outcome").map_err(text)?;
                let outcome = Outcome::decode(&mut outcome_bytes).map_err(|e| format!("outcome: {e}"))?;
                if !outcome_bytes.is_empty() {
                    return Err(format!("{} bytes after the outcome", outcome_bytes.len()));
                }
                Ok(CompactTx::System { tx, refs, outcome })
            }
            other => Err(format!("unknown tx kind {other:#04x} (0 Ethereum, 1 native, 2 system)")),
        }
    }

    fn witness(&mut self, header: &Header, words: &[Word]) -> Result<Vec<Access>, CompactError> {
        let n = self.count(MAX_ACCESSES, 1, "accesses")?;
        let mut witness = Vec::with_capacity(n);
        let mut previous: Option<TxLoc> = None;
        for i in 0..n {
            let tag = self.take(1, "access tag")?[0];
            let reference = match tag >> 6 {
                REF_NONE => None,
                REF_SAME => {
                    Some(previous.ok_or_else(|| bad(format!("access {i} repeats a reference, but none came before")))?)
                }
                REF_EXPLICIT => {
                    let back = self.varint("reference height")?;
                    let block = header.number.checked_sub(back).ok_or_else(|| {
                        bad(format!("access {i} reaches {back} blocks back from block {}", header.number))
                    })?;
                    let index = u32::try_from(self.varint("reference index")?)
                        .map_err(|_| bad(format!("access {i}: reference index over 32 bits")))?;
                    Some(TxLoc { block, index })
                }
                _ => return Err(bad(format!("access {i}: reference mode 3 is not defined"))),
            };
            let prev = match tag & 0x3f {
                len @ 0..=32 => {
                    let mut word = [0u8; 32];
                    word[32 - len as usize..].copy_from_slice(self.take(len as usize, "prev value")?);
                    B256::from(word)
                }
                PREV_TABLE => {
                    let index = self.varint("word index")?;
                    *words.get(usize::try_from(index).unwrap_or(usize::MAX)).ok_or_else(|| {
                        bad(format!("access {i}: word index {index} is past the {}-entry table", words.len()))
                    })?
                }
                code => return Err(bad(format!("access {i}: prev code {code} is not defined (0–32 bytes, 33 table)"))),
            };
            if reference.is_some() {
                previous = reference;
            }
            witness.push(Access { reference, prev });
        }
        Ok(witness)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tx::SystemTx;

    fn sample() -> CompactBlock {
        let hash = B256::repeat_byte(0xc0);
        let witness = |n: u64| {
            vec![
                Access { reference: Some(TxLoc::new(3, n as u32)), prev: B256::from(alloy_primitives::U256::from(n)) },
                Access { reference: Some(TxLoc::new(3, n as u32)), prev: B256::with_last_byte(1) },
                Access { reference: None, prev: B256::ZERO },
                Access { reference: Some(TxLoc::new(0, 0)), prev: hash },
                Access { reference: Some(TxLoc::new(5, 0)), prev: hash },
            ]
        };
        let system = SystemTx { block: 5, index: 0, moves: vec![] };
        let mut txs = vec![CompactTx::System { tx: system, refs: vec![], outcome: Outcome::system() }];
        txs.extend((1..4).map(|n| CompactTx::Ethereum { raw: Bytes::from(vec![2, n as u8]), witness: witness(n) }));
        CompactBlock { header: Header { number: 5, tx_count: 4, ..Header::default() }, txs }
    }

    #[test]
    fn a_compact_block_round_trips_with_its_tables() {
        let block = sample();
        let bytes = block.encode();
        assert_eq!(CompactBlock::decode(&bytes).unwrap(), block);
        let tables = Tables::of(&block);
        assert_eq!(tables.words, vec![B256::repeat_byte(0xc0)], "the repeated code hash, not the small values");
    }

    #[test]
    fn short_long_and_non_canonical_bytes_are_refused() {
        let bytes = sample().encode();
        for cut in 0..bytes.len() {
            assert!(CompactBlock::decode(&bytes[..cut]).is_err(), "a prefix of {cut} bytes decoded");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(CompactBlock::decode(&long).unwrap_err().to_string().contains("after the last tx"));
        // The tx count spelled as a longer varint (1 as 0x81 0x00) is not canonical.
        let mut block = sample();
        block.txs.truncate(1);
        block.header.tx_count = 1;
        let mut out = block.encode();
        let mut header = Vec::new();
        put_bytes(&mut header, &encode_header(&block.header));
        let count_at = MAGIC.len() + header.len() + 2;
        assert_eq!((out[count_at], out[count_at + 1]), (1, KIND_SYSTEM));
        out.splice(count_at..=count_at, [0x81, 0x00]);
        assert!(CompactBlock::decode(&out).unwrap_err().to_string().contains("canonical"));
    }

    #[test]
    fn counts_beyond_the_input_or_the_bounds_are_refused_before_allocating() {
        let mut out = MAGIC.to_vec();
        put_bytes(&mut out, &encode_header(&Header::default()));
        put_varint(&mut out, u64::MAX);
        assert!(CompactBlock::decode(&out).unwrap_err().to_string().contains("over the limit"));
        let mut out = MAGIC.to_vec();
        put_bytes(&mut out, &encode_header(&Header::default()));
        put_varint(&mut out, 1000);
        assert!(CompactBlock::decode(&out).unwrap_err().to_string().contains("cannot fit"));
        assert!(CompactBlock::decode(&vec![0u8; MAX_COMPACT_BYTES + 1]).unwrap_err().to_string().contains("limit"));
    }
}
