// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// The external functions below take memory on purpose: the planner and SwapPath work on memory, and
// `execute` fills in the trades it returns.
// solhint-disable gas-calldata-parameters

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";
import {Holding} from "../types/Holding.sol";
import {BasketMath} from "./BasketMath.sol";
import {RebalancePlanner} from "./RebalancePlanner.sol";
import {SwapPath} from "./SwapPath.sol";

/// @title RebalanceLogic
/// @notice The vault's trading: turns the planner's value-denominated trades into swaps with
/// oracle-derived minimum outputs, and makes them through the Uniswap V3 SwapRouter. An external
/// library, run by the vault with DELEGATECALL (in the vault's context, on its storage and balances),
/// so that the vault stays within the contract size limit. Also keeps the direct routes between
/// tokens that the planner may use.
library RebalanceLogic {
    using SwapPath for bytes;

    /// @dev A token is priced for trading by the oracle's value of a million whole tokens, so that
    /// converting base units back into token units keeps at least six more digits than one token has.
    uint256 private constant _PRICE_PROBE_DECIMALS = 6;
    /// @dev A holding worth at least this many base units is its own price reference.
    uint256 private constant _MIN_REFERENCE_VALUE = 1e9;

    /// @notice Every holding's balance and oracle value (base units), in basket order, and their sum.
    struct Valuation {
        uint256[] balances;
        uint256[] values;
        uint256 nav;
    }

    /// @dev The basket's valuation. One oracle read per held token: the rest of a rebalance prices
    /// at these values (within a block a pool's TWAP does not move, not even with the vault's own
    /// swaps, so a second read would say the same).
    function _valuation(Holding[] storage basket, IPriceOracle oracle) private view returns (Valuation memory v) {
        uint256 n = basket.length;
        v.balances = new uint256[](n);
        v.values = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            address token = basket[i].token;
            uint256 balance = IERC20(token).balanceOf(address(this));
            v.balances[i] = balance;
            // The base asset is worth its amount.
            v.values[i] = i == 0 || balance == 0 ? balance : oracle.quote(token, balance);
            v.nav += v.values[i];
        }
    }

    /// @notice A rebalance's figures, for the vault's Rebalanced event.
    struct Outcome {
        IRebalancingVault.Trigger trigger;
        uint256 navBefore;
        uint256 navAfter;
        uint256 driftBeforeBps;
        uint256 driftAfterBps;
    }

    /// @notice A whole rebalance, run by the vault in its own context: values the basket (one oracle
    /// read per held token), finds the trigger (VaultRebalanceNotDue when none fires, before any spot
    /// check, so that a keeper hears "not due" first), plans, swaps, and checks the outcome. One call,
    /// so that the trades and the valuation cross the library boundary once.
    /// @return trades The swaps made, as executed.
    function run(
        Holding[] storage basket,
        mapping(address => bytes) storage swapPaths,
        mapping(address => mapping(address => bytes)) storage pairPaths,
        IPriceOracle oracle,
        address router,
        IRebalancingVault.Parameters memory p
    ) external returns (IRebalancingVault.Trade[] memory trades, Outcome memory o) {
        Valuation memory v = _valuation(basket, oracle);
        o.navBefore = v.nav;
        o.driftBeforeBps = BasketMath.driftBps(v.values, _targets(basket), v.nav);
        o.trigger = trigger(p, o.driftBeforeBps);
        if (o.trigger == IRebalancingVault.Trigger.None) {
            revert IRebalancingVault.VaultRebalanceNotDue(o.driftBeforeBps, threshold(p), calendarDueAt(p));
        }
        trades = _plan(basket, swapPaths, pairPaths, oracle, v, p);
        address base = basket[0].token;
        uint256 traded;
        for (uint256 k; k < trades.length; ++k) {
            traded += _swap(trades[k], router, base);
        }
        (o.navAfter, o.driftAfterBps) = _outcome(basket, oracle, v, traded, p.maxSlippageBps);
    }

    /// @notice The swaps a rebalance would make now (no trigger check).
    function preview(
        Holding[] storage basket,
        mapping(address => bytes) storage swapPaths,
        mapping(address => mapping(address => bytes)) storage pairPaths,
        IPriceOracle oracle,
        IRebalancingVault.Parameters memory p
    ) external view returns (IRebalancingVault.Trade[] memory) {
        return _plan(basket, swapPaths, pairPaths, oracle, _valuation(basket, oracle), p);
    }

    /// @notice Which trigger fires at `drift` (basis points) under `p`, now. Internal: an enum in an
    /// external library function's ABI is a type name that ABI tools cannot read.
    function trigger(IRebalancingVault.Parameters memory p, uint256 drift)
        internal
        view
        returns (IRebalancingVault.Trigger)
    {
        if (drift < p.minDriftBps) return IRebalancingVault.Trigger.None;
        if (p.driftThresholdBps != 0 && drift >= p.driftThresholdBps) return IRebalancingVault.Trigger.Threshold;
        if (p.rebalanceIntervalSeconds != 0 && block.timestamp >= calendarDueAt(p)) {
            return IRebalancingVault.Trigger.Calendar;
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

    /// @dev The trades that bring the basket toward its targets, in token amounts, with
    /// oracle-derived minimum outputs and their paths. Reverts with VaultSpotDeviation when a traded
    /// token's market price stands too far from the oracle's.
    /// @param v The basket's valuation, from `valuation`.
    function _plan(
        Holding[] storage basket_,
        mapping(address => bytes) storage swapPaths,
        mapping(address => mapping(address => bytes)) storage pairPaths,
        IPriceOracle oracle,
        Valuation memory v,
        IRebalancingVault.Parameters memory p
    ) private view returns (IRebalancingVault.Trade[] memory trades) {
        Holding[] memory basket = basket_;
        RebalancePlanner.Trade[] memory planned = _planned(basket, v.values, p);
        trades = new IRebalancingVault.Trade[](planned.length);
        // Each traded token's reference amount and its oracle value, set once, after its spot check.
        Reference[] memory refs = new Reference[](basket.length);
        for (uint256 k; k < planned.length; ++k) {
            RebalancePlanner.Trade memory pt = planned[k];
            trades[k] = _priced(pt, basket, v, refs, oracle, p);
            address tokenIn = basket[pt.from].token;
            address tokenOut = basket[pt.to].token;
            trades[k].path = pt.from == 0
                ? swapPaths[tokenOut].reverse()
                : pt.to == 0 ? swapPaths[tokenIn] : pairPaths[tokenIn][tokenOut];
        }
    }

    /// @dev An amount of a token and its oracle value in base units: the token's price.
    struct Reference {
        uint256 amount;
        uint256 value;
    }

    function _targets(Holding[] storage basket) private view returns (uint16[] memory targets) {
        uint256 n = basket.length;
        targets = new uint16[](n);
        for (uint256 i; i < n; ++i) {
            targets[i] = basket[i].targetBps;
        }
    }

    function _planned(Holding[] memory basket, uint256[] memory values, IRebalancingVault.Parameters memory p)
        private
        pure
        returns (RebalancePlanner.Trade[] memory)
    {
        uint256 n = basket.length;
        uint16[] memory targets = new uint16[](n);
        uint256[] memory masks = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            targets[i] = basket[i].targetBps;
            masks[i] = basket[i].pairMask;
        }
        return RebalancePlanner.plan(values, targets, masks, p.minDriftBps, p.maxTradeBps);
    }

    /// @dev A planned trade in token amounts, with the oracle's expected and minimum outputs.
    function _priced(
        RebalancePlanner.Trade memory pt,
        Holding[] memory basket,
        Valuation memory v,
        Reference[] memory refs,
        IPriceOracle oracle,
        IRebalancingVault.Parameters memory p
    ) private view returns (IRebalancingVault.Trade memory trade) {
        trade.tokenIn = basket[pt.from].token;
        trade.tokenOut = basket[pt.to].token;
        trade.value = pt.value;
        if (pt.from == 0) {
            trade.amountIn = pt.value;
        } else {
            _reference(oracle, basket[pt.from], pt.from, v, refs, p.maxSpotDeviationBps);
            // The share of the holding that its oracle value says the trade's value is.
            trade.amountIn = Math.mulDiv(v.balances[pt.from], pt.value, v.values[pt.from]);
        }
        if (pt.to == 0) {
            trade.expectedOut = pt.value;
        } else {
            Reference memory r = _reference(oracle, basket[pt.to], pt.to, v, refs, p.maxSpotDeviationBps);
            trade.expectedOut = Math.mulDiv(pt.value, r.amount, r.value);
        }
        trade.minAmountOut = Math.mulDiv(trade.expectedOut, BasketMath.BPS - p.maxSlippageBps, BasketMath.BPS);
    }

    /// @dev The price of holding `i` as a reference amount and its oracle value, after checking that
    /// the market's spot price stands within `maxDeviationBps` of the oracle's. The reference is the
    /// holding itself, already valued, when its value has at least `_MIN_REFERENCE_VALUE` base units
    /// (so a conversion through it loses less than a billionth); otherwise a probe of a million
    /// whole tokens, valued now. Set once per token in `refs[i]`.
    function _reference(
        IPriceOracle oracle,
        Holding memory h,
        uint256 i,
        Valuation memory v,
        Reference[] memory refs,
        uint256 maxDeviationBps
    ) private view returns (Reference memory r) {
        r = refs[i];
        if (r.value != 0) return r;
        if (v.values[i] >= _MIN_REFERENCE_VALUE) {
            (r.amount, r.value) = (v.balances[i], v.values[i]);
        } else {
            r.amount = 10 ** (h.decimals + _PRICE_PROBE_DECIMALS);
            r.value = oracle.quote(h.token, r.amount);
        }
        uint256 spot = oracle.quoteSpot(h.token, r.amount);
        (uint256 low, uint256 high) = spot < r.value ? (spot, r.value) : (r.value, spot);
        uint256 deviation = low == 0 ? type(uint256).max : Math.mulDiv(high - low, BasketMath.BPS, low);
        if (deviation > maxDeviationBps) {
            revert IRebalancingVault.VaultSpotDeviation(h.token, deviation, maxDeviationBps);
        }
        refs[i] = r;
    }

    /// @dev Checks a rebalance's outcome: re-values the basket at the prices of `valuation` (each
    /// holding scaled by its new balance; a token held only now is read from the oracle), then
    /// requires that drift decreased, compared in 1e18ths of NAV (finer than basis points), and that
    /// NAV did not fall by more than `maxSlippageBps` of the value `traded`. Each swap's minimum output
    /// already bounds its loss; this catches what swaps cannot see, such as a token delivering less
    /// than the pool sent.
    function _outcome(
        Holding[] storage basket,
        IPriceOracle oracle,
        Valuation memory before,
        uint256 traded,
        uint256 maxSlippageBps
    ) private view returns (uint256 navAfter, uint256 driftAfterBps) {
        uint256 n = basket.length;
        uint256[] memory valuesAfter = new uint256[](n);
        uint16[] memory targets = _targets(basket);
        for (uint256 i; i < n; ++i) {
            Holding memory h = basket[i];
            uint256 balance = IERC20(h.token).balanceOf(address(this));
            if (i == 0 || balance == 0) {
                valuesAfter[i] = balance;
            } else if (before.balances[i] != 0) {
                valuesAfter[i] = Math.mulDiv(balance, before.values[i], before.balances[i]);
            } else {
                valuesAfter[i] = oracle.quote(h.token, balance);
            }
            navAfter += valuesAfter[i];
        }
        uint256 driftBefore = BasketMath.drift(before.values, targets, before.nav, 1e18);
        uint256 driftAfter = BasketMath.drift(valuesAfter, targets, navAfter, 1e18);
        if (driftAfter >= driftBefore) revert IRebalancingVault.VaultDriftNotReduced(driftBefore, driftAfter);
        uint256 maxLoss = Math.mulDiv(traded, maxSlippageBps, BasketMath.BPS);
        if (navAfter + maxLoss < before.nav) {
            revert IRebalancingVault.VaultRebalanceLoss(before.nav - navAfter, maxLoss);
        }
        driftAfterBps = BasketMath.driftBps(valuesAfter, targets, navAfter);
    }

    /// @dev One swap through the router; returns the oracle value (base units) it traded. Buys come
    /// after sells and spend at most the idle base asset, which the sells may have left a little
    /// short of their oracle value; their minimum output shrinks in proportion.
    function _swap(IRebalancingVault.Trade memory trade, address router, address base)
        private
        returns (uint256 value)
    {
        if (trade.tokenIn == base) {
            uint256 idle = IERC20(base).balanceOf(address(this));
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
        try ISwapRouter(router).exactInput(
            ISwapRouter.ExactInputParams({
                path: trade.path,
                recipient: address(this),
                deadline: block.timestamp,
                amountIn: trade.amountIn,
                amountOutMinimum: trade.minAmountOut
            })
        ) {} catch (bytes memory reason) {
            revert IRebalancingVault.VaultSwapFailed(
                trade.tokenIn, trade.tokenOut, trade.amountIn, trade.minAmountOut, reason
            );
        }
        // Measured, not taken from the router: a token may deliver less than the pool sent.
        trade.amountOut = tokenOut.balanceOf(address(this)) - before;
        if (trade.amountOut < trade.minAmountOut) {
            revert IRebalancingVault.VaultTransferMismatch(trade.tokenOut, trade.minAmountOut, trade.amountOut);
        }
        emit IRebalancingVault.RebalanceTrade(
            trade.tokenIn, trade.tokenOut, trade.amountIn, trade.amountOut, trade.expectedOut
        );
        return trade.value;
    }

    // ------------------------------------------------------------------ routes (governance)

    /// @notice Whether `path` is well formed, leads from `from` to `to`, and every pool on it exists.
    function leadsThroughPools(address factory, bytes memory path, address from, address to)
        external
        view
        returns (bool)
    {
        if (!path.isWellFormed() || path.first() != from || path.last() != to) return false;
        uint256 n = path.hops();
        for (uint256 i; i < n; ++i) {
            (address tokenIn, uint24 fee, address tokenOut) = path.hop(i);
            if (IUniswapV3Factory(factory).getPool(tokenIn, tokenOut, fee) == address(0)) return false;
        }
        return true;
    }

    /// @notice Stores a direct route both ways (an empty path deletes both) and emits PairPathSet.
    /// The caller rebuilds the masks.
    function setPairPath(
        mapping(address => mapping(address => bytes)) storage pairPaths,
        address tokenA,
        address tokenB,
        bytes memory path
    ) external {
        if (path.length == 0) {
            delete pairPaths[tokenA][tokenB];
            delete pairPaths[tokenB][tokenA];
        } else {
            pairPaths[tokenA][tokenB] = path;
            pairPaths[tokenB][tokenA] = path.reverse();
        }
        emit IRebalancingVault.PairPathSet(tokenA, tokenB, path);
    }

    /// @notice Recomputes every holding's `pairMask` from the stored routes (n^2 reads: governance only).
    function rebuildPairMasks(
        Holding[] storage basket,
        mapping(address => mapping(address => bytes)) storage pairPaths
    ) external {
        uint256 n = basket.length;
        for (uint256 i = 1; i < n; ++i) {
            address token = basket[i].token;
            uint16 mask;
            for (uint256 j = 1; j < n; ++j) {
                if (j != i && pairPaths[token][basket[j].token].length != 0) mask |= uint16(1 << j);
            }
            basket[i].pairMask = mask;
        }
    }
}
