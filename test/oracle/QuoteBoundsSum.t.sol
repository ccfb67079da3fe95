// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {UniswapV3TwapOracle} from "../../contracts/oracles/UniswapV3TwapOracle.sol";
import {BallastFixture} from "../helpers/BallastFixture.sol";

/// @notice `quoteBoundsSum` is each holding's `quoteBounds` summed, or the first refusal among them, on
/// the genuine pools: WETH priced through WBTC and WBTC through WETH (two routes through one WETH/WBTC
/// pool, each walking it the other way, the pool read once for both), FRZ over its own pool, after
/// pushes of every pool, in their block or the next.
contract QuoteBoundsSumTest is BallastFixture {
    IUniswapV3Pool private cross;
    UniswapV3TwapOracle private crossed;
    address[] private basket;

    function setUp() public {
        _deployMarket();
        // WETH/WBTC at 0.03 WBTC per WETH, $20M a side, growing to 200 observations; a window of history.
        cross = _newPairPool(address(weth), uint256(20_000_000e18) / 3_000, address(wbtc), 200e8, 3_000);
        _grow(cross);
        address[] memory routed = new address[](3);
        bytes[] memory routes = new bytes[](3);
        uint80[] memory floors = new uint80[](3);
        (routed[0], routes[0]) = (address(weth), abi.encodePacked(address(weth), uint24(3_000), address(wbtc), uint24(3_000), address(usdc)));
        (routed[1], routes[1]) = (address(wbtc), abi.encodePacked(address(wbtc), uint24(3_000), address(weth), uint24(500), address(usdc)));
        (routed[2], routes[2]) = (address(frz), paths[2]);
        crossed = new UniswapV3TwapOracle(address(usdc), factory, BLOCK, WINDOW, 500, address(this), routed, routes, floors);
        basket = [address(usdc), address(weth), address(wbtc), address(frz)];
    }

    /// @notice After pushes of up to 400 ticks of the WETH, WBTC and WETH/WBTC pools (within the routes'
    /// fees or beyond, their references apart or not), the sum answers as the holdings do one by one.
    function testFuzz_theSumIsEachHoldingsBounds(int256[3] memory pushes, bool nextBlock, uint256[4] memory amounts)
        public
    {
        IUniswapV3Pool[3] memory moved = [pools[0], pools[1], cross];
        for (uint256 i; i < 3; ++i) {
            (, int24 tick,,,,,) = moved[i].slot0();
            _swapTo(moved[i], tick + int24(bound(pushes[i], -400, 400)));
        }
        if (nextBlock) _nextBlock(BLOCK);
        uint256[4] memory units = [uint256(1e6), 1e18, 1e8, 1e6];
        uint256[] memory held = new uint256[](4);
        for (uint256 i; i < 4; ++i) {
            // Nothing, or up to a billion whole tokens.
            held[i] = bound(amounts[i], 0, 1e9 * units[i]);
            if (amounts[i] % 5 == 0) held[i] = 0;
        }
        _assertSumIsEach(basket, held);
        // The same holdings in the other order.
        address[] memory reversed = new address[](4);
        uint256[] memory heldReversed = new uint256[](4);
        for (uint256 i; i < 4; ++i) {
            (reversed[i], heldReversed[i]) = (basket[3 - i], held[3 - i]);
        }
        _assertSumIsEach(reversed, heldReversed);
    }

    function _assertSumIsEach(address[] memory tokens, uint256[] memory amounts) private view {
        (uint256 low, uint256 high) = (0, 0);
        bytes memory refusal;
        for (uint256 i; i < tokens.length; ++i) {
            if (amounts[i] == 0) continue;
            (bool ok, bytes memory answer) =
                address(crossed).staticcall(abi.encodeCall(crossed.quoteBounds, (tokens[i], amounts[i])));
            if (!ok) {
                if (refusal.length == 0) refusal = answer;
                continue;
            }
            (uint256 l, uint256 h) = abi.decode(answer, (uint256, uint256));
            (low, high) = (low + l, high + h);
        }
        (bool summed, bytes memory sum) =
            address(crossed).staticcall(abi.encodeCall(crossed.quoteBoundsSum, (tokens, amounts)));
        if (refusal.length != 0) {
            assertFalse(summed, "a holding refused, the sum did not");
            assertEq(sum, refusal, "the sum refused otherwise than the first holding refused");
        } else {
            assertTrue(summed, "every holding answered, the sum did not");
            (uint256 sumLow, uint256 sumHigh) = abi.decode(sum, (uint256, uint256));
            assertEq(sumLow, low, "low");
            assertEq(sumHigh, high, "high");
        }
    }
}
