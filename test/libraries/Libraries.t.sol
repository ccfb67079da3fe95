// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BallastTest} from "../helpers/BallastTest.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IUniswapV3PoolDerivedState} from "@uniswap/v3-core/contracts/interfaces/pool/IUniswapV3PoolDerivedState.sol";
import {TickMath} from "uniswap-v3-core-08/contracts/libraries/TickMath.sol";

import {BasketMath} from "../../contracts/libraries/BasketMath.sol";
import {FeeMath} from "../../contracts/libraries/FeeMath.sol";
import {FeedMath} from "../../contracts/libraries/FeedMath.sol";
import {SwapPath} from "../../contracts/libraries/SwapPath.sol";
import {TwapMath} from "../../contracts/libraries/TwapMath.sol";
import {IUniswapV3PoolState} from "@uniswap/v3-core/contracts/interfaces/pool/IUniswapV3PoolState.sol";

/// @dev External wrappers so that reverts of internal library functions can be expected.
contract LibraryHarness {
    function hops(bytes memory path) external pure returns (uint256) {
        return SwapPath.hops(path);
    }

    function hop(bytes memory path, uint256 i) external pure returns (address, uint24, address) {
        return SwapPath.hop(path, i);
    }

    function openTickFrom(IUniswapV3Pool pool, int24 tick, uint16 index, uint16 cardinality)
        external
        view
        returns (int24)
    {
        return TwapMath.openTickFrom(pool, tick, index, cardinality);
    }

    function slot0(IUniswapV3Pool pool) external view returns (uint160, int24, uint16, uint16) {
        return TwapMath.slot0(pool);
    }

    function drift(uint256[] memory values, uint16[] memory targets, uint256 total) external pure returns (uint256) {
        return BasketMath.drift(values, targets, total, 1e18);
    }

    function consult(IUniswapV3Pool pool, uint32 windowSeconds) external view returns (int24, uint128) {
        return TwapMath.consult(pool, windowSeconds);
    }
}

contract BasketMathTest is BallastTest {
    function testFuzz_sum_addsEveryWeight(uint16 a, uint16 b, uint16 c) public pure {
        uint16[] memory t = new uint16[](3);
        (t[0], t[1], t[2]) = (a, b, c);
        assertEq(BasketMath.sum(t), uint256(a) + b + c);
        assertEq(BasketMath.sum(new uint16[](0)), 0);
    }

    function testFuzz_driftIsZeroAtTargetAndBoundedBy10000(uint96 total, uint16 w) public pure {
        total = uint96(bound(total, 1e6, type(uint96).max));
        w = uint16(bound(w, 0, 10_000));
        uint256[] memory values = new uint256[](2);
        values[0] = uint256(total) * w / 10_000;
        values[1] = total - values[0];
        uint16[] memory targets = new uint16[](2);
        (targets[0], targets[1]) = (w, uint16(10_000 - w));
        assertLe(BasketMath.driftBps(values, targets, total), 1, "at target, drift is rounding only");
        (targets[0], targets[1]) = (uint16(10_000 - w), w);
        uint256 d = BasketMath.driftBps(values, targets, total);
        assertLe(d, 10_000, "drift is at most 100%");
        uint256 gap = w > 5000 ? 2 * uint256(w) - 10_000 : 10_000 - 2 * uint256(w);
        assertApproxEqAbs(d, gap, 1, "drift is the largest weight gap");
    }

    /// The drift loop checks its products by hand: a value or a target whose product overflows panics as
    /// checked arithmetic would (0x11), and one just within does not.
    function test_driftPanicsOnAnOverflowingProduct() public {
        LibraryHarness harness = new LibraryHarness();
        uint256[] memory values = new uint256[](2);
        uint16[] memory targets = new uint16[](2);
        (targets[0], targets[1]) = (5_000, 5_000);
        uint256 maxValue = type(uint256).max / 10_000;
        (values[0], values[1]) = (maxValue, 0);
        harness.drift(values, targets, maxValue);
        (values[0], values[1]) = (maxValue + 1, 0);
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x11));
        harness.drift(values, targets, maxValue + 1);
        // A target whose product with the total overflows: 5,000 * total past 2^256.
        (values[0], values[1]) = (1, 0);
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x11));
        harness.drift(values, targets, type(uint256).max / 4_999);
    }

    /// Drift is the largest of each holding's gap scaled to `unit`ths of NAV and rounded down: computed here
    /// holding by holding, as the definition reads, for baskets of up to 16 and both units the vault uses.
    function testFuzz_driftIsTheLargestRoundedGap(uint64[16] memory raw, uint16[16] memory rawTargets, uint8 size, bool fine)
        public
        pure
    {
        (uint256[] memory values, uint16[] memory targets, uint256 total) = _fuzzedBasket(raw, rawTargets, size);
        uint256 n = values.length;
        uint256 unit = fine ? 1e18 : 10_000;
        uint256 expected;
        if (total != 0) {
            for (uint256 i; i < n; ++i) {
                uint256 scaled = values[i] * 10_000;
                uint256 target = uint256(targets[i]) * total;
                uint256 gap = scaled > target ? scaled - target : target - scaled;
                expected = Math.max(expected, Math.mulDiv(gap, unit, total * 10_000));
            }
        }
        assertEq(BasketMath.drift(values, targets, total, unit), expected);
    }

    /// A rebalance computes each basket's drift once, in 1e18ths, and reports it in basis points as that
    /// divided by 1e14: exactly the drift computed in basis points, for any basket and any total.
    function testFuzz_driftInBpsIsTheFineDriftDividedBy1e14(
        uint64[16] memory raw,
        uint16[16] memory rawTargets,
        uint8 size,
        uint128 rawTotal
    ) public pure {
        (uint256[] memory values, uint16[] memory targets, uint256 sum) = _fuzzedBasket(raw, rawTargets, size);
        // The NAV the rebalance passes is the values' sum; the identity holds for any other total too.
        uint256 total = rawTotal % 2 == 0 ? sum : rawTotal;
        assertEq(BasketMath.drift(values, targets, total, 1e18) / 1e14, BasketMath.driftBps(values, targets, total));
    }

    /// A basket of 1 to 16 holdings from fuzzed values and targets (each at most 10,000), and its total.
    function _fuzzedBasket(uint64[16] memory raw, uint16[16] memory rawTargets, uint8 size)
        private
        pure
        returns (uint256[] memory values, uint16[] memory targets, uint256 total)
    {
        uint256 n = bound(size, 1, 16);
        values = new uint256[](n);
        targets = new uint16[](n);
        for (uint256 i; i < n; ++i) {
            (values[i], targets[i]) = (raw[i], uint16(bound(rawTargets[i], 0, 10_000)));
            total += values[i];
        }
    }

    function testFuzz_weightsSumToAtMost10000(uint64 a, uint64 b, uint64 c) public pure {
        uint256[] memory values = new uint256[](3);
        (values[0], values[1], values[2]) = (a, b, c);
        uint256 total = uint256(a) + b + c;
        uint256[] memory w = BasketMath.weightsBps(values, total);
        uint256 sum = w[0] + w[1] + w[2];
        if (total == 0) assertEq(sum, 0);
        else assertTrue(sum <= 10_000 && sum >= 9_998, "weights round down by less than 1 bp each");
    }
}

contract SwapPathTest is BallastTest {
    LibraryHarness private h = new LibraryHarness();

    function testFuzz_decodesWhatWasEncoded(address a, uint24 f1, address b, uint24 f2, address c) public pure {
        bytes memory path = abi.encodePacked(a, f1, b, f2, c);
        assertEq(SwapPath.hops(path), 2);
        (address in0, uint24 fee0, address out0) = SwapPath.hop(path, 0);
        (address in1, uint24 fee1, address out1) = SwapPath.hop(path, 1);
        assertEq(in0, a);
        assertEq(fee0, f1);
        assertEq(out0, b);
        assertEq(in1, b);
        assertEq(fee1, f2);
        assertEq(out1, c);
        assertEq(SwapPath.first(path), a);
        assertEq(SwapPath.last(path), c);
    }

    function testFuzz_reverseTwiceIsIdentity(address a, uint24 f1, address b, uint24 f2, address c) public pure {
        bytes memory path = abi.encodePacked(a, f1, b, f2, c);
        bytes memory reversed = SwapPath.reverse(path);
        assertEq(reversed, abi.encodePacked(c, f2, b, f1, a));
        assertEq(SwapPath.reverse(reversed), path);
    }

    function test_poolAddressIsTheFactorysCreate2Address() public pure {
        // Ethereum mainnet: the USDC/WETH 0.05% pool of the canonical factory, either token order.
        address factory = 0x1F98431c8aD98523631AE4a59f267346ea31F984;
        address usdc = 0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48;
        address weth = 0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2;
        assertEq(SwapPath.pool(factory, usdc, weth, 500), 0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640);
        assertEq(SwapPath.pool(factory, weth, usdc, 500), 0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640);
        // The 0.3% pool of the same pair is another address.
        assertEq(SwapPath.pool(factory, usdc, weth, 3000), 0x8ad599c3A0ff1De082011EFDDc58f1908eb6e6D8);
    }

    /// @dev The address hashed in free memory is the one the two encodings give, for any tokens, fee and
    /// factory, in either order.
    function testFuzz_poolAddressMatchesTheEncodedCreate2Formula(address factory, address a, address b, uint24 fee)
        public
        pure
    {
        (address token0, address token1) = a < b ? (a, b) : (b, a);
        bytes32 salt = keccak256(abi.encode(token0, token1, fee));
        address expected = address(
            uint160(uint256(keccak256(abi.encodePacked(hex"ff", factory, salt, SwapPath.POOL_INIT_CODE_HASH))))
        );
        assertEq(SwapPath.pool(factory, a, b, fee), expected);
        assertEq(SwapPath.pool(factory, b, a, fee), expected);
    }

    function testFuzz_rejectsMalformedLengths(uint8 length) public {
        vm.assume(length < 43 || (uint256(length) - 20) % 23 != 0);
        vm.expectRevert(abi.encodeWithSelector(SwapPath.SwapPathMalformed.selector, uint256(length)));
        h.hops(new bytes(length));
    }

    /// @dev A hop past the path's end (or of a path cut short) is refused, not read from beyond it.
    function testFuzz_hopOutOfRangeIsRefused(uint256 i, address a, uint24 f1, address b, uint24 f2, address c) public {
        bytes memory path = abi.encodePacked(a, f1, b, f2, c);
        i = bound(i, 2, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(SwapPath.SwapPathMalformed.selector, uint256(66)));
        h.hop(path, i);
        (address tokenIn, uint24 fee, address tokenOut) = h.hop(path, 1);
        assertEq(abi.encode(tokenIn, fee, tokenOut), abi.encode(b, f2, c));
        bytes memory cut = abi.encodePacked(a, f1, b, f2);
        vm.expectRevert(abi.encodeWithSelector(SwapPath.SwapPathMalformed.selector, uint256(46)));
        h.hop(cut, 1);
    }

    /// @dev `hops` counts without `isWellFormed` (cheaper), and must take exactly the lengths it takes:
    /// every length up to twelve hops.
    function test_hopsTakesExactlyTheWellFormedLengths() public view {
        uint256 taken;
        for (uint256 length; length <= 20 + 12 * 23; ++length) {
            bytes memory path = new bytes(length);
            (bool ok, bytes memory answer) = address(h).staticcall(abi.encodeCall(h.hops, (path)));
            assertEq(ok, SwapPath.isWellFormed(path), "takes a length iff it is well formed");
            if (ok) {
                assertEq(abi.decode(answer, (uint256)), (length - 20) / 23);
                ++taken;
            } else {
                assertEq(answer, abi.encodeWithSelector(SwapPath.SwapPathMalformed.selector, length));
            }
        }
        assertEq(taken, 12, "one to twelve hops");
    }
}

contract TwapMathTest is BallastTest {
    function testFuzz_quoteRoundTripNeverCreatesValue(int24 tick, uint128 amount) public pure {
        tick = int24(bound(tick, -400_000, 400_000));
        uint256 out = TwapMath.quoteAtTick(tick, amount, true);
        uint256 back = TwapMath.quoteAtTick(tick, out, false);
        assertLe(back, amount, "converting there and back rounds down");
    }

    /// @dev The oracle's tolerances and divergence bounds go from basis points to ticks and back: the ticks
    /// found are the most whose distance stays within the bound, and one tick more exceeds it.
    function testFuzz_bpsToTicksIsTheLargestTickDistanceWithinTheBound(uint256 bps) public pure {
        bps = bound(bps, 0, 1e22);
        uint256 ticks = TwapMath.bpsToTicks(bps);
        assertLe(TwapMath.ticksToBps(ticks), bps, "within the bound");
        // One tick more stands beyond it, exactly (ticksToBps rounds down: rounded up here).
        uint256 sqrtRatioX96 = TickMath.getSqrtRatioAtTick(int24(int256(ticks + 1)));
        uint256 bpsUp = Math.mulDiv(sqrtRatioX96, sqrtRatioX96 * 10_000, 1 << 192, Math.Rounding.Ceil) - 10_000;
        assertGt(bpsUp, bps, "one tick more is beyond it");
    }

    /// @dev The vault's push and impact checks read how far a pool moved with `moveBps`: never under the
    /// true distance (a check errs toward refusing), and at most two basis points over it.
    function testFuzz_moveBpsBoundsTheTrueDistanceFromAbove(uint160 a, uint256 spread, bool swap) public pure {
        uint256 low = bound(a, TickMath.MIN_SQRT_RATIO, TickMath.MAX_SQRT_RATIO);
        uint256 high = bound(spread, low, Math.min(low << 20, TickMath.MAX_SQRT_RATIO));
        uint256 moved =
            swap ? TwapMath.moveBps(uint160(high), uint160(low)) : TwapMath.moveBps(uint160(low), uint160(high));
        // The true distance, times the lower square root: (high^2 - low^2) * 10,000 / low.
        uint256 scaledUp = Math.mulDiv((high - low) * 10_000, high + low, low, Math.Rounding.Ceil);
        uint256 scaledDown = Math.mulDiv((high - low) * 10_000, high + low, low);
        assertGe(moved * low, scaledUp, "never under the true distance");
        assertLe((moved - Math.min(moved, 2)) * low, scaledDown, "at most two basis points over");
    }

    /// @dev The 256-bit path (moves under 2^95 apart) gives exactly what the 512-bit path gives: both ceilings
    /// of exact quotients. Spreads drawn on both sides of the bound.
    function testFuzz_moveBpsIsTheFullPrecisionCeiling(uint160 a, uint256 spread, bool wide) public pure {
        uint256 low = bound(a, TickMath.MIN_SQRT_RATIO, TickMath.MAX_SQRT_RATIO - 1);
        // At most 2^20 times the lower square root apart (a 2^40-fold price), as the bound test above: beyond,
        // both paths overflow alike.
        uint256 most = Math.min(TickMath.MAX_SQRT_RATIO - low, low << 20);
        wide = wide && most >= 1 << 95;
        uint256 d = wide ? bound(spread, 1 << 95, most) : bound(spread, 0, Math.min((1 << 95) - 1, most));
        uint256 high = low + d;
        uint256 full = Math.mulDiv(
            Math.mulDiv(high - low, high + low, low, Math.Rounding.Ceil), 10_000, low, Math.Rounding.Ceil
        );
        assertEq(TwapMath.moveBps(uint160(low), uint160(high)), full);
        assertEq(TwapMath.moveBps(uint160(high), uint160(low)), full);
    }

    function test_moveBpsOfKnownMoves() public pure {
        uint160 one = uint160(1 << 96);
        assertEq(TwapMath.moveBps(one, one), 0, "no move");
        assertEq(TwapMath.moveBps(one, 2 * one), 30_000, "twice the square root: four times the price");
        assertEq(TwapMath.moveBps(2 * one, one), 30_000, "either order");
        // A hundred ticks: 1.0001^100 - 1 = 100.5 bps, rounded up.
        assertEq(TwapMath.moveBps(one, TickMath.getSqrtRatioAtTick(100)), 101);
    }

    function test_ticksToBpsSaturatesBeyondTheLastTick() public pure {
        uint256 maxTick = uint256(int256(TickMath.MAX_TICK));
        assertEq(TwapMath.ticksToBps(maxTick + 1), type(uint256).max);
        assertLt(TwapMath.ticksToBps(maxTick), type(uint256).max);
        assertEq(TwapMath.ticksToBps(0), 0);
        // A tick is a basis point, to rounding, for the moves the oracle bounds.
        assertEq(TwapMath.ticksToBps(10), 10);
    }

    function testFuzz_quoteIsMonotonicInTick(int24 tick, uint96 amount) public pure {
        tick = int24(bound(tick, -400_000, 400_000));
        amount = uint96(bound(amount, 1e6, type(uint96).max));
        // A higher tick means token0 is worth more token1.
        assertLe(TwapMath.quoteAtTick(tick, amount, true), TwapMath.quoteAtTick(tick + 1, amount, true));
        assertGe(TwapMath.quoteAtTick(tick, amount, false), TwapMath.quoteAtTick(tick + 1, amount, false));
    }

    function testFuzz_virtualReservesAreWorthTheSameOnBothSides(int24 tick, uint96 liquidity) public pure {
        tick = int24(bound(tick, -200_000, 200_000));
        liquidity = uint96(bound(liquidity, 1e12, type(uint96).max));
        uint256 reserve0 = TwapMath.virtualReserve(tick, liquidity, false);
        uint256 reserve1 = TwapMath.virtualReserve(tick, liquidity, true);
        // reserve0 * price = L / sqrtP * sqrtP^2 = L * sqrtP = reserve1.
        assertApproxEqRel(TwapMath.quoteAtTick(tick, reserve0, true), reserve1, 1e12, "equal value at the price");
        assertEq(TwapMath.virtualReserve(0, liquidity, true), liquidity, "at parity, each side is L");
    }

    /// @dev Mean ticks alternating by 2d from stretch to stretch: every change is 2d ticks (2d bps), so
    /// the volatility is 2d * sqrt(year / interval), whatever the level; a constant price has none.
    function testFuzz_volatilityOfAlternatingMeans(int24 level, uint16 d, uint8 n, uint32 interval) public pure {
        n = uint8(bound(n, 2, 24));
        interval = uint32(bound(interval, 60, 1 days));
        d = uint16(bound(d, 0, 10_000));
        int256[] memory means = new int256[](n);
        for (uint256 i; i < n; ++i) {
            means[i] = int256(level) + (i % 2 == 0 ? int256(uint256(d)) : -int256(uint256(d)));
        }
        uint256 expected = Math.sqrt(4 * uint256(d) * d * 365 days / interval);
        assertEq(TwapMath.annualisedVolatilityBps(means, interval), expected);
        for (uint256 i; i < n; ++i) {
            means[i] = level;
        }
        assertEq(TwapMath.annualisedVolatilityBps(means, interval), 0, "a constant price");
        assertEq(TwapMath.annualisedVolatilityBps(new int256[](1), interval), 0, "one stretch: no change to measure");
    }

    function test_quoteAtTickZeroIsParity() public pure {
        assertEq(TwapMath.quoteAtTick(0, 1e18, true), 1e18);
        assertEq(TwapMath.quoteAtTick(0, 1e18, false), 1e18);
    }

    function test_quoteMatchesPriceAtKnownTick() public pure {
        // 1.0001^69082 = 1000.0 (to 5 significant digits): 1 token0 buys ~1000 token1.
        uint256 out = TwapMath.quoteAtTick(69_082, 1e18, true);
        assertApproxEqRel(out, 1000e18, 1e14);
        // Both square-price branches agree where they meet.
        uint160 sqrtP = uint160(type(uint128).max);
        uint256 viaX192 = TwapMath.quoteAtSqrtPrice(sqrtP, 1e18, true);
        uint256 viaX128 = TwapMath.quoteAtSqrtPrice(sqrtP + 1, 1e18, true);
        assertApproxEqRel(viaX192, viaX128, 1e9);
        assertEq(TickMath.getSqrtRatioAtTick(0), 2 ** 96);
    }

    IUniswapV3Pool private constant _POOL = IUniswapV3Pool(address(0xB0015));
    uint32 private constant _WINDOW = 1800;

    /// The call consult makes: observe([window, 0]).
    function _observeCall() private pure returns (bytes memory) {
        uint32[] memory secondsAgos = new uint32[](2);
        secondsAgos[0] = _WINDOW;
        return abi.encodeCall(IUniswapV3PoolDerivedState.observe, (secondsAgos));
    }

    function _answer(bytes memory data) private {
        vm.mockCall(address(_POOL), _observeCall(), data);
    }

    function _pair56(int56 a, int56 b) private pure returns (int56[] memory x) {
        x = new int56[](2);
        (x[0], x[1]) = (a, b);
    }

    function _pair160(uint160 a, uint160 b) private pure returns (uint160[] memory x) {
        x = new uint160[](2);
        (x[0], x[1]) = (a, b);
    }

    /// consult decodes the pool's answer in place: it must read what Solidity's decoder reads.
    function testFuzz_consultReadsWhatTheDecoderReads(int56 tickThen, int56 tickNow, uint160 liqThen, uint160 liqNow)
        public
    {
        int256 delta = int256(tickNow) - int256(tickThen);
        vm.assume(delta / int256(uint256(_WINDOW)) >= TickMath.MIN_TICK && delta / int256(uint256(_WINDOW)) < TickMath.MAX_TICK);
        vm.assume(delta >= type(int56).min && delta <= type(int56).max);
        _answer(abi.encode(_pair56(tickThen, tickNow), _pair160(liqThen, liqNow)));
        (int24 tick, uint128 liquidity) = new LibraryHarness().consult(_POOL, _WINDOW);
        int256 expected = delta / int256(uint256(_WINDOW));
        if (delta < 0 && delta % int256(uint256(_WINDOW)) != 0) expected--;
        assertEq(tick, expected, "mean tick");
        uint160 perLiquidity;
        unchecked {
            perLiquidity = liqNow - liqThen;
        }
        uint256 harmonic = perLiquidity == 0 ? type(uint128).max : (uint256(_WINDOW) << 128) / perLiquidity;
        assertEq(liquidity, Math.min(harmonic, type(uint128).max), "harmonic mean liquidity");
    }

    /// Any answer but a genuine pool's layout, with values of their types, is refused as unavailable.
    /// slot0 is decoded in place: what Solidity's decoder reads of a pool's answer, the pool's own error
    /// when it reverts, and a revert without data for an answer no pool gives.
    function testFuzz_slot0ReadsWhatTheDecoderReads(uint160 price, int24 tick, uint16 index, uint16 cardinality)
        public
    {
        LibraryHarness h = new LibraryHarness();
        bytes memory call = abi.encodeCall(IUniswapV3PoolState.slot0, ());
        bytes memory good = abi.encode(price, tick, index, cardinality, uint16(7), uint8(0), true);
        vm.mockCall(address(_POOL), call, good);
        (uint160 p, int24 t, uint16 i, uint16 c) = h.slot0(_POOL);
        assertEq(abi.encode(p, t, i, c), abi.encode(price, tick, index, cardinality));
        bytes[] memory bad = new bytes[](5);
        bad[0] = "";
        bad[1] = abi.encode(price, tick, index, cardinality); // four words of seven
        bad[2] = abi.encode(uint256(price) | (1 << 160), tick, index, cardinality, uint16(7), uint8(0), true);
        bad[3] = abi.encode(price, int256(type(int24).max) + 1, index, cardinality, uint16(7), uint8(0), true);
        bad[4] = abi.encode(price, tick, index, uint256(1) << 16, uint16(7), uint8(0), true);
        for (uint256 k; k < bad.length; ++k) {
            vm.mockCall(address(_POOL), call, bad[k]);
            vm.expectRevert(bytes(""));
            h.slot0(_POOL);
        }
        vm.mockCallRevert(address(_POOL), call, "LOK");
        vm.expectRevert(bytes("LOK"));
        h.slot0(_POOL);
        vm.expectRevert(bytes(""));
        h.slot0(IUniswapV3Pool(address(0xC0DE)));
    }

    /// openTickFrom reads observations in place: the tick since the previous observation when the newest
    /// was written this block, the current one otherwise; the pool's error, or no data for a bad answer.
    function testFuzz_openTickReadsTheObservationsInPlace(int24 meanTick, uint32 elapsed, int48 start) public {
        meanTick = int24(bound(meanTick, -887_272, 887_272));
        elapsed = uint32(bound(elapsed, 1, 1 days));
        vm.warp(2 days);
        LibraryHarness h = new LibraryHarness();
        int56 later = int56(start) + int56(meanTick) * int56(uint56(elapsed));
        _observationIs(5, uint32(block.timestamp), later, true);
        _observationIs(4, uint32(block.timestamp) - elapsed, start, true);
        assertEq(h.openTickFrom(_POOL, 7, 5, 10), meanTick, "written this block: the tick since the previous");
        _observationIs(5, uint32(block.timestamp) - 1, later, true);
        assertEq(h.openTickFrom(_POOL, 7, 5, 10), 7, "not written this block: the current tick");
        // Index 0 of ten: the previous is index 9, which was never written.
        _observationIs(0, uint32(block.timestamp), later, true);
        _observationIs(9, 0, 0, false);
        vm.expectRevert(abi.encodeWithSelector(TwapMath.TwapUnavailable.selector, address(_POOL), 1));
        h.openTickFrom(_POOL, 7, 0, 10);
        // Answers no pool gives: too short, and a time beyond 32 bits.
        bytes memory call5 = abi.encodeCall(IUniswapV3PoolState.observations, (5));
        vm.mockCall(address(_POOL), call5, abi.encode(uint32(block.timestamp), later, uint160(0)));
        vm.expectRevert(bytes(""));
        h.openTickFrom(_POOL, 7, 5, 10);
        vm.mockCall(address(_POOL), call5, abi.encode(uint256(1) << 32, later, uint160(0), true));
        vm.expectRevert(bytes(""));
        h.openTickFrom(_POOL, 7, 5, 10);
        vm.mockCallRevert(address(_POOL), call5, "OLD");
        vm.expectRevert(bytes("OLD"));
        h.openTickFrom(_POOL, 7, 5, 10);
    }

    function _observationIs(uint256 index, uint32 time, int56 cumulative, bool initialized) private {
        vm.mockCall(
            address(_POOL),
            abi.encodeCall(IUniswapV3PoolState.observations, (index)),
            abi.encode(time, cumulative, uint160(0), initialized)
        );
    }

    function test_consultRefusesAnyOtherAnswer() public {
        LibraryHarness h = new LibraryHarness();
        bytes memory good = abi.encode(_pair56(-1000, 1000), _pair160(1, 2));
        bytes[] memory bad = new bytes[](7);
        bad[0] = "";
        bad[1] = abi.encode(uint256(1));
        bad[2] = bytes.concat(good, bytes32(0)); // a word too many
        bad[3] = abi.encode(new int56[](3), new uint160[](1)); // the lengths
        bad[4] = abi.encode(uint256(0x60), uint256(0xa0), uint256(2), uint256(0), uint256(0), uint256(2), uint256(1), uint256(2)); // an offset
        bad[5] = abi.encode(uint256(0x40), uint256(0xa0), uint256(2), uint256(1) << 55, uint256(0), uint256(2), uint256(1), uint256(2)); // not an int56
        bad[6] = abi.encode(uint256(0x40), uint256(0xa0), uint256(2), uint256(0), uint256(0), uint256(2), uint256(1) << 160, uint256(2)); // not a uint160
        for (uint256 i; i < bad.length; ++i) {
            _answer(bad[i]);
            vm.expectRevert(abi.encodeWithSelector(TwapMath.TwapUnavailable.selector, address(_POOL), _WINDOW));
            h.consult(_POOL, _WINDOW);
        }
        // A pool that reverts, and an account with no code.
        vm.mockCallRevert(address(_POOL), _observeCall(), "OLD");
        vm.expectRevert(abi.encodeWithSelector(TwapMath.TwapUnavailable.selector, address(_POOL), _WINDOW));
        h.consult(_POOL, _WINDOW);
        vm.expectRevert(abi.encodeWithSelector(TwapMath.TwapUnavailable.selector, address(0xC0DE), _WINDOW));
        h.consult(IUniswapV3Pool(address(0xC0DE)), _WINDOW);
        // And the genuine layout is read.
        vm.clearMockedCalls();
        _answer(good);
        (int24 tick,) = h.consult(_POOL, _WINDOW);
        assertEq(tick, 1);
    }
}

contract FeedMathTest is BallastTest {
    function test_convertsThroughTheCommonUnit() public pure {
        // 1 WETH at $3,000 (8 decimals) in USDC (6 decimals) at $1: 3,000 USDC.
        assertEq(FeedMath.convert(1e18, 18, 3_000e8, 8, 6, 1, 0), 3_000e6);
        // The same with USDC at $0.99 (8 decimals): 3,030.303030 USDC, rounded down.
        assertEq(FeedMath.convert(1e18, 18, 3_000e8, 8, 6, 0.99e8, 8), 3_030_303_030);
        // 1 WBTC (8 decimals) at $100,000: 100,000 USDC.
        assertEq(FeedMath.convert(1e8, 8, 100_000e8, 8, 6, 1e8, 8), 100_000e6);
        // LINK at 0.005 ETH (18 decimals) through ETH at $3,000 (8 decimals): $15, still with 18 decimals.
        assertEq(FeedMath.chain(0.005e18, 3_000e8, 8), 15e18);
        assertEq(FeedMath.convert(1e18, 18, FeedMath.chain(0.005e18, 3_000e8, 8), 18, 6, 1, 0), 15e6);
    }

    function testFuzz_convertIsMonotonicInAmountAndPrice(uint96 amount, uint64 price, uint64 more) public pure {
        price = uint64(bound(price, 1, type(uint64).max - 1));
        more = uint64(bound(more, price, type(uint64).max));
        uint256 a = FeedMath.convert(amount, 18, price, 8, 6, 1e8, 8);
        assertLe(a, FeedMath.convert(uint256(amount) + 1, 18, price, 8, 6, 1e8, 8));
        assertLe(a, FeedMath.convert(amount, 18, more, 8, 6, 1e8, 8));
        // Never more than the exact value: rounding is down.
        assertLe(a * 1e12 * 1e8, uint256(amount) * price);
    }

    function testFuzz_pegDistanceIsSymmetric(uint32 offset) public pure {
        offset = uint32(bound(offset, 0, 1e8 - 1));
        assertEq(FeedMath.pegDistanceBps(1e8 + offset, 8), FeedMath.pegDistanceBps(1e8 - offset, 8));
        assertEq(FeedMath.pegDistanceBps(1e8, 8), 0);
        assertEq(FeedMath.pegDistanceBps(0.98e8, 8), 200);
    }

    function test_spreadOfZeroes() public pure {
        assertEq(FeedMath.spreadBps(0, 0), 0);
        assertEq(FeedMath.spreadBps(0, 1), type(uint256).max);
        assertEq(FeedMath.spreadBps(100, 103), 300);
    }
}

contract FeeMathTest is BallastTest {
    uint256 private constant V = 1e6;

    /// @dev With no fee, nothing is minted and the mark moves up to the price; an entry that mints nothing,
    /// or pays no more than the mark, leaves the mark; one that pays more raises it, never past the price paid.
    function testFuzz_theMarkOnlyRises(uint96 nav, uint96 supply, uint64 mark, uint96 assets, uint96 shares) public pure {
        nav = uint96(bound(nav, 1, type(uint96).max));
        supply = uint96(bound(supply, V, type(uint96).max));
        (uint256 fee, uint256 newMark) = FeeMath.performanceShares(nav, supply, mark, 0);
        assertEq(fee, 0, "no fee, no shares");
        assertEq(newMark, Math.max(mark, FeeMath.sharePrice(nav, supply)), "the mark follows the price up");
        assertEq(FeeMath.markAfterEntry(mark, supply, assets, 0), mark, "an entry that mints nothing");
        shares = uint96(bound(shares, 1, type(uint96).max));
        uint256 after_ = FeeMath.markAfterEntry(mark, supply, assets, shares);
        assertGe(after_, mark, "never falls");
        uint256 paid = Math.min(Math.mulDiv(assets, 1e18, shares), FeeMath.MAX_SHARE_PRICE);
        assertLe(after_, Math.max(mark, paid), "never past what the new shares paid");
    }

    /// @dev Accruing in two steps never mints more than accruing once over the same time (the rounding
    /// is the holders'), and no less than 10^-15 of the supply (plus two shares) short of it: each
    /// accrual rounds its exponent down by under a 10^-18 and the growth by one more.
    function testFuzz_managementIsPathIndependentAndNeverMore(uint96 supply, uint16 bps, uint32 t1, uint32 t2) public pure {
        supply = uint96(bound(supply, 1e12, type(uint96).max));
        bps = uint16(bound(bps, 1, 500));
        t1 = uint32(bound(t1, 1, 10 * 365 days));
        t2 = uint32(bound(t2, 1, 10 * 365 days));
        uint256 first = FeeMath.managementShares(supply, bps, t1);
        uint256 second = FeeMath.managementShares(supply + first, bps, t2);
        uint256 once = FeeMath.managementShares(supply, bps, uint256(t1) + t2);
        assertLe(first + second, once + 1, "two steps never mint more");
        assertApproxEqAbs(first + second, once, uint256(supply) / 1e15 + 2, "two steps mint what one does");
    }

    /// @dev Holders keep exp(-rate * t): the closed form at one year, from a table (e^-0.05, e^-0.02).
    function test_managementMatchesTheClosedFormOverAYear() public pure {
        uint256 supply = 1e24;
        uint256 kept5 = supply * 1e18 / (supply + FeeMath.managementShares(supply, 500, 365 days));
        uint256 kept2 = supply * 1e18 / (supply + FeeMath.managementShares(supply, 200, 365 days));
        assertApproxEqAbs(kept5, 951_229_424_500_714_004, 10, "e^-0.05");
        assertApproxEqAbs(kept2, 980_198_673_306_755_302, 10, "e^-0.02");
        assertEq(FeeMath.managementShares(0, 500, 365 days), 0, "no supply, no fee");
        assertEq(FeeMath.managementShares(supply, 0, 365 days), 0, "no rate, no fee");
        assertEq(FeeMath.managementShares(supply, 500, 0), 0, "no time, no fee");
    }

    /// @dev After the fee a share is worth the price less the fee's share of the gain, never less; the
    /// new mark is that price, rounded up, so the same gain is never charged twice.
    function testFuzz_performanceTakesAtMostItsShareOfTheGain(uint96 nav, uint96 supply, uint64 markCut, uint16 bps)
        public
        pure
    {
        nav = uint96(bound(nav, 1e6, type(uint96).max));
        supply = uint96(bound(supply, 1e12, type(uint96).max));
        bps = uint16(bound(bps, 1, 3_000));
        uint256 supplyV = uint256(supply) + V;
        uint256 price = FeeMath.sharePrice(nav, supplyV);
        vm.assume(price > 1);
        uint256 mark = price - bound(markCut, 1, price - 1);
        (uint256 shares, uint256 newMark) = FeeMath.performanceShares(nav, supplyV, mark, bps);
        uint256 after_ = FeeMath.sharePrice(nav, supplyV + shares);
        uint256 floor = price - (price - mark) * bps / 10_000;
        assertGe(after_ + 1, floor, "holders keep at least the price less the fee");
        assertGe(newMark, after_, "the mark is the price after the fee");
        (uint256 again,) = FeeMath.performanceShares(nav, supplyV + shares, newMark, bps);
        assertEq(again, 0, "no fee twice on the same gain");
    }

    function testFuzz_performanceBelowTheMarkIsNothing(uint96 nav, uint96 supply, uint64 above, uint16 bps) public pure {
        nav = uint96(bound(nav, 0, type(uint96).max));
        supply = uint96(bound(supply, 0, type(uint96).max));
        uint256 mark = FeeMath.sharePrice(nav, uint256(supply) + V) + above;
        (uint256 shares, uint256 newMark) = FeeMath.performanceShares(nav, uint256(supply) + V, mark, bps);
        assertEq(shares, 0);
        assertEq(newMark, mark, "the mark stays");
    }

    function testFuzz_keeperGasIsCappedPerCallAndPerDay(uint32 used, uint32 maxGas, uint32 perDay, uint32 paid) public pure {
        uint256 gas = FeeMath.keeperGas(used, maxGas, perDay, paid);
        assertLe(gas, used);
        assertLe(gas, maxGas);
        assertLe(uint256(paid) + gas, perDay > paid ? perDay : paid);
    }

    function test_keeperWeiTakesTheLesserFeeAndAddsTheTip() public pure {
        (uint256 amount, uint256 fee) = FeeMath.keeperWei(1_000_000, 80 gwei, 30, 2_000);
        assertEq(fee, 30 gwei);
        assertEq(amount, 1_000_000 * 30 gwei * 12 / 10);
        (amount, fee) = FeeMath.keeperWei(1_000_000, 7 gwei, 30, 0);
        assertEq(fee, 7 gwei);
        assertEq(amount, 1_000_000 * 7 gwei);
    }
}
