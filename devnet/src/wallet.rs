//! The wallet's side of native txs (type `0x4d`): build one by simulating the call on the latest
//! state, fill every move from the outputs it found, choose what to leave masked, and sign.
//!
//! [`Masking::Full`] signs every field: the tx is fixed at signing time and needs no state from
//! the coordinator, but it is refused at sequencing if any output it read has changed since.
//! [`Masking::Contested`] leaves the moves on contested contracts (an AMM pool's reserves)
//! entirely to the coordinator, and the `next` of every other write (its result may depend on
//! the contested values). What the tx found everywhere else stays signed. The contract's own
//! checks (a slippage bound in the calldata) bound what the coordinator can fill.
//!
//! ```no_run
//! # fn demo(node: &manaflow::Node, key: &manaflow_types::SigningKey, call: manaflow_types::Call) -> anyhow::Result<()> {
//! use manaflow::wallet::{Masking, prepare};
//! let pool = alloy_primitives::Address::ZERO; // the contested contract
//! let unsigned = prepare(node, &call, &Masking::Contested(vec![pool]), false)?;
//! let raw = unsigned.sign(key).encode_2718(); // send with eth_sendRawTransaction
//! # let _ = raw; Ok(()) }
//! ```

use alloy_primitives::B256;
use alloy_primitives::Bytes;
use manaflow_types::{Call, ExecError, Move, NativeCall, NativeTx, SigningKey, Status};
use serde::{Deserialize, Serialize};

use crate::node::Node;

pub use manaflow_types::Masking;

/// The dev wallet's fee policy: what the RPC's `eth_sendTransaction`, the REPL and
/// [`prepare`] offer when the sender does not say.
pub mod fees {
    /// The tip offered (1 gwei, as Anvil suggests).
    pub const PRIORITY_FEE: u128 = 1_000_000_000;

    /// Gas added to the simulated use.
    pub const GAS_MARGIN: u64 = 10_000;

    /// The gas limit for a call that used `gas_used` when simulated: 1/63 more (the gas a call
    /// keeps back for its caller) plus [`GAS_MARGIN`], at most `block_gas_limit`.
    pub fn gas_limit(gas_used: u64, block_gas_limit: u64) -> u64 {
        (gas_used.saturating_mul(64) / 63).saturating_add(GAS_MARGIN).min(block_gas_limit)
    }

    /// The fee cap offered with tip `tip`: twice the next block's base fee plus the tip, so the
    /// tx stays includable while the base fee rises for a few blocks.
    pub fn max_fee(next_base_fee: u64, tip: u128) -> u128 {
        (u128::from(next_base_fee) * 2).saturating_add(tip)
    }
}

/// A native tx filled and masked, ready to sign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsignedNative {
    /// The call.
    pub call: NativeCall,
    /// The moves, in canonical order, with their masks.
    pub moves: Vec<Move>,
}

impl UnsignedNative {
    /// The hash the sender signs.
    pub fn signing_hash(&self) -> B256 {
        alloy_primitives::keccak256(NativeTx::signing_payload(&self.call, &self.moves))
    }

    /// Signed with `key`.
    pub fn sign(self, key: &SigningKey) -> NativeTx {
        NativeTx::sign(self.call, self.moves, key)
    }
}

/// Why a native tx could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// The call cannot execute on the latest state.
    #[error("the call fails on the latest state: {0}")]
    Exec(#[from] ExecError),
    /// The call reverts on the latest state.
    #[error("the call fails on the latest state: it reverts with {}", alloy_primitives::hex::encode_prefixed(.0))]
    Reverts(Bytes),
    /// The call halts on the latest state (out of gas, invalid opcode, a trap…).
    #[error("the call fails on the latest state: it halts: {0}")]
    Halts(String),
    /// The node could not read its state.
    #[error(transparent)]
    Node(#[from] crate::error::NodeError),
}

/// Prepares `call` (its caller, nonce and fees as the sender wants them) as a native tx: the
/// call simulated on the node's latest state in the next block's context, every move filled
/// from what it found, masked as `masking` says, `open` letting the coordinator add moves.
pub fn prepare(node: &Node, call: &Call, masking: &Masking, open: bool) -> Result<UnsignedNative, WalletError> {
    prepare_after(node, &[], call, masking, open)
}

/// [`prepare`] on top of `pending`: txs sent but not mined yet (the sender's own, in nonce order),
/// so a wallet can chain txs before inclusion. The moves then reference the pending txs' outputs
/// (a native tx's id is known at signing).
pub fn prepare_after(
    node: &Node,
    pending: &[crate::admission::Admitted],
    call: &Call,
    masking: &Masking,
    open: bool,
) -> Result<UnsignedNative, WalletError> {
    let execution = node.simulate_pending(pending, call)?;
    match execution.status {
        Status::Success => {}
        Status::Revert => return Err(WalletError::Reverts(execution.output)),
        Status::Halt(reason) => return Err(WalletError::Halts(reason)),
    }
    let moves = execution.moves.iter().map(|m| Move { mask: masking.mask_of(m), ..*m }).collect();
    let native = NativeCall {
        chain_id: node.chain_id(),
        nonce: call.nonce,
        max_priority_fee_per_gas: call.max_priority_fee_per_gas.unwrap_or_default(),
        max_fee_per_gas: call.max_fee_per_gas,
        gas_limit: fees::gas_limit(execution.gas_used, node.config().gas_limit),
        to: call.to,
        value: call.value,
        input: call.input.clone(),
        open,
    };
    Ok(UnsignedNative { call: native, moves })
}
