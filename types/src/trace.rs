//! A runtime's state accesses as they happen (each opcode that reads or writes state or the
//! block context, each call, create and log), for debuggers and the REPL's `step`. The EVM
//! runtime's tracer produces them; they are described here, beside the model, so that readers of
//! a trace need no runtime.

use alloy_primitives::{Address, B256, Log, U256};

/// One state access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// Call depth (0: the tx's own frame).
    pub depth: usize,
    /// The contract whose code runs (whose storage an `SLOAD` reads).
    pub contract: Address,
    /// Program counter of the opcode (0 for the tx's own call or create); in a WASM frame, the
    /// ordinal of the host call (1 for its first).
    pub pc: usize,
    /// The opcode's name (`SLOAD`, `CALL`…), or `TX` for the tx's own call or create; in a WASM
    /// frame, the EVM instruction its host call ran.
    pub opcode: &'static str,
    /// In a WASM frame, the host function called (`storage_load`, `call_contract`…).
    pub host: Option<&'static str>,
    /// What it touched.
    pub touch: Touch,
}

/// What an access touched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Touch {
    /// A storage slot was read.
    StorageRead {
        /// The slot.
        slot: B256,
        /// The value read.
        value: B256,
    },
    /// A storage slot was written.
    StorageWrite {
        /// The slot.
        slot: B256,
        /// The value written.
        value: B256,
    },
    /// An account's balance was read.
    Balance {
        /// The account.
        account: Address,
        /// Its balance.
        value: U256,
    },
    /// An account's code was inspected (size, hash or copy).
    Code {
        /// The account.
        account: Address,
        /// What the opcode pushed (the size or the hash; zero for a copy).
        value: U256,
    },
    /// A block-context value was read (recorded as an `x` move).
    Context {
        /// The value pushed.
        value: U256,
    },
    /// A call began.
    Call {
        /// The account whose state the callee runs on.
        target: Address,
        /// The account whose code runs (differs from `target` for a delegate call).
        code: Address,
        /// Wei transferred.
        value: U256,
    },
    /// A log was emitted (`LOG0`…`LOG4`, or a WASM `emit_log`); it makes no move.
    Log(Log),
    /// A create finished.
    Create {
        /// The new contract (`None`: the create failed).
        created: Option<Address>,
        /// Wei endowed.
        value: U256,
    },
}

impl Access {
    /// The state key of the move this access became, among `moves` (the execution's move set):
    /// the slot, balance or code it touched; for a context opcode, the `x` key of the field it
    /// read; for a call, the callee's code. `None` for a create or a log, which are no access to
    /// existing state.
    pub fn key(&self, moves: &[crate::Move]) -> Option<crate::StateKey> {
        use crate::StateKey;
        Some(match &self.touch {
            Touch::StorageRead { slot, .. } | Touch::StorageWrite { slot, .. } => {
                StateKey::storage(self.contract, *slot)
            }
            Touch::Balance { account, .. } => StateKey::balance(*account),
            Touch::Code { account, .. } => StateKey::code(*account),
            Touch::Context { .. } => moves
                .iter()
                .find(|m| {
                    m.mark == crate::Mark::Context
                        && crate::context::parse_context_slot(&m.slot)
                            .is_some_and(|(field, _)| field.opcode_name() == self.opcode)
                })?
                .key(),
            Touch::Call { code, .. } => StateKey::code(*code),
            Touch::Create { .. } | Touch::Log(_) => return None,
        })
    }
}

/// Receives each access; the runtime calls it during execution.
pub type AccessSink<'a> = &'a mut dyn FnMut(Access);
