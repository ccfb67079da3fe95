// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {ReturnPoint} from "../../contracts/libraries/ReturnPoint.sol";
import {BallastTest} from "../helpers/BallastTest.sol";

contract ReturnPointTest is BallastTest {
    /// @dev The cost a unit of time of trading back from `t` to `r` (basis points) with a fixed cost `f` and
    /// a proportional cost `c` (pips) on a NAV `nav`, up to a common factor (the drift's variance): the
    /// quantity the rule minimises, scaled to stay in integers.
    function _costRate(uint256 t, uint256 r, uint256 nav, uint256 f, uint256 c) private pure returns (uint256) {
        // c * NAV / (T + R) + F / ((T - R)(T + R)), with T and R as fractions of NAV (bps / 1e4), c in pips.
        uint256 proportional = Math.mulDiv(c * nav, 1e30, 1e6 * (t + r));
        uint256 fixedPart = Math.mulDiv(f * 1e4, 1e30, (t - r) * (t + r));
        return proportional + fixedPart;
    }

    function testFuzz_staysWithinGovernancesBounds(
        uint16 threshold,
        uint16 floor,
        uint16 ceiling,
        uint96 nav,
        uint96 fixedCost,
        uint24 cost
    ) public pure {
        uint256 r = ReturnPoint.bps(threshold, floor, ceiling, nav, fixedCost, cost);
        assertGe(r, floor, "never under the floor");
        assertLe(r, Math.max(floor, Math.min(ceiling, threshold)), "never over the ceiling or the threshold");
    }

    function testFuzz_isTheCheapestReturnPoint(uint16 threshold, uint64 nav, uint64 fixedCost, uint24 cost) public pure {
        threshold = uint16(bound(threshold, 100, 5_000));
        nav = uint64(bound(nav, 1e6, type(uint64).max));
        cost = uint24(bound(cost, 100, 20_000));
        uint256 r = ReturnPoint.bps(threshold, 0, threshold, nav, fixedCost, cost);
        // Gas too cheap against the trade to register at a basis point: the threshold itself (the cost rate's
        // pole; the vault keeps its ceiling MinDriftBps under the threshold).
        if (r == threshold) {
            assertLt(Math.mulDiv(uint256(fixedCost) * 1e10, 1e8, uint256(cost) * nav * threshold), 1e4, "only for k < 1e-4");
            return;
        }
        // Unclamped, it is the minimum of the cost rate rounded down to the basis point (toward target): the
        // minimum lies in [r, r + 1], so a point further in than r, or further out than r + 1, costs more.
        if (r >= 1) {
            assertLe(
                _costRate(threshold, r, nav, fixedCost, cost),
                _costRate(threshold, r - 1, nav, fixedCost, cost),
                "one bps further in costs more"
            );
        }
        if (r + 2 < threshold) {
            assertLe(
                _costRate(threshold, r + 1, nav, fixedCost, cost),
                _costRate(threshold, r + 2, nav, fixedCost, cost),
                "one bps further out costs more"
            );
        }
    }

    function testFuzz_followsTheVaultsSizeAndGas(uint64 nav, uint64 more, uint64 fixedCost, uint24 cost) public pure {
        nav = uint64(bound(nav, 1e6, type(uint64).max / 2));
        more = uint64(bound(more, 1, nav));
        cost = uint24(bound(cost, 100, 20_000));
        uint256 r = ReturnPoint.bps(500, 0, 500, nav, fixedCost, cost);
        assertGe(ReturnPoint.bps(500, 0, 500, uint256(nav) + more, fixedCost, cost), r, "a larger vault trades less far");
        assertLe(ReturnPoint.bps(500, 0, 500, nav, uint256(fixedCost) + more, cost), r, "dearer gas trades further");
        assertGe(ReturnPoint.bps(500, 0, 500, nav, fixedCost, uint256(cost) + 1), r, "dearer routes trade less far");
    }

    function test_theClosedFormAtTwoSizes() public pure {
        // A 5% threshold, routes at 0.1%, a rebalance's gas worth $24 (6 decimals): k = 0.48 at $1M, R/T = 0.389;
        // k = 0.048 at $10M, R/T = 0.734.
        assertEq(ReturnPoint.bps(500, 0, 500, 1e12, 24e6, 1_000), 194);
        assertEq(ReturnPoint.bps(500, 0, 500, 1e13, 24e6, 1_000), 367);
    }

    function test_theLimits() public pure {
        assertEq(ReturnPoint.bps(500, 100, 450, 1e12, 0, 1_000), 450, "free gas: trade only what the threshold needs");
        assertEq(ReturnPoint.bps(500, 100, 600, 1e12, 0, 1_000), 500, "at most the threshold (the vault passes a ceiling under it)");
        assertEq(ReturnPoint.bps(500, 100, 450, 1, 1e30, 1_000), 100, "gas beyond any trade: back to the floor");
        assertEq(ReturnPoint.bps(500, 100, 450, 0, 24e6, 1_000), 100, "no NAV: the floor");
        assertEq(ReturnPoint.bps(0, 100, 450, 1e12, 24e6, 1_000), 100, "no threshold: the floor");
        assertEq(ReturnPoint.bps(500, 100, 450, 1e12, 24e6, 0), 100, "free routes: the floor");
        assertEq(ReturnPoint.bps(500, 300, 200, 1e12, 0, 1_000), 300, "crossed bounds: the floor wins");
    }
}
