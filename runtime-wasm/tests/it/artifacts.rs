//! The committed contracts the tests deploy: Solidity artifacts (`examples/contracts`) and WASM
//! modules (`examples/wasm`), and their interfaces.

use alloy_primitives::Bytes;
pub use manaflow_test_utils::solidity;

/// The deployable module of WASM contract `name`.
pub fn wasm(name: &str) -> Bytes {
    let path = format!("{}/../examples/wasm/artifacts/{name}.wasm", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")).into()
}

alloy_sol_types::sol! {
    /// TestToken, and the SDK's ERC20 with the same ABI.
    interface IToken {
        event Transfer(address indexed from, address indexed to, uint256 value);
        event Approval(address indexed owner, address indexed spender, uint256 value);
        function balanceOf(address account) external view returns (uint256 amount);
        function transfer(address to, uint256 value) external returns (bool ok);
        function approve(address spender, uint256 value) external returns (bool ok);
        function transferFrom(address from, address to, uint256 value) external returns (bool ok);
        function mint(address to, uint256 amount) external;
    }

    /// Forwarder (EVM) and its WASM counterpart's shared surface.
    interface IForwarder {
        function forward(address target, bytes data) external returns (bytes out);
        function forwardStatic(address target, bytes data) external returns (bytes out);
        function forwardDelegate(address target, bytes data) external returns (bytes out);
        function setValue(uint256 value) external;
        function value() external view returns (uint256 current);
    }

    /// The WASM relay.
    interface IRelay {
        function relay(address target, bytes data) external returns (bytes out);
        function relayStatic(address target, bytes data) external returns (bytes out);
        function relayDelegate(address target, bytes data) external returns (bytes out);
        function setValue(uint256 value) external;
        function value() external view returns (uint256 current);
        function deploy(bytes initcode) external returns (address created);
        function deploy2(bytes32 salt, bytes initcode) external returns (address created);
        function context() external view returns (uint256 chainId, uint256 number, uint256 timestamp, uint256 baseFee, address coinbase, uint256 gasLimit, bytes32 prevHash);
    }

    /// Router (EVM): two pulls, the second of which may revert.
    interface IRouter {
        function twoTransfersSecondReverts(address tokenA, address reverter, address to, uint256 a, uint256 b) external;
    }

    /// Child (EVM), made by a create.
    interface IChild {
        function value() external view returns (uint256 current);
    }
}
