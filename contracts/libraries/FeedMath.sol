// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title FeedMath
/// @notice Pure conversions for price feeds (Chainlink's shape: an integer answer with its own decimals):
/// the value of a token amount in another token through their prices in a common unit (USD), and the
/// distance of a price from a peg. Rounds down.
library FeedMath {
    uint256 internal constant BPS = 10_000;

    /// @notice `amount` of a token of `tokenDecimals` decimals priced at `price` (with `priceDecimals`
    /// decimals, in the common unit), in units of a base token of `baseDecimals` decimals priced at
    /// `basePrice` (with `basePriceDecimals` decimals, in the same unit).
    function convert(
        uint256 amount,
        uint8 tokenDecimals,
        uint256 price,
        uint8 priceDecimals,
        uint8 baseDecimals,
        uint256 basePrice,
        uint8 basePriceDecimals
    ) internal pure returns (uint256) {
        // value in the common unit, scaled to the token's decimals: amount × price / 10^priceDecimals
        uint256 common = Math.mulDiv(amount, price, 10 ** priceDecimals);
        // in base units: common × 10^baseDecimals × 10^basePriceDecimals / (10^tokenDecimals × basePrice)
        return Math.mulDiv(
            common, 10 ** (uint256(baseDecimals) + basePriceDecimals), (10 ** uint256(tokenDecimals)) * basePrice
        );
    }

    /// @notice A price quoted in a second asset (`price`, `priceDecimals`), in the common unit through that
    /// asset's own price (`via`, `viaDecimals`): a token/ETH feed times ETH/USD. Keeps `priceDecimals`.
    function chain(uint256 price, uint256 via, uint8 viaDecimals) internal pure returns (uint256) {
        return Math.mulDiv(price, via, 10 ** viaDecimals);
    }

    /// @notice How far, in basis points of the peg, `price` (with `decimals` decimals) stands from 1.
    function pegDistanceBps(uint256 price, uint8 decimals) internal pure returns (uint256) {
        uint256 one = 10 ** decimals;
        return Math.mulDiv(price > one ? price - one : one - price, BPS, one);
    }

    /// @notice How far apart, in basis points of the lower, `low` and `high` stand (`high` >= `low`);
    /// the largest number when `low` is zero and `high` is not.
    function spreadBps(uint256 low, uint256 high) internal pure returns (uint256) {
        if (low == 0) return high == 0 ? 0 : type(uint256).max;
        return Math.mulDiv(high - low, BPS, low);
    }
}
