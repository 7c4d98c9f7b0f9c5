//! Why a module cannot be deployed.

use thiserror::Error;

/// A module refused at deployment; the message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeployError {
    /// The bytes are not a valid WebAssembly module.
    #[error("invalid wasm module: {0}")]
    Invalid(String),
    /// A custom section: deployed modules carry none.
    #[error(
        "invalid wasm module: custom section {name:?} at byte {offset}: strip custom sections (examples/wasm/finalize.py does)"
    )]
    CustomSection {
        /// The section's name.
        name: String,
        /// Where it starts.
        offset: usize,
    },
    /// A start function would run at instantiation, outside any entry point.
    #[error("invalid wasm module: a start function is not allowed (run setup in `deploy`)")]
    StartFunction,
    /// A required export is missing or has the wrong type.
    #[error("invalid wasm module: missing export {0}")]
    MissingExport(&'static str),
    /// An export has the wrong type.
    #[error("invalid wasm module: export `{name}` must be {expected}")]
    ExportType {
        /// The export.
        name: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// An import the host does not provide (or with another signature).
    #[error("invalid wasm module: {0}")]
    Import(String),
    /// Too much memory or table, or more than one of them.
    #[error("invalid wasm module: {0}")]
    Limits(String),
    /// Constructor arguments but no constructor.
    #[error("invalid wasm module: {0} bytes of constructor arguments but no `deploy` export")]
    ArgumentsWithoutDeploy(usize),
}
