//! Moves in words: what each key is (a balance, a nonce, code, `balanceOf[alice]`, TIMESTAMP)
//! and its values decoded where the key is known. Storage slots are recognised by recomputing
//! Solidity's mapping slots for every named address and the addresses the tx touches.

use std::collections::HashMap;

use alloy_primitives::KECCAK256_EMPTY as KECCAK_EMPTY;
use alloy_primitives::{Address, B256, U256, keccak256, utils::format_ether};
use manaflow_types::{ContextField, Mark, Move, context::parse_context_slot};

use crate::names::Names;
use crate::render::{short_hash, word};

/// Mapping positions tried (a contract's first state variables).
const MAPPING_SLOTS: u64 = 8;

/// What a storage slot is, for the contracts of one move set.
#[derive(Debug, Default)]
pub struct SlotNames {
    names: HashMap<(Address, B256), String>,
}

/// Whether `abi` looks like an ERC20 (OpenZeppelin's layout: balances at 0, allowances at 1,
/// total supply at 2).
fn is_erc20(names: &Names, contract: &Address) -> bool {
    names
        .abi_of(contract)
        .is_some_and(|abi| ["balanceOf", "allowance", "totalSupply"].iter().all(|f| abi.functions.contains_key(*f)))
}

fn mapping_slot(key: &Address, position: B256) -> B256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(key.as_slice());
    preimage[32..].copy_from_slice(position.as_slice());
    keccak256(preimage)
}

impl SlotNames {
    /// The slot names for the storage `moves` touch, trying every named address and every
    /// address in `moves` as a mapping key.
    pub fn for_moves(names: &Names, moves: &[Move]) -> Self {
        let mut keys: Vec<Address> = names.all().iter().map(|n| n.address).collect();
        keys.extend(moves.iter().filter(|m| m.mark != Mark::Context).map(|m| m.addr));
        keys.sort();
        keys.dedup();
        let mut contracts: Vec<Address> = moves.iter().filter(|m| m.mark == Mark::Storage).map(|m| m.addr).collect();
        contracts.dedup();
        let mut out = Self::default();
        if contracts.is_empty() {
            return out;
        }
        let label = |a: &Address| names.show(a);
        for contract in contracts {
            let erc20 = is_erc20(names, &contract);
            if erc20 {
                out.names.insert((contract, B256::from(U256::from(2u64))), "totalSupply".into());
            }
            for p in 0..MAPPING_SLOTS {
                let position = B256::from(U256::from(p));
                let map = match (erc20, p) {
                    (true, 0) => "balanceOf".to_string(),
                    (true, 1) => "allowance".to_string(),
                    _ => format!("map{p}"),
                };
                for k1 in &keys {
                    let inner = mapping_slot(k1, position);
                    out.names.insert((contract, inner), format!("{map}[{}]", label(k1)));
                    if erc20 && p != 1 {
                        continue; // only allowances nest
                    }
                    for k2 in &keys {
                        out.names.insert(
                            (contract, mapping_slot(k2, inner)),
                            format!("{map}[{}][{}]", label(k1), label(k2)),
                        );
                    }
                }
            }
        }
        out
    }

    /// The name of `slot` of `contract`, if recognised.
    pub fn get(&self, contract: &Address, slot: &B256) -> Option<&str> {
        self.names.get(&(*contract, *slot)).map(String::as_str)
    }
}

/// The key of `m` in words: `alice.balance`, `token.balanceOf[bob]`, `TIMESTAMP`.
pub fn key(names: &Names, slots: &SlotNames, m: &Move) -> String {
    match m.mark {
        Mark::Balance => format!("{}.balance", names.show(&m.addr)),
        Mark::Nonce => format!("{}.nonce", names.show(&m.addr)),
        Mark::Code => format!("{}.code", names.show(&m.addr)),
        Mark::Storage => {
            let slot = slots.get(&m.addr, &m.slot).map_or_else(|| format!("slot {}", word(&m.slot)), str::to_string);
            format!("{}.{slot}", names.show(&m.addr))
        }
        Mark::Context => match parse_context_slot(&m.slot) {
            Some((ContextField::BlockHash, n)) => format!("BLOCKHASH({n})"),
            Some((field, _)) => field.opcode_name().to_string(),
            None => format!("context {}", short_hash(&m.slot)),
        },
    }
}

/// A value of `m`'s key in words: ether for balances, numbers for nonces and counters, code by
/// size.
pub fn value(m: &Move, value: &B256, code_len: &dyn Fn(&B256) -> Option<usize>) -> String {
    match m.mark {
        Mark::Balance => format!("{} ETH", trim_ether(U256::from_be_bytes(value.0))),
        Mark::Nonce => U256::from_be_bytes(value.0).to_string(),
        Mark::Code if *value == B256::ZERO || *value == KECCAK_EMPTY => "no code".into(),
        Mark::Code => match code_len(value) {
            Some(len) => format!("code {} ({len} bytes)", short_hash(value)),
            None => format!("code {}", short_hash(value)),
        },
        Mark::Storage | Mark::Context => word(value),
    }
}

/// Ether without trailing zeros (`1.5`, `10000`).
pub fn trim_ether(wei: U256) -> String {
    let text = format_ether(wei);
    match text.split_once('.') {
        Some((whole, fraction)) => {
            let fraction = fraction.trim_end_matches('0');
            if fraction.is_empty() { whole.to_string() } else { format!("{whole}.{fraction}") }
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use manaflow_types::StateKey;

    #[test]
    fn recognises_mapping_slots() {
        let alice = Address::repeat_byte(1);
        let token = Address::repeat_byte(9);
        let names = Names::for_accounts(&[alice]);
        let slot = mapping_slot(&alice, B256::from(U256::from(3u64)));
        let m = Move::write(StateKey::storage(token, slot), B256::ZERO, B256::ZERO, B256::ZERO);
        let slots = SlotNames::for_moves(&names, &[m]);
        assert_eq!(key(&names, &slots, &m), "0x0909…0909.map3[alice]");
        assert_eq!(trim_ether(U256::from(1_500_000_000_000_000_000u128)), "1.5");
        assert_eq!(trim_ether(U256::from(10u64).pow(U256::from(22u64))), "10000");
    }
}
