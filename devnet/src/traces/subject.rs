//! What is traced: a mined tx (replayed against its own moves) or a call on a block's state.

use alloy_primitives::Address;
use manaflow_evm::{EvmContext, EvmVerifier, decode_on_chain};
use manaflow_types::{Call, Execution, Header, StateView, Tx};
use revm::inspector::Inspector;
use revm::interpreter::interpreter::EthInterpreter;

use crate::node::Node;

/// Why a trace could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// A system tx (genesis, cheats) does not execute.
    #[error("tx {0} is a system tx (genesis or cheats), which does not execute")]
    SystemTx(alloy_primitives::B256),
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
    },
    /// A call executed on `view` in the block with `header`.
    Call {
        /// The call.
        call: &'a Call,
        /// The block it runs in.
        header: &'a Header,
        /// The state it runs on.
        view: &'a dyn StateView,
    },
}

impl Subject<'_> {
    /// Runs the subject with `inspector` watching; the execution and the inspector.
    pub fn run<I>(&self, node: &Node, inspector: I) -> Result<(Execution, I), TraceError>
    where
        I: for<'db> Inspector<EvmContext<'db>, EthInterpreter>,
    {
        match self {
            Subject::Mined { tx, index, header } => {
                let verifier = EvmVerifier::with_known_senders(node.runtime().clone(), node.senders());
                verifier.replay(tx, *index, header, node, inspector)?.ok_or(TraceError::SystemTx(tx.id()))
            }
            Subject::Call { call, header, view } => {
                let (result, inspector) =
                    node.runtime().execute_inspected(call, header, node.ledger(), *view, inspector);
                Ok((result?, inspector))
            }
        }
    }

    /// The sender: the call's caller, or the mined tx's (as the coordinator admitted it).
    pub fn caller(&self, node: &Node) -> Result<Address, TraceError> {
        let (tx, header) = match self {
            Subject::Call { call, .. } => return Ok(call.caller),
            Subject::Mined { tx, header, .. } => (tx, header),
        };
        let unsigned = |e: String| TraceError::Unsupported(format!("tx {} has no sender: {e}", tx.id()));
        match tx {
            Tx::Ethereum(eth) => match node.senders().get(&tx.id()) {
                Some(sender) => Ok(sender),
                None => decode_on_chain(&eth.raw, header.chain_id, header.dev_mode())
                    .map(|signed| signed.sender)
                    .map_err(|e| unsigned(e.to_string())),
            },
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
