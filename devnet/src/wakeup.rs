//! A worker thread's wake-up call (the miner's, the relay's, the sealer's): a flag set by
//! whoever has news and a condition variable, so a notification sent while the thread is busy is
//! not lost, and a wait ends at a deadline or when the thread is told to stop.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

/// A flag and its condition variable.
#[derive(Default)]
pub struct Wakeup {
    signal: Mutex<bool>,
    wake: Condvar,
}

impl Wakeup {
    /// Wakes the waiting thread, or the next wait if it is busy.
    pub fn notify(&self) {
        *self.signal.lock() = true;
        self.wake.notify_all();
    }

    /// Waits until notified (a notification since the last wait ends it at once), until
    /// `deadline` if there is one; not at all once `stop` is set.
    pub fn wait(&self, stop: &AtomicBool, deadline: Option<Instant>) {
        let mut signal = self.signal.lock();
        if !*signal && !stop.load(Ordering::SeqCst) {
            match deadline {
                Some(due) => {
                    self.wake.wait_until(&mut signal, due);
                }
                None => self.wake.wait(&mut signal),
            }
        }
        *signal = false;
    }
}
