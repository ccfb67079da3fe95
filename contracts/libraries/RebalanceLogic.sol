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

    /// @notice The trades that bring the basket toward its targets, in token amounts, with
    /// oracle-derived minimum outputs and their paths. Reverts with VaultSpotDeviation when a traded
    /// token's market price stands too far from the oracle's.
    /// @param values Each holding's oracle value in base units, in basket order.
    function plan(
        Holding[] storage basket_,
        mapping(address => bytes) storage swapPaths,
        mapping(address => mapping(address => bytes)) storage pairPaths,
        IPriceOracle oracle,
        uint256[] memory values,
        IRebalancingVault.Parameters memory p
    ) external view returns (IRebalancingVault.Trade[] memory trades) {
        Holding[] memory basket = basket_;
        RebalancePlanner.Trade[] memory planned = _planned(basket, values, p);
        trades = new IRebalancingVault.Trade[](planned.length);
        // The oracle value of each traded token's price probe, read once, after its spot check.
        uint256[] memory probeValues = new uint256[](basket.length);
        for (uint256 k; k < planned.length; ++k) {
            RebalancePlanner.Trade memory pt = planned[k];
            trades[k] = _priced(pt, basket, values, probeValues, oracle, p);
            address tokenIn = basket[pt.from].token;
            address tokenOut = basket[pt.to].token;
            trades[k].path = pt.from == 0
                ? swapPaths[tokenOut].reverse()
                : pt.to == 0 ? swapPaths[tokenIn] : pairPaths[tokenIn][tokenOut];
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
        uint256[] memory values,
        uint256[] memory probeValues,
        IPriceOracle oracle,
        IRebalancingVault.Parameters memory p
    ) private view returns (IRebalancingVault.Trade memory trade) {
        Holding memory from = basket[pt.from];
        Holding memory to = basket[pt.to];
        trade.tokenIn = from.token;
        trade.tokenOut = to.token;
        trade.value = pt.value;
        if (pt.from == 0) {
            trade.amountIn = pt.value;
        } else {
            _probeValue(oracle, from, pt.from, probeValues, p.maxSpotDeviationBps);
            // The share of the holding that its oracle value says the trade's value is.
            trade.amountIn = Math.mulDiv(IERC20(from.token).balanceOf(address(this)), pt.value, values[pt.from]);
        }
        if (pt.to == 0) {
            trade.expectedOut = pt.value;
        } else {
            uint256 probeValue = _probeValue(oracle, to, pt.to, probeValues, p.maxSpotDeviationBps);
            trade.expectedOut = Math.mulDiv(pt.value, 10 ** (to.decimals + _PRICE_PROBE_DECIMALS), probeValue);
        }
        trade.minAmountOut = Math.mulDiv(trade.expectedOut, BasketMath.BPS - p.maxSlippageBps, BasketMath.BPS);
    }

    /// @notice Makes the swaps in order (sells, then buys) and fills in what each delivered.
    /// @return done The trades as executed. @return traded Their oracle value in base units.
    function execute(IRebalancingVault.Trade[] memory trades, address router, address base)
        external
        returns (IRebalancingVault.Trade[] memory done, uint256 traded)
    {
        for (uint256 k; k < trades.length; ++k) {
            traded += _swap(trades[k], router, base);
        }
        return (trades, traded);
    }

    /// @dev The oracle's value of a price probe of `h`, after checking that the market's spot price
    /// stands within `maxDeviationBps` of it. Cached in `cache[i]`.
    function _probeValue(
        IPriceOracle oracle,
        Holding memory h,
        uint256 i,
        uint256[] memory cache,
        uint256 maxDeviationBps
    ) private view returns (uint256) {
        if (cache[i] != 0) return cache[i];
        uint256 probe = 10 ** (h.decimals + _PRICE_PROBE_DECIMALS);
        (uint256 low, uint256 high) = oracle.quoteBounds(h.token, probe);
        uint256 deviation = low == 0 ? type(uint256).max : Math.mulDiv(high - low, BasketMath.BPS, low);
        if (deviation > maxDeviationBps) {
            revert IRebalancingVault.VaultSpotDeviation(h.token, deviation, maxDeviationBps);
        }
        return cache[i] = oracle.quote(h.token, probe);
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
