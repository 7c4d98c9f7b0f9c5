//! Signing with the dev accounts: `personal_sign`, `eth_sign` (EIP-191) and
//! `eth_signTypedData_v4` (EIP-712) signatures recover to the account.

use alloy_dyn_abi::TypedData;
use alloy_primitives::{Bytes, Signature, b256};
use alloy_signer::SignerSync;
use serde_json::json;

use crate::rpc::support::*;

#[tokio::test]
async fn personal_sign_and_eth_sign_recover_to_the_account() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let account = devnet.accounts()[3].address;
    let message = b"hello manaflow";
    let signature: Bytes = rpc(&p, "personal_sign", json!([Bytes::from_static(message), account])).await;
    assert_eq!(signature.len(), 65);
    assert!(matches!(signature[64], 27 | 28), "v is 27 or 28");
    let parsed = Signature::from_raw(&signature).expect("r ‖ s ‖ v");
    assert_eq!(parsed.recover_address_from_msg(message).unwrap(), account);
    // Deterministic (RFC 6979): the same bytes as alloy's local signer.
    let local = signer(&devnet.accounts()[3]).sign_message_sync(message).unwrap();
    assert_eq!(&signature[..], &local.as_bytes()[..]);

    let signature: Bytes = rpc(&p, "eth_sign", json!([account, Bytes::from_static(message)])).await;
    assert_eq!(Signature::from_raw(&signature).unwrap().recover_address_from_msg(message).unwrap(), account);

    // Only the dev accounts have keys here.
    let stranger = alloy_primitives::Address::repeat_byte(0x12);
    let failure = rpc_err(&p, "personal_sign", json!([Bytes::from_static(message), stranger])).await;
    assert_eq!(failure.code, -32000, "{failure:?}");
}

#[tokio::test]
async fn typed_data_signatures_recover_to_the_account() {
    let devnet = start();
    let p = provider(&devnet, 0);
    let account = devnet.accounts()[1].address;
    // The example of EIP-712 itself.
    let typed = json!({
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"}
            ],
            "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
            "Mail": [
                {"name": "from", "type": "Person"},
                {"name": "to", "type": "Person"},
                {"name": "contents", "type": "string"}
            ]
        },
        "primaryType": "Mail",
        "domain": {
            "name": "Ether Mail",
            "version": "1",
            "chainId": 1,
            "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
        },
        "message": {
            "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
            "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
            "contents": "Hello, Bob!"
        }
    });
    let hash = serde_json::from_value::<TypedData>(typed.clone()).unwrap().eip712_signing_hash().unwrap();
    assert_eq!(hash, b256!("0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"), "EIP-712's example");

    let signature: Bytes = rpc(&p, "eth_signTypedData_v4", json!([account, typed])).await;
    let parsed = Signature::from_raw(&signature).expect("r ‖ s ‖ v");
    assert_eq!(parsed.recover_address_from_prehash(&hash).unwrap(), account);
    let local = signer(&devnet.accounts()[1]).sign_hash_sync(&hash).unwrap();
    assert_eq!(&signature[..], &local.as_bytes()[..]);

    // Wallets also send the typed data as a JSON string.
    let as_string: Bytes = rpc(&p, "eth_signTypedData_v4", json!([account, typed.to_string()])).await;
    assert_eq!(as_string, signature);

    let failure = rpc_err(&p, "eth_signTypedData_v4", json!([account, {"types": {}}])).await;
    assert_eq!(failure.code, -32602, "{failure:?}");
}

#[tokio::test]
async fn eth_sign_transaction_signs_without_sending_and_the_bytes_send_later() {
    use alloy_primitives::{B256, U256};
    use alloy_provider::Provider;
    let devnet = start();
    let (a, b) = (devnet.accounts()[0].address, devnet.accounts()[1].address);
    let p = provider(&devnet, 0);
    let height = block_number(&p).await;
    let tx = json!({"from": a, "to": b, "value": "0x2a"});
    let raw: Bytes = rpc(&p, "eth_signTransaction", json!([tx])).await;
    let signed = manaflow_evm::decode_signed(&raw, CHAIN_ID).expect("a signed envelope");
    assert_eq!(signed.sender, a, "signed with Alice's dev key");
    assert_eq!(signed.call().value, U256::from(42u64));
    assert_eq!(block_number(&p).await, height, "nothing sent");
    assert_eq!(p.get_transaction_count(a).await.unwrap(), 0);

    let hash: B256 = rpc(&p, "eth_sendRawTransaction", json!([raw])).await;
    let receipt = p.get_transaction_receipt(hash).await.unwrap().expect("mined");
    assert!(receipt.status());
    let stranger = alloy_primitives::Address::repeat_byte(0x77);
    let refused = rpc_err(&p, "eth_signTransaction", json!([{"from": stranger, "to": b}])).await;
    assert!(refused.message.contains("not a dev account") || refused.message.contains("no key"), "{refused:?}");
}
