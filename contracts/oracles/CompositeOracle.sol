// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {FeedMath} from "../libraries/FeedMath.sol";

/// @notice What the composite reads of the TWAP oracle beyond IPriceOracle (UniswapV3TwapOracle has it).
interface IFreshBounds {
    function quoteFreshBounds(address token, uint256 amount) external view returns (uint256 low, uint256 high);
}

/// @title CompositeOracle
/// @notice Prices each token from a Uniswap V3 TWAP oracle (its average and the price its pools opened the
/// block at), from a Chainlink feed, or from both, in the base token (the vault's asset).
///
/// - `quoteBounds` (what the vault prices entries and base-asset exits with) returns the lowest and highest
///   value across every source a token has: its feed, and its pools' opening and current prices (the TWAP
///   oracle's checks apply: its average must agree with the opening price, the current price stand within
///   the pools' round-trip fee of them; the average itself is no bound where a feed stands beside it), and
///   refuses while they disagree by more than `maxDivergenceBps`, or while the base asset's own feed stands
///   off its peg by more than `maxDepegBps`: the vault then takes no deposit and pays no base-asset exit (its
///   `max*` views return 0); in-kind exits need no oracle and go on.
/// - `quote` (NAV, drift, rebalance planning) uses the source governance marks as the token's primary: the
///   TWAP oracle's average, or the feed. `quoteDetailed`'s lowest and highest (a rebalance's min-outs, an
///   unpriced exit's fee) span every reference the token has, the feed among them, read without refusing.
/// - A feed answer is refused when it is zero or less, older than the token's heartbeat, or, on an L2,
///   read while the sequencer is down or within the grace period after it came back up. Feeds quoted in
///   ETH are taken through the ETH/USD feed. Each refusal is a custom error naming the token and why.
///
/// Tokens without a feed are priced by the TWAP oracle alone, as if this contract were not there. Every
/// change is the owner's (governance's timelock), within bounds, with an event, and proves that every
/// token it touches still answers, so that no change can blind the vault.
contract CompositeOracle is IPriceOracle, Ownable2Step {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Which source prices a token's NAV value and its rebalance min-outs.
    enum Source {
        Twap,
        Feed
    }

    /// @notice A token's feed: quoted in USD, or in ETH (then through the ETH/USD feed); answers older
    /// than `heartbeat` seconds are stale. `twap`: the TWAP oracle prices the token too. The feed's and
    /// the token's decimals are read once, when the feed is set (one storage slot per token).
    struct Feed {
        AggregatorV3Interface feed;
        uint32 heartbeat;
        bool inEth;
        bool twap;
        Source primary;
        uint8 feedDecimals;
        uint8 tokenDecimals;
    }

    uint32 public constant MIN_HEARTBEAT = 1 minutes;
    uint32 public constant MAX_HEARTBEAT = 2 days;
    uint32 public constant MAX_GRACE_PERIOD = 1 days;
    uint256 public constant MIN_DIVERGENCE_BPS = 50;
    uint256 public constant MAX_DIVERGENCE_BPS = 5_000;
    uint256 public constant MIN_DEPEG_BPS = 10;
    uint256 public constant MAX_DEPEG_BPS = 1_000;
    /// @dev Sources are compared on the value of 10^12 whole tokens: at least a billion base units for any
    /// token worth a thousandth of a base unit, so that rounding cannot read as disagreement.
    uint256 private constant _PROBE_DECIMALS = 12;

    /// @notice The feed's latest answer is zero or negative.
    error CompositeFeedBadAnswer(address token, address feed, int256 answer);
    /// @notice The feed's latest answer, from `updatedAt`, is older than `heartbeat` seconds.
    error CompositeFeedStale(address token, address feed, uint256 updatedAt, uint256 heartbeat);
    /// @notice `token`'s feed was read while the L2 sequencer is down: no feed answer can be trusted.
    error CompositeSequencerDown(address token);
    /// @notice `token`'s feed was read within the grace period: the L2 sequencer came back up at
    /// `upSince`, and feeds are trusted again from `trustedFrom`.
    error CompositeSequencerGracePeriod(address token, uint256 upSince, uint256 trustedFrom);
    /// @notice The base asset's feed reads `answer`, `distanceBps` off its peg, beyond `maxBps`.
    error CompositeBaseOffPeg(int256 answer, uint256 distanceBps, uint256 maxBps);
    /// @notice `token`'s sources disagree by `divergenceBps`, beyond `maxBps`.
    error CompositePricesDiverge(address token, uint256 divergenceBps, uint256 maxBps);
    /// @notice `token` is priced in ETH but no ETH/USD feed is set.
    error CompositeNoEthFeed(address token);
    /// @notice `token` has no feed.
    error CompositeNoFeed(address token);
    /// @notice The address given for a feed has no code.
    error CompositeNotAFeed(address feed);
    /// @notice A feed with more than 36 decimals.
    error CompositeFeedDecimals(address feed, uint8 decimals);
    /// @notice A heartbeat outside [MIN_HEARTBEAT, MAX_HEARTBEAT].
    error CompositeHeartbeatOutOfBounds(uint256 heartbeat);
    /// @notice A grace period above MAX_GRACE_PERIOD.
    error CompositeGracePeriodOutOfBounds(uint256 gracePeriod);
    /// @notice A divergence bound outside [MIN_DIVERGENCE_BPS, MAX_DIVERGENCE_BPS].
    error CompositeDivergenceOutOfBounds(uint256 maxDivergenceBps);
    /// @notice A depeg bound outside [MIN_DEPEG_BPS, MAX_DEPEG_BPS].
    error CompositeDepegOutOfBounds(uint256 maxDepegBps);
    /// @notice The base asset cannot have a token feed (its own is set with `setBaseFeed`).
    error CompositeBaseToken();
    /// @notice A zero address where a contract is needed.
    error CompositeZeroAddress();
    /// @notice `quoteBoundsSum` was given `tokens` tokens and `amounts` amounts.
    error CompositeLengthMismatch(uint256 tokens, uint256 amounts);

    /// @notice `token`'s feed set, or replaced.
    event FeedSet(address indexed token, address feed, uint32 heartbeat, bool inEth, bool twap, Source primary);
    /// @notice `token`'s feed removed: the TWAP oracle alone prices it again.
    event FeedRemoved(address indexed token, address feed);
    /// @notice The ETH/USD feed set (or removed, with the zero address).
    event EthUsdFeedSet(address oldFeed, address newFeed, uint32 heartbeat);
    /// @notice The base asset's feed set (or removed), with how far off its peg it may stand.
    event BaseFeedSet(address oldFeed, address newFeed, uint32 heartbeat, uint256 maxDepegBps);
    /// @notice The bound on sources' disagreement set.
    event MaxDivergenceSet(uint256 oldMaxDivergenceBps, uint256 newMaxDivergenceBps);
    /// @notice The wait after the sequencer comes back up set.
    event GracePeriodSet(uint32 oldGracePeriod, uint32 newGracePeriod);

    address public immutable BASE;
    /// @notice The TWAP oracle (UniswapV3TwapOracle) beside the feeds.
    IPriceOracle public immutable TWAP;
    /// @notice The L2 sequencer uptime feed (answer 0: up, 1: down); the zero address on L1.
    AggregatorV3Interface public immutable SEQUENCER;
    uint8 private immutable _BASE_DECIMALS;

    mapping(address token => Feed) private _feeds;
    EnumerableSet.AddressSet private _fed;
    Feed private _ethUsd;
    Feed private _baseFeed;
    uint16 private _maxDepegBps;
    uint16 private _maxDivergenceBps;
    uint32 private _gracePeriod;

    /// @notice A feed to set from the start (see `setFeed`); the ETH/USD and base feeds may be the zero
    /// address (none).
    struct InitialFeed {
        address token;
        AggregatorV3Interface feed;
        uint32 heartbeat;
        bool inEth;
        bool twap;
        Source primary;
    }

    /// @notice The feeds a deployment starts with, each checked as its setter checks it.
    struct Init {
        AggregatorV3Interface ethUsdFeed;
        uint32 ethUsdHeartbeat;
        AggregatorV3Interface baseFeed;
        uint32 baseHeartbeat;
        uint256 maxDepegBps;
        InitialFeed[] feeds;
    }

    constructor(
        IPriceOracle twap,
        AggregatorV3Interface sequencer,
        uint32 gracePeriod_,
        uint256 maxDivergenceBps_,
        address owner_,
        Init memory init
    ) Ownable(owner_) {
        if (address(twap) == address(0)) revert CompositeZeroAddress();
        TWAP = twap;
        BASE = twap.BASE();
        SEQUENCER = sequencer;
        _BASE_DECIMALS = IERC20Metadata(BASE).decimals();
        _setGracePeriod(gracePeriod_);
        _setMaxDivergence(maxDivergenceBps_);
        if (address(init.ethUsdFeed) != address(0)) _setEthUsdFeed(init.ethUsdFeed, init.ethUsdHeartbeat);
        _setBaseFeed(init.baseFeed, init.baseHeartbeat, init.maxDepegBps);
        for (uint256 i; i < init.feeds.length; ++i) {
            _setFeed(init.feeds[i]);
        }
    }

    // ================================================================== owner (governance)

    /// @notice Prices `token` with `feed` too (quoted in ETH when `inEth`), stale after `heartbeat`
    /// seconds; `twap`: the TWAP oracle keeps pricing it beside the feed; `primary`: the source of its NAV
    /// value and rebalance min-outs. The token must answer now from every source it is given.
    function setFeed(
        address token,
        AggregatorV3Interface feed,
        uint32 heartbeat,
        bool inEth,
        bool twap,
        Source primary
    ) external onlyOwner {
        _setFeed(InitialFeed(token, feed, heartbeat, inEth, twap, primary));
    }

    function _setFeed(InitialFeed memory f) private {
        (address token, AggregatorV3Interface feed, uint32 heartbeat, bool inEth, bool twap, Source primary) =
            (f.token, f.feed, f.heartbeat, f.inEth, f.twap, f.primary);
        if (token == BASE) revert CompositeBaseToken();
        if (token == address(0)) revert CompositeZeroAddress();
        uint8 decimals = _checkFeed(feed, heartbeat);
        if (!twap && primary == Source.Twap) primary = Source.Feed;
        _feeds[token] = Feed(feed, heartbeat, inEth, twap, primary, decimals, IERC20Metadata(token).decimals());
        _fed.add(token);
        emit FeedSet(token, address(feed), heartbeat, inEth, twap, primary);
        _prove(token);
    }

    /// @notice Stops reading `token`'s feed: the TWAP oracle alone prices it, and must answer now.
    function removeFeed(address token) external onlyOwner {
        Feed memory f = _feeds[token];
        if (address(f.feed) == address(0)) revert CompositeNoFeed(token);
        delete _feeds[token];
        _fed.remove(token);
        emit FeedRemoved(token, address(f.feed));
        TWAP.quote(token, 1);
    }

    /// @notice Sets the ETH/USD feed through which ETH-quoted feeds are read. Every token priced in ETH
    /// must answer through it now.
    function setEthUsdFeed(AggregatorV3Interface feed, uint32 heartbeat) external onlyOwner {
        _setEthUsdFeed(feed, heartbeat);
    }

    function _setEthUsdFeed(AggregatorV3Interface feed, uint32 heartbeat) private {
        uint8 decimals = _checkFeed(feed, heartbeat);
        emit EthUsdFeedSet(address(_ethUsd.feed), address(feed), heartbeat);
        _ethUsd = Feed(feed, heartbeat, false, false, Source.Feed, decimals, 18);
        _proveAll();
    }

    /// @notice Sets the base asset's own feed (a USD price: USDC/USD), or removes it with the zero
    /// address (the base then counts as exactly one USD). Feeds' USD prices are divided by it, and while
    /// it stands more than `maxDepegBps` off 1, `quoteBounds` refuses: no deposit or base-asset exit.
    function setBaseFeed(AggregatorV3Interface feed, uint32 heartbeat, uint256 maxDepegBps) external onlyOwner {
        _setBaseFeed(feed, heartbeat, maxDepegBps);
    }

    function _setBaseFeed(AggregatorV3Interface feed, uint32 heartbeat, uint256 maxDepegBps) private {
        uint8 decimals = address(feed) == address(0) ? 0 : _checkFeed(feed, heartbeat);
        if (maxDepegBps < MIN_DEPEG_BPS || maxDepegBps > MAX_DEPEG_BPS) revert CompositeDepegOutOfBounds(maxDepegBps);
        emit BaseFeedSet(address(_baseFeed.feed), address(feed), heartbeat, maxDepegBps);
        _baseFeed = Feed(feed, heartbeat, false, false, Source.Feed, decimals, _BASE_DECIMALS);
        _maxDepegBps = uint16(maxDepegBps);
        _basePrice();
        _proveAll();
    }

    /// @notice Sets how far, in basis points, a token's sources may disagree before it cannot be priced
    /// for entries and exits.
    function setMaxDivergence(uint256 newMaxDivergenceBps) external onlyOwner {
        _setMaxDivergence(newMaxDivergenceBps);
    }

    /// @notice Sets how long after the sequencer comes back up feeds stay untrusted.
    function setGracePeriod(uint32 newGracePeriod) external onlyOwner {
        _setGracePeriod(newGracePeriod);
    }

    // ================================================================== views

    /// @notice `token`'s feed (all zero for a token the TWAP oracle alone prices).
    function feedOf(address token) external view returns (Feed memory) {
        return _feeds[token];
    }

    /// @notice Every token with a feed.
    function fedTokens() external view returns (address[] memory) {
        return _fed.values();
    }

    /// @notice The ETH/USD feed and its heartbeat.
    function ethUsdFeed() external view returns (AggregatorV3Interface feed, uint32 heartbeat) {
        return (_ethUsd.feed, _ethUsd.heartbeat);
    }

    /// @notice The base asset's feed, its heartbeat and how far off its peg it may stand.
    function baseFeed() external view returns (AggregatorV3Interface feed, uint32 heartbeat, uint256 maxDepegBps) {
        return (_baseFeed.feed, _baseFeed.heartbeat, _maxDepegBps);
    }

    /// @notice How far, in basis points, a token's sources may disagree before `quoteBounds` refuses.
    function maxDivergenceBps() external view returns (uint256) {
        return _maxDivergenceBps;
    }

    /// @notice Seconds after the sequencer comes back up during which feeds are refused.
    function gracePeriod() external view returns (uint32) {
        return _gracePeriod;
    }

    /// @notice Each source's value of `amount` of `token`, for operators: the TWAP average and the price
    /// its pools opened the block at (0 when the TWAP oracle does not price it), the feed's (0 without
    /// one), and their spread in basis points. Reverts as the sources do.
    function sources(address token, uint256 amount)
        external
        view
        returns (uint256 twapAverage, uint256 twapOpen, uint256 feedValue, uint256 spreadBps)
    {
        Feed memory f = _feeds[token];
        bool twap = address(f.feed) == address(0) || f.twap;
        uint256 low;
        uint256 high;
        if (twap) (twapAverage, low, high) = TWAP.quoteDetailed(token, amount);
        if (twap) twapOpen = twapAverage == low ? high : low;
        if (address(f.feed) != address(0)) {
            (uint256 basePrice, uint8 baseDecimals) = _basePrice();
            feedValue = _feedValue(token, f, amount, basePrice, baseDecimals);
            (low, high) = twap ? (Math.min(low, feedValue), Math.max(high, feedValue)) : (feedValue, feedValue);
        }
        spreadBps = FeedMath.spreadBps(low, high);
    }

    /// @inheritdoc IPriceOracle
    /// @dev From the TWAP oracle's pools: a feed's rounds are too sparse to measure it.
    function volatility(address token, uint32 intervalSeconds, uint256 intervals) external view returns (uint256) {
        return TWAP.volatility(token, intervalSeconds, intervals);
    }

    /// @inheritdoc IPriceOracle
    function quote(address token, uint256 amount) external view returns (uint256) {
        if (token == BASE) return amount;
        Feed memory f = _feeds[token];
        if (address(f.feed) == address(0) || f.primary == Source.Twap) return TWAP.quote(token, amount);
        (uint256 basePrice, uint8 baseDecimals) = _basePrice();
        return _feedValue(token, f, amount, basePrice, baseDecimals);
    }

    /// @inheritdoc IPriceOracle
    /// @dev The pools' part (their references and current price, and their own checks) is the TWAP oracle's
    /// `quoteBounds`. With a feed, every source is valued on a probe of 10^12 whole tokens, their spread
    /// measured there, never on `amount`'s rounded value, and the bounds scaled to `amount`.
    function quoteBounds(address token, uint256 amount) external view returns (uint256 low, uint256 high) {
        if (token == BASE) return (amount, amount);
        (uint256 basePrice, uint8 baseDecimals) = _checkedBasePrice();
        return _quoteBounds(token, amount, basePrice, baseDecimals);
    }

    /// @inheritdoc IPriceOracle
    /// @dev The base asset's feed is read (and its peg checked) once for the whole basket.
    function quoteBoundsSum(address[] calldata tokens, uint256[] calldata amounts)
        external
        view
        returns (uint256 low, uint256 high)
    {
        uint256 n = tokens.length;
        if (amounts.length != n) revert CompositeLengthMismatch(n, amounts.length);
        uint256 basePrice; // read (and its peg checked) at the first holding that needs it: 0 until then
        uint8 baseDecimals;
        for (uint256 i; i < n; ++i) {
            (address token, uint256 amount) = (tokens[i], amounts[i]);
            if (token == BASE || amount == 0) {
                (low, high) = (low + amount, high + amount);
                continue;
            }
            if (basePrice == 0) (basePrice, baseDecimals) = _checkedBasePrice();
            (uint256 lowest, uint256 highest) = _quoteBounds(token, amount, basePrice, baseDecimals);
            (low, high) = (low + lowest, high + highest);
        }
    }

    /// @inheritdoc IPriceOracle
    /// @dev Every token with a feed (the base asset is its own amount).
    function anchored(address token) external view returns (bool) {
        return token == BASE || address(_feeds[token].feed) != address(0);
    }

    /// @inheritdoc IPriceOracle
    function quoteDetailed(address token, uint256 amount)
        external
        view
        returns (uint256 average, uint256 low, uint256 high)
    {
        if (token == BASE) return (amount, amount, amount);
        Feed memory f = _feeds[token];
        if (address(f.feed) == address(0)) return TWAP.quoteDetailed(token, amount);
        if (!f.twap || f.primary == Source.Feed) {
            // The feed prices the token's NAV: without a sound answer there is no figure to give.
            (uint256 basePrice, uint8 baseDecimals) = _basePrice();
            uint256 value = _feedValue(token, f, amount, basePrice, baseDecimals);
            if (!f.twap) return (value, value, value);
            (, low, high) = TWAP.quoteDetailed(token, amount);
            return (value, Math.min(low, value), Math.max(high, value));
        }
        // Every reference the token has, the feed among them; read without refusing, a feed that cannot
        // answer now (stale, the sequencer down) is left out rather than refuse the pools' figures.
        (average, low, high) = TWAP.quoteDetailed(token, amount);
        (bool ok, uint256 feedValue) = _tryFeedValue(token, f, amount);
        if (ok) (low, high) = (Math.min(low, feedValue), Math.max(high, feedValue));
    }

    /// @inheritdoc IPriceOracle
    function quoteSpot(address token, uint256 amount) external view returns (uint256) {
        if (token == BASE) return amount;
        Feed memory f = _feeds[token];
        // The market's price, where there is a market to read; a feed-only token's feed, which no
        // transaction moves.
        if (address(f.feed) == address(0) || f.twap) return TWAP.quoteSpot(token, amount);
        (uint256 basePrice, uint8 baseDecimals) = _basePrice();
        return _feedValue(token, f, amount, basePrice, baseDecimals);
    }

    // ================================================================== internal

    /// @dev The base asset's price in ETH or USD (see `_basePrice`), refused while its feed stands off its peg.
    function _checkedBasePrice() private view returns (uint256 basePrice, uint8 baseDecimals) {
        (basePrice, baseDecimals) = _basePrice();
        if (address(_baseFeed.feed) != address(0)) {
            uint256 distance = FeedMath.pegDistanceBps(basePrice, baseDecimals);
            // The price came from a positive int256 (_read refuses the rest): it converts back exactly.
            if (distance > _maxDepegBps) revert CompositeBaseOffPeg(int256(basePrice), distance, _maxDepegBps);
        }
    }

    /// @dev `quoteBounds` of a token other than the base asset, at the base asset's checked price.
    function _quoteBounds(address token, uint256 amount, uint256 basePrice, uint8 baseDecimals)
        private
        view
        returns (uint256 low, uint256 high)
    {
        Feed memory f = _feeds[token];
        if (address(f.feed) == address(0)) return TWAP.quoteBounds(token, amount);
        uint256 probe = 10 ** (uint256(f.tokenDecimals) + _PROBE_DECIMALS);
        uint256 value = _feedValue(token, f, probe, basePrice, baseDecimals);
        (low, high) = (value, value);
        if (f.twap) {
            // The pools' prices in this block beside the feed; their lagging average only cross-checks (the
            // TWAP oracle refuses while it disagrees with the opening price): the feed, which no push moves,
            // bounds what a push can do, and a real move counts at once for exits, entries and the fee alike.
            (uint256 twapLow, uint256 twapHigh) = IFreshBounds(address(TWAP)).quoteFreshBounds(token, probe);
            (low, high) = (Math.min(low, twapLow), Math.max(high, twapHigh));
        }
        uint256 spread = FeedMath.spreadBps(low, high);
        if (spread > _maxDivergenceBps) revert CompositePricesDiverge(token, spread, _maxDivergenceBps);
        return (Math.mulDiv(low, amount, probe), Math.mulDiv(high, amount, probe));
    }

    /// @dev `amount` of `token` at its feed, in base units priced at `basePrice`.
    function _feedValue(address token, Feed memory f, uint256 amount, uint256 basePrice, uint8 baseDecimals)
        private
        view
        returns (uint256)
    {
        uint256 price = _read(token, f);
        if (f.inEth) {
            if (address(_ethUsd.feed) == address(0)) revert CompositeNoEthFeed(token);
            price = FeedMath.chain(price, _read(token, _ethUsd), _ethUsd.feedDecimals);
        }
        return FeedMath.convert(
            amount, f.tokenDecimals, price, f.feedDecimals, _BASE_DECIMALS, basePrice, baseDecimals
        );
    }

    /// @dev The base asset's USD price and its decimals: its feed's, or exactly 1 without one.
    function _basePrice() private view returns (uint256 price, uint8 decimals) {
        Feed memory base = _baseFeed;
        if (address(base.feed) == address(0)) return (1, 0);
        return (_read(BASE, base), base.feedDecimals);
    }

    /// @dev A feed's latest answer for `token`, checked: the sequencer up past its grace period, an answer
    /// above zero, no older than the heartbeat. Reverts with the refusal's error.
    function _read(address token, Feed memory f) private view returns (uint256 price) {
        bytes memory refusal;
        (price, refusal) = _tryRead(token, f);
        if (refusal.length != 0) {
            assembly ("memory-safe") {
                revert(add(refusal, 32), mload(refusal))
            }
        }
    }

    /// @dev `_read`, returning the error that refuses the answer (empty when it is sound) instead.
    function _tryRead(address token, Feed memory f) private view returns (uint256, bytes memory) {
        if (address(SEQUENCER) != address(0)) {
            (, int256 status, uint256 startedAt,,) = SEQUENCER.latestRoundData();
            // startedAt 0: a round not yet initialised (an Arbitrum quirk): not known to be up.
            if (status != 0 || startedAt == 0) {
                return (0, abi.encodeWithSelector(CompositeSequencerDown.selector, token));
            }
            uint256 trustedFrom = startedAt + _gracePeriod;
            if (block.timestamp < trustedFrom) {
                bytes4 selector = CompositeSequencerGracePeriod.selector;
                return (0, abi.encodeWithSelector(selector, token, startedAt, trustedFrom));
            }
        }
        (, int256 answer,, uint256 updatedAt,) = f.feed.latestRoundData();
        address feed = address(f.feed);
        if (answer <= 0) return (0, abi.encodeWithSelector(CompositeFeedBadAnswer.selector, token, feed, answer));
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > f.heartbeat) {
            return (0, abi.encodeWithSelector(CompositeFeedStale.selector, token, feed, updatedAt, f.heartbeat));
        }
        return (uint256(answer), "");
    }

    /// @dev `_feedValue` at the base asset's price, or false when any feed it needs refuses now.
    function _tryFeedValue(address token, Feed memory f, uint256 amount) private view returns (bool, uint256) {
        (uint256 basePrice, uint8 baseDecimals) = (1, 0);
        Feed memory base = _baseFeed;
        bytes memory refusal;
        if (address(base.feed) != address(0)) {
            (basePrice, refusal) = _tryRead(BASE, base);
            baseDecimals = base.feedDecimals;
        }
        uint256 price;
        if (refusal.length == 0) (price, refusal) = _tryRead(token, f);
        // A feed quoted in ETH exists only beside an ETH/USD feed: setting either proves every token answers.
        if (refusal.length == 0 && f.inEth) {
            uint256 via;
            (via, refusal) = _tryRead(token, _ethUsd);
            price = FeedMath.chain(price, via, _ethUsd.feedDecimals);
        }
        if (refusal.length != 0) return (false, 0);
        uint256 value =
            FeedMath.convert(amount, f.tokenDecimals, price, f.feedDecimals, _BASE_DECIMALS, basePrice, baseDecimals);
        return (true, value);
    }

    /// @dev Checks a feed and its heartbeat; returns its decimals.
    function _checkFeed(AggregatorV3Interface feed, uint32 heartbeat) private view returns (uint8 decimals) {
        if (address(feed).code.length == 0) revert CompositeNotAFeed(address(feed));
        decimals = feed.decimals();
        if (decimals > 36) revert CompositeFeedDecimals(address(feed), decimals);
        if (heartbeat < MIN_HEARTBEAT || heartbeat > MAX_HEARTBEAT) revert CompositeHeartbeatOutOfBounds(heartbeat);
    }

    /// @dev Proves `token` answers from each of its sources now (their agreement is not required: a
    /// feed may be added to settle a disagreement).
    function _prove(address token) private view {
        Feed memory f = _feeds[token];
        (uint256 basePrice, uint8 baseDecimals) = _basePrice();
        _feedValue(token, f, 1, basePrice, baseDecimals);
        if (f.twap) TWAP.quote(token, 1);
    }

    function _proveAll() private view {
        uint256 n = _fed.length();
        for (uint256 i; i < n; ++i) {
            _prove(_fed.at(i));
        }
    }

    function _setMaxDivergence(uint256 newMaxDivergenceBps) private {
        if (newMaxDivergenceBps < MIN_DIVERGENCE_BPS || newMaxDivergenceBps > MAX_DIVERGENCE_BPS) {
            revert CompositeDivergenceOutOfBounds(newMaxDivergenceBps);
        }
        emit MaxDivergenceSet(_maxDivergenceBps, newMaxDivergenceBps);
        _maxDivergenceBps = uint16(newMaxDivergenceBps);
    }

    function _setGracePeriod(uint32 newGracePeriod) private {
        if (newGracePeriod > MAX_GRACE_PERIOD) revert CompositeGracePeriodOutOfBounds(newGracePeriod);
        emit GracePeriodSet(_gracePeriod, newGracePeriod);
        _gracePeriod = newGracePeriod;
    }
}
