// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {TickMath} from "uniswap-v3-core-08/contracts/libraries/TickMath.sol";

import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";
import {Holding} from "../types/Holding.sol";
import {VaultState} from "../types/VaultState.sol";
import {BasketMath} from "./BasketMath.sol";
import {PoolSwap} from "./PoolSwap.sol";
import {RebalancePlanner} from "./RebalancePlanner.sol";
import {ReturnPoint} from "./ReturnPoint.sol";
import {SwapPath} from "./SwapPath.sol";
import {Transfers} from "./Transfers.sol";
import {TwapMath} from "./TwapMath.sol";
import {Valuation} from "./Valuation.sol";

/// @title RebalanceLogic
/// @notice The vault's trading. Values the basket, plans value-denominated trades, sizes them so that
/// no pool moves by more than half its round-trip fee (a sandwich around the rebalance then costs its
/// maker more in fees than the move pays), prices each swap's minimum output from the oracle reference
/// that protects the vault, refuses to trade into a pool pushed within the block, leaves out a token the
/// vault cannot transfer, swaps on the Uniswap V3 pools themselves (PoolSwap: no router), and checks the
/// outcome. An external library, run by the vault with DELEGATECALL (in the vault's context, on its
/// storage and balances), so that the vault stays within the contract size limit.
library RebalanceLogic {
    using SwapPath for bytes;

    /// @dev A token is priced for trading by the oracle's value of a million whole tokens, so that
    /// converting base units back into token units keeps at least six more digits than one token has.
    uint256 private constant _PRICE_PROBE_DECIMALS = 6;
    /// @dev A holding worth at least this many base units is its own price reference: a conversion
    /// through it loses less than a billionth, whatever the base asset's decimals.
    uint256 private constant _PRECISE_VALUE = 1e9;
    /// @dev Uniswap fees are in millionths (pips).
    uint256 private constant _PIPS = 1_000_000;
    /// @dev Slices are sized to move each pool by this fraction of its round-trip fee, and the vault
    /// refuses (VaultPriceImpact) a rebalance that moved one by the whole round trip: room for
    /// liquidity that thins as the price crosses ticks.
    uint256 private constant _SIZING_SHARE_OF_FEE = 2;
    /// @dev Drift is compared in 1e18ths of NAV and reported in basis points, 1e14 of those: the first
    /// rounded down and divided by this is exactly the second (a floor of a floor is the floor of the
    /// product), so each basket's drift is computed once.
    uint256 private constant _FINE_PER_BPS = 1e14;

    /// @dev A rebalance's figures, for its Rebalanced event.
    struct Outcome {
        IRebalancingVault.Trigger trigger;
        uint256 navBefore;
        uint256 navAfter;
        uint256 driftBeforeBps;
        uint256 driftAfterBps;
        /// Whether the return point is derived (ResidualCeilingBps set): the run records its aim and gas.
        bool derived;
    }

    /// @dev The basket as planning sees it: holdings, balances (less what is owed), oracle values (the
    /// reference, and the lowest and highest of the oracle's references), targets; and, for trading,
    /// whether the vault owes any token (see Valuation.heldOf), which no rebalance changes.
    struct Basket {
        Holding[] holdings;
        uint256[] balances;
        uint256[] values;
        uint256[] lows;
        uint256[] highs;
        uint16[] targets;
        uint256 nav;
        bool owing;
    }

    /// @dev A pool some path of the basket runs through.
    struct Pool {
        address pool;
        uint24 fee;
        /// How many of the basket's paths run through it: its budget is shared among them.
        uint256 paths;
        /// What all the rebalance's trades through it may total, in base units.
        uint256 budget;
        /// Its square-root price when the rebalance began, and what else its `slot0` said then.
        uint160 sqrtPriceX96;
        int24 tick;
        uint16 observationIndex;
        uint16 observationCardinality;
        /// Whether a planned trade goes through it.
        bool traded;
    }

    /// @dev A path a token may trade along: its swap path (`to` = 0, the base asset), or a direct route
    /// to token `to`.
    struct Candidate {
        bytes path;
        uint256 from;
        uint256 to;
        uint256[] pools;
    }

    /// @dev An amount of a token and its lowest and highest oracle values: the token's price.
    struct Reference {
        uint256 amount;
        uint256 low;
        uint256 high;
    }

    /// @dev What planning produces.
    struct Plan {
        RebalancePlanner.Trade[] planned;
        IRebalancingVault.Trade[] trades;
        Pool[] pools;
        Candidate[] candidates;
        /// Whether a cap stopped the plan short of its return point.
        bool limited;
    }

    // ================================================================== entry points

    /// @notice A whole rebalance, run by the vault in its own context: values the basket (one oracle
    /// read per held token), finds the trigger (VaultRebalanceNotDue when none fires, before any price
    /// check, so that a keeper hears "not due" first), plans, leaves out tokens the vault cannot
    /// transfer, checks the traded pools, swaps, checks the outcome, and emits Rebalanced (in the vault's
    /// name, for its caller). On the first `attempt` (0) only the tokens the plan receives are probed (see
    /// `_frozen`): a token it sends proves itself in its swap, and if a swap fails the vault makes a second
    /// attempt (any other number; a number rather than a flag, which would cost every library call's
    /// decoding a shared helper), in which every token the plan touches is probed first.
    /// @return reduced Whether drift fell, in basis points (what keeper pay repays).
    /// @return trades The swaps made, as executed (the vault returns them from this call's return data as
    /// they are, rather than decoding and encoding them again).
    function run(VaultState storage s, address factory, uint256 attempt)
        external
        returns (bool reduced, IRebalancingVault.Trade[] memory trades)
    {
        uint256 gasAtStart = gasleft();
        IRebalancingVault.Parameters memory p = s.params;
        Outcome memory outcome;
        Basket memory b = _basket(s);
        outcome.navBefore = b.nav;
        uint256 driftBefore = BasketMath.drift(b.values, b.targets, b.nav, 1e18);
        outcome.driftBeforeBps = driftBefore / _FINE_PER_BPS;
        _fire(s, p, b, outcome);
        uint256 excluded;
        Plan memory plan;
        for (;;) {
            plan = _plan(s, factory, b, excluded, p);
            uint256 frozen = _frozen(b, plan, excluded, attempt != 0);
            if (frozen == 0) break;
            excluded |= frozen;
        }
        if (plan.trades.length == 0) revert IRebalancingVault.VaultNothingToTrade();
        _checkPushed(plan.pools, p.maxSpotDeviationBps);
        {
            uint256 traded;
            for (uint256 k; k < plan.trades.length; ++k) {
                traded += _swap(s, plan.trades[k], factory, b);
            }
            _checkImpact(plan.pools);
            (outcome.navAfter, outcome.driftAfterBps) =
                _outcome(s, b, excluded, traded, p.maxSlippageBps, driftBefore);
        }
        // When it ran, and whether it carries on: one write of the slot the vault reads its parameters from.
        (s.params.lastRebalanceAt, s.params.lastRebalanceUnfinished) = (uint40(block.timestamp), plan.limited);
        // The derived return point's inputs for the next one: where this one aimed, and what it cost.
        if (outcome.derived) {
            (s.triggers.lastReturnPointBps, s.triggers.lastRebalanceGas) =
                (p.residualDriftBps, uint32(gasAtStart - gasleft()));
        }
        return (_report(outcome, plan.trades.length), plan.trades);
    }

    /// @dev The trigger that fires for `b` (VaultRebalanceNotDue when none does, VaultAuctionsOnly in that
    /// mode), into `outcome`, with `p`'s residual set to the return point. Reads the trigger settings only while
    /// one is on (see VaultState), in the read of the pause's slot that tells whether the vault owes anything.
    function _fire(
        VaultState storage s,
        IRebalancingVault.Parameters memory p,
        Basket memory b,
        Outcome memory outcome
    ) private view {
        bool triggersOn;
        (b.owing, triggersOn) = (s.owingTokens != 0, s.triggersOn);
        uint256 thresholdNow;
        if (triggersOn) {
            if (s.triggers.executionMode == uint8(IRebalancingVault.ExecutionMode.Auctions)) {
                revert IRebalancingVault.VaultAuctionsOnly();
            }
            (thresholdNow,) = effectiveThreshold(s, p);
            // The plan aims at the return point (a derived one lies within 16-bit bounds: the cast is exact).
            p.residualDriftBps = uint16(returnPoint(s, p, thresholdNow, b.nav));
            outcome.derived = s.triggers.residualCeilingBps != 0;
        } else {
            thresholdNow = threshold(p);
        }
        outcome.trigger = firedTrigger(p, outcome.driftBeforeBps, thresholdNow);
        if (outcome.trigger == IRebalancingVault.Trigger.None) {
            revert IRebalancingVault.VaultRebalanceNotDue(outcome.driftBeforeBps, thresholdNow, calendarDueAt(p));
        }
    }

    /// @dev Emits Rebalanced, in the vault's name (this runs in its context) for its caller; returns whether
    /// drift fell, in basis points.
    function _report(Outcome memory outcome, uint256 tradeCount) private returns (bool) {
        emit IRebalancingVault.Rebalanced(
            msg.sender,
            outcome.trigger,
            outcome.navBefore,
            outcome.navAfter,
            outcome.driftBeforeBps,
            outcome.driftAfterBps,
            tradeCount
        );
        return outcome.driftAfterBps < outcome.driftBeforeBps;
    }

    /// @notice The swaps a rebalance would make now (no trigger check, no freeze probe), ABI-encoded as
    /// a `Trade[]` (see `run`).
    function preview(VaultState storage s, address factory) external view returns (bytes memory) {
        IRebalancingVault.Parameters memory p = s.params;
        Basket memory b = _basket(s);
        // Not through the pause's slot: in the keeper's check the trigger settings were read already when set.
        if (s.triggers.residualCeilingBps != 0) {
            (uint256 thresholdBps,) = effectiveThreshold(s, p);
            p.residualDriftBps = uint16(returnPoint(s, p, thresholdBps, b.nav));
        }
        Plan memory plan = _plan(s, factory, b, 0, p);
        _checkPushed(plan.pools, p.maxSpotDeviationBps);
        return abi.encode(plan.trades);
    }

    /// @notice See {IRebalancingVault-rebalanceStatus}; `trigger` is the `Trigger`'s number (an enum in
    /// an external library function's ABI is a type name that ABI tools cannot read). Not due, drift 0,
    /// while the oracle cannot price a holding.
    function status(VaultState storage s)
        public
        view
        returns (
            bool due,
            uint8 trigger,
            uint256 drift,
            uint256 ready,
            uint256 thresholdBps,
            uint256 volatilityBps,
            uint256 returnPointBps
        )
    {
        IRebalancingVault.Parameters memory p = s.params;
        // The pause, and whether any trigger setting is on: one read of the slot they share.
        (uint256 pausedUntil, bool triggersOn) = (s.pausedUntil, s.triggersOn);
        ready = readyAt(p.lastRebalanceAt, p.cooldownSeconds);
        if (triggersOn) (thresholdBps, volatilityBps) = effectiveThreshold(s, p);
        else thresholdBps = threshold(p);
        bool ok;
        (ok, drift) = _driftAiming(s, p, triggersOn, thresholdBps);
        returnPointBps = p.residualDriftBps;
        if (!ok) return (false, 0, 0, ready, thresholdBps, volatilityBps, returnPointBps);
        IRebalancingVault.Trigger fired = firedTrigger(p, drift, thresholdBps);
        due = fired != IRebalancingVault.Trigger.None && block.timestamp >= ready && block.timestamp >= pausedUntil
            && !(triggersOn && s.triggers.executionMode == uint8(IRebalancingVault.ExecutionMode.Auctions));
        trigger = uint8(fired);
    }

    /// @notice See {IRebalancingVault-rebalanceTrigger}: due, and a plan that has trades and passes its
    /// checks now (a pushed pool or unsettled prices would make the call revert).
    function executable(VaultState storage s) external view returns (bool) {
        (bool due,,,,,,) = status(s);
        if (!due) return false;
        // A preview that reverts plans nothing. Its return is `(offset, length, ...)`: only the length is read.
        (bool ok, bytes memory trades) =
            address(this).staticcall(abi.encodeCall(IRebalancingVault.previewRebalance, ()));
        if (!ok || trades.length < 64) return false;
        (, uint256 count) = abi.decode(trades, (uint256, uint256));
        return count != 0;
    }

    /// @dev The basket's drift, with `p`'s residual set to the return point (see `returnPoint`); false, and
    /// `p` as it was, while the oracle cannot price a holding.
    function _driftAiming(
        VaultState storage s,
        IRebalancingVault.Parameters memory p,
        bool triggersOn,
        uint256 thresholdBps
    ) private view returns (bool ok, uint256 drift) {
        uint256[] memory values;
        uint256 nav;
        uint16[] memory targets;
        (ok,, values, nav, targets) = Valuation.values(s, false);
        if (!ok) return (false, 0);
        if (triggersOn) p.residualDriftBps = uint16(returnPoint(s, p, thresholdBps, nav));
        drift = BasketMath.driftBps(values, targets, nav);
    }

    /// @notice The residual a rebalance plans with now: ResidualDriftBps, or, while ResidualCeilingBps is set,
    /// the return point derived from the vault's size, gas and routes (see ReturnPoint), for a threshold of
    /// `thresholdBps` and a NAV of `nav`. The trigger and the carry-on read the larger of it and MinDriftBps.
    function returnPoint(
        VaultState storage s,
        IRebalancingVault.Parameters memory p,
        uint256 thresholdBps,
        uint256 nav
    ) internal view returns (uint256) {
        if (s.triggers.residualCeilingBps == 0) return p.residualDriftBps;
        return ReturnPoint.current(s, thresholdBps, nav);
    }

    /// @notice When the cooldown since the last rebalance ends (taking the two parameters it needs, so that
    /// the vault reads only them).
    function readyAt(uint256 lastRebalanceAt, uint256 cooldownSeconds) internal pure returns (uint256) {
        return lastRebalanceAt + cooldownSeconds;
    }

    /// @notice The threshold (see `threshold`) scaled by the basket's realised volatility against the
    /// reference, within the floor and ceiling, never under MinDriftBps; and that volatility, the
    /// target-weighted mean of each listed token's (the base asset has none). The static threshold, with
    /// volatility 0, while the scaling is off or any token's volatility cannot be read (a pool with too
    /// little history, a token priced only by a feed).
    function effectiveThreshold(VaultState storage s, IRebalancingVault.Parameters memory p)
        internal
        view
        returns (uint256 thresholdBps, uint256 volatilityBps)
    {
        thresholdBps = threshold(p);
        IRebalancingVault.TriggerSettings memory v = s.triggers;
        bool off = thresholdBps == 0 || v.referenceBps == 0 || v.intervalSeconds == 0 || v.intervals < 2;
        if (off) return (thresholdBps, 0);
        uint256 weighted;
        uint256 weight;
        for (uint256 i = 1; i < s.holdings.length; ++i) {
            Holding memory h = s.holdings[i];
            if (h.targetBps == 0) continue;
            try s.oracle.volatility(h.token, v.intervalSeconds, v.intervals) returns (uint256 bps) {
                weighted += bps * h.targetBps;
                weight += h.targetBps;
            } catch {
                return (thresholdBps, 0);
            }
        }
        if (weight == 0) return (thresholdBps, 0);
        volatilityBps = weighted / weight;
        uint256 scaled = thresholdBps * volatilityBps / v.referenceBps;
        if (v.maxThresholdBps != 0) scaled = Math.min(scaled, v.maxThresholdBps);
        thresholdBps = Math.max(Math.max(scaled, v.minThresholdBps), p.minDriftBps);
    }

    /// @notice Which trigger fires at `drift` (basis points) under `p`, now, with the threshold trigger
    /// at `thresholdBps` (0: off), or after a rebalance its caps cut short. Internal: an enum in an
    /// external library function's ABI is a type name that ABI tools cannot read.
    function firedTrigger(IRebalancingVault.Parameters memory p, uint256 drift, uint256 thresholdBps)
        internal
        view
        returns (IRebalancingVault.Trigger)
    {
        if (drift < p.minDriftBps) return IRebalancingVault.Trigger.None;
        if (thresholdBps != 0 && drift >= thresholdBps) return IRebalancingVault.Trigger.Threshold;
        if (p.rebalanceIntervalSeconds != 0 && block.timestamp >= calendarDueAt(p)) {
            return IRebalancingVault.Trigger.Calendar;
        }
        // A rebalance cut short carries on to its return point, within a cooldown of when it may: a flag
        // that outlived its rebalance (drift brought back by the market, then away again) fires once at most.
        if (p.lastRebalanceUnfinished && drift > Math.max(p.residualDriftBps, p.minDriftBps)) {
            uint256 carriesOnUntil = readyAt(p.lastRebalanceAt, p.cooldownSeconds) + p.cooldownSeconds;
            if (block.timestamp < carriesOnUntil) return IRebalancingVault.Trigger.Unfinished;
        }
        return IRebalancingVault.Trigger.None;
    }

    /// @notice The drift at which the threshold trigger fires; 0 when it is off.
    function threshold(IRebalancingVault.Parameters memory p) internal pure returns (uint256) {
        if (p.driftThresholdBps == 0) return 0;
        return Math.max(p.driftThresholdBps, p.minDriftBps);
    }

    /// @notice When the calendar trigger fires (given drift of at least MinDriftBps); 0 when it is off.
    function calendarDueAt(IRebalancingVault.Parameters memory p) internal pure returns (uint256) {
        if (p.rebalanceIntervalSeconds == 0) return 0;
        return uint256(p.lastRebalanceAt) + p.rebalanceIntervalSeconds;
    }

    // ================================================================== planning

    function _basket(VaultState storage s) private view returns (Basket memory b) {
        b.holdings = s.holdings;
        (b.balances, b.values, b.lows, b.highs, b.nav) = Valuation.detailed(s, b.holdings);
        uint256 n = b.holdings.length;
        b.targets = new uint16[](n);
        for (uint256 i; i < n; ++i) {
            b.targets[i] = b.holdings[i].targetBps;
        }
    }

    /// @dev The trades that bring the basket (without the `excluded` holdings, bit per index) toward its
    /// targets, sized to the pools, in token amounts with protective minimum outputs and their paths.
    function _plan(
        VaultState storage s,
        address factory,
        Basket memory b,
        uint256 excluded,
        IRebalancingVault.Parameters memory p
    ) private view returns (Plan memory plan) {
        (uint256[] memory values, uint16[] memory targets, uint256 nav) = _withoutExcluded(b, excluded);
        uint256 n = values.length;
        uint256[] memory masks = new uint256[](n);
        for (uint256 i = 1; i < n; ++i) {
            if (excluded & (1 << i) == 0) masks[i] = b.holdings[i].pairMask & ~excluded;
        }
        uint256[] memory caps;
        uint256[] memory costs;
        plan.candidates = _candidates(s, b, values, targets, masks);
        (plan.pools, caps, costs) = _size(s, factory, b, plan.candidates, nav, p.maxTradeBps);
        (plan.planned, plan.limited) =
            RebalancePlanner.plan(values, targets, masks, p.minDriftBps, p.residualDriftBps, caps, costs);
        plan.trades = _trades(s, b, plan, p);
    }

    /// @dev The planned trades priced, with their paths (the candidates', walked the trade's way);
    /// marks the pools they go through.
    function _trades(VaultState storage s, Basket memory b, Plan memory plan, IRebalancingVault.Parameters memory p)
        private
        view
        returns (IRebalancingVault.Trade[] memory trades)
    {
        trades = new IRebalancingVault.Trade[](plan.planned.length);
        // Each traded token's price, set once.
        Reference[] memory refs = new Reference[](b.holdings.length);
        for (uint256 k; k < trades.length; ++k) {
            RebalancePlanner.Trade memory pt = plan.planned[k];
            IRebalancingVault.Trade memory t = trades[k];
            _priced(s, pt, b, refs, p, t);
            Candidate memory c = _candidateOf(plan.candidates, pt);
            // A candidate walks from its token to the base asset, or from the lower-indexed token of a pair.
            t.path = pt.from == c.from ? c.path : c.path.reverse();
            for (uint256 h; h < c.pools.length; ++h) {
                plan.pools[c.pools[h]].traded = true;
            }
        }
    }

    /// @dev The candidate path a planned trade goes along: the swap path of its token other than the base
    /// asset, or the direct route between its two tokens. The planner only trades along candidates.
    function _candidateOf(Candidate[] memory candidates, RebalancePlanner.Trade memory pt)
        private
        pure
        returns (Candidate memory c)
    {
        (uint256 low, uint256 high) = pt.from < pt.to ? (pt.from, pt.to) : (pt.to, pt.from);
        if (low == 0) return candidates[high - 1];
        // The direct routes follow the swap paths.
        for (uint256 k = candidates.length; k > 0;) {
            c = candidates[--k];
            if (c.from == low && c.to == high) return c;
        }
    }

    /// @dev The basket's values and targets with the `excluded` holdings taken out: their value set to
    /// zero and their targets spread over the rest in proportion (the remainder of the rounding to the
    /// base asset), so that the rest trades toward where it would stand without them.
    function _withoutExcluded(Basket memory b, uint256 excluded)
        private
        pure
        returns (uint256[] memory values, uint16[] memory targets, uint256 nav)
    {
        if (excluded == 0) return (b.values, b.targets, b.nav);
        uint256 n = b.values.length;
        values = new uint256[](n);
        targets = new uint16[](n);
        uint256 kept;
        for (uint256 i; i < n; ++i) {
            if (excluded & (1 << i) != 0) continue;
            values[i] = b.values[i];
            nav += values[i];
            kept += b.targets[i];
        }
        if (kept == 0) return (values, targets, nav);
        uint256 sum;
        for (uint256 i; i < n; ++i) {
            if (excluded & (1 << i) != 0) continue;
            // At most 10,000 * t / kept <= 10,000: fits 16 bits.
            targets[i] = uint16(uint256(b.targets[i]) * BasketMath.BPS / kept);
            sum += targets[i];
        }
        targets[0] += uint16(BasketMath.BPS - sum);
    }

    /// @dev Each token's cap and cost. The cap: MaxTradeBps of NAV, and, for every pool on its swap path or
    /// on a direct route of its, that pool's budget shared among the paths through it. The cost: the fees
    /// of its swap path's pools, in pips. A pool's budget is the value
    /// that moves its square-root price by fee / _SIZING_SHARE_OF_FEE: a sandwich's maker pays the fee
    /// twice and gains about twice the move, so it loses on any slice within budget.
    function _size(
        VaultState storage s,
        address factory,
        Basket memory b,
        Candidate[] memory candidates,
        uint256 nav,
        uint256 maxTradeBps
    ) private view returns (Pool[] memory pools, uint256[] memory caps, uint256[] memory costs) {
        uint256 n = b.holdings.length;
        caps = new uint256[](n);
        costs = new uint256[](n);
        uint256 capacity;
        // A path's length over a hop's is its hops (20 + 23 h bytes), and 0 for an empty candidate (a token
        // with neither value nor target), which has no pools.
        for (uint256 k; k < candidates.length; ++k) {
            capacity += candidates[k].path.length / SwapPath.HOP;
        }
        pools = new Pool[](capacity);
        uint256 count;
        for (uint256 k; k < candidates.length; ++k) {
            Candidate memory c = candidates[k];
            if (c.path.length != 0) count = _addPools(s, factory, b, pools, count, c);
        }
        assembly ("memory-safe") {
            mstore(pools, count)
        }
        // NAV times 10,000 fits: the drift measured before would have panicked.
        uint256 tradeCap = nav * maxTradeBps / BasketMath.BPS;
        for (uint256 i = 1; i < n; ++i) {
            caps[i] = tradeCap;
        }
        for (uint256 k; k < candidates.length; ++k) {
            Candidate memory c = candidates[k];
            for (uint256 h; h < c.pools.length; ++h) {
                Pool memory pool = pools[c.pools[h]];
                uint256 share = pool.budget / pool.paths;
                caps[c.from] = Math.min(caps[c.from], share);
                // A token's cost: its swap path's fees (the planner balances through the cheapest first).
                if (c.to != 0) caps[c.to] = Math.min(caps[c.to], share);
                else costs[c.from] += pool.fee;
            }
        }
    }

    /// @dev The paths the plan may use: the swap path of every token that holds value or has a target, at
    /// the token's index less one (an empty candidate for a token that does neither), then every direct
    /// route between two such tokens.
    function _candidates(
        VaultState storage s,
        Basket memory b,
        uint256[] memory values,
        uint16[] memory targets,
        uint256[] memory masks
    ) private view returns (Candidate[] memory candidates) {
        uint256 n = values.length;
        uint256 count = n - 1;
        for (uint256 i = 1; i < n; ++i) {
            if (values[i] != 0 || targets[i] != 0) count += _bitsAbove(masks[i], i);
        }
        candidates = new Candidate[](count);
        count = n - 1;
        address base = b.holdings[0].token;
        // Set in the array's own entries (each candidate's pools are set when sizing reads its path).
        for (uint256 i = 1; i < n; ++i) {
            if (values[i] == 0 && targets[i] == 0) continue;
            address token = b.holdings[i].token;
            Candidate memory c = candidates[i - 1];
            (c.path, c.from) = (Valuation.swapPath(s, b.holdings[i], base), i);
            for (uint256 j = i + 1; j < n; ++j) {
                if ((masks[i] >> j) & 1 == 0) continue;
                c = candidates[count++];
                (c.path, c.from, c.to) = (s.pairPaths[token][b.holdings[j].token], i, j);
            }
        }
    }

    function _bitsAbove(uint256 mask, uint256 i) private pure returns (uint256 bits) {
        for (mask >>= i + 1; mask != 0; mask >>= 1) {
            bits += mask & 1;
        }
    }

    /// @dev A hop of a path: its pool and fee, the direction the path walks it, and what its `slot0` says now.
    struct Hop {
        address pool;
        uint24 fee;
        bool zeroForOne;
        uint160 sqrtPriceX96;
        int24 tick;
        uint16 observationIndex;
        uint16 observationCardinality;
    }

    /// @dev Adds the pools of `c`'s path to `pools[0..count)` (or counts one more path through those
    /// already there), with each new pool's state and budget; records their indices in `c.pools`.
    function _addPools(
        VaultState storage s,
        address factory,
        Basket memory b,
        Pool[] memory pools,
        uint256 count,
        Candidate memory c
    ) private view returns (uint256) {
        Hop[] memory path = _read(factory, c.path);
        uint256 hops = path.length;
        c.pools = new uint256[](hops);
        for (uint256 h; h < hops; ++h) {
            address pool = path[h].pool;
            uint256 q;
            while (q < count && pools[q].pool != pool) ++q;
            c.pools[h] = q;
            if (q < count) {
                pools[q].paths += 1;
            } else {
                pools[count++] = _newPool(s, factory, b, c, path, h);
            }
        }
        return count;
    }

    /// @dev Hop `h` of `c`'s path as a pool of the sizing, with its budget: one side's virtual reserve,
    /// valued in base units along the rest of the path at spot, times the share of its fee.
    function _newPool(
        VaultState storage s,
        address factory,
        Basket memory b,
        Candidate memory c,
        Hop[] memory path,
        uint256 h
    ) private view returns (Pool memory pool) {
        Hop memory hop = path[h];
        uint128 liquidity = IUniswapV3Pool(hop.pool).liquidity();
        uint256 value = _convert(path, h + 1, TwapMath.virtualReserveAt(hop.sqrtPriceX96, liquidity, hop.zeroForOne));
        // A direct route ends at a token: on to the base asset along that token's swap path.
        if (c.to != 0) {
            value = _convert(_read(factory, Valuation.swapPath(s, b.holdings[c.to], b.holdings[0].token)), 0, value);
        }
        (pool.pool, pool.fee, pool.paths) = (hop.pool, hop.fee, 1);
        pool.budget = Math.mulDiv(value, hop.fee, _PIPS * _SIZING_SHARE_OF_FEE);
        (pool.sqrtPriceX96, pool.tick) = (hop.sqrtPriceX96, hop.tick);
        (pool.observationIndex, pool.observationCardinality) = (hop.observationIndex, hop.observationCardinality);
    }

    /// @dev Every hop of `path`: its pool, the direction the path walks it, and what its `slot0` says now.
    function _read(address factory, bytes memory path) private view returns (Hop[] memory hops) {
        // Its hops: the vault only stores well-formed paths (BasketConfig checks them), 20 + 23 h bytes long.
        hops = new Hop[](path.length / SwapPath.HOP);
        for (uint256 h; h < hops.length; ++h) {
            Hop memory hop = hops[h];
            address tokenIn;
            address tokenOut;
            (tokenIn, hop.fee, tokenOut) = path.hop(h);
            hop.pool = SwapPath.pool(factory, tokenIn, tokenOut, hop.fee);
            hop.zeroForOne = tokenIn < tokenOut;
            (hop.sqrtPriceX96, hop.tick, hop.observationIndex, hop.observationCardinality) =
                TwapMath.slot0(IUniswapV3Pool(hop.pool));
        }
    }

    /// @dev `amount` converted along a path's hops `from` to the end at their prices.
    function _convert(Hop[] memory path, uint256 from, uint256 amount) private pure returns (uint256) {
        for (uint256 h = from; h < path.length; ++h) {
            amount = TwapMath.quoteAtSqrtPrice(path[h].sqrtPriceX96, amount, path[h].zeroForOne);
        }
        return amount;
    }

    /// @dev A planned trade in token amounts, set in `trade`. What the vault gives is valued at the highest of the
    /// oracle's references and what it gets at the lowest (`expectedOut`), so that a lagging average
    /// never widens the minimum output; `minAmountOut` is that less MaxSlippageBps.
    function _priced(
        VaultState storage s,
        RebalancePlanner.Trade memory pt,
        Basket memory b,
        Reference[] memory refs,
        IRebalancingVault.Parameters memory p,
        IRebalancingVault.Trade memory trade
    ) private view {
        trade.tokenIn = b.holdings[pt.from].token;
        trade.tokenOut = b.holdings[pt.to].token;
        trade.value = pt.value;
        uint256 valueIn;
        if (pt.from == 0) {
            trade.amountIn = pt.value;
            valueIn = pt.value;
        } else {
            Reference memory r = _reference(s, b, pt.from, refs, p.maxSpotDeviationBps);
            // The share of the holding that its oracle value says the trade's value is.
            trade.amountIn = Math.mulDiv(b.balances[pt.from], pt.value, b.values[pt.from]);
            valueIn = Math.mulDiv(trade.amountIn, r.high, r.amount);
        }
        if (pt.to == 0) {
            trade.expectedOut = valueIn;
        } else {
            Reference memory r = _reference(s, b, pt.to, refs, p.maxSpotDeviationBps);
            trade.expectedOut = Math.mulDiv(valueIn, r.amount, r.low);
        }
        trade.minAmountOut = Math.mulDiv(trade.expectedOut, BasketMath.BPS - p.maxSlippageBps, BasketMath.BPS);
    }

    /// @dev Holding `i`'s price as a reference amount and its lowest and highest oracle values, after
    /// checking that the references agree within `maxDivergenceBps`. The reference amount is the
    /// holding itself, already valued, when it is worth at least _PRECISE_VALUE; a million whole tokens,
    /// valued now, otherwise. Set once per token in `refs[i]`.
    function _reference(
        VaultState storage s,
        Basket memory b,
        uint256 i,
        Reference[] memory refs,
        uint256 maxDivergenceBps
    ) private view returns (Reference memory r) {
        r = refs[i];
        if (r.amount != 0) return r;
        Holding memory h = b.holdings[i];
        if (b.values[i] >= _PRECISE_VALUE) {
            (r.amount, r.low, r.high) = (b.balances[i], b.lows[i], b.highs[i]);
        } else {
            r.amount = 10 ** (h.decimals + _PRICE_PROBE_DECIMALS);
            (, r.low, r.high) = s.oracle.quoteDetailed(h.token, r.amount);
        }
        uint256 divergence = r.low == 0 ? type(uint256).max : Math.mulDiv(r.high - r.low, BasketMath.BPS, r.low);
        if (divergence > maxDivergenceBps) {
            revert IRebalancingVault.VaultPricesUnsettled(h.token, divergence, maxDivergenceBps);
        }
        refs[i] = r;
    }

    // ================================================================== checks

    /// @dev Holdings of the plan that the vault cannot transfer (a transfer of one unit to itself fails),
    /// among those not yet `excluded`, as a bit per index. The base asset frozen stops everything. Unless
    /// `probeAll`, a token the plan sends (an amount above zero) is not probed: its swap pays it out, which
    /// proves the vault can (see `run` for when that fails). Every token the plan only receives is probed, so
    /// that the vault never buys, or sells into, a token it could not send on.
    function _frozen(Basket memory b, Plan memory plan, uint256 excluded, bool probeAll)
        private
        returns (uint256 frozen)
    {
        uint256 unproven;
        uint256 sent;
        for (uint256 k; k < plan.planned.length; ++k) {
            RebalancePlanner.Trade memory pt = plan.planned[k];
            unproven |= (1 << pt.from) | (1 << pt.to);
            if (plan.trades[k].amountIn != 0) sent |= 1 << pt.from;
        }
        if (!probeAll) unproven &= ~sent;
        unproven &= ~excluded;
        for (uint256 i; unproven >> i != 0; ++i) {
            if ((unproven >> i) & 1 == 0) continue;
            address token = b.holdings[i].token;
            if (Transfers.tryTransfer(token, address(this), b.balances[i] == 0 ? 0 : 1)) continue;
            if (i == 0) revert IRebalancingVault.VaultTokenFrozen(token);
            frozen |= 1 << i;
            emit IRebalancingVault.FrozenTokenSkipped(token);
        }
    }

    /// @dev Every traded pool must stand within `maxDeviationBps` of the price it opened the block at:
    /// otherwise it is being pushed within this block, and the vault does not trade into it.
    function _checkPushed(Pool[] memory pools, uint256 maxDeviationBps) private view {
        for (uint256 q; q < pools.length; ++q) {
            Pool memory pool = pools[q];
            if (!pool.traded) continue;
            int24 openTick = TwapMath.openTickFrom(
                IUniswapV3Pool(pool.pool), pool.tick, pool.observationIndex, pool.observationCardinality
            );
            uint256 deviation = TwapMath.moveBps(TickMath.getSqrtRatioAtTick(openTick), pool.sqrtPriceX96);
            if (deviation > maxDeviationBps) {
                revert IRebalancingVault.VaultSpotDeviation(pool.pool, deviation, maxDeviationBps);
            }
        }
    }

    /// @dev No traded pool may have moved by its round-trip fee (twice its fee tier) since the rebalance
    /// began: the hard bound behind the sizing.
    function _checkImpact(Pool[] memory pools) private view {
        for (uint256 q; q < pools.length; ++q) {
            Pool memory pool = pools[q];
            if (!pool.traded) continue;
            uint256 move = TwapMath.moveBps(pool.sqrtPriceX96, TwapMath.spotSqrtPriceX96(IUniswapV3Pool(pool.pool)));
            // Fee in pips to a round trip in basis points: 2 * fee / 100.
            uint256 maxBps = Math.ceilDiv(2 * uint256(pool.fee) * BasketMath.BPS, _PIPS);
            if (move > maxBps) revert IRebalancingVault.VaultPriceImpact(pool.pool, move, maxBps);
        }
    }

    /// @dev Checks a rebalance's outcome: re-values the basket at the prices it started from (each
    /// holding scaled by its new balance; a token held only now is read from the oracle), then requires
    /// that drift of the traded basket (without the `excluded` holdings) decreased, compared in 1e18ths
    /// of NAV (finer than basis points; `driftBefore` is the whole basket's before), and that NAV did not
    /// fall by more than `maxSlippageBps` of the value `traded`. Each swap's minimum output already bounds
    /// its loss; this catches what swaps cannot see, such as a token delivering less than the pool sent.
    function _outcome(
        VaultState storage s,
        Basket memory b,
        uint256 excluded,
        uint256 traded,
        uint256 maxSlippageBps,
        uint256 driftBefore
    ) private view returns (uint256 navAfter, uint256 driftAfterBps) {
        uint256 n = b.holdings.length;
        // After the trades: new values at the prices before (its balances, lows and highs are not read).
        Basket memory a = Basket(b.holdings, b.balances, new uint256[](n), b.lows, b.highs, b.targets, 0, b.owing);
        for (uint256 i; i < n; ++i) {
            Holding memory h = b.holdings[i];
            uint256 balance = Valuation.heldOf(s, h.token, b.owing);
            if (i == 0 || balance == 0) {
                a.values[i] = balance;
            } else if (b.balances[i] != 0) {
                a.values[i] = Math.mulDiv(balance, b.values[i], b.balances[i]);
            } else {
                a.values[i] = s.oracle.quote(h.token, balance);
            }
            a.nav += a.values[i];
        }
        uint256 driftAfter = BasketMath.drift(a.values, b.targets, a.nav, 1e18);
        driftAfterBps = driftAfter / _FINE_PER_BPS;
        if (excluded != 0) (driftBefore, driftAfter) = _driftsWithout(b, a, excluded);
        if (driftAfter >= driftBefore) revert IRebalancingVault.VaultDriftNotReduced(driftBefore, driftAfter);
        uint256 maxLoss = Math.mulDiv(traded, maxSlippageBps, BasketMath.BPS);
        if (a.nav + maxLoss < b.nav) revert IRebalancingVault.VaultRebalanceLoss(b.nav - a.nav, maxLoss);
        navAfter = a.nav;
    }

    /// @dev Drift before and after, in 1e18ths, of the basket without the `excluded` holdings.
    function _driftsWithout(Basket memory before, Basket memory after_, uint256 excluded)
        private
        pure
        returns (uint256 driftBefore, uint256 driftAfter)
    {
        (uint256[] memory valuesBefore, uint16[] memory targets, uint256 navBefore) =
            _withoutExcluded(before, excluded);
        (uint256[] memory valuesAfter,, uint256 navAfter) = _withoutExcluded(after_, excluded);
        driftBefore = BasketMath.drift(valuesBefore, targets, navBefore, 1e18);
        driftAfter = BasketMath.drift(valuesAfter, targets, navAfter, 1e18);
    }

    // ================================================================== execution

    /// @dev One trade, hop by hop along its path; returns the oracle value (base units) it traded. Buys come
    /// after sells and spend at most the base asset held, which the sells may have left a little short
    /// of their oracle value; their minimum output shrinks in proportion.
    function _swap(VaultState storage s, IRebalancingVault.Trade memory trade, address factory, Basket memory b)
        private
        returns (uint256 value)
    {
        address base = b.holdings[0].token;
        if (trade.tokenIn == base) {
            uint256 idle = Valuation.heldOf(s, base, b.owing);
            if (trade.amountIn > idle) {
                trade.expectedOut = Math.mulDiv(trade.expectedOut, idle, trade.amountIn);
                trade.minAmountOut = Math.mulDiv(trade.minAmountOut, idle, trade.amountIn);
                trade.value = idle;
                trade.amountIn = idle;
            }
        }
        if (trade.amountIn == 0) return 0;
        IERC20 tokenOut = IERC20(trade.tokenOut);
        uint256 before = tokenOut.balanceOf(address(this));
        // Hop by hop on the path's pools (see PoolSwap): no router, no standing approval.
        uint256 amount = trade.amountIn;
        uint256 hops = trade.path.length / SwapPath.HOP;
        for (uint256 h; h < hops; ++h) {
            amount = _hop(trade, factory, h, amount, h + 1 == hops);
        }
        // What the pools sent short of the minimum: the price moved against the vault, or too little depth.
        if (amount < trade.minAmountOut) {
            revert IRebalancingVault.VaultSwapFailed(
                trade.tokenIn, trade.tokenOut, trade.amountIn, trade.minAmountOut, ""
            );
        }
        // Measured, not taken from the pool: a token may deliver less than the pool sent.
        trade.amountOut = tokenOut.balanceOf(address(this)) - before;
        if (trade.amountOut < trade.minAmountOut) {
            revert IRebalancingVault.VaultTransferMismatch(trade.tokenOut, trade.minAmountOut, trade.amountOut);
        }
        emit IRebalancingVault.RebalanceTrade(
            trade.tokenIn,
            trade.tokenOut,
            trade.amountIn,
            trade.amountOut,
            trade.expectedOut,
            trade.minAmountOut,
            trade.path
        );
        return trade.value;
    }

    /// @dev Swaps `amountIn` on hop `h` of `trade`'s path; returns what the pool sent on the last hop, and
    /// on any other what arrived (the next pool is paid that: a token may deliver less than the pool sent).
    function _hop(IRebalancingVault.Trade memory trade, address factory, uint256 h, uint256 amountIn, bool last)
        private
        returns (uint256)
    {
        (address tokenIn, uint24 fee, address tokenOut) = trade.path.hop(h);
        uint256 held = last ? 0 : IERC20(tokenOut).balanceOf(address(this));
        (bool ok, uint256 amountOut, bytes memory reason) =
            PoolSwap.swap(SwapPath.pool(factory, tokenIn, tokenOut, fee), tokenIn, tokenOut, amountIn);
        if (!ok) {
            revert IRebalancingVault.VaultSwapFailed(
                trade.tokenIn, trade.tokenOut, trade.amountIn, trade.minAmountOut, reason
            );
        }
        return last ? amountOut : IERC20(tokenOut).balanceOf(address(this)) - held;
    }
}
