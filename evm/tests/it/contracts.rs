//! The test contracts: a router calling two contracts atomically, a reverting variant, a CREATE2
//! factory, a constructor that deploys a contract; and tampering with their moves.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use manaflow_evm::{Execution, Status};
use manaflow_types::{MapView, Move, SigningKey, StateKey};

use crate::support::*;

/// A tiny chain in a map: executes, checks re-execution, applies, and keeps every tx.
struct Chainlet {
    view: MapView,
    nonces: std::collections::HashMap<Address, u64>,
    history: Vec<(Bytes, Execution)>,
}

impl Chainlet {
    fn new(funded_keys: &[&SigningKey]) -> Self {
        let addresses: Vec<Address> = funded_keys.iter().map(|k| k.address()).collect();
        Self { view: funded(&addresses, 10u128.pow(21)), nonces: Default::default(), history: vec![] }
    }

    fn send(&mut self, key: &SigningKey, to: Option<Address>, input: Bytes) -> Execution {
        let nonce = self.nonces.entry(key.address()).or_default();
        let raw = sign_1559(key, *nonce, to, U256::ZERO, input, 5_000_000);
        *nonce += 1;
        let exec = run(&raw, &self.view);
        assert_eq!(reexecute(&raw, &exec.moves, &self.view).as_ref(), Ok(&exec), "re-execution differs");
        self.view.apply(keccak256(&raw), &exec.moves);
        for code in &exec.codes {
            self.view.codes.insert(keccak256(code), code.clone());
        }
        self.history.push((raw, exec.clone()));
        exec
    }

    fn deploy(&mut self, key: &SigningKey, name: &str, args: &[B256]) -> Address {
        let mut code = solidity(name).to_vec();
        args.iter().for_each(|a| code.extend_from_slice(a.as_slice()));
        let exec = self.send(key, None, Bytes::from(code));
        assert_eq!(exec.status, Status::Success, "deploying {name}: {exec:?}");
        exec.created.unwrap()
    }

    fn balance_of(&self, token: Address, owner: Address) -> U256 {
        let slot = keccak256([addr_word(owner).as_slice(), B256::ZERO.as_slice()].concat());
        U256::from_be_bytes(self.view.value(&StateKey::storage(token, slot)).0)
    }
}

#[test]
fn the_router_moves_two_tokens_in_one_tx_or_none_of_them() {
    let alice = key(10);
    let bob = Address::repeat_byte(0xb1);
    let mut chain = Chainlet::new(&[&alice]);
    let (a, b) = (chain.deploy(&alice, "TestToken", &[]), chain.deploy(&alice, "TestToken", &[]));
    let router = chain.deploy(&alice, "Router", &[]);
    let reverter = chain.deploy(&alice, "Reverter", &[]);
    for token in [a, b] {
        let approve =
            chain.send(&alice, Some(token), calldata("approve(address,uint256)", &[addr_word(router), word(10_000)]));
        assert_eq!(approve.status, Status::Success);
    }
    let both = chain.send(
        &alice,
        Some(router),
        calldata(
            "twoTransfers(address,address,address,uint256,uint256)",
            &[addr_word(a), addr_word(b), addr_word(bob), word(30), word(40)],
        ),
    );
    assert_eq!(both.status, Status::Success, "{both:?}");
    assert_eq!((chain.balance_of(a, bob), chain.balance_of(b, bob)), (U256::from(30), U256::from(40)));
    assert!(
        both.moves.iter().any(|m| m.addr == a && m.is_write())
            && both.moves.iter().any(|m| m.addr == b && m.is_write())
    );

    // The second call reverts: nothing of the first survives, and every access but the
    // sender's nonce and fee is declared as a read.
    let failed = chain.send(
        &alice,
        Some(router),
        calldata(
            "twoTransfersSecondReverts(address,address,address,uint256,uint256)",
            &[addr_word(a), addr_word(reverter), addr_word(bob), word(5), word(9)],
        ),
    );
    assert_eq!(failed.status, Status::Revert);
    assert_eq!(&failed.output[..4], &keccak256("Rejected(address,uint256,string)")[..4], "the custom error bubbles up");
    assert_eq!(chain.balance_of(a, bob), U256::from(30));
    let writes: Vec<_> = failed.moves.iter().filter(|m| m.is_write()).map(|m| (m.addr, m.mark)).collect();
    assert_eq!(
        writes,
        vec![(alice.address(), manaflow_types::Mark::Balance), (alice.address(), manaflow_types::Mark::Nonce)]
    );
    assert!(
        failed.moves.iter().any(|m| m.addr == a && m.mark == manaflow_types::Mark::Storage),
        "reads in the reverted frame are declared"
    );
}

#[test]
fn create2_and_constructor_deployments_declare_the_new_accounts() {
    let alice = key(11);
    let mut chain = Chainlet::new(&[&alice]);
    let factory = chain.deploy(&alice, "Create2Factory", &[]);
    let mut child_code = solidity("Child").to_vec();
    child_code.extend_from_slice(word(7).as_slice());
    let salt = B256::repeat_byte(0x5a);
    // deploy(bytes32,bytes): salt, offset 0x40, length, data padded to 32 bytes.
    let mut args = vec![salt, word(0x40), word(child_code.len() as u128)];
    let mut padded = child_code.clone();
    padded.resize(child_code.len().div_ceil(32) * 32, 0);
    args.extend(padded.chunks(32).map(B256::from_slice));
    let exec = chain.send(&alice, Some(factory), calldata("deploy(bytes32,bytes)", &args));
    assert_eq!(exec.status, Status::Success, "{exec:?}");
    let expected = factory.create2(salt, keccak256(&child_code));
    let c = exec.moves.iter().find(|m| m.key() == StateKey::code(expected)).expect("the child's code move");
    assert_eq!((c.intx, c.prev), (B256::ZERO, B256::ZERO));
    assert_eq!(c.next, keccak256(&exec.codes[0]));
    let n = exec.moves.iter().find(|m| m.key() == StateKey::nonce(expected)).unwrap();
    assert_eq!(n.next, word(1), "EIP-161: a new contract starts at nonce 1");

    // A constructor that deploys a contract: both accounts are created in one tx.
    let deployer = chain.deploy(&alice, "Deployer", &[]);
    let child = deployer.create(1);
    let (_, exec) = chain.history.last().unwrap();
    for account in [deployer, child] {
        let c = exec.moves.iter().find(|m| m.key() == StateKey::code(account)).unwrap();
        assert!(c.is_write() && c.is_first_use(), "{account} created in this tx");
    }
    assert_eq!(exec.codes.len(), 2);
}

#[test]
fn tampering_a_value_re_execution_computes_is_caught() {
    let alice = key(12);
    let bob = Address::repeat_byte(0xb2);
    let mut chain = Chainlet::new(&[&alice]);
    let token = chain.deploy(&alice, "TestToken", &[]);
    chain.send(&alice, Some(token), calldata("transfer(address,uint256)", &[addr_word(bob), word(1)]));
    let history = chain.history.clone();
    // Re-execution must reproduce exactly the declared moves, gas, logs and status.
    let passes =
        |raw: &Bytes, declared: &[Move], original: &Execution| match reexecute(raw, declared, &chain.codes_only()) {
            Ok(r) => {
                r.moves == declared
                    && r.gas_used == original.gas_used
                    && r.logs == original.logs
                    && r.status == original.status
            }
            Err(_) => false,
        };
    for (raw, exec) in &history {
        assert!(passes(raw, &exec.moves, exec));
        for i in 0..exec.moves.len() {
            // A different value left behind.
            let mut next = exec.moves.clone();
            next[i].next = B256::repeat_byte(0xee);
            assert!(!passes(raw, &next, exec), "changed next of move {i} passed");
            // A move execution does not touch.
            let mut extra = exec.moves.clone();
            extra.push(Move::read(StateKey::balance(Address::repeat_byte(0xe7)), B256::ZERO, B256::ZERO));
            manaflow_types::sort_canonical(&mut extra);
            assert!(!passes(raw, &extra, exec), "an extra move passed");
            // A move dropped.
            let mut fewer = exec.moves.clone();
            fewer.remove(i);
            assert!(!passes(raw, &fewer, exec), "dropping move {i} passed");
        }
    }
}

impl Chainlet {
    /// Code lookups for re-execution: every code deployed so far (content-addressed), no state.
    fn codes_only(&self) -> MapView {
        MapView { outputs: Default::default(), codes: self.view.codes.clone() }
    }
}
