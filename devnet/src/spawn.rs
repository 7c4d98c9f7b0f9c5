//! Starting a devnet from code: [`spawn`] opens the chain, binds the port and serves JSON-RPC on
//! a runtime of its own, and returns once it is listening. The [`Devnet`] handle shuts it all
//! down (also on drop), removing an ephemeral chain's data.
//!
//! ```no_run
//! use manaflow::{Config, spawn};
//!
//! let devnet = spawn(Config::test()).expect("the devnet starts");
//! println!("JSON-RPC at {}, first account {}", devnet.url(), devnet.accounts()[0].address);
//! // … point alloy, ethers or viem at devnet.url() …
//! devnet.shutdown();
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::config::Config;
use crate::coordinator::Coordinator;
use crate::error::{NodeError, SetupError};
use crate::genesis::DevAccount;
use crate::rpc::Rpc;
use crate::rpc::hosts::AllowedHosts;
use crate::rpc::server::{Limits, serve};

/// A running devnet.
pub struct Devnet {
    addr: SocketAddr,
    accounts: Vec<DevAccount>,
    coordinator: Arc<Coordinator>,
    stop_server: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    miner: Option<JoinHandle<()>>,
}

/// Starts a devnet with `config` and returns once its RPC is listening.
pub fn spawn(config: Config) -> Result<Devnet, NodeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("manaflow-rpc")
        .build()
        .map_err(SetupError::Runtime)?;
    let listener = {
        let _context = runtime.enter();
        bind(&config)?
    };
    let addr = listener.local_addr().map_err(SetupError::LocalAddr)?;
    let limits =
        Limits { max_body_bytes: config.server.max_body_bytes, hosts: AllowedHosts::new(&config.server.allowed_hosts) };
    let log_limits = config.server.logs;
    let (coordinator, miner) = Coordinator::start(config)?;
    let rpc = Arc::new(Rpc::new(Arc::clone(&coordinator), log_limits));
    let accounts = rpc.accounts.clone();
    let (stop_server, stopped) = oneshot::channel::<()>();
    let server = std::thread::Builder::new()
        .name("manaflow-server".into())
        .spawn(move || {
            runtime.block_on(async move {
                {
                    {
                        let (graceful, drain) = oneshot::channel::<()>();
                        let server = serve(rpc, listener, limits, async {
                            let _ = drain.await;
                        });
                        // Open connections (WebSockets, keep-alive) get a moment to finish.
                        let deadline = async {
                            let _ = stopped.await;
                            let _ = graceful.send(());
                            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                        };
                        tokio::select! {
                            () = server => {}
                            () = deadline => {}
                        }
                    }
                }
            });
            runtime.shutdown_timeout(std::time::Duration::from_secs(1));
        })
        .map_err(|source| SetupError::Thread { name: "server", source })?;
    Ok(Devnet { addr, accounts, coordinator, stop_server: Some(stop_server), server: Some(server), miner: Some(miner) })
}

/// Binds the RPC port (0: any free one), with Nagle off for small request/response pairs.
pub(crate) fn bind(config: &Config) -> Result<tokio::net::TcpListener, SetupError> {
    let addr = SocketAddr::new(config.server.host, config.server.port);
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
    }
    .and_then(|socket| {
        socket.set_reuseaddr(true)?;
        socket.set_nodelay(true)?;
        socket.bind(addr)?;
        Ok(socket)
    })
    .map_err(|source| SetupError::Bind { addr, source })?;
    socket.listen(1024).map_err(|source| SetupError::Bind { addr, source })
}

impl Devnet {
    /// The address the RPC listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The HTTP JSON-RPC URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The WebSocket URL (same port).
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// The dev accounts, with their keys.
    pub fn accounts(&self) -> &[DevAccount] {
        &self.accounts
    }

    /// The coordinator, for direct access to the chain.
    pub fn coordinator(&self) -> &Arc<Coordinator> {
        &self.coordinator
    }

    /// Stops serving and mining and closes the chain (an ephemeral one is deleted).
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
        self.coordinator.shutdown();
        if let Some(miner) = self.miner.take() {
            let _ = miner.join();
        }
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        self.stop();
    }
}
