//! The inspector that records what a tx observed of its execution context: each context
//! opcode's pushed value becomes an `x` move (DESIGN §2), in reverted frames too.

use std::collections::BTreeMap;

use manaflow_types::{ContextField, StateKey, Word, context_key};
use revm::bytecode::opcode;
use revm::inspector::Inspector;
use revm::interpreter::Interpreter;
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_types::{Jumps, LoopControl};

use crate::db::u256_word;

/// Records context reads.
#[derive(Debug, Default)]
pub(crate) struct ContextRecorder {
    pending: Option<(ContextField, u64)>,
    /// Each context key read and the value it gave.
    pub reads: BTreeMap<StateKey, Word>,
}

fn field_of(op: u8) -> Option<ContextField> {
    Some(match op {
        opcode::CHAINID => ContextField::ChainId,
        opcode::NUMBER => ContextField::Number,
        opcode::TIMESTAMP => ContextField::Timestamp,
        opcode::BASEFEE => ContextField::BaseFee,
        opcode::BLOBBASEFEE => ContextField::BlobBaseFee,
        opcode::COINBASE => ContextField::Coinbase,
        opcode::DIFFICULTY => ContextField::Prevrandao,
        opcode::GASLIMIT => ContextField::GasLimit,
        opcode::BLOCKHASH => ContextField::BlockHash,
        _ => return None,
    })
}

impl<CTX> Inspector<CTX, EthInterpreter> for ContextRecorder {
    fn step(&mut self, interp: &mut Interpreter<EthInterpreter>, _ctx: &mut CTX) {
        self.pending = field_of(interp.bytecode.opcode()).map(|field| {
            let number = if field == ContextField::BlockHash {
                // The argument: numbers beyond u64 are outside any window and push zero.
                interp.stack.peek(0).map(|n| u64::try_from(n).unwrap_or(u64::MAX)).unwrap_or(0)
            } else {
                0
            };
            (field, number)
        });
    }

    fn step_end(&mut self, interp: &mut Interpreter<EthInterpreter>, _ctx: &mut CTX) {
        let Some((field, number)) = self.pending.take() else { return };
        if interp.bytecode.instruction_result().is_some() {
            return; // the opcode halted (out of gas, stack overflow): nothing was observed
        }
        if let Ok(value) = interp.stack.peek(0) {
            self.reads.insert(context_key(field, number), u256_word(value));
        }
    }
}
