//! The revm database adapter over a [`StateView`]: every load is answered from the view and
//! recorded with the output it found, so the move set can declare it (DESIGN §6: "read `prev`
//! values in the database adapter, it sees every load").

use std::cell::RefCell;
use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use manaflow_types::{ChainContext, Header, MissingState, Output, StateKey, StateView, Word, check::blockhash_value};
use revm::DatabaseRef;
use revm::primitives::KECCAK_EMPTY;
use revm::state::{AccountInfo, Bytecode};

/// The outputs an account load found.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AccountOutputs {
    pub balance: Output,
    pub nonce: Output,
    pub code: Output,
}

/// What execution loaded, in canonical order.
#[derive(Debug, Default)]
pub(crate) struct Loads {
    pub accounts: BTreeMap<Address, AccountOutputs>,
    pub storage: BTreeMap<(Address, U256), Output>,
}

/// A view error as revm's database error.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DbError(#[from] pub MissingState);

impl revm::database_interface::DBErrorMarker for DbError {}

/// The database revm runs against: a state view, with the outputs each load found (opaque; it
/// appears in [`crate::EvmContext`], the context inspectors see).
pub struct ViewDb<'a> {
    view: &'a dyn StateView,
    chain: &'a dyn ChainContext,
    header: &'a Header,
    pub(crate) loads: RefCell<Loads>,
}

impl<'a> ViewDb<'a> {
    pub(crate) fn new(view: &'a dyn StateView, chain: &'a dyn ChainContext, header: &'a Header) -> Self {
        Self { view, chain, header, loads: RefCell::default() }
    }

    /// The output of `key`, as the view has it.
    pub(crate) fn output(&self, key: &StateKey) -> Result<Output, DbError> {
        Ok(self.view.output(key)?)
    }
}

/// A word as a U256.
pub(crate) fn word_u256(w: &Word) -> U256 {
    U256::from_be_bytes(w.0)
}

/// A U256 as a word.
pub(crate) fn u256_word(v: U256) -> Word {
    B256::from(v.to_be_bytes::<32>())
}

/// The `c` value of a code hash: zero for no code (DESIGN §2).
pub(crate) fn code_value(code_hash: B256) -> Word {
    if code_hash == KECCAK_EMPTY { B256::ZERO } else { code_hash }
}

impl DatabaseRef for ViewDb<'_> {
    type Error = DbError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, DbError> {
        let balance = self.output(&StateKey::balance(address))?;
        let nonce = self.output(&StateKey::nonce(address))?;
        let code = self.output(&StateKey::code(address))?;
        self.loads.borrow_mut().accounts.entry(address).or_insert(AccountOutputs { balance, nonce, code });
        if balance.value.is_zero() && nonce.value.is_zero() && code.value.is_zero() {
            // Empty: revm treats it as not existing (EIP-161 semantics are the same either way).
            return Ok(None);
        }
        let nonce = u64::try_from(word_u256(&nonce.value))
            .map_err(|_| DbError(MissingState::Failed(format!("nonce of {address} does not fit in u64"))))?;
        let code_hash = if code.value.is_zero() { KECCAK_EMPTY } else { code.value };
        Ok(Some(AccountInfo {
            balance: word_u256(&balance.value),
            nonce,
            code_hash,
            code: None,
            ..AccountInfo::default()
        }))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, DbError> {
        if code_hash == KECCAK_EMPTY || code_hash.is_zero() {
            return Ok(Bytecode::default());
        }
        if let Some(code) = analyzed::get(&code_hash) {
            return Ok(code);
        }
        // Code that is neither valid EOF-prefixed nor a well-formed delegation (as a cheat can
        // set) runs as legacy bytes rather than stopping the node.
        let raw = self.view.code(&code_hash)?;
        let code = Bytecode::new_raw_checked(raw.clone()).unwrap_or_else(|_| Bytecode::new_legacy(raw));
        analyzed::insert(code_hash, code.clone());
        Ok(code)
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, DbError> {
        let key = StateKey::storage(address, u256_word(index));
        let out = self.output(&key)?;
        self.loads.borrow_mut().storage.entry((address, index)).or_insert(out);
        Ok(word_u256(&out.value))
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, DbError> {
        // The BLOCKHASH opcode itself is recorded as an `x` move by the context inspector.
        Ok(blockhash_value(self.chain, self.header, number))
    }
}

/// Analyzed bytecode by code hash, shared by every execution in the process: revm analyzes
/// legacy code (its jump table) when a `Bytecode` is built, and a contract called by every tx of
/// a block would otherwise be analyzed again by each execution and each re-execution. Sound
/// because the key is the code's keccak256; bounded by dropping everything when full.
mod analyzed {
    use std::collections::HashMap;
    use std::sync::{LazyLock, RwLock};

    use alloy_primitives::B256;
    use revm::state::Bytecode;

    const CAPACITY: usize = 4096;

    static CACHE: LazyLock<RwLock<HashMap<B256, Bytecode>>> = LazyLock::new(Default::default);

    pub fn get(hash: &B256) -> Option<Bytecode> {
        CACHE.read().unwrap_or_else(|e| e.into_inner()).get(hash).cloned()
    }

    pub fn insert(hash: B256, code: Bytecode) {
        let mut cache = CACHE.write().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CAPACITY {
            cache.clear();
        }
        cache.insert(hash, code);
    }
}
