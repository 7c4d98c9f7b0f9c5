//! Events: `LOG0`…`LOG4`, and Solidity's event encoding on top (topic 0 = keccak-256 of the
//! signature, indexed arguments as topics, the others ABI-encoded as data).

use crate::abi::{Encode, Token, encode};
use crate::{B256, const_keccak256, host, keccak256};

/// Topic 0 of a (non-anonymous) event: the keccak-256 of its canonical signature, e.g.
/// `"Transfer(address,address,uint256)"`. Use it in a `const` (the [`emit!`](crate::emit)
/// macro does) so it is computed at compile time.
pub const fn event_topic(signature: &str) -> B256 {
    const_keccak256(signature.as_bytes())
}

/// Emits a Solidity event: topics `topic0`, then one per `indexed` value (at most three: a
/// value type's word, or the keccak-256 of a `bytes`/`string`, as solc hashes indexed dynamic
/// values), and `data` ABI-encoded. Traps in a static call.
pub fn emit(topic0: B256, indexed: &[&dyn Encode], data: &[&dyn Encode]) {
    // More than three indexed values would need `LOG5`, which does not exist.
    assert!(indexed.len() <= 3, "an event has at most three indexed arguments");
    let mut topics = [[0u8; 32]; 4];
    topics[0] = topic0.0;
    for (topic, value) in topics[1..].iter_mut().zip(indexed) {
        *topic = match value.token() {
            Token::Word(word) => word.0,
            Token::Bytes(bytes) => keccak256(bytes).0,
        };
    }
    host::emit_log(&topics[..1 + indexed.len()], &encode(data));
}

/// A raw log (`LOG0`…`LOG4`: up to four topics, traps beyond and in a static call), e.g. for an
/// anonymous event.
pub fn log(topics: &[B256], data: &[u8]) {
    let words: alloc::vec::Vec<[u8; 32]> = topics.iter().map(|t| t.0).collect();
    host::emit_log(&words, data);
}

/// Emits a Solidity event given its signature, its indexed values and its other values:
/// `emit!("Transfer(address,address,uint256)", [from, to], [value])`. Topic 0 is computed at
/// compile time; see [`emit`](crate::log::emit) for the encoding.
#[macro_export]
macro_rules! emit {
    ($signature:literal, [$($indexed:expr),* $(,)?], [$($data:expr),* $(,)?] $(,)?) => {{
        const TOPIC0: $crate::B256 = $crate::log::event_topic($signature);
        $crate::log::emit(TOPIC0, &[$(&$indexed),*], &[$(&$data),*])
    }};
}
