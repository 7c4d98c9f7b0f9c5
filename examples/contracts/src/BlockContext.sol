// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title BlockContext
/// @notice record() stores the block context seen by the executing transaction; getters return it.
/// live() returns the same values without storing them (for eth_call).
contract BlockContext {
    uint256 public number;
    uint256 public timestamp;
    uint256 public basefee;
    uint256 public blobbasefee;
    address public coinbase;
    uint256 public prevrandao;
    uint256 public gaslimit;
    uint256 public chainid;
    /// @notice blockhash(block.number - 1), or zero when recorded in block 0.
    bytes32 public parentHash;

    event Recorded(uint256 indexed number, uint256 timestamp, bytes32 parentHash);

    struct Context {
        uint256 number;
        uint256 timestamp;
        uint256 basefee;
        uint256 blobbasefee;
        address coinbase;
        uint256 prevrandao;
        uint256 gaslimit;
        uint256 chainid;
        bytes32 parentHash;
    }

    /// @notice Reads the current block context and stores it.
    function record() external {
        Context memory c = live();
        number = c.number;
        timestamp = c.timestamp;
        basefee = c.basefee;
        blobbasefee = c.blobbasefee;
        coinbase = c.coinbase;
        prevrandao = c.prevrandao;
        gaslimit = c.gaslimit;
        chainid = c.chainid;
        parentHash = c.parentHash;
        emit Recorded(c.number, c.timestamp, c.parentHash);
    }

    /// @notice All stored values, as recorded by the last record().
    function recorded() external view returns (Context memory) {
        return Context(number, timestamp, basefee, blobbasefee, coinbase, prevrandao, gaslimit, chainid, parentHash);
    }

    /// @notice The current block context, without storing it.
    function live() public view returns (Context memory c) {
        c.number = block.number;
        c.timestamp = block.timestamp;
        c.basefee = block.basefee;
        c.blobbasefee = block.blobbasefee;
        c.coinbase = block.coinbase;
        c.prevrandao = block.prevrandao;
        c.gaslimit = block.gaslimit;
        c.chainid = block.chainid;
        c.parentHash = block.number == 0 ? bytes32(0) : blockhash(block.number - 1);
    }
}
