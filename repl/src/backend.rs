//! The chain as the REPL sees it: [`Backend`], the one trait the REPL consumes. The devnet
//! implements it over its node (the same chain its JSON-RPC serves); the REPL knows nothing of
//! the node's locks, its transport or its storage.

use std::sync::Arc;

use alloy_primitives::{Address, B256, Bytes, U256};
use manaflow_types::trace::AccessSink;
use manaflow_types::{Block, Call, Execution, Header, Masking, Output, StateKey, Tx, TxId, TxVerifier, Violation};

/// Which envelope a tx is sent in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Envelope {
    /// A signed EIP-1559 tx; the coordinator fills every move.
    Ethereum,
    /// A native tx (type `0x4d`) prepared on the latest state and masked as given.
    Native(Masking),
}

/// A tx to sign with a dev account's key and send.
#[derive(Clone, Debug)]
pub struct SendRequest {
    /// The dev account that signs.
    pub from: Address,
    /// The callee (`None`: a create).
    pub to: Option<Address>,
    /// Calldata (or init code).
    pub input: Bytes,
    /// Wei sent.
    pub value: U256,
    /// Gas the call used when simulated (the backend's fee policy adds its margin).
    pub gas_used: u64,
    /// The envelope.
    pub envelope: Envelope,
}

/// What sending a tx gave.
#[derive(Clone, Debug)]
pub struct Sent {
    /// Its hash.
    pub hash: B256,
    /// The block it was mined in (`None`: pooled, mining is not automatic).
    pub block: Option<u64>,
    /// The calldata of its `console.log` calls, as its simulation on the latest state made them
    /// (filled by the session; a backend leaves it empty).
    pub console: Vec<Bytes>,
}

/// A block mined on request.
#[derive(Clone, Debug)]
pub struct MinedBlock {
    /// Its number.
    pub number: u64,
    /// The ids of its txs, in block order.
    pub ids: Vec<TxId>,
}

/// Where a tx sits on chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxPosition {
    /// The block holding it.
    pub block: u64,
    /// Its index in the block.
    pub index: u32,
}

/// How blocks are mined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mining {
    /// A block as soon as txs are ready.
    Auto,
    /// Only on request.
    Manual,
    /// A block every interval.
    Interval(std::time::Duration),
}

/// The set's size and commitment after the tip.
#[derive(Clone, Copy, Debug)]
pub struct SetSummary {
    /// The tip's height.
    pub height: u64,
    /// Outputs live (each with its first-use marker).
    pub outputs: u64,
    /// The set's commitment.
    pub commitment: B256,
}

/// The chain the REPL drives. Every method reads or changes the one chain the node serves, so
/// txs sent from other clients show up here and txs sent here show up there.
pub trait Backend: Sync {
    /// The dev accounts the backend signs for, in order (named alice, bob, … by the REPL).
    fn accounts(&self) -> Vec<Address>;
    /// The tip's height.
    fn height(&self) -> u64;
    /// Block `number`.
    fn block(&self, number: u64) -> anyhow::Result<Block>;
    /// Every block, genesis first.
    fn blocks(&self) -> anyhow::Result<Vec<Block>>;
    /// Where tx `id` was included, if it was.
    fn locate(&self, id: &B256) -> Option<TxPosition>;
    /// Code by hash, from the chain's code table.
    fn code(&self, hash: &B256) -> Option<Bytes>;
    /// The balance of `who` at the tip.
    fn balance(&self, who: Address) -> anyhow::Result<U256>;
    /// The nonce of `who` at the tip.
    fn nonce(&self, who: Address) -> anyhow::Result<u64>;
    /// The live output of `key`.
    fn output(&self, key: &StateKey) -> anyhow::Result<Output>;
    /// Every live output of `address`'s keys, in canonical order.
    fn outputs_of(&self, address: Address) -> anyhow::Result<Vec<(StateKey, Output)>>;
    /// The set's size and commitment.
    fn set_summary(&self) -> SetSummary;
    /// Runs a call from `from` on the latest state (in the next block's context) without
    /// sending it.
    fn simulate(&self, from: Address, to: Option<Address>, input: Bytes, value: U256) -> anyhow::Result<Execution>;
    /// Signs `request` with its dev account's key (the wallet's fee policy) and sends it as
    /// `eth_sendRawTransaction` does; returns once it is mined, or pooled when mining is not
    /// automatic.
    fn send(&mut self, request: SendRequest) -> anyhow::Result<Sent>;
    /// Mines one block now, with the pooled txs.
    fn mine(&mut self) -> anyhow::Result<MinedBlock>;
    /// Why a tx sent earlier was refused at sequencing, if it was.
    fn refusal(&self, id: &B256) -> Option<String>;
    /// How blocks are mined.
    fn mining(&self) -> Mining;
    /// Switches automine on or off.
    fn set_automine(&mut self, on: bool);
    /// The call an included tx makes (its sender recovered), for showing it; `None` for system
    /// txs.
    fn call_of(&self, tx: &Tx) -> Option<Call>;
    /// The validator's re-execution of tx `index` of the block with `header`, against nothing
    /// but its declared moves, reporting each state access to `sink`.
    fn trace(&self, tx: &Tx, index: u32, header: &Header, sink: AccessSink<'_>)
    -> Result<Option<Execution>, Violation>;
    /// Whether `code` (a WASM module) passes the deployment checks a create would run.
    fn check_module(&self, code: &[u8]) -> anyhow::Result<()>;
    /// The validator's per-tx verifier (re-execution in both runtimes, recovering every sender
    /// itself), for validation runs on copies of the chain.
    fn verifier(&self) -> Arc<dyn TxVerifier>;
}
