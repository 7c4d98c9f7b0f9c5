//! Storage faults on demand, for tests (feature `faults`): the block store's write seam (the
//! data file's write and fsync) and the ledger's commit boundary (the index commit) fail the next
//! times they are asked to, with the errors a full disk or a failing device gives. LMDB does its
//! own I/O and CI cannot mount a small file system, so the faults are injected where the ledger
//! meets the disk.

use std::sync::atomic::{AtomicU32, Ordering};

/// The faults waiting to happen.
#[derive(Debug, Default)]
pub struct Faults {
    writes: AtomicU32,
    syncs: AtomicU32,
    commits: AtomicU32,
}

/// Where a fault is injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seam {
    /// Writing a block's bytes to `blocks.dat` (fails with ENOSPC: the disk is full).
    Write,
    /// Syncing `blocks.dat` (fails with EIO: the device failed the flush).
    Sync,
    /// Committing a block's index entry (fails with ENOSPC).
    Commit,
}

impl Faults {
    fn counter(&self, seam: Seam) -> &AtomicU32 {
        match seam {
            Seam::Write => &self.writes,
            Seam::Sync => &self.syncs,
            Seam::Commit => &self.commits,
        }
    }

    /// Fails the next `times` operations at `seam`.
    pub fn fail_next(&self, seam: Seam, times: u32) {
        self.counter(seam).store(times, Ordering::SeqCst);
    }

    /// The error of an operation at `seam`, if a fault is due there.
    pub(crate) fn due(&self, seam: Seam) -> Option<std::io::Error> {
        let due = self.counter(seam).fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        due.then(|| match seam {
            Seam::Write | Seam::Commit => std::io::Error::from_raw_os_error(28), // ENOSPC
            Seam::Sync => std::io::Error::from_raw_os_error(5),                  // EIO
        })
    }
}
