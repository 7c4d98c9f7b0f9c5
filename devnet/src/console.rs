//! Where `console.log` lines go: the node's standard output, under the tx or request that made
//! them ([`manaflow_types::console`] decodes them).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use alloy_primitives::Bytes;
use manaflow_types::console::lines;

/// Where console lines go: the node's standard output, unless the node is silent (`--silent`)
/// or logging is off (`anvil_setLoggingEnabled(false)`).
#[derive(Debug)]
pub struct ConsoleOutput {
    silent: bool,
    enabled: AtomicBool,
}

impl ConsoleOutput {
    /// Output that never prints when `silent`.
    pub fn new(silent: bool) -> Self {
        Self { silent, enabled: AtomicBool::new(true) }
    }

    /// Turns printing on or off (a silent node stays silent).
    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::Release);
    }

    /// Whether lines are printed.
    pub fn enabled(&self) -> bool {
        !self.silent && self.enabled.load(Ordering::Acquire)
    }

    /// Prints the console lines of `calls` under `heading` (the tx or request that made them),
    /// as Anvil does: nothing when there are none. A closed standard output is no error.
    pub fn print(&self, heading: &str, calls: &[Bytes]) {
        if calls.is_empty() || !self.enabled() {
            return;
        }
        let lines = lines(calls);
        if lines.is_empty() {
            return;
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "\n    {heading}\n    console.log:");
        for line in lines {
            let _ = writeln!(out, "      {line}");
        }
        let _ = out.flush();
    }
}
