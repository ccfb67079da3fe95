// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice One basket entry, in one storage slot. Bit `j` of `pairMask` is set when a direct route
/// to the holding at index `j` exists. Index 0 is the base asset. What the vault owes of the token to
/// holders whose in-kind payment failed is not here but in the vault's `owed`, which outlives the entry:
/// a token delisted and listed again owes what it owed.
struct Holding {
    address token;
    uint16 targetBps;
    uint16 pairMask;
    uint8 decimals;
}
