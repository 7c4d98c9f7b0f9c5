//! The chain as Ethereum clients read it: blocks, txs, receipts and logs in alloy's RPC types.
//!
//! Mapping (ARCHITECTURE.md): the header's `stateRoot` is the UTXO-set commitment,
//! `transactionsRoot` the tx root over ids and moves, `receiptsRoot` the outcomes root; the
//! block hash is the Manaflow header's own hash (what BLOCKHASH returns). System txs (genesis,
//! cheats) have no Ethereum envelope and are not listed among a block's transactions; they sit
//! in blocks of their own, so Ethereum txs keep their indices.

use alloy_consensus::{Eip658Value, ReceiptEnvelope, ReceiptWithBloom, TxEnvelope, TxType, Typed2718};
use alloy_eips::eip4895::Withdrawals;
use alloy_primitives::{Address, B64, B256, Bloom, Bytes, TxKind, U64, U128, U256, logs_bloom};
use alloy_rpc_types_eth::{Block as RpcBlock, BlockTransactions, Header as RpcHeader, Log as RpcLog, Transaction};
use manaflow_evm::{block_receipts, decode_on_chain};
use manaflow_types::{Block, NativeTx, Tx};
use serde_json::{Value, json};

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
        Ok(Self::new(node.ledger().block(number).map_err(RpcError::internal)?))
    }

    /// `block`, with its hash.
    pub fn new(block: Block) -> Self {
        Self { hash: block.header.hash(), block }
    }

    /// Its number.
    pub fn number(&self) -> u64 {
        self.block.header.number
    }

    /// The indices of its Ethereum txs.
    pub fn eth_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.block.txs.iter().enumerate().filter(|(_, tx)| matches!(tx, Tx::Ethereum(_))).map(|(i, _)| i)
    }

    /// The indices of the txs clients see: Ethereum and native ones (system txs are not listed).
    pub fn listed_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.block.txs.iter().enumerate().filter(|(_, tx)| !matches!(tx, Tx::System(_))).map(|(i, _)| i)
    }

    /// The RPC's index of the tx at ledger index `index`: system txs are not listed, so
    /// `transactionIndex` counts the listed txs before it (DESIGN §8).
    pub fn rpc_index(&self, index: usize) -> u64 {
        self.listed_indices().take_while(|&i| i < index).count() as u64
    }

    /// The ledger index of the listed tx the RPC numbers `rpc_index`.
    pub fn ledger_index(&self, rpc_index: usize) -> Option<usize> {
        self.listed_indices().nth(rpc_index)
    }

    /// The RPC block as JSON: with tx hashes, or with full txs (native ones as
    /// [`ChainBlock::native_json`] gives them).
    pub fn block_json(&self, chain_id: u64, full: bool) -> Result<Value, RpcError> {
        let mut block = self.rpc_block(chain_id, false)?;
        block.transactions = BlockTransactions::Hashes(self.listed_indices().map(|i| self.block.txs[i].id()).collect());
        let mut json = serde_json::to_value(block).map_err(RpcError::internal)?;
        if full {
            let txs =
                self.listed_indices().map(|i| self.transaction_json(i, chain_id)).collect::<Result<Vec<_>, _>>()?;
            json["transactions"] = Value::Array(txs);
        }
        Ok(json)
    }

    /// Tx `index` as JSON (`None`: a system tx or no such index).
    pub fn transaction_json(&self, index: usize, chain_id: u64) -> Result<Value, RpcError> {
        match self.block.txs.get(index) {
            Some(Tx::Ethereum(_)) => {
                serde_json::to_value(self.transaction(index, chain_id)?).map_err(RpcError::internal)
            }
            Some(Tx::Native(native)) => self.native_json(index, native),
            _ => Ok(Value::Null),
        }
    }

    /// A native tx of this block as JSON (see [`native_json`]).
    pub fn native_json(&self, index: usize, native: &NativeTx) -> Result<Value, RpcError> {
        let h = &self.block.header;
        native_json(
            native,
            Some(Place {
                hash: self.hash,
                number: h.number,
                timestamp: h.timestamp,
                index: self.rpc_index(index) as usize,
                base_fee: h.base_fee,
            }),
        )
    }

    /// The receipts of the listed txs as JSON; a native tx's receipt has type `0x4d`.
    pub fn receipts_json(&self, chain_id: u64) -> Result<Vec<Value>, RpcError> {
        let receipts = block_receipts(&self.block);
        let logs = self.logs();
        let rpc_indices = self.rpc_indices();
        let mut ethereum = self.receipts_from(chain_id, &receipts, &logs, &rpc_indices)?.into_iter();
        self.listed_indices()
            .map(|i| match &self.block.txs[i] {
                Tx::Native(native) => {
                    let sender = native.recover_sender().map_err(RpcError::internal)?;
                    let receipt = &receipts[i];
                    let created =
                        (native.call.to.is_none() && receipt.success).then(|| sender.create(native.call.nonce));
                    Ok(json!({
                        "type": "0x4d",
                        "status": if receipt.success { "0x1" } else { "0x0" },
                        "cumulativeGasUsed": U64::from(receipt.cumulative_gas_used),
                        "logs": logs[i],
                        "logsBloom": receipt.logs_bloom,
                        "transactionHash": native.id(),
                        "transactionIndex": U64::from(rpc_indices[i]),
                        "blockHash": self.hash,
                        "blockNumber": U64::from(self.number()),
                        "gasUsed": U64::from(receipt.gas_used),
                        "effectiveGasPrice": U128::from(receipt.effective_gas_price),
                        "from": sender,
                        "to": native.call.to,
                        "contractAddress": created,
                    }))
                }
                _ => ethereum
                    .next()
                    .ok_or_else(|| RpcError::internal("a receipt per Ethereum tx"))
                    .and_then(|r| serde_json::to_value(r).map_err(RpcError::internal)),
            })
            .collect()
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
            transaction_index: Some(self.rpc_index(index)),
            effective_gas_price: Some(price),
            block_timestamp: Some(self.block.header.timestamp),
        })
    }

    /// The RPC logs of the block, with their block-wide indices, by tx.
    pub fn logs(&self) -> Vec<Vec<RpcLog>> {
        let mut by_tx = vec![Vec::new(); self.block.txs.len()];
        self.each_log(|_| true, |i, log| by_tx[i].push(log));
        by_tx
    }

    /// The RPC logs of the block that `keep` keeps (it sees each raw log first, so the others
    /// cost nothing to convert), in order.
    pub fn matching_logs(&self, keep: impl Fn(&alloy_primitives::Log) -> bool) -> Vec<RpcLog> {
        let mut found = Vec::new();
        self.each_log(keep, |_, log| found.push(log));
        found
    }

    /// Calls `found` with the tx index and RPC form of each log `keep` keeps, in order; block-wide
    /// log indices and the RPC's tx indices (system txs are not listed) counted as it goes.
    fn each_log(&self, keep: impl Fn(&alloy_primitives::Log) -> bool, mut found: impl FnMut(usize, RpcLog)) {
        let (mut log_index, mut listed) = (0u64, 0u64);
        for (i, (tx, outcome)) in self.block.txs.iter().zip(&self.block.outcomes).enumerate() {
            let mut id = None;
            for log in &outcome.logs {
                if keep(log) {
                    let id = *id.get_or_insert_with(|| tx.id());
                    found(
                        i,
                        RpcLog {
                            inner: log.clone(),
                            block_hash: Some(self.hash),
                            block_number: Some(self.number()),
                            block_timestamp: Some(self.block.header.timestamp),
                            transaction_hash: Some(id),
                            transaction_index: Some(listed),
                            log_index: Some(log_index),
                            removed: false,
                        },
                    );
                }
                log_index += 1;
            }
            if !matches!(tx, Tx::System(_)) {
                listed += 1;
            }
        }
    }

    /// The receipts of the block's Ethereum txs.
    pub fn receipts(&self, chain_id: u64) -> Result<Vec<alloy_rpc_types_eth::TransactionReceipt>, RpcError> {
        self.receipts_from(chain_id, &block_receipts(&self.block), &self.logs(), &self.rpc_indices())
    }

    /// The RPC's tx index of each tx, by ledger index (a system tx gets the next listed one's).
    fn rpc_indices(&self) -> Vec<u64> {
        let mut listed = 0u64;
        self.block
            .txs
            .iter()
            .map(|tx| {
                let index = listed;
                listed += u64::from(!matches!(tx, Tx::System(_)));
                index
            })
            .collect()
    }

    /// [`ChainBlock::receipts`] from the block's receipts, logs and RPC tx indices, worked out
    /// once by the caller.
    fn receipts_from(
        &self,
        chain_id: u64,
        receipts: &[manaflow_evm::Receipt],
        logs: &[Vec<RpcLog>],
        rpc_indices: &[u64],
    ) -> Result<Vec<alloy_rpc_types_eth::TransactionReceipt>, RpcError> {
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
                    transaction_index: Some(rpc_indices[i]),
                    block_hash: Some(self.hash),
                    block_number: Some(self.number()),
                    gas_used: receipt.gas_used,
                    effective_gas_price: receipt.effective_gas_price,
                    blob_gas_used: None,
                    // Anvil gives every receipt the block's blob base fee.
                    blob_gas_price: Some(u128::from(self.block.header.blob_base_fee)),
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

/// Where a tx sits in the chain.
pub struct Place {
    /// The block's hash.
    pub hash: B256,
    /// Its number.
    pub number: u64,
    /// Its timestamp.
    pub timestamp: u64,
    /// The tx's index.
    pub index: usize,
    /// The block's base fee.
    pub base_fee: u64,
}

/// A native tx (type `0x4d`) in the fields of an EIP-1559 tx, plus its `open` flag and its moves
/// with their masks; `place` is `None` while it is pooled.
pub fn native_json(native: &NativeTx, place: Option<Place>) -> Result<Value, RpcError> {
    let sender = native.recover_sender().map_err(RpcError::internal)?;
    let c = &native.call;
    let mut json = json!({
        "type": "0x4d",
        "hash": native.id(),
        "chainId": U64::from(c.chain_id),
        "nonce": U64::from(c.nonce),
        "from": sender,
        "to": c.to,
        "value": c.value,
        "input": c.input,
        "gas": U64::from(c.gas_limit),
        "maxFeePerGas": U128::from(c.max_fee_per_gas),
        "maxPriorityFeePerGas": U128::from(c.max_priority_fee_per_gas),
        "gasPrice": U128::from(c.max_fee_per_gas),
        "accessList": [],
        "yParity": U64::from(u64::from(native.signature.y_parity)),
        "v": U64::from(u64::from(native.signature.y_parity)),
        "r": native.signature.r,
        "s": native.signature.s,
        "blockHash": null,
        "blockNumber": null,
        "transactionIndex": null,
        "open": c.open,
        "moves": native.moves.iter().map(crate::rpc::model::move_json).collect::<Vec<_>>(),
    });
    if let Some(place) = place {
        let price = c.max_fee_per_gas.min(u128::from(place.base_fee).saturating_add(c.max_priority_fee_per_gas));
        json["gasPrice"] = json!(U128::from(price));
        json["blockHash"] = json!(place.hash);
        json["blockNumber"] = json!(U64::from(place.number));
        json["blockTimestamp"] = json!(U64::from(place.timestamp));
        json["transactionIndex"] = json!(U64::from(place.index as u64));
    }
    Ok(json)
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
pub fn pending_transaction(tx: &crate::admission::Admitted) -> Result<Transaction, RpcError> {
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
