// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {TickMath} from "uniswap-v3-core-08/contracts/libraries/TickMath.sol";

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {SwapPath} from "../libraries/SwapPath.sol";
import {TwapMath} from "../libraries/TwapMath.sol";

/// @title UniswapV3TwapOracle
/// @notice Prices tokens in the base token along a route of one or more Uniswap V3 pools, from two
/// references that no transaction can move within its own block: each pool's time-weighted average tick
/// over a window (the long reference, which lags real moves) and the tick it opened the current block
/// at (the fresh reference, one block old at most). `quote` is the average. `quoteBounds`, what entries
/// and exits are priced with, is the range of both and of the current price, refused while the two
/// references disagree by more than a bound, or while the current price stands further outside their
/// range than a round trip through the route's pools' fees: a push within the block, or a move the block
/// has made that a price from its start would let a position in or out at. Within that tolerance the
/// current price is one of the bounds, so that no entry pays less, and no exit gets more, than where the
/// block stands. `quoteSpot` is the current price alone, for checks.
///
/// What the owner (governance's timelock) sets, within bounds: routes, each with a depth floor below
/// which its pools are too thin to price; the window; the divergence bound. Every change proves that
/// every routed token still answers, so that no change can blind the vault.
///
/// Why nobody can switch it off: a pool writes at most one observation per block, so a pool that keeps
/// `window / BLOCK_TIME_SECONDS + 1` observations always remembers a whole window, however many blocks
/// an attacker fills with swaps. Every route's pools must keep that many when the route is set and when
/// the window changes; a pool's count never shrinks.
contract UniswapV3TwapOracle is IPriceOracle, Ownable2Step {
    using SwapPath for bytes;
    using EnumerableSet for EnumerableSet.AddressSet;

    uint32 public constant MIN_WINDOW_SECONDS = 10 minutes;
    uint32 public constant MAX_WINDOW_SECONDS = 24 hours;
    uint256 public constant MIN_DIVERGENCE_BPS = 50;
    uint256 public constant MAX_DIVERGENCE_BPS = 5_000;
    /// @notice Bounds of the network's block time, in seconds.
    uint32 public constant MAX_BLOCK_TIME_SECONDS = 60;
    uint256 private constant _BPS = 10_000;

    /// @notice One pool of a route, in the direction the route walks it.
    struct Hop {
        IUniswapV3Pool pool;
        bool zeroForOne;
    }

    /// @dev A hop as stored. Hop 0 of a route also carries the route's length, its depth floor, how far
    /// its current price may stand outside its references (its pools' round-trip fees, in ticks) and the
    /// averaging window (a copy of `windowSeconds`, which `setWindow` rewrites), so that pricing a token
    /// over one pool (the common case) costs one storage read, and no read of the oracle's settings.
    struct StoredHop {
        IUniswapV3Pool pool;
        bool zeroForOne;
        uint8 hops;
        uint32 minDepth;
        uint16 toleranceTicks;
        uint32 windowSeconds;
    }

    /// @dev What a reading of a route computes: the average alone (`quote`), the two references
    /// (`quoteDetailed`), both and the current price, checked (`quoteBounds`), or the same checks with
    /// the opening and current prices alone as bounds (`quoteFreshBounds`).
    enum Reading {
        Average,
        References,
        Bounds,
        Fresh
    }

    /// @notice The window is outside [MIN_WINDOW_SECONDS, MAX_WINDOW_SECONDS], or needs more
    /// observations than a pool can keep at this network's block time.
    error OracleWindowOutOfBounds(uint32 windowSeconds);
    /// @notice The block time is zero or above MAX_BLOCK_TIME_SECONDS.
    error OracleBlockTimeOutOfBounds(uint32 blockTimeSeconds);
    /// @notice The divergence bound is outside [MIN_DIVERGENCE_BPS, MAX_DIVERGENCE_BPS].
    error OracleDivergenceOutOfBounds(uint256 maxDivergenceBps);
    /// @notice No route is configured for `token`.
    error OracleNoRoute(address token);
    /// @notice The route does not start at `token` and end at the base token.
    error OracleRouteEnds(address token, address first, address last);
    /// @notice No pool exists for a hop of the route.
    error OraclePoolMissing(address tokenIn, address tokenOut, uint24 fee);
    /// @notice The pool keeps fewer observations than a TWAP over the window needs at this network's
    /// block time (`required` = window / block time + 1).
    error OracleCardinalityTooLow(address pool, uint16 cardinality, uint256 required);
    /// @notice The zero address was given.
    error OracleZeroAddress();
    /// @notice Route tokens, paths and depth floors differ in number.
    error OracleLengthMismatch(uint256 tokens, uint256 paths);
    /// @notice A route has more hops than one byte counts.
    error OracleRouteTooLong(uint256 hops);
    /// @notice The token's references disagree by `divergenceBps`, more than `maxBps`: its price moved
    /// faster than the average follows (or is being held away from it). It cannot be priced for entries
    /// and exits until they agree again, which a price that holds from now on does by `settlesBy`.
    error OraclePricesDiverge(address token, uint256 divergenceBps, uint256 maxBps, uint256 settlesBy);
    /// @notice The token's current price stands `distanceBps` outside the range of its two references,
    /// more than a round trip through its route's pools' fees (`toleranceBps`): the market moved (or was
    /// pushed) within this block further than arbitrage explains. It prices again from the next block,
    /// which opens where the market stands.
    error OracleMovedInBlock(address token, uint256 distanceBps, uint256 toleranceBps);
    /// @notice A depth floor above what a route stores (2^32 - 1 whole base units).
    error OracleMinDepthTooLarge(uint256 minDepth);
    /// @notice A pool of the token's route held less depth over the window (its harmonic-mean in-range
    /// liquidity, as one side's virtual reserve valued in base units) than the route's floor: too thin
    /// to resist being held at a false price.
    error OraclePoolTooThin(address token, address pool, uint256 depth, uint256 minDepth);

    /// @notice `token` is priced along `newPath` (empty `oldPath` for a new route), with a floor of
    /// `minDepth` whole base units on each pool's depth.
    event RouteSet(address indexed token, bytes oldPath, bytes newPath, uint256 minDepth);
    /// @notice `token` is no longer priced; it was along `oldPath`.
    event RouteRemoved(address indexed token, bytes oldPath);
    /// @notice Every route is averaged over `newWindowSeconds` from now on.
    event WindowSet(uint32 oldWindowSeconds, uint32 newWindowSeconds);
    /// @notice quoteBounds refuses from now on when its references disagree by more than `newMaxDivergenceBps`.
    event MaxDivergenceSet(uint256 oldMaxDivergenceBps, uint256 newMaxDivergenceBps);

    address public immutable BASE;
    IUniswapV3Factory public immutable FACTORY;
    /// @notice Seconds between two blocks on this network, at least 1 (a pool writes at most one
    /// observation per timestamp): what the observations a window needs are counted in.
    uint32 public immutable BLOCK_TIME_SECONDS;
    /// @dev One whole base unit: depth floors are stored in whole units.
    uint256 private immutable _BASE_UNIT;

    uint32 private _windowSeconds;
    uint16 private _maxDivergenceBps;
    /// @dev `_maxDivergenceBps` as the most ticks the references may stand apart.
    uint24 private _maxDivergenceTicks;
    mapping(address token => mapping(uint256 index => StoredHop)) private _routes;
    mapping(address token => bytes) private _paths;
    EnumerableSet.AddressSet private _routed;

    /// @param routeTokens Tokens to price from the start, each along the path and with the depth floor
    /// at the same index.
    constructor(
        address base,
        IUniswapV3Factory factory,
        uint32 blockTimeSeconds,
        uint32 initialWindowSeconds,
        uint256 initialMaxDivergenceBps,
        address owner_,
        address[] memory routeTokens,
        bytes[] memory routePaths,
        uint80[] memory routeMinDepths
    ) Ownable(owner_) {
        if (base == address(0) || address(factory) == address(0)) revert OracleZeroAddress();
        if (blockTimeSeconds == 0 || blockTimeSeconds > MAX_BLOCK_TIME_SECONDS) {
            revert OracleBlockTimeOutOfBounds(blockTimeSeconds);
        }
        uint256 n = routeTokens.length;
        if (routePaths.length != n || routeMinDepths.length != n) revert OracleLengthMismatch(n, routePaths.length);
        BASE = base;
        FACTORY = factory;
        BLOCK_TIME_SECONDS = blockTimeSeconds;
        _BASE_UNIT = 10 ** IERC20Metadata(base).decimals();
        _setWindow(initialWindowSeconds);
        _setMaxDivergence(initialMaxDivergenceBps);
        for (uint256 i; i < n; ++i) {
            _setRoute(routeTokens[i], routePaths[i], routeMinDepths[i]);
        }
    }

    // ================================================================== owner (governance)

    /// @notice Prices `token` along `path` (token, fee, ..., base), replacing any previous route. Every
    /// pool must exist, keep the observations the window needs, and, over the window, hold at least
    /// `minDepth` whole base units of depth (0: no floor); the route must answer now.
    function setRoute(address token, bytes calldata path, uint80 minDepth) external onlyOwner {
        _setRoute(token, path, minDepth);
    }

    /// @notice Stops pricing `token`. A vault that holds it can then value nothing, until governance
    /// writes the token off or routes it again.
    function removeRoute(address token) external onlyOwner {
        bytes memory old = _paths[token];
        if (old.length == 0) revert OracleNoRoute(token);
        _deleteRoute(token);
        delete _paths[token];
        _routed.remove(token);
        emit RouteRemoved(token, old);
    }

    /// @notice Sets the averaging window, within bounds. Every route's pools must keep the observations
    /// the new window needs and every routed token must answer over it now.
    function setWindow(uint32 newWindowSeconds) external onlyOwner {
        _setWindow(newWindowSeconds);
        uint256 n = _routed.length();
        for (uint256 i; i < n; ++i) {
            address token = _routed.at(i);
            uint256 hops = _routes[token][0].hops;
            for (uint256 h; h < hops; ++h) {
                _checkCardinality(_routes[token][h].pool);
            }
            _routes[token][0].windowSeconds = newWindowSeconds;
            _read(token, 1, Reading.Average);
        }
    }

    /// @notice Sets how far, in basis points, a token's references may disagree before it cannot be
    /// priced for entries and exits.
    function setMaxDivergence(uint256 newMaxDivergenceBps) external onlyOwner {
        _setMaxDivergence(newMaxDivergenceBps);
    }

    // ================================================================== views

    /// @notice The averaging window of the long reference, in seconds.
    function windowSeconds() external view returns (uint32) {
        return _windowSeconds;
    }

    /// @notice How far, in basis points, a token's references may disagree before `quoteBounds` refuses.
    function maxDivergenceBps() external view returns (uint256) {
        return _maxDivergenceBps;
    }

    /// @notice Observations a route's pool must keep for the current window at this network's block time.
    function requiredCardinality() public view returns (uint256) {
        return Math.ceilDiv(_windowSeconds, BLOCK_TIME_SECONDS) + 1;
    }

    /// @notice `token`'s route: its pools in order, the path it was set with, and its depth floor in
    /// whole base units. Empty for a token without a route.
    function route(address token) external view returns (Hop[] memory hops, bytes memory path, uint256 minDepth) {
        StoredHop memory first = _routes[token][0];
        hops = new Hop[](first.hops);
        for (uint256 i; i < hops.length; ++i) {
            StoredHop memory h = _routes[token][i];
            hops[i] = Hop(h.pool, h.zeroForOne);
        }
        return (hops, _paths[token], first.minDepth);
    }

    /// @notice Every token with a route.
    function routedTokens() external view returns (address[] memory) {
        return _routed.values();
    }

    /// @inheritdoc IPriceOracle
    function quote(address token, uint256 amount) external view returns (uint256 value) {
        if (token == BASE) return amount;
        (value,,) = _read(token, amount, Reading.Average);
    }

    /// @inheritdoc IPriceOracle
    /// @dev Both checks compare the route's ticks (each hop's, summed with the sign of its direction), never
    /// the rounded values of `amount`: a dust amount prices as any other.
    function quoteBounds(address token, uint256 amount) external view returns (uint256 low, uint256 high) {
        if (token == BASE) return (amount, amount);
        (, low, high) = _read(token, amount, Reading.Bounds);
    }

    /// @inheritdoc IPriceOracle
    /// @dev A pool that several routes share (a token's WETH pool's partner, the base asset's WETH pool) is
    /// read and converted at once for all of them: the same block, the same figures.
    function quoteBoundsSum(address[] calldata tokens, uint256[] calldata amounts)
        external
        view
        returns (uint256 low, uint256 high)
    {
        uint256 n = tokens.length;
        if (amounts.length != n) revert OracleLengthMismatch(n, amounts.length);
        // The pools read so far, for the routes after them: room for two a token, the slots past `seen`
        // never read.
        PoolReading[] memory readings = _room(2 * n);
        uint256 seen;
        for (uint256 i; i < n; ++i) {
            address token = tokens[i];
            uint256 lowest = amounts[i];
            uint256 highest = lowest;
            if (token != BASE && lowest != 0) {
                (lowest, highest, seen) = _boundsSharing(token, lowest, readings, seen);
            }
            low += lowest;
            high += highest;
        }
    }

    /// @inheritdoc IPriceOracle
    function quoteDetailed(address token, uint256 amount)
        external
        view
        returns (uint256 average, uint256 low, uint256 high)
    {
        if (token == BASE) return (amount, amount, amount);
        return _read(token, amount, Reading.References);
    }

    /// @notice `quoteBounds` without the window's average among the bounds: the lowest and highest of
    /// `amount`'s value at the price the pools opened the block at and at their current price, refused as
    /// `quoteBounds` refuses (the average still cross-checks the opening price). For a caller that holds an
    /// independent reference beside the pools (CompositeOracle's feeds), which no push can move and which
    /// follows a real move without the average's lag.
    function quoteFreshBounds(address token, uint256 amount) external view returns (uint256 low, uint256 high) {
        if (token == BASE) return (amount, amount);
        (, low, high) = _read(token, amount, Reading.Fresh);
    }

    /// @inheritdoc IPriceOracle
    /// @dev A pool-only price: nothing here is independent of the pools.
    function anchored(address) external pure returns (bool) {
        return false;
    }

    /// @inheritdoc IPriceOracle
    /// @dev Along a route, each hop's mean ticks add (negated where the hop is priced the other way):
    /// the route's price is their product.
    function volatility(address token, uint32 intervalSeconds, uint256 intervals) external view returns (uint256) {
        if (token == BASE) return 0;
        StoredHop[] memory hops = _hops(token);
        int256[] memory routeMeans = new int256[](intervals);
        for (uint256 h; h < hops.length; ++h) {
            int256[] memory means = TwapMath.intervalMeanTicks(hops[h].pool, intervalSeconds, intervals);
            for (uint256 i; i < intervals; ++i) {
                routeMeans[i] += hops[h].zeroForOne ? means[i] : -means[i];
            }
        }
        return TwapMath.annualisedVolatilityBps(routeMeans, intervalSeconds);
    }

    /// @inheritdoc IPriceOracle
    function quoteSpot(address token, uint256 amount) external view returns (uint256) {
        if (token == BASE) return amount;
        StoredHop[] memory hops = _hops(token);
        for (uint256 i; i < hops.length; ++i) {
            amount = TwapMath.quoteAtSqrtPrice(TwapMath.spotSqrtPriceX96(hops[i].pool), amount, hops[i].zeroForOne);
        }
        return amount;
    }

    // ================================================================== internal

    /// @dev `amount` of `token` at each pool's average tick over the window (`average`), and, unless
    /// `reading` is the average alone, the lowest and highest value at the references: the average and
    /// the tick each pool opened the block at, and for `quoteBounds` the current price too, after
    /// checking the references agree and the current price stands within the route's fees of them.
    /// Checks every pool's depth against the route's floor first.
    function _read(address token, uint256 amount, Reading reading)
        private
        view
        returns (uint256 average, uint256 low, uint256 high)
    {
        mapping(uint256 => StoredHop) storage stored = _routes[token];
        StoredHop memory first = stored[0];
        uint256 n = first.hops;
        if (n == 0) revert OracleNoRoute(token);
        if (n == 1) return _readOnePool(token, first, amount, reading);
        // Each pool's square-root price at its average tick (computed once: it converts the amount and
        // values the pool's depth), and its average liquidity.
        uint160[] memory prices = new uint160[](n);
        uint128[] memory liquidity = new uint128[](n);
        StoredHop[] memory hops = new StoredHop[](n);
        Walk memory w = Walk([int256(0), 0, 0], [amount, amount, amount]);
        uint32 window = first.windowSeconds;
        for (uint256 i; i < n; ++i) {
            hops[i] = i == 0 ? first : stored[i];
            (prices[i], liquidity[i]) = _walk(hops[i], window, reading, w);
        }
        if (first.minDepth != 0) _checkDepth(token, hops, prices, liquidity, uint256(first.minDepth) * _BASE_UNIT);
        return _result(token, w, first.toleranceTicks, reading);
    }

    /// @dev `_read`'s bounds of `token`, within a call that has read the first `seen` of `readings` (a pool
    /// read there already is not read again, and one read now is kept while there is room): also returns
    /// how many are kept now.
    function _boundsSharing(address token, uint256 amount, PoolReading[] memory readings, uint256 seen)
        private
        view
        returns (uint256 low, uint256 high, uint256)
    {
        StoredHop memory first = _routes[token][0];
        if (first.hops == 0) revert OracleNoRoute(token);
        if (first.hops == 1) {
            (, low, high) = _readOnePool(token, first, amount, Reading.Bounds);
            return (low, high, seen);
        }
        Walk memory w = Walk([int256(0), 0, 0], [amount, amount, amount]);
        // Each pool's square-root price at its average tick (computed once: it converts the amount and
        // values the pool's depth), and its average liquidity, as `_read` walks them.
        StoredHop[] memory hops = new StoredHop[](first.hops);
        uint160[] memory prices = new uint160[](hops.length);
        uint128[] memory liquidity = new uint128[](hops.length);
        mapping(uint256 => StoredHop) storage stored = _routes[token];
        for (uint256 i; i < hops.length; ++i) {
            hops[i] = i == 0 ? first : stored[i];
            (prices[i], liquidity[i], seen) = _walkSharing(hops[i], first.windowSeconds, w, readings, seen);
        }
        if (first.minDepth != 0) _checkDepth(token, hops, prices, liquidity, uint256(first.minDepth) * _BASE_UNIT);
        (, low, high) = _result(token, w, first.toleranceTicks, Reading.Bounds);
        return (low, high, seen);
    }

    /// @dev `_read` for a route of one pool (the common case), without the arrays a longer one needs.
    function _readOnePool(address token, StoredHop memory h, uint256 amount, Reading reading)
        private
        view
        returns (uint256, uint256, uint256)
    {
        Walk memory w = Walk([int256(0), 0, 0], [amount, amount, amount]);
        (uint160 price, uint128 liquidity) = _walk(h, h.windowSeconds, reading, w);
        if (h.minDepth != 0) {
            uint256 depth = TwapMath.virtualReserveAt(price, liquidity, h.zeroForOne);
            uint256 minDepth = uint256(h.minDepth) * _BASE_UNIT;
            if (depth < minDepth) revert OraclePoolTooThin(token, address(h.pool), depth, minDepth);
        }
        return _result(token, w, h.toleranceTicks, reading);
    }

    /// @dev What `reading` returns of a walked route: see `_read`.
    function _result(address token, Walk memory w, uint256 toleranceTicks, Reading reading)
        private
        view
        returns (uint256 average, uint256 low, uint256 high)
    {
        average = w.values[0];
        (uint256 open, uint256 spot) = (w.values[1], w.values[2]);
        if (reading == Reading.Average) return (average, average, average);
        if (reading == Reading.References) return (average, Math.min(average, open), Math.max(average, open));
        _checkTicks(token, w.ticks, toleranceTicks);
        (low, high) = (Math.min(open, spot), Math.max(open, spot));
        if (reading == Reading.Bounds) (low, high) = (Math.min(low, average), Math.max(high, average));
    }

    /// @dev A route walked hop by hop: its ticks (average, opening, current), each hop's signed by the way
    /// the route walks it, and the amount converted at each of the three.
    struct Walk {
        int256[3] ticks;
        uint256[3] values;
    }

    /// @dev What one reading of a pool found: its average tick and liquidity over the window and the
    /// square-root price at that tick, the tick it opened the block at and the square-root price there, and
    /// its current tick and square-root price.
    struct PoolReading {
        IUniswapV3Pool pool;
        int24 tick;
        int24 openTick;
        int24 spotTick;
        uint128 liquidity;
        uint160 price;
        uint160 openPrice;
        uint160 spotPrice;
    }

    /// @dev `capacity` slots for readings, none allocated: the array holds pointers, and a caller reads only
    /// the slots it has filled.
    function _room(uint256 capacity) private pure returns (PoolReading[] memory readings) {
        assembly ("memory-safe") {
            readings := mload(0x40)
            mstore(readings, capacity)
            mstore(0x40, add(readings, mul(add(capacity, 1), 0x20)))
        }
    }

    /// @dev `pool`'s reading from the first `seen` of `readings` when there, else read now and kept while
    /// there is room. Returns it and how many are kept now.
    function _reading(IUniswapV3Pool pool, uint32 window, PoolReading[] memory readings, uint256 seen)
        private
        view
        returns (PoolReading memory r, uint256)
    {
        for (uint256 i; i < seen; ++i) {
            if (readings[i].pool == pool) return (readings[i], seen);
        }
        r.pool = pool;
        (r.tick, r.liquidity) = TwapMath.consult(pool, window);
        r.price = TickMath.getSqrtRatioAtTick(r.tick);
        (r.openTick, r.spotTick, r.spotPrice) = TwapMath.openAndSpot(pool);
        r.openPrice = TickMath.getSqrtRatioAtTick(r.openTick);
        if (seen < readings.length) readings[seen++] = r;
        return (r, seen);
    }

    /// @dev `_walk` of a full reading, at `h`'s pool's reading from `_reading`. Returns the square-root
    /// price at its average tick, its average liquidity, and how many readings are kept now.
    function _walkSharing(StoredHop memory h, uint32 window, Walk memory w, PoolReading[] memory readings, uint256 seen)
        private
        view
        returns (uint160, uint128, uint256)
    {
        PoolReading memory r;
        (r, seen) = _reading(h.pool, window, readings, seen);
        w.values[0] = TwapMath.quoteAtSqrtPrice(r.price, w.values[0], h.zeroForOne);
        w.values[1] = TwapMath.quoteAtSqrtPrice(r.openPrice, w.values[1], h.zeroForOne);
        w.values[2] = TwapMath.quoteAtSqrtPrice(r.spotPrice, w.values[2], h.zeroForOne);
        _addTicks(h, w, r.tick, r.openTick, r.spotTick);
        return (r.price, r.liquidity, seen);
    }

    /// @dev One hop of `w`: reads the pool (its average; unless `reading` is the average alone, its opening
    /// and current price too) and converts. Returns the square-root price at its average tick and its
    /// average liquidity.
    function _walk(StoredHop memory h, uint32 window, Reading reading, Walk memory w)
        private
        view
        returns (uint160 price, uint128 liquidity)
    {
        int24 tick;
        (tick, liquidity) = TwapMath.consult(h.pool, window);
        price = TickMath.getSqrtRatioAtTick(tick);
        w.values[0] = TwapMath.quoteAtSqrtPrice(price, w.values[0], h.zeroForOne);
        if (reading == Reading.Average) return (price, liquidity);
        (int24 openTick, int24 spotTick, uint160 spotPrice) = TwapMath.openAndSpot(h.pool);
        w.values[1] = TwapMath.quoteAtTick(openTick, w.values[1], h.zeroForOne);
        w.values[2] = TwapMath.quoteAtSqrtPrice(spotPrice, w.values[2], h.zeroForOne);
        _addTicks(h, w, tick, openTick, spotTick);
    }

    /// @dev Adds a hop's ticks to the route's, each signed by the way the route walks the hop.
    function _addTicks(StoredHop memory h, Walk memory w, int24 tick, int24 openTick, int24 spotTick) private pure {
        int256 sign = h.zeroForOne ? int256(1) : int256(-1);
        w.ticks[0] += sign * tick;
        w.ticks[1] += sign * openTick;
        w.ticks[2] += sign * spotTick;
    }

    /// @dev The references (`ticks[0]`, `ticks[1]`) must agree within the divergence bound, and the current
    /// price (`ticks[2]`) stand within `tolerance` ticks of their range.
    function _checkTicks(address token, int256[3] memory ticks, uint256 tolerance) private view {
        (int256 lowest, int256 highest) = ticks[0] < ticks[1] ? (ticks[0], ticks[1]) : (ticks[1], ticks[0]);
        // Sums of ticks within +-887272 over at most 255 hops: far from overflow either way.
        uint256 apart = uint256(highest - lowest);
        if (apart > _maxDivergenceTicks) {
            revert OraclePricesDiverge(
                token, TwapMath.ticksToBps(apart), _maxDivergenceBps, block.timestamp + _windowSeconds
            );
        }
        int256 spot = ticks[2];
        uint256 outside = spot > highest ? uint256(spot - highest) : spot < lowest ? uint256(lowest - spot) : 0;
        if (outside > tolerance) {
            revert OracleMovedInBlock(token, TwapMath.ticksToBps(outside), TwapMath.ticksToBps(tolerance));
        }
    }

    /// @dev Every pool of the route must hold `minDepth` over the window: its reserve of the token it pays
    /// out of its hop, valued in base units over the rest of the route, at the window's average liquidity
    /// and prices.
    function _checkDepth(
        address token,
        StoredHop[] memory hops,
        uint160[] memory prices,
        uint128[] memory liquidity,
        uint256 minDepth
    ) private pure {
        for (uint256 i; i < hops.length; ++i) {
            uint256 depth = TwapMath.virtualReserveAt(prices[i], liquidity[i], hops[i].zeroForOne);
            for (uint256 j = i + 1; j < hops.length; ++j) {
                depth = TwapMath.quoteAtSqrtPrice(prices[j], depth, hops[j].zeroForOne);
            }
            if (depth < minDepth) revert OraclePoolTooThin(token, address(hops[i].pool), depth, minDepth);
        }
    }

    /// @dev The token's hops, for `quoteSpot` (which needs no floor).
    function _hops(address token) private view returns (StoredHop[] memory hops) {
        mapping(uint256 => StoredHop) storage stored = _routes[token];
        StoredHop memory first = stored[0];
        if (first.hops == 0) revert OracleNoRoute(token);
        hops = new StoredHop[](first.hops);
        hops[0] = first;
        for (uint256 i = 1; i < hops.length; ++i) {
            hops[i] = stored[i];
        }
    }

    function _setRoute(address token, bytes memory path, uint80 minDepth) private {
        uint256 n = path.hops();
        if (path.first() != token || path.last() != BASE) revert OracleRouteEnds(token, path.first(), path.last());
        if (n > type(uint8).max) revert OracleRouteTooLong(n);
        if (minDepth > type(uint32).max) revert OracleMinDepthTooLarge(minDepth);
        _deleteRoute(token);
        mapping(uint256 => StoredHop) storage hops = _routes[token];
        uint256 toleranceTicks;
        for (uint256 i; i < n; ++i) {
            (address tokenIn, uint24 fee, address tokenOut) = path.hop(i);
            address pool = FACTORY.getPool(tokenIn, tokenOut, fee);
            if (pool == address(0)) revert OraclePoolMissing(tokenIn, tokenOut, fee);
            _checkCardinality(IUniswapV3Pool(pool));
            // A fee of f pips lets arbitrage leave the pool up to f / 100 ticks (basis points) on either side
            // of the wider market: the current price may stand a round trip of that outside the references.
            toleranceTicks += 2 * Math.ceilDiv(fee, 100);
            hops[i] = StoredHop(IUniswapV3Pool(pool), tokenIn < tokenOut, 0, 0, 0, 0);
        }
        // Checked above: n fits 8 bits and minDepth 32 bits (4.2 billion whole base units); a tolerance past
        // 16 bits (no real fee comes near) is held at the most they store.
        // forge-lint: disable-next-line(unsafe-typecast)
        (hops[0].hops, hops[0].minDepth, hops[0].toleranceTicks, hops[0].windowSeconds) =
            (uint8(n), uint32(minDepth), uint16(Math.min(toleranceTicks, type(uint16).max)), _windowSeconds);
        emit RouteSet(token, _paths[token], path, minDepth);
        _paths[token] = path;
        _routed.add(token);
        // Prove the route answers now, depth floor included, so that a vault never lists a token it
        // cannot value.
        _read(token, 1, Reading.Average);
    }

    /// @dev The pool must already keep the observations the window needs (its current count, not the
    /// count it will grow to: until it grows, an attacker could overwrite the history it has).
    function _checkCardinality(IUniswapV3Pool pool) private view {
        (,,, uint16 cardinality,,,) = pool.slot0();
        uint256 required = requiredCardinality();
        if (cardinality < required) revert OracleCardinalityTooLow(address(pool), cardinality, required);
    }

    function _deleteRoute(address token) private {
        mapping(uint256 => StoredHop) storage hops = _routes[token];
        uint256 n = hops[0].hops;
        for (uint256 i; i < n; ++i) {
            delete hops[i];
        }
    }

    function _setWindow(uint32 newWindowSeconds) private {
        if (
            newWindowSeconds < MIN_WINDOW_SECONDS || newWindowSeconds > MAX_WINDOW_SECONDS
                || Math.ceilDiv(newWindowSeconds, BLOCK_TIME_SECONDS) + 1 > type(uint16).max
        ) revert OracleWindowOutOfBounds(newWindowSeconds);
        emit WindowSet(_windowSeconds, newWindowSeconds);
        _windowSeconds = newWindowSeconds;
    }

    function _setMaxDivergence(uint256 newMaxDivergenceBps) private {
        if (newMaxDivergenceBps < MIN_DIVERGENCE_BPS || newMaxDivergenceBps > MAX_DIVERGENCE_BPS) {
            revert OracleDivergenceOutOfBounds(newMaxDivergenceBps);
        }
        emit MaxDivergenceSet(_maxDivergenceBps, newMaxDivergenceBps);
        // Bounded by MAX_DIVERGENCE_BPS above: fits 16 bits, and its ticks (at most 4,055) 24 bits.
        _maxDivergenceBps = uint16(newMaxDivergenceBps);
        _maxDivergenceTicks = uint24(TwapMath.bpsToTicks(newMaxDivergenceBps));
    }
}
