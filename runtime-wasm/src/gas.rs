//! What WASM execution costs and how far it may go (docs/wasm-abi.md, "Gas" and "Limits").

/// Fuel per unit of gas: wasmtime charges one fuel for most operators, so a hundred operators
/// cost one gas (an EVM instruction does about as much work as tens of WASM operators).
pub const FUEL_PER_GAS: u64 = 100;

/// Gas for each 64 KiB page of linear memory, the initial pages included.
pub const PAGE_GAS: u64 = 1_000;

/// Gas of a host function that is not an EVM instruction and copies nothing.
pub const HOST_CALL_GAS: u64 = 2;

/// Gas per 32-byte word copied between the guest and the host (input, return data, output).
pub const COPY_WORD_GAS: u64 = 3;

/// Base gas of `keccak256`, as the EVM's `KECCAK256`.
pub const KECCAK_GAS: u64 = 30;

/// Gas per word hashed by `keccak256`.
pub const KECCAK_WORD_GAS: u64 = 6;

/// The size of a WASM page.
pub const PAGE_BYTES: usize = 65_536;

/// Most linear memory a contract may have, in pages (4 MiB).
pub const MEMORY_PAGES_MAX: usize = 64;

/// Most elements a table may have.
pub const TABLE_ELEMENTS_MAX: usize = 10_000;

/// Most native stack WASM code may use; deeper recursion traps.
pub const WASM_STACK_BYTES_MAX: usize = 512 * 1024;

/// The words `len` bytes occupy.
pub fn words(len: usize) -> u64 {
    (len as u64).div_ceil(32)
}
