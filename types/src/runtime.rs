//! What every runtime implements (DESIGN §6): execute a call against a state view and return
//! its outcome and move set. The EVM and the WASM runtime produce the same kind of moves.

use alloy_eips::eip2930::AccessList;
use alloy_eips::eip7702::SignedAuthorization;
use alloy_primitives::{Address, Bytes, Log, U256};
use thiserror::Error;

use crate::block::Header;
use crate::check::ChainContext;
use crate::moves::Move;
use crate::state::{MissingState, StateView};

/// What a tx asks a runtime to do, its sender already recovered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Call {
    /// EIP-2718 type (0 legacy, 1 EIP-2930, 2 EIP-1559, 4 EIP-7702).
    pub tx_type: u8,
    /// The sender.
    pub caller: Address,
    /// The callee, or `None` to create.
    pub to: Option<Address>,
    /// Wei sent.
    pub value: U256,
    /// Calldata or init code.
    pub input: Bytes,
    /// Gas limit.
    pub gas_limit: u64,
    /// Gas price (legacy, 2930) or fee cap (1559).
    pub max_fee_per_gas: u128,
    /// Tip cap (1559 only).
    pub max_priority_fee_per_gas: Option<u128>,
    /// The sender's nonce.
    pub nonce: u64,
    /// Chain id, `None` for a pre-EIP-155 legacy tx.
    pub chain_id: Option<u64>,
    /// EIP-2930 access list.
    pub access_list: AccessList,
    /// EIP-7702 authorizations (type 4 only): each sets its authority's code to a delegation to
    /// an address, or is skipped if invalid, as the EIP says.
    pub authorization_list: Vec<SignedAuthorization>,
}

impl Call {
    /// The price paid per gas in a block with `base_fee`.
    pub fn effective_gas_price(&self, base_fee: u64) -> u128 {
        match self.max_priority_fee_per_gas {
            Some(tip) => self.max_fee_per_gas.min(u128::from(base_fee).saturating_add(tip)),
            None => self.max_fee_per_gas,
        }
    }
}

/// How execution ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Returned or stopped.
    Success,
    /// Reverted; the output is the revert data.
    Revert,
    /// Halted (out of gas, invalid opcode…); all gas is used.
    Halt(String),
}

/// The outcome of executing one tx.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execution {
    /// How it ended.
    pub status: Status,
    /// Gas used (the receipt's).
    pub gas_used: u64,
    /// Price paid per gas.
    pub effective_gas_price: u128,
    /// Logs emitted (none unless it succeeded).
    pub logs: Vec<Log>,
    /// Return data, or revert data.
    pub output: Bytes,
    /// The contract created, for a create tx that succeeded.
    pub created: Option<Address>,
    /// The move set, in canonical order.
    pub moves: Vec<Move>,
    /// Code deployed by the tx (its hashes are the `c` moves' new values).
    pub codes: Vec<Bytes>,
    /// The calldata of each call to Hardhat's console address (`console.log`), in execution
    /// order: for the node to print; no move and no part of the outcome.
    pub console: Vec<Bytes>,
}

/// Why a tx cannot be executed at all (it has no moves and cannot be included). Each names the
/// rule, in the words Ethereum clients use, so wallets classify them as they do against geth.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Rejection {
    /// The tx's nonce is below the sender's.
    #[error("nonce too low: tx nonce {tx}, sender nonce {state}")]
    NonceTooLow {
        /// Nonce in the tx.
        tx: u64,
        /// The sender's nonce.
        state: u64,
    },
    /// The tx's nonce is above the sender's.
    #[error("nonce too high: tx nonce {tx}, sender nonce {state}")]
    NonceTooHigh {
        /// Nonce in the tx.
        tx: u64,
        /// The sender's nonce.
        state: u64,
    },
    /// The sender cannot pay `value + gas_limit × max_fee`.
    #[error("insufficient funds for gas * price + value: balance {balance}, need {cost}")]
    InsufficientFunds {
        /// What the tx may cost.
        cost: U256,
        /// The sender's balance.
        balance: U256,
    },
    /// The gas limit does not cover the intrinsic gas.
    #[error("intrinsic gas too low: gas limit {limit}, intrinsic gas {intrinsic}")]
    IntrinsicGasTooLow {
        /// The tx's gas limit.
        limit: u64,
        /// What the tx costs before executing.
        intrinsic: u64,
    },
    /// Signed for another chain.
    #[error("invalid chain id: tx is for chain {tx}, this chain is {chain}")]
    WrongChainId {
        /// Chain id in the tx.
        tx: u64,
        /// This chain's id.
        chain: u64,
    },
    /// The fee cap is below the block's base fee.
    #[error("max fee per gas less than block base fee: max fee {max_fee}, base fee {base_fee}")]
    FeeCapTooLow {
        /// The tx's fee cap.
        max_fee: u128,
        /// The block's base fee.
        base_fee: u64,
    },
    /// The tip is above the fee cap.
    #[error("invalid transaction: max priority fee per gas higher than max fee per gas: tip {tip}, fee cap {max_fee}")]
    TipAboveFeeCap {
        /// The tx's tip cap.
        tip: u128,
        /// The tx's fee cap.
        max_fee: u128,
    },
    /// Any other rule the runtime applies before execution.
    #[error("invalid transaction: {0}")]
    Other(String),
}

/// What can go wrong executing a tx.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExecError {
    /// The tx is invalid before execution.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// Execution needed state the view does not have (for re-execution: an undeclared access).
    #[error(transparent)]
    Missing(#[from] MissingState),
    /// The runtime failed (a bug or a broken header), not the tx.
    #[error("runtime failure: {0}")]
    Internal(String),
}

/// A runtime: executes a call in the block with `header`, reading state through `view` and
/// ancestor hashes through `chain`, and writes nothing.
pub trait Runtime: Sync {
    /// Executes `call` and returns its outcome and move set.
    fn execute(
        &self,
        call: &Call,
        header: &Header,
        chain: &dyn ChainContext,
        view: &dyn StateView,
    ) -> Result<Execution, ExecError>;
}
