//! EIP-7702 set-code txs (type 4), signed with alloy: an EOA delegates to an example contract,
//! its delegation designator becomes its `c` output and its nonce moves, calls through the EOA
//! run the contract on the EOA's storage, an invalid authorization is skipped as the EIP says,
//! and the chain validates forwards and in reverse. Type 3 stays refused by name.

use alloy_consensus::TxEip7702;
use alloy_eips::eip7702::Authorization;
use alloy_primitives::{B256, Bytes, U256};
use alloy_provider::Provider;
use alloy_signer::SignerSync;
use alloy_sol_types::SolCall;
use serde_json::{Value, json};

use crate::rpc::support::*;

alloy_sol_types::sol! {
    /// The example Forwarder (`value` at slot 0).
    interface IForwarder {
        function value() external view returns (uint256 current);
        function setValue(uint256 newValue) external;
    }
}

/// `authority` signs a delegation of its code to `target`, for `chain_id` at its nonce `nonce`.
fn authorize(
    authority: &alloy_signer_local::PrivateKeySigner,
    chain_id: u64,
    target: alloy_primitives::Address,
    nonce: u64,
) -> alloy_eips::eip7702::SignedAuthorization {
    let auth = Authorization { chain_id: U256::from(chain_id), address: target, nonce };
    let signature = authority.sign_hash_sync(&auth.signature_hash()).expect("signing works");
    auth.into_signed(signature)
}

#[tokio::test]
async fn an_eoa_delegates_to_a_contract_and_calls_through_it_run_on_its_storage() {
    let devnet = start();
    let (sponsor, authority, other) = (&devnet.accounts()[0], &devnet.accounts()[2], &devnet.accounts()[3]);
    let p = provider(&devnet, 0);
    let forwarder = deploy(&p, sponsor.address, artifact("Forwarder").bytecode).await;
    let sponsor_nonce = nonce(&p, sponsor.address).await;

    // The sponsor sends a type-4 tx carrying the authority's authorization and a call to it.
    let tx = TxEip7702 {
        chain_id: CHAIN_ID,
        nonce: sponsor_nonce,
        gas_limit: 200_000,
        max_fee_per_gas: 20 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: authority.address,
        value: U256::ZERO,
        access_list: Default::default(),
        authorization_list: vec![
            authorize(&signer(authority), CHAIN_ID, forwarder, 0),
            // Signed for another chain: skipped, as the EIP says, and the tx goes on.
            authorize(&signer(other), 999, forwarder, 0),
        ],
        input: IForwarder::setValueCall { newValue: U256::from(42u64) }.abi_encode().into(),
    };
    let raw = sign(&signer(sponsor), tx);
    let hash: B256 = rpc(&p, "eth_sendRawTransaction", json!([raw])).await;
    let receipt = p.get_transaction_receipt(hash).await.unwrap().expect("mined");
    assert!(receipt.status(), "{receipt:?}");
    let by_hash: Value = rpc(&p, "eth_getTransactionByHash", json!([hash])).await;
    assert_eq!(by_hash["type"], "0x4");
    assert_eq!(by_hash["authorizationList"].as_array().map(Vec::len), Some(2));

    // The designator is the authority's code; its nonce moved; the call ran on its storage.
    let designator: Vec<u8> = [&[0xef, 0x01, 0x00][..], forwarder.as_slice()].concat();
    assert_eq!(p.get_code_at(authority.address).await.unwrap(), Bytes::from(designator));
    assert_eq!(nonce(&p, authority.address).await, 1);
    assert_eq!(p.get_storage_at(authority.address, U256::ZERO).await.unwrap(), U256::from(42u64));
    assert_eq!(p.get_storage_at(forwarder, U256::ZERO).await.unwrap(), U256::ZERO, "the contract's own storage");
    // The invalid authorization changed nothing.
    assert!(p.get_code_at(other.address).await.unwrap().is_empty());
    assert_eq!(nonce(&p, other.address).await, 0);

    // The model: the designator is the authority's `c` output, written by this tx.
    let output: Value = rpc(&p, "manaflow_getOutput", json!([authority.address, "c"])).await;
    assert_eq!(output["intx"], json!(hash), "{output}");

    // Calls through the EOA run the delegated code.
    let out = eth_call(&p, sponsor.address, authority.address, IForwarder::valueCall {}.abi_encode()).await;
    assert_eq!(U256::from_be_slice(&out), U256::from(42u64));
    // (A new provider: alloy caches nonces, and the type-4 tx went around it.)
    let again = send_ok(
        &provider(&devnet, 0),
        alloy_rpc_types_eth::TransactionRequest::default()
            .from(sponsor.address)
            .to(authority.address)
            .input(IForwarder::setValueCall { newValue: U256::from(7u64) }.abi_encode().into()),
    )
    .await;
    assert!(again.status());
    assert_eq!(p.get_storage_at(authority.address, U256::ZERO).await.unwrap(), U256::from(7u64));

    // Re-execution and reverse validation agree on the chain with the delegation.
    let block = receipt.block_number.expect("a block");
    for direction in ["forward", "reverse"] {
        let verdict: Value = rpc(&p, "manaflow_validateBlock", json!([format!("{block:#x}"), direction])).await;
        assert_eq!(verdict["valid"], json!(true), "{direction}: {verdict}");
    }
}

#[tokio::test]
async fn blob_txs_stay_refused_by_name() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let failure = rpc_err(&p, "eth_sendRawTransaction", json!(["0x03c0"])).await;
    assert!(failure.message.contains("EIP-4844"), "{failure:?}");
}

#[tokio::test]
async fn eth_send_transaction_signs_a_type_4_tx_with_the_authorization_list_given() {
    let devnet = start();
    let (sender, authority) = (&devnet.accounts()[4], &devnet.accounts()[5]);
    let p = provider(&devnet, 0);
    let forwarder = deploy(&p, devnet.accounts()[0].address, artifact("Forwarder").bytecode).await;
    let auth = authorize(&signer(authority), CHAIN_ID, forwarder, 0);
    let input = Bytes::from(IForwarder::setValueCall { newValue: U256::from(9u64) }.abi_encode());
    let request =
        json!([{"from": sender.address, "to": authority.address, "data": input, "authorizationList": [auth]}]);
    let hash: B256 = rpc(&p, "eth_sendTransaction", request).await;
    let receipt = p.get_transaction_receipt(hash).await.unwrap().expect("mined");
    assert!(receipt.status());
    let tx: Value = rpc(&p, "eth_getTransactionByHash", json!([hash])).await;
    assert_eq!(tx["type"], "0x4");
    assert_eq!(p.get_storage_at(authority.address, U256::ZERO).await.unwrap(), U256::from(9u64));
    assert_eq!(nonce(&p, authority.address).await, 1);
}
