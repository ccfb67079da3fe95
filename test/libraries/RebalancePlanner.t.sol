// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BallastTest} from "../helpers/BallastTest.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {RebalancePlanner} from "../../contracts/libraries/RebalancePlanner.sol";

/// @notice The planner's promises, under fuzzing, for a base asset and three tokens with any values,
/// targets, bands, residuals, caps and direct routes.
contract RebalancePlannerTest is BallastTest {
    uint256 private constant BPS = 10_000;
    uint256 private constant N = 4;

    struct Case {
        uint256[] values;
        uint16[] targets;
        uint256[] masks;
        uint256 band;
        /// How far short of target the planner stops out-of-band holdings (bps of NAV): fuzzed from the
        /// high bits of `routes`, so that every property below holds for partial rebalances too.
        uint256 residual;
        uint256[] caps;
        /// Each route's cost, fuzzed from the caps' bits: the order the short side is balanced in.
        uint256[] costs;
        uint256 total;
    }

    function _case(uint96[4] memory raw, uint16[3] memory w, uint8 routes, uint16 band, uint16[3] memory cap)
        private
        pure
        returns (Case memory c)
    {
        c.values = new uint256[](N);
        c.values[0] = bound(raw[0], 0, 1e27);
        for (uint256 i = 1; i < N; ++i) {
            c.values[i] = bound(raw[i], 0, 1e27);
        }
        c.targets = new uint16[](N);
        c.targets[1] = uint16(bound(w[0], 0, 10_000));
        c.targets[2] = uint16(bound(w[1], 0, 10_000 - c.targets[1]));
        c.targets[3] = uint16(bound(w[2], 0, 10_000 - c.targets[1] - c.targets[2]));
        c.targets[0] = uint16(10_000 - c.targets[1] - c.targets[2] - c.targets[3]);
        // Direct routes, symmetric: bit 0 for 1-2, bit 1 for 1-3, bit 2 for 2-3.
        c.masks = new uint256[](N);
        if (routes & 1 != 0) (c.masks[1], c.masks[2]) = (c.masks[1] | 1 << 2, c.masks[2] | 1 << 1);
        if (routes & 2 != 0) (c.masks[1], c.masks[3]) = (c.masks[1] | 1 << 3, c.masks[3] | 1 << 1);
        if (routes & 4 != 0) (c.masks[2], c.masks[3]) = (c.masks[2] | 1 << 3, c.masks[3] | 1 << 2);
        c.band = bound(band, 0, 5_000);
        c.residual = (uint256(routes) >> 3) * 80;
        for (uint256 i; i < N; ++i) {
            c.total += c.values[i];
        }
        // Each token its own cap, from 0.1% to 100% of NAV.
        c.caps = new uint256[](N);
        for (uint256 i = 1; i < N; ++i) {
            c.caps[i] = Math.mulDiv(c.total, bound(cap[i - 1], 10, 10_000), BPS);
        }
        c.costs = new uint256[](N);
        for (uint256 i = 1; i < N; ++i) {
            c.costs[i] = (uint256(cap[i - 1]) % 3) * 2_500;
        }
    }

    function _outOfBand(Case memory c, uint256 i) private pure returns (bool) {
        return (i != 0 && c.targets[i] == 0) || _gap(c, c.values, i) * BPS >= c.band * c.total;
    }

    function _plan(Case memory c) private pure returns (RebalancePlanner.Trade[] memory trades, bool limited) {
        return RebalancePlanner.plan(c.values, c.targets, c.masks, c.band, c.residual, c.caps, c.costs);
    }

    /// @dev Rounding: a unit per holding, and the trades of at most DUST_PPM of NAV the planner drops.
    function _slack(Case memory c) private pure returns (uint256) {
        return N + N * Math.mulDiv(c.total, RebalancePlanner.DUST_PPM, 1_000_000);
    }

    /// @dev The planner with every route costing the same: the short side is balanced in basket order.
    function _planAtEqualCosts(
        uint256[] memory values,
        uint16[] memory targets,
        uint256[] memory masks,
        uint256 band,
        uint256 residual,
        uint256[] memory caps
    ) private pure returns (RebalancePlanner.Trade[] memory trades) {
        (trades,) = RebalancePlanner.plan(values, targets, masks, band, residual, caps, new uint256[](values.length));
    }

    /// @dev $1M after a crypto rally: USDC 28% against 40%, each of WETH, WBTC and LINK 4% over its target.
    function _rally() private pure returns (uint256[] memory values, uint16[] memory targets) {
        values = new uint256[](4);
        (values[0], values[1], values[2], values[3]) = (280_000e6, 340_000e6, 240_000e6, 140_000e6);
        targets = new uint16[](4);
        (targets[0], targets[1], targets[2], targets[3]) = (4_000, 3_000, 2_000, 1_000);
    }

    function _caps(uint256 n, uint256 cap) private pure returns (uint256[] memory caps) {
        caps = new uint256[](n);
        for (uint256 i = 1; i < n; ++i) {
            caps[i] = cap;
        }
    }

    function _target(Case memory c, uint256 i) private pure returns (uint256) {
        return Math.mulDiv(c.total, c.targets[i], BPS);
    }

    function _gap(Case memory c, uint256[] memory values, uint256 i) private pure returns (uint256) {
        uint256 t = _target(c, i);
        return values[i] > t ? values[i] - t : t - values[i];
    }

    function _maxGap(Case memory c, uint256[] memory values) private pure returns (uint256 m) {
        for (uint256 i; i < N; ++i) {
            m = Math.max(m, _gap(c, values, i));
        }
    }

    /// @dev Applies the trades at the planner's values: what leaves one holding arrives in the other.
    function _apply(Case memory c, RebalancePlanner.Trade[] memory trades)
        private
        pure
        returns (uint256[] memory after_, uint256[] memory sold, uint256[] memory bought)
    {
        after_ = new uint256[](N);
        sold = new uint256[](N);
        bought = new uint256[](N);
        for (uint256 i; i < N; ++i) {
            after_[i] = c.values[i];
        }
        for (uint256 k; k < trades.length; ++k) {
            RebalancePlanner.Trade memory t = trades[k];
            after_[t.from] -= t.value;
            after_[t.to] += t.value;
            sold[t.from] += t.value;
            bought[t.to] += t.value;
        }
    }

    function testFuzz_tradesAreWellFormed(uint96[4] memory raw, uint16[3] memory w, uint8 routes, uint16 band, uint16[3] memory cap)
        public
        pure
    {
        Case memory c = _case(raw, w, routes, band, cap);
        (RebalancePlanner.Trade[] memory trades,) = _plan(c);
        assertLe(trades.length, N - 1, "at most n - 1 swaps");
        // The base asset in hand as the trades run in order: sells to it come before buys with it.
        uint256 base = c.values[0];
        for (uint256 k; k < trades.length; ++k) {
            RebalancePlanner.Trade memory t = trades[k];
            assertTrue(t.from != t.to, "no trade with itself");
            assertGt(t.value, 0, "no empty trade");
            if (t.from == 0) {
                assertLe(t.value, base, "buys spend only the base asset in hand");
                base -= t.value;
            } else {
                assertLe(t.value, c.values[t.from], "never sells more than is held");
            }
            if (t.to == 0) base += t.value;
            if (t.from != 0 && t.to != 0) assertTrue((c.masks[t.from] >> t.to) & 1 == 1, "direct only on a route");
        }
    }

    function testFuzz_movesEveryHoldingTowardItsTargetWithinCaps(
        uint96[4] memory raw,
        uint16[3] memory w,
        uint8 routes,
        uint16 band,
        uint16[3] memory cap
    ) public pure {
        Case memory c = _case(raw, w, routes, band, cap);
        (RebalancePlanner.Trade[] memory trades,) = _plan(c);
        (uint256[] memory after_, uint256[] memory sold, uint256[] memory bought) = _apply(c, trades);
        for (uint256 i = 1; i < N; ++i) {
            assertTrue(sold[i] == 0 || bought[i] == 0, "a token is sold or bought, not both");
            assertLe(sold[i] + bought[i], c.caps[i], "each token trades at most its cap");
            assertLe(_gap(c, after_, i), _gap(c, c.values, i), "no token's gap grows");
            uint256 t = _target(c, i);
            if (c.values[i] >= t) assertGe(after_[i], t, "an overweight token never goes under");
            else assertLe(after_[i], t, "an underweight token never goes over");
        }
        // The base asset absorbs the rounding of scaled flows: a few units at most.
        assertLe(_gap(c, after_, 0), _gap(c, c.values, 0) + N, "the base asset's gap does not grow");
        // A partial rebalance stops the out-of-band tokens on the side that must move more the residual
        // short of their targets (a token being wound down still goes to zero); the other side may move
        // further, to balance it.
        (uint256 supply, uint256 demand) = _mustMove(c);
        uint256 residual = Math.mulDiv(c.total, c.residual, BPS);
        for (uint256 i = 1; i < N; ++i) {
            if (!_outOfBand(c, i) || c.targets[i] == 0) continue;
            bool over = c.values[i] > _target(c, i);
            if (over ? supply < demand : demand < supply) continue;
            assertGe(_gap(c, after_, i), Math.min(_gap(c, c.values, i), residual), "stopped short of its target by the residual");
        }
    }

    /// @dev What the out-of-band holdings must sell and buy to come within the residual, within their caps.
    function _mustMove(Case memory c) private pure returns (uint256 supply, uint256 demand) {
        uint256 residual = Math.mulDiv(c.total, c.residual, BPS);
        for (uint256 i; i < N; ++i) {
            if (!_outOfBand(c, i)) continue;
            uint256 gap = _gap(c, c.values, i);
            uint256 want = i == 0 ? gap : Math.min(gap, c.caps[i]);
            uint256 must = (i != 0 && c.targets[i] == 0) ? want : Math.min(want, gap > residual ? gap - residual : 0);
            if (c.values[i] > _target(c, i)) supply += must;
            else demand += must;
        }
    }

    /// @dev Every holding ends within the residual of its target (or within the band, where the plan left
    /// it alone), give or take rounding. Returns what each holding sold.
    function _assertLands(Case memory c, RebalancePlanner.Trade[] memory trades) private pure returns (uint256[] memory sold) {
        uint256[] memory after_;
        (after_, sold,) = _apply(c, trades);
        uint256 slack = _slack(c);
        uint256 residual = Math.mulDiv(c.total, c.residual, BPS);
        for (uint256 i; i < N; ++i) {
            uint256 bound_ = _outOfBand(c, i) ? residual : Math.max(residual, _gap(c, c.values, i));
            assertLe(_gap(c, after_, i), bound_ + slack, "every holding ends within the residual (or where the band left it)");
        }
    }

    /// @notice A plan the caps did not limit lands where its return point says, whatever the caps; one they
    /// limited has a holding that must move more than its cap (the vault then carries on in its next call).
    function testFuzz_aPlanTheCapsDidNotLimitLands(
        uint96[4] memory raw,
        uint16[3] memory w,
        uint8 routes,
        uint16 band,
        uint16[3] memory cap
    ) public pure {
        Case memory c = _case(raw, w, routes, band, cap);
        vm.assume(c.total >= 1e12);
        (RebalancePlanner.Trade[] memory trades, bool limited) = _plan(c);
        if (!limited) {
            _assertLands(c, trades);
            return;
        }
        // Limited: the gap of some holding other than the base asset is larger than its cap (it must move
        // more than that, or the other side needed what the cap held back).
        bool capBinds;
        for (uint256 i = 1; i < N; ++i) {
            if (c.caps[i] < _gap(c, c.values, i)) capBinds = true;
        }
        assertTrue(capBinds, "a limited plan has a cap that binds");
    }

    /// @notice The return point lands where it says: with no cap binding, every holding, the base asset
    /// included, ends within the residual of its target (or within the band, where the plan leaves it
    /// alone), and the plan moves no more than the side that must move most.
    function testFuzz_landsWithinTheResidualOnTheTriggersDriftMeasure(
        uint96[4] memory raw,
        uint16[3] memory w,
        uint8 routes,
        uint16 band
    ) public pure {
        Case memory c = _case(raw, w, routes, band, [uint16(10_000), 10_000, 10_000]);
        c.caps = _caps(N, type(uint128).max);
        vm.assume(c.total >= 1e12);
        (RebalancePlanner.Trade[] memory trades, bool limited) = _plan(c);
        assertFalse(limited, "no cap binds: the plan is not limited");
        uint256[] memory sold = _assertLands(c, trades);
        (uint256 supply, uint256 demand) = _mustMove(c);
        uint256 moved;
        for (uint256 i; i < N; ++i) {
            moved += sold[i];
        }
        // Sold value counts each swap once (a sale to the base asset, a purchase with it, or a direct pair).
        assertLe(moved, 2 * Math.max(supply, demand) + _slack(c), "no more is moved than the side that must move most");
    }

    function testFuzz_neverIncreasesDriftAndReducesItWhenDue(
        uint96[4] memory raw,
        uint16[3] memory w,
        uint8 routes,
        uint16 band,
        uint16[3] memory cap
    ) public pure {
        Case memory c = _case(raw, w, routes, band, cap);
        vm.assume(c.total >= 1e12);
        (RebalancePlanner.Trade[] memory trades,) = _plan(c);
        (uint256[] memory after_,,) = _apply(c, trades);
        uint256 before = _maxGap(c, c.values);
        uint256 afterwards = _maxGap(c, after_);
        assertLe(afterwards, before + N, "drift never increases");
        // Due: the largest gap is out of band and worth more than rounding dust, and no cap is so small
        // that the trade it allows is dust.
        bool capsAboveDust = true;
        for (uint256 i = 1; i < N; ++i) {
            if (c.caps[i] <= c.total / 1_000_000) capsAboveDust = false;
        }
        if (c.residual == 0 && capsAboveDust && before * BPS >= Math.max(c.band, 1) * c.total) {
            assertGt(trades.length, 0, "a due basket gets trades");
            assertLt(afterwards, before, "and its drift decreases");
        }
        // (A partial rebalance may find nothing to do: each token within its residual, or a side too small
        // to fund the other beyond dust. testFuzz_stopsResidualShortOfTarget covers it.)
    }

    function testFuzz_leavesInBandTokensAloneWhenTheBaseAssetCanBalance(
        uint96[4] memory raw,
        uint16[3] memory w,
        uint8 routes,
        uint16 band,
        uint16[3] memory cap
    ) public pure {
        Case memory c = _case(raw, w, routes, band, cap);
        (RebalancePlanner.Trade[] memory trades,) = _plan(c);
        (, uint256[] memory sold, uint256[] memory bought) = _apply(c, trades);
        // What the out-of-band tokens (and those wound down to a zero target) want to sell and buy, and
        // the base asset's room either way.
        (uint256 supply, uint256 demand, uint256 baseRoomToBuy, uint256 baseRoomToSell) = (0, 0, 0, 0);
        for (uint256 i; i < N; ++i) {
            uint256 gap = _gap(c, c.values, i);
            uint256 want = i == 0 ? gap : Math.min(gap, c.caps[i]);
            bool over = c.values[i] > _target(c, i);
            uint256 residual = Math.mulDiv(c.total, c.residual, BPS);
            if (_outOfBand(c, i) && !(i != 0 && c.targets[i] == 0)) want = Math.min(want, gap > residual ? gap - residual : 0);
            if (_outOfBand(c, i)) {
                if (over) supply += want;
                else demand += want;
            }
            // The base asset's room: its whole gap in band, what the residual leaves out of it.
            if (i == 0) {
                uint256 room = _outOfBand(c, 0) ? gap - want : gap;
                if (over) baseRoomToSell = room;
                else baseRoomToBuy = room;
            }
        }
        for (uint256 i = 1; i < N; ++i) {
            if (_outOfBand(c, i)) continue;
            if (bought[i] != 0) assertGt(supply, demand + baseRoomToBuy, "an in-band token is bought only when needed");
            if (sold[i] != 0) assertGt(demand, supply + baseRoomToSell, "an in-band token is sold only when needed");
        }
    }

    function test_matchesASellerWithABuyerDirectlyWhenARouteExists() public pure {
        Case memory c;
        c.values = new uint256[](N);
        (c.values[0], c.values[1], c.values[2], c.values[3]) = (2_500e6, 3_500e6, 1_500e6, 2_500e6);
        c.targets = new uint16[](N);
        (c.targets[0], c.targets[1], c.targets[2], c.targets[3]) = (2_500, 2_500, 2_500, 2_500);
        c.masks = new uint256[](N);
        RebalancePlanner.Trade[] memory hub = _planAtEqualCosts(c.values, c.targets, c.masks, 100, 0, _caps(N, 10_000e6));
        assertEq(hub.length, 2, "through the base asset: sell, then buy");
        assertEq(hub[0].from, 1);
        assertEq(hub[0].to, 0);
        assertEq(hub[1].from, 0);
        assertEq(hub[1].to, 2);
        (c.masks[1], c.masks[2]) = (1 << 2, 1 << 1);
        RebalancePlanner.Trade[] memory direct = _planAtEqualCosts(c.values, c.targets, c.masks, 100, 0, _caps(N, 10_000e6));
        assertEq(direct.length, 1, "one direct swap");
        assertEq(direct[0].from, 1);
        assertEq(direct[0].to, 2);
        assertEq(direct[0].value, 1_000e6);
    }

    function test_slicesATradeLargerThanTheCap() public pure {
        uint256[] memory values = new uint256[](2);
        (values[0], values[1]) = (10_000e6, 0);
        uint16[] memory targets = new uint16[](2);
        (targets[0], targets[1]) = (5_000, 5_000);
        RebalancePlanner.Trade[] memory trades = _planAtEqualCosts(values, targets, new uint256[](2), 100, 0, _caps(2, 1_000e6));
        assertEq(trades.length, 1);
        assertEq(trades[0].value, 1_000e6, "the cap, not the 50% gap");
    }

    function test_sellsAZeroTargetHoldingWhateverItsSize() public pure {
        uint256[] memory values = new uint256[](3);
        // 0.5 bp of NAV in a token wound down to a zero target: inside any band, sold all the same, to the
        // base asset, which is as far under its target and absorbs it.
        (values[0], values[1], values[2]) = (4_999.5e6, 5_000e6, 0.5e6);
        uint16[] memory targets = new uint16[](3);
        (targets[0], targets[1], targets[2]) = (5_000, 5_000, 0);
        RebalancePlanner.Trade[] memory trades = _planAtEqualCosts(values, targets, new uint256[](3), 100, 0, _caps(3, 1e30));
        assertEq(trades.length, 1);
        assertEq(trades[0].from, 2);
        assertEq(trades[0].to, 0);
        assertEq(trades[0].value, 0.5e6);
    }

    function test_plansNothingForAnEmptyBasket() public pure {
        RebalancePlanner.Trade[] memory trades =
            _planAtEqualCosts(new uint256[](3), new uint16[](3), new uint256[](3), 0, 0, _caps(3, 1e30));
        assertEq(trades.length, 0);
    }

    function test_theBaseAssetLandsWithinTheResidualToo() public pure {
        (uint256[] memory values, uint16[] memory targets) = _rally();
        // Return to 2.5% (band 1%). Each token must sell 1.5% and the base asset buy 9.5%: taking the
        // residual off each token alone left the base asset 7.5% short, above a 5% trigger. The sellers
        // now sell 5% more between them, first come first: WETH and WBTC to target, LINK 2.5% over.
        RebalancePlanner.Trade[] memory trades = _planAtEqualCosts(values, targets, new uint256[](4), 100, 250, _caps(4, 1e30));
        uint256 bought;
        for (uint256 k; k < trades.length; ++k) {
            assertEq(trades[k].to, 0, "every sale goes to the base asset");
            bought += trades[k].value;
        }
        assertEq(bought, 95_000e6, "the base asset ends 2.5% short, not 7.5%");
        assertEq(trades[0].value, 40_000e6);
        assertEq(trades[1].value, 40_000e6);
        assertEq(trades[2].value, 15_000e6);
    }

    function test_balancesThroughTheCheapestRoutesFirst() public pure {
        // The rally above, with LINK's route the cheapest (0.05% against 0.3%): the 5% the sellers must add
        // comes from LINK first, then WETH (a tie with WBTC, basket order), and WBTC stops at the return point.
        (uint256[] memory values, uint16[] memory targets) = _rally();
        uint256[] memory costs = new uint256[](4);
        (costs[1], costs[2], costs[3]) = (3_000, 3_000, 500);
        (RebalancePlanner.Trade[] memory trades,) =
            RebalancePlanner.plan(values, targets, new uint256[](4), 100, 250, _caps(4, 1e30), costs);
        assertEq(trades.length, 3);
        (uint256 weth, uint256 wbtc, uint256 link) = (trades[0].value, trades[1].value, trades[2].value);
        assertEq(link, 40_000e6, "the cheapest route goes to its target");
        assertEq(weth, 40_000e6);
        assertEq(wbtc, 15_000e6, "the dearest stops at the return point");
        // The same with equal costs: basket order.
        trades = _planAtEqualCosts(values, targets, new uint256[](4), 100, 250, _caps(4, 1e30));
        assertEq(trades[2].value, 15_000e6);
    }

    function test_aResidualLeavesTheGapItNames() public pure {
        // $1M: USDC 60% against 40%, WETH 10% against 30%, WBTC and LINK on target.
        uint256[] memory values = new uint256[](4);
        (values[0], values[1], values[2], values[3]) = (600_000e6, 100_000e6, 200_000e6, 100_000e6);
        uint16[] memory targets = new uint16[](4);
        (targets[0], targets[1], targets[2], targets[3]) = (4_000, 3_000, 2_000, 1_000);
        // To the band's edge (1%): buy $190k of WETH, not $200k.
        RebalancePlanner.Trade[] memory partway = _planAtEqualCosts(values, targets, new uint256[](4), 100, 100, _caps(4, 1e30));
        assertEq(partway.length, 1);
        assertEq(partway[0].value, 190_000e6);
        RebalancePlanner.Trade[] memory whole = _planAtEqualCosts(values, targets, new uint256[](4), 100, 0, _caps(4, 1e30));
        assertEq(whole[0].value, 200_000e6);
        // A residual as large as the gap trades nothing.
        assertEq(_planAtEqualCosts(values, targets, new uint256[](4), 100, 2_000, _caps(4, 1e30)).length, 0);
    }
}
