//! Polled filters (`eth_newFilter`, `eth_newBlockFilter`, `eth_newPendingTransactionFilter`):
//! each remembers the first block it has not reported yet. A filter not polled for five
//! minutes is removed, as geth and Anvil do; at most [`MAX_FILTERS`] are installed at once, and
//! a poll reports at most [`MAX_BLOCK_HASHES`] block hashes (the rest at the next poll).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use alloy_primitives::{B256, U256};
use alloy_rpc_types_eth::{Filter, FilterBlockOption};
use serde_json::{Value, json};

use crate::config::LogLimits;
use crate::node::Node;
use crate::rpc::error::RpcError;
use crate::rpc::eth::logs::LogQuery;

/// How long an unpolled filter lives.
pub const FILTER_TIMEOUT: Duration = Duration::from_secs(300);

/// Most filters installed at once.
pub const MAX_FILTERS: usize = 10_000;

/// Most block hashes one poll of a block filter reports.
pub const MAX_BLOCK_HASHES: u64 = 10_000;

/// What a poll found: an answer, or a log query to run once the locks are let go.
pub enum Changes {
    /// The answer.
    Ready(Value),
    /// The logs of the blocks since the last poll, still to be read.
    Logs(Box<LogQuery>),
}

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
    fn install(&mut self, kind: Kind, tip: u64) -> Result<U256, RpcError> {
        self.expire();
        if self.filters.len() >= MAX_FILTERS {
            return Err(RpcError::server(format!(
                "{MAX_FILTERS} filters are installed, the most there may be; remove some with \
                 eth_uninstallFilter (a filter not polled for {} s goes by itself)",
                FILTER_TIMEOUT.as_secs()
            )));
        }
        self.last_id += 1;
        let id = U256::from(self.last_id);
        self.filters.insert(id, Installed { kind, next: tip + 1, polled: Instant::now() });
        Ok(id)
    }

    fn expire(&mut self) {
        self.filters.retain(|_, f| f.polled.elapsed() < FILTER_TIMEOUT);
    }

    /// A log filter reporting from the next block.
    pub fn install_logs(&mut self, filter: Filter, tip: u64) -> Result<U256, RpcError> {
        self.install(Kind::Logs(Box::new(filter)), tip)
    }

    /// A new-block filter.
    pub fn install_blocks(&mut self, tip: u64) -> Result<U256, RpcError> {
        self.install(Kind::Blocks, tip)
    }

    /// A pending-tx filter, reporting every tx pooled from the pool's mark `from` on, whether
    /// automine mined it at once or not.
    pub fn install_pending(&mut self, from: u64) -> Result<U256, RpcError> {
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
        limits: LogLimits,
        pooled_since: impl FnOnce(u64) -> (Vec<B256>, u64),
    ) -> Result<Changes, RpcError> {
        let tip = node.height();
        let installed = self.get(id)?;
        installed.polled = Instant::now();
        let from = installed.next;
        installed.next = tip + 1;
        match &mut installed.kind {
            Kind::Blocks => {
                let to = tip.min(from.saturating_add(MAX_BLOCK_HASHES - 1));
                installed.next = to + 1;
                let hashes: Vec<B256> = (from..=to)
                    .filter_map(|h| node.ledger().header(h).ok().flatten().map(|header| header.hash()))
                    .collect();
                Ok(Changes::Ready(json!(hashes)))
            }
            Kind::PendingTxs(mark) => {
                let (fresh, next) = pooled_since(*mark);
                *mark = next;
                Ok(Changes::Ready(json!(fresh)))
            }
            Kind::Logs(filter) => {
                if from > tip {
                    return Ok(Changes::Ready(json!([])));
                }
                let (low, high) = match filter.block_option {
                    FilterBlockOption::Range { .. } => {
                        (filter.get_from_block().unwrap_or(0).max(from), filter.get_to_block().unwrap_or(tip).min(tip))
                    }
                    FilterBlockOption::AtBlockHash(_) => return Ok(Changes::Ready(json!([]))),
                };
                if low > high {
                    return Ok(Changes::Ready(json!([])));
                }
                let window = (**filter).clone().from_block(low).to_block(high);
                Ok(Changes::Logs(Box::new(LogQuery::plan(node, &window, limits)?)))
            }
        }
    }
}
