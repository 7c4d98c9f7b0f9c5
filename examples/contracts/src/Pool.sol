// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Pool
/// @notice A constant-product AMM (x * y = k, 0.3% fee) over two internal assets, A and B. Every
/// account can draw a fixed grant of both from `faucet()` once; `swapAForB` trades A for B with a
/// slippage bound. The reserves are the contested state that many swaps in one block all touch;
/// each trader's balances are uncontested.
contract Pool {
    /// @notice Raised when a swap would pay out less than the caller's bound.
    error Slippage(uint256 out, uint256 minOut);
    /// @notice Raised when the caller holds less A than it offers.
    error InsufficientBalance(uint256 balance, uint256 needed);
    /// @notice Raised when an account draws the faucet twice.
    error AlreadyFunded(address account);

    event Swap(address indexed trader, uint256 amountIn, uint256 amountOut, uint256 reserveA, uint256 reserveB);

    uint256 public constant GRANT = 1_000 ether;

    uint256 public reserveA;
    uint256 public reserveB;
    mapping(address => uint256) public balanceA;
    mapping(address => uint256) public balanceB;
    mapping(address => bool) public funded;

    constructor(uint256 initialA, uint256 initialB) {
        reserveA = initialA;
        reserveB = initialB;
    }

    /// @notice Grants the caller GRANT of A and of B, once.
    function faucet() external {
        if (funded[msg.sender]) revert AlreadyFunded(msg.sender);
        funded[msg.sender] = true;
        balanceA[msg.sender] += GRANT;
        balanceB[msg.sender] += GRANT;
    }

    /// @notice What `amountIn` of A buys now.
    function quote(uint256 amountIn) public view returns (uint256) {
        uint256 inWithFee = amountIn * 997;
        return (inWithFee * reserveB) / (reserveA * 1000 + inWithFee);
    }

    /// @notice Swaps `amountIn` of A for at least `minOut` of B.
    function swapAForB(uint256 amountIn, uint256 minOut) external returns (uint256 out) {
        uint256 balance = balanceA[msg.sender];
        if (balance < amountIn) revert InsufficientBalance(balance, amountIn);
        out = quote(amountIn);
        if (out < minOut) revert Slippage(out, minOut);
        balanceA[msg.sender] = balance - amountIn;
        balanceB[msg.sender] += out;
        reserveA += amountIn;
        reserveB -= out;
        emit Swap(msg.sender, amountIn, out, reserveA, reserveB);
    }
}
