// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Reverter
/// @notice A contract whose functions always revert, one per kind of revert data:
/// a custom error with arguments, Error(string), Panic(uint256), and empty revert data.
contract Reverter {
    /// @notice Custom error with arguments, for revert-data decoding tests.
    error Rejected(address caller, uint256 value, string reason);

    /// @notice Always reverts with Rejected(msg.sender, value, "always reverts").
    function alwaysReverts(uint256 value) external view {
        revert Rejected(msg.sender, value, "always reverts");
    }

    /// @notice Always reverts with Error(string) carrying `reason`.
    function revertWithReason(string calldata reason) external pure {
        revert(reason);
    }

    /// @notice Always reverts with Panic(0x12) (division by zero).
    function panicDivByZero(uint256 numerator) external pure returns (uint256) {
        uint256 zero = 0;
        return numerator / zero;
    }

    /// @notice Always reverts with empty revert data.
    function revertEmpty() external pure {
        revert();
    }
}
