//! The per-tx checks beyond the model's own: re-execution by a runtime. The trait lives in the
//! model crate so runtimes implement it without depending on the ledger.

pub use manaflow_types::{CodeSource, NoRuntime, TxVerifier};
