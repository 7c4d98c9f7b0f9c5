//! What a validator answers for each tx of a batch (DESIGN §11): accepted into the block being
//! filled at its index, or dropped with the rule it broke and, where one move broke it, that move.
//! Vocabulary shared by the validator, which gives fates, and a coordinator, which reads them.

use manaflow_types::{Rule, TxId};
use serde::{Deserialize, Serialize};

/// Why a validator dropped a tx: a rule of DESIGN §4, or one of the batch rules of §11.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DropRule {
    /// Filled for a block already sealed: re-fill it for the next one.
    Stale,
    /// The block being filled has no gas left for it: re-fill it for the next one.
    BlockFull,
    /// It consumes or reads an output of a tx of its batch that was dropped.
    Dependent,
    /// Its bytes are not a tx with an outcome.
    Malformed,
    /// A rule a block's tx breaks (DESIGN §4).
    #[serde(untagged)]
    Broke(Rule),
}

impl DropRule {
    /// Whether its coordinator may fill the tx again and resend it: the state it was filled on
    /// moved on, but the tx itself may be fine.
    pub fn refillable(self) -> bool {
        matches!(
            self,
            DropRule::Stale
                | DropRule::BlockFull
                | DropRule::Dependent
                | DropRule::Broke(Rule::DoubleUse | Rule::ReadAfterConsume | Rule::PrevMismatch | Rule::Context)
        )
    }
}

impl std::fmt::Display for DropRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DropRule::Broke(rule) => write!(f, "{rule:?}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One tx's fate at the validator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum TxFate {
    /// In the block being filled (`block`, not sealed yet) at `index`.
    Accepted {
        /// The tx id.
        id: TxId,
        /// The block it will be sealed in.
        block: u64,
        /// Its index there.
        index: u32,
    },
    /// In sealed block `block` at `index`.
    Included {
        /// The tx id.
        id: TxId,
        /// Its block.
        block: u64,
        /// Its index there.
        index: u32,
    },
    /// Dropped: never in a block.
    Dropped {
        /// The tx id (`None`: its bytes were not a tx).
        id: Option<TxId>,
        /// The rule it broke.
        rule: DropRule,
        /// The move that broke it, by index in the tx, when one did.
        #[serde(rename = "move", default, skip_serializing_if = "Option::is_none")]
        mv: Option<u32>,
        /// What was wrong, in words, with what to do where there is something to do.
        reason: String,
    },
}

impl TxFate {
    /// A drop of tx `id` for `rule`.
    pub fn dropped(id: Option<TxId>, rule: DropRule, mv: Option<u32>, reason: impl Into<String>) -> Self {
        TxFate::Dropped { id, rule, mv, reason: reason.into() }
    }

    /// The tx's id, when its bytes were a tx.
    pub fn id(&self) -> Option<TxId> {
        match self {
            TxFate::Accepted { id, .. } | TxFate::Included { id, .. } => Some(*id),
            TxFate::Dropped { id, .. } => *id,
        }
    }
}
