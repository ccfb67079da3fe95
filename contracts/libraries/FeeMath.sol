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

    /// @notice The highest value per share the fee arithmetic works with: a share price this high (a donation
    /// of near 2^256 base units) is held here, so that no fee computation, and no view that counts the fees
    /// pending, can overflow.
    uint256 internal constant MAX_SHARE_PRICE = type(uint256).max / (WAD * BPS);

    /// @notice Value per share in 1e18ths of a base unit per share unit, rounded down (up with `ceil`), at
    /// most MAX_SHARE_PRICE. `supplyV` includes the virtual shares.
    function sharePrice(uint256 nav, uint256 supplyV) internal pure returns (uint256) {
        return sharePrice(nav, supplyV, Math.Rounding.Floor);
    }

    function sharePrice(uint256 nav, uint256 supplyV, Math.Rounding rounding) internal pure returns (uint256) {
        // nav / supplyV above MAX_SHARE_PRICE / WAD is above it in 1e18ths too: checked before multiplying.
        if (nav == type(uint256).max || nav / supplyV >= MAX_SHARE_PRICE / WAD) return MAX_SHARE_PRICE;
        return Math.min(Math.mulDiv(nav + 1, WAD, supplyV, rounding), MAX_SHARE_PRICE);
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
        // Both below MAX_SHARE_PRICE * BPS: no overflow.
        uint256 fee = (price - mark) * feeBps; // in 1e18ths of a base unit per share unit, times BPS
        shares = Math.mulDiv(supplyV, fee, price * BPS - fee);
        newMark = Math.max(sharePrice(nav, supplyV + shares, Math.Rounding.Ceil), mark);
    }

    /// @notice The mark after an entry of `shares` for `assets` (in base units) into a vault of `supplyV`
    /// shares (the virtual ones included) whose mark is `mark`: the share-weighted average of the mark and
    /// the price the new shares paid, rounded up; the mark when they paid no more than it. Pooling one mark
    /// over both then charges every later gain exactly as a mark per holder would: the old holders' above
    /// theirs, the new shares' above what they paid. The mark never falls.
    function markAfterEntry(uint256 mark, uint256 supplyV, uint256 assets, uint256 shares)
        internal
        pure
        returns (uint256)
    {
        if (shares == 0) return mark;
        uint256 paid = Math.min(Math.mulDiv(assets, WAD, shares), MAX_SHARE_PRICE);
        if (paid <= mark) return mark;
        return mark + Math.mulDiv(paid - mark, shares, supplyV + shares, Math.Rounding.Ceil);
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
