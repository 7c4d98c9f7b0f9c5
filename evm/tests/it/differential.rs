//! Differential property test: random sequences of ETH and ERC20 transfers, applied as moves
//! block by block through the ledger, leave the same balances, nonces, code and storage as
//! revm's own `CacheDB` committing the same txs (coinbase aside: fees are burned here).

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use manaflow_evm::{EvmRuntime, decode_signed, tx_env};
use manaflow_types::{Header, StateKey};
use proptest::prelude::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use revm::context::CfgEnv;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::state::AccountInfo;
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext};

use crate::blocks::{Node, template};
use crate::support::*;

fn reference_db(funded: &[Address]) -> CacheDB<EmptyDB> {
    let mut db = CacheDB::new(EmptyDB::default());
    for a in funded {
        db.insert_account_info(*a, AccountInfo { balance: U256::from(10u128.pow(21)), ..AccountInfo::default() });
    }
    db
}

fn reference_apply(db: &mut CacheDB<EmptyDB>, header: &Header, raw: &Bytes) {
    let call = decode_signed(raw, CHAIN_ID).unwrap().call();
    let mut evm = Context::mainnet()
        .with_db(&mut *db)
        .with_cfg(CfgEnv::new_with_spec(SpecId::PRAGUE).with_chain_id(CHAIN_ID))
        .with_block(EvmRuntime::block_env(header))
        .build_mainnet();
    evm.transact_commit(tx_env(&call)).expect("revm executes what the node executed");
}

fn check_equal(node: &Node, db: &CacheDB<EmptyDB>, addresses: &[Address], token: Address) -> Result<(), TestCaseError> {
    let value = |k: StateKey| U256::from_be_bytes(node.ledger.output(&k).unwrap().value.0);
    for a in addresses.iter().chain([&token]) {
        let theirs = db.cache.accounts.get(a).map(|acc| acc.info.clone()).unwrap_or_default();
        prop_assert_eq!(value(StateKey::balance(*a)), theirs.balance, "balance of {}", a);
        prop_assert_eq!(value(StateKey::nonce(*a)), U256::from(theirs.nonce), "nonce of {}", a);
        let code = node.ledger.output(&StateKey::code(*a)).unwrap().value;
        let their_code = if theirs.code_hash == revm::primitives::KECCAK_EMPTY { B256::ZERO } else { theirs.code_hash };
        prop_assert_eq!(code, their_code, "code of {}", a);
    }
    // The token's balances mapping (slot 0) and total supply (slot 2).
    let mut slots: Vec<U256> = addresses
        .iter()
        .map(|a| U256::from_be_bytes(keccak256([a.into_word().as_slice(), B256::ZERO.as_slice()].concat()).0))
        .collect();
    slots.push(U256::from(2));
    for slot in slots {
        let ours = value(StateKey::storage(token, B256::from(slot)));
        let theirs = db.cache.accounts.get(&token).and_then(|acc| acc.storage.get(&slot).copied()).unwrap_or_default();
        prop_assert_eq!(ours, theirs, "token slot {}", slot);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn moves_applied_block_by_block_match_revm_committing(seed in any::<u64>(), ops in 4usize..24) {
        let mut rng = SmallRng::seed_from_u64(seed);
        let keys: Vec<_> = (30..34).map(key).collect();
        let addresses: Vec<Address> = keys.iter().map(|k| k.address()).chain([Address::repeat_byte(0xd0)]).collect();
        let mut node = Node::new(&addresses[..keys.len()]);
        let mut db = reference_db(&addresses[..keys.len()]);
        let mut nonces = vec![0u64; keys.len()];
        let token = keys[0].address().create(0);

        let mut pending: Vec<Bytes> = vec![sign_1559(&keys[0], 0, None, U256::ZERO, solidity("TestToken"), 3_000_000)];
        nonces[0] = 1;
        for op in 0..=ops {
            if op < ops {
                let from = rng.random_range(0..keys.len());
                let to = addresses[rng.random_range(0..addresses.len())];
                let raw = if rng.random_bool(0.5) {
                    sign_1559(&keys[from], nonces[from], Some(to), U256::from(rng.random_range(1..10_000u64)), Bytes::new(), 21_000)
                } else {
                    let amount = word(rng.random_range(0..5u128) * 10u128.pow(20));
                    let data = calldata("transfer(address,uint256)", &[addr_word(to), amount]);
                    sign_1559(&keys[from], nonces[from], Some(token), U256::ZERO, data, 120_000)
                };
                nonces[from] += 1;
                pending.push(raw);
            }
            // Close a block now and then, and at the end.
            if op == ops || rng.random_bool(0.4) {
                let block = node.build(&pending);
                node.ledger.apply(&block).unwrap();
                let header = Header { number: block.header.number, ..template(block.header.number) };
                for raw in pending.drain(..) {
                    reference_apply(&mut db, &header, &raw);
                }
                check_equal(&node, &db, &addresses, token)?;
            }
        }
    }
}
