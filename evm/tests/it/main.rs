//! EVM runtime tests, as one binary: execution into moves, stateless re-execution, fees.

mod support;
mod transfers;
