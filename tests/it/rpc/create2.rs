//! CREATE2: the predeployed deterministic deployer and the Create2Factory artifact both deploy
//! at the address `create2(deployer, salt, keccak(init code))`.

use alloy_primitives::{B256, Bytes, U256, keccak256};
use alloy_provider::Provider;
use alloy_sol_types::{SolCall, SolError, SolEvent, SolValue};
use manaflow::CREATE2_DEPLOYER;
use serde_json::json;

use crate::rpc::support::IChild;
use crate::rpc::support::ICreate2Factory::{self, DeployFailed, Deployed};
use crate::rpc::support::*;

/// Child's creation code with its constructor argument.
fn child_init(initial: u64) -> Bytes {
    [artifact("Child").bytecode.to_vec(), U256::from(initial).abi_encode()].concat().into()
}

#[tokio::test]
async fn the_deterministic_deployer_deploys_at_the_create2_address() {
    let devnet = start();
    let a = devnet.accounts()[0].address;
    let p = provider(&devnet, 0);
    assert!(!p.get_code_at(CREATE2_DEPLOYER).await.unwrap().is_empty(), "the deployer is predeployed");

    let init = child_init(7);
    let salt = B256::repeat_byte(0x42);
    let expected = CREATE2_DEPLOYER.create2(salt, keccak256(&init));
    let input: Bytes = [salt.as_slice(), &init].concat().into();
    assert!(p.get_code_at(expected).await.unwrap().is_empty());

    // The deployer returns the 20-byte address.
    let out = eth_call(&p, a, CREATE2_DEPLOYER, input.clone()).await;
    assert_eq!(&out[..], expected.as_slice());
    let receipt = send_ok(&p, call_tx(a, CREATE2_DEPLOYER, input.clone())).await;
    assert_eq!(receipt.to, Some(CREATE2_DEPLOYER));
    assert_eq!(receipt.contract_address, None, "not a create tx");

    let code = p.get_code_at(expected).await.unwrap();
    assert_eq!(code.len(), artifact("Child").deployed.len(), "Child's runtime code (its immutable filled in)");
    let creator = eth_call(&p, a, expected, IChild::creatorCall {}.abi_encode()).await;
    assert_eq!(IChild::creatorCall::abi_decode_returns(&creator).unwrap(), CREATE2_DEPLOYER);
    let value = eth_call(&p, a, expected, IChild::valueCall {}.abi_encode()).await;
    assert_eq!(IChild::valueCall::abi_decode_returns(&value).unwrap(), U256::from(7u64));

    // The same salt and code again: the address is taken, the deployer reverts.
    let failure = rpc_err(&p, "eth_call", json!([{"from": a, "to": CREATE2_DEPLOYER, "input": input}])).await;
    assert_eq!(failure.code, 3, "{failure:?}");
}

#[tokio::test]
async fn the_create2_factory_deploys_where_it_predicts() {
    let devnet = start();
    let a = devnet.accounts()[0].address;
    let p = provider(&devnet, 0);
    let factory = deploy(&p, a, artifact("Create2Factory").bytecode).await;

    let init = child_init(9);
    let code_hash = keccak256(&init);
    let salt = B256::with_last_byte(1);
    let expected = factory.create2(salt, code_hash);
    let predicted =
        eth_call(&p, a, factory, ICreate2Factory::computeAddressCall { salt, codeHash: code_hash }.abi_encode()).await;
    assert_eq!(ICreate2Factory::computeAddressCall::abi_decode_returns(&predicted).unwrap(), expected);

    let input = ICreate2Factory::deployCall { salt, code: init.clone() }.abi_encode();
    let receipt = send_ok(&p, call_tx(a, factory, input.clone())).await;
    let logs = receipt.inner.logs();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].address(), factory);
    assert_eq!(logs[0].topics(), &[Deployed::SIGNATURE_HASH, expected.into_word(), salt]);
    assert_eq!(logs[0].data().data.as_ref(), code_hash.as_slice());

    assert!(!p.get_code_at(expected).await.unwrap().is_empty());
    let creator = eth_call(&p, a, expected, IChild::creatorCall {}.abi_encode()).await;
    assert_eq!(IChild::creatorCall::abi_decode_returns(&creator).unwrap(), factory);
    let value = eth_call(&p, a, expected, IChild::valueCall {}.abi_encode()).await;
    assert_eq!(IChild::valueCall::abi_decode_returns(&value).unwrap(), U256::from(9u64));

    // Same salt and code: CREATE2 collides, the factory's custom error comes back.
    let failure = rpc_err(&p, "eth_call", json!([{"from": a, "to": factory, "input": Bytes::from(input)}])).await;
    assert_eq!(failure.code, 3);
    assert_eq!(failure.data, Some(json!(Bytes::from(DeployFailed { salt, codeHash: code_hash }.abi_encode()))));
    // Another salt deploys elsewhere.
    let salt2 = B256::with_last_byte(2);
    let input = ICreate2Factory::deployCall { salt: salt2, code: init }.abi_encode();
    send_ok(&p, call_tx(a, factory, input)).await;
    assert!(!p.get_code_at(factory.create2(salt2, code_hash)).await.unwrap().is_empty());
}
