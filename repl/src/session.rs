//! A REPL session: the running devnet, the names it knows, and the txs it sent. Commands reach
//! the chain through the coordinator directly (the same node the RPC serves), so txs sent from
//! ethers or cast show up here and txs sent here show up there.

use alloy_consensus::TxEip1559;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use anyhow::{Context, bail};
use manaflow_evm::EvmVerifier;
use manaflow_types::{Block, Call, Execution, Status, Tx};

use crate::repl::abi;
use crate::repl::names::Names;
use manaflow::rpc::sign::UnsignedTx;
use manaflow::wallet::{Masking, prepare_after};
use manaflow::{Devnet, Node};

/// The tip paid on txs sent from the REPL (1 gwei, as Anvil suggests).
const TIP: u128 = 1_000_000_000;

/// Which envelope a tx is sent in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Envelope {
    /// A signed EIP-1559 tx; the coordinator fills every move.
    Ethereum,
    /// A native tx (type `0x4d`) prepared on the latest state and masked as given.
    Native(Masking),
}

/// A tx the session found on chain.
pub struct Located {
    /// The tx's hash.
    pub hash: B256,
    /// The block holding it.
    pub block: Block,
    /// Its index in the block.
    pub index: usize,
}

impl Located {
    /// The tx.
    pub fn tx(&self) -> &Tx {
        &self.block.txs[self.index]
    }
}

/// What sending a tx gave.
pub struct Sent {
    /// Its hash.
    pub hash: B256,
    /// The block it was mined in (`None`: pooled, mining is not automatic).
    pub block: Option<u64>,
}

/// The session.
pub struct Session {
    /// The devnet.
    pub devnet: Devnet,
    /// Names of accounts, contracts and aliases.
    pub names: Names,
    /// The txs sent or shown here, newest last (for `last` and completion).
    pub recent: Vec<B256>,
    /// Txs sent here and pooled, not mined yet (mining is not automatic).
    pub pending: Vec<B256>,
    runtime: tokio::runtime::Runtime,
}

impl Session {
    /// A session on `devnet`.
    pub fn new(devnet: Devnet) -> anyhow::Result<Self> {
        let accounts: Vec<Address> = devnet.accounts().iter().map(|a| a.address).collect();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        Ok(Self { names: Names::for_accounts(&accounts), devnet, recent: Vec::new(), pending: Vec::new(), runtime })
    }

    /// Reads the node.
    pub fn node(&self) -> parking_lot::RwLockReadGuard<'_, Node> {
        self.devnet.coordinator().node()
    }

    /// The validator's verifier, recovering every sender itself.
    pub fn verifier(&self) -> EvmVerifier {
        EvmVerifier::new(manaflow::node::chain_runtime(self.node().config().hardfork))
    }

    /// Remembers `hash` as the latest tx.
    pub fn remember(&mut self, hash: B256) {
        self.recent.retain(|h| *h != hash);
        self.recent.push(hash);
    }

    /// `word` as a tx hash: `last` (the default), a hash, or a unique hex prefix of a recent one.
    pub fn tx_hash(&self, word: Option<&str>) -> anyhow::Result<B256> {
        match word {
            None | Some("last") => self.recent.last().copied().context("no tx yet: send one, or give a tx hash"),
            Some(text) => {
                if let Ok(hash) = text.parse::<B256>() {
                    return Ok(hash);
                }
                let prefix = text.to_ascii_lowercase();
                let matches: Vec<&B256> =
                    self.recent.iter().filter(|h| format!("{h:#x}").starts_with(&prefix)).collect();
                match matches.as_slice() {
                    [one] => Ok(**one),
                    [] => bail!("{text:?} is not a tx hash (0x and 64 hex digits) nor the start of a recent one"),
                    _ => bail!("{text:?} starts {} recent txs; give more digits", matches.len()),
                }
            }
        }
    }

    /// Finds tx `hash` on chain.
    pub fn locate(&self, hash: B256) -> anyhow::Result<Located> {
        let node = self.node();
        let loc = node.ledger().locate(&hash).with_context(|| format!("tx {hash} is not on chain"))?;
        let block = node.ledger().block(loc.block)?;
        Ok(Located { hash, block, index: loc.index as usize })
    }

    /// `word` as a block number: a number, `latest` (the default) or `genesis`.
    pub fn block_number(&self, word: Option<&str>) -> anyhow::Result<u64> {
        let height = self.node().height();
        let number = match word {
            None | Some("latest") => height,
            Some("genesis") => 0,
            Some(text) => text.parse::<u64>().with_context(|| format!("{text:?} is not a block number"))?,
        };
        if number > height {
            bail!("block {number} does not exist yet: the chain is at {height}");
        }
        Ok(number)
    }

    /// Runs a call on the latest state without sending it.
    pub fn simulate(&self, from: Address, to: Option<Address>, input: Bytes, value: U256) -> anyhow::Result<Execution> {
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
        node.simulate(&call, node.height()).map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Signs a tx from dev account `from` in `envelope` and sends it through the coordinator, as
    /// `eth_sendRawTransaction` does. A tx that would revert is refused unless `force`.
    pub fn send(
        &mut self,
        from: Address,
        to: Option<Address>,
        input: Bytes,
        value: U256,
        force: bool,
        envelope: &Envelope,
    ) -> anyhow::Result<Sent> {
        let index = self.names.account_index(&from).with_context(|| {
            format!("{} is not a dev account: the REPL signs only for those (see `accounts`)", self.names.show(&from))
        })?;
        let simulated = self.simulate(from, to, input.clone(), value)?;
        let failure = match &simulated.status {
            Status::Success => None,
            Status::Revert => Some(abi::show_revert(&simulated.output, &self.names)),
            Status::Halt(reason) => Some(format!("halted: {reason}")),
        };
        if let Some(why) = failure.filter(|_| !force) {
            bail!("the tx would fail ({why}); add --force to send it anyway");
        }
        let (nonce, gas_limit, max_fee, chain_id) = {
            let node = self.node();
            let gas = (simulated.gas_used.saturating_mul(64) / 63).saturating_add(10_000).min(node.config().gas_limit);
            let max_fee = u128::from(node.next_base_fee()) * 2 + TIP;
            (self.devnet.coordinator().pending_nonce(from)?, gas, max_fee, node.chain_id())
        };
        let key = &self.devnet.accounts()[index].key;
        let raw: Bytes = match envelope {
            Envelope::Ethereum => UnsignedTx::Eip1559(TxEip1559 {
                chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas: max_fee,
                max_priority_fee_per_gas: TIP,
                to: to.map_or(TxKind::Create, TxKind::Call),
                value,
                access_list: Default::default(),
                input,
            })
            .sign(key),
            Envelope::Native(masking) => {
                let call = Call {
                    tx_type: 2,
                    caller: from,
                    to,
                    value,
                    input,
                    gas_limit,
                    max_fee_per_gas: max_fee,
                    max_priority_fee_per_gas: Some(TIP),
                    nonce,
                    chain_id: Some(chain_id),
                    ..Call::default()
                };
                let pending = self.devnet.coordinator().pooled_from(from);
                let unsigned = prepare_after(&self.node(), &pending, &call, masking, false)?;
                unsigned.sign(key).encode_2718().into()
            }
        };
        let coordinator = std::sync::Arc::clone(self.devnet.coordinator());
        let hash = self.runtime.block_on(coordinator.submit(&raw)).map_err(|e| anyhow::anyhow!("{e}"))?;
        self.remember(hash);
        let block = self.node().ledger().locate(&hash).map(|loc| loc.block);
        if block.is_none() {
            self.pending.push(hash);
        }
        Ok(Sent { hash, block })
    }
}
