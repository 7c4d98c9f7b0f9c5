//! Guest frames (WASM contracts) inside revm's frame loop.
//!
//! A frame whose code is a WASM module is created by revm like any other (`EthFrame`: its
//! checkpoint, value transfer, depth, gas), but instead of interpreting bytecode it runs a guest
//! coroutine ([`GuestRun`]). Each host operation the guest yields is the EVM instruction it
//! mirrors: the driver pushes the operands on the frame's own interpreter stack, stages memory,
//! and executes that instruction from revm's instruction table against the context. Gas, warm
//! and cold accounting, static-call rules and — what the model needs — every load and journal
//! entry are therefore exactly the EVM's. A call or create suspends the instruction with a new
//! frame, which revm runs (EVM or WASM); its result comes back through the interpreter as for
//! bytecode, and the guest is resumed with it. One journal, one move set.

use std::sync::{Arc, LazyLock};

use alloy_primitives::{Bytes, U256};
use manaflow_types::guest::opcode;
use manaflow_types::{Entry, GuestExit, GuestFrame, GuestRun, GuestStep, GuestVm, HostAnswer, HostOp, is_wasm};
use revm::bytecode::Bytecode;
use revm::context_interface::{Cfg, ContextTr, JournalTr, LocalContextTr};
use revm::handler::evm::ContextDbError;
use revm::handler::instructions::InstructionProvider;
use revm::handler::{EthFrame, FrameData, FrameInitOrResult, ItemOrResult};
use revm::inspector::{Inspector, InspectorEvmTr};
use revm::interpreter::interpreter::{EthInterpreter, ExtBytecode};
use revm::interpreter::interpreter_types::{InputsTr, Jumps, ReturnData, StackTr};
use revm::interpreter::{CallInput, Host, InstructionContext, InstructionResult, InterpreterAction, InterpreterResult};

/// A bytecode whose byte at each offset is that offset: pointing the interpreter of a guest
/// frame at `opcode` makes inspectors see the instruction a host operation runs.
static OPCODE_TABLE: LazyLock<Bytecode> = LazyLock::new(|| Bytecode::new_raw((0..=255u8).collect::<Vec<u8>>().into()));

/// The guest frames of one execution, by depth.
pub(crate) struct GuestFrames {
    vm: Arc<dyn GuestVm>,
    runs: Vec<Option<Box<dyn GuestRun>>>,
    /// Why the tx's own frame halted, when it is a guest frame that trapped (revm's halt reasons
    /// do not name a WASM trap).
    pub top_halt: Option<String>,
}

impl GuestFrames {
    pub fn new(vm: Arc<dyn GuestVm>) -> Self {
        Self { vm, runs: Vec::new(), top_halt: None }
    }

    /// Whether the frame on top of the stack is a guest frame (running, or about to start).
    pub fn owns(&self, frame: &EthFrame<EthInterpreter>) -> bool {
        matches!(self.runs.get(frame.depth), Some(Some(_))) || is_wasm(frame.interpreter.bytecode.original_byte_slice())
    }

    /// Runs the guest frame on top of the stack until it needs a new frame or ends.
    pub fn run<EVM>(
        &mut self,
        evm: &mut EVM,
    ) -> Result<FrameInitOrResult<EthFrame<EthInterpreter>>, ContextDbError<EVM::Context>>
    where
        EVM: InspectorEvmTr<Frame = EthFrame<EthInterpreter>>,
        EVM::Context: Host,
        EVM::Instructions: InstructionProvider<Context = EVM::Context, InterpreterTypes = EthInterpreter>,
    {
        let (ctx, inspector, frame, instructions) = evm.ctx_inspector_frame_instructions();
        let depth = frame.depth;
        if self.runs.len() <= depth {
            self.runs.resize_with(depth + 1, || None);
        }
        let mut answer = match self.runs[depth] {
            Some(_) => {
                // Resumed after a call or create: the instruction's result is on the stack.
                let pushed = frame.interpreter.stack.pop().ok();
                let return_data = Some(frame.interpreter.return_data.buffer().clone());
                HostAnswer::Done { pushed, return_data, written: None }
            }
            None => {
                let run = self.start(ctx, frame);
                self.runs[depth] = Some(run);
                HostAnswer::Start
            }
        };
        loop {
            let gas_left = frame.interpreter.gas.remaining();
            let run = self.runs[depth].as_mut().expect("a running guest frame");
            let (step, left) = run.resume(answer, gas_left);
            let spent = gas_left.saturating_sub(left);
            if !frame.interpreter.gas.record_regular_cost(spent) {
                return self.finish(ctx, inspector, frame, InstructionResult::OutOfGas, Bytes::new());
            }
            let op = match step {
                GuestStep::Exit { exit, output } => {
                    let result = match exit {
                        GuestExit::Return => InstructionResult::Return,
                        GuestExit::Revert => InstructionResult::Revert,
                        GuestExit::OutOfGas => InstructionResult::OutOfGas,
                        GuestExit::Halt(reason) => {
                            if depth == 0 {
                                self.top_halt = Some(reason);
                            }
                            InstructionResult::InvalidFEOpcode
                        }
                    };
                    return self.finish(ctx, inspector, frame, result, output);
                }
                GuestStep::Op(op) => op,
            };
            let opcode = op.opcode;
            // EXTCODECOPY's length operand: the bytes it writes at offset 0 go back to the guest.
            let copied = (opcode == opcode::EXTCODECOPY).then(|| op.stack.get(3).copied().unwrap_or_default());
            match execute(ctx, inspector, frame, instructions, op) {
                Ok(pushed) => {
                    // A call or create that ended without a frame (a failed CREATE under EIP-8037)
                    // still sets the return data.
                    let return_data =
                        opcode::is_call_or_create(opcode).then(|| frame.interpreter.return_data.buffer().clone());
                    // The instruction ran, so its length fit in memory (it paid the expansion).
                    let written = copied.map(|len| {
                        let len = usize::try_from(len).unwrap_or(0);
                        Bytes::copy_from_slice(&frame.interpreter.memory.slice_len(0, len))
                    });
                    answer = HostAnswer::Done { pushed, return_data, written }
                }
                Err(InstructionResult::Suspend) => {
                    let action = frame.interpreter.take_next_action();
                    return frame.process_next_action(ctx, action);
                }
                Err(halt) => return self.finish(ctx, inspector, frame, halt, Bytes::new()),
            }
        }
    }

    fn start<CTX: ContextTr + Host>(&self, ctx: &mut CTX, frame: &mut EthFrame<EthInterpreter>) -> Box<dyn GuestRun> {
        let interp = &mut frame.interpreter;
        let input = match interp.input.input() {
            CallInput::Bytes(bytes) => bytes.clone(),
            CallInput::SharedBuffer(range) => ctx
                .local()
                .shared_memory_buffer_slice(range.clone())
                .map(|slice| Bytes::copy_from_slice(&slice))
                .unwrap_or_default(),
        };
        let entry = match frame.data {
            FrameData::Create(_) => Entry::Deploy,
            FrameData::Call(_) => Entry::Call,
        };
        let code = interp.bytecode.original_bytes();
        let code_hash = match entry {
            Entry::Call => interp.bytecode.hash(),
            Entry::Deploy => None,
        };
        let guest = GuestFrame {
            address: interp.input.target_address(),
            caller: interp.input.caller_address(),
            origin: Host::caller(ctx),
            value: interp.input.call_value(),
            gas_price: ctx.effective_gas_price(),
            input: match entry {
                // A create's init code carries the constructor arguments itself.
                Entry::Deploy => Bytes::new(),
                Entry::Call => input,
            },
        };
        // From here on the interpreter only runs the instructions the guest asks for.
        interp.bytecode = ExtBytecode::new(OPCODE_TABLE.clone());
        self.vm.start(entry, code, code_hash, guest)
    }

    /// Ends the guest frame on top with `result`, as the EVM's `RETURN`/`REVERT`/halt would.
    fn finish<CTX, INSP>(
        &mut self,
        ctx: &mut CTX,
        inspector: &mut INSP,
        frame: &mut EthFrame<EthInterpreter>,
        result: InstructionResult,
        output: Bytes,
    ) -> Result<FrameInitOrResult<EthFrame<EthInterpreter>>, ContextDbError<CTX>>
    where
        CTX: ContextTr,
        INSP: Inspector<CTX, EthInterpreter>,
    {
        self.runs[frame.depth] = None;
        if result.is_halt() {
            frame.interpreter.gas.spend_all();
        }
        let action = InterpreterAction::Return(InterpreterResult { result, output, gas: frame.interpreter.gas });
        let mut next = frame.process_next_action::<CTX, ContextDbError<CTX>>(ctx, action)?;
        if let ItemOrResult::Result(frame_result) = &mut next {
            revm::inspector::handler::frame_end(ctx, inspector, &frame.input, frame_result);
            frame.set_finished(true);
        }
        Ok(next)
    }
}

/// Executes `op` on the frame's interpreter: its operands pushed, its memory staged, the
/// instruction run (between the inspector's `step` and `step_end`, with `log_full` for a log it
/// journals). Returns the word it pushed.
fn execute<CTX, INSP, I>(
    ctx: &mut CTX,
    inspector: &mut INSP,
    frame: &mut EthFrame<EthInterpreter>,
    instructions: &mut I,
    op: HostOp,
) -> Result<Option<U256>, InstructionResult>
where
    CTX: ContextTr + Host,
    INSP: Inspector<CTX, EthInterpreter>,
    I: InstructionProvider<Context = CTX, InterpreterTypes = EthInterpreter>,
{
    let interp = &mut frame.interpreter;
    interp.stack.clear();
    for word in op.stack.iter().rev() {
        if !interp.stack.push(*word) {
            return Err(InstructionResult::StackOverflow);
        }
    }
    interp.bytecode.absolute_jump(usize::from(op.opcode));
    inspector.step(interp, ctx);
    interp.bytecode.relative_jump(1);
    // Staging the memory the instruction reads pays its expansion, as the EVM code that wrote
    // it there would have; then the instruction's static gas, as revm's loop charges it.
    let staged = match op.memory.is_empty() {
        true => Ok(()),
        false => {
            interp.resize_memory(ctx.cfg().gas_params(), 0, op.memory.len()).map(|()| interp.memory.set(0, &op.memory))
        }
    };
    let static_gas = instructions.gas_table()[usize::from(op.opcode)];
    let logs_before = ctx.journal().logs().len();
    let result = staged.and_then(|()| match interp.gas.record_regular_cost(u64::from(static_gas)) {
        true => {
            let instruction = instructions.instruction_table()[usize::from(op.opcode)];
            instruction.execute(InstructionContext { interpreter: interp, host: ctx })
        }
        false => Err(InstructionResult::OutOfGas),
    });
    let halted = matches!(result, Err(e) if e != InstructionResult::Suspend);
    if let Err(e) = result
        && halted
    {
        // As revm's loop does, so that inspectors see the instruction fail.
        interp.halt(e);
    }
    // A `LOGn` journals its log: inspectors get it with the interpreter, as revm's loop does.
    if ctx.journal().logs().len() != logs_before {
        let logs = ctx.journal().logs()[logs_before..].to_vec(); // owned: the hook takes `ctx`
        for log in logs {
            inspector.log_full(interp, ctx, log);
        }
    }
    inspector.step_end(interp, ctx);
    match result {
        Ok(()) => Ok(interp.stack.pop().ok()),
        Err(e) => {
            if halted {
                let _ = interp.take_next_action();
            }
            Err(e)
        }
    }
}
