//! Execution into moves and re-execution against them.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use manaflow_evm::{EnvelopeError, ExecError, Rejection, Status, decode_signed};
use manaflow_types::{ContextField, MapView, Mark, MissingState, Move, StateKey, context_key};

use crate::support::*;

fn moves_of(_view: &MapView, moves: &[Move], key: StateKey) -> Move {
    *moves.iter().find(|m| m.key() == key).unwrap_or_else(|| panic!("no move for {key}"))
}

#[test]
fn an_eth_transfer_declares_both_accounts_and_burns_the_fee() {
    let alice = key(1);
    let bob = Address::repeat_byte(0xb0);
    let view = funded(&[alice.address()], 10u128.pow(19));
    let raw = sign_1559(&alice, 0, Some(bob), U256::from(1000), Bytes::new(), 21_000);
    let exec = run(&raw, &view);
    assert_eq!(exec.status, Status::Success);
    assert_eq!(exec.gas_used, 21_000);
    // Effective price: min(3 gwei, 1 gwei base + 1 gwei tip) = 2 gwei, all of it burned.
    assert_eq!(exec.effective_gas_price, 2 * GWEI);
    let fee = 21_000u128 * 2 * GWEI;
    let b = moves_of(&view, &exec.moves, StateKey::balance(alice.address()));
    assert_eq!((b.prev, b.next), (word(10u128.pow(19)), word(10u128.pow(19) - 1000 - fee)));
    let n = moves_of(&view, &exec.moves, StateKey::nonce(alice.address()));
    assert_eq!((n.intx, n.prev, n.next), (B256::ZERO, word(0), word(1)));
    let to = moves_of(&view, &exec.moves, StateKey::balance(bob));
    assert_eq!((to.intx, to.prev, to.next), (B256::ZERO, word(0), word(1000)));
    // Account loads declare b, n, c; nothing else is touched — the coinbase least of all.
    let keys: Vec<_> = exec.moves.iter().map(|m| (m.addr, m.mark)).collect();
    let mut expected = vec![];
    for a in [alice.address(), bob] {
        expected.extend([(a, Mark::Balance), (a, Mark::Code), (a, Mark::Nonce)]);
    }
    expected.sort();
    assert_eq!(keys, expected);
    assert!(exec.moves.iter().all(|m| m.addr != header().coinbase));
}

#[test]
fn reexecution_against_the_declared_moves_reproduces_them() {
    let alice = key(2);
    let view = funded(&[alice.address()], 10u128.pow(19));
    let raw = sign_1559(&alice, 0, Some(Address::repeat_byte(7)), U256::from(5), Bytes::new(), 21_000);
    let exec = run(&raw, &view);
    let again = reexecute(&raw, &exec.moves, &view).unwrap();
    assert_eq!(again, exec);
    // Dropping any move makes re-execution fail with the missing key.
    for i in 0..exec.moves.len() {
        let mut fewer = exec.moves.clone();
        let dropped = fewer.remove(i);
        match reexecute(&raw, &fewer, &view) {
            Err(ExecError::Missing(MissingState::Key(key))) => assert_eq!(key, dropped.key()),
            other => panic!("dropping move {i} gave {other:?}"),
        }
    }
    // Changing any declared prev changes what re-execution produces.
    for i in 0..exec.moves.len() {
        let mut tampered = exec.moves.clone();
        tampered[i].prev = word(123_456);
        let redone = reexecute(&raw, &tampered, &view);
        assert!(redone.map(|r| r.moves != tampered).unwrap_or(true), "tampered prev of move {i} went unnoticed");
    }
}

#[test]
fn legacy_txs_with_and_without_eip155_execute() {
    let alice = key(3);
    let view = funded(&[alice.address()], 10u128.pow(19));
    for chain_id in [Some(CHAIN_ID), None] {
        let raw = sign_legacy(&alice, 0, Address::repeat_byte(9), U256::from(1), chain_id);
        let signed = decode_signed(&raw, CHAIN_ID).unwrap();
        assert_eq!(signed.sender, alice.address());
        assert_eq!(run(&raw, &view).status, Status::Success);
    }
    let wrong = sign_legacy(&alice, 0, Address::repeat_byte(9), U256::from(1), Some(1));
    assert!(matches!(decode_signed(&wrong, CHAIN_ID), Err(EnvelopeError::WrongChainId { tx: 1, .. })));
}

#[test]
fn high_s_signatures_and_unsupported_types_are_refused_by_name() {
    use alloy_consensus::{SignableTransaction, TxEnvelope, TxLegacy};
    use alloy_eips::eip2718::Encodable2718;
    let alice = key(7);
    let tx = TxLegacy {
        chain_id: Some(CHAIN_ID),
        nonce: 0,
        gas_price: 2 * GWEI,
        gas_limit: 21_000,
        to: alloy_primitives::TxKind::Call(Address::repeat_byte(1)),
        value: U256::from(1),
        input: Bytes::new(),
    };
    let sig = alice.sign_hash(&tx.signature_hash());
    // The same signature mirrored into the upper half of the curve order: valid ECDSA, but
    // malleable, so EIP-2 (and this chain) refuses it.
    let n = U256::from_str_radix("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16).unwrap();
    let high = alloy_primitives::Signature::new(sig.r, n - sig.s, !sig.y_parity);
    let raw = TxEnvelope::from(tx.into_signed(high)).encoded_2718();
    assert!(matches!(decode_signed(&raw, CHAIN_ID), Err(EnvelopeError::HighS)));
    // Blob txs (type 3) are named, not mistaken for garbage.
    let err = decode_signed(&[3u8, 0xc0], CHAIN_ID).unwrap_err();
    assert!(matches!(err, EnvelopeError::UnsupportedType { ty: 3, .. }), "{err}");
    assert!(err.to_string().contains("blob"), "{err}");
    // Set-code txs (type 4, EIP-7702) are decoded like the others: a malformed one is a decode
    // error.
    assert!(matches!(decode_signed(&[0x04, 0xc0], CHAIN_ID), Err(EnvelopeError::Decode(_))));
    assert!(matches!(decode_signed(&[0x02, 0xc0], CHAIN_ID), Err(EnvelopeError::Decode(_))));
}

#[test]
fn txs_that_cannot_execute_are_rejected_with_their_rule() {
    use manaflow_evm::{EvmRuntime, Hardfork, Runtime};
    let alice = key(4);
    let view = funded(&[alice.address()], 10u128.pow(15));
    let exec = |raw: &Bytes| {
        let signed = decode_signed(raw, CHAIN_ID).unwrap();
        EvmRuntime::new(Hardfork::Prague).execute(&signed.call(), &header(), &Chain, &view)
    };
    let too_high = sign_1559(&alice, 3, Some(Address::ZERO), U256::ZERO, Bytes::new(), 21_000);
    assert!(matches!(exec(&too_high), Err(ExecError::Rejected(Rejection::NonceTooHigh { tx: 3, state: 0 }))));
    let poor = sign_1559(&alice, 0, Some(Address::ZERO), U256::from(10u128.pow(18)), Bytes::new(), 21_000);
    assert!(matches!(exec(&poor), Err(ExecError::Rejected(Rejection::InsufficientFunds { .. }))));
    let starved = sign_1559(&alice, 0, Some(Address::ZERO), U256::ZERO, Bytes::new(), 20_000);
    assert!(matches!(
        exec(&starved),
        Err(ExecError::Rejected(Rejection::IntrinsicGasTooLow { limit: 20_000, intrinsic: 21_000 }))
    ));
    let msg = Rejection::NonceTooLow { tx: 0, state: 1 }.to_string();
    assert!(msg.starts_with("nonce too low"), "{msg}");
}

#[test]
fn an_erc20_deploys_and_transfers_and_reexecutes() {
    let alice = key(5);
    let bob = Address::repeat_byte(0xbb);
    let mut view = funded(&[alice.address()], 10u128.pow(20));
    let deploy = sign_1559(&alice, 0, None, U256::ZERO, solidity("TestToken"), 3_000_000);
    let created = run(&deploy, &view);
    assert_eq!(created.status, Status::Success, "{created:?}");
    let token = created.created.expect("created address");
    assert_eq!(token, alice.address().create(0));
    assert_eq!(created.codes.len(), 1);
    let code_hash = keccak256(&created.codes[0]);
    let c = moves_of(&view, &created.moves, StateKey::code(token));
    assert_eq!((c.prev, c.next), (B256::ZERO, code_hash));
    assert_eq!(reexecute(&deploy, &created.moves, &view).unwrap(), created);
    view.apply(keccak256(&deploy), &created.moves);
    view.codes.insert(code_hash, created.codes[0].clone());

    let transfer = calldata("transfer(address,uint256)", &[addr_word(bob), word(250)]);
    let raw = sign_1559(&alice, 1, Some(token), U256::ZERO, transfer, 100_000);
    let exec = run(&raw, &view);
    assert_eq!(exec.status, Status::Success, "{exec:?}");
    assert_eq!(exec.logs.len(), 1, "one Transfer event");
    assert_eq!(exec.logs[0].topics()[0], keccak256("Transfer(address,address,uint256)"));
    // OpenZeppelin's balances mapping is slot 0: keccak(address . 0).
    let slot = |a: Address| keccak256([addr_word(a).as_slice(), B256::ZERO.as_slice()].concat());
    let to = moves_of(&view, &exec.moves, StateKey::storage(token, slot(bob)));
    assert_eq!((to.intx, to.prev, to.next), (B256::ZERO, B256::ZERO, word(250)));
    let from = moves_of(&view, &exec.moves, StateKey::storage(token, slot(alice.address())));
    assert_eq!(U256::from_be_bytes(from.prev.0) - U256::from_be_bytes(from.next.0), U256::from(250));
    assert_eq!(reexecute(&raw, &exec.moves, &view).unwrap(), exec);
}

#[test]
fn context_opcodes_become_x_moves_with_the_headers_values() {
    let alice = key(6);
    let mut view = funded(&[alice.address()], 10u128.pow(20));
    let deploy = sign_1559(&alice, 0, None, U256::ZERO, solidity("BlockContext"), 3_000_000);
    let created = run(&deploy, &view);
    let contract = created.created.unwrap();
    view.apply(keccak256(&deploy), &created.moves);
    view.codes.insert(keccak256(&created.codes[0]), created.codes[0].clone());
    let raw = sign_1559(&alice, 1, Some(contract), U256::ZERO, calldata("record()", &[]), 500_000);
    let exec = run(&raw, &view);
    assert_eq!(exec.status, Status::Success, "{exec:?}");
    let h = header();
    let x = |field, n| {
        *exec.moves.iter().find(|m| m.key() == context_key(field, n)).unwrap_or_else(|| panic!("no x move {field:?}"))
    };
    assert_eq!(x(ContextField::Number, 0).next, word(h.number as u128));
    assert_eq!(x(ContextField::Timestamp, 0).next, word(h.timestamp as u128));
    assert_eq!(x(ContextField::Coinbase, 0).next, h.coinbase.into_word());
    assert_eq!(x(ContextField::ChainId, 0).next, word(CHAIN_ID as u128));
    assert_eq!(x(ContextField::BaseFee, 0).next, word(h.base_fee as u128));
    assert_eq!(x(ContextField::Prevrandao, 0).next, h.prevrandao);
    assert_eq!(x(ContextField::BlockHash, h.number - 1).next, keccak256((h.number - 1).to_be_bytes()));
    assert!(exec.moves.iter().filter(|m| m.mark == Mark::Context).all(|m| m.prev == m.next && m.intx.is_zero()));
    assert_eq!(reexecute(&raw, &exec.moves, &view).unwrap(), exec);
}
