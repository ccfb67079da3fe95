// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice One basket entry, in one storage slot. Bit `j` of `pairMask` is set when a direct route
/// to the holding at index `j` exists. `directFee` is the fee tier of the one pool of the holding's swap
/// path when that path is one hop to the base asset (the common case: the path is then known without
/// reading it), and 0 when the path is longer (read from the vault's `swapPaths`, which keeps every path).
/// Index 0 is the base asset. What the vault owes of the token to holders whose in-kind payment failed is
/// not here but in the vault's `owed`, which outlives the entry: a token delisted and listed again owes
/// what it owed.
struct Holding {
    address token;
    uint16 targetBps;
    uint16 pairMask;
    uint8 decimals;
    uint24 directFee;
}
