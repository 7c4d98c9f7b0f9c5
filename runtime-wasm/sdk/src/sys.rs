//! The raw host functions of module `manaflow`, exactly as `docs/wasm-abi.md` lists them.
//!
//! Pointers are offsets into the module's memory (`i32` on wasm32); words are 32 bytes
//! big-endian, addresses 20 bytes. Every function is `unsafe`: the host traps on an access
//! outside memory, and `finish`/`revert` never return. The rest of the crate wraps these; use
//! them directly only for what the wrappers do not offer.
//!
//! On wasm32 these are the imports themselves. On any other target (host unit tests) each is a
//! stand-in that panics: there is no host to call there.
// Declaring foreign functions is this module's whole job.
#![allow(unsafe_code)]

/// Declares each host function once: as an import on wasm32, as a panicking stand-in elsewhere,
/// so the list below is the only copy of the ABI in the crate.
macro_rules! host_functions {
    ($($(#[doc = $doc:literal])* fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)?;)*) => {
        #[cfg(target_arch = "wasm32")]
        #[link(wasm_import_module = "manaflow")]
        unsafe extern "C" {
            $($(#[doc = $doc])* pub fn $name($($arg: $ty),*) $(-> $ret)?;)*
        }

        $(
            $(#[doc = $doc])*
            ///
            /// # Safety
            ///
            /// Outside wasm32 this panics: only the Manaflow host implements it.
            #[cfg(not(target_arch = "wasm32"))]
            pub unsafe fn $name($($arg: $ty),*) $(-> $ret)? {
                $(let _ = $arg;)*
                panic!(concat!("manaflow host function `", stringify!($name), "` called outside wasm32"))
            }
        )*
    };
}

host_functions! {
    /// Length of the call's input (the constructor's arguments in `deploy`).
    fn input_size() -> i32;
    /// Copies `input[offset..offset + len]` to `dest`, zero past the end (`CALLDATACOPY`).
    fn input_copy(dest: *mut u8, offset: i32, len: i32);
    /// Ends the call successfully with `memory[ptr..ptr + len]` as return data (`RETURN`).
    fn finish(ptr: *const u8, len: i32) -> !;
    /// Ends the call reverted with `memory[ptr..ptr + len]` as revert data (`REVERT`).
    fn revert(ptr: *const u8, len: i32) -> !;

    /// `SLOAD`: the word at `key` of this contract's storage into `out`.
    fn storage_load(key: *const u8, out: *mut u8);
    /// `SSTORE`: traps in a static call.
    fn storage_store(key: *const u8, value: *const u8);
    /// `TLOAD` (EIP-1153): the word at `key` of this contract's transient storage into `out`.
    fn transient_load(key: *const u8, out: *mut u8);
    /// `TSTORE` (EIP-1153): traps in a static call.
    fn transient_store(key: *const u8, value: *const u8);

    /// `ADDRESS` (20 bytes).
    fn address(out: *mut u8);
    /// `CALLER` (20 bytes).
    fn caller(out: *mut u8);
    /// `ORIGIN` (20 bytes).
    fn origin(out: *mut u8);
    /// `CALLVALUE` (word).
    fn call_value(out: *mut u8);
    /// `GASPRICE` (word).
    fn gas_price(out: *mut u8);
    /// `GAS`.
    fn gas_left() -> i64;

    /// `BALANCE` (word).
    fn balance(addr: *const u8, out: *mut u8);
    /// `EXTCODESIZE`.
    fn code_size(addr: *const u8) -> i32;
    /// `EXTCODECOPY`: copies `code[offset..offset + len]` of the account at `addr` to `dest`,
    /// zero past the end.
    fn code_copy(addr: *const u8, dest: *mut u8, offset: i32, len: i32);
    /// `EXTCODEHASH` (word; zero for an empty account).
    fn code_hash(addr: *const u8, out: *mut u8);

    /// `CHAINID`.
    fn chain_id() -> i64;
    /// `NUMBER`.
    fn block_number() -> i64;
    /// `TIMESTAMP`.
    fn timestamp() -> i64;
    /// `GASLIMIT`.
    fn gas_limit() -> i64;
    /// `BASEFEE` (word).
    fn base_fee(out: *mut u8);
    /// `BLOBBASEFEE` (word).
    fn blob_base_fee(out: *mut u8);
    /// `COINBASE` (20 bytes).
    fn coinbase(out: *mut u8);
    /// `PREVRANDAO` (word).
    fn prevrandao(out: *mut u8);
    /// `BLOCKHASH` (word; zero outside the last 256 blocks).
    fn block_hash(number: i64, out: *mut u8);

    /// `LOG0`…`LOG4`: `topic_count` (0–4) words at `topics`; traps in a static call.
    fn emit_log(topics: *const u8, topic_count: i32, data: *const u8, data_len: i32);

    /// `CALL` (`value`: a word); 0 when the callee succeeded, 1 when it reverted or failed.
    fn call_contract(addr: *const u8, value: *const u8, input: *const u8, input_len: i32, gas: i64) -> i32;
    /// `STATICCALL`; 0 on success, 1 on failure.
    fn static_call_contract(addr: *const u8, input: *const u8, input_len: i32, gas: i64) -> i32;
    /// `DELEGATECALL`; 0 on success, 1 on failure.
    fn delegate_call_contract(addr: *const u8, input: *const u8, input_len: i32, gas: i64) -> i32;
    /// `CREATE`: 0 and the new address at `out` (20 bytes), or 1.
    fn create1(value: *const u8, code: *const u8, code_len: i32, out: *mut u8) -> i32;
    /// `CREATE2` (`salt`: a word): 0 and the new address at `out`, or 1.
    fn create2(value: *const u8, code: *const u8, code_len: i32, salt: *const u8, out: *mut u8) -> i32;
    /// `RETURNDATASIZE`.
    fn return_data_size() -> i32;
    /// `RETURNDATACOPY`: reading past the end traps.
    fn return_data_copy(dest: *mut u8, offset: i32, len: i32);

    /// keccak-256 of `memory[ptr..ptr + len]` into `out` (30 + 6 gas per word, as `KECCAK256`).
    fn keccak256(ptr: *const u8, len: i32, out: *mut u8);
}
