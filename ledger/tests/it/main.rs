//! Integration tests of the ledger, as one binary.

mod chains;
mod faults;
mod properties;
mod store;
