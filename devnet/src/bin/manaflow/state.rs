//! `--load-state`, `--dump-state`, `--state` and `--state-interval`: the node's state in Anvil's
//! JSON format, loaded at start (as the cheats the first block carries) and written at the end
//! (and every interval).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use manaflow::dump::{MAX_DUMP_BYTES, StateDump};
use manaflow::{Coordinator, Devnet, StateError};

/// Loads the dump in `path` into `devnet`'s pending cheats.
pub fn load(devnet: &Devnet, path: &Path) -> anyhow::Result<()> {
    let size = std::fs::metadata(path)
        .map_err(|source| StateError::File { action: "read", path: path.to_path_buf(), source })?
        .len();
    if size > MAX_DUMP_BYTES {
        anyhow::bail!("the state file {} holds {size} bytes, over the bound of {MAX_DUMP_BYTES}", path.display());
    }
    let bytes =
        std::fs::read(path).map_err(|source| StateError::File { action: "read", path: path.to_path_buf(), source })?;
    let dump = StateDump::decode(&bytes).with_context(|| format!("loading the state file {}", path.display()))?;
    devnet.coordinator().load_state(&dump).with_context(|| format!("loading the state file {}", path.display()))?;
    tracing::info!(accounts = dump.accounts.len(), file = %path.display(), "state loaded");
    Ok(())
}

/// Writes `coordinator`'s latest state to `path` (through a temp file beside it, then a rename,
/// so a reader never sees half a dump).
fn write(coordinator: &Coordinator, path: &Path) -> anyhow::Result<()> {
    let dump = coordinator.dump_state()?;
    let json = serde_json::to_vec_pretty(&dump)?;
    let temp = path.with_extension("json.partial");
    let file_error = |source| StateError::File { action: "write", path: path.to_path_buf(), source };
    std::fs::write(&temp, json).map_err(file_error)?;
    std::fs::rename(&temp, path).map_err(file_error)?;
    Ok(())
}

/// Writes `devnet`'s latest state to `path`.
pub fn dump(devnet: &Devnet, path: &Path) -> anyhow::Result<()> {
    write(devnet.coordinator(), path)
}

/// A thread writing the dump every interval until dropped.
pub struct Periodic {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Periodic {
    /// Writes `devnet`'s state to `path` every `seconds`.
    pub fn start(devnet: &Devnet, path: &Path, seconds: u64) -> anyhow::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let coordinator = Arc::clone(devnet.coordinator());
        let (path, flag) = (PathBuf::from(path), Arc::clone(&stop));
        let every = Duration::from_secs(seconds);
        let thread = std::thread::Builder::new().name("manaflow-state-dump".into()).spawn(move || {
            let mut next = Instant::now() + every;
            while !flag.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(100));
                if Instant::now() >= next {
                    if let Err(e) = write(&coordinator, &path) {
                        tracing::warn!("cannot write the state file: {e:#}");
                    }
                    next = Instant::now() + every;
                }
            }
        })?;
        Ok(Self { stop, thread: Some(thread) })
    }
}

impl Drop for Periodic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
