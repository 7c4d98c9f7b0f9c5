// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestToken
/// @notice Plain OpenZeppelin ERC20 ("Test Token" / "TT", 18 decimals) for tests.
/// The deployer receives INITIAL_SUPPLY; anyone may mint more (test-only, no access control).
contract TestToken is ERC20 {
    uint256 public constant INITIAL_SUPPLY = 1_000_000 * 10 ** 18;

    constructor() ERC20("Test Token", "TT") {
        _mint(msg.sender, INITIAL_SUPPLY);
    }

    /// @notice Unrestricted mint, for tests only.
    function mint(address to, uint256 amount) public {
        _mint(to, amount);
    }
}
