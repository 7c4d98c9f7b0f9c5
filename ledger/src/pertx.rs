//! The checks of a block that need no UTXO set: the header's link to its parent and its tx root,
//! and each tx on its own (shape, signature, context, re-execution), run in parallel (rayon).
//! Both validators start with these.

use foldhash::fast::RandomState;
use hashbrown::HashMap;
use manaflow_types::block::tx_leaf_of_hashes;
use manaflow_types::{
    Address, B256, Block, Bytes, ChainContext, Header, Outcome, Position, Rule, Site, TxChecked, TxId, Violation,
    check_tx_alone, keccak256, merkle_root, refs_hash, tx_leaf,
};
use rayon::prelude::*;

use crate::builder::Known;
use crate::verifier::{CodeSource, TxVerifier};

/// A block after its stateless checks.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Each tx's id.
    pub ids: Vec<TxId>,
    /// Each tx's recovered sender (native txs).
    pub senders: Vec<Option<Address>>,
    /// The earliest failure among the header and per-tx checks.
    pub violation: Option<Violation>,
    /// The violations per tx, in block order (None = passed).
    pub tx_results: Vec<Option<Violation>>,
}

pub use manaflow_types::check::check_header;

/// Runs the header and per-tx checks of `block`. `known` says whether a tx id is already in the
/// chain (a tx is included at most once). `hashed`: the ids, moves hashes and outcome leaves of
/// the block's txs, when the caller computed them from the same txs (a validator that checked
/// them as they arrived); used rather than hashing the same bytes again.
pub fn prepare(
    block: &Block,
    parent: Option<&Header>,
    chain: &dyn ChainContextSync,
    verifier: &dyn TxVerifier,
    known: &(dyn Fn(&TxId) -> bool + Sync),
    committed_codes: &dyn CodeSource,
    hashed: Option<&Known>,
) -> Prepared {
    let hashed = hashed.filter(|k| k.fits(block.txs.len()));
    let header = &block.header;
    let codes = BlockCodes::new(block, committed_codes);
    let system_outcome = Outcome::system();
    let results: Vec<(TxId, B256, Result<Option<Address>, Violation>)> = block
        .txs
        .par_iter()
        .enumerate()
        .map(|(i, tx)| {
            let id = hashed.map_or_else(|| tx.id(), |k| k.ids[i]);
            let refs = block.refs_of(i);
            let leaf = match hashed {
                Some(k) => tx_leaf_of_hashes(&id, &k.moves_hashes[i], &refs_hash(refs)),
                None => tx_leaf(&id, tx.moves(), refs),
            };
            let i = i as u32;
            let duplicate = known(&id).then(|| {
                let why = format!("tx {id} is already in the chain");
                Violation::new(Position::of_tx(header.number, i), Rule::DuplicateTx, why)
            });
            let outcome = block.outcomes.get(i as usize).unwrap_or(&system_outcome);
            let TxChecked { sender, failure } =
                check_tx_alone(tx, i, refs, outcome, header, chain.as_context(), verifier, &codes, duplicate);
            let checked = match failure {
                None => Ok(sender),
                Some(v) => Err(v),
            };
            (id, leaf, checked)
        })
        .collect();
    let mut ids = Vec::with_capacity(results.len());
    let mut leaves = Vec::with_capacity(results.len());
    let mut senders = Vec::with_capacity(results.len());
    let mut tx_results = Vec::with_capacity(results.len());
    let mut seen: HashMap<TxId, u32, RandomState> =
        HashMap::with_capacity_and_hasher(results.len(), RandomState::default());
    let mut violation = check_header(header, parent).err();
    for (i, (id, leaf, checked)) in results.into_iter().enumerate() {
        let (sender, mut result) = match checked {
            Ok(sender) => (sender, None),
            Err(v) => (None, Some(v)),
        };
        if let Some(first) = seen.insert(id, i as u32) {
            let dup = Violation::new(
                Position::of_tx(header.number, i as u32),
                Rule::DuplicateTx,
                format!("tx {id} appears twice in the block (first at index {first})"),
            );
            result = Violation::earliest(result, Some(dup));
        }
        senders.push(sender);
        violation = Violation::earliest(violation, result.clone());
        tx_results.push(result);
        ids.push(id);
        leaves.push(leaf);
    }
    if header.tx_count != block.txs.len() as u64 {
        let why = format!("header counts {} txs but the block has {}", header.tx_count, block.txs.len());
        violation = Violation::earliest(
            violation,
            Some(Violation::new(Position { block: header.number, site: Site::Header }, Rule::BadHeader, why)),
        );
    }
    if block.outcomes.len() != block.txs.len() {
        let why = format!("{} txs but {} outcomes", block.txs.len(), block.outcomes.len());
        violation = Violation::earliest(
            violation,
            Some(Violation::new(Position { block: header.number, site: Site::Header }, Rule::BadHeader, why)),
        );
    }
    let outcomes_root = match hashed {
        Some(k) => merkle_root(&k.outcome_leaves),
        None => merkle_root(&block.outcomes.par_iter().map(Outcome::leaf).collect::<Vec<_>>()),
    };
    if outcomes_root != header.outcomes_root {
        let why = format!("outcomes root {} does not match the outcomes (root {outcomes_root})", header.outcomes_root);
        violation = Violation::earliest(
            violation,
            Some(Violation::new(Position { block: header.number, site: Site::Header }, Rule::BadHeader, why)),
        );
    }
    let root = merkle_root(&leaves);
    if root != header.tx_root {
        let v = Violation::new(
            Position { block: header.number, site: Site::Header },
            Rule::BadHeader,
            format!("tx root {} does not match the txs (root {root})", header.tx_root),
        );
        violation = Violation::earliest(violation, Some(v));
    }
    Prepared { ids, senders, violation, tx_results }
}

/// The code a block's txs can run: the chain's code table and the code the block deploys.
pub struct BlockCodes<'a> {
    committed: &'a dyn CodeSource,
    deployed: HashMap<B256, Bytes, RandomState>,
}

impl<'a> BlockCodes<'a> {
    /// The code `block` deploys, in front of `committed`.
    pub fn new(block: &Block, committed: &'a dyn CodeSource) -> Self {
        let deployed =
            block.outcomes.iter().flat_map(|o| o.codes.iter()).map(|code| (keccak256(code), code.clone())).collect();
        Self { committed, deployed }
    }
}

impl CodeSource for BlockCodes<'_> {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.deployed.get(hash).cloned().or_else(|| self.committed.code(hash))
    }
}

/// A [`ChainContext`] that can be shared across rayon threads.
pub trait ChainContextSync: Sync {
    /// As a plain chain context.
    fn as_context(&self) -> &dyn ChainContext;
}

impl<T: ChainContext + Sync> ChainContextSync for T {
    fn as_context(&self) -> &dyn ChainContext {
        self
    }
}
