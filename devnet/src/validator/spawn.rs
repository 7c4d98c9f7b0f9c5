//! Starting a validator from code or from `manaflow validator`: the chain opened, the sealer
//! started, and its JSON-RPC served on a runtime of its own; [`ValidatorHandle`] stops it all
//! (also on drop), removing an ephemeral chain's data.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use super::Validator;
use super::rpc::ValidatorRpc;
use crate::config::Config;
use crate::error::NodeError;
use crate::rpc::hosts::AllowedHosts;
use crate::rpc::server::Limits;
use crate::spawn::{Served, runtime_and_listener};

/// The largest request body a validator reads: a batch at its bound, as hex, with room for the
/// JSON around it.
pub const MAX_VALIDATOR_BODY: u64 = 2 * manaflow_types::batch::MAX_BATCH_BYTES as u64 + 64 * 1024;

/// A running validator.
pub struct ValidatorHandle {
    validator: Arc<Validator>,
    served: Served,
    sealer: Option<JoinHandle<()>>,
}

/// Starts a validator with `config` (its chain, `mining.block_time`, `roles.block_txs` and
/// `roles.batches_in_flight`, and the server's address) and returns once it is listening.
pub fn spawn_validator(config: Config) -> Result<ValidatorHandle, NodeError> {
    let (runtime, listener) = runtime_and_listener(&config, "manaflow-validator-rpc")?;
    let limits = Limits {
        max_body_bytes: config.server.max_body_bytes.max(MAX_VALIDATOR_BODY),
        hosts: AllowedHosts::new(&config.server.allowed_hosts),
    };
    let (validator, sealer) = Validator::start(&config)?;
    let rpc = Arc::new(ValidatorRpc { validator: Arc::clone(&validator) });
    let served = Served::start(runtime, listener, rpc, limits)?;
    Ok(ValidatorHandle { validator, served, sealer: Some(sealer) })
}

impl ValidatorHandle {
    /// The address its JSON-RPC listens on.
    pub fn addr(&self) -> SocketAddr {
        self.served.addr()
    }

    /// The HTTP JSON-RPC URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// The validator itself.
    pub fn validator(&self) -> &Arc<Validator> {
        &self.validator
    }

    /// Stops serving and sealing and closes the chain (an ephemeral one is deleted).
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.served.stop();
        self.validator.shutdown();
        if let Some(sealer) = self.sealer.take() {
            let _ = sealer.join();
        }
    }
}

impl Drop for ValidatorHandle {
    fn drop(&mut self) {
        self.stop();
    }
}
