//! Where commands write and how they wait: the terminal (colour when it is one, a pause between
//! steps) or a script (no pauses, every step printed).

use std::io::Write;

/// What the user chose at a pause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// Show the next step.
    Next,
    /// Show the rest without pausing.
    Continue,
    /// Stop here.
    Quit,
}

/// A command's output and its pauses.
pub trait Console {
    /// Where output goes.
    fn out(&mut self) -> &mut dyn Write;
    /// Waits between steps (`--step`); a script never waits.
    fn pause(&mut self) -> Pace;
}

/// Output to standard output, colour stripped unless it is a terminal that wants colour.
pub struct Stdout {
    out: anstream::AutoStream<std::io::Stdout>,
    interactive: bool,
}

impl Stdout {
    /// Standard output; pauses ask on the terminal when `interactive`.
    pub fn new(interactive: bool) -> Self {
        Self { out: anstream::AutoStream::auto(std::io::stdout()), interactive }
    }
}

impl Console for Stdout {
    fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    fn pause(&mut self) -> Pace {
        if !self.interactive {
            return Pace::Continue;
        }
        let _ =
            write!(self.out, "{}", crate::render::paint(crate::render::DIM, "  [Enter] next · c continue · q stop "));
        let _ = self.out.flush();
        let mut line = String::new();
        if std::io::stdin().read_line(&mut line).unwrap_or(0) == 0 {
            return Pace::Quit;
        }
        match line.trim() {
            "c" | "continue" => Pace::Continue,
            "q" | "quit" | "stop" => Pace::Quit,
            _ => Pace::Next,
        }
    }
}

/// Paces a run of steps: asks after each one until the user says continue or stop.
pub struct Stepper {
    stepping: bool,
    stopped: bool,
}

impl Stepper {
    /// Pauses between steps when `stepping`.
    pub fn new(stepping: bool) -> Self {
        Self { stepping, stopped: false }
    }

    /// After a step: whether to go on.
    pub fn next(&mut self, console: &mut dyn Console) -> bool {
        if self.stopped {
            return false;
        }
        if self.stepping {
            match console.pause() {
                Pace::Next => {}
                Pace::Continue => self.stepping = false,
                Pace::Quit => self.stopped = true,
            }
        }
        !self.stopped
    }
}

/// Output kept in memory, never pausing: for tests and for embedding the REPL.
#[derive(Default)]
pub struct Transcript {
    out: Vec<u8>,
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    /// What was written, as text with colour stripped.
    pub fn text(&self) -> String {
        anstream::adapter::strip_str(&String::from_utf8_lossy(&self.out)).to_string()
    }
}

impl Console for Transcript {
    fn out(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    fn pause(&mut self) -> Pace {
        Pace::Continue
    }
}
