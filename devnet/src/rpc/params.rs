//! Typed positional params ([`FromParams`], one [`FromParam`] per param), with errors that name
//! the param that was wrong, and block tags.
//!
//! The rules every method follows (the table in [`crate::rpc::methods`] declares the types):
//! - params are a JSON array, or absent/null (no params);
//! - a required param that is absent or null is `missing param {n} ({name})`, one that does not
//!   parse is `param {n} ({name}): {why}` (both −32602), `n` counting from 1;
//! - an `Option<T>` param may be absent or null;
//! - params beyond the declared ones are ignored;
//! - params are read in order, so the first wrong one is the one named.

use std::marker::PhantomData;

use alloy_eips::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, U64, U256};
use alloy_rpc_types_eth::{Filter, TransactionRequest};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::node::Node;
use crate::rpc::error::RpcError;

/// A request's positional params.
#[derive(Debug, Default)]
pub struct Params(Vec<Value>);

impl Params {
    /// Reads `params`: an array, or nothing.
    pub fn new(params: Value) -> Result<Self, RpcError> {
        match params {
            Value::Null => Ok(Self(Vec::new())),
            Value::Array(values) => Ok(Self(values)),
            _ => Err(RpcError::invalid_params("params must be an array of positional params")),
        }
    }

    /// Reads `params` leniently: anything but an array is no params (the WebSocket session
    /// methods have always read them so).
    pub fn lenient(params: Value) -> Self {
        match params {
            Value::Array(values) => Self(values),
            _ => Self::default(),
        }
    }

    /// Number of params given.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none were given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The params as the tuple `T` of declared types, the param at index `i` named `names[i]`.
    pub fn parse<T: FromParams>(self, names: &[&'static str]) -> Result<T, RpcError> {
        T::from_params(self, names)
    }
}

/// Where a param sits: its number (from 1) and its name, for error messages. An underscore in
/// the name reads as a space (`full_transactions` is "full transactions").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// The param's number, counting from 1.
    pub number: usize,
    /// The param's name as declared.
    pub name: &'static str,
}

impl Position {
    /// The name as errors spell it.
    pub fn label(self) -> String {
        self.name.replace('_', " ")
    }

    /// `missing param {n} ({name})`.
    pub fn missing(self) -> RpcError {
        RpcError::invalid_params(format!("missing param {} ({})", self.number, self.label()))
    }

    /// `param {n} ({name}): {why}`.
    pub fn invalid(self, why: impl std::fmt::Display) -> RpcError {
        RpcError::invalid_params(format!("param {} ({}): {why}", self.number, self.label()))
    }
}

/// A type one positional param is read as.
pub trait FromParam: Sized {
    /// Reads the param at `at`: `None` when it was not given.
    fn from_param(value: Option<Value>, at: Position) -> Result<Self, RpcError>;
}

/// An optional param: absent or null is `None`.
impl<T: DeserializeOwned> FromParam for Option<T> {
    fn from_param(value: Option<Value>, at: Position) -> Result<Self, RpcError> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(value) => serde_json::from_value(value).map(Some).map_err(|e| at.invalid(e)),
        }
    }
}

/// A block number or tag that may also come as a JSON integer (Otterscan sends `4`, where
/// Ethereum's API sends `"0x4"` or `"latest"`).
#[derive(Clone, Copy, Debug)]
pub struct BlockNumberParam(pub BlockNumberOrTag);

impl<'de> serde::Deserialize<'de> for BlockNumberParam {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Number(n) => n
                .as_u64()
                .map(|n| Self(BlockNumberOrTag::Number(n)))
                .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a block number"))),
            other => serde_json::from_value(other).map(Self).map_err(serde::de::Error::custom),
        }
    }
}

/// Required params: absent or null is missing.
macro_rules! required {
    ($($ty:ty),* $(,)?) => {
        $(
            impl FromParam for $ty {
                fn from_param(value: Option<Value>, at: Position) -> Result<Self, RpcError> {
                    Option::<$ty>::from_param(value, at)?.ok_or_else(|| at.missing())
                }
            }
        )*
    };
}

required!(
    bool,
    u64,
    String,
    Value,
    Address,
    B256,
    Bytes,
    U64,
    U256,
    BlockId,
    BlockNumberOrTag,
    TransactionRequest,
    Filter,
    alloy_rpc_types_eth::simulate::SimulatePayload,
    alloy_rpc_types_trace::filter::TraceFilter,
    Vec<alloy_rpc_types_trace::parity::TraceType>,
    BlockNumberParam,
);

/// A param kept as given and read only when the handler asks (`eth_subscribe` reads its filter
/// only for `logs`).
#[derive(Debug)]
pub struct Lazy<T> {
    value: Option<Value>,
    at: Position,
    read_as: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Lazy<T> {
    /// The param: `None` when absent; a null is read as `T` like any other value.
    pub fn read(self) -> Result<Option<T>, RpcError> {
        self.value.map(|value| serde_json::from_value(value).map_err(|e| self.at.invalid(e))).transpose()
    }
}

impl<T> FromParam for Lazy<T> {
    fn from_param(value: Option<Value>, at: Position) -> Result<Self, RpcError> {
        Ok(Self { value, at, read_as: PhantomData })
    }
}

/// The tuple of a method's declared param types, read from its positional params in order.
pub trait FromParams: Sized {
    /// Reads `params`, the param at index `i` named `names[i]`; params beyond the tuple are
    /// ignored.
    fn from_params(params: Params, names: &[&'static str]) -> Result<Self, RpcError>;
}

macro_rules! tuple_params {
    ($($ty:ident),*) => {
        impl<$($ty: FromParam),*> FromParams for ($($ty,)*) {
            #[allow(unused_mut, unused_variables, clippy::unused_unit)]
            fn from_params(params: Params, names: &[&'static str]) -> Result<Self, RpcError> {
                let mut values = params.0.into_iter();
                let mut positions = names.iter().enumerate().map(|(i, &name)| Position { number: i + 1, name });
                Ok(($($ty::from_param(values.next(), positions.next().expect("a name for each param"))?,)*))
            }
        }
    };
}

tuple_params!();
tuple_params!(A);
tuple_params!(A, B);
tuple_params!(A, B, C);
tuple_params!(A, B, C, D);

/// `value` as JSON.
pub fn to_json<T: Serialize>(value: T) -> Result<Value, RpcError> {
    serde_json::to_value(value).map_err(RpcError::internal)
}

/// The height a block id names; `latest`, `pending`, `safe` and `finalized` are the tip
/// (blocks are final on a devnet).
pub fn height_of(node: &Node, id: Option<BlockId>) -> Result<u64, RpcError> {
    match id {
        None => Ok(node.height()),
        Some(BlockId::Number(tag)) => height_of_tag(node, tag),
        Some(BlockId::Hash(hash)) => node
            .number_of(&hash.block_hash)
            .ok_or_else(|| RpcError::server(format!("block {} not found", hash.block_hash))),
    }
}

/// The height a block tag or number names.
pub fn height_of_tag(node: &Node, tag: BlockNumberOrTag) -> Result<u64, RpcError> {
    let tip = node.height();
    match tag {
        BlockNumberOrTag::Earliest => Ok(0),
        BlockNumberOrTag::Number(n) if n <= tip => Ok(n),
        BlockNumberOrTag::Number(n) => {
            Err(RpcError::server(format!("header not found: block {n} is beyond the latest block {tip}")))
        }
        _ => Ok(tip),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse<T: FromParams>(params: Value, names: &[&'static str]) -> Result<T, String> {
        Params::new(params).and_then(|p| p.parse(names)).map_err(|e| e.message)
    }

    #[test]
    fn required_optional_and_extra_params() {
        let a = Address::repeat_byte(1);
        let (address, block): (Address, Option<BlockId>) = parse(json!([a]), &["address", "block"]).unwrap();
        assert_eq!((address, block), (a, None));
        let (_, block): (Address, Option<BlockId>) = parse(json!([a, null]), &["address", "block"]).unwrap();
        assert_eq!(block, None);
        let (_, block): (Address, Option<BlockId>) = parse(json!([a, "0x1", "extra"]), &["address", "block"]).unwrap();
        assert_eq!(block, Some(BlockId::number(1)));
        let () = parse(json!(["ignored"]), &[]).unwrap();
        let () = parse(Value::Null, &[]).unwrap();
    }

    #[test]
    fn errors_name_the_param() {
        let names = &["address", "full_transactions"];
        let missing = parse::<(Address, bool)>(json!([]), names).unwrap_err();
        assert_eq!(missing, "invalid params: missing param 1 (address)");
        let null = parse::<(Address, bool)>(json!([Address::ZERO, null]), names).unwrap_err();
        assert_eq!(null, "invalid params: missing param 2 (full transactions)");
        let wrong = parse::<(Address, bool)>(json!([Address::ZERO, "yes"]), names).unwrap_err();
        assert_eq!(
            wrong,
            "invalid params: param 2 (full transactions): invalid type: string \"yes\", expected a boolean"
        );
        let first = parse::<(Address, bool)>(json!(["0x", "yes"]), names).unwrap_err();
        assert!(first.starts_with("invalid params: param 1 (address): "), "{first}");
        let object = parse::<()>(json!({"a": 1}), &[]).unwrap_err();
        assert_eq!(object, "invalid params: params must be an array of positional params");
    }

    #[test]
    fn lazy_params_and_lenient_params() {
        let (kind, filter): (String, Lazy<U256>) =
            Params::lenient(json!(["logs", null])).parse(&["kind", "filter"]).unwrap();
        assert_eq!(kind, "logs");
        assert!(filter.read().unwrap_err().message.starts_with("invalid params: param 2 (filter): "));
        let (filter,): (Lazy<U256>,) = Params::lenient(json!({"a": 1})).parse(&["filter"]).unwrap();
        assert_eq!(filter.read().unwrap(), None);
        let (filter,): (Lazy<U256>,) = Params::lenient(json!([3])).parse(&["filter"]).unwrap();
        assert_eq!(filter.read().unwrap(), Some(U256::from(3)));
    }
}
