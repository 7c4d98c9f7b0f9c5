//! The REPL's [`Backend`] over a running devnet: reads go to the node, txs are signed with the
//! dev accounts' keys under the wallet's fee policy and submitted through the coordinator, as
//! `eth_sendRawTransaction` submits them (the RPC is served too, so txs sent from other clients
//! are on the same chain).

use std::sync::Arc;

use alloy_consensus::TxEip1559;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use anyhow::Context;
use manaflow_evm::{EvmVerifier, decode_on_chain, native_call};
use manaflow_repl::{Backend, Envelope, MinedBlock, Mining, SendRequest, Sent, SetSummary, TxPosition};
use manaflow_types::trace::AccessSink;
use manaflow_types::{Block, Call, CodeSource, Execution, Header, Output, StateKey, Tx, TxVerifier, Violation};

use crate::coordinator::MiningMode;
use crate::node::{Node, chain_runtime};
use crate::rpc::sign::UnsignedTx;
use crate::spawn::Devnet;
use crate::wallet::{fees, prepare_after};

/// A running devnet as the REPL drives it.
pub struct DevnetBackend {
    devnet: Devnet,
    runtime: tokio::runtime::Runtime,
}

impl DevnetBackend {
    /// The REPL's view of `devnet` (which it shuts down when dropped).
    pub fn new(devnet: Devnet) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        Ok(Self { devnet, runtime })
    }

    /// The devnet.
    pub fn devnet(&self) -> &Devnet {
        &self.devnet
    }

    fn node(&self) -> parking_lot::RwLockReadGuard<'_, Node> {
        self.devnet.coordinator().node()
    }
}

/// The node's code table, as re-execution reads it.
struct NodeCodes<'a>(&'a Node);

impl CodeSource for NodeCodes<'_> {
    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.0.ledger().code(hash)
    }
}

impl Backend for DevnetBackend {
    fn accounts(&self) -> Vec<Address> {
        self.devnet.accounts().iter().map(|a| a.address).collect()
    }

    fn height(&self) -> u64 {
        self.node().height()
    }

    fn block(&self, number: u64) -> anyhow::Result<Block> {
        Ok(self.node().ledger().block(number)?)
    }

    fn blocks(&self) -> anyhow::Result<Vec<Block>> {
        Ok(self.node().ledger().blocks()?)
    }

    fn locate(&self, id: &B256) -> Option<TxPosition> {
        self.node().ledger().locate(id).map(|loc| TxPosition { block: loc.block, index: loc.index })
    }

    fn code(&self, hash: &B256) -> Option<Bytes> {
        self.node().ledger().code(hash)
    }

    fn balance(&self, who: Address) -> anyhow::Result<U256> {
        Ok(self.node().balance(who)?)
    }

    fn nonce(&self, who: Address) -> anyhow::Result<u64> {
        Ok(self.node().nonce(who)?)
    }

    fn output(&self, key: &StateKey) -> anyhow::Result<Output> {
        Ok(self.node().ledger().output(key)?)
    }

    fn outputs_of(&self, address: Address) -> anyhow::Result<Vec<(StateKey, Output)>> {
        let outputs = self.devnet.coordinator().with_node(|node| node.outputs())?;
        Ok(outputs.into_iter().filter(|(key, _)| key.addr == address).collect())
    }

    fn set_summary(&self) -> SetSummary {
        let node = self.node();
        SetSummary {
            height: node.height(),
            outputs: node.ledger().utxo_size() / 2,
            commitment: node.ledger().commitment(),
        }
    }

    fn simulate(&self, from: Address, to: Option<Address>, input: Bytes, value: U256) -> anyhow::Result<Execution> {
        let node = self.node();
        let call = Call {
            tx_type: 2,
            caller: from,
            to,
            value,
            input,
            gas_limit: node.config().gas_limit,
            nonce: node.nonce(from)?,
            chain_id: Some(node.chain_id()),
            ..Call::default()
        };
        Ok(node.simulate(&call, node.height())?)
    }

    fn send(&mut self, request: SendRequest) -> anyhow::Result<Sent> {
        let SendRequest { from, to, input, value, gas_used, envelope } = request;
        let account = self
            .devnet
            .accounts()
            .iter()
            .find(|a| a.address == from)
            .with_context(|| format!("{from} is not a dev account: only those are signed for"))?;
        let coordinator = Arc::clone(self.devnet.coordinator());
        let (nonce, gas_limit, max_fee, chain_id) = {
            let node = coordinator.node();
            let gas_limit = fees::gas_limit(gas_used, node.config().gas_limit);
            let max_fee = fees::max_fee(node.next_base_fee(), fees::PRIORITY_FEE);
            (coordinator.pending_nonce(from)?, gas_limit, max_fee, node.chain_id())
        };
        let raw: Bytes = match envelope {
            Envelope::Ethereum => UnsignedTx::Eip1559(TxEip1559 {
                chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas: max_fee,
                max_priority_fee_per_gas: fees::PRIORITY_FEE,
                to: to.map_or(TxKind::Create, TxKind::Call),
                value,
                access_list: Default::default(),
                input,
            })
            .sign(&account.key),
            Envelope::Native(masking) => {
                let call = Call {
                    tx_type: 2,
                    caller: from,
                    to,
                    value,
                    input,
                    gas_limit,
                    max_fee_per_gas: max_fee,
                    max_priority_fee_per_gas: Some(fees::PRIORITY_FEE),
                    nonce,
                    chain_id: Some(chain_id),
                    ..Call::default()
                };
                let pending = coordinator.pooled_from(from);
                let unsigned = prepare_after(&coordinator.node(), &pending, &call, &masking, false)?;
                unsigned.sign(&account.key).encode_2718().into()
            }
        };
        let hash = self.runtime.block_on(coordinator.submit(&raw))?;
        let block = self.node().ledger().locate(&hash).map(|loc| loc.block);
        Ok(Sent { hash, block, console: Vec::new() })
    }

    fn mine(&mut self) -> anyhow::Result<MinedBlock> {
        let committed = self.devnet.coordinator().mine_block()?;
        Ok(MinedBlock { number: committed.header.number, ids: committed.ids })
    }

    fn refusal(&self, id: &B256) -> Option<String> {
        self.devnet.coordinator().refusal(id).map(|why| why.to_string())
    }

    fn mining(&self) -> Mining {
        match self.devnet.coordinator().mode() {
            MiningMode::Auto => Mining::Auto,
            MiningMode::Manual => Mining::Manual,
            MiningMode::Interval(every) => Mining::Interval(every),
        }
    }

    fn set_automine(&mut self, on: bool) {
        self.devnet.coordinator().set_mode(if on { MiningMode::Auto } else { MiningMode::Manual });
    }

    fn call_of(&self, tx: &Tx) -> Option<Call> {
        let chain_id = self.node().chain_id();
        match tx {
            // Impersonated senders are accepted on dev chains, as in blocks.
            Tx::Ethereum(eth) => decode_on_chain(&eth.raw, chain_id, true).ok().map(|signed| signed.call()),
            Tx::Native(native) => native.recover_sender().ok().map(|sender| native_call(native, sender)),
            Tx::System(_) => None,
        }
    }

    fn trace(
        &self,
        tx: &Tx,
        index: u32,
        header: &Header,
        sink: AccessSink<'_>,
    ) -> Result<Option<Execution>, Violation> {
        let node = self.node();
        let verifier = EvmVerifier::new(chain_runtime(node.config().hardfork));
        verifier.trace(tx, index, header, &NodeCodes(&node), sink)
    }

    fn check_module(&self, code: &[u8]) -> anyhow::Result<()> {
        manaflow_wasm::WasmVm::check_deploy(code)?;
        Ok(())
    }

    fn verifier(&self) -> Arc<dyn TxVerifier> {
        Arc::new(EvmVerifier::new(chain_runtime(self.node().config().hardfork)))
    }
}
