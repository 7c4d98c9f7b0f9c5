//! The EVM's part of the compact wire form (DESIGN §10): re-deriving a compact tx's moves and
//! outcome from its witness, and the first-access order a canonical tx's witness lists.

use alloy_primitives::B256;
use manaflow_types::compact::{RecordingView, WitnessView};
use manaflow_types::{
    ChainContext, CodeSource, CompactTx, DeclaredView, DeriveError, Derived, ExecError, Header, MissingState, NativeTx,
    Runtime, StateKey, Tx, Violation,
};

use crate::verifier::{EvmVerifier, outcome_of};

impl EvmVerifier {
    /// Re-executes `tx` against its witness (see [`manaflow_types::TxVerifier::derive`]).
    pub fn derive_compact(
        &self,
        tx: &CompactTx,
        index: u32,
        header: &Header,
        chain: &dyn ChainContext,
        codes: &dyn CodeSource,
    ) -> Result<Derived, DeriveError> {
        let other = |e: Violation| DeriveError::Other(e.detail);
        let (shell, sender, masks, witness) = match tx {
            CompactTx::Ethereum { raw, witness } => {
                (Tx::Ethereum(manaflow_types::EthereumTx { raw: raw.clone(), moves: Vec::new() }), None, None, witness)
            }
            CompactTx::Native { call, signature, sender, masks, witness } => {
                let shell = NativeTx { call: call.clone(), moves: Vec::new(), signature: *signature };
                (Tx::Native(shell), Some(*sender), Some(masks), witness)
            }
            CompactTx::System { .. } => {
                return Err(DeriveError::Other("a system tx travels canonical: it has nothing to re-derive".into()));
            }
        };
        let call = self.call_of(&shell, index, sender, header).map_err(other)?;
        let view = WitnessView::new(witness, codes);
        let exec = match self.runtime().execute(&call, header, chain, &view) {
            Ok(exec) => exec,
            Err(ExecError::Missing(MissingState::Code(hash))) => return Err(DeriveError::Code(hash)),
            Err(ExecError::Missing(MissingState::Key(key))) => {
                return Err(DeriveError::Other(format!(
                    "the witness ends after {} accesses but execution also reads {key}: it is too short",
                    witness.len()
                )));
            }
            Err(e) => return Err(DeriveError::Other(format!("re-execution refuses the tx: {e}"))),
        };
        let refs = view.finish(&exec.moves).map_err(DeriveError::Other)?;
        let outcome = outcome_of(&exec);
        let mut moves = exec.moves;
        if let Some(masks) = masks {
            if masks.len() != moves.len() {
                return Err(DeriveError::Other(format!(
                    "{} masks for the {} moves re-execution gives",
                    masks.len(),
                    moves.len()
                )));
            }
            for (m, mask) in moves.iter_mut().zip(masks) {
                m.mask = *mask;
            }
        }
        let mut tx = shell;
        *tx.moves_mut() = moves;
        Ok(Derived { tx, refs, outcome, sender })
    }

    /// The keys `tx` reads, in first-access order, as it re-executes against its declared moves.
    pub fn compact_access_order(
        &self,
        tx: &Tx,
        index: u32,
        header: &Header,
        codes: &dyn CodeSource,
    ) -> Result<Vec<StateKey>, Violation> {
        if matches!(tx, Tx::System(_)) {
            return Ok(Vec::new());
        }
        let lookup = |hash: &B256| codes.code(hash);
        let declared = DeclaredView::new(tx.moves(), &lookup);
        let recording = RecordingView::new(&declared);
        self.reexecute_on(tx, index, header, &recording)?;
        Ok(recording.into_order())
    }
}
