//! Starting a validator from code or from `manaflow validator`: the chain opened, the sealer
//! started, and its JSON-RPC served on a runtime of its own; [`ValidatorHandle`] stops it all
//! (also on drop), removing an ephemeral chain's data.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::Validator;
use super::rpc::ValidatorRpc;
use crate::config::Config;
use crate::error::{NodeError, SetupError};
use crate::rpc::hosts::AllowedHosts;
use crate::rpc::server::{Limits, serve};

/// The largest request body a validator reads: a batch at its bound, as hex, with room for the
/// JSON around it.
pub const MAX_VALIDATOR_BODY: u64 = 2 * manaflow_types::batch::MAX_BATCH_BYTES as u64 + 64 * 1024;

/// A running validator.
pub struct ValidatorHandle {
    addr: SocketAddr,
    validator: Arc<Validator>,
    stop_server: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    sealer: Option<JoinHandle<()>>,
}

/// Starts a validator with `config` (its chain, `mining.block_time`, `roles.block_txs` and
/// `roles.batches_in_flight`, and the server's address) and returns once it is listening.
pub fn spawn_validator(config: Config) -> Result<ValidatorHandle, NodeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("manaflow-validator-rpc")
        .build()
        .map_err(SetupError::Runtime)?;
    let listener = {
        let _context = runtime.enter();
        crate::spawn::bind(&config)?
    };
    let addr = listener.local_addr().map_err(SetupError::LocalAddr)?;
    let limits = Limits {
        max_body_bytes: config.server.max_body_bytes.max(MAX_VALIDATOR_BODY),
        hosts: AllowedHosts::new(&config.server.allowed_hosts),
    };
    let (validator, sealer) = Validator::start(&config)?;
    let rpc = Arc::new(ValidatorRpc { validator: Arc::clone(&validator) });
    let (stop_server, stopped) = oneshot::channel::<()>();
    let server = std::thread::Builder::new()
        .name("manaflow-validator-server".into())
        .spawn(move || {
            runtime.block_on(async move {
                let server = serve(rpc, listener, limits, async {
                    let _ = stopped.await;
                });
                server.await;
            });
            runtime.shutdown_timeout(std::time::Duration::from_secs(1));
        })
        .map_err(|source| SetupError::Thread { name: "server", source })?;
    Ok(ValidatorHandle { addr, validator, stop_server: Some(stop_server), server: Some(server), sealer: Some(sealer) })
}

impl ValidatorHandle {
    /// The address its JSON-RPC listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The HTTP JSON-RPC URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
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
        if let Some(stop) = self.stop_server.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
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
