//! The checks a tx passes on its own, given the header of its block (DESIGN §4): well-formed
//! moves, the signature over what the masks say, system txs only in dev mode, and `x` moves
//! that agree with the chain's headers. Re-execution is the runtime's part and comes on top.

use alloy_primitives::{Address, B256, U256};

use crate::block::Header;
use crate::context::{ContextField, header_context_value, parse_context_slot};
use crate::moves::{Mark, Move};
use crate::tx::Tx;
use crate::verdict::{Position, Rule, Violation};

/// How far back BLOCKHASH sees.
pub const BLOCKHASH_WINDOW: u64 = 256;

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

/// Checks one tx at `index` of the block with `header`; returns its sender (none for system txs
/// and for Ethereum envelopes, which the runtime decodes).
pub fn check_tx(tx: &Tx, index: u32, header: &Header, chain: &dyn ChainContext) -> Result<Option<Address>, Violation> {
    let block = header.number;
    let at_tx = Position::of_tx(block, index);
    let moves = tx.moves();
    check_move_shapes(moves, block, index)?;
    let sender = match tx {
        Tx::System(sys) => {
            if !chain.dev_mode() {
                return Err(Violation::new(at_tx, Rule::SystemTx, "system txs are valid only on a dev-mode chain"));
            }
            if sys.block != block || sys.index != index {
                return Err(Violation::new(
                    at_tx,
                    Rule::SystemTx,
                    format!(
                        "system tx says block {} index {}, but sits at block {block} index {index}",
                        sys.block, sys.index
                    ),
                ));
            }
            require_unmasked(moves, block, index)?;
            None
        }
        Tx::Ethereum(_) => {
            require_unmasked(moves, block, index)?;
            None
        }
        Tx::Native(native) => {
            if native.call.chain_id != header.chain_id {
                return Err(Violation::new(
                    at_tx,
                    Rule::Signature,
                    format!("signed for chain id {}, this chain is {}", native.call.chain_id, header.chain_id),
                ));
            }
            if !native.call.open
                && let Some(i) = moves.iter().position(|m| !m.mask.present())
            {
                return Err(Violation::new(
                    Position::of_move(block, index, i as u32),
                    Rule::Signature,
                    "a move the sender did not list (P = 0) in a tx whose open flag is not signed",
                ));
            }
            let sender = native.recover_sender().map_err(|e| Violation::new(at_tx, Rule::Signature, e.to_string()))?;
            Some(sender)
        }
    };
    check_context_moves(moves, header, chain, index)?;
    Ok(sender)
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
        let (field, n) = parse_context_slot(&m.slot).expect("shape checked");
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
        assert!(check_tx(&sys(vec![good]), 0, &header(), &Chain(true)).is_ok());
        let wrong = Move::read(ts, B256::ZERO, B256::from(U256::from(1235)));
        let err = check_tx(&sys(vec![wrong]), 0, &header(), &Chain(true)).unwrap_err();
        assert_eq!((err.rule, err.position), (Rule::Context, Position::of_move(300, 0, 0)));
        // BLOCKHASH of a block out of the 256 window is zero.
        let old = Move::read(context_key(ContextField::BlockHash, 10), B256::ZERO, B256::ZERO);
        assert!(check_tx(&sys(vec![old]), 0, &header(), &Chain(true)).is_ok());
        let recent =
            Move::read(context_key(ContextField::BlockHash, 299), B256::ZERO, B256::with_last_byte(299u64 as u8));
        assert!(check_tx(&sys(vec![recent]), 0, &header(), &Chain(true)).is_ok());
    }

    #[test]
    fn order_duplicates_and_shapes_are_malformed() {
        let a =
            Move::write(StateKey::balance(Address::repeat_byte(1)), B256::ZERO, B256::ZERO, B256::with_last_byte(1));
        let b =
            Move::write(StateKey::balance(Address::repeat_byte(2)), B256::ZERO, B256::ZERO, B256::with_last_byte(1));
        assert!(check_tx(&sys(vec![a, b]), 0, &header(), &Chain(true)).is_ok());
        for moves in [vec![b, a], vec![a, a]] {
            let err = check_tx(&sys(moves), 0, &header(), &Chain(true)).unwrap_err();
            assert_eq!((err.rule, err.position), (Rule::Malformed, Position::of_move(300, 0, 1)));
        }
        let mut big_nonce = Move::write(StateKey::nonce(Address::repeat_byte(1)), B256::ZERO, B256::ZERO, B256::ZERO);
        big_nonce.next = B256::repeat_byte(1);
        assert_eq!(check_tx(&sys(vec![big_nonce]), 0, &header(), &Chain(true)).unwrap_err().rule, Rule::Malformed);
    }

    #[test]
    fn system_txs_need_dev_mode_and_their_own_position() {
        assert_eq!(check_tx(&sys(vec![]), 0, &header(), &Chain(false)).unwrap_err().rule, Rule::SystemTx);
        assert_eq!(check_tx(&sys(vec![]), 1, &header(), &Chain(true)).unwrap_err().rule, Rule::SystemTx);
    }
}
