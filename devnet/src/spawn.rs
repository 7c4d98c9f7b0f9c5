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
    accounts: Vec<DevAccount>,
    coordinator: Arc<Coordinator>,
    served: Served,
    miner: Option<JoinHandle<()>>,
}

/// Starts a devnet with `config` and returns once its RPC is listening.
pub fn spawn(config: Config) -> Result<Devnet, NodeError> {
    let (runtime, listener) = runtime_and_listener(&config, "manaflow-rpc")?;
    let limits =
        Limits { max_body_bytes: config.server.max_body_bytes, hosts: AllowedHosts::new(&config.server.allowed_hosts) };
    let log_limits = config.server.logs;
    let (coordinator, miner) = Coordinator::start(config)?;
    let rpc = Arc::new(Rpc::new(Arc::clone(&coordinator), log_limits));
    let accounts = rpc.accounts.clone();
    let served = Served::start(runtime, listener, rpc, limits)?;
    Ok(Devnet { accounts, coordinator, served, miner: Some(miner) })
}

/// A JSON-RPC server running on a thread of its own, on a runtime of its own, until stopped.
pub(crate) struct Served {
    addr: SocketAddr,
    stop_server: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl Served {
    /// Serves `handler` on `listener` (bound inside `runtime`) from a thread named for it.
    pub(crate) fn start<H: crate::rpc::server::Handler>(
        runtime: tokio::runtime::Runtime,
        listener: tokio::net::TcpListener,
        handler: Arc<H>,
        limits: Limits,
    ) -> Result<Self, SetupError> {
        let addr = listener.local_addr().map_err(SetupError::LocalAddr)?;
        let (stop_server, stopped) = oneshot::channel::<()>();
        let server = std::thread::Builder::new()
            .name("manaflow-server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let (graceful, drain) = oneshot::channel::<()>();
                    let server = serve(handler, listener, limits, async {
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
                });
                runtime.shutdown_timeout(std::time::Duration::from_secs(1));
            })
            .map_err(|source| SetupError::Thread { name: "server", source })?;
        Ok(Self { addr, stop_server: Some(stop_server), server: Some(server) })
    }

    /// The address it listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and waits for its thread.
    pub(crate) fn stop(&mut self) {
        if let Some(stop) = self.stop_server.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
    }
}

/// A runtime for a JSON-RPC server, and the port bound inside it.
pub(crate) fn runtime_and_listener(
    config: &Config,
    name: &str,
) -> Result<(tokio::runtime::Runtime, tokio::net::TcpListener), SetupError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name(name)
        .build()
        .map_err(SetupError::Runtime)?;
    let listener = {
        let _context = runtime.enter();
        bind(config)?
    };
    Ok((runtime, listener))
}

/// Binds the RPC port (0: any free one), with Nagle off for small request/response pairs.
fn bind(config: &Config) -> Result<tokio::net::TcpListener, SetupError> {
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
        self.served.addr()
    }

    /// The HTTP JSON-RPC URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// The WebSocket URL (same port).
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr())
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
        self.served.stop();
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
