//! geth's `prestateTracer`, read off a move set: the move set of a tx is the state it found
//! (`prev`) and left (`next`), so the prestate is its `prev` values and the diff its changed
//! moves. The shapes follow Anvil 1.7.1's answers: in the default mode every account the tx
//! loaded (an empty one too, as Anvil lists it), with every slot it loaded; in `diffMode`
//! the accounts it changed, with only the changed fields in `post`, zero slots left out, and an
//! account the tx created absent from `pre`.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256, keccak256};
use alloy_rpc_types_trace::geth::{AccountState, DiffMode, PreStateConfig, PreStateFrame, PreStateMode};
use manaflow_types::{Mark, Move};

/// One account as a move set has it: before and after.
#[derive(Default)]
pub(crate) struct Account {
    /// Balance found and left.
    pub balance: (U256, U256),
    /// Nonce found and left.
    pub nonce: (u64, u64),
    /// Code hash found and left.
    pub code_hash: (B256, B256),
    /// Slot → (found, left).
    pub storage: BTreeMap<B256, (B256, B256)>,
}

fn nonce(word: &B256) -> u64 {
    U256::from_be_bytes(word.0).saturating_to()
}

/// Whether a code hash names no code.
pub(crate) fn no_code(hash: &B256) -> bool {
    hash.is_zero() || *hash == KECCAK256_EMPTY
}

/// The accounts `moves` touch, by address.
pub(crate) fn accounts(moves: &[Move]) -> BTreeMap<Address, Account> {
    let mut accounts: BTreeMap<Address, Account> = BTreeMap::new();
    for m in moves {
        if m.mark == Mark::Context {
            continue;
        }
        let account = accounts.entry(m.addr).or_default();
        match m.mark {
            Mark::Balance => account.balance = (U256::from_be_bytes(m.prev.0), U256::from_be_bytes(m.next.0)),
            Mark::Nonce => account.nonce = (nonce(&m.prev), nonce(&m.next)),
            Mark::Code => account.code_hash = (m.prev, m.next),
            Mark::Storage => {
                account.storage.insert(m.slot, (m.prev, m.next));
            }
            Mark::Context => {}
        }
    }
    accounts
}

impl Account {
    /// Whether the account was empty (no balance, nonce or code) before the tx.
    pub fn empty_before(&self) -> bool {
        self.balance.0.is_zero() && self.nonce.0 == 0 && no_code(&self.code_hash.0)
    }

    /// Whether the account is empty after the tx.
    pub fn empty_after(&self) -> bool {
        self.balance.1.is_zero() && self.nonce.1 == 0 && no_code(&self.code_hash.1)
    }
}

/// The prestate frame of a tx whose moves are `moves`; `code` finds code by hash (the chain's,
/// or what the tx deployed); `caller` is the tx's sender.
pub fn frame(
    moves: &[Move],
    code: &dyn Fn(&B256) -> Option<Bytes>,
    caller: Address,
    config: &PreStateConfig,
) -> PreStateFrame {
    let accounts = accounts(moves);
    let with_code = config.code_enabled();
    let with_storage = config.storage_enabled();
    let code_of = |hash: &B256| if with_code && !no_code(hash) { code(hash) } else { None };
    if !config.is_diff_mode() {
        let mut pre = BTreeMap::new();
        for (address, account) in &accounts {
            let mut state =
                AccountState::from_account_info(account.nonce.0, account.balance.0, code_of(&account.code_hash.0));
            if with_storage {
                state.storage = account.storage.iter().map(|(slot, (found, _))| (*slot, *found)).collect();
            }
            pre.insert(*address, state);
        }
        return PreStateFrame::Default(PreStateMode(pre));
    }
    let mut diff = DiffMode::default();
    let mut created = Vec::new();
    for (address, account) in &accounts {
        let mut pre =
            AccountState::from_account_info(account.nonce.0, account.balance.0, code_of(&account.code_hash.0));
        let mut post =
            AccountState::from_account_info(account.nonce.1, account.balance.1, code_of(&account.code_hash.1));
        if with_storage {
            for (slot, (found, left)) in account.storage.iter().filter(|(_, (found, left))| found != left) {
                pre.storage.insert(*slot, *found);
                post.storage.insert(*slot, *left);
            }
        }
        // A create leaves code or a nonce on an account that was empty (a sender is not created).
        let made = account.nonce.1 > 0 || !no_code(&account.code_hash.1);
        if account.empty_before() && made && *address != caller {
            created.push(*address);
        }
        diff.pre.insert(*address, pre);
        diff.post.insert(*address, post);
    }
    diff.retain_changed().remove_zero_storage_values();
    for (address, post) in diff.post.iter_mut() {
        if let Some(pre) = diff.pre.get(address) {
            post.remove_matching_account_info(pre);
        }
    }
    diff.pre.retain(|address, _| !created.contains(address));
    PreStateFrame::Diff(diff)
}

/// Code by hash: `deployed` (what the tx itself deployed), else `chain`.
pub fn code_lookup<'a>(
    deployed: &'a [Bytes],
    chain: impl Fn(&B256) -> Option<Bytes> + 'a,
) -> impl Fn(&B256) -> Option<Bytes> + 'a {
    move |hash| deployed.iter().find(|code| keccak256(code) == *hash).cloned().or_else(|| chain(hash))
}
