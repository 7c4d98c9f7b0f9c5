//! Random valid chains built directly from moves, and the tampers the UTXO rules must catch.

use std::collections::BTreeMap;

use manaflow_ledger::{ForwardState, MemoryChain, Output, positions, seal_block, seal_with_references};
use manaflow_types::{
    Address, B256, Block, Bytes, ContextField, EthereumTx, FLAG_DEV_MODE, Header, LtHash, Move, Outcome, Position,
    StateKey, SystemTx, Tx, TxId, U256, Violation, context_key,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Accepts the declared moves of every tx: the UTXO rules are what these tests exercise;
/// re-execution is the EVM's.
pub use manaflow_test_utils::TrustDeclared;

/// The outcome these tests declare for an ordinary tx.
pub fn plain_outcome() -> Outcome {
    Outcome { success: true, gas_used: 21_000, ..Outcome::default() }
}

/// Where a move sits: (block, tx, move).
pub type At = (usize, usize, usize);

pub fn position(at: At) -> Position {
    Position::of_move(at.0 as u64, at.1 as u32, at.2 as u32)
}

/// Builds random valid chains: ETH-like transfers, storage writes and reads, first uses, txs
/// that consume outputs created earlier in the same block, and context reads.
pub struct ChainGen {
    rng: SmallRng,
    live: BTreeMap<StateKey, Output>,
    accounts: Vec<Address>,
    contracts: Vec<Address>,
    counter: u64,
}

impl ChainGen {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SmallRng::seed_from_u64(seed),
            live: BTreeMap::new(),
            accounts: vec![],
            contracts: vec![],
            counter: 0,
        }
    }

    fn live(&self, key: &StateKey) -> Output {
        self.live.get(key).copied().unwrap_or(Output::NEVER_WRITTEN)
    }

    fn word(v: u64) -> B256 {
        B256::from(U256::from(v))
    }

    fn fresh_address(&mut self) -> Address {
        Address::from(self.rng.random::<[u8; 20]>())
    }

    /// A move of `key` from its live output to `next` (a read if unchanged).
    fn touch(&self, moves: &mut BTreeMap<StateKey, Move>, key: StateKey, next: impl FnOnce(B256) -> B256) {
        let live = moves.get(&key).map(|m| Output { intx: m.intx, value: m.prev }).unwrap_or_else(|| self.live(&key));
        let prev = live.value;
        moves.insert(key, Move::write(key, live.intx, prev, next(prev)));
    }

    fn commit_moves(&mut self, id: TxId, moves: &[Move]) {
        for m in moves.iter().filter(|m| m.is_write() && m.mark != manaflow_types::Mark::Context) {
            self.live.insert(m.key(), Output { intx: id, value: m.next });
        }
    }

    fn genesis(&mut self, template: &Header) -> Block {
        let mut moves = BTreeMap::new();
        for _ in 0..4 {
            let a = self.fresh_address();
            self.accounts.push(a);
            self.touch(&mut moves, StateKey::balance(a), |_| Self::word(1_000_000));
        }
        for _ in 0..2 {
            let c = self.fresh_address();
            self.contracts.push(c);
            self.touch(&mut moves, StateKey::code(c), |_| B256::repeat_byte(0xc0));
            self.touch(&mut moves, StateKey::nonce(c), |_| Self::word(1));
            self.touch(&mut moves, StateKey::storage(c, Self::word(0)), |_| Self::word(7));
        }
        let moves: Vec<Move> = moves.into_values().collect();
        let tx = SystemTx { block: 0, index: 0, moves };
        let id = tx.id();
        self.commit_moves(id, &tx.moves);
        let mut header = template.clone();
        header.flags = FLAG_DEV_MODE;
        seal_block(None, &header, vec![Tx::System(tx)], vec![Outcome::system()], &LtHash::new(), &|_| None)
    }

    fn random_tx(&mut self, header: &Header) -> Tx {
        let mut moves = BTreeMap::new();
        let sender = self.accounts[self.rng.random_range(0..self.accounts.len())];
        self.touch(&mut moves, StateKey::nonce(sender), |n| Self::word(U256::from_be_bytes(n.0).to::<u64>() + 1));
        match self.rng.random_range(0..3) {
            0 => {
                // A transfer, sometimes to a new account (first uses).
                let to = if self.rng.random_bool(0.3) {
                    let a = self.fresh_address();
                    self.accounts.push(a);
                    a
                } else {
                    self.accounts[self.rng.random_range(0..self.accounts.len())]
                };
                let amount = self.rng.random_range(1..10u64);
                if to != sender {
                    self.touch(&mut moves, StateKey::balance(sender), |b| {
                        B256::from(U256::from_be_bytes(b.0) - U256::from(amount))
                    });
                    self.touch(&mut moves, StateKey::balance(to), |b| {
                        B256::from(U256::from_be_bytes(b.0) + U256::from(amount))
                    });
                    self.touch(&mut moves, StateKey::code(to), |c| c);
                }
            }
            1 => {
                // A contract call: storage writes (some to fresh slots) and reads.
                let c = self.contracts[self.rng.random_range(0..self.contracts.len())];
                self.touch(&mut moves, StateKey::code(c), |v| v);
                for _ in 0..self.rng.random_range(1..5) {
                    let slot = Self::word(self.rng.random_range(0..12));
                    let write = self.rng.random_bool(0.6);
                    let v = self.rng.random_range(1..1000u64);
                    self.touch(&mut moves, StateKey::storage(c, slot), |old| if write { Self::word(v) } else { old });
                }
                self.touch(&mut moves, StateKey::balance(sender), |b| b);
            }
            _ => {
                // Reads only, plus a context read.
                let other = self.accounts[self.rng.random_range(0..self.accounts.len())];
                self.touch(&mut moves, StateKey::balance(other), |b| b);
                let ts = context_key(ContextField::Timestamp, 0);
                moves.insert(ts, Move::read(ts, B256::ZERO, Self::word(header.timestamp)));
            }
        }
        self.counter += 1;
        let raw = Bytes::from(format!("opaque-test-tx-{}-{}", self.counter, self.rng.random::<u64>()).into_bytes());
        let tx = Tx::Ethereum(EthereumTx { raw, moves: moves.into_values().collect() });
        let id = tx.id();
        self.commit_moves(id, tx.moves());
        tx
    }

    /// A valid chain: genesis plus `blocks` blocks of 1..=`max_txs` txs.
    pub fn chain(&mut self, blocks: usize, max_txs: usize) -> Vec<Block> {
        let template = Header { timestamp: 1_700_000_000, chain_id: 31337, gas_limit: 30_000_000, ..Header::default() };
        let mut chain = vec![self.genesis(&template)];
        let mut lthash = lthash_after(&chain);
        for _ in 0..blocks {
            let parent = chain.last().unwrap().header.clone();
            let mut header = template.clone();
            header.timestamp = parent.timestamp + self.rng.random_range(0..3);
            let n = self.rng.random_range(1..=max_txs);
            let txs: Vec<Tx> = (0..n).map(|_| self.random_tx(&header)).collect();
            let outcomes = txs.iter().map(|_| plain_outcome()).collect();
            let located = positions(&chain);
            let block = seal_block(Some(&parent), &header, txs, outcomes, &lthash, &|id| located.get(id).copied());
            lthash = lthash_after(std::slice::from_ref(&block)).tap_combine(lthash);
            chain.push(block);
        }
        chain
    }

    pub fn rng(&mut self) -> &mut SmallRng {
        &mut self.rng
    }
}

trait TapCombine {
    fn tap_combine(self, base: LtHash) -> LtHash;
}

impl TapCombine for LtHash {
    fn tap_combine(self, mut base: LtHash) -> LtHash {
        base.combine(&self);
        base
    }
}

/// The commitment state contributed by `blocks` (their deltas summed).
pub fn lthash_after(blocks: &[Block]) -> LtHash {
    let mut h = LtHash::new();
    for b in blocks {
        let ids: Vec<TxId> = b.txs.iter().map(Tx::id).collect();
        h.combine(&manaflow_ledger::delta::block_delta(b, &ids));
    }
    h
}

/// Re-seals blocks `from..` after a tamper: parent links, tx roots and commitments, as a
/// malicious producer would, so that only the rules on moves can object. The commitment of
/// `keep_commitment` (if any) is left as it is.
pub fn reseal(blocks: &mut [Block], from: usize, keep_commitment: Option<usize>) {
    let mut lthash = lthash_after(&blocks[..from]);
    for j in from..blocks.len() {
        let parent = (j > 0).then(|| blocks[j - 1].header.clone());
        let kept = blocks[j].header.commitment;
        let txs = std::mem::take(&mut blocks[j].txs);
        let outcomes = std::mem::take(&mut blocks[j].outcomes);
        let template = blocks[j].header.clone();
        let located = positions(&blocks[..j]);
        let locate = |id: &TxId| located.get(id).copied();
        let mut sealed = seal_block(parent.as_ref(), &template, txs, outcomes, &lthash, &locate);
        lthash = lthash_after(std::slice::from_ref(&sealed)).tap_combine(lthash);
        if keep_commitment == Some(j) {
            sealed.header.commitment = kept;
        }
        blocks[j] = sealed;
    }
}

/// Plants reference `r` on move `at`, re-seals its block keeping the references as they are
/// (a producer lying about one position), and re-seals the blocks after it.
pub fn plant_reference(blocks: &mut [Block], at: At, r: manaflow_types::TxLoc) {
    let (b, t, i) = at;
    let mut refs = blocks[b].refs.clone();
    refs[t][i] = r;
    let lthash = lthash_after(&blocks[..b]);
    let parent = (b > 0).then(|| blocks[b - 1].header.clone());
    let template = blocks[b].header.clone();
    let (txs, outcomes) = (std::mem::take(&mut blocks[b].txs), std::mem::take(&mut blocks[b].outcomes));
    blocks[b] = seal_with_references(parent.as_ref(), &template, txs, outcomes, refs, &lthash);
    reseal(blocks, b + 1, None);
}

/// Forward verdict: validate in memory from genesis, stopping at the first invalid block.
pub fn forward(blocks: &[Block]) -> (MemoryChain, Option<Violation>) {
    let (chain, result) = MemoryChain::validate(blocks, &TrustDeclared, &mut ());
    (chain, result.err())
}

/// Every written key's output in a forward state, in canonical order.
pub fn forward_outputs(state: &ForwardState) -> Vec<(StateKey, Output)> {
    let mut v: Vec<_> = state.set.iter_written().map(|(k, o)| (*k, o.out)).collect();
    v.sort_unstable_by_key(|(k, _)| *k);
    v
}

/// All (position, move, tx id) of the chain's UTXO moves, in chain order.
pub fn utxo_moves(blocks: &[Block]) -> Vec<(At, Move, TxId)> {
    let mut out = vec![];
    for (b, block) in blocks.iter().enumerate() {
        for (t, tx) in block.txs.iter().enumerate() {
            let id = tx.id();
            for (i, m) in tx.moves().iter().enumerate() {
                if m.mark != manaflow_types::Mark::Context {
                    out.push(((b, t, i), *m, id));
                }
            }
        }
    }
    out
}
