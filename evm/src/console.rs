//! Hardhat's `console.log`: calls to the console address are recorded (their calldata, in
//! execution order, reverted frames included, as Hardhat and Anvil print them). The address has
//! no code, so the call itself does nothing; the calldata makes no move and is no part of the
//! outcome. Decoding it is the node's (it knows where to print).

use alloy_primitives::Bytes;
pub use manaflow_types::console::CONSOLE_ADDRESS;
use revm::context_interface::ContextTr;
use revm::inspector::Inspector;
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::{CallInputs, CallOutcome};

/// Records the calldata of each call to [`CONSOLE_ADDRESS`].
#[derive(Default)]
pub(crate) struct ConsoleRecorder {
    pub calls: Vec<Bytes>,
}

impl<CTX: ContextTr> Inspector<CTX, EthInterpreter> for ConsoleRecorder {
    fn call(&mut self, ctx: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        if inputs.target_address == CONSOLE_ADDRESS {
            self.calls.push(inputs.input.bytes(ctx));
        }
        None
    }
}
