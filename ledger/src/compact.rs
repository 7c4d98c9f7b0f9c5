//! The compact wire form in the ledger (DESIGN §10): a canonical block to its compact form, and
//! a compact block back to the canonical block, re-deriving each tx in parallel.
//!
//! Expanding re-executes every tx once; that re-execution is the one validation would run, so a
//! block expanded here is validated with [`ExpandedVerifier`], which takes the derived moves and
//! outcome as re-executed (they are, by construction) and checks what derivation could not: that
//! a native tx's signature recovers the sender its compact form named.

use foldhash::fast::RandomState;
use hashbrown::HashMap;
use manaflow_types::compact::{Access, CompactBlock, CompactError, CompactTx, DeriveError, Derived, assemble};
use manaflow_types::{
    Address, B256, Block, Bytes, CodeSource, Header, Outcome, Position, Rule, StateKey, Tx, TxId, TxLoc, Violation,
    keccak256, names_a_tx,
};
use rayon::prelude::*;

use crate::pertx::{BlockCodes, ChainContextSync};
use crate::verifier::TxVerifier;

/// The compact form of `block`: each tx re-executed against its declared moves once, to learn
/// the order its witness lists its accesses in. `committed` is the chain's code table.
pub fn compact_block(
    block: &Block,
    verifier: &dyn TxVerifier,
    committed: &dyn CodeSource,
) -> Result<CompactBlock, CompactError> {
    let header = &block.header;
    let codes = BlockCodes::new(block, committed);
    let txs = block
        .txs
        .par_iter()
        .enumerate()
        .map(|(i, tx)| {
            let fail = |why: String| CompactError::Tx { index: i as u32, why };
            let refs = block.refs_of(i);
            if refs.len() != tx.moves().len() {
                return Err(fail(format!("{} moves but {} references", tx.moves().len(), refs.len())));
            }
            let outcome = block.outcomes.get(i).cloned().unwrap_or_else(Outcome::system);
            let witness = |tx: &Tx| -> Result<Vec<Access>, CompactError> {
                let order = verifier.access_order(tx, i as u32, header, &codes).map_err(|v| fail(v.detail))?;
                witness_of(tx, refs, &order).map_err(fail)
            };
            Ok(match tx {
                Tx::System(sys) => CompactTx::System { tx: sys.clone(), refs: refs.to_vec(), outcome },
                Tx::Ethereum(eth) => CompactTx::Ethereum { raw: eth.raw.clone(), witness: witness(tx)? },
                Tx::Native(native) => CompactTx::Native {
                    call: native.call.clone(),
                    signature: native.signature,
                    sender: native.recover_sender().map_err(|e| fail(format!("signature: {e}")))?,
                    masks: native.moves.iter().map(|m| m.mask).collect(),
                    witness: witness(tx)?,
                },
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CompactBlock { header: header.clone(), txs })
}

/// A tx's witness: for each key in first-access order, its move's reference and `prev`.
fn witness_of(tx: &Tx, refs: &[TxLoc], order: &[StateKey]) -> Result<Vec<Access>, String> {
    let moves = tx.moves();
    order
        .iter()
        .map(|key| {
            let j = moves
                .binary_search_by(|m| m.key().cmp(key))
                .map_err(|_| format!("re-execution reads {key}, which the tx does not declare"))?;
            let m = &moves[j];
            Ok(Access { reference: names_a_tx(m).then_some(refs[j]), prev: m.prev })
        })
        .collect()
}

/// A compact block expanded to its canonical block, with the sender each native tx named.
#[derive(Clone, Debug)]
pub struct Expanded {
    /// The canonical block.
    pub block: Block,
    /// Per tx, the sender its compact form named (native txs).
    pub senders: Vec<Option<Address>>,
}

impl Expanded {
    /// The verifier to validate [`Expanded::block`] with: see [`ExpandedVerifier`].
    pub fn verifier<'a>(&'a self, inner: &'a dyn TxVerifier) -> ExpandedVerifier<'a> {
        ExpandedVerifier { inner, senders: &self.senders }
    }
}

/// Validates an expanded block's txs without re-executing them again: their moves and outcomes
/// are what re-execution gave. A native tx's recovered sender must be the one it named; system
/// txs go to the inner verifier.
pub struct ExpandedVerifier<'a> {
    inner: &'a dyn TxVerifier,
    senders: &'a [Option<Address>],
}

impl TxVerifier for ExpandedVerifier<'_> {
    fn verify(
        &self,
        tx: &Tx,
        index: u32,
        sender: Option<Address>,
        header: &Header,
        outcome: &Outcome,
        codes: &dyn CodeSource,
    ) -> Result<(), Violation> {
        match tx {
            Tx::System(_) => self.inner.verify(tx, index, sender, header, outcome, codes),
            Tx::Ethereum(_) => Ok(()),
            Tx::Native(_) => {
                let named = self.senders.get(index as usize).copied().flatten();
                if sender.is_some() && sender == named {
                    return Ok(());
                }
                let why = format!(
                    "the signature recovers {} but the compact tx was executed as {}",
                    sender.map_or("no sender".into(), |s| s.to_string()),
                    named.map_or("no sender".into(), |s| s.to_string())
                );
                Err(Violation::new(Position::of_tx(header.number, index), Rule::Signature, why))
            }
        }
    }
}

/// Expands `compact`: every tx re-derived in parallel (a tx that needs code deployed earlier in
/// the same block is retried in block order once that code exists), then each move's `intx`
/// named from its reference. `resolve(key, position)` gives the id at a position before this
/// block.
pub fn expand_block(
    compact: &CompactBlock,
    verifier: &dyn TxVerifier,
    chain: &dyn ChainContextSync,
    committed: &dyn CodeSource,
    resolve: &mut dyn FnMut(&StateKey, TxLoc) -> Option<TxId>,
) -> Result<Expanded, CompactError> {
    let header = &compact.header;
    let system_codes: HashMap<B256, Bytes, RandomState> = compact
        .txs
        .iter()
        .filter_map(|tx| match tx {
            CompactTx::System { outcome, .. } => Some(outcome.codes.iter()),
            _ => None,
        })
        .flatten()
        .map(|code| (keccak256(code), code.clone()))
        .collect();
    let first = Extra { committed, codes: &system_codes };
    let mut derived: Vec<Result<Derived, DeriveError>> = compact
        .txs
        .par_iter()
        .enumerate()
        .map(|(i, tx)| derive_one(tx, i as u32, header, verifier, chain, &first))
        .collect();
    // Code deployed in this block exists only once its tx is derived: retry, in order.
    let mut deployed = system_codes.clone();
    for (i, result) in derived.iter_mut().enumerate() {
        if matches!(result, Err(DeriveError::Code(_))) {
            let extra = Extra { committed, codes: &deployed };
            *result = derive_one(&compact.txs[i], i as u32, header, verifier, chain, &extra);
        }
        if let Ok(d) = result {
            deployed.extend(d.outcome.codes.iter().map(|code| (keccak256(code), code.clone())));
        }
    }
    let derived = derived
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| CompactError::Tx { index: i as u32, why: e.to_string() }))
        .collect::<Result<Vec<_>, _>>()?;
    let senders = derived.iter().map(|d| d.sender).collect();
    let block = assemble(header.clone(), derived, resolve)?;
    Ok(Expanded { block, senders })
}

fn derive_one(
    tx: &CompactTx,
    index: u32,
    header: &Header,
    verifier: &dyn TxVerifier,
    chain: &dyn ChainContextSync,
    codes: &dyn CodeSource,
) -> Result<Derived, DeriveError> {
    match tx {
        CompactTx::System { tx, refs, outcome } => Ok(Derived {
            refs: tx.moves.iter().zip(refs).map(|(m, r)| names_a_tx(m).then_some(*r)).collect(),
            tx: Tx::System(tx.clone()),
            outcome: outcome.clone(),
            sender: None,
        }),
        other => verifier.derive(other, index, header, chain.as_context(), codes),
    }
}

/// The code table with some code in front of it.
struct Extra<'a> {
    committed: &'a dyn CodeSource,
    codes: &'a HashMap<B256, Bytes, RandomState>,
}

impl CodeSource for Extra<'_> {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.codes.get(hash).cloned().or_else(|| self.committed.code(hash))
    }
}
