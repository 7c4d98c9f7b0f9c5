//! EVM runtime tests, as one binary: execution into moves, stateless re-execution, fees.

mod blocks;
mod contracts;
mod differential;
mod state_tests;
mod support;
mod trace;
mod transfers;
