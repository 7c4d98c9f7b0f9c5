//! Integration tests of the ledger, as one binary.

mod chains;
mod faults;
mod proofs;
mod properties;
mod store;
