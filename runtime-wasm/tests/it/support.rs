//! A small chain in memory: accounts, deployments and calls through the EVM runtime with the WASM
//! VM, each execution checked by stateless re-execution against its own declared moves.

use std::collections::HashMap;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use manaflow_evm::{EvmRuntime, Hardfork};
pub use manaflow_test_utils::{CHAIN_ID, Chain, word};
use manaflow_types::{Call, DeclaredView, Execution, Header, MapView, Output, Runtime, StateKey, Status};
use manaflow_wasm::WasmVm;

/// Block 7 at gas price zero, so balances do not depend on gas.
pub fn header() -> Header {
    Header { number: 7, base_fee: 0, ..manaflow_test_utils::header() }
}

pub fn runtime() -> EvmRuntime {
    EvmRuntime::new(Hardfork::Prague).with_guest(WasmVm::shared())
}

pub fn alice() -> Address {
    Address::repeat_byte(0xa1)
}

pub fn bob() -> Address {
    Address::repeat_byte(0xb0)
}

/// State plus the nonces of its senders; every execution is applied and re-executed.
pub struct Sandbox {
    pub view: MapView,
    nonces: HashMap<Address, u64>,
    txs: u64,
}

impl Sandbox {
    /// Alice and Bob with 1,000 ETH each.
    pub fn new() -> Self {
        let mut view = MapView::default();
        for (i, who) in [alice(), bob()].into_iter().enumerate() {
            let value = B256::from(U256::from(10u128.pow(21)));
            view.outputs.insert(StateKey::balance(who), Output { intx: B256::repeat_byte(i as u8 + 1), value });
        }
        Self { view, nonces: HashMap::new(), txs: 0 }
    }

    fn call_of(&self, from: Address, to: Option<Address>, input: Bytes, value: U256) -> Call {
        Call {
            tx_type: 2,
            caller: from,
            to,
            value,
            input,
            gas_limit: 10_000_000,
            max_fee_per_gas: 0,
            max_priority_fee_per_gas: Some(0),
            nonce: self.nonces.get(&from).copied().unwrap_or(0),
            chain_id: Some(CHAIN_ID),
            access_list: Default::default(),
            authorization_list: Vec::new(),
        }
    }

    /// Executes without applying (as `eth_call` does).
    pub fn simulate(&self, from: Address, to: Option<Address>, input: Bytes) -> Execution {
        let call = self.call_of(from, to, input, U256::ZERO);
        runtime().execute(&call, &header(), &Chain, &self.view).expect("executes")
    }

    /// Executes a tx, checks that re-execution against its declared moves reproduces it, and
    /// applies it.
    pub fn send(&mut self, from: Address, to: Option<Address>, input: Bytes, value: U256) -> Execution {
        let call = self.call_of(from, to, input, value);
        let execution = runtime().execute(&call, &header(), &Chain, &self.view).expect("executes");
        let codes: HashMap<B256, Bytes> = self
            .view
            .codes
            .clone()
            .into_iter()
            .chain(execution.codes.iter().map(|c| (keccak256(c), c.clone())))
            .collect();
        let lookup = |hash: &B256| codes.get(hash).cloned();
        let declared = DeclaredView::new(&execution.moves, &lookup);
        let again = runtime().execute(&call, &header(), &Chain, &declared).expect("re-executes on its declared moves");
        assert_eq!(again, execution, "stateless re-execution reproduces the execution");
        self.txs += 1;
        let id = keccak256(self.txs.to_be_bytes());
        self.view.apply(id, &execution.moves);
        for code in &execution.codes {
            self.view.codes.insert(keccak256(code), code.clone());
        }
        *self.nonces.entry(from).or_default() += 1;
        execution
    }

    /// Deploys `init` (module ‖ args, or EVM init code) from `from`; panics unless it succeeded.
    pub fn deploy(&mut self, from: Address, init: Bytes) -> Address {
        let execution = self.send(from, None, init, U256::ZERO);
        assert_eq!(execution.status, Status::Success, "deployment succeeds: {:?}", execution.output);
        execution.created.expect("a created address")
    }

    /// The word in `slot` of `address`.
    pub fn storage(&self, address: Address, slot: B256) -> B256 {
        self.view.value(&StateKey::storage(address, slot))
    }

    /// The code deployed at `address`.
    pub fn code(&self, address: Address) -> Bytes {
        let hash = self.view.value(&StateKey::code(address));
        self.view.codes.get(&hash).cloned().unwrap_or_default()
    }
}

/// A WAT test module, compiled and stripped of custom sections (deployed modules carry none).
pub fn wat(name: &str) -> Bytes {
    let path = format!("{}/../examples/wasm/wat/{name}.wat", env!("CARGO_MANIFEST_DIR"));
    let binary = wat::parse_file(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    strip_custom_sections(&binary).into()
}

fn strip_custom_sections(module: &[u8]) -> Vec<u8> {
    let mut out = module[..8].to_vec();
    let mut pos = 8;
    while pos < module.len() {
        let id = module[pos];
        let (mut size, mut shift, mut body) = (0usize, 0, pos + 1);
        loop {
            let byte = module[body];
            body += 1;
            size |= usize::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        if id != 0 {
            out.extend_from_slice(&module[pos..body + size]);
        }
        pos = body + size;
    }
    out
}

/// `bytes` with `words` appended (ABI-encoded constructor arguments of static types).
pub fn with_args(bytes: &Bytes, words: &[B256]) -> Bytes {
    let mut out = bytes.to_vec();
    for word in words {
        out.extend_from_slice(word.as_slice());
    }
    out.into()
}

/// The `Error(string)` reason in revert data, if that is what it is.
pub fn revert_reason(data: &[u8]) -> Option<String> {
    use alloy_sol_types::SolError;
    alloy_sol_types::Revert::abi_decode(data).ok().map(|r| r.reason)
}
