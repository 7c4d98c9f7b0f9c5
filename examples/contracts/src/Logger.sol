// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Logger
/// @notice Prints with Hardhat's console.log ABI: calls to the console address with the
/// `log(...)` selectors of `console.sol` (staticcall, as console.sol does), from a tx and a view.
contract Logger {
    address private constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    uint256 public count;

    /// @notice Adds `n` to the count and logs it (a format string, then mixed arguments).
    function add(uint256 n) external returns (uint256) {
        count += n;
        _log(abi.encodeWithSignature("log(string,uint256)", "count is now %d", count));
        _log(abi.encodeWithSignature("log(string,address,bool)", "sender", msg.sender, true));
        return count;
    }

    /// @notice Logs and returns the count without changing it.
    function peek() external view returns (uint256) {
        _log(abi.encodeWithSignature("log(string)", "peeking"));
        return count;
    }

    function _log(bytes memory payload) private view {
        (bool ok, ) = CONSOLE.staticcall(payload);
        ok;
    }
}
