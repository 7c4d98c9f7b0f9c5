//! Validation verdicts: the position of a failure and the one rule it broke, ranked (DESIGN §4).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where in a block a check applies. Orders as header < txs (by tx, then tx-level before its
/// moves, then by move) < the block's commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Site {
    /// The header (parent link, number, tx root).
    Header,
    /// A tx, or one of its moves.
    Tx {
        /// Index of the tx in the block.
        tx: u32,
        /// Index of the move in the tx, or `None` for the tx as a whole.
        #[serde(rename = "move")]
        mv: Option<u32>,
    },
    /// The UTXO-set commitment after the block.
    Commitment,
}

/// A position in the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Position {
    /// Block number.
    pub block: u64,
    /// Where in the block.
    pub site: Site,
}

impl Position {
    /// A move's position.
    pub fn of_move(block: u64, tx: u32, mv: u32) -> Self {
        Self { block, site: Site::Tx { tx, mv: Some(mv) } }
    }

    /// A tx's position (tx-level checks).
    pub fn of_tx(block: u64, tx: u32) -> Self {
        Self { block, site: Site::Tx { tx, mv: None } }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.site {
            Site::Header => write!(f, "block {} header", self.block),
            Site::Tx { tx, mv: None } => write!(f, "block {} tx {}", self.block, tx),
            Site::Tx { tx, mv: Some(m) } => write!(f, "block {} tx {} move {}", self.block, tx, m),
            Site::Commitment => write!(f, "block {} commitment", self.block),
        }
    }
}

/// The rule a block broke. Rules are ranked: per-tx checks < unknown output < double-use <
/// read-after-consume < prev mismatch < bad commitment (DESIGN §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Rule {
    /// The header does not link to its parent, has the wrong number, or a wrong tx root.
    BadHeader,
    /// Moves out of canonical order, a duplicated key, a malformed field or mask.
    Malformed,
    /// The tx id already appears earlier in the chain.
    DuplicateTx,
    /// A system tx on a chain that is not in dev mode, or at the wrong block or index.
    SystemTx,
    /// The signature does not recover a sender or does not cover what the masks say.
    Signature,
    /// An `x` move disagrees with the chain's headers.
    Context,
    /// Re-execution does not reproduce the declared moves, logs or gas.
    Reexecution,
    /// The move references an output that never existed before it.
    UnknownOutput,
    /// The move consumes an output that an earlier move consumed.
    DoubleUse,
    /// The move reads an output that an earlier move consumed.
    ReadAfterConsume,
    /// The move's `prev` is not the output's value.
    PrevMismatch,
    /// The header's commitment is not the UTXO set after the block.
    BadCommitment,
}

impl Rule {
    /// The rank of the rule among those that can fail at one position (lower reported first).
    pub fn rank(self) -> u8 {
        match self {
            Rule::BadHeader
            | Rule::Malformed
            | Rule::DuplicateTx
            | Rule::SystemTx
            | Rule::Signature
            | Rule::Context
            | Rule::Reexecution => 0,
            Rule::UnknownOutput => 1,
            Rule::DoubleUse => 2,
            Rule::ReadAfterConsume => 3,
            Rule::PrevMismatch => 4,
            Rule::BadCommitment => 5,
        }
    }

    /// A kebab-case name for humans and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Rule::BadHeader => "bad-header",
            Rule::Malformed => "malformed",
            Rule::DuplicateTx => "duplicate-tx",
            Rule::SystemTx => "system-tx",
            Rule::Signature => "signature",
            Rule::Context => "context",
            Rule::Reexecution => "re-execution",
            Rule::UnknownOutput => "unknown-output",
            Rule::DoubleUse => "double-use",
            Rule::ReadAfterConsume => "read-after-consume",
            Rule::PrevMismatch => "prev-mismatch",
            Rule::BadCommitment => "bad-commitment",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed check: where, which rule, and a sentence saying what was wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Where.
    pub position: Position,
    /// Which rule.
    pub rule: Rule,
    /// What was found, for humans.
    pub detail: String,
}

impl Violation {
    /// A violation.
    pub fn new(position: Position, rule: Rule, detail: impl Into<String>) -> Self {
        Self { position, rule, detail: detail.into() }
    }

    /// The key verdicts are ordered by: the earliest `(block, tx, move, rank)` is reported.
    pub fn order_key(&self) -> (Position, u8, Rule) {
        (self.position, self.rule.rank(), self.rule)
    }

    /// Keeps the earlier of two violations.
    pub fn earliest(a: Option<Violation>, b: Option<Violation>) -> Option<Violation> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if b.order_key() < a.order_key() { b } else { a }),
            (a, b) => a.or(b),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.position, self.rule, self.detail)
    }
}

impl std::error::Error for Violation {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_block_tx_move_rank() {
        let v = |p, r| Violation::new(p, r, "");
        let earliest = [
            v(Position::of_move(1, 2, 3), Rule::PrevMismatch),
            v(Position::of_move(1, 2, 3), Rule::UnknownOutput),
            v(Position::of_tx(1, 2), Rule::Signature),
            v(Position { block: 1, site: Site::Commitment }, Rule::BadCommitment),
            v(Position::of_move(0, 9, 9), Rule::PrevMismatch),
        ]
        .into_iter()
        .fold(None, |acc, x| Violation::earliest(acc, Some(x)));
        assert_eq!(earliest.unwrap().position, Position::of_move(0, 9, 9));
        let same_move = Violation::earliest(
            Some(v(Position::of_move(1, 2, 3), Rule::PrevMismatch)),
            Some(v(Position::of_move(1, 2, 3), Rule::DoubleUse)),
        );
        assert_eq!(same_move.unwrap().rule, Rule::DoubleUse);
        assert!(Position::of_tx(1, 2) < Position::of_move(1, 2, 0));
        assert!(Position { block: 1, site: Site::Header } < Position::of_tx(1, 0));
    }
}
