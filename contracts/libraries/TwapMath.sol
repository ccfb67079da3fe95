// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {TickMath} from "uniswap-v3-core-08/contracts/libraries/TickMath.sol";

/// @title TwapMath
/// @notice Reads time-weighted average ticks from Uniswap V3 pools and converts amounts at a tick or
/// at a square-root price. Every conversion rounds down.
library TwapMath {
    /// @notice The pool cannot report a tick `windowSeconds` ago: too little history, or the
    /// window is zero.
    error TwapUnavailable(address pool, uint32 windowSeconds);

    /// @notice The arithmetic mean tick of `pool` over the last `windowSeconds`, rounded toward
    /// negative infinity as Uniswap's own oracle library does.
    function meanTick(IUniswapV3Pool pool, uint32 windowSeconds) internal view returns (int24 tick) {
        if (windowSeconds == 0) revert TwapUnavailable(address(pool), windowSeconds);
        uint32[] memory secondsAgos = new uint32[](2);
        secondsAgos[0] = windowSeconds;
        int56[] memory cumulatives;
        try pool.observe(secondsAgos) returns (int56[] memory c, uint160[] memory) {
            cumulatives = c;
        } catch {
            revert TwapUnavailable(address(pool), windowSeconds);
        }
        int56 delta = cumulatives[1] - cumulatives[0];
        int56 window = int56(uint56(windowSeconds));
        // Ticks are within +-887272, so the mean fits in int24.
        tick = int24(delta / window);
        if (delta < 0 && delta % window != 0) tick--;
    }

    /// @notice The current square-root price of `pool`.
    function spotSqrtPriceX96(IUniswapV3Pool pool) internal view returns (uint160 sqrtPriceX96) {
        (sqrtPriceX96,,,,,,) = pool.slot0();
    }

    /// @notice Converts `amountIn` of the pool token `zeroForOne` names as input into the other token
    /// at `tick`.
    function quoteAtTick(int24 tick, uint256 amountIn, bool zeroForOne) internal pure returns (uint256) {
        return quoteAtSqrtPrice(TickMath.getSqrtRatioAtTick(tick), amountIn, zeroForOne);
    }

    /// @notice Converts `amountIn` at a square-root price (token1 per token0, Q64.96). With
    /// `zeroForOne`, `amountIn` is of token0 and the result of token1; otherwise the reverse.
    function quoteAtSqrtPrice(uint160 sqrtPriceX96, uint256 amountIn, bool zeroForOne)
        internal
        pure
        returns (uint256)
    {
        // Square the price in as many bits as fit: X192 while sqrtPrice < 2^128, X128 above.
        if (sqrtPriceX96 <= type(uint128).max) {
            uint256 ratioX192 = uint256(sqrtPriceX96) * sqrtPriceX96;
            return zeroForOne ? Math.mulDiv(ratioX192, amountIn, 1 << 192) : Math.mulDiv(1 << 192, amountIn, ratioX192);
        }
        uint256 ratioX128 = Math.mulDiv(sqrtPriceX96, sqrtPriceX96, 1 << 64);
        return zeroForOne ? Math.mulDiv(ratioX128, amountIn, 1 << 128) : Math.mulDiv(1 << 128, amountIn, ratioX128);
    }
}
