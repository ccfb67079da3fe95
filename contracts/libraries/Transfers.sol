// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title Transfers
/// @notice A token transfer that cannot take the caller down with it: it reports failure instead of
/// reverting, runs with a gas limit, and reads at most one word of what the token returns. For the
/// paths that must go on when one token misbehaves (in-kind exits, freeze probes).
library Transfers {
    /// @notice Gas a basket token's transfer may use on the paths that must not be blocked: ten times
    /// what a proxied stablecoin's transfer costs. A token that needs more fails there, and what it
    /// owed stays claimable through a call with no such limit.
    uint256 internal constant GAS_LIMIT = 300_000;

    /// @notice Whether `token.transfer(to, amount)` succeeded, as SafeERC20 judges it (no return value
    /// from a contract, or `true`), with at most GAS_LIMIT gas.
    function tryTransfer(address token, address to, uint256 amount) internal returns (bool ok) {
        bytes4 selector = IERC20.transfer.selector;
        uint256 gasLimit = GAS_LIMIT;
        assembly ("memory-safe") {
            // The call's data is written in scratch space and over the free memory pointer (put back after),
            // so that nothing is allocated; return data lands in scratch space and is capped at one word, so
            // that a token returning a huge blob cannot make the caller pay for copying it.
            let freeMemory := mload(0x40)
            mstore(0x00, selector)
            mstore(0x04, and(to, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(0x24, amount)
            let success := call(gasLimit, token, 0, 0x00, 0x44, 0x00, 0x20)
            let noData := and(iszero(returndatasize()), gt(extcodesize(token), 0))
            let returnedTrue := and(gt(returndatasize(), 31), eq(mload(0x00), 1))
            ok := and(success, or(noData, returnedTrue))
            mstore(0x40, freeMemory)
        }
    }
}
