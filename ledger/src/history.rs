//! What a validator asks of the chain behind the block it checks: `x` checks need ancestor
//! hashes, and a failing move needs to know whether the output it names was consumed or never
//! existed.

pub use manaflow_types::TxLoc;
use manaflow_types::{ChainContext, CodeSource, StateKey, TxId};

/// Read access to the committed chain.
pub trait History: ChainContext + CodeSource + Sync {
    /// Where tx `id` sits, if it is committed.
    fn locate(&self, id: &TxId) -> Option<TxLoc>;
    /// Whether committed tx `id` has a write move for `key`.
    fn wrote(&self, id: &TxId, key: &StateKey) -> bool;
}
