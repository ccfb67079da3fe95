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

    /// @dev A hop as stored. Hop 0 of a route also carries the route's length, so that pricing a
    /// token over one pool (the common case) costs one storage read.
    struct StoredHop {
        IUniswapV3Pool pool;
        bool zeroForOne;
        uint8 hops;
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
    /// @notice A route has more hops than one byte counts.
    error OracleRouteTooLong(uint256 hops);

    event RouteSet(address indexed token, bytes path);
    event RouteRemoved(address indexed token);
    event WindowSet(uint32 oldWindowSeconds, uint32 newWindowSeconds);

    address public immutable BASE;
    IUniswapV3Factory public immutable FACTORY;

    uint32 private _windowSeconds;
    mapping(address token => mapping(uint256 index => StoredHop)) private _routes;

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
        if (n > type(uint8).max) revert OracleRouteTooLong(n);
        _deleteRoute(token);
        mapping(uint256 => StoredHop) storage hops = _routes[token];
        for (uint256 i; i < n; ++i) {
            (address tokenIn, uint24 fee, address tokenOut) = path.hop(i);
            address pool = FACTORY.getPool(tokenIn, tokenOut, fee);
            if (pool == address(0)) revert OraclePoolMissing(tokenIn, tokenOut, fee);
            (,,,, uint16 cardinalityNext,,) = IUniswapV3Pool(pool).slot0();
            if (cardinalityNext < MIN_CARDINALITY) {
                revert OracleCardinalityTooLow(pool, cardinalityNext, MIN_CARDINALITY);
            }
            hops[i] = StoredHop(IUniswapV3Pool(pool), tokenIn < tokenOut, i == 0 ? uint8(n) : 0);
        }
        // Prove the route answers now, so that a vault never lists a token it cannot value.
        _quote(token, 1, false);
        emit RouteSet(token, path);
    }

    function removeRoute(address token) external onlyOwner {
        if (_routes[token][0].hops == 0) revert OracleNoRoute(token);
        _deleteRoute(token);
        emit RouteRemoved(token);
    }

    function setWindow(uint32 newWindowSeconds) external onlyOwner {
        _setWindow(newWindowSeconds);
    }

    // ------------------------------------------------------------------ views

    function windowSeconds() external view returns (uint32) {
        return _windowSeconds;
    }

    function route(address token) external view returns (Hop[] memory r) {
        uint256 n = _routes[token][0].hops;
        r = new Hop[](n);
        for (uint256 i; i < n; ++i) {
            StoredHop memory h = _routes[token][i];
            r[i] = Hop(h.pool, h.zeroForOne);
        }
    }

    /// @inheritdoc IPriceOracle
    function quote(address token, uint256 amount) external view returns (uint256) {
        if (token == BASE) return amount;
        return _quote(token, amount, false);
    }

    /// @inheritdoc IPriceOracle
    function quoteBounds(address token, uint256 amount) external view returns (uint256 low, uint256 high) {
        if (token == BASE) return (amount, amount);
        uint256 twap = _quote(token, amount, false);
        uint256 spot = _quote(token, amount, true);
        (low, high) = twap < spot ? (twap, spot) : (spot, twap);
    }

    /// @inheritdoc IPriceOracle
    function quoteSpot(address token, uint256 amount) external view returns (uint256) {
        if (token == BASE) return amount;
        return _quote(token, amount, true);
    }

    // ------------------------------------------------------------------ internal

    /// @dev Converts `amount` along the token's route, hop by hop, at each pool's TWAP (or spot).
    function _quote(address token, uint256 amount, bool spot) private view returns (uint256) {
        mapping(uint256 => StoredHop) storage hops = _routes[token];
        StoredHop memory h = hops[0];
        uint256 n = h.hops;
        if (n == 0) revert OracleNoRoute(token);
        uint32 window = spot ? 0 : _windowSeconds;
        for (uint256 i; i < n; ++i) {
            if (i != 0) h = hops[i];
            amount = spot
                ? TwapMath.quoteAtSqrtPrice(TwapMath.spotSqrtPriceX96(h.pool), amount, h.zeroForOne)
                : TwapMath.quoteAtTick(TwapMath.meanTick(h.pool, window), amount, h.zeroForOne);
        }
        return amount;
    }

    function _deleteRoute(address token) private {
        mapping(uint256 => StoredHop) storage hops = _routes[token];
        uint256 n = hops[0].hops;
        for (uint256 i; i < n; ++i) {
            delete hops[i];
        }
    }

    function _setWindow(uint32 newWindowSeconds) private {
        if (newWindowSeconds < MIN_WINDOW_SECONDS || newWindowSeconds > MAX_WINDOW_SECONDS) {
            revert OracleWindowOutOfBounds(newWindowSeconds);
        }
        emit WindowSet(_windowSeconds, newWindowSeconds);
        _windowSeconds = newWindowSeconds;
    }
}
