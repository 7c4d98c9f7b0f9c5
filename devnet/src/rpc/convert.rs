//! The chain as Ethereum clients read it: blocks, txs, receipts and logs in alloy's RPC types.
//!
//! Mapping (ARCHITECTURE.md): the header's `stateRoot` is the UTXO-set commitment,
//! `transactionsRoot` the tx root over ids and moves, `receiptsRoot` the outcomes root; the
//! block hash is the Manaflow header's own hash (what BLOCKHASH returns). System txs (genesis,
//! cheats) have no Ethereum envelope and are not listed among a block's transactions; they sit
//! in blocks of their own, so Ethereum txs keep their indices.

use alloy_consensus::{Eip658Value, ReceiptEnvelope, ReceiptWithBloom, TxEnvelope, TxType, Typed2718};
use alloy_eips::eip4895::Withdrawals;
use alloy_primitives::{Address, B64, B256, Bloom, Bytes, TxKind, U256, logs_bloom};
use alloy_rpc_types_eth::{Block as RpcBlock, BlockTransactions, Header as RpcHeader, Log as RpcLog, Transaction};
use manaflow_evm::{block_receipts, decode_on_chain};
use manaflow_types::{Block, Tx};

use crate::node::Node;
use crate::rpc::error::RpcError;

/// A committed block with what the RPC needs of it.
pub struct ChainBlock {
    /// The block.
    pub block: Block,
    /// Its hash.
    pub hash: B256,
}

impl ChainBlock {
    /// Reads block `number`.
    pub fn read(node: &Node, number: u64) -> Result<Self, RpcError> {
        let block = node.ledger().block(number).map_err(RpcError::internal)?;
        let hash = block.header.hash();
        Ok(Self { block, hash })
    }

    /// Its number.
    pub fn number(&self) -> u64 {
        self.block.header.number
    }

    /// The indices of its Ethereum txs (the ones clients see).
    pub fn eth_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.block.txs.iter().enumerate().filter(|(_, tx)| matches!(tx, Tx::Ethereum(_))).map(|(i, _)| i)
    }

    /// The RPC header.
    pub fn header(&self) -> RpcHeader {
        let h = &self.block.header;
        let gas_used = self.block.outcomes.iter().map(|o| o.gas_used).sum();
        let logs: Vec<_> = self.block.outcomes.iter().flat_map(|o| o.logs.iter().cloned()).collect();
        let inner = alloy_consensus::Header {
            parent_hash: h.parent_hash,
            ommers_hash: alloy_consensus::constants::EMPTY_OMMER_ROOT_HASH,
            beneficiary: h.coinbase,
            state_root: h.commitment,
            transactions_root: h.tx_root,
            receipts_root: h.outcomes_root,
            logs_bloom: logs_bloom(&logs),
            difficulty: U256::ZERO,
            number: h.number,
            gas_limit: h.gas_limit,
            gas_used,
            timestamp: h.timestamp,
            extra_data: Bytes::new(),
            mix_hash: h.prevrandao,
            nonce: B64::ZERO,
            base_fee_per_gas: Some(h.base_fee),
            withdrawals_root: Some(alloy_consensus::constants::EMPTY_WITHDRAWALS),
            blob_gas_used: Some(0),
            excess_blob_gas: Some(0),
            parent_beacon_block_root: Some(B256::ZERO),
            requests_hash: Some(alloy_eips::eip7685::EMPTY_REQUESTS_HASH),
            ..Default::default()
        };
        RpcHeader {
            hash: self.hash,
            inner,
            total_difficulty: Some(U256::ZERO),
            size: Some(U256::from(self.block.encode().len())),
        }
    }

    /// The RPC block, with tx hashes or full txs.
    pub fn rpc_block(&self, chain_id: u64, full: bool) -> Result<RpcBlock, RpcError> {
        let transactions = if full {
            BlockTransactions::Full(
                self.eth_indices().map(|i| self.transaction(i, chain_id)).collect::<Result<Vec<_>, _>>()?,
            )
        } else {
            BlockTransactions::Hashes(self.eth_indices().map(|i| self.block.txs[i].id()).collect())
        };
        Ok(RpcBlock {
            header: self.header(),
            uncles: Vec::new(),
            transactions,
            withdrawals: Some(Withdrawals::default()),
        })
    }

    /// The Ethereum envelope and sender of tx `index` (recovered again: the chain keeps
    /// bytes, not senders).
    pub fn envelope(&self, index: usize, chain_id: u64) -> Result<(TxEnvelope, Address), RpcError> {
        match self.block.txs.get(index) {
            Some(Tx::Ethereum(eth)) => {
                let signed =
                    decode_on_chain(&eth.raw, chain_id, self.block.header.dev_mode()).map_err(RpcError::internal)?;
                Ok((signed.envelope, signed.sender))
            }
            _ => Err(RpcError::internal(format!("tx {index} of block {} is not an Ethereum tx", self.number()))),
        }
    }

    /// Tx `index` as an RPC transaction.
    pub fn transaction(&self, index: usize, chain_id: u64) -> Result<Transaction, RpcError> {
        let (envelope, sender) = self.envelope(index, chain_id)?;
        let price = envelope_price(&envelope, self.block.header.base_fee);
        Ok(Transaction {
            inner: alloy_consensus::transaction::Recovered::new_unchecked(envelope, sender),
            block_hash: Some(self.hash),
            block_number: Some(self.number()),
            transaction_index: Some(index as u64),
            effective_gas_price: Some(price),
            block_timestamp: Some(self.block.header.timestamp),
        })
    }

    /// The RPC logs of the block, with their block-wide indices, by tx.
    pub fn logs(&self) -> Vec<Vec<RpcLog>> {
        let mut log_index = 0u64;
        self.block
            .txs
            .iter()
            .zip(&self.block.outcomes)
            .enumerate()
            .map(|(i, (tx, outcome))| {
                let id = tx.id();
                outcome
                    .logs
                    .iter()
                    .map(|log| {
                        let rpc = RpcLog {
                            inner: log.clone(),
                            block_hash: Some(self.hash),
                            block_number: Some(self.number()),
                            block_timestamp: Some(self.block.header.timestamp),
                            transaction_hash: Some(id),
                            transaction_index: Some(i as u64),
                            log_index: Some(log_index),
                            removed: false,
                        };
                        log_index += 1;
                        rpc
                    })
                    .collect()
            })
            .collect()
    }

    /// The receipts of the block's Ethereum txs.
    pub fn receipts(&self, chain_id: u64) -> Result<Vec<alloy_rpc_types_eth::TransactionReceipt>, RpcError> {
        let receipts = block_receipts(&self.block);
        let logs = self.logs();
        self.eth_indices()
            .map(|i| {
                use alloy_consensus::Transaction as _;
                let (envelope, sender) = self.envelope(i, chain_id)?;
                let receipt = &receipts[i];
                let contract_address = match envelope.kind() {
                    TxKind::Create if receipt.success => Some(sender.create(envelope.nonce())),
                    _ => None,
                };
                let to = match envelope.kind() {
                    TxKind::Call(to) => Some(to),
                    TxKind::Create => None,
                };
                let inner = ReceiptWithBloom {
                    receipt: alloy_consensus::Receipt {
                        status: Eip658Value::Eip658(receipt.success),
                        cumulative_gas_used: receipt.cumulative_gas_used,
                        logs: logs[i].clone(),
                    },
                    logs_bloom: receipt.logs_bloom,
                };
                let ty = TxType::try_from(envelope.ty()).unwrap_or(TxType::Legacy);
                Ok(alloy_rpc_types_eth::TransactionReceipt {
                    inner: ReceiptEnvelope::from_typed(ty, inner),
                    transaction_hash: self.block.txs[i].id(),
                    transaction_index: Some(i as u64),
                    block_hash: Some(self.hash),
                    block_number: Some(self.number()),
                    gas_used: receipt.gas_used,
                    effective_gas_price: receipt.effective_gas_price,
                    blob_gas_used: None,
                    blob_gas_price: None,
                    from: sender,
                    to,
                    contract_address,
                })
            })
            .collect()
    }

    /// The block's logs bloom.
    pub fn bloom(&self) -> Bloom {
        let logs: Vec<_> = self.block.outcomes.iter().flat_map(|o| o.logs.iter().cloned()).collect();
        logs_bloom(&logs)
    }
}

/// The price a tx pays per gas in a block with `base_fee`.
pub fn envelope_price(envelope: &TxEnvelope, base_fee: u64) -> u128 {
    use alloy_consensus::Transaction as _;
    match envelope.max_priority_fee_per_gas() {
        Some(tip) => envelope.max_fee_per_gas().min(u128::from(base_fee).saturating_add(tip)),
        None => envelope.max_fee_per_gas(),
    }
}

/// A pooled (pending) tx as an RPC transaction.
pub fn pending_transaction(tx: &crate::node::Admitted) -> Result<Transaction, RpcError> {
    let envelope = manaflow_evm::decode_envelope(&tx.raw).map_err(RpcError::internal)?;
    Ok(Transaction {
        inner: alloy_consensus::transaction::Recovered::new_unchecked(envelope, tx.call.caller),
        block_hash: None,
        block_number: None,
        transaction_index: None,
        effective_gas_price: None,
        block_timestamp: None,
    })
}
