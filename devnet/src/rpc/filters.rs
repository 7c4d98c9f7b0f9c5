//! Polled filters (`eth_newFilter`, `eth_newBlockFilter`, `eth_newPendingTransactionFilter`):
//! each remembers the first block it has not reported yet. A filter not polled for five
//! minutes is removed, as geth and Anvil do.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use alloy_primitives::{B256, U256};
use alloy_rpc_types_eth::{Filter, FilterBlockOption};
use serde_json::{Value, json};

use crate::node::Node;
use crate::rpc::convert::ChainBlock;
use crate::rpc::error::RpcError;
use crate::rpc::eth::logs;
use crate::rpc::params::to_json;

/// How long an unpolled filter lives.
pub const FILTER_TIMEOUT: Duration = Duration::from_secs(300);

enum Kind {
    Blocks,
    Logs(Box<Filter>),
    /// The pooled txs already reported.
    /// From the pool's mark: every tx pooled since (mined at once or not).
    PendingTxs(u64),
}

struct Installed {
    kind: Kind,
    /// The first block not reported yet.
    next: u64,
    polled: Instant,
}

/// The installed filters.
#[derive(Default)]
pub struct Filters {
    filters: HashMap<U256, Installed>,
    last_id: u64,
}

impl Filters {
    fn install(&mut self, kind: Kind, tip: u64) -> U256 {
        self.expire();
        self.last_id += 1;
        let id = U256::from(self.last_id);
        self.filters.insert(id, Installed { kind, next: tip + 1, polled: Instant::now() });
        id
    }

    fn expire(&mut self) {
        self.filters.retain(|_, f| f.polled.elapsed() < FILTER_TIMEOUT);
    }

    /// A log filter reporting from the next block.
    pub fn install_logs(&mut self, filter: Filter, tip: u64) -> U256 {
        self.install(Kind::Logs(Box::new(filter)), tip)
    }

    /// A new-block filter.
    pub fn install_blocks(&mut self, tip: u64) -> U256 {
        self.install(Kind::Blocks, tip)
    }

    /// A pending-tx filter, reporting every tx pooled from the pool's mark `from` on, whether
    /// automine mined it at once or not.
    pub fn install_pending(&mut self, from: u64) -> U256 {
        self.install(Kind::PendingTxs(from), 0)
    }

    /// Removes filter `id`; whether it existed.
    pub fn uninstall(&mut self, id: U256) -> bool {
        self.filters.remove(&id).is_some()
    }

    fn get(&mut self, id: U256) -> Result<&mut Installed, RpcError> {
        self.expire();
        self.filters.get_mut(&id).ok_or_else(|| RpcError::server(format!("filter {id:#x} not found")))
    }

    /// The log filter `id`, for `eth_getFilterLogs`.
    pub fn log_filter(&mut self, id: U256) -> Result<Filter, RpcError> {
        let installed = self.get(id)?;
        installed.polled = Instant::now();
        match &installed.kind {
            Kind::Logs(filter) => Ok((**filter).clone()),
            _ => Err(RpcError::server(format!("filter {id:#x} is not a log filter"))),
        }
    }

    /// What happened since filter `id` was last polled.
    pub fn changes(
        &mut self,
        node: &Node,
        id: U256,
        pooled_since: impl FnOnce(u64) -> (Vec<B256>, u64),
    ) -> Result<Value, RpcError> {
        let tip = node.height();
        let installed = self.get(id)?;
        installed.polled = Instant::now();
        let from = installed.next;
        installed.next = tip + 1;
        match &mut installed.kind {
            Kind::Blocks => {
                let hashes =
                    (from..=tip).map(|h| ChainBlock::read(node, h).map(|b| b.hash)).collect::<Result<Vec<_>, _>>()?;
                Ok(json!(hashes))
            }
            Kind::PendingTxs(mark) => {
                let (fresh, next) = pooled_since(*mark);
                *mark = next;
                Ok(json!(fresh))
            }
            Kind::Logs(filter) => {
                if from > tip {
                    return Ok(json!([]));
                }
                let (low, high) = match filter.block_option {
                    FilterBlockOption::Range { .. } => {
                        (filter.get_from_block().unwrap_or(0).max(from), filter.get_to_block().unwrap_or(tip).min(tip))
                    }
                    FilterBlockOption::AtBlockHash(_) => return Ok(json!([])),
                };
                if low > high {
                    return Ok(json!([]));
                }
                let window = (**filter).clone().from_block(low).to_block(high);
                to_json(logs(node, &window)?)
            }
        }
    }
}
