//! Atomic composability across runtimes: EVM → WASM → EVM in one tx, with static and delegate
//! variants and creates from WASM; a revert at any depth unwinds both runtimes' effects; one move
//! set, which stateless re-execution reproduces (every `Sandbox::send` checks that).

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{SolCall, SolValue};
use manaflow_types::{Mark, Status};

use crate::artifacts::{IChild, IForwarder, IRelay, IRouter, IToken, solidity, wasm};
use crate::support::*;

struct World {
    chain: Sandbox,
    token: Address,
    relay: Address,
    forwarder: Address,
}

/// An EVM token whose supply alice holds, a WASM relay holding 100 of it, an EVM forwarder.
fn world() -> World {
    let mut chain = Sandbox::new();
    let token = chain.deploy(alice(), solidity("TestToken"));
    let relay = chain.deploy(alice(), wasm("relay"));
    let forwarder = chain.deploy(alice(), solidity("Forwarder"));
    let fund = IToken::transferCall { to: relay, value: U256::from(100) }.abi_encode();
    assert_eq!(chain.send(alice(), Some(token), fund.into(), U256::ZERO).status, Status::Success);
    World { chain, token, relay, forwarder }
}

impl World {
    fn balance(&self, who: Address) -> U256 {
        let out =
            self.chain.simulate(alice(), Some(self.token), IToken::balanceOfCall { account: who }.abi_encode().into());
        U256::abi_decode(&out.output).expect("a uint256")
    }

    /// The calldata for the relay to call the token's `transfer(to, value)`.
    fn relay_transfer(&self, to: Address, value: u64) -> Bytes {
        let transfer = IToken::transferCall { to, value: U256::from(value) }.abi_encode();
        IRelay::relayCall { target: self.token, data: transfer.into() }.abi_encode().into()
    }

    fn forward(&mut self, data: Bytes) -> manaflow_types::Execution {
        let input = IForwarder::forwardCall { target: self.relay, data }.abi_encode();
        self.chain.send(alice(), Some(self.forwarder), input.into(), U256::ZERO)
    }
}

#[test]
fn evm_calls_wasm_which_calls_evm_in_one_tx_with_one_move_set() {
    let mut w = world();
    let data = w.relay_transfer(bob(), 40);
    let execution = w.forward(data);
    assert_eq!(execution.status, Status::Success, "{:?}", execution.output);
    assert_eq!(w.balance(bob()), U256::from(40));
    assert_eq!(w.balance(w.relay), U256::from(60));
    // One move set: the forwarder, the relay and the token are all loaded in it, and the two
    // balance slots the innermost EVM frame wrote are writes.
    for contract in [w.forwarder, w.relay, w.token] {
        assert!(execution.moves.iter().any(|m| m.addr == contract && m.mark == Mark::Code), "{contract} loaded");
    }
    let writes = execution.moves.iter().filter(|m| m.addr == w.token && m.mark == Mark::Storage && m.prev != m.next);
    assert_eq!(writes.count(), 2);
    // The token's Transfer was emitted by the token, with the relay as sender.
    assert_eq!(execution.logs.len(), 1);
    assert_eq!(execution.logs[0].address, w.token);
    assert_eq!(execution.logs[0].topics()[1], w.relay.into_word());
}

#[test]
fn a_revert_in_the_innermost_evm_frame_unwinds_every_runtime() {
    let mut w = world();
    let execution = w.forward(w.relay_transfer(bob(), 1_000));
    assert_eq!(execution.status, Status::Revert);
    // ERC20InsufficientBalance(relay, 100, 1000), bubbled up unchanged through WASM and EVM.
    assert_eq!(&execution.output[..4], &[0xe4, 0x50, 0xd3, 0x8c]);
    assert!(execution.moves.iter().filter(|m| m.addr != alice()).all(|m| m.prev == m.next), "only reads remain");
    assert_eq!(w.balance(w.relay), U256::from(100));
}

#[test]
fn a_revert_after_wasm_wrote_unwinds_the_wasm_writes() {
    // EVM Router pulls from a WASM token (a WASM write), then calls a reverting EVM contract.
    let mut chain = Sandbox::new();
    let token = chain.deploy(alice(), wasm("erc20"));
    let router = chain.deploy(alice(), solidity("Router"));
    let reverter = chain.deploy(alice(), solidity("Reverter"));
    let approve = IToken::approveCall { spender: router, value: U256::from(1_000) }.abi_encode();
    assert_eq!(chain.send(alice(), Some(token), approve.into(), U256::ZERO).status, Status::Success);
    let input = IRouter::twoTransfersSecondRevertsCall {
        tokenA: token,
        reverter,
        to: bob(),
        a: U256::from(10),
        b: U256::from(1),
    };
    let execution = chain.send(alice(), Some(router), input.abi_encode().into(), U256::ZERO);
    assert_eq!(execution.status, Status::Revert);
    let token_writes = execution.moves.iter().filter(|m| m.addr == token && m.prev != m.next).count();
    assert_eq!(token_writes, 0, "the WASM token's transfer was unwound");
    assert!(execution.logs.is_empty());
}

#[test]
fn static_calls_across_runtimes_read_but_cannot_write() {
    let mut w = world();
    // EVM STATICCALL → WASM → EVM read: succeeds.
    let read = IToken::balanceOfCall { account: w.relay }.abi_encode();
    let data: Bytes = IRelay::relayStaticCall { target: w.token, data: read.into() }.abi_encode().into();
    let input = IForwarder::forwardStaticCall { target: w.relay, data }.abi_encode();
    let execution = w.chain.send(alice(), Some(w.forwarder), input.into(), U256::ZERO);
    assert_eq!(execution.status, Status::Success);
    let out = Bytes::abi_decode(&execution.output).expect("bytes");
    let out = Bytes::abi_decode(&out).expect("the relay's bytes");
    assert_eq!(U256::abi_decode(&out).unwrap(), U256::from(100));
    // EVM STATICCALL → WASM → EVM write: the token's SSTORE fails, and the whole call with it.
    let data = w.relay_transfer(bob(), 1);
    let input = IForwarder::forwardStaticCall { target: w.relay, data }.abi_encode();
    let execution = w.chain.send(alice(), Some(w.forwarder), input.into(), U256::ZERO);
    assert_eq!(execution.status, Status::Revert);
    assert_eq!(w.balance(bob()), U256::ZERO);
    // A WASM storage write inside a static call fails too.
    let set = IRelay::setValueCall { value: U256::from(9) }.abi_encode();
    let input = IForwarder::forwardStaticCall { target: w.relay, data: set.into() }.abi_encode();
    let execution = w.chain.send(alice(), Some(w.forwarder), input.into(), U256::ZERO);
    assert_eq!(execution.status, Status::Revert);
    assert_eq!(w.chain.storage(w.relay, B256::ZERO), B256::ZERO);
}

#[test]
fn delegate_calls_run_one_runtimes_code_on_the_others_storage() {
    let mut w = world();
    // EVM DELEGATECALL into WASM: the relay's code writes the forwarder's slot 0.
    let set = IRelay::setValueCall { value: U256::from(77) }.abi_encode();
    let input = IForwarder::forwardDelegateCall { target: w.relay, data: set.into() }.abi_encode();
    let execution = w.chain.send(alice(), Some(w.forwarder), input.into(), U256::ZERO);
    assert_eq!(execution.status, Status::Success, "{:?}", execution.output);
    assert_eq!(w.chain.storage(w.forwarder, B256::ZERO), B256::from(U256::from(77)));
    assert_eq!(w.chain.storage(w.relay, B256::ZERO), B256::ZERO);
    // WASM DELEGATECALL into EVM: the forwarder's code writes the relay's slot 0.
    let set = IForwarder::setValueCall { value: U256::from(5) }.abi_encode();
    let input = IRelay::relayDelegateCall { target: w.forwarder, data: set.into() }.abi_encode();
    let execution = w.chain.send(alice(), Some(w.relay), input.into(), U256::ZERO);
    assert_eq!(execution.status, Status::Success, "{:?}", execution.output);
    assert_eq!(w.chain.storage(w.relay, B256::ZERO), B256::from(U256::from(5)));
    assert_eq!(w.chain.storage(w.forwarder, B256::ZERO), B256::from(U256::from(77)));
}

#[test]
fn wasm_creates_evm_and_wasm_contracts() {
    let mut w = world();
    let child_init = with_args(&solidity("Child"), &[word(42)]);
    let input = IRelay::deployCall { initcode: child_init.clone() }.abi_encode();
    let execution = w.chain.send(alice(), Some(w.relay), input.into(), U256::ZERO);
    assert_eq!(execution.status, Status::Success, "{:?}", execution.output);
    let child = Address::abi_decode(&execution.output).expect("an address");
    assert_eq!(child, w.relay.create(1), "CREATE from the relay at its nonce 1");
    let value = w.chain.simulate(alice(), Some(child), IChild::valueCall {}.abi_encode().into());
    assert_eq!(U256::abi_decode(&value.output).unwrap(), U256::from(42));
    // CREATE2 of a WASM module from WASM.
    let salt = B256::repeat_byte(7);
    let module = wasm("counter");
    let input = IRelay::deploy2Call { salt, initcode: module.clone() }.abi_encode();
    let execution = w.chain.send(alice(), Some(w.relay), input.into(), U256::ZERO);
    assert_eq!(execution.status, Status::Success, "{:?}", execution.output);
    let counter = Address::abi_decode(&execution.output).expect("an address");
    assert_eq!(counter, w.relay.create2_from_code(salt, &module));
    assert_eq!(w.chain.code(counter), module);
}
