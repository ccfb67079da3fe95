// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {FixedPointMathLib} from "solady/src/utils/FixedPointMathLib.sol";

/// @title FeeMath
/// @notice The fee formulas, pure. Every result is rounded in the holders' favour: no more fee is minted
/// than accrued.
/// @dev A share's value is measured as the vault's ERC-4626 conversions measure it, with the virtual
/// shares and the virtual unit of assets: `(nav + 1) / (supply + virtual shares)`.
library FeeMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant YEAR = 365 days;

    /// @notice Value per share in 1e18ths of a base unit per share unit, rounded down. `supplyV`
    /// includes the virtual shares.
    function sharePrice(uint256 nav, uint256 supplyV) internal pure returns (uint256) {
        return Math.mulDiv(nav + 1, WAD, supplyV);
    }

    /// @notice Shares to mint so that a yearly fee of `feeBps`, accrued continuously over `elapsed`
    /// seconds, leaves holders exactly `exp(-rate * elapsed / year)` of the vault (rounded down). The
    /// result does not depend on how often it is accrued: two accruals over t1 and t2 mint what one
    /// over t1 + t2 would. `supply` is the real supply (virtual shares pay no fee).
    function managementShares(uint256 supply, uint256 feeBps, uint256 elapsed) internal pure returns (uint256) {
        if (supply == 0 || feeBps == 0 || elapsed == 0) return 0;
        // At least 3,170 (one basis point for one second): the growth below exceeds one by that much.
        uint256 x = feeBps * elapsed * WAD / (BPS * YEAR);
        // expWad is accurate to about 1e-18 either way: one wei less keeps the rounding on holders' side.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 growth = uint256(FixedPointMathLib.expWad(int256(x)));
        return Math.mulDiv(supply, growth - WAD - 1, WAD);
    }

    /// @notice Shares to mint so that holders pay `feeBps` of the gain of value per share above `mark`,
    /// and the mark after. `nav` is NAV at the lowest of the oracle's references; `supplyV` includes the
    /// virtual shares. After the mint a share is worth `price - fee` exactly (to rounding, in holders'
    /// favour) and that becomes the mark, rounded up, so that no gain is charged twice. Below the mark
    /// nothing is due and the mark stays: a loss must be recovered before a fee is charged again.
    function performanceShares(uint256 nav, uint256 supplyV, uint256 mark, uint256 feeBps)
        internal
        pure
        returns (uint256 shares, uint256 newMark)
    {
        uint256 price = sharePrice(nav, supplyV);
        if (price <= mark) return (0, mark);
        if (feeBps == 0) return (0, price);
        uint256 fee = (price - mark) * feeBps; // in 1e18ths of a base unit per share unit, times BPS
        shares = Math.mulDiv(supplyV, fee, price * BPS - fee);
        newMark = Math.mulDiv(nav + 1, WAD, supplyV + shares, Math.Rounding.Ceil);
    }

    /// @notice The gas to repay for a rebalance that used `gasUsed`: at most `maxGas`, and no more than
    /// what is left of `maxGasPerDay` after `paidToday`.
    function keeperGas(uint256 gasUsed, uint256 maxGas, uint256 maxGasPerDay, uint256 paidToday)
        internal
        pure
        returns (uint256)
    {
        uint256 left = maxGasPerDay > paidToday ? maxGasPerDay - paidToday : 0;
        return Math.min(Math.min(gasUsed, maxGas), left);
    }

    /// @notice What `gas` is worth in wei at `baseFee` (in wei, capped at `capGwei` gwei), plus a tip of
    /// `tipBps` of it, rounded down; and the base fee applied.
    function keeperWei(uint256 gas, uint256 baseFee, uint256 capGwei, uint256 tipBps)
        internal
        pure
        returns (uint256 amount, uint256 fee)
    {
        fee = Math.min(baseFee, capGwei * 1 gwei);
        amount = gas * fee * (BPS + tipBps) / BPS;
    }
}
