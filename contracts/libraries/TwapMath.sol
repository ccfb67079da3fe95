// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IUniswapV3PoolDerivedState} from "@uniswap/v3-core/contracts/interfaces/pool/IUniswapV3PoolDerivedState.sol";
import {IUniswapV3PoolState} from "@uniswap/v3-core/contracts/interfaces/pool/IUniswapV3PoolState.sol";
import {TickMath} from "uniswap-v3-core-08/contracts/libraries/TickMath.sol";

/// @title TwapMath
/// @notice Reads a Uniswap V3 pool's prices that no transaction can move within its own block (the
/// time-weighted average tick over a window, and the tick the block opened at), the harmonic mean of
/// its in-range liquidity, and converts amounts at a tick or at a square-root price. Every conversion
/// rounds down.
/// @dev Why a pool's observations resist a push within a block: a pool writes at most one observation
/// per block, at the first swap that changes its tick (or the first in-range mint or burn), and that
/// observation accumulates the tick that prevailed *before* the block's first such action. A price
/// pushed within a block therefore enters the record only from the next block on.
library TwapMath {
    /// @notice The pool cannot report its price `windowSeconds` ago: too little history, or the window
    /// is zero. For the block's opening price (`windowSeconds` = 1), the pool keeps one observation.
    error TwapUnavailable(address pool, uint32 windowSeconds);

    /// @notice The pool's mean tick over each of the last `intervals` stretches of `intervalSeconds`,
    /// oldest first, from its observations (what the pool recorded, never its spot). Reverts with
    /// TwapUnavailable when the pool's history is shorter than `intervals * intervalSeconds`.
    function intervalMeanTicks(IUniswapV3Pool pool, uint32 intervalSeconds, uint256 intervals)
        internal
        view
        returns (int256[] memory means)
    {
        uint32[] memory secondsAgos = new uint32[](intervals + 1);
        for (uint256 i; i <= intervals; ++i) {
            // At most MAX_INTERVALS * 1 day: fits a uint32.
            // forge-lint: disable-next-line(unsafe-typecast)
            secondsAgos[i] = uint32((intervals - i) * intervalSeconds);
        }
        int56[] memory cumulatives;
        try pool.observe(secondsAgos) returns (int56[] memory ticks, uint160[] memory) {
            cumulatives = ticks;
        } catch {
            // Intervals * 1 day at most: fits.
            // forge-lint: disable-next-line(unsafe-typecast)
            revert TwapUnavailable(address(pool), uint32(intervals * intervalSeconds));
        }
        means = new int256[](intervals);
        for (uint256 i; i < intervals; ++i) {
            means[i] = int256(cumulatives[i + 1] - cumulatives[i]) / int256(uint256(intervalSeconds));
        }
    }

    /// @notice Realised volatility, annualised, in basis points, of a price whose mean tick over
    /// consecutive stretches of `intervalSeconds` was `means`: the root mean square of the changes from
    /// one stretch to the next (one tick is a 0.01% move of price), scaled by sqrt(year / interval).
    /// Averages over stretches smooth the moves within them, so this reads low against a volatility
    /// measured from prices at each instant; a threshold scaled by it is calibrated the same way.
    function annualisedVolatilityBps(int256[] memory means, uint32 intervalSeconds) internal pure returns (uint256) {
        uint256 n = means.length;
        if (n < 2) return 0;
        uint256 sumSq;
        for (uint256 i = 1; i < n; ++i) {
            uint256 change = SignedMath.abs(means[i] - means[i - 1]);
            sumSq += change * change;
        }
        // ln(1.0001) is 0.99995 bps: a tick is a basis point to 0.005%.
        return Math.sqrt(sumSq * 365 days / ((n - 1) * intervalSeconds));
    }

    /// @notice The arithmetic mean tick of `pool` over the last `windowSeconds`, rounded toward negative
    /// infinity as Uniswap's own oracle library does, and the harmonic mean of the pool's in-range
    /// liquidity over the same window.
    function consult(IUniswapV3Pool pool, uint32 windowSeconds)
        internal
        view
        returns (int24 tick, uint128 harmonicMeanLiquidity)
    {
        if (windowSeconds == 0) revert TwapUnavailable(address(pool), windowSeconds);
        (bool ok, int56 tickCumulativeThen, int56 tickCumulativeNow, uint160 liquidityThen, uint160 liquidityNow) =
            _observe(pool, windowSeconds);
        if (!ok) revert TwapUnavailable(address(pool), windowSeconds);
        tick = _meanTick(tickCumulativeNow - tickCumulativeThen, windowSeconds);
        uint160 secondsPerLiquidityX128;
        // The accumulator is meant to wrap: Uniswap's own consumers subtract it modulo 2^160.
        unchecked {
            secondsPerLiquidityX128 = liquidityNow - liquidityThen;
        }
        // window / (integral of 1/L dt), in Q128: (window << 128) / delta. A delta of zero cannot occur
        // over a non-empty window (the pool adds at least one per second); it is read as unbounded depth.
        uint256 harmonic = secondsPerLiquidityX128 == 0
            ? type(uint128).max
            : (uint256(windowSeconds) << 128) / secondsPerLiquidityX128;
        harmonicMeanLiquidity = uint128(Math.min(harmonic, type(uint128).max));
    }

    /// @notice The arithmetic mean tick of `pool` over the last `windowSeconds`.
    function meanTick(IUniswapV3Pool pool, uint32 windowSeconds) internal view returns (int24 tick) {
        (tick,) = consult(pool, windowSeconds);
    }

    /// @notice The tick `pool` stood at when the current block opened (on chains that put several blocks
    /// in one second: when the current second began), and where it stands now: its current tick and
    /// square-root price. A swap earlier in this block moves the current price, never the opening one.
    /// @dev When the pool has written an observation at this timestamp, the tick that prevailed since
    /// its previous observation is read from the two; otherwise nothing has changed the tick in this
    /// block, and the current tick is the opening one.
    function openAndSpot(IUniswapV3Pool pool)
        internal
        view
        returns (int24 openTick, int24 spotTick, uint160 sqrtPriceX96)
    {
        uint16 index;
        uint16 cardinality;
        (sqrtPriceX96, spotTick, index, cardinality) = slot0(pool);
        openTick = openTickFrom(pool, spotTick, index, cardinality);
    }

    /// @notice What `pool.slot0()` says of its price: the square-root price, the tick, the newest
    /// observation's index and how many observations it keeps. Decoded in place, the four words read
    /// each checked as Solidity's decoder checks them (which would check all seven, at several times
    /// the cost); reverts as the call would, with the pool's error or, for an answer no pool gives
    /// (too short, or a word out of its type's range), without data.
    function slot0(IUniswapV3Pool pool)
        internal
        view
        returns (uint160 sqrtPriceX96, int24 tick, uint16 index, uint16 cardinality)
    {
        bytes4 selector = IUniswapV3PoolState.slot0.selector;
        assembly ("memory-safe") {
            // Scratch beyond the free memory pointer, never kept.
            let m := mload(0x40)
            mstore(m, selector)
            if iszero(staticcall(gas(), pool, m, 0x04, m, 0x80)) {
                returndatacopy(m, 0, returndatasize())
                revert(m, returndatasize())
            }
            sqrtPriceX96 := mload(m)
            tick := mload(add(m, 0x20))
            index := mload(add(m, 0x40))
            cardinality := mload(add(m, 0x60))
            let valid := iszero(lt(returndatasize(), 0xe0))
            valid := and(valid, and(iszero(shr(160, sqrtPriceX96)), eq(tick, signextend(2, tick))))
            if iszero(and(valid, iszero(shr(16, or(index, cardinality))))) { revert(0, 0) }
        }
    }

    /// @notice How far apart two prices `ticks` apart stand, in basis points of the lower, rounded down:
    /// 1.0001^ticks - 1. A tick is a basis point to 0.005% for the moves the oracle bounds.
    function ticksToBps(uint256 ticks) internal pure returns (uint256) {
        if (ticks > uint256(int256(TickMath.MAX_TICK))) return type(uint256).max;
        // Bounded by MAX_TICK just above: fits int24.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 sqrtRatioX96 = TickMath.getSqrtRatioAtTick(int24(int256(ticks)));
        return Math.mulDiv(sqrtRatioX96, sqrtRatioX96 * 10_000, 1 << 192) - 10_000;
    }

    /// @notice How far apart two square-root prices put the price, in basis points of the lower, rounded
    /// up (never under the true distance): (high^2 - low^2) / low^2 = (high - low)(high + low) / low^2.
    function moveBps(uint160 a, uint160 b) internal pure returns (uint256) {
        (uint256 low, uint256 high) = a < b ? (uint256(a), uint256(b)) : (uint256(b), uint256(a));
        // Below 2^95 apart (any move a rebalance's checks pass, and far beyond) nothing overflows 256 bits:
        // (high - low)(high + low) < 2^95 * 2^161, its quotient by low (> 0: a pool's price) under 2^256 / low,
        // and that plus one, times 10,000, under 2^256 while low > 2^14. Past it, the 512-bit path gives the
        // same ceilings.
        if (high - low < 1 << 95 && low > 1 << 14) {
            unchecked {
                uint256 product = (high - low) * (high + low);
                uint256 ratio = (product / low + (product % low == 0 ? 0 : 1)) * 10_000;
                return ratio / low + (ratio % low == 0 ? 0 : 1);
            }
        }
        return Math.mulDiv(
            Math.mulDiv(high - low, high + low, low, Math.Rounding.Ceil), 10_000, low, Math.Rounding.Ceil
        );
    }

    /// @notice The most ticks two prices can stand apart while they stand at most `bps` apart, exactly
    /// (`ticksToBps`, rounding down, can read one tick more as `bps` too), for `bps` below 10^23 (the
    /// square root of anything the product below can hold stays under MAX_SQRT_RATIO).
    function bpsToTicks(uint256 bps) internal pure returns (uint256) {
        // sqrt(1 + bps / 10,000) in Q64.96, rounded down: the tick at or below it is the answer.
        uint256 sqrtRatioX96 = Math.sqrt(Math.mulDiv(10_000 + bps, 1 << 192, 10_000));
        // At or above 1 in Q64.96: the tick is not negative.
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint256(int256(TickMath.getTickAtSqrtRatio(uint160(sqrtRatioX96))));
    }

    /// @notice `openTick`, given what the pool's `slot0` said in this call: its tick, newest observation
    /// index and observation count.
    function openTickFrom(IUniswapV3Pool pool, int24 tick, uint16 index, uint16 cardinality)
        internal
        view
        returns (int24)
    {
        (uint32 newestTime, int56 newestCumulative,) = _observation(pool, index);
        if (newestTime != uint32(block.timestamp)) return tick;
        (uint32 previousTime, int56 previousCumulative, bool initialized) =
            _observation(pool, (index + cardinality - 1) % cardinality);
        if (!initialized || previousTime >= newestTime) revert TwapUnavailable(address(pool), 1);
        return _meanTick(newestCumulative - previousCumulative, newestTime - previousTime);
    }

    /// @notice The current square-root price of `pool`.
    function spotSqrtPriceX96(IUniswapV3Pool pool) internal view returns (uint160 sqrtPriceX96) {
        (sqrtPriceX96,,,) = slot0(pool);
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

    /// @notice The pool's virtual reserve of one token at `tick` with in-range liquidity `liquidity`:
    /// of token1 (`L * sqrtP`) when `ofToken1`, of token0 (`L / sqrtP`) otherwise. Both sides of a
    /// Uniswap V3 pool are worth the same at its price; moving the square-root price by a fraction r
    /// takes about r times this reserve.
    function virtualReserve(int24 tick, uint128 liquidity, bool ofToken1) internal pure returns (uint256) {
        return virtualReserveAt(TickMath.getSqrtRatioAtTick(tick), liquidity, ofToken1);
    }

    /// @notice `virtualReserve` at a square-root price.
    function virtualReserveAt(uint160 sqrtPriceX96, uint128 liquidity, bool ofToken1) internal pure returns (uint256) {
        return ofToken1 ? Math.mulDiv(liquidity, sqrtPriceX96, 1 << 96) : Math.mulDiv(liquidity, 1 << 96, sqrtPriceX96);
    }

    /// @dev `pool.observations(index)`'s time, tick cumulative and whether it is written, decoded in place
    /// as `slot0` is (the words read checked as the decoder checks them; the pool's error, or no data).
    function _observation(IUniswapV3Pool pool, uint256 index)
        private
        view
        returns (uint32 time, int56 cumulative, bool initialized)
    {
        bytes4 selector = IUniswapV3PoolState.observations.selector;
        assembly ("memory-safe") {
            // Scratch beyond the free memory pointer, never kept.
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 0x04), index)
            if iszero(staticcall(gas(), pool, m, 0x24, m, 0x80)) {
                returndatacopy(m, 0, returndatasize())
                revert(m, returndatasize())
            }
            time := mload(m)
            cumulative := mload(add(m, 0x20))
            initialized := mload(add(m, 0x60))
            let valid := and(iszero(lt(returndatasize(), 0x80)), iszero(shr(32, time)))
            valid := and(valid, and(eq(cumulative, signextend(6, cumulative)), lt(initialized, 2)))
            if iszero(and(valid, iszero(shr(160, mload(add(m, 0x40)))))) { revert(0, 0) }
        }
    }

    /// @dev `pool.observe([secondsAgo, 0])`, decoded in place: the cumulative tick and seconds per liquidity
    /// `secondsAgo` seconds ago and now. A genuine pool's answer has one layout (two offsets, then each
    /// array's length and its two words, 256 bytes); anything else, or a failed call, is `ok = false`.
    /// (Solidity's decoder would build both arrays in memory first: about 2,000 gas a read.)
    function _observe(IUniswapV3Pool pool, uint32 secondsAgo)
        private
        view
        returns (bool ok, int56 tickThen, int56 tickNow, uint160 liquidityThen, uint160 liquidityNow)
    {
        bytes4 selector = IUniswapV3PoolDerivedState.observe.selector;
        assembly ("memory-safe") {
            // Scratch beyond the free memory pointer, never kept: observe(uint32[]) with [secondsAgo, 0].
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 0x04), 0x20)
            mstore(add(m, 0x24), 2)
            mstore(add(m, 0x44), secondsAgo)
            mstore(add(m, 0x64), 0)
            ok := staticcall(gas(), pool, m, 0x84, m, 0x100)
            ok := and(ok, eq(returndatasize(), 0x100))
            ok := and(ok, and(eq(mload(m), 0x40), eq(mload(add(m, 0x20)), 0xa0)))
            ok := and(ok, and(eq(mload(add(m, 0x40)), 2), eq(mload(add(m, 0xa0)), 2)))
            tickThen := mload(add(m, 0x60))
            tickNow := mload(add(m, 0x80))
            liquidityThen := mload(add(m, 0xc0))
            liquidityNow := mload(add(m, 0xe0))
            // Each word must hold a value of its type, as the decoder would require.
            ok := and(ok, and(eq(tickThen, signextend(6, tickThen)), eq(tickNow, signextend(6, tickNow))))
            ok := and(ok, iszero(shr(160, or(liquidityThen, liquidityNow))))
        }
    }

    /// @dev A tick cumulative's mean over `seconds_`, rounded toward negative infinity. Ticks are within
    /// +-887272, so the mean fits in int24.
    function _meanTick(int56 delta, uint32 seconds_) private pure returns (int24 tick) {
        int56 window = int56(uint56(seconds_));
        tick = int24(delta / window);
        if (delta < 0 && delta % window != 0) tick--;
    }
}
