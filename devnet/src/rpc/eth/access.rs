//! `eth_createAccessList`, read off the moves, and `eth_getProof`, which this chain cannot give.
//!
//! A tx's moves name every piece of state it touched, so its access list is there already:
//! every storage key (`s` moves), and every other account it touched, leaving out — as geth's
//! access-list tracer does — the sender, the recipient (or the created contract) and the
//! precompiles, which are warm anyway. The gas reported is that of the tx sent with the list.

use std::collections::{BTreeMap, BTreeSet};

use alloy_eips::BlockId;
use alloy_eips::eip2930::{AccessList, AccessListItem};
use alloy_primitives::{Address, B256, U64};
use alloy_rpc_types_eth::TransactionRequest;
use manaflow_types::{Call, Mark, Move, Status};
use serde_json::{Value, json};

use super::{exec_error, request_call};
use crate::node::Node;
use crate::rpc::Rpc;
use crate::rpc::error::RpcError;
use crate::rpc::params::height_of;

/// The highest precompile address of the hardforks this node runs (Prague: 0x01 to 0x11).
const LAST_PRECOMPILE: u8 = 0x11;

/// Whether `address` is a precompile.
fn is_precompile(address: &Address) -> bool {
    address.0[..19].iter().all(|b| *b == 0) && (1..=LAST_PRECOMPILE).contains(&address.0[19])
}

/// The access list `moves` add up to for `call` (see the module's rules).
pub fn access_list(call: &Call, moves: &[Move]) -> AccessList {
    let target = call.to.unwrap_or_else(|| call.caller.create(call.nonce));
    let excluded = |address: &Address| *address == call.caller || *address == target || is_precompile(address);
    let mut entries: BTreeMap<Address, BTreeSet<B256>> = BTreeMap::new();
    for m in moves {
        match m.mark {
            Mark::Context => {}
            Mark::Storage => {
                entries.entry(m.addr).or_default().insert(m.slot);
            }
            _ if !excluded(&m.addr) => {
                entries.entry(m.addr).or_default();
            }
            _ => {}
        }
    }
    AccessList(
        entries
            .into_iter()
            .map(|(address, keys)| AccessListItem { address, storage_keys: keys.into_iter().collect() })
            .collect(),
    )
}

/// `eth_createAccessList`: the tx's access list and the gas it uses when sent with it; a tx that
/// fails still gets its list, with `error` saying why.
pub fn create_access_list(
    _rpc: &Rpc,
    node: &Node,
    transaction: TransactionRequest,
    block: Option<BlockId>,
) -> Result<Value, RpcError> {
    let height = height_of(node, block)?;
    let mut call = request_call(node, &transaction, height)?;
    let execution = node.simulate(&call, height).map_err(exec_error)?;
    let list = access_list(&call, &execution.moves);
    call.access_list = list.clone();
    if call.tx_type == 0 {
        call.tx_type = 1;
    }
    let with_list = node.simulate(&call, height).map_err(exec_error)?;
    let mut answer = json!({"accessList": list, "gasUsed": U64::from(with_list.gas_used)});
    match &with_list.status {
        Status::Success => {}
        Status::Revert => answer["error"] = json!("execution reverted"),
        Status::Halt(reason) => answer["error"] = json!(format!("execution halted: {reason}")),
    }
    Ok(answer)
}

/// `eth_getProof`: refused, saying why. A Manaflow chain keeps its state as a UTXO set committed
/// by a multiset hash, not in a Merkle-Patricia trie, so there is no account or storage proof.
pub fn get_proof(_rpc: &Rpc, address: Address, _keys: Value, _block: Option<Value>) -> Result<Value, RpcError> {
    Err(RpcError::server(format!(
        "eth_getProof cannot prove {address}: this chain keeps its state as a UTXO set committed by a \
         multiset hash (the header's stateRoot), not in a Merkle-Patricia trie, so there are no account \
         or storage proofs; read a value and the tx that created it with manaflow_getOutput"
    )))
}
