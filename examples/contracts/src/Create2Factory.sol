// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Create2Factory
/// @notice Deploys arbitrary creation code with CREATE2 and predicts the resulting address.
contract Create2Factory {
    /// @notice CREATE2 returned the zero address (constructor reverted, collision, or empty code).
    error DeployFailed(bytes32 salt, bytes32 codeHash);

    event Deployed(address indexed addr, bytes32 indexed salt, bytes32 codeHash);

    /// @notice Deploys `code` (creation bytecode, constructor args appended) with CREATE2 and `salt`.
    function deploy(bytes32 salt, bytes memory code) external payable returns (address addr) {
        assembly ("memory-safe") {
            addr := create2(callvalue(), add(code, 0x20), mload(code), salt)
        }
        bytes32 codeHash = keccak256(code);
        if (addr == address(0)) {
            revert DeployFailed(salt, codeHash);
        }
        emit Deployed(addr, salt, codeHash);
    }

    /// @notice keccak256(0xff ++ address(this) ++ salt ++ codeHash)[12:]
    function computeAddress(bytes32 salt, bytes32 codeHash) external view returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, codeHash)))));
    }
}
