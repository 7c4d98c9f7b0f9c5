// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Reverter} from "./Reverter.sol";

/// @title Router
/// @notice Makes calls to two different contracts inside one transaction. The caller must have
/// approved this router on the tokens beforehand.
contract Router {
    /// @notice Raised when a token's transferFrom returns false instead of reverting.
    error TransferFailed(address token, address from, address to, uint256 amount);

    event TwoTransfers(address indexed tokenA, address indexed tokenB, address indexed to, uint256 a, uint256 b);

    /// @notice transferFrom(msg.sender, to, a) on tokenA, then transferFrom(msg.sender, to, b) on tokenB.
    function twoTransfers(address tokenA, address tokenB, address to, uint256 a, uint256 b) external {
        _pull(tokenA, to, a);
        _pull(tokenB, to, b);
        emit TwoTransfers(tokenA, tokenB, to, a, b);
    }

    /// @notice Performs the first transfer on tokenA, then calls Reverter(reverter).alwaysReverts(b),
    /// which reverts with Reverter.Rejected(address(this), b, "always reverts"). The revert data is
    /// bubbled up unchanged, so the whole transaction reverts and the first transfer does not survive.
    function twoTransfersSecondReverts(address tokenA, address reverter, address to, uint256 a, uint256 b)
        external
    {
        _pull(tokenA, to, a);
        Reverter(reverter).alwaysReverts(b);
        emit TwoTransfers(tokenA, reverter, to, a, b); // unreachable
    }

    function _pull(address token, address to, uint256 amount) private {
        if (!IERC20(token).transferFrom(msg.sender, to, amount)) {
            revert TransferFailed(token, msg.sender, to, amount);
        }
    }
}
