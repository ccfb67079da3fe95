// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice One basket entry, in one storage slot. Bit `j` of `pairMask` is set when a direct route
/// to the holding at index `j` exists. Index 0 is the base asset. `owes` is set while some of the
/// vault's balance of the token is owed to holders whose in-kind payment of it failed.
struct Holding {
    address token;
    uint16 targetBps;
    uint16 pairMask;
    uint8 decimals;
    bool owes;
}
