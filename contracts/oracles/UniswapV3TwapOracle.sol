// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {SwapPath} from "../libraries/SwapPath.sol";
import {TwapMath} from "../libraries/TwapMath.sol";

/// @title UniswapV3TwapOracle
/// @notice Prices tokens in the base token by the time-weighted average tick of Uniswap V3 pools,
/// along a route of one or more pools per token. The owner (governance's timelock) sets routes and
/// the averaging window, within bounds.
contract UniswapV3TwapOracle is IPriceOracle, Ownable2Step {
    using SwapPath for bytes;

    uint32 public constant MIN_WINDOW_SECONDS = 10 minutes;
    uint32 public constant MAX_WINDOW_SECONDS = 24 hours;
    /// @notice Observations a route's pools must be able to hold: one per 12-second block over the
    /// shortest window, plus one.
    uint16 public constant MIN_CARDINALITY = uint16(MIN_WINDOW_SECONDS / 12 + 1);

    struct Hop {
        IUniswapV3Pool pool;
        bool zeroForOne;
    }

    /// @notice The window is outside [MIN_WINDOW_SECONDS, MAX_WINDOW_SECONDS].
    error OracleWindowOutOfBounds(uint32 windowSeconds);
    /// @notice No route is configured for `token`.
    error OracleNoRoute(address token);
    /// @notice The route does not start at `token` and end at the base token.
    error OracleRouteEnds(address token, address first, address last);
    /// @notice No pool exists for a hop of the route.
    error OraclePoolMissing(address tokenIn, address tokenOut, uint24 fee);
    /// @notice The pool keeps too few observations for a TWAP over the window.
    error OracleCardinalityTooLow(address pool, uint16 cardinality, uint16 required);
    /// @notice The zero address was given.
    error OracleZeroAddress();
    /// @notice Route tokens and paths differ in number.
    error OracleLengthMismatch(uint256 tokens, uint256 paths);

    event RouteSet(address indexed token, bytes path);
    event RouteRemoved(address indexed token);
    event WindowSet(uint32 oldWindowSeconds, uint32 newWindowSeconds);

    address public immutable BASE;
    IUniswapV3Factory public immutable FACTORY;

    uint32 private _windowSeconds;
    mapping(address token => Hop[]) private _routes;

    /// @param routeTokens Tokens to price from the start, each along the path at the same index.
    constructor(
        address base,
        IUniswapV3Factory factory,
        uint32 initialWindowSeconds,
        address owner_,
        address[] memory routeTokens,
        bytes[] memory routePaths
    ) Ownable(owner_) {
        if (base == address(0) || address(factory) == address(0)) revert OracleZeroAddress();
        if (routeTokens.length != routePaths.length) revert OracleLengthMismatch(routeTokens.length, routePaths.length);
        BASE = base;
        FACTORY = factory;
        _setWindow(initialWindowSeconds);
        for (uint256 i; i < routeTokens.length; ++i) {
            _setRoute(routeTokens[i], routePaths[i]);
        }
    }

    // ------------------------------------------------------------------ owner (governance)

    /// @notice Prices `token` along `path` (token, fee, ..., base), replacing any previous route.
    /// Every pool must exist, keep enough observations, and answer for the current window.
    function setRoute(address token, bytes calldata path) external onlyOwner {
        _setRoute(token, path);
    }

    function _setRoute(address token, bytes memory path) private {
        uint256 n = path.hops();
        if (path.first() != token || path.last() != BASE) revert OracleRouteEnds(token, path.first(), path.last());
        delete _routes[token];
        Hop[] storage hops = _routes[token];
        for (uint256 i; i < n; ++i) {
            (address tokenIn, uint24 fee, address tokenOut) = path.hop(i);
            address pool = FACTORY.getPool(tokenIn, tokenOut, fee);
            if (pool == address(0)) revert OraclePoolMissing(tokenIn, tokenOut, fee);
            (,,,, uint16 cardinalityNext,,) = IUniswapV3Pool(pool).slot0();
            if (cardinalityNext < MIN_CARDINALITY) {
                revert OracleCardinalityTooLow(pool, cardinalityNext, MIN_CARDINALITY);
            }
            hops.push(Hop(IUniswapV3Pool(pool), tokenIn < tokenOut));
        }
        // Prove the route answers now, so that a vault never lists a token it cannot value.
        _quote(hops, 1, false);
        emit RouteSet(token, path);
    }

    function removeRoute(address token) external onlyOwner {
        if (_routes[token].length == 0) revert OracleNoRoute(token);
        delete _routes[token];
        emit RouteRemoved(token);
    }

    function setWindow(uint32 newWindowSeconds) external onlyOwner {
        _setWindow(newWindowSeconds);
    }

    // ------------------------------------------------------------------ views

    function windowSeconds() external view returns (uint32) {
        return _windowSeconds;
    }

    function route(address token) external view returns (Hop[] memory) {
        return _routes[token];
    }

    /// @inheritdoc IPriceOracle
    function quote(address token, uint256 amount) external view returns (uint256) {
        if (token == BASE) return amount;
        return _quote(_route(token), amount, false);
    }

    /// @inheritdoc IPriceOracle
    function quoteBounds(address token, uint256 amount) external view returns (uint256 low, uint256 high) {
        if (token == BASE) return (amount, amount);
        Hop[] storage r = _route(token);
        uint256 twap = _quote(r, amount, false);
        uint256 spot = _quote(r, amount, true);
        (low, high) = twap < spot ? (twap, spot) : (spot, twap);
    }

    /// @inheritdoc IPriceOracle
    function quoteSpot(address token, uint256 amount) external view returns (uint256) {
        if (token == BASE) return amount;
        return _quote(_route(token), amount, true);
    }

    // ------------------------------------------------------------------ internal

    function _route(address token) private view returns (Hop[] storage r) {
        r = _routes[token];
        if (r.length == 0) revert OracleNoRoute(token);
    }

    function _quote(Hop[] storage r, uint256 amount, bool spot) private view returns (uint256) {
        uint32 window = _windowSeconds;
        for (uint256 i; i < r.length; ++i) {
            Hop memory h = r[i];
            amount = spot
                ? TwapMath.quoteAtSqrtPrice(TwapMath.spotSqrtPriceX96(h.pool), amount, h.zeroForOne)
                : TwapMath.quoteAtTick(TwapMath.meanTick(h.pool, window), amount, h.zeroForOne);
        }
        return amount;
    }

    function _setWindow(uint32 newWindowSeconds) private {
        if (newWindowSeconds < MIN_WINDOW_SECONDS || newWindowSeconds > MAX_WINDOW_SECONDS) {
            revert OracleWindowOutOfBounds(newWindowSeconds);
        }
        emit WindowSet(_windowSeconds, newWindowSeconds);
        _windowSeconds = newWindowSeconds;
    }
}
