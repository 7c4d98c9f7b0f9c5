//! The node core: the dev chain's genesis as Anvil users expect it, automine, refusals that
//! change nothing, the standard CREATE2 deployer, and a restart with a data dir.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address, keccak256};
use manaflow::{CREATE2_DEPLOYER, ChainConfig, Config, Node, NodeError};
use manaflow_types::{SigningKey, StateKey};

fn sign(key: &SigningKey, nonce: u64, to: Address, value: U256, input: Bytes) -> Bytes {
    let tx = TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 200_000,
        max_fee_per_gas: 3_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(to),
        value,
        input,
        access_list: Default::default(),
    };
    let sig = key.sign_hash(&tx.signature_hash());
    Bytes::from(
        TxEnvelope::from(tx.into_signed(alloy_primitives::Signature::new(sig.r, sig.s, sig.y_parity))).encoded_2718(),
    )
}

#[test]
fn genesis_funds_the_well_known_dev_accounts() {
    let node = Node::open(ChainConfig::default()).unwrap();
    assert_eq!(node.accounts().len(), 10);
    assert_eq!(node.accounts()[0].address, address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
    assert_eq!(node.accounts()[1].address, address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
    let ten_thousand_eth = U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18));
    for account in node.accounts() {
        assert_eq!(node.balance(account.address).unwrap(), ten_thousand_eth);
    }
    let code = node.ledger().output(&StateKey::code(CREATE2_DEPLOYER)).unwrap();
    assert!(code.is_written(), "the CREATE2 deployer is predeployed");
}

#[test]
fn automine_mines_each_tx_and_refusals_change_nothing() {
    let mut node = Node::open(ChainConfig::default()).unwrap();
    let alice = node.accounts()[0].key.clone();
    let bob = node.accounts()[1].address;
    let before = node.balance(bob).unwrap();
    let mined = node.submit_raw(&sign(&alice, 0, bob, U256::from(5), Bytes::new())).unwrap();
    assert_eq!(mined.block, 1);
    assert_eq!(node.balance(bob).unwrap(), before + U256::from(5));
    assert_eq!(node.nonce(alice.address()).unwrap(), 1);
    // Replaying the same tx: nonce too low, nothing mined.
    let height = node.ledger().len();
    let err = node.submit_raw(&sign(&alice, 0, bob, U256::from(5), Bytes::new())).unwrap_err();
    assert!(matches!(err, NodeError::Exec(_)), "{err}");
    assert!(err.to_string().contains("nonce too low"), "{err}");
    assert_eq!(node.ledger().len(), height);
    // Garbage bytes: a decode error naming what was wrong.
    let err = node.submit_raw(&[0x02, 0x01]).unwrap_err();
    assert!(err.to_string().contains("malformed transaction"), "{err}");
}

#[test]
fn the_standard_create2_deployer_deploys_where_expected() {
    let mut node = Node::open(ChainConfig::default()).unwrap();
    let alice = node.accounts()[0].key.clone();
    // Init code returning a one-byte runtime code (0x00): PUSH1 1 PUSH1 0 ... RETURN.
    let init: Vec<u8> = vec![0x60, 0x01, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x01, 0x60, 0x00, 0xf3, 0x00];
    let salt = B256::repeat_byte(0x01);
    let input = Bytes::from([salt.as_slice(), &init].concat());
    let mined = node.submit_raw(&sign(&alice, 0, CREATE2_DEPLOYER, U256::ZERO, input)).unwrap();
    let expected = CREATE2_DEPLOYER.create2(salt, keccak256(&init));
    assert_eq!(&mined.execution.output[..], expected.as_slice(), "the deployer returns the address");
    let code = node.ledger().output(&StateKey::code(expected)).unwrap();
    assert_eq!(code.value, keccak256([0x00]));
}

#[test]
fn a_chain_with_a_data_dir_resumes_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::default().with_data_dir(dir.path()).chain;
    let bob = address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    {
        let mut node = Node::open(config.clone()).unwrap();
        let alice = node.accounts()[0].key.clone();
        node.submit_raw(&sign(&alice, 0, bob, U256::from(9), Bytes::new())).unwrap();
    }
    let node = Node::open(config).unwrap();
    assert_eq!(node.ledger().len(), 2, "genesis and one block, no second genesis");
    assert_eq!(node.nonce(node.accounts()[0].address).unwrap(), 1);
}
