// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Panic} from "@openzeppelin/contracts/utils/Panic.sol";

/// @title BasketMath
/// @notice Weights and drift of a basket whose holdings are valued in one unit.
library BasketMath {
    uint256 internal constant BPS = 10_000;

    /// @notice The sum of `weights` (basis points).
    function sum(uint16[] memory weights) internal pure returns (uint256 total) {
        for (uint256 i; i < weights.length; ++i) {
            total += weights[i];
        }
    }

    /// @notice Each holding's share of `total`, in basis points, rounded down. Zero total: all zero.
    function weightsBps(uint256[] memory values, uint256 total) internal pure returns (uint256[] memory weights) {
        weights = new uint256[](values.length);
        if (total == 0) return weights;
        for (uint256 i; i < values.length; ++i) {
            weights[i] = Math.mulDiv(values[i], BPS, total);
        }
    }

    /// @notice The largest absolute gap between a holding's weight and its target, in basis points,
    /// rounded down. An empty basket (zero total) has no drift.
    function driftBps(uint256[] memory values, uint16[] memory targetsBps, uint256 total)
        internal
        pure
        returns (uint256)
    {
        return drift(values, targetsBps, total, BPS);
    }

    /// @notice The same drift in `unit`ths of NAV (10,000 for basis points, 1e18 to compare two
    /// drifts that basis points would round to the same number), rounded down.
    function drift(uint256[] memory values, uint16[] memory targetsBps, uint256 total, uint256 unit)
        internal
        pure
        returns (uint256)
    {
        if (total == 0) return 0;
        uint256 widest;
        // The products below overflow exactly when a value exceeds maxValue or a target maxTarget: checked
        // by hand, once per holding, with the panic checked arithmetic raises (the compiler's own check
        // costs several times as much in this loop, which every rebalance runs four times).
        uint256 maxValue = type(uint256).max / BPS;
        uint256 maxTarget = type(uint256).max / total;
        for (uint256 i; i < values.length; ++i) {
            uint256 value = values[i];
            uint256 target = targetsBps[i];
            if (value > maxValue || target > maxTarget) Panic.panic(Panic.UNDER_OVERFLOW);
            unchecked {
                // Compare value * BPS with target * total to avoid rounding each weight first.
                (uint256 scaled, uint256 aimed) = (value * BPS, target * total);
                uint256 gap = scaled > aimed ? scaled - aimed : aimed - scaled;
                if (gap > widest) widest = gap;
            }
        }
        // Rounding down keeps the order of the gaps: the widest gap scaled is the largest scaled gap.
        return Math.mulDiv(widest, unit, total * BPS);
    }
}
