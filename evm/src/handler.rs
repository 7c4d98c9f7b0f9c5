//! The tx handler: revm's mainnet handler with one change, fees are burned. The coinbase is
//! never loaded nor credited (DESIGN §3: crediting it in every tx would make it contested state).

use std::marker::PhantomData;

use revm::context::result::HaltReason;
use revm::context_interface::{ContextTr, JournalTr};
use revm::handler::{EthFrame, EvmTr, EvmTrError, FrameResult, FrameTr, Handler};
use revm::inspector::{Inspector, InspectorEvmTr, InspectorHandler};
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_action::FrameInit;
use revm::state::EvmState;

/// Mainnet handling, without the beneficiary reward.
#[derive(Debug)]
pub(crate) struct BurnFeesHandler<EVM, ERROR, FRAME> {
    _types: PhantomData<(EVM, ERROR, FRAME)>,
}

impl<EVM, ERROR, FRAME> Default for BurnFeesHandler<EVM, ERROR, FRAME> {
    fn default() -> Self {
        Self { _types: PhantomData }
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
            Context: ContextTr<Journal: JournalTr<State = EvmState>>,
            Frame = EthFrame<EthInterpreter>,
            Inspector: Inspector<<<Self as Handler>::Evm as EvmTr>::Context, EthInterpreter>,
        >,
    ERROR: EvmTrError<EVM>,
{
    type IT = EthInterpreter;
}
