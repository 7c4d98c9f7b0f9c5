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

use alloy_primitives::{Address, B256};
use manaflow_types::{Call, Mask, Move, NativeCall, NativeTx, SigningKey, Status};
use serde::{Deserialize, Serialize};

use crate::node::Node;

/// Which fields of the simulated moves the sender signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Masking {
    /// Every field of every move: fixed at signing time.
    Full,
    /// Moves on these contracts are filled by the coordinator; so is the `next` of every other
    /// write.
    Contested(Vec<Address>),
}

/// Gas added to the simulated use (the wallet's margin).
const GAS_MARGIN: u64 = 10_000;

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
    /// The call fails on the latest state.
    #[error("the call fails on the latest state: {0}")]
    Fails(String),
    /// The node could not read its state.
    #[error(transparent)]
    Node(#[from] crate::node::NodeError),
}

/// The mask of `m` under `masking`.
fn mask_of(m: &Move, masking: &Masking) -> Mask {
    match masking {
        Masking::Full => Mask::SIGNED,
        Masking::Contested(contracts) if contracts.contains(&m.addr) => Mask(Mask::PRESENT),
        Masking::Contested(_) if m.is_write() => Mask(Mask::PRESENT | Mask::INTX | Mask::PREV),
        Masking::Contested(_) => Mask::SIGNED,
    }
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
    pending: &[crate::node::Admitted],
    call: &Call,
    masking: &Masking,
    open: bool,
) -> Result<UnsignedNative, WalletError> {
    let execution = node.simulate_pending(pending, call).map_err(|e| WalletError::Fails(e.to_string()))?;
    match execution.status {
        Status::Success => {}
        Status::Revert => {
            return Err(WalletError::Fails(format!(
                "it reverts with {}",
                alloy_primitives::hex::encode_prefixed(&execution.output)
            )));
        }
        Status::Halt(reason) => return Err(WalletError::Fails(format!("it halts: {reason}"))),
    }
    let moves = execution.moves.iter().map(|m| Move { mask: mask_of(m, masking), ..*m }).collect();
    let native = NativeCall {
        chain_id: node.chain_id(),
        nonce: call.nonce,
        max_priority_fee_per_gas: call.max_priority_fee_per_gas.unwrap_or_default(),
        max_fee_per_gas: call.max_fee_per_gas,
        gas_limit: execution.gas_used.saturating_mul(64) / 63 + GAS_MARGIN,
        to: call.to,
        value: call.value,
        input: call.input.clone(),
        open,
    };
    Ok(UnsignedNative { call: native, moves })
}

#[cfg(test)]
mod tests {
    use super::*;
    use manaflow_types::StateKey;

    #[test]
    fn contested_masking_leaves_the_pool_and_results_to_the_coordinator() {
        let pool = Address::repeat_byte(1);
        let me = Address::repeat_byte(2);
        let reserve = Move::write(StateKey::storage(pool, B256::ZERO), B256::ZERO, B256::ZERO, B256::with_last_byte(1));
        let mine = Move::write(StateKey::balance(me), B256::ZERO, B256::with_last_byte(9), B256::with_last_byte(8));
        let code = Move::read(StateKey::code(me), B256::ZERO, B256::ZERO);
        let masking = Masking::Contested(vec![pool]);
        assert_eq!(mask_of(&reserve, &masking), Mask(Mask::PRESENT));
        assert_eq!(mask_of(&mine, &masking), Mask(Mask::PRESENT | Mask::INTX | Mask::PREV));
        assert_eq!(mask_of(&code, &masking), Mask::SIGNED);
        assert_eq!(mask_of(&reserve, &Masking::Full), Mask::SIGNED);
    }
}
