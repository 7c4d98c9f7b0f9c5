// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Child
/// @notice Tiny contract created by Deployer (CREATE) and usable as CREATE2 payload.
contract Child {
    address public immutable creator;
    uint256 public value;

    constructor(uint256 initialValue) {
        creator = msg.sender;
        value = initialValue;
    }

    function setValue(uint256 newValue) external {
        value = newValue;
    }
}

/// @title Deployer
/// @notice Its constructor deploys a Child with `new` (CREATE, nonce 1) and stores the address.
contract Deployer {
    uint256 public constant CHILD_INITIAL_VALUE = 42;

    address public child;

    event ChildCreated(address indexed child, uint256 value);

    constructor() {
        child = address(new Child(CHILD_INITIAL_VALUE));
        emit ChildCreated(child, CHILD_INITIAL_VALUE);
    }

    /// @notice Creates another Child with CREATE from a regular call.
    function createChild(uint256 initialValue) external returns (address created) {
        created = address(new Child(initialValue));
        emit ChildCreated(created, initialValue);
    }
}
