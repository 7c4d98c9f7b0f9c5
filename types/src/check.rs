//! The checks a tx passes on its own, given the header of its block (DESIGN §4): well-formed
//! moves, the signature over what the masks say, system txs only in dev mode, and `x` moves
//! that agree with the chain's headers. Re-execution is the runtime's part and comes on top.

use alloy_primitives::{Address, B256, U256};

use crate::block::Header;
use crate::context::{ContextField, header_context_value, parse_context_slot};
use crate::moves::{Mark, Move};
use crate::tx::Tx;
use crate::verdict::{Position, Rule, Site, Violation};

/// How far back BLOCKHASH sees.
pub const BLOCKHASH_WINDOW: u64 = 256;

/// Heights a chain may reach: a tx's position packs into 8 bytes (40 bits of height).
pub const MAX_HEIGHT: u64 = 1 << 40;
/// Txs one block may hold (24 bits of index).
pub const MAX_BLOCK_TXS: u64 = 1 << 24;

/// What a tx check needs from the chain besides the including header.
pub trait ChainContext {
    /// The hash of block `number`, if it is in the chain before the block being checked.
    fn block_hash(&self, number: u64) -> Option<B256>;
    /// Whether the chain's genesis header flags dev mode.
    fn dev_mode(&self) -> bool;
}

/// The value BLOCKHASH(n) pushes in the block `header`, per EIP-2/Yellow Paper: the hash of one
/// of the 256 previous blocks, else zero.
pub fn blockhash_value(chain: &dyn ChainContext, header: &Header, n: u64) -> B256 {
    if n < header.number && header.number - n <= BLOCKHASH_WINDOW {
        chain.block_hash(n).unwrap_or_default()
    } else {
        B256::ZERO
    }
}

/// The outcome of a tx's own checks: its sender (native txs whose signature recovers) and its
/// earliest failure, if any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxChecked {
    /// The recovered sender of a native tx.
    pub sender: Option<Address>,
    /// The earliest failure by position (tx-level failures come before any of its moves').
    pub failure: Option<Violation>,
}

/// Checks one tx at `index` of the block with `header`. Every check runs and the earliest
/// failure is kept, so the verdict does not depend on the order checks happen to run in.
pub fn check_tx(tx: &Tx, index: u32, header: &Header, chain: &dyn ChainContext) -> TxChecked {
    let block = header.number;
    let at_tx = Position::of_tx(block, index);
    let moves = tx.moves();
    let mut failure = check_move_shapes(moves, block, index).err();
    let mut keep = |v: Violation| failure = Violation::earliest(failure.take(), Some(v));
    let mut sender = None;
    match tx {
        Tx::System(sys) => {
            if !chain.dev_mode() {
                keep(Violation::new(at_tx, Rule::SystemTx, "system txs are valid only on a dev-mode chain"));
            } else if sys.block != block || sys.index != index {
                let why = format!(
                    "system tx says block {} index {}, but sits at block {block} index {index}",
                    sys.block, sys.index
                );
                keep(Violation::new(at_tx, Rule::SystemTx, why));
            }
            if let Err(v) = require_unmasked(moves, block, index) {
                keep(v);
            }
        }
        Tx::Ethereum(_) => {
            if let Err(v) = require_unmasked(moves, block, index) {
                keep(v);
            }
        }
        Tx::Native(native) => {
            if native.call.chain_id != header.chain_id {
                let why = format!("signed for chain id {}, this chain is {}", native.call.chain_id, header.chain_id);
                keep(Violation::new(at_tx, Rule::Signature, why.to_string()));
            }
            for (i, m) in moves.iter().enumerate().filter(|(_, m)| !m.mask.present()) {
                let at = Position::of_move(block, index, i as u32);
                if m.mask.0 != 0 {
                    keep(Violation::new(
                        at,
                        Rule::Malformed,
                        "a move the sender did not list (P = 0) has signed-field bits",
                    ));
                    break;
                }
                if !native.call.open {
                    let why = "a move the sender did not list (P = 0) in a tx whose open flag is not signed";
                    keep(Violation::new(at, Rule::Signature, why));
                    break;
                }
            }
            match native.recover_sender() {
                Ok(address) => {
                    sender = Some(address);
                    if let Err(why) = signed_nonce(moves, address, native.call.nonce) {
                        keep(Violation::new(at_tx, Rule::Signature, why.to_string()));
                    }
                }
                Err(e) => keep(Violation::new(at_tx, Rule::Signature, e.to_string())),
            }
        }
    }
    if let Err(v) = check_context_moves(moves, header, chain, index) {
        keep(v);
    }
    TxChecked { sender, failure }
}

/// Checks the header against its parent (`None` for genesis).
pub fn check_header(header: &Header, parent: Option<&Header>) -> Result<(), Violation> {
    let bad =
        |why: String| Err(Violation::new(Position { block: header.number, site: Site::Header }, Rule::BadHeader, why));
    if header.number >= MAX_HEIGHT {
        return bad(format!("height {} is past the last a chain may reach ({})", header.number, MAX_HEIGHT - 1));
    }
    if header.tx_count >= MAX_BLOCK_TXS {
        return bad(format!("{} txs in one block; at most {}", header.tx_count, MAX_BLOCK_TXS - 1));
    }
    match parent {
        None if header.number != 0 || !header.parent_hash.is_zero() => {
            bad("a chain starts with block 0, whose parent hash is zero".into())
        }
        None => Ok(()),
        Some(p) => {
            if p.number.checked_add(1) != Some(header.number) {
                return bad(format!("number {} does not follow the tip {}", header.number, p.number));
            }
            if header.parent_hash != p.hash() {
                return bad(format!("parent hash {} is not the tip's hash {}", header.parent_hash, p.hash()));
            }
            if header.chain_id != p.chain_id || header.flags != p.flags {
                return bad("chain id and flags must stay those of the genesis header".into());
            }
            if header.timestamp < p.timestamp {
                return bad(format!("timestamp {} is before the parent's {}", header.timestamp, p.timestamp));
            }
            Ok(())
        }
    }
}

/// A native tx must list its sender's nonce move with `prev` signed and equal to its nonce. A
/// recovered signature always names *some* address: if the signed payload was changed (a field
/// altered, a listed move dropped), the address it names has no such move, and this says so.
pub fn signed_nonce(moves: &[Move], sender: Address, nonce: u64) -> Result<(), UnsignedNonce> {
    let key = crate::moves::StateKey::nonce(sender);
    match moves.iter().find(|m| m.key() == key) {
        Some(m)
            if m.mask.present()
                && m.mask.signs(crate::moves::Mask::PREV)
                && m.prev == B256::from(U256::from(nonce)) =>
        {
            Ok(())
        }
        _ => Err(UnsignedNonce { sender, nonce }),
    }
}

/// A native tx whose recovered sender has no signed nonce move with `prev` = the tx's nonce.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the signature recovers {sender}, which has no signed nonce move with prev = the tx nonce {nonce}: \
     the signed payload was changed, or the sender left its own nonce unsigned"
)]
pub struct UnsignedNonce {
    /// The address the signature recovers.
    pub sender: Address,
    /// The tx's nonce.
    pub nonce: u64,
}

fn require_unmasked(moves: &[Move], block: u64, index: u32) -> Result<(), Violation> {
    match moves.iter().position(|m| m.mask.0 != 0) {
        Some(i) => Err(Violation::new(
            Position::of_move(block, index, i as u32),
            Rule::Malformed,
            "moves of unsigned or Ethereum-envelope txs are coordinator-filled: their mask must be 0",
        )),
        None => Ok(()),
    }
}

/// Canonical order with one move per key, and per-mark field shapes.
fn check_move_shapes(moves: &[Move], block: u64, index: u32) -> Result<(), Violation> {
    let bad =
        |i: usize, why: String| Err(Violation::new(Position::of_move(block, index, i as u32), Rule::Malformed, why));
    for (i, m) in moves.iter().enumerate() {
        if i > 0 {
            let (a, b) = (moves[i - 1].key(), m.key());
            if a == b {
                return bad(i, format!("second move for key {b} (one move per key per tx)"));
            }
            if a > b {
                return bad(i, format!("key {b} after {a}: moves must be in canonical (addr, mark, slot) order"));
            }
        }
        match m.mark {
            Mark::Balance | Mark::Code | Mark::Nonce if !m.slot.is_zero() => {
                return bad(i, format!("{} move with a non-zero slot", m.mark));
            }
            Mark::Nonce if !fits_u64(&m.prev) || !fits_u64(&m.next) => {
                return bad(i, "nonce values must fit in u64".into());
            }
            Mark::Context => {
                if !m.addr.is_zero() || !m.intx.is_zero() || m.prev != m.next {
                    return bad(i, "x moves are reads with zero addr and intx".into());
                }
                if parse_context_slot(&m.slot).is_none() {
                    return bad(i, format!("x move with an unknown context slot {}", m.slot));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn fits_u64(word: &B256) -> bool {
    word.as_slice()[..24].iter().all(|b| *b == 0)
}

/// Each `x` move's value is what the header (or an ancestor's hash) gives.
fn check_context_moves(moves: &[Move], header: &Header, chain: &dyn ChainContext, index: u32) -> Result<(), Violation> {
    for (i, m) in moves.iter().enumerate().filter(|(_, m)| m.mark == Mark::Context) {
        // A malformed slot is the shape check's to report.
        let Some((field, n)) = parse_context_slot(&m.slot) else { continue };
        let expected = match field {
            ContextField::BlockHash => blockhash_value(chain, header, n),
            other => header_context_value(header, other).expect("non-blockhash field"),
        };
        if m.next != expected {
            return Err(Violation::new(
                Position::of_move(header.number, index, i as u32),
                Rule::Context,
                format!(
                    "{}{} declared {} but the chain gives {}",
                    field.opcode_name(),
                    if field == ContextField::BlockHash { format!("({n})") } else { String::new() },
                    U256::from_be_bytes(m.next.0),
                    U256::from_be_bytes(expected.0)
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::context_key;
    use crate::moves::StateKey;
    use crate::tx::SystemTx;

    struct Chain(bool);
    impl ChainContext for Chain {
        fn block_hash(&self, number: u64) -> Option<B256> {
            Some(B256::with_last_byte(number as u8))
        }
        fn dev_mode(&self) -> bool {
            self.0
        }
    }

    fn header() -> Header {
        Header { number: 300, timestamp: 1234, chain_id: 31337, ..Header::default() }
    }

    fn sys(moves: Vec<Move>) -> Tx {
        Tx::System(SystemTx { block: 300, index: 0, moves })
    }

    #[test]
    fn context_moves_are_checked_against_headers() {
        let ts = context_key(ContextField::Timestamp, 0);
        let good = Move::read(ts, B256::ZERO, B256::from(U256::from(1234)));
        assert_eq!(check_tx(&sys(vec![good]), 0, &header(), &Chain(true)).failure, None);
        let wrong = Move::read(ts, B256::ZERO, B256::from(U256::from(1235)));
        let err = check_tx(&sys(vec![wrong]), 0, &header(), &Chain(true)).failure.unwrap();
        assert_eq!((err.rule, err.position), (Rule::Context, Position::of_move(300, 0, 0)));
        // BLOCKHASH of a block out of the 256 window is zero.
        let old = Move::read(context_key(ContextField::BlockHash, 10), B256::ZERO, B256::ZERO);
        assert_eq!(check_tx(&sys(vec![old]), 0, &header(), &Chain(true)).failure, None);
        let recent =
            Move::read(context_key(ContextField::BlockHash, 299), B256::ZERO, B256::with_last_byte(299u64 as u8));
        assert_eq!(check_tx(&sys(vec![recent]), 0, &header(), &Chain(true)).failure, None);
    }

    #[test]
    fn order_duplicates_and_shapes_are_malformed() {
        let a =
            Move::write(StateKey::balance(Address::repeat_byte(1)), B256::ZERO, B256::ZERO, B256::with_last_byte(1));
        let b =
            Move::write(StateKey::balance(Address::repeat_byte(2)), B256::ZERO, B256::ZERO, B256::with_last_byte(1));
        assert_eq!(check_tx(&sys(vec![a, b]), 0, &header(), &Chain(true)).failure, None);
        for moves in [vec![b, a], vec![a, a]] {
            let err = check_tx(&sys(moves), 0, &header(), &Chain(true)).failure.unwrap();
            assert_eq!((err.rule, err.position), (Rule::Malformed, Position::of_move(300, 0, 1)));
        }
        let mut big_nonce = Move::write(StateKey::nonce(Address::repeat_byte(1)), B256::ZERO, B256::ZERO, B256::ZERO);
        big_nonce.next = B256::repeat_byte(1);
        assert_eq!(check_tx(&sys(vec![big_nonce]), 0, &header(), &Chain(true)).failure.unwrap().rule, Rule::Malformed);
    }

    #[test]
    fn system_txs_need_dev_mode_and_their_own_position() {
        assert_eq!(check_tx(&sys(vec![]), 0, &header(), &Chain(false)).failure.unwrap().rule, Rule::SystemTx);
        assert_eq!(check_tx(&sys(vec![]), 1, &header(), &Chain(true)).failure.unwrap().rule, Rule::SystemTx);
    }

    #[test]
    fn a_tx_level_failure_wins_over_a_move_level_one_whatever_runs_first() {
        // Moves out of order (move-level, found first) and not in dev mode (tx-level).
        let a =
            Move::write(StateKey::balance(Address::repeat_byte(1)), B256::ZERO, B256::ZERO, B256::with_last_byte(1));
        let b =
            Move::write(StateKey::balance(Address::repeat_byte(2)), B256::ZERO, B256::ZERO, B256::with_last_byte(1));
        let failure = check_tx(&sys(vec![b, a]), 0, &header(), &Chain(false)).failure.unwrap();
        assert_eq!((failure.rule, failure.position), (Rule::SystemTx, Position::of_tx(300, 0)));
    }
}
