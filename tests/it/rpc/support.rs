//! Helpers shared by the tests: starting a devnet, alloy providers signing with its dev
//! accounts, raw JSON-RPC requests and their errors, signing txs by hand, the compiled test
//! contracts and their interfaces.

use std::time::Duration;

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::EthereumWallet;
use alloy_primitives::{Address, B256, Bytes, Signature, TxKind, U256};
use alloy_provider::transport::TransportError;
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{TransactionReceipt, TransactionRequest};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use manaflow::{Config, DevAccount, Devnet};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The chain id of `Config::test()`.
pub const CHAIN_ID: u64 = 31337;

/// One gwei.
pub const GWEI: u128 = 1_000_000_000;

/// One ether, in wei.
pub fn ether(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

/// What each dev account starts with.
pub fn initial_balance() -> U256 {
    ether(10_000)
}

/// Starts a devnet with the test config.
pub fn start() -> Devnet {
    start_with(Config::test())
}

/// Starts a devnet with `config`.
pub fn start_with(config: Config) -> Devnet {
    crate::panics::surface();
    manaflow::spawn(config).expect("the devnet starts")
}

/// The alloy signer of a dev account.
pub fn signer(account: &DevAccount) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&account.key.to_bytes()).expect("a dev key is a valid secp256k1 key")
}

/// A provider over HTTP with the recommended fillers, signing with dev account `index`.
pub fn provider(devnet: &Devnet, index: usize) -> DynProvider {
    connect(&devnet.url(), signer(&devnet.accounts()[index]))
}

/// A provider over HTTP at `url` signing with `signer`.
pub fn connect(url: &str, signer: PrivateKeySigner) -> DynProvider {
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url.parse().expect("the devnet URL parses"))
        .erased()
}

/// Sends `tx` through the provider's fillers and signer and returns its receipt, which must
/// exist as soon as the send returns (automine answers once the tx is mined).
pub async fn send(p: &DynProvider, tx: TransactionRequest) -> TransactionReceipt {
    let pending = p.send_transaction(tx).await.unwrap_or_else(|e| panic!("the tx is accepted: {e}"));
    let hash = *pending.tx_hash();
    let receipt = p.get_transaction_receipt(hash).await.expect("eth_getTransactionReceipt answers");
    receipt.unwrap_or_else(|| panic!("automine: tx {hash} has a receipt once eth_sendRawTransaction returns"))
}

/// Sends `tx` and requires it to succeed.
pub async fn send_ok(p: &DynProvider, tx: TransactionRequest) -> TransactionReceipt {
    let receipt = send(p, tx).await;
    assert!(receipt.status(), "tx {} succeeds: {receipt:?}", receipt.transaction_hash);
    receipt
}

/// A call of `input` to `to` from `from`.
pub fn call_tx(from: Address, to: Address, input: impl Into<Bytes>) -> TransactionRequest {
    TransactionRequest::default().from(from).to(to).input(input.into().into())
}

/// Deploys `code` from `from`; returns the receipt, whose contract address is checked.
pub async fn deploy_receipt(p: &DynProvider, from: Address, code: Bytes) -> TransactionReceipt {
    let nonce = p.get_transaction_count(from).await.expect("nonce");
    let receipt = send_ok(p, TransactionRequest::default().from(from).create().input(code.into())).await;
    assert_eq!(receipt.contract_address, Some(from.create(nonce)), "CREATE address from sender and nonce");
    assert_eq!(receipt.to, None);
    receipt
}

/// Deploys `code` from `from`; returns the new contract's address.
pub async fn deploy(p: &DynProvider, from: Address, code: Bytes) -> Address {
    deploy_receipt(p, from, code).await.contract_address.expect("a create has a contract address")
}

/// `eth_call` of `input` to `to` from `from` at the latest block.
pub async fn eth_call(p: &DynProvider, from: Address, to: Address, input: impl Into<Bytes>) -> Bytes {
    p.call(call_tx(from, to, input)).await.unwrap_or_else(|e| panic!("eth_call succeeds: {e}"))
}

/// A JSON-RPC request through the provider's transport; panics on an error answer.
pub async fn rpc<R: DeserializeOwned>(p: &DynProvider, method: &'static str, params: Value) -> R {
    let value: Value =
        p.raw_request(method.into(), params).await.unwrap_or_else(|e| panic!("{method} answers a result: {e}"));
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{method} result {value}: {e}"))
}

/// A JSON-RPC error object as the client received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The code.
    pub code: i64,
    /// The message.
    pub message: String,
    /// The data, parsed.
    pub data: Option<Value>,
}

/// The error object of a transport error (which must be an error answer).
pub fn failure(error: &TransportError) -> Failure {
    let payload = error.as_error_resp().unwrap_or_else(|| panic!("an error answer from the node, not {error}"));
    Failure {
        code: payload.code,
        message: payload.message.to_string(),
        data: payload.data.as_ref().map(|raw| serde_json::from_str(raw.get()).expect("error data is JSON")),
    }
}

/// A JSON-RPC request that must be answered with an error.
pub async fn rpc_err(p: &DynProvider, method: &'static str, params: Value) -> Failure {
    match p.raw_request::<_, Value>(method.into(), params).await {
        Ok(value) => panic!("{method} must fail, but answered {value}"),
        Err(e) => failure(&e),
    }
}

/// Posts `body` to `url` as JSON and returns the HTTP status and the parsed body.
pub async fn post(url: &str, body: impl Into<reqwest::Body>) -> (reqwest::StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the node answers over HTTP");
    let status = response.status();
    let text = response.text().await.expect("a body");
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("the body is JSON ({e}): {text}"));
    (status, value)
}

/// The latest block number.
pub async fn block_number(p: &DynProvider) -> u64 {
    p.get_block_number().await.expect("eth_blockNumber")
}

/// The balance of `address` at the latest block.
pub async fn balance(p: &DynProvider, address: Address) -> U256 {
    p.get_balance(address).await.expect("eth_getBalance")
}

/// The latest nonce of `address`.
pub async fn nonce(p: &DynProvider, address: Address) -> u64 {
    p.get_transaction_count(address).await.expect("eth_getTransactionCount")
}

/// The block number and the balances of `addresses`: what "the chain is unchanged" compares.
pub async fn chain_state(p: &DynProvider, addresses: &[Address]) -> (u64, Vec<U256>) {
    let mut balances = Vec::with_capacity(addresses.len());
    for address in addresses {
        balances.push(balance(p, *address).await);
    }
    (block_number(p).await, balances)
}

/// What a tx paid for gas: gas used × effective gas price.
pub fn fee(receipt: &TransactionReceipt) -> U256 {
    U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price)
}

/// An EIP-1559 transfer, unsigned.
pub fn transfer_1559(nonce: u64, to: Address, value: U256) -> TxEip1559 {
    TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 20 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: TxKind::Call(to),
        value,
        input: Bytes::new(),
        access_list: Default::default(),
    }
}

/// `tx` signed by `signer`, as `eth_sendRawTransaction` takes it.
pub fn sign<T>(signer: &PrivateKeySigner, tx: T) -> Bytes
where
    T: SignableTransaction<Signature>,
    alloy_consensus::Signed<T>: Into<TxEnvelope>,
{
    let signature = signer.sign_hash_sync(&tx.signature_hash()).expect("signing works");
    with_signature(tx, signature)
}

/// `tx` encoded with an arbitrary `signature`.
pub fn with_signature<T>(tx: T, signature: Signature) -> Bytes
where
    T: SignableTransaction<Signature>,
    alloy_consensus::Signed<T>: Into<TxEnvelope>,
{
    let envelope: TxEnvelope = tx.into_signed(signature).into();
    Bytes::from(envelope.encoded_2718())
}

/// Waits up to `limit` for `check` to return `Some`.
pub async fn eventually<T, F, Fut>(limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "condition not met within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A compiled contract of `examples/contracts`.
pub struct Artifact {
    /// Creation code.
    pub bytecode: Bytes,
    /// Runtime code.
    pub deployed: Bytes,
}

/// A JSON string of an answer, lower-cased (addresses compare case-blind).
pub fn lower(v: &Value) -> String {
    v.as_str().expect("a string").to_lowercase()
}

/// `address` as a lower-case hex key, as traces and diffs key accounts.
pub fn key(address: Address) -> String {
    address.to_string().to_lowercase()
}

/// Reads artifact `name` (solc-js output committed in `examples/contracts/artifacts`).
pub fn artifact(name: &str) -> Artifact {
    let path = format!("{}/../examples/contracts/artifacts/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: Value = serde_json::from_str(&text).expect("an artifact is JSON");
    let bytes = |field: &str| -> Bytes {
        json[field].as_str().unwrap_or_else(|| panic!("{path}: no {field}")).parse().expect("hex bytecode")
    };
    Artifact { bytecode: bytes("bytecode"), deployed: bytes("deployedBytecode") }
}

/// A committed WASM contract of `examples/wasm/artifacts` (the module to deploy).
pub fn wasm_artifact(name: &str) -> Bytes {
    let path = format!("{}/../examples/wasm/artifacts/{name}.wasm", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")).into()
}

/// The storage slot of `holder`'s balance in an OpenZeppelin v5 ERC20 (`_balances` is slot 0).
pub fn erc20_balance_slot(holder: Address) -> B256 {
    alloy_primitives::keccak256([holder.into_word().as_slice(), B256::ZERO.as_slice()].concat())
}

alloy_sol_types::sol! {
    /// TestToken (OpenZeppelin ERC20 plus an open mint).
    interface ITestToken {
        event Transfer(address indexed from, address indexed to, uint256 value);
        event Approval(address indexed owner, address indexed spender, uint256 value);
        function INITIAL_SUPPLY() external view returns (uint256 supply);
        function totalSupply() external view returns (uint256 supply);
        function balanceOf(address account) external view returns (uint256 amount);
        function allowance(address owner, address spender) external view returns (uint256 amount);
        function transfer(address to, uint256 value) external returns (bool ok);
        function approve(address spender, uint256 value) external returns (bool ok);
        function transferFrom(address from, address to, uint256 value) external returns (bool ok);
        function mint(address to, uint256 amount) external;
    }

    /// Reverter: each function reverts with a different kind of data.
    interface IReverter {
        error Rejected(address caller, uint256 value, string reason);
        function alwaysReverts(uint256 value) external view;
        function revertWithReason(string calldata reason) external pure;
        function panicDivByZero(uint256 numerator) external pure returns (uint256 quotient);
        function revertEmpty() external pure;
    }

    /// Router: two token pulls in one tx.
    interface IRouter {
        error TransferFailed(address token, address from, address to, uint256 amount);
        event TwoTransfers(address indexed tokenA, address indexed tokenB, address indexed to, uint256 a, uint256 b);
        function twoTransfers(address tokenA, address tokenB, address to, uint256 a, uint256 b) external;
        function twoTransfersSecondReverts(address tokenA, address reverter, address to, uint256 a, uint256 b) external;
    }

    /// Create2Factory.
    interface ICreate2Factory {
        error DeployFailed(bytes32 salt, bytes32 codeHash);
        event Deployed(address indexed addr, bytes32 indexed salt, bytes32 codeHash);
        function deploy(bytes32 salt, bytes memory code) external payable returns (address addr);
        function computeAddress(bytes32 salt, bytes32 codeHash) external view returns (address addr);
    }

    /// Child (its constructor takes the initial value).
    interface IChild {
        function creator() external view returns (address who);
        function value() external view returns (uint256 current);
        function setValue(uint256 newValue) external;
    }
}

alloy_sol_types::sol! {
    /// The block context a tx or call sees (BlockContext's struct).
    struct Context {
        uint256 number;
        uint256 timestamp;
        uint256 basefee;
        uint256 blobbasefee;
        address coinbase;
        uint256 prevrandao;
        uint256 gaslimit;
        uint256 chainid;
        bytes32 parentHash;
    }

    /// BlockContext: records the context its tx ran in.
    interface IBlockContext {
        event Recorded(uint256 indexed number, uint256 timestamp, bytes32 parentHash);
        function record() external;
        function recorded() external view returns (Context memory c);
        function live() external view returns (Context memory c);
    }
}
