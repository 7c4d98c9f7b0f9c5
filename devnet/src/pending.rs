//! The pending system tx of DESIGN §8: cheats (`anvil_setBalance`, `setNonce`, `setCode`,
//! `setStorageAt` and their `hardhat_` aliases) do not mine. They merge into one system tx that
//! waits at the head of the next block — one move per key, `intx` and `prev` from the committed
//! state, `next` the latest value set — which reads at the tip see applied and which the next
//! block, whenever it is mined, carries as its tx 0, validated like any system tx.

use std::collections::BTreeMap;

use alloy_primitives::{B256, Bytes, keccak256};
use manaflow_types::{Mark, Move, Outcome, Output, StateKey, SystemTx, Tx, TxId, sort_canonical};

/// The cheats since the last block, merged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingSystem {
    /// One write per key, in key order.
    writes: BTreeMap<StateKey, Move>,
    /// Code the writes of `c` keys name, by hash.
    codes: BTreeMap<B256, Bytes>,
}

impl PendingSystem {
    /// Whether no cheat is pending.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// Sets `key` to `value`. `committed` is the key's live output in the committed state: the
    /// output the write consumes, the first time the key is set.
    pub fn set(&mut self, key: StateKey, value: B256, committed: Output) {
        self.writes
            .entry(key)
            .and_modify(|m| m.next = value)
            .or_insert_with(|| Move::write(key, committed.intx, committed.value, value));
    }

    /// Keeps `code` for the `c` write that names its hash.
    pub fn add_code(&mut self, code: Bytes) {
        self.codes.insert(keccak256(&code), code);
    }

    /// The system tx as block `number` carries it (its tx 0).
    pub fn tx(&self, number: u64) -> SystemTx {
        let mut moves: Vec<Move> = self.writes.values().copied().collect();
        sort_canonical(&mut moves);
        SystemTx { block: number, index: 0, moves }
    }

    /// The id the tx has in block `number`.
    pub fn id(&self, number: u64) -> TxId {
        Tx::System(self.tx(number)).id()
    }

    /// The tx's outcome: the code its `c` writes deploy (a `c` key set to the code it already
    /// holds is a read, and deploys nothing).
    pub fn outcome(&self) -> Outcome {
        let deployed =
            |hash: &B256| self.writes.values().any(|m| m.mark == Mark::Code && m.is_write() && m.next == *hash);
        let codes = self.codes.iter().filter(|(hash, _)| deployed(hash)).map(|(_, code)| code.clone()).collect();
        Outcome { codes, ..Outcome::system() }
    }

    /// The output `key` has once the tx is applied, if the tx writes it (`id`: the tx's id).
    pub fn output(&self, key: &StateKey, id: TxId) -> Option<Output> {
        self.writes.get(key).map(|m| Output { intx: id, value: m.next })
    }

    /// Each key the tx writes with the value it leaves.
    pub fn writes(&self) -> impl Iterator<Item = (StateKey, B256)> + '_ {
        self.writes.iter().map(|(key, m)| (*key, m.next))
    }

    /// Code the tx deploys, by hash.
    pub fn code(&self, hash: &B256) -> Option<Bytes> {
        self.codes.get(hash).cloned()
    }
}
