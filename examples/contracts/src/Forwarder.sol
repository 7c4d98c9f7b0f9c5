// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Forwarder
/// @notice The EVM counterpart of the WASM `relay` (examples/wasm/relay), for cross-runtime tests:
/// forwards a call of each kind and bubbles the callee's revert data unchanged. `value` at slot 0
/// lets a delegate call visibly write this contract's storage.
contract Forwarder {
    uint256 public value;

    function setValue(uint256 newValue) external {
        value = newValue;
    }

    /// @notice CALL `target` with `data` (no value); returns its return data.
    function forward(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call(data);
        return _result(ok, ret);
    }

    /// @notice STATICCALL `target` with `data`; returns its return data.
    function forwardStatic(address target, bytes calldata data) external view returns (bytes memory) {
        (bool ok, bytes memory ret) = target.staticcall(data);
        return _result(ok, ret);
    }

    /// @notice DELEGATECALL `target` with `data`: its code on this contract's storage.
    function forwardDelegate(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = target.delegatecall(data);
        return _result(ok, ret);
    }

    /// @dev The return data on success; otherwise reverts with the callee's revert data as is.
    function _result(bool ok, bytes memory ret) private pure returns (bytes memory) {
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }
}
