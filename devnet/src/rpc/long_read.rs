//! Long reads yield to the miner. A scan of many blocks (`eth_getLogs` over the whole chain,
//! block receipts, `manaflow_validateBlock`) or a replay of many txs (block traces) runs on a
//! thread of its own at a lower scheduling priority (nice +10 on Linux), so a client looping
//! such reads takes the CPU that mining leaves rather than an equal share of it. Reads already
//! let the node's lock go while they work (a snapshot); this is the same for the processor.

use crate::rpc::blocking;
use crate::rpc::error::RpcError;

/// The nice value long reads run at (0 is the default; 19 the lowest priority).
const READ_NICENESS: i32 = 10;

/// Runs `work` on a scoped thread named `manaflow-read` at a lower priority and waits for it
/// (through [`blocking`], so the async worker hands its other tasks on meanwhile).
pub fn long_read<T: Send>(work: impl FnOnce() -> Result<T, RpcError> + Send) -> Result<T, RpcError> {
    blocking(|| {
        std::thread::scope(|scope| {
            let spawned = std::thread::Builder::new().name("manaflow-read".into()).spawn_scoped(scope, || {
                lower_priority();
                work()
            });
            match spawned {
                Ok(handle) => {
                    handle.join().unwrap_or_else(|_| Err(RpcError::internal("the read failed (it panicked)")))
                }
                Err(e) => Err(RpcError::server(format!("cannot start a thread for this read ({e}); retry later"))),
            }
        })
    })
}

/// Lowers the calling thread's priority (Linux keeps a nice value per thread).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn lower_priority() {
    // SAFETY: `gettid` and `setpriority` take plain integers and touch no memory of ours; `who`
    // is this thread's own id, so only this thread is affected.
    let failed = unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, READ_NICENESS) != 0
    };
    if failed {
        tracing::debug!("could not lower a read thread's priority: {}", std::io::Error::last_os_error());
    }
}

/// Elsewhere long reads keep the default priority.
#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The calling thread's nice value (field 19 of its `stat`).
    fn niceness() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let after_name = stat.rsplit_once(") ").unwrap().1;
        after_name.split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[test]
    fn a_long_read_runs_on_its_own_thread_at_a_lower_priority() {
        let before = niceness();
        let (name, nice) = long_read(|| Ok((std::thread::current().name().map(String::from), niceness()))).unwrap();
        assert_eq!(name.as_deref(), Some("manaflow-read"));
        assert!(nice >= READ_NICENESS, "the read ran at nice {nice}");
        assert_eq!(niceness(), before, "the caller's priority is untouched");
        let failed: Result<(), RpcError> = long_read(|| Err(RpcError::server("no such block")));
        assert_eq!(failed.unwrap_err().message, "no such block");
    }
}
