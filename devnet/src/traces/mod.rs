//! Traces of mined txs and of calls, as Ethereum's debuggers ask for them.
//!
//! A mined tx is traced by re-executing it against nothing but its own declared moves, as the
//! validator checks it ([`Subject::Mined`]): the execution is the one that was mined, with no
//! historic state to rebuild. A call runs on the state of a block ([`Subject::Call`]). Either
//! runs with an inspector of revm-inspectors watching: the struct logger, the call tracer, the
//! 4byte tracer, Parity's traces. The prestate tracer and Parity's `stateDiff` are not computed
//! by an inspector: they are read off the execution's move set ([`prestate`]), which is exactly
//! the state a tx found and left.

pub mod geth;
pub mod parity;
pub mod prestate;
mod subject;

pub use subject::{Replayer, Subject, TraceError};
