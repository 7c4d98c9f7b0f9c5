//! What is traced: a mined tx (replayed against its own moves) or a call on a block's state.
//!
//! A mined tx needs no state to replay: only its moves and the code they name. [`Replayer`]
//! takes that code from the node (under its lock, briefly), so the replays, which may take long
//! for a big block, run without the node's lock and stall neither the miner nor other requests.

use std::collections::HashMap;

use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY};
use manaflow_evm::{EvmContext, EvmVerifier, decode_on_chain};
use manaflow_types::{Block, Call, CodeSource, Execution, Header, Mark, StateView, Tx};
use revm::inspector::Inspector;
use revm::interpreter::interpreter::EthInterpreter;

use crate::node::Node;

/// Why a trace could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// A system tx (genesis, cheats) does not execute.
    #[error("tx {0} is a system tx (genesis or cheats), which does not execute")]
    SystemTx(B256),
    /// The replay of a mined tx failed (it cannot, for a tx the validator accepted).
    #[error("replaying the tx failed: {0}")]
    Replay(#[from] manaflow_types::Violation),
    /// The call could not run.
    #[error(transparent)]
    Exec(#[from] manaflow_types::ExecError),
    /// The tracer or its config is not one this node has.
    #[error("{0}")]
    Unsupported(String),
}

/// What replaying the txs of a block needs: the runtime and the code the block's moves name,
/// taken from the node so that the replays run without it.
pub struct Replayer {
    verifier: EvmVerifier,
    codes: HashMap<B256, Bytes>,
}

impl Replayer {
    /// The replayer of `block`'s txs.
    pub fn for_block(node: &Node, block: &Block) -> Self {
        let mut codes = HashMap::new();
        let hashes = block.txs.iter().flat_map(|tx| tx.moves()).filter(|m| m.mark == Mark::Code);
        for hash in hashes.flat_map(|m| [m.prev, m.next]) {
            if hash.is_zero() || hash == KECCAK256_EMPTY || codes.contains_key(&hash) {
                continue;
            }
            if let Some(code) = node.code(&hash) {
                codes.insert(hash, code);
            }
        }
        Self { verifier: EvmVerifier::new(node.runtime().clone()), codes }
    }
}

impl Replayer {
    /// Re-executes `tx` reporting each state access to `sink` (the REPL's `step`,
    /// `manaflow_traceTransaction`); `None` for a system tx.
    pub fn trace(
        &self,
        tx: &Tx,
        index: u32,
        header: &Header,
        sink: manaflow_types::trace::AccessSink<'_>,
    ) -> Result<Option<Execution>, manaflow_types::Violation> {
        self.verifier.trace(tx, index, header, self, sink)
    }
}

impl CodeSource for Replayer {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.codes.get(hash).cloned()
    }
}

/// What a tracer watches.
pub enum Subject<'a> {
    /// Tx `index` of the block with `header`, replayed against its declared moves.
    Mined {
        /// The tx.
        tx: &'a Tx,
        /// Its index in the block (the ledger's, system txs counted).
        index: u32,
        /// The block's header.
        header: &'a Header,
        /// The block's replayer.
        replayer: &'a Replayer,
    },
    /// A call executed on `view` in the block with `header`.
    Call {
        /// The call.
        call: &'a Call,
        /// The block it runs in.
        header: &'a Header,
        /// The state it runs on.
        view: &'a dyn StateView,
        /// The node (its runtime, chain and code).
        node: &'a Node,
    },
}

impl Subject<'_> {
    /// Runs the subject with `inspector` watching; the execution and the inspector.
    pub fn run<I>(&self, inspector: I) -> Result<(Execution, I), TraceError>
    where
        I: for<'db> Inspector<EvmContext<'db>, EthInterpreter>,
    {
        match self {
            Subject::Mined { tx, index, header, replayer } => {
                replayer.verifier.replay(tx, *index, header, *replayer, inspector)?.ok_or(TraceError::SystemTx(tx.id()))
            }
            Subject::Call { call, header, view, node } => {
                let (result, inspector) =
                    node.runtime().execute_inspected(call, header, node.ledger(), *view, inspector);
                Ok((result?, inspector))
            }
        }
    }

    /// Code by hash, as the subject's execution found it.
    pub fn code(&self, hash: &B256) -> Option<Bytes> {
        match self {
            Subject::Mined { replayer, .. } => replayer.code(hash),
            Subject::Call { node, .. } => node.code(hash),
        }
    }

    /// The sender: the call's caller, or the mined tx's.
    pub fn caller(&self) -> Result<Address, TraceError> {
        let (tx, header) = match self {
            Subject::Call { call, .. } => return Ok(call.caller),
            Subject::Mined { tx, header, .. } => (tx, header),
        };
        let unsigned = |e: String| TraceError::Unsupported(format!("tx {} has no sender: {e}", tx.id()));
        match tx {
            Tx::Ethereum(eth) => decode_on_chain(&eth.raw, header.chain_id, header.dev_mode())
                .map(|signed| signed.sender)
                .map_err(|e| unsigned(e.to_string())),
            Tx::Native(native) => native.recover_sender().map_err(|e| unsigned(e.to_string())),
            Tx::System(_) => Err(TraceError::SystemTx(tx.id())),
        }
    }

    /// The header of the block the subject runs in.
    pub fn header(&self) -> &Header {
        match self {
            Subject::Mined { header, .. } | Subject::Call { header, .. } => header,
        }
    }
}
