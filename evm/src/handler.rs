//! The tx handler: revm's mainnet handler with two changes. Fees are burned: the coinbase is
//! never loaded nor credited (DESIGN §3: crediting it in every tx would make it contested state).
//! And frames whose code is guest code (WASM) run in the guest VM ([`crate::guest`]).

use std::marker::PhantomData;

use revm::context::result::HaltReason;
use revm::context_interface::{ContextTr, JournalTr};
use revm::handler::{EthFrame, EvmTr, EvmTrError, FrameResult, FrameTr, Handler, ItemOrResult};
use revm::inspector::{Inspector, InspectorEvmTr, InspectorHandler};
use revm::interpreter::Host;
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_action::FrameInit;
use revm::state::EvmState;

use crate::guest::GuestFrames;

/// Mainnet handling, without the beneficiary reward, with guest frames when a guest VM is given.
pub(crate) struct BurnFeesHandler<EVM, ERROR, FRAME> {
    /// The guest frames of this execution (`None`: no guest VM, WASM code is run as bytecode).
    pub guests: Option<GuestFrames>,
    _types: PhantomData<(EVM, ERROR, FRAME)>,
}

impl<EVM, ERROR, FRAME> BurnFeesHandler<EVM, ERROR, FRAME> {
    pub fn new(guests: Option<GuestFrames>) -> Self {
        Self { guests, _types: PhantomData }
    }
}

impl<EVM, ERROR, FRAME> Handler for BurnFeesHandler<EVM, ERROR, FRAME>
where
    EVM: EvmTr<Context: ContextTr<Journal: JournalTr<State = EvmState>>, Frame = FRAME>,
    ERROR: EvmTrError<EVM>,
    FRAME: FrameTr<FrameResult = FrameResult, FrameInit = FrameInit>,
{
    type Evm = EVM;
    type Error = ERROR;
    type HaltReason = HaltReason;

    fn reward_beneficiary(
        &self,
        _evm: &mut Self::Evm,
        _exec_result: &mut <<Self::Evm as EvmTr>::Frame as FrameTr>::FrameResult,
    ) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl<EVM, ERROR> InspectorHandler for BurnFeesHandler<EVM, ERROR, EthFrame<EthInterpreter>>
where
    EVM: InspectorEvmTr<
            Context: ContextTr<Journal: JournalTr<State = EvmState>> + Host,
            Frame = EthFrame<EthInterpreter>,
            Inspector: Inspector<<<Self as Handler>::Evm as EvmTr>::Context, EthInterpreter>,
        >,
    ERROR: EvmTrError<EVM>,
{
    type IT = EthInterpreter;

    /// revm's loop, with the frames of guest code run by the guest VM.
    fn inspect_run_exec_loop(
        &mut self,
        evm: &mut Self::Evm,
        first_frame_input: FrameInit,
    ) -> Result<FrameResult, Self::Error> {
        if let ItemOrResult::Result(frame_result) = evm.inspect_frame_init(first_frame_input)? {
            return Ok(frame_result);
        }
        loop {
            let call_or_result = match self.guests.as_mut() {
                Some(guests) if guests.owns(evm.frame_stack().get()) => guests.run(evm)?,
                _ => evm.inspect_frame_run()?,
            };
            let result = match call_or_result {
                ItemOrResult::Item(init) => match evm.inspect_frame_init(init)? {
                    ItemOrResult::Item(_) => continue,
                    ItemOrResult::Result(result) => result,
                },
                ItemOrResult::Result(result) => result,
            };
            if let Some(result) = evm.frame_return_result(result)? {
                return Ok(result);
            }
        }
    }
}
