//! Integration tests of the ledger, as one binary.

mod chains;
mod properties;
mod store;
