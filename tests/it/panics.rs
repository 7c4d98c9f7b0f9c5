//! Panics are never quiet: the test harness captures a passing test's output (a panic on a
//! devnet's miner or RPC thread included), and a node started as a child process writes to a
//! pipe. Both are surfaced here on the test process's own stderr, where `.ci/run` looks for
//! them: a `panicked at` line fails CI even when every test passed.

use std::io::Write;

/// Installs (once) a panic hook that also writes each panic of this process to the real
/// stderr, past the harness's capture.
pub fn surface() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current().name().unwrap_or("unnamed").to_string();
            let _ = writeln!(std::io::stderr().lock(), "[it] thread '{thread}' {info}");
            previous(info);
        }));
    });
}

/// Reads a child's stderr to its end on a thread of its own: every line is kept (see
/// [`Drained::text`]), and a line telling of a panic is also written to this process's stderr.
pub struct Drained {
    text: std::sync::Arc<std::sync::Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Drained {
    /// Starts draining `stderr`.
    pub fn start(stderr: std::process::ChildStderr) -> Self {
        use std::io::BufRead;
        let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let kept = std::sync::Arc::clone(&text);
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("panicked at") {
                    let _ = writeln!(std::io::stderr().lock(), "[child] {line}");
                }
                let mut kept = kept.lock().unwrap_or_else(|p| p.into_inner());
                kept.push_str(&line);
                kept.push('\n');
            }
        });
        Self { text, reader: Some(reader) }
    }

    /// Everything the child wrote, once it has exited (waits for the pipe to close).
    pub fn text(&mut self) -> String {
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.text.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
