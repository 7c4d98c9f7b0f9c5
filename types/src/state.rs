//! State as a runtime sees it: the live output of each key, through a [`StateView`].
//!
//! The coordinator executes against the latest state (a view over the UTXO set); a validator
//! re-executes against a tx's declared moves only ([`DeclaredView`]), so any access the tx did
//! not declare fails with the key that was missing.

use std::collections::HashMap;

use alloy_primitives::{B256, Bytes};
use thiserror::Error;

use crate::moves::{Mark, Move, StateKey, TxId, Word};

/// The live output of a key; `intx == 0` is the implicit never-written output (value 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Output {
    /// The tx that created it, or zero.
    pub intx: TxId,
    /// Its value.
    pub value: Word,
}

impl Output {
    /// The implicit output of never-written state.
    pub const NEVER_WRITTEN: Output = Output { intx: TxId::ZERO, value: Word::ZERO };

    /// Whether this is a real output (and so the key's first-use marker exists).
    pub fn is_written(&self) -> bool {
        !self.intx.is_zero()
    }

    /// Encodes as `intx ‖ value` for the checkpoint.
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(self.intx.as_slice());
        out[32..].copy_from_slice(self.value.as_slice());
        out
    }

    /// Decodes [`Output::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        (bytes.len() == 64)
            .then(|| Output { intx: TxId::from_slice(&bytes[..32]), value: Word::from_slice(&bytes[32..]) })
    }
}

/// A piece of state a view cannot provide.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum MissingState {
    /// The key is not in the view (for a declared view: the tx did not declare it).
    #[error("state {0} is not available (an undeclared access)")]
    Key(StateKey),
    /// Code with this hash is not in the code table.
    #[error("code with hash {0} is not available")]
    Code(B256),
    /// The view failed for another reason (storage).
    #[error("state view failed: {0}")]
    Failed(String),
}

/// Read access to state for a runtime.
pub trait StateView: Sync {
    /// The live output of `key` (never-written state is `Output::NEVER_WRITTEN`).
    fn output(&self, key: &StateKey) -> Result<Output, MissingState>;
    /// The code whose keccak256 is `hash` (never asked for the empty code).
    fn code(&self, hash: &B256) -> Result<Bytes, MissingState>;
}

/// The view a validator re-executes a tx against: the tx's declared `(intx, prev)` for each key
/// it lists, code from a code table, and nothing else.
pub struct DeclaredView<'a> {
    outputs: HashMap<StateKey, Output>,
    codes: &'a (dyn Fn(&B256) -> Option<Bytes> + Sync),
}

impl<'a> DeclaredView<'a> {
    /// A view over `moves` (`x` moves are not state and are skipped), with code from `codes`.
    pub fn new(moves: &[Move], codes: &'a (dyn Fn(&B256) -> Option<Bytes> + Sync)) -> Self {
        let outputs = moves
            .iter()
            .filter(|m| m.mark != Mark::Context)
            .map(|m| (m.key(), Output { intx: m.intx, value: m.prev }))
            .collect();
        Self { outputs, codes }
    }
}

impl StateView for DeclaredView<'_> {
    fn output(&self, key: &StateKey) -> Result<Output, MissingState> {
        self.outputs.get(key).copied().ok_or(MissingState::Key(*key))
    }
    fn code(&self, hash: &B256) -> Result<Bytes, MissingState> {
        (self.codes)(hash).ok_or(MissingState::Code(*hash))
    }
}

/// A view that is a plain map (tests, genesis building).
#[derive(Clone, Debug, Default)]
pub struct MapView {
    /// Live outputs by key; absent keys are never written.
    pub outputs: HashMap<StateKey, Output>,
    /// Code by hash.
    pub codes: HashMap<B256, Bytes>,
}

impl StateView for MapView {
    fn output(&self, key: &StateKey) -> Result<Output, MissingState> {
        Ok(self.outputs.get(key).copied().unwrap_or(Output::NEVER_WRITTEN))
    }
    fn code(&self, hash: &B256) -> Result<Bytes, MissingState> {
        self.codes.get(hash).cloned().ok_or(MissingState::Code(*hash))
    }
}

impl MapView {
    /// Applies a tx's writes (`x` moves skipped) as created by `tx`.
    pub fn apply(&mut self, tx: TxId, moves: &[Move]) {
        for m in moves.iter().filter(|m| m.mark != Mark::Context && m.is_write()) {
            self.outputs.insert(m.key(), Output { intx: tx, value: m.next });
        }
    }

    /// The value of `key` (zero when never written).
    pub fn value(&self, key: &StateKey) -> Word {
        self.outputs.get(key).map(|o| o.value).unwrap_or_default()
    }
}

/// A view over another with the writes of some txs on top: the pending state a coordinator
/// executes a block's next tx against.
pub struct OverlayView<'a> {
    base: &'a dyn StateView,
    writes: HashMap<StateKey, Output>,
    codes: HashMap<B256, Bytes>,
}

impl<'a> OverlayView<'a> {
    /// Nothing on top of `base` yet.
    pub fn new(base: &'a dyn StateView) -> Self {
        Self { base, writes: HashMap::new(), codes: HashMap::new() }
    }

    /// Puts tx `id`'s writes (and the code it deployed) on top.
    pub fn apply(&mut self, id: TxId, moves: &[Move], codes: &[Bytes]) {
        for m in moves.iter().filter(|m| m.mark != Mark::Context && m.is_write()) {
            self.writes.insert(m.key(), Output { intx: id, value: m.next });
        }
        for code in codes {
            self.codes.insert(alloy_primitives::keccak256(code), code.clone());
        }
    }
}

impl OverlayView<'_> {
    /// Sets `key`'s output outright (a simulation's state override).
    pub fn set(&mut self, key: StateKey, output: Output) {
        self.writes.insert(key, output);
    }

    /// Makes `code` readable by its hash (a simulation's code override).
    pub fn add_code(&mut self, code: Bytes) {
        self.codes.insert(alloy_primitives::keccak256(&code), code);
    }
}

impl StateView for OverlayView<'_> {
    fn output(&self, key: &StateKey) -> Result<Output, MissingState> {
        match self.writes.get(key) {
            Some(out) => Ok(*out),
            None => self.base.output(key),
        }
    }
    fn code(&self, hash: &B256) -> Result<Bytes, MissingState> {
        match self.codes.get(hash) {
            Some(code) => Ok(code.clone()),
            None => self.base.code(hash),
        }
    }
}
