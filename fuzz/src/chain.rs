//! A small valid chain for the differential target: a genesis of four funded accounts and a
//! contract, then two blocks of transfers and storage writes. Ethereum txs carry opaque bytes
//! and their declared moves are trusted ([`TrustDeclared`]): the two validation orders differ
//! in how they check the UTXO rules, which is what the target compares.

use std::sync::OnceLock;

use manaflow_ledger::{MemoryChain, delta::block_delta, positions, seal_block, validate_reverse};
use manaflow_types::{
    Address, B256, Block, Bytes, EthereumTx, FLAG_DEV_MODE, Header, LtHash, Move, Outcome, Position, Rule, StateKey,
    SystemTx, Tx, TxId, U256,
};

/// Accepts the declared moves of every tx: the UTXO rules are what is compared.
pub use manaflow_test_utils::TrustDeclared;

fn word(v: u64) -> B256 {
    B256::from(U256::from(v))
}

fn account(i: u8) -> Address {
    Address::repeat_byte(0x10 + i)
}

const CONTRACT: Address = Address::repeat_byte(0xcc);

/// The live outputs while the chain is built: key → (tx that wrote it, value).
#[derive(Default)]
struct Live(std::collections::BTreeMap<StateKey, (TxId, B256)>);

impl Live {
    /// A move of `key` to `next` from its live output.
    fn touch(&self, key: StateKey, next: impl FnOnce(B256) -> B256) -> Move {
        let (intx, prev) = self.0.get(&key).copied().unwrap_or((TxId::ZERO, B256::ZERO));
        Move::write(key, intx, prev, next(prev))
    }

    fn commit(&mut self, id: TxId, moves: &[Move]) {
        for m in moves.iter().filter(|m| m.is_write()) {
            self.0.insert(m.key(), (id, m.next));
        }
    }
}

/// The commitment state contributed by `blocks`.
fn lthash_after(blocks: &[Block]) -> LtHash {
    let mut h = LtHash::new();
    for b in blocks {
        let ids: Vec<TxId> = b.txs.iter().map(Tx::id).collect();
        h.combine(&block_delta(b, &ids));
    }
    h
}

fn template() -> Header {
    Header {
        timestamp: 1_700_000_000,
        chain_id: 31337,
        gas_limit: 30_000_000,
        flags: FLAG_DEV_MODE,
        ..Header::default()
    }
}

/// The valid chain: genesis and two blocks.
pub fn valid() -> &'static [Block] {
    static CHAIN: OnceLock<Vec<Block>> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let mut live = Live::default();
        let mut moves: Vec<Move> = (0..4).map(|i| live.touch(StateKey::balance(account(i)), |_| word(1_000))).collect();
        moves.push(live.touch(StateKey::code(CONTRACT), |_| B256::repeat_byte(0xc0)));
        moves.push(live.touch(StateKey::nonce(CONTRACT), |_| word(1)));
        moves.push(live.touch(StateKey::storage(CONTRACT, word(0)), |_| word(7)));
        let genesis_tx = SystemTx { block: 0, index: 0, moves };
        live.commit(genesis_tx.id(), &genesis_tx.moves);
        let genesis = seal_block(
            None,
            &template(),
            vec![Tx::System(genesis_tx)],
            vec![Outcome::system()],
            &LtHash::new(),
            &|_| None,
        );
        let mut chain = vec![genesis];
        for number in 1..=2u8 {
            let mut txs = Vec::new();
            for i in 0..3u8 {
                let (from, to) = (account(i), account((i + number) % 4));
                let mut moves = vec![
                    live.touch(StateKey::nonce(from), |n| word(U256::from_be_bytes(n.0).to::<u64>() + 1)),
                    live.touch(StateKey::balance(from), |b| B256::from(U256::from_be_bytes(b.0) - U256::from(5))),
                    live.touch(StateKey::balance(to), |b| B256::from(U256::from_be_bytes(b.0) + U256::from(5))),
                    live.touch(StateKey::storage(CONTRACT, word(u64::from(i))), |_| word(u64::from(number) * 10)),
                ];
                manaflow_types::sort_canonical(&mut moves);
                let raw = Bytes::from(vec![number, i]);
                let tx = Tx::Ethereum(EthereumTx { raw, moves });
                live.commit(tx.id(), tx.moves());
                txs.push(tx);
            }
            let outcomes =
                txs.iter().map(|_| Outcome { success: true, gas_used: 21_000, ..Outcome::default() }).collect();
            let parent = chain.last().map(|b: &Block| b.header.clone());
            let header = Header { timestamp: 1_700_000_000 + u64::from(number), ..template() };
            let located = positions(&chain);
            let locate = |id: &B256| located.get(id).copied();
            let block = seal_block(parent.as_ref(), &header, txs, outcomes, &lthash_after(&chain), &locate);
            chain.push(block);
        }
        chain
    })
}

/// The valid chain with its last block replaced by `block`, re-sealed (links, roots and
/// commitment made right, as a malicious producer would) when `reseal`.
pub fn with_last(block: Block, reseal: bool) -> Vec<Block> {
    let valid = valid();
    let mut chain = valid[..valid.len() - 1].to_vec();
    let block = if reseal {
        let parent = chain.last().map(|b| b.header.clone());
        let located = positions(&chain);
        let locate = |id: &B256| located.get(id).copied();
        seal_block(parent.as_ref(), &block.header, block.txs, block.outcomes, &lthash_after(&chain), &locate)
    } else {
        block
    };
    chain.push(block);
    chain
}

/// A validator's verdict: the first violation it finds, by position and rule.
pub type Verdict = Option<(Position, Rule)>;

/// The forward and the reverse verdicts on `chain`.
pub fn verdicts(chain: &[Block]) -> (Verdict, Verdict) {
    let (_, forward) = MemoryChain::validate(chain, &TrustDeclared, &mut ());
    let reverse = validate_reverse(chain, &TrustDeclared, &mut ()).verdict;
    (forward.err().map(|v| (v.position, v.rule)), reverse.map(|v| (v.position, v.rule)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_is_valid_and_a_tampered_copy_is_refused_alike_both_ways() {
        let chain = valid();
        assert_eq!(verdicts(chain), (None, None));
        let mut block = chain[2].clone();
        if let Tx::Ethereum(tx) = &mut block.txs[1] {
            tx.moves[0].prev = B256::repeat_byte(9);
        }
        let (forward, reverse) = verdicts(&with_last(block, true));
        assert!(forward.is_some(), "a wrong prev is refused");
        assert_eq!(forward, reverse);
    }
}
