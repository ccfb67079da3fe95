// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";
import {BasketMath} from "../libraries/BasketMath.sol";

/// @title RebalanceAuctions
/// @notice Dutch auctions of one vault's rebalance, beside (or instead of) its Uniswap slices: when a
/// rebalance is due, anyone opens an auction; while it runs, anyone fills any part of it, taking a token
/// the basket holds above its target and paying one the basket holds below its target, at a price that
/// starts `AuctionPremiumBps` above the oracle's reference and falls linearly over
/// `AuctionDurationSeconds` to `AuctionMaxDiscountBps` below it, where it stops. A filler can source
/// its payment anywhere in the same transaction (IAuctionFiller). The vault's governance sets the mode and
/// the terms (vault parameters, timelocked, bounded on chain) and grants this contract AUCTION_ROLE.
///
/// What holds whatever a filler does:
/// - Prices come from the oracle's references only, checked at every fill: what the vault gives is
///   valued at the highest of its references and what it takes at the lowest (`quoteBounds`, which
///   refuses while the market stands outside the references by more than a round trip, so a move in the
///   same block, real or pushed, stops fills rather than being sold into). No fill is below the
///   reference less the maximum discount.
/// - A fill never takes a token past its target (at the NAV before the fill): the vault sells only a
///   surplus and buys only a deficit; the auction is done once drift is at most the return point
///   (ResidualDriftBps at opening).
/// - The tokens on offer stay in the vault until a fill: NAV counts them, and in-kind and base-asset
///   exits work throughout, with the same slices as without an auction. The vault settles each fill under
///   its own lock, so nothing sees the basket between the two transfers.
/// - The terms are fixed at opening; a change of targets, mode, pause, or an oracle that cannot price
///   stops fills at once, and lets anyone close the auction. The guardian may close it at any time.
contract RebalanceAuctions is ReentrancyGuardTransient {
    /// @notice The auction open now (`startedAt` 0: none), with the terms it opened with.
    struct Auction {
        uint64 startedAt;
        uint32 durationSeconds;
        uint16 premiumBps;
        uint16 maxDiscountBps;
        /// @dev Drift (basis points) at or under which the auction is done: the vault's ResidualDriftBps.
        uint16 returnBps;
        uint32 id;
        /// @dev The basket and its targets at opening: a change stops the auction.
        bytes32 targetsHash;
    }

    /// @dev The basket (the base asset first) and its targets, in the vault's order.
    struct Basket {
        address[] tokens;
        uint16[] targets;
    }

    /// @notice Why an auction closed.
    enum CloseReason {
        /// Drift is at most the return point.
        Done,
        /// Its duration passed.
        Expired,
        /// Governance changed the targets or the basket.
        TargetsChanged,
        /// Governance switched the vault to slices only.
        AuctionsOff,
        /// The guardian paused the vault.
        Paused,
        /// The oracle cannot price a holding.
        Unpriced,
        /// The guardian closed it.
        Guardian
    }

    uint256 private constant BPS = 10_000;
    uint256 private constant WAD = 1e18;
    bytes32 private constant _KEEPER_ROLE = keccak256("KEEPER_ROLE");

    IRebalancingVault public immutable VAULT;

    Auction private _auction;
    /// @notice How many auctions were opened (the last one's id).
    uint32 public auctionCount;

    event AuctionOpened(
        uint256 indexed id, uint256 driftBps, uint256 premiumBps, uint256 maxDiscountBps, uint256 endsAt
    );
    /// @param valueOut What the vault gave, at the oracle's reference value (base units).
    /// @param valueIn What the vault took, at the oracle's reference value (base units).
    event AuctionFilled(
        uint256 indexed id,
        address indexed filler,
        address tokenOut,
        uint256 amountOut,
        address tokenIn,
        uint256 amountIn,
        uint256 valueOut,
        uint256 valueIn
    );
    event AuctionClosed(uint256 indexed id, CloseReason reason);

    error AuctionZeroAddress();
    /// @notice The vault's ExecutionMode is Slices.
    error AuctionsOff();
    error AuctionAlreadyOpen(uint256 id);
    error AuctionNotOpen();
    /// @notice No trigger fires, or drift is already at most the return point.
    error AuctionNotDue(uint256 driftBps, uint256 thresholdBps, uint256 returnBps);
    error AuctionVaultPaused();
    error AuctionExpired(uint256 endedAt);
    error AuctionTargetsChanged();
    /// @notice Drift is at most the return point: the auction has nothing left to do.
    error AuctionDone(uint256 driftBps, uint256 returnBps);
    error AuctionUnknownToken(address token);
    /// @notice The basket holds no surplus of `tokenOut` or no deficit of `tokenIn` (or the fill is dust).
    error AuctionNothingToFill(address tokenOut, address tokenIn);
    /// @notice The fill would cost more of the token paid than the filler's limit.
    error AuctionPriceAbove(uint256 amountIn, uint256 maxAmountIn);
    /// @notice Nothing lets this caller close the auction now.
    error AuctionStillLive(uint256 id);

    constructor(IRebalancingVault vault) {
        if (address(vault) == address(0)) revert AuctionZeroAddress();
        VAULT = vault;
    }

    // ================================================================== keepers and fillers

    /// @notice Opens an auction of the rebalance that is due (anyone; a keeper's job). Needs the vault in
    /// Hybrid or Auctions mode, unpaused, a trigger firing (the vault's threshold or calendar, the
    /// cooldown aside: in hybrid mode the slices have just run) and drift above the return point. With
    /// keeper pay on, the vault repays an opener it would let rebalance (KEEPER_ROLE, or anyone when that
    /// role is open) for the gas of the opening, as it repays a rebalance, from the same daily budget.
    function open() external nonReentrant returns (uint256 id) {
        uint256 gasAtStart = gasleft();
        Auction memory a = _auction;
        if (a.startedAt != 0) revert AuctionAlreadyOpen(a.id);
        if (_param(IRebalancingVault.Parameter.ExecutionMode) == 0) revert AuctionsOff();
        if (VAULT.paused()) revert AuctionVaultPaused();
        // The return point the vault's slices plan with now (ResidualDriftBps, or the derived one).
        (, IRebalancingVault.Trigger trigger, uint256 drift,, uint256 thresholdBps,, uint256 returnBps) =
            VAULT.rebalanceStatus();
        if (trigger == IRebalancingVault.Trigger.None || drift <= returnBps) {
            revert AuctionNotDue(drift, thresholdBps, returnBps);
        }
        id = ++auctionCount;
        (address[] memory listed, uint16[] memory targets) = VAULT.targets();
        a = Auction({
            startedAt: uint64(block.timestamp),
            durationSeconds: uint32(_param(IRebalancingVault.Parameter.AuctionDurationSeconds)),
            premiumBps: uint16(_param(IRebalancingVault.Parameter.AuctionPremiumBps)),
            maxDiscountBps: uint16(_param(IRebalancingVault.Parameter.AuctionMaxDiscountBps)),
            returnBps: uint16(returnBps),
            id: uint32(id),
            targetsHash: _targetsHash(listed, targets)
        });
        _auction = a;
        emit AuctionOpened(id, drift, a.premiumBps, a.maxDiscountBps, block.timestamp + a.durationSeconds);
        if (VAULT.keeperPay().baseFeeCapGwei != 0 && _mayRebalance(msg.sender)) {
            VAULT.settleAuction(abi.encode(address(0), gasAtStart - gasleft(), address(0), 0, msg.sender, ""));
        }
    }

    /// @notice Takes up to `amountOut` of `tokenOut` from the vault (less, when the basket's surplus of
    /// it or deficit of `tokenIn` is smaller) and pays `tokenIn` at the auction's price now, at most
    /// `maxAmountIn`. The vault sends `tokenOut` first, calls `onAuctionFill` on the caller when `data` is
    /// not empty, then takes `tokenIn` from the caller with `transferFrom` (approve the vault).
    /// @return filledOut What the caller received of `tokenOut`.
    /// @return paidIn What the caller paid of `tokenIn`.
    function fill(address tokenOut, address tokenIn, uint256 amountOut, uint256 maxAmountIn, bytes calldata data)
        external
        nonReentrant
        returns (uint256 filledOut, uint256 paidIn)
    {
        (Auction memory a, Basket memory b) = _live();
        uint256 valueOut;
        uint256 valueIn;
        (filledOut, paidIn, valueOut, valueIn) = _fill(a, b, tokenOut, tokenIn, amountOut);
        if (paidIn > maxAmountIn) revert AuctionPriceAbove(paidIn, maxAmountIn);
        VAULT.settleAuction(abi.encode(tokenOut, filledOut, tokenIn, paidIn, msg.sender, data));
        emit AuctionFilled(a.id, msg.sender, tokenOut, filledOut, tokenIn, paidIn, valueOut, valueIn);
    }

    /// @notice Closes the open auction when it is done, expired, its targets changed, auctions were
    /// switched off, the vault is paused or the oracle cannot price a holding (anyone), or at any time
    /// (the guardian). Fills stop in all those cases anyway; closing lets the next auction open.
    function close() external nonReentrant returns (CloseReason reason) {
        Auction memory a = _auction;
        if (a.startedAt == 0) revert AuctionNotOpen();
        bool anyone;
        (anyone, reason) = _closable(a);
        if (!anyone) {
            if (msg.sender != VAULT.guardian()) revert AuctionStillLive(a.id);
            reason = CloseReason.Guardian;
        }
        delete _auction;
        emit AuctionClosed(a.id, reason);
    }

    // ================================================================== views

    /// @notice The auction open now (`startedAt` 0: none), the price factor now (basis points of the
    /// reference: 10,000 plus the premium at opening, down to 10,000 less the maximum discount) and when
    /// its price reaches the floor and fills stop.
    function current() external view returns (Auction memory auction, uint256 priceBps, uint256 endsAt) {
        auction = _auction;
        if (auction.startedAt == 0) return (auction, 0, 0);
        priceBps = _factor(auction) * BPS / WAD;
        endsAt = uint256(auction.startedAt) + auction.durationSeconds;
    }

    /// @notice What `fill(tokenOut, tokenIn, amountOut, ...)` would give and cost now (type(uint256).max
    /// as `amountOut`: all there is), with both sides at the oracle's reference value. Reverts as `fill`.
    function quoteFill(address tokenOut, address tokenIn, uint256 amountOut)
        external
        view
        returns (uint256 filledOut, uint256 paidIn, uint256 valueOut, uint256 valueIn)
    {
        (Auction memory a, Basket memory b) = _live();
        return _fill(a, b, tokenOut, tokenIn, amountOut);
    }

    /// @notice Whether anyone may close the open auction now, and why.
    function closable() external view returns (bool, CloseReason) {
        Auction memory a = _auction;
        if (a.startedAt == 0) return (false, CloseReason.Done);
        return _closable(a);
    }

    // ================================================================== internals

    /// @dev The open auction, if fills may run now, and the basket and targets it was opened on.
    function _live() private view returns (Auction memory a, Basket memory b) {
        a = _auction;
        if (a.startedAt == 0) revert AuctionNotOpen();
        uint256 endsAt = uint256(a.startedAt) + a.durationSeconds;
        if (block.timestamp > endsAt) revert AuctionExpired(endsAt);
        if (_param(IRebalancingVault.Parameter.ExecutionMode) == 0) revert AuctionsOff();
        (b.tokens, b.targets) = VAULT.targets();
        if (_targetsHash(b.tokens, b.targets) != a.targetsHash) revert AuctionTargetsChanged();
    }

    /// @dev Sizes and prices a fill: the surplus and deficit at the reference values (NAV before the fill),
    /// then the price from the bounds, then, when what is paid would take `tokenIn` past its target (the
    /// premium, or its references' spread), the fill scaled down once to fit.
    function _fill(Auction memory a, Basket memory b, address tokenOut, address tokenIn, uint256 amountOut)
        private
        view
        returns (uint256 filledOut, uint256 paidIn, uint256 valueOut, uint256 valueIn)
    {
        (uint256 maxOut, uint256 deficit) = _room(a, b, tokenOut, tokenIn);
        address base = b.tokens[0];
        filledOut = Math.min(amountOut, maxOut);
        IPriceOracle oracle = VAULT.oracle();
        uint256 factor = _factor(a);
        (paidIn, valueIn) = _price(oracle, base, tokenOut, tokenIn, filledOut, factor);
        if (valueIn > deficit) {
            // Scaled to the deficit, less a basis point for the payment's rounding up.
            filledOut = Math.mulDiv(filledOut, deficit * (BPS - 1), valueIn * BPS);
            (paidIn, valueIn) = _price(oracle, base, tokenOut, tokenIn, filledOut, factor);
        }
        if (filledOut == 0 || paidIn == 0 || valueIn > deficit) revert AuctionNothingToFill(tokenOut, tokenIn);
        valueOut = tokenOut == base ? filledOut : oracle.quote(tokenOut, filledOut);
    }

    /// @dev How much of `tokenOut` the vault may give (its surplus, in tokens, at most the value of
    /// `tokenIn`'s deficit) and `tokenIn`'s deficit (base units), at the reference values (the vault's
    /// holdings are in the basket's order).
    function _room(Auction memory a, Basket memory b, address tokenOut, address tokenIn)
        private
        view
        returns (uint256 maxOut, uint256 deficit)
    {
        (, uint256[] memory balances, uint256[] memory values) = VAULT.holdings();
        uint16[] memory targets = b.targets;
        uint256 nav;
        {
            uint256 drift;
            (nav, drift) = _navAndDrift(values, targets);
            if (drift <= a.returnBps) revert AuctionDone(drift, a.returnBps);
        }
        uint256 o = _indexOf(b.tokens, tokenOut);
        uint256 i = _indexOf(b.tokens, tokenIn);
        deficit = _gap(uint256(targets[i]) * nav, values[i] * BPS);
        uint256 room = Math.min(_gap(values[o] * BPS, uint256(targets[o]) * nav), deficit);
        if (room == 0 || o == i) revert AuctionNothingToFill(tokenOut, tokenIn);
        maxOut = Math.mulDiv(balances[o], room, values[o]);
    }

    /// @dev What `amountOut` of `tokenOut` costs in `tokenIn` at `factor` (WAD) of its value at the
    /// highest reference, paid in `tokenIn` valued at its lowest (rounded up), and that payment's value
    /// at the reference.
    function _price(
        IPriceOracle oracle,
        address base,
        address tokenOut,
        address tokenIn,
        uint256 amountOut,
        uint256 factor
    ) private view returns (uint256 amountIn, uint256 valueIn) {
        if (amountOut == 0) return (0, 0);
        uint256 outHigh = amountOut;
        if (tokenOut != base) (, outHigh) = oracle.quoteBounds(tokenOut, amountOut);
        uint256 ask = Math.mulDiv(outHigh, factor, WAD, Math.Rounding.Ceil);
        if (tokenIn == base) return (ask, ask);
        // The price of a whole token first, then corrected at the amount itself (the oracle's rounding is
        // per amount), so that what is paid, at its lowest reference, covers the ask to within one unit.
        uint256 unit = 10 ** IERC20Metadata(tokenIn).decimals();
        (uint256 low,) = oracle.quoteBounds(tokenIn, unit);
        amountIn = Math.mulDiv(ask, unit, low, Math.Rounding.Ceil);
        (low,) = oracle.quoteBounds(tokenIn, amountIn);
        if (low < ask) amountIn = Math.mulDiv(amountIn, ask, low, Math.Rounding.Ceil);
        valueIn = oracle.quote(tokenIn, amountIn);
    }

    /// @dev The price factor now, WAD: from 1 + premium at opening to 1 - maxDiscount at the end, linear.
    function _factor(Auction memory a) private view returns (uint256) {
        uint256 elapsed = Math.min(block.timestamp - a.startedAt, a.durationSeconds);
        uint256 start = BPS + a.premiumBps;
        uint256 fall = uint256(a.premiumBps) + a.maxDiscountBps;
        return Math.mulDiv(start * a.durationSeconds - fall * elapsed, WAD, BPS * a.durationSeconds);
    }

    function _closable(Auction memory a) private view returns (bool, CloseReason) {
        if (block.timestamp > uint256(a.startedAt) + a.durationSeconds) return (true, CloseReason.Expired);
        if (_param(IRebalancingVault.Parameter.ExecutionMode) == 0) return (true, CloseReason.AuctionsOff);
        if (VAULT.paused()) return (true, CloseReason.Paused);
        (address[] memory listed, uint16[] memory targets) = VAULT.targets();
        if (_targetsHash(listed, targets) != a.targetsHash) return (true, CloseReason.TargetsChanged);
        try VAULT.holdings() returns (address[] memory tokens, uint256[] memory balances, uint256[] memory values) {
            (, uint256 drift) = _navAndDrift(values, targets);
            if (drift <= a.returnBps) return (true, CloseReason.Done);
            // The references' own refusal (they disagree, a feed is stale) stops every fill of the token.
            IPriceOracle oracle = VAULT.oracle();
            for (uint256 k = 1; k < tokens.length; ++k) {
                if (balances[k] == 0 && targets[k] == 0) continue;
                try oracle.quoteBounds(tokens[k], Math.max(balances[k], 1)) {}
                catch {
                    return (true, CloseReason.Unpriced);
                }
            }
            return (false, CloseReason.Done);
        } catch {
            return (true, CloseReason.Unpriced);
        }
    }

    /// @dev Whether the vault lets `account` rebalance: keeper pay's condition for repaying an opening.
    function _mayRebalance(address account) private view returns (bool) {
        IAccessControl vault = IAccessControl(address(VAULT));
        return vault.hasRole(_KEEPER_ROLE, account) || vault.hasRole(_KEEPER_ROLE, address(0));
    }

    function _param(IRebalancingVault.Parameter which) private view returns (uint256) {
        return VAULT.parameter(which);
    }

    function _targetsHash(address[] memory tokens, uint16[] memory targets) private pure returns (bytes32) {
        return keccak256(abi.encode(tokens, targets));
    }

    /// @dev NAV (the sum of the holdings' reference values) and drift against `targets`, as the vault measures it.
    function _navAndDrift(uint256[] memory values, uint16[] memory targets)
        private
        pure
        returns (uint256 nav, uint256 drift)
    {
        for (uint256 k; k < values.length; ++k) {
            nav += values[k];
        }
        drift = BasketMath.driftBps(values, targets, nav);
    }

    function _indexOf(address[] memory tokens, address token) private pure returns (uint256) {
        for (uint256 k; k < tokens.length; ++k) {
            if (tokens[k] == token) return k;
        }
        revert AuctionUnknownToken(token);
    }

    /// @dev `a - b`, scaled down from basis points, or 0.
    function _gap(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? (a - b) / BPS : 0;
    }
}
