// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";
import {CommonBase} from "forge-std/Base.sol";
import {console2} from "forge-std/console2.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {TickMath} from "uniswap-v3-core-08/contracts/libraries/TickMath.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {RebalancingVault} from "../../contracts/RebalancingVault.sol";
import {RebalanceAuctions} from "../../contracts/auctions/RebalanceAuctions.sol";
import {IPriceOracle} from "../../contracts/interfaces/IPriceOracle.sol";
import {IRebalancingVault} from "../../contracts/interfaces/IRebalancingVault.sol";
import {DemoToken} from "../../contracts/local/DemoToken.sol";
import {FreezableToken} from "../../contracts/mocks/FreezableToken.sol";
import {BallastRouter} from "../../contracts/periphery/BallastRouter.sol";
import {FeeMath} from "../../contracts/libraries/FeeMath.sol";
import {SwapPath} from "../../contracts/libraries/SwapPath.sol";
import {TwapMath} from "../../contracts/libraries/TwapMath.sol";
import {CompositeOracle} from "../../contracts/oracles/CompositeOracle.sol";
import {UniswapV3TwapOracle} from "../../contracts/oracles/UniswapV3TwapOracle.sol";
import {BallastFixture, PoolMoves} from "../helpers/BallastFixture.sol";

/// @notice The actions the invariant fuzzer takes against a vault on the genuine Uniswap market, priced by
/// a CompositeOracle (a feed beside every pool, the feeds following where the market values each token) or
/// by the pools alone: what holders do (every ERC-4626 entry point, in-kind exits, claims, an entry and
/// exit at once, in the block of a real move or after one), what the keeper, governance (through the
/// timelock: targets, parameters, fee changes executed at any moment after their delay, the oracle, a token
/// written off or removed and listed again) and the guardian do, what the market does (real moves, pushes,
/// arbitrage, time) and what an attacker tries (donations, dust of a token the vault holds none of, freezing
/// a token, calls without a role), and the Dutch auctions: opened, filled by any holder at any moment of
/// their decay with any pair, closed, across every change above. Each vault promise an action can break is counted in a ghost variable
/// that the invariants hold at zero.
contract VaultHandler is CommonBase, StdUtils {
    /// @notice Raised by `simulateExit` to undo the exit it made: whether it went through.
    error Simulated(bool ok);

    uint256 private constant BPS = 10_000;
    uint256 private constant DELAY = 1 days;

    uint256 private constant WINDOW = 1800;
    uint256 private constant VIRTUAL = 1e6;

    RebalancingVault public immutable VAULT;
    UniswapV3TwapOracle public immutable ORACLE;
    CompositeOracle public immutable COMPOSITE;
    /// @notice Listed at a target of zero and held by nobody: what dust donations are made of.
    DemoToken public immutable DST;
    ISwapRouter public immutable ROUTER;
    TimelockController public immutable TIMELOCK;
    FreezableToken public immutable FRZ;
    /// @notice The periphery's exit in the base asset, which holders may take instead of leaving in kind.
    BallastRouter public immutable EXITS = new BallastRouter();
    /// @dev Every token the basket held at the start (the base asset first, DST last), listed or not now.
    address[] private _tokens;
    /// @dev The pool of each of `_tokens[1:]`, and its feed.
    IUniswapV3Pool[] private _pools;
    MockV3Aggregator[] private _feeds;
    /// @dev Where the market values each pool: the tick its arbitrage restores, and its feed reports.
    int24[] private _fairTicks;
    /// @dev Fee changes scheduled on the timelock, executed by `executePending` at any moment after their delay.
    bytes[] private _pendingCalls;
    bytes32[] private _pendingSalts;
    address[] private _actors;
    /// @notice The depositor of `depositAfterMoveAndHold`, who leaves within it.
    address public constant NEWCOMER = address(uint160(uint256(keccak256("newcomer"))));
    /// @notice The account that holds every role: guardian, keeper, the timelock's proposer and executor.
    address public immutable OPERATOR;
    address public immutable OUTSIDER;

    // Ghosts: every one must stay zero.
    uint256 public previewMismatches;
    uint256 public maxRefusals;
    uint256 public inKindFailures;
    uint256 public roundTripProfits;
    uint256 public rebalanceLosses;
    uint256 public driftIncreases;
    /// @notice Rebalances that added to the vault's FRZ while FRZ would not let the vault send it (blacklisted
    /// either way, or as a sender only, as USDT's blacklist works): a holding bought that it could not use.
    uint256 public frozenBought;
    /// @notice Rebalances that did not accrue the fees while a rate was set, went through in auctions-only
    /// mode, or paid their keeper while keeper pay was off: the switches the vault keeps beside the pause fell
    /// out of step with the settings.
    uint256 public switchesMissed;
    /// @notice Rebalances that stopped above their return point (beyond what their own fees explain) with
    /// the vault no longer due: a plan cut short that the vault would not carry on.
    uint256 public shortLandings;
    /// @dev Whether the last rebalance stopped above its return point (see `_landedShort`).
    bool internal landedShort;
    /// @notice Return points (rebalanceStatus's, what a rebalance aims at) outside governance's bounds:
    /// ResidualDriftBps while ResidualCeilingBps is 0; otherwise between max(ResidualDriftBps, MinDriftBps)
    /// and the ceiling, held MinDriftBps under the threshold (the floor winning when they cross).
    uint256 public returnPointsOutOfBounds;
    uint256 public unprivilegedSuccesses;
    /// @notice Exits to the base asset after which another holder's in-kind slice of some token shrank
    /// (in value, to rounding, while a performance fee is on: see `redeemToBase`).
    uint256 public exitHarms;
    /// @notice Depositors who paid the higher reference and, prices then holding still, could not leave
    /// after the accrual with what they paid less the stated rounding.
    uint256 public depositorsCharged;
    /// @notice Donations of dust (under a basis point of NAV) after which deposits or exits stopped.
    uint256 public dustHalts;
    /// @notice Same-block entries and in-kind exits, after someone's real move earlier in the block, that
    /// gained at the block's prices.
    uint256 public sameBlockGains;
    /// @notice In-kind exits the oracle could not price that left a pending performance fee unpaid.
    uint256 public exitFeeDodges;
    /// @notice Auction fills whose payment, at its lowest reference (to a unit), fell below what the vault
    /// gave at its highest less the auction's maximum discount.
    uint256 public floorBreaches;
    /// @notice Auction fills that took the token sold under its target, or the token bought over it,
    /// beyond what the fill's own price moves NAV by (and a basis point of rounding).
    uint256 public targetOvershoots;
    /// @notice Auction fills that went through while the auction had to stop: expired, paused, auctions
    /// off, or the targets changed since it opened.
    uint256 public stoppedFills;
    /// @notice Openings by an account the vault would not let rebalance that the vault paid for anyway.
    uint256 public unearnedOpenerPay;
    /// @notice Openings repaid beyond keeper pay's caps: more gas than KeeperMaxGas, or the day's over
    /// KeeperMaxGasPerDay.
    uint256 public overpaidOpenings;
    /// @notice Why the last refused fill was refused (for the deterministic test's message).
    bytes public lastFillRefusal;
    /// @notice The vault's Dutch auctions (granted AUCTION_ROLE, hybrid mode at the start).
    RebalanceAuctions public auctions;
    /// @dev WETH's two swap paths governance switches between: its own pool, and a second USDC/WETH pool
    /// (another fee tier).
    address private wethToken;
    bytes[2] private wethPaths;
    /// @notice The highest share price at the exit reference seen at a priced entry, exit or accrual while
    /// the performance fee did not charge: the mark must never be below it.
    uint256 public peakSeen;
    // Counters of what the run did, for its summary.
    mapping(bytes32 action => uint256) public done;

    /// @notice What the handler acts on.
    struct Setup {
        RebalancingVault vault;
        UniswapV3TwapOracle oracle;
        CompositeOracle composite;
        ISwapRouter router;
        TimelockController timelock;
        FreezableToken frz;
        address[] tokens;
        IUniswapV3Pool[] pools;
        MockV3Aggregator[] feeds;
        address[] actors;
        address operator;
        address outsider;
    }

    constructor(Setup memory x) {
        (VAULT, ORACLE, COMPOSITE, ROUTER, TIMELOCK, FRZ) = (x.vault, x.oracle, x.composite, x.router, x.timelock, x.frz);
        DST = DemoToken(x.tokens[x.tokens.length - 1]);
        (OPERATOR, OUTSIDER) = (x.operator, x.outsider);
        _tokens = x.tokens;
        _pools = x.pools;
        _feeds = x.feeds;
        _actors = x.actors;
        for (uint256 i; i < x.pools.length; ++i) {
            (, int24 tick,,,,,) = x.pools[i].slot0();
            _fairTicks.push(tick);
        }
        for (uint256 i; i < x.tokens.length; ++i) {
            IERC20(x.tokens[i]).approve(address(x.router), type(uint256).max);
        }
    }

    /// @notice Set once, after construction (the auction house needs the vault's address, the handler its own).
    function setAuctions(RebalanceAuctions auctions_) external {
        require(address(auctions) == address(0), "set once");
        auctions = auctions_;
    }

    /// @notice Set once, after construction: WETH and the two swap paths `changeSwapPath` switches between.
    function setWethPaths(address weth, bytes memory own, bytes memory other) external {
        require(wethToken == address(0), "set once");
        (wethToken, wethPaths[0], wethPaths[1]) = (weth, own, other);
    }

    // ================================================================== holders

    function deposit(uint256 actorSeed, uint256 amount, bool exactlyMax) external {
        address actor = _actor(actorSeed);
        uint256 max = VAULT.maxDeposit(actor);
        if (max == 0) return;
        amount = exactlyMax && max <= 50_000_000e6 ? max : _bound(amount, 1e6, Math.min(max, 5_000_000e6));
        uint256 preview = VAULT.previewDeposit(amount);
        if (preview == 0) return;
        _fund(actor, amount);
        (bool priced, uint256 price) = _sample();
        vm.prank(actor);
        try VAULT.deposit(amount, actor) returns (uint256 shares) {
            if (shares != preview) previewMismatches++;
            _seen(priced, price);
            done["deposit"]++;
        } catch {
            maxRefusals++;
        }
    }

    function mint(uint256 actorSeed, uint256 shares) external {
        address actor = _actor(actorSeed);
        uint256 max = VAULT.maxMint(actor);
        if (max == 0) return;
        shares = _bound(shares, 1, Math.min(max, 1e18));
        uint256 preview = VAULT.previewMint(shares);
        _fund(actor, preview);
        (bool priced, uint256 price) = _sample();
        vm.prank(actor);
        try VAULT.mint(shares, actor) returns (uint256 assets) {
            if (assets != preview) previewMismatches++;
            _seen(priced, price);
            done["mint"]++;
        } catch {
            maxRefusals++;
        }
    }

    function withdraw(uint256 actorSeed, uint256 amount, bool exactlyMax) external {
        address actor = _actor(actorSeed);
        uint256 max = VAULT.maxWithdraw(actor);
        if (max == 0) return;
        amount = exactlyMax ? max : _bound(amount, 1, max);
        uint256 preview = VAULT.previewWithdraw(amount);
        (bool priced, uint256 price) = _sample();
        vm.prank(actor);
        try VAULT.withdraw(amount, actor, actor) returns (uint256 shares) {
            if (shares != preview) previewMismatches++;
            _seen(priced, price);
            done["withdraw"]++;
        } catch {
            maxRefusals++;
        }
    }

    function redeem(uint256 actorSeed, uint256 shares, bool exactlyMax) external {
        address actor = _actor(actorSeed);
        uint256 max = VAULT.maxRedeem(actor);
        if (max == 0) return;
        shares = exactlyMax ? max : _bound(shares, 1, max);
        uint256 preview = VAULT.previewRedeem(shares);
        if (preview == 0) {
            // Below max, an exit that pays nothing is refused by design; maxRedeem itself must pay.
            if (exactlyMax) maxRefusals++;
            return;
        }
        (bool priced, uint256 price) = _sample();
        vm.prank(actor);
        try VAULT.redeem(shares, actor, actor) returns (uint256 assets) {
            if (assets != preview) previewMismatches++;
            _seen(priced, price);
            done["redeem"]++;
        } catch {
            maxRefusals++;
        }
    }

    /// @notice Any holder leaves in kind, whatever is frozen, paused or unpriceable.
    function redeemInKind(uint256 actorSeed, uint256 shares) external {
        address actor = _actor(actorSeed);
        uint256 balance = VAULT.balanceOf(actor);
        if (balance == 0) return;
        shares = _bound(shares, 1, balance);
        uint256[] memory previewed = VAULT.previewRedeemInKind(shares);
        // Unpriced, a performance fee pending at the primary reference is the exiter's to pay, in shares.
        uint256 owes = _exitFeeDue(shares);
        (IRebalancingVault.Fees memory fees,) = VAULT.fees();
        uint256 recipientBefore = VAULT.balanceOf(fees.recipient);
        (uint256 management,) = VAULT.pendingFees();
        vm.prank(actor);
        try VAULT.redeemInKind(shares, actor, actor) returns (uint256[] memory paid) {
            done["redeemInKind"]++;
            if (keccak256(abi.encode(paid)) != keccak256(abi.encode(previewed))) previewMismatches++;
            if (owes != 0 && VAULT.balanceOf(fees.recipient) < recipientBefore + management + owes) exitFeeDodges++;
        } catch {
            inKindFailures++;
        }
    }

    /// @notice A holder leaves in the base asset through the router (it may be refused: a pushed pool, a
    /// frozen slice, prices that disagree); when it goes through, every other holder keeps at least the
    /// slice of every token it had.
    function redeemToBase(uint256 actorSeed, uint256 shares) external {
        address actor = _actor(actorSeed);
        uint256 balance = VAULT.balanceOf(actor);
        if (balance == 0) return;
        shares = _bound(shares, 1, balance);
        uint256[][] memory before = new uint256[][](_actors.length);
        for (uint256 i; i < _actors.length; ++i) {
            before[i] = _owned(_actors[i]);
        }
        vm.startPrank(actor);
        VAULT.approve(address(EXITS), shares);
        try EXITS.redeemToBase(IRebalancingVault(address(VAULT)), shares, actor, 0) {
            done["redeemToBase"]++;
        } catch {}
        VAULT.approve(address(EXITS), 0);
        vm.stopPrank();
        (IRebalancingVault.Fees memory fees,) = VAULT.fees();
        for (uint256 i; i < _actors.length; ++i) {
            if (_actors[i] == actor) continue;
            uint256[] memory slices = _owned(_actors[i]);
            // The exit's rounding leaves dust in some tokens to those who stay; with a performance fee on,
            // that dust is a gain the fee takes its share of, in every token: then the promise is in value
            // (at the prices of this block), to the rounding of each slice (one unit of each token).
            (bool pricedBefore, uint256 valueBefore,) = _value(before[i]);
            (bool pricedAfter, uint256 valueAfter, uint256 rounding) = _value(slices);
            if (fees.performanceFeeBps != 0 && pricedBefore && pricedAfter) {
                if (valueAfter + rounding < valueBefore) exitHarms++;
                continue;
            }
            for (uint256 j; j < slices.length; ++j) {
                if (slices[j] < before[i][j]) exitHarms++;
            }
        }
    }

    /// @dev What `actor` owns of every holding (basket order): its shares' pro-rata slice once the fees due are
    /// minted, as an in-kind exit pays it while the vault prices; not less what such an exit would owe while the
    /// vault cannot price (that fee is the exit's, not a change in what the holder owns).
    function _owned(address actor) private view returns (uint256[] memory slices) {
        (address[] memory basket,) = VAULT.targets();
        (uint256 management, uint256 performance) = VAULT.pendingFees();
        uint256 supplyV = VAULT.totalSupply() + management + performance + VIRTUAL;
        uint256 shares = VAULT.balanceOf(actor);
        slices = new uint256[](basket.length);
        for (uint256 j; j < basket.length; ++j) {
            uint256 balance = IERC20(basket[j]).balanceOf(address(VAULT));
            uint256 owed = VAULT.owed(basket[j]);
            slices[j] = Math.mulDiv(balance > owed ? balance - owed : 0, shares, supplyV);
        }
    }

    /// @dev Amounts of every basket token (basket order) at the oracle's lowest references, and what one
    /// unit of each is worth (rounded up).
    function _value(uint256[] memory amounts) private view returns (bool ok, uint256 value, uint256 units) {
        (address[] memory basket,) = VAULT.targets();
        (value, units) = (amounts[0], 1);
        for (uint256 j = 1; j < basket.length; ++j) {
            try ORACLE.quoteBounds(basket[j], amounts[j]) returns (uint256 low, uint256) {
                value += low;
                (uint256 unit,) = ORACLE.quoteBounds(basket[j], 1);
                units += unit + 1;
            } catch {
                return (false, 0, 0);
            }
        }
        ok = true;
    }

    function claim(uint256 actorSeed, uint256 tokenSeed) external {
        address actor = _actor(actorSeed);
        address token = _tokens[tokenSeed % _tokens.length];
        if (VAULT.claimable(token, actor) == 0) return;
        vm.prank(actor);
        try VAULT.claim(token, actor) {
            done["claim"]++;
        } catch {
            // Refused only while the token still refuses the transfer.
        }
    }

    /// @notice After a real move of up to 4% (under the oracle's divergence bound) and one block, an
    /// entry and an exit at once: the shape of the attack on a lagging average.
    function roundTripAfterMove(uint256 actorSeed, uint256 amount, uint256 poolSeed, int256 bps) external {
        uint256 i = poolSeed % _pools.length;
        bps = _bound(bps, int256(-400), int256(400));
        (, int24 tick,,,,,) = _pools[i].slot0();
        _swapTo(_pools[i], int256(tick) + bps);
        vm.warp(block.timestamp + 12);
        vm.roll(block.number + 1);
        this.roundTrip(actorSeed, amount);
        done["roundTripAfterMove"]++;
    }

    /// @notice An entry and an exit at once, in kind, never return more than went in, valued at the
    /// prices that priced the entry (the vault's oracle's highest bound of each token).
    function roundTrip(uint256 actorSeed, uint256 amount) external {
        (bool entered, uint256 paid, uint256 nav, uint256[] memory out, address[] memory basket) =
            _enterAndLeave(actorSeed, amount);
        if (!entered) return;
        IPriceOracle oracle = VAULT.oracle();
        uint256 value;
        for (uint256 i; i < out.length; ++i) {
            if (out[i] == 0) continue;
            (, uint256 high) = oracle.quoteBounds(basket[i], out[i]);
            value += high;
        }
        if (value > paid + _rounding(out.length, paid, nav)) roundTripProfits++;
        done["roundTrip"]++;
    }

    /// @dev A deposit of up to $10M (within maxDeposit) and an in-kind exit of its shares at once, by the
    /// actor `actorSeed` names: what it paid, NAV before it, what came out and of which tokens. False
    /// when the vault takes no deposit now, or this one would mint nothing.
    function _enterAndLeave(uint256 actorSeed, uint256 amount)
        private
        returns (bool entered, uint256 paid, uint256 nav, uint256[] memory out, address[] memory basket)
    {
        address actor = _actor(actorSeed);
        uint256 max = VAULT.maxDeposit(actor);
        if (max == 0) return (false, 0, 0, out, basket);
        paid = _bound(amount, 1e6, Math.min(max, 10_000_000e6));
        if (VAULT.previewDeposit(paid) == 0) return (false, 0, 0, out, basket);
        _fund(actor, paid);
        nav = VAULT.totalAssets();
        vm.startPrank(actor);
        uint256 shares = VAULT.deposit(paid, actor);
        out = VAULT.redeemInKind(shares, actor, actor);
        vm.stopPrank();
        (basket,) = VAULT.targets();
        entered = true;
    }

    // ================================================================== keeper, governance, guardian

    function rebalance() external {
        _rebalance();
    }


    /// @notice The keeper calls again as soon as the cooldown lets it, or up to a cooldown later: how a
    /// rebalance cut into slices goes on.
    function rebalanceWhenReady(uint256 lateBy) external {
        _rebalanceWhenReady(lateBy, 0);
    }

    /// @notice The same at a base fee the fuzzer picks (up to 500 gwei), for the rebalance alone: a derived
    /// return point (ResidualCeilingBps) follows it, and keeper pay repays at it.
    function rebalanceAtBaseFee(uint256 baseFeeGwei, uint256 lateBy) external {
        _rebalanceWhenReady(lateBy, _bound(baseFeeGwei, 0, 500));
    }

    function _rebalanceWhenReady(uint256 lateBy, uint256 baseFeeGwei) private {
        (,,, uint256 readyAt,,,) = VAULT.rebalanceStatus();
        uint256 cooldown = VAULT.parameters().cooldownSeconds;
        uint256 wait = (readyAt > block.timestamp ? readyAt - block.timestamp : 0) + _bound(lateBy, 0, cooldown - 1);
        if (wait != 0) {
            _wait(wait);
            _followAll();
        }
        vm.fee(baseFeeGwei * 1 gwei);
        _rebalance();
        vm.fee(0);
    }

    function _rebalance() private {
        (bool due,, uint256 drift, uint256 readyAt, uint256 thresholdBps,, uint256 aimed) = VAULT.rebalanceStatus();
        _checkReturnPoint(aimed, thresholdBps);
        if (!due) {
            _checkCarriesOn(drift, readyAt, aimed);
            // Auctions only: the keeper calls anyway, and the vault must refuse whatever its drift.
            if (VAULT.parameter(IRebalancingVault.Parameter.ExecutionMode) == 2) {
                vm.prank(OPERATOR);
                try VAULT.rebalance() {
                    switchesMissed++;
                } catch {}
            }
            return;
        }
        // Keeper pay (on from the start) is the keeper's, not a loss of the trades: counted back.
        uint256 paidBefore = IERC20(_tokens[0]).balanceOf(OPERATOR);
        uint256 navBefore = VAULT.totalAssets();
        uint256 driftBefore = VAULT.driftBps();
        uint256 slippageBps = VAULT.parameters().maxSlippageBps;
        uint256 frzBefore = FRZ.balanceOf(address(VAULT));
        vm.prank(OPERATOR);
        try VAULT.rebalance() {
            if (FRZ.blacklisted(address(VAULT)) && FRZ.balanceOf(address(VAULT)) > frzBefore) frozenBought++;
            _checkSwitches(paidBefore);
            // Within the block the TWAP does not move: NAV at the same prices lost at most the bound,
            // and drift at the same prices did not grow. With FRZ frozen the promise is over the tokens
            // the vault can trade (it checks that itself): the frozen holding's weight grows by the fees
            // the others' trades pay, which a deep run found moving the whole basket's drift by 1 bp.
            uint256 navAfter = VAULT.totalAssets() + (IERC20(_tokens[0]).balanceOf(OPERATOR) - paidBefore);
            if (navAfter + Math.mulDiv(navBefore, slippageBps, BPS) < navBefore) rebalanceLosses++;
            if (!FRZ.blacklisted(address(VAULT)) && VAULT.driftBps() > driftBefore) driftIncreases++;
            // With FRZ frozen the rebalance leaves it out, and where it lands says nothing of its caps.
            landedShort = !FRZ.blacklisted(address(VAULT)) && _landedShort(navBefore, navAfter, aimed);
            done["rebalance"]++;
        } catch {
            // Refused (a pushed pool, unsettled prices, nothing to trade): nothing moved.
        }
    }

    /// @dev After a rebalance: fees on (either rate) means it accrued them; keeper pay off (no cap) means it
    /// paid its keeper nothing. (Auctions only, where it must not go through, is tried in `_rebalance`.)
    function _checkSwitches(uint256 paidBefore) private {
        (IRebalancingVault.Fees memory fees,) = VAULT.fees();
        bool feesOn = fees.managementFeeBps != 0 || fees.performanceFeeBps != 0;
        if (feesOn && fees.lastAccrualAt != block.timestamp) switchesMissed++;
        bool payOff = VAULT.keeperPay().baseFeeCapGwei == 0;
        if (payOff && IERC20(_tokens[0]).balanceOf(OPERATOR) != paidBefore) switchesMissed++;
    }

    /// @dev Whether a rebalance stopped short of where its return point says (every holding within `aimed`,
    /// rebalanceStatus's return point before it, of its target, the base asset included), beyond what its trades
    /// paid in fees and price impact (at most twice the NAV it lost: each gap moves by the holding's loss
    /// and its target's share of it) and a basis point of rounding: its caps (the pools' budgets,
    /// MaxTradeBps) cut it short, and it must carry on (see `_checkCarriesOn`).
    function _landedShort(uint256 navBefore, uint256 navAfter, uint256 aimed) private view returns (bool) {
        uint256 lossBps = navAfter >= navBefore ? 0 : Math.mulDiv(navBefore - navAfter, BPS, navAfter, Math.Rounding.Ceil);
        return VAULT.driftBps() > Math.max(aimed, VAULT.parameters().minDriftBps) + 2 * lossBps + 1;
    }

    /// @dev A rebalance cut short carries on: after its cooldown (and for as long again), while drift stands
    /// above the return point, the vault stays due, so that the keeper's next call moves the next slice.
    function _checkCarriesOn(uint256 drift, uint256 readyAt, uint256 returnPointBps) private {
        if (!landedShort || VAULT.paused() || FRZ.blacklisted(address(VAULT))) return;
        if (VAULT.parameter(IRebalancingVault.Parameter.ExecutionMode) == 2) return; // auctions only
        IRebalancingVault.Parameters memory p = VAULT.parameters();
        bool inWindow = block.timestamp >= readyAt && block.timestamp < readyAt + p.cooldownSeconds;
        if (inWindow && drift > Math.max(returnPointBps, p.minDriftBps)) shortLandings++;
    }

    /// @dev The return point lies within governance's bounds (see `returnPointsOutOfBounds`).
    function _checkReturnPoint(uint256 returnPointBps, uint256 thresholdBps) private {
        IRebalancingVault.Parameters memory p = VAULT.parameters();
        uint256 floorBps = Math.max(p.residualDriftBps, p.minDriftBps);
        uint256 ceilingBps = VAULT.parameter(IRebalancingVault.Parameter.ResidualCeilingBps);
        if (ceilingBps == 0) {
            if (returnPointBps != p.residualDriftBps) returnPointsOutOfBounds++;
            return;
        }
        ceilingBps = Math.min(ceilingBps, thresholdBps - Math.min(thresholdBps, p.minDriftBps));
        if (returnPointBps < floorBps || returnPointBps > Math.max(floorBps, ceilingBps)) returnPointsOutOfBounds++;
    }

    // ================================================================== Dutch auctions

    /// @notice Anyone opens the auction of a rebalance that is due (refused otherwise: nothing changes); or
    /// the keeper, whom keeper pay (on from the start) repays, at a base fee the fuzzer picks.
    function openAuction(bool asKeeper, uint256 baseFeeGwei) external {
        _openAuction(asKeeper, baseFeeGwei);
    }

    function _openAuction(bool asKeeper, uint256 baseFeeGwei) private {
        address opener = asKeeper ? OPERATOR : OUTSIDER;
        IERC20 base = IERC20(VAULT.asset());
        IRebalancingVault.KeeperPay memory before = VAULT.keeperPay();
        uint256 held = base.balanceOf(opener);
        vm.fee(_bound(baseFeeGwei, 0, 200) * 1 gwei);
        vm.prank(opener);
        try auctions.open() {
            done["openAuction"]++;
            uint256 paid = base.balanceOf(opener) - held;
            if (!asKeeper && paid != 0) unearnedOpenerPay++;
            if (paid != 0) done["paidOpening"]++;
            IRebalancingVault.KeeperPay memory k = VAULT.keeperPay();
            // What this opening was repaid, against the day's room left before it (none once governance
            // lowered the day's cap under what the day had already repaid).
            uint256 spent = k.day == before.day ? before.gasPaidToday : 0;
            uint256 gas = k.gasPaidToday - spent;
            uint256 room = before.maxGasPerDay > spent ? before.maxGasPerDay - spent : 0;
            if (gas > before.maxGas || gas > room) overpaidOpenings++;
        } catch {}
        vm.fee(0);
    }

    /// @notice Anyone (or the guardian) closes the open auction.
    function closeAuction(bool asGuardian) external {
        vm.prank(asGuardian ? OPERATOR : OUTSIDER);
        try auctions.close() {
            done["closeAuction"]++;
        } catch {}
    }

    /// @dev What a fill is checked against, read before it (a struct: the checks need more than the stack holds).
    struct FillCase {
        address base;
        address tokenOut;
        address tokenIn;
        address actor;
        bool mustStop;
        bool priced;
        uint256 navBefore;
    }

    /// @notice A holder fills any pair of the open auction, of any size, at a moment of its decay the fuzzer
    /// picks, paying from tokens it holds (approved to the vault).
    function fillAuction(uint256 actorSeed, uint256 outSeed, uint256 inSeed, uint256 amount, uint256 wait) external {
        (RebalanceAuctions.Auction memory a,,) = auctions.current();
        if (a.startedAt == 0) {
            // A filler (the keeper's bot half the time) opens the auction it means to fill, when one is due.
            _openAuction(actorSeed % 2 == 0, wait);
            (a,,) = auctions.current();
            if (a.startedAt == 0) return;
        }
        // Up to twice its duration: half the fills land after the end, where none may go through.
        _wait(_bound(wait, 0, 2 * uint256(a.durationSeconds)));
        FillCase memory c = _fillCase(a, actorSeed, outSeed, inSeed);
        amount = _bound(amount, 1, IERC20(c.tokenOut).balanceOf(address(VAULT)));
        vm.prank(c.actor);
        try auctions.fill(c.tokenOut, c.tokenIn, amount, type(uint256).max, "") returns (uint256 filledOut, uint256 paidIn) {
            done["fillAuction"]++;
            if (c.mustStop) stoppedFills++;
            _checkFill(a, c, filledOut, paidIn);
        } catch (bytes memory reason) {
            // Refused: not open, expired, done, nothing to move on this pair, a pushed pool, a frozen token.
            lastFillRefusal = reason;
        }
    }

    function _fillCase(RebalanceAuctions.Auction memory a, uint256 actorSeed, uint256 outSeed, uint256 inSeed)
        private
        returns (FillCase memory c)
    {
        (address[] memory basket, uint16[] memory targets) = VAULT.targets();
        c.base = basket[0];
        // Mostly a pair the auction offers (a surplus for a deficit, as fillers look for); a fifth of the
        // time any pair, which the auction must refuse when it has nothing to move on it.
        (c.tokenOut, c.tokenIn) = (basket[outSeed % basket.length], basket[inSeed % basket.length]);
        if (outSeed % 5 != 0) {
            (bool found, uint256 o, uint256 i) = _offeredPair(targets, outSeed, inSeed);
            if (found) (c.tokenOut, c.tokenIn) = (basket[o], basket[i]);
        }
        c.actor = _actor(actorSeed);
        DemoToken(c.tokenIn).mint(c.actor, 10 ** (DemoToken(c.tokenIn).decimals() + 9));
        vm.prank(c.actor);
        IERC20(c.tokenIn).approve(address(VAULT), type(uint256).max);
        c.mustStop = VAULT.paused() || block.timestamp > uint256(a.startedAt) + a.durationSeconds
            || VAULT.parameter(IRebalancingVault.Parameter.ExecutionMode) == 0
            || keccak256(abi.encode(basket, targets)) != a.targetsHash;
        (c.priced, c.navBefore,) = _referenceNav();
    }

    /// @dev The floor (what was paid, at its lowest reference and to a unit, against what was given at its
    /// highest less the maximum discount) and the targets.
    function _checkFill(RebalanceAuctions.Auction memory a, FillCase memory c, uint256 filledOut, uint256 paidIn) private {
        IPriceOracle o = VAULT.oracle();
        uint256 highOut = filledOut;
        if (c.tokenOut != c.base) (, highOut) = o.quoteBounds(c.tokenOut, filledOut);
        uint256 lowIn = paidIn + 1;
        if (c.tokenIn != c.base) (lowIn,) = o.quoteBounds(c.tokenIn, paidIn + 1);
        if (lowIn * BPS < highOut * (BPS - a.maxDiscountBps)) floorBreaches++;
        if (c.priced) _checkTargets(c.tokenOut, c.tokenIn, c.navBefore, highOut * (BPS + a.premiumBps) / BPS);
    }

    /// @dev The positions of a token over its target and one under it, picked by the seeds; false when none.
    function _offeredPair(uint16[] memory targets, uint256 outSeed, uint256 inSeed)
        private
        view
        returns (bool found, uint256 o, uint256 i)
    {
        (bool priced, uint256 nav, uint256[] memory values) = _referenceNav();
        if (!priced) return (false, 0, 0);
        for (uint256 k; k < values.length; ++k) {
            o = (outSeed + k) % values.length;
            if (values[o] * BPS <= uint256(targets[o]) * nav) continue;
            for (uint256 j; j < values.length; ++j) {
                i = (inSeed + j) % values.length;
                if (values[i] * BPS < uint256(targets[i]) * nav) return (true, o, i);
            }
        }
    }

    /// @dev NAV at the oracle's reference values, as the auction sizes fills, and each holding's value;
    /// false while they cannot be read.
    function _referenceNav() private view returns (bool, uint256 nav, uint256[] memory values) {
        try VAULT.holdings() returns (address[] memory, uint256[] memory, uint256[] memory vals) {
            for (uint256 k; k < vals.length; ++k) {
                nav += vals[k];
            }
            return (true, nav, vals);
        } catch {
            return (false, 0, values);
        }
    }

    /// @dev After a fill that moved `moved` (base units, at most): the token sold is not under its target and
    /// the token bought not over it, by more than the fill's premium moves NAV, and a basis point of rounding.
    function _checkTargets(address tokenOut, address tokenIn, uint256 navBefore, uint256 moved) private {
        (address[] memory basket, uint16[] memory targets) = VAULT.targets();
        (, uint256 nav, uint256[] memory values) = _referenceNav();
        // The targets' values move with NAV, which the fill's price moved (up to its premium on `moved`).
        uint256 slack = (nav > navBefore ? nav - navBefore : navBefore - nav) + nav / BPS + moved / BPS + 1;
        uint256 o = _indexIn(basket, tokenOut);
        uint256 i = _indexIn(basket, tokenIn);
        if ((values[o] + slack) * BPS < uint256(targets[o]) * nav) targetOvershoots++;
        if (values[i] * BPS > (uint256(targets[i]) * nav) + slack * BPS) targetOvershoots++;
    }

    /// @notice New targets through the timelock: scheduled, waited out, executed.
    function changeTargets(uint256 seed) external {
        (address[] memory basket, uint16[] memory targets) = VAULT.targets();
        uint256 left = BPS;
        for (uint256 i = 1; i < targets.length; ++i) {
            // DST stays at zero: it is the token nobody holds.
            targets[i] = basket[i] == address(DST) ? 0 : uint16(_bound(uint256(keccak256(abi.encode(seed, i))), 0, left));
            left -= targets[i];
        }
        targets[0] = uint16(left);
        _govern(abi.encodeCall(IRebalancingVault.setTargets, (basket, targets)), seed);
        done["changeTargets"]++;
    }

    /// @notice A parameter within its bounds, through the timelock.
    function changeParameter(uint256 which, uint256 value) external {
        which = _bound(which, 0, uint256(type(IRebalancingVault.Parameter).max));
        IRebalancingVault.Parameter parameter = IRebalancingVault.Parameter(which);
        (uint256 min, uint256 max) = VAULT.parameterBounds(parameter);
        if (parameter == IRebalancingVault.Parameter.DepositCap) (min, max) = (0, 100_000_000e6);
        value = _bound(value, min, max);
        _govern(abi.encodeCall(IRebalancingVault.setParameter, (parameter, value)), value);
        done["changeParameter"]++;
    }

    /// @notice Anyone mints the fees due (every entry, exit and rebalance does too).
    function accrueFees() external {
        (bool priced, uint256 price) = _sample();
        vm.prank(_actors[0]);
        VAULT.accrueFees();
        _seen(priced, price);
        done["accrueFees"]++;
    }

    /// @notice A fee change (a switch-on, a switch-off or a new rate) scheduled now, executed later by
    /// `executePending` at whatever moment the fuzzer picks after its delay.
    function scheduleFeeChange(uint256 which, uint256 value) external {
        IRebalancingVault.Parameter parameter =
            which % 2 == 0 ? IRebalancingVault.Parameter.ManagementFeeBps : IRebalancingVault.Parameter.PerformanceFeeBps;
        (uint256 min, uint256 max) = VAULT.parameterBounds(parameter);
        value = value % 3 == 0 ? 0 : _bound(value, min, max);
        bytes memory data = abi.encodeCall(IRebalancingVault.setParameter, (parameter, value));
        bytes32 salt = keccak256(abi.encode(block.timestamp, _pendingCalls.length, data));
        vm.prank(OPERATOR);
        TIMELOCK.schedule(address(VAULT), 0, data, bytes32(0), salt, DELAY);
        _pendingCalls.push(data);
        _pendingSalts.push(salt);
        done["scheduleFeeChange"]++;
    }

    /// @notice A scheduled fee change executed now, if its delay is over: during a move, after a push, in a dip.
    function executePending(uint256 seed) external {
        if (_pendingCalls.length == 0) return;
        uint256 i = seed % _pendingCalls.length;
        bytes32 id = TIMELOCK.hashOperation(address(VAULT), 0, _pendingCalls[i], bytes32(0), _pendingSalts[i]);
        if (!TIMELOCK.isOperationReady(id)) return;
        vm.prank(OPERATOR);
        try TIMELOCK.execute(address(VAULT), 0, _pendingCalls[i], bytes32(0), _pendingSalts[i]) {
            _pendingCalls[i] = _pendingCalls[_pendingCalls.length - 1];
            _pendingSalts[i] = _pendingSalts[_pendingSalts.length - 1];
            _pendingCalls.pop();
            _pendingSalts.pop();
            done["executePending"]++;
        } catch {
            // Refused while the oracle cannot price the old terms: it stays pending.
        }
    }

    /// @notice Governance moves WETH's swap path between its own pool and a second one of another fee tier:
    /// the vault trades along the path set last (the one-hop path it keeps beside the holding follows).
    function changeSwapPath(bool other) external {
        bytes memory path = wethPaths[other ? 1 : 0];
        _govern(abi.encodeCall(IRebalancingVault.setSwapPath, (wethToken, path)), uint256(keccak256(path)));
        done["changeSwapPath"]++;
    }

    /// @notice Governance moves the vault between the composite oracle (feeds beside the pools) and the
    /// pools alone.
    function switchOracle(bool toComposite) external {
        IPriceOracle next = toComposite ? IPriceOracle(address(COMPOSITE)) : IPriceOracle(address(ORACLE));
        _govern(abi.encodeCall(IRebalancingVault.setOracle, (next)), uint256(uint160(address(next))));
        done["switchOracle"]++;
    }

    /// @notice Governance takes FRZ out of the basket (its target to zero, then written off or removed), in
    /// one batch through the timelock.
    function delist(uint256 seed) external {
        (address[] memory basket, uint16[] memory targets) = VAULT.targets();
        uint256 i = _indexIn(basket, address(FRZ));
        if (i == type(uint256).max) return;
        (targets[0], targets[i]) = (targets[0] + targets[i], 0);
        address[] memory to = new address[](2);
        (to[0], to[1]) = (address(VAULT), address(VAULT));
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRebalancingVault.setTargets, (basket, targets));
        calls[1] = seed % 2 == 0
            ? abi.encodeCall(IRebalancingVault.writeOffToken, (address(FRZ)))
            : abi.encodeCall(IRebalancingVault.removeToken, (address(FRZ)));
        bytes32 salt = keccak256(abi.encode(seed, block.timestamp, "delist"));
        vm.prank(OPERATOR);
        TIMELOCK.scheduleBatch(to, new uint256[](2), calls, bytes32(0), salt, DELAY);
        _wait(DELAY);
        _followAll();
        vm.prank(OPERATOR);
        try TIMELOCK.executeBatch(to, new uint256[](2), calls, bytes32(0), salt) {
            done["delist"]++;
        } catch {}
    }

    /// @notice Governance lists FRZ again, at a target of zero (targets follow through `changeTargets`).
    function relist() external {
        (address[] memory basket,) = VAULT.targets();
        if (_indexIn(basket, address(FRZ)) != type(uint256).max) return;
        (,bytes memory path,) = ORACLE.route(address(FRZ));
        _govern(abi.encodeCall(IRebalancingVault.addToken, (address(FRZ), path)), uint256(keccak256(path)));
        done["relist"]++;
    }

    /// @notice The guardian pauses one time in four, and lifts a pause otherwise.
    function pause(uint256 seed) external {
        vm.prank(OPERATOR);
        if (seed % 4 == 0) VAULT.pause();
        else VAULT.unpause();
        done["pause"]++;
    }

    // ================================================================== market and attacker

    /// @notice A real swap moves a pool's price by `bps` (up to 15% either way) from where it stands.
    function push(uint256 poolSeed, int256 bps) external {
        uint256 i = poolSeed % _pools.length;
        bps = _bound(bps, int256(-1_500), int256(1_500));
        (, int24 tick,,,,,) = _pools[i].slot0();
        _swapTo(_pools[i], int256(tick) + bps);
        done["push"]++;
    }

    /// @notice Arbitrage brings a pool back to where the market values it.
    function arbitrage(uint256 poolSeed) external {
        uint256 i = poolSeed % _pools.length;
        _swapTo(_pools[i], int256(_fairTicks[i]));
        done["arbitrage"]++;
    }

    /// @notice The market's view of a token moves (by up to 10%): arbitrage follows it from now on.
    function revalue(uint256 poolSeed, int256 bps) external {
        uint256 i = poolSeed % _pools.length;
        _fairTicks[i] += int24(_bound(bps, int256(-1_000), int256(1_000)));
        _follow(i);
        done["revalue"]++;
    }

    /// @notice Time passes: a few blocks to a few hours, one time in ten up to three days.
    function warp(uint256 seconds_) external {
        seconds_ = seconds_ % 10 == 0 ? _bound(seconds_, 12, 3 days) : _bound(seconds_, 12, 6 hours);
        _wait(seconds_);
        // The feeds answer on their heartbeat, but one wait in ten leaves them stale.
        if (seconds_ % 10 != 1) _followAll();
        done["warp"]++;
    }

    /// @notice Tokens sent to the vault, as a gift or to move its prices: up to about $100k.
    function donate(uint256 tokenSeed, uint256 amount) external {
        address token = _tokens[tokenSeed % _tokens.length];
        uint256 unit = 10 ** DemoToken(token).decimals();
        amount = _bound(amount, 1, 100 * unit);
        DemoToken(token).mint(address(VAULT), amount);
        done["donate"]++;
    }

    /// @notice Dust of DST, which the vault holds none of (worth under a basis point of NAV), donated after a
    /// real move of DST that its average has not caught up with: deposits and base-asset exits that went
    /// through before it still go through.
    function dustDonation(uint256 amount, int256 ticks) external {
        uint256 i = _pools.length - 1;
        _fairTicks[i] += int24(_bound(ticks, int256(-90), int256(90)));
        _swapTo(_pools[i], _fairTicks[i]);
        _follow(i);
        _wait(12);
        address holder = _actors[0];
        uint256 canDeposit = VAULT.maxDeposit(holder);
        uint256 canRedeem = VAULT.maxRedeem(holder);
        if (canDeposit == 0 && canRedeem == 0) return;
        (bool ok, uint256 nav) = _navLow();
        if (!ok) return;
        // 1e9 to 1e13 wei of an $8 token: from a thousandth of a base unit to ten, straddling their rounding.
        amount = _bound(amount, 1e9, 1e13);
        if (ORACLE.quote(address(DST), amount) * BPS >= nav) return;
        DST.mint(address(VAULT), amount);
        if ((canDeposit != 0 && VAULT.maxDeposit(holder) == 0) || (canRedeem != 0 && VAULT.maxRedeem(holder) == 0)) {
            dustHalts++;
        }
        done["dustDonation"]++;
    }

    /// @notice Someone's real move of a token (the market, its pool and its feed) earlier in the block, then
    /// an entry and an in-kind exit at once in the same block: at the block's prices they never gain.
    function moveAndRoundTrip(uint256 actorSeed, uint256 amount, uint256 poolSeed, int256 ticks) external {
        uint256 i = poolSeed % (_pools.length - 1);
        _fairTicks[i] += int24(_bound(ticks, int256(-60), int256(60)));
        _swapTo(_pools[i], _fairTicks[i]);
        _follow(i);
        (bool entered, uint256 paid, uint256 nav, uint256[] memory out, address[] memory basket) =
            _enterAndLeave(actorSeed, amount);
        if (!entered) return;
        uint256 value;
        for (uint256 j; j < out.length; ++j) {
            if (out[j] != 0) value += ORACLE.quoteSpot(basket[j], out[j]);
        }
        if (value > paid + _rounding(out.length, paid, nav)) sameBlockGains++;
        done["moveAndRoundTrip"]++;
    }

    /// @notice Every pool at its market price for two windows and every feed fresh; a real rise of one token
    /// a block ago, its average lagging (the old holders' gain not yet charged where the average bounds it); a newcomer
    /// deposits (paying the higher reference); prices then hold still for two windows and the fees are
    /// accrued: the newcomer can leave with what it paid, less a tick of each token's price and the
    /// management fee of that time. (After a fall, a pool-only vault prices entries at the lagging average
    /// on purpose, against a push down across a block boundary: that is the entry price, not a fee.)
    function depositAfterMoveAndHold(uint256 amount, uint256 poolSeed, int256 ticks) external {
        // Every pool at its market price long enough for its average to agree: the only lag below is the rise.
        for (uint256 j; j < _pools.length; ++j) {
            _swapTo(_pools[j], _fairTicks[j]);
        }
        _wait(2 * WINDOW);
        _followAll();
        uint256 i = poolSeed % (_pools.length - 1);
        // A rise of the token's price: its tick rises when it is the pool's token0.
        int24 rise = int24(_bound(ticks, int256(20), int256(300)));
        _fairTicks[i] += _tokens[i + 1] < _tokens[0] ? rise : -rise;
        _swapTo(_pools[i], _fairTicks[i]);
        _follow(i);
        _wait(12);
        address newcomer = NEWCOMER;
        uint256 max = VAULT.maxDeposit(newcomer);
        if (max < 1_000e6) return;
        amount = _bound(amount, 1_000e6, Math.min(max, 5_000_000e6));
        _fund(newcomer, amount);
        vm.prank(newcomer);
        uint256 shares;
        try VAULT.deposit(amount, newcomer) returns (uint256 minted) {
            shares = minted;
        } catch {
            return;
        }
        uint256 start = block.timestamp;
        _wait(2 * WINDOW);
        _followAll();
        try VAULT.accrueFees() {} catch {}
        (IRebalancingVault.Fees memory fees,) = VAULT.fees();
        try VAULT.previewRedeem(shares) returns (uint256 value) {
            // A tick (a basis point) of each token's price, the management fee since the deposit, and units.
            uint256 allowed = amount / BPS + amount * fees.managementFeeBps * (block.timestamp - start) / (BPS * 365 days) + 10;
            if (value + allowed < amount) depositorsCharged++;
            done["depositAfterMoveAndHold"]++;
        } catch {}
        uint256 left = VAULT.balanceOf(newcomer);
        vm.prank(newcomer);
        VAULT.redeemInKind(left, newcomer, newcomer);
    }

    /// @notice FRZ lets the vault go (`how` 0), blacklists it (1), or blacklists it as a sender only (2: it
    /// can still receive FRZ, as with USDT).
    function freeze(uint256 how) external {
        how = _bound(how, 0, 2);
        FRZ.setBlacklisted(address(VAULT), how != 0);
        FRZ.setSendersOnly(how == 2);
        done["freeze"]++;
    }

    /// @notice An account without any role tries what only governance, the guardian or the keeper may; or,
    /// outside a rebalance's swap, asks the vault's swap callback to pay it (as itself, or as a pool the
    /// vault trades on).
    function unprivileged(uint256 which) external {
        which = _bound(which, 0, 11);
        bytes memory data;
        if (which == 0) data = abi.encodeCall(IRebalancingVault.setParameter, (IRebalancingVault.Parameter.MaxSlippageBps, 500));
        else if (which == 1) data = abi.encodeCall(IRebalancingVault.pause, ());
        else if (which == 2) data = abi.encodeCall(IRebalancingVault.unpause, ());
        else if (which == 3) data = abi.encodeCall(IRebalancingVault.rebalance, ());
        else if (which == 4) data = abi.encodeCall(IRebalancingVault.setGuardian, (OUTSIDER));
        else if (which == 5) data = abi.encodeCall(IRebalancingVault.sweep, (_tokens[1], OUTSIDER));
        else if (which == 6) data = abi.encodeCall(IRebalancingVault.writeOffToken, (_tokens[1]));
        else if (which == 7) data = abi.encodeCall(IRebalancingVault.setOracle, (ORACLE));
        else if (which == 8) data = abi.encodeWithSignature("grantRole(bytes32,address)", VAULT.GOVERNOR_ROLE(), OUTSIDER);
        else if (which == 9) data = abi.encodeCall(IRebalancingVault.cancel, (address(TIMELOCK), address(VAULT), 0, "", bytes32(0), bytes32(0)));
        else data = abi.encodeCall(VAULT.uniswapV3SwapCallback, (1e6, 1e6, abi.encode(_tokens[0])));
        vm.prank(which == 11 ? address(_pools[0]) : OUTSIDER);
        // Calling arbitrary vault functions is this handler's purpose.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok,) = address(VAULT).call(data);
        if (ok) unprivilegedSuccesses++;
        done["unprivileged"]++;
    }

    /// @notice Exits `actor` in kind and undoes it, reporting whether it went through (for the invariant
    /// that every holder can always leave).
    function simulateExit(address actor) external {
        uint256 balance = VAULT.balanceOf(actor);
        bool ok = true;
        if (balance != 0) {
            vm.prank(actor);
            try VAULT.redeemInKind(balance, actor, actor) {} catch {
                ok = false;
            }
        }
        revert Simulated(ok);
    }

    // ================================================================== internal

    function _actor(uint256 seed) private view returns (address) {
        return _actors[seed % _actors.length];
    }

    /// @dev Gives `actor` `amount` of the base asset and has it approve the vault.
    function _fund(address actor, uint256 amount) private {
        DemoToken(_tokens[0]).mint(actor, amount);
        vm.prank(actor);
        IERC20(_tokens[0]).approve(address(VAULT), type(uint256).max);
    }

    /// @dev Swaps through `pool` until its tick is `tick` (within Uniswap's bounds).
    function _swapTo(IUniswapV3Pool pool, int256 tickWanted) private {
        int24 tick = int24(_bound(tickWanted, int256(TickMath.MIN_TICK + 1), int256(TickMath.MAX_TICK - 1)));
        (bool moves, ISwapRouter.ExactInputSingleParams memory swap) = PoolMoves.swapToTick(pool, tick);
        if (!moves) return;
        DemoToken(swap.tokenIn).mint(address(this), swap.amountIn);
        try ROUTER.exactInputSingle(swap) {} catch {}
    }

    /// @dev Schedules `data` on the vault through the timelock, waits out the delay, executes it.
    function _govern(bytes memory data, uint256 salt) private {
        bytes32 s = keccak256(abi.encode(salt, block.timestamp, data));
        vm.prank(OPERATOR);
        TIMELOCK.schedule(address(VAULT), 0, data, bytes32(0), s, DELAY);
        _wait(DELAY);
        // The feeds answered on their heartbeat meanwhile.
        _followAll();
        vm.prank(OPERATOR);
        try TIMELOCK.execute(address(VAULT), 0, data, bytes32(0), s) {} catch {}
    }

    /// @dev The rounding a round trip of `amount` through a vault of `nav` may gain, in base units: each of the
    /// `tokens` slices' values rounds by a unit, and each holding's value in NAV rounds down by under one, which a
    /// deposit of `amount` buys `amount / nav` times over.
    function _rounding(uint256 tokens, uint256 amount, uint256 nav) private pure returns (uint256) {
        return tokens * (1 + Math.ceilDiv(amount, nav + 1));
    }

    function _wait(uint256 seconds_) private {
        vm.warp(block.timestamp + seconds_);
        vm.roll(block.number + Math.max(1, seconds_ / 12));
    }

    /// @dev Pool `i`'s feed reports where the market values its token: one whole token at its fair tick.
    function _follow(uint256 i) private {
        address token = _tokens[i + 1];
        uint256 unit = 10 ** DemoToken(token).decimals();
        // USDC has 6 decimals, the feed 8.
        _feeds[i].updateAnswer(int256(TwapMath.quoteAtTick(_fairTicks[i], unit, token < _tokens[0]) * 100));
    }

    function _followAll() private {
        for (uint256 i; i < _pools.length; ++i) {
            _follow(i);
        }
    }

    function _indexIn(address[] memory basket, address token) private pure returns (uint256) {
        for (uint256 i; i < basket.length; ++i) {
            if (basket[i] == token) return i;
        }
        return type(uint256).max;
    }

    /// @dev Whether the performance fee does not charge now (off, a pool-only oracle, or no shares).
    function _notCharging() private view returns (bool) {
        (IRebalancingVault.Fees memory fees,) = VAULT.fees();
        return fees.performanceFeeBps == 0 || address(VAULT.oracle()) != address(COMPOSITE) || VAULT.totalSupply() == 0;
    }

    /// @dev NAV at the exit reference (the oracle's lowest bounds), or, `unrefused`, at the lowest of each
    /// holding's references read without refusals (what an unpriced in-kind exit's fee is measured at), as
    /// the vault sums it; false when the oracle cannot price a holding.
    function _nav(bool unrefused) private view returns (bool, uint256 nav) {
        (address[] memory basket,) = VAULT.targets();
        IPriceOracle oracle = VAULT.oracle();
        for (uint256 i; i < basket.length; ++i) {
            uint256 balance = IERC20(basket[i]).balanceOf(address(VAULT));
            uint256 owed = VAULT.owed(basket[i]);
            uint256 held = balance > owed ? balance - owed : 0;
            if (i == 0 || held == 0) {
                nav += held;
            } else if (unrefused) {
                try oracle.quoteDetailed(basket[i], held) returns (uint256 average, uint256 low, uint256) {
                    nav += Math.min(average, low);
                } catch {
                    return (false, 0);
                }
            } else {
                try oracle.quoteBounds(basket[i], held) returns (uint256 low, uint256) {
                    nav += low;
                } catch {
                    return (false, 0);
                }
            }
        }
        return (true, nav);
    }

    function _navLow() private view returns (bool, uint256) {
        return _nav(false);
    }

    /// @dev The share price at the exit reference, when the performance fee does not charge and the oracle
    /// prices: what a priced entry, exit or accrual now must lift the mark to.
    function _sample() private view returns (bool, uint256) {
        if (!_notCharging()) return (false, 0);
        (bool ok, uint256 nav) = _navLow();
        if (!ok) return (false, 0);
        (uint256 management,) = VAULT.pendingFees();
        return (true, FeeMath.sharePrice(nav, VAULT.totalSupply() + management + VIRTUAL));
    }

    function _seen(bool priced, uint256 price) private {
        if (priced && price > peakSeen) peakSeen = price;
    }

    /// @dev What an in-kind exit of `shares` now owes the fee recipient, at least: while the oracle cannot price
    /// the exit and the performance fee charges, the exiter's share of the fee pending at the references read
    /// without refusals (less a share for rounding); 0 otherwise.
    function _exitFeeDue(uint256 shares) private view returns (uint256) {
        if (_notCharging()) return 0;
        try VAULT.previewRedeem(VIRTUAL) returns (uint256) {
            return 0; // priced: the fee is charged on everyone before the exit
        } catch {}
        (bool ok, uint256 nav) = _nav(true);
        if (!ok) return 0;
        (IRebalancingVault.Fees memory fees, uint256 mark) = VAULT.fees();
        (uint256 management,) = VAULT.pendingFees();
        uint256 supplyV = VAULT.totalSupply() + management + VIRTUAL;
        (uint256 fee,) = FeeMath.performanceShares(nav, supplyV, mark, fees.performanceFeeBps);
        uint256 due = Math.mulDiv(shares, fee, supplyV + fee);
        return due > 1 ? due - 1 : 0;
    }
}

/// @notice The vault's promises, held over random sequences of everything its users, its roles, the
/// market and an attacker do (see VaultHandler), on the genuine Uniswap V3 market.
contract VaultInvariantsTest is BallastFixture {
    VaultHandler internal handler;
    CompositeOracle internal composite;
    DemoToken internal dst;
    address[] private actors;
    /// @dev Every token that was ever in the basket, listed now or not.
    address[] private everyToken;

    function setUp() public {
        _deployMarket();
        address operator = makeAddr("operator");
        _deployVault(operator, operator, operator);
        MockV3Aggregator[] memory feeds = _anchor();
        for (uint256 i; i < 3; ++i) {
            actors.push(makeAddr(string.concat("holder", vm.toString(i))));
        }
        // Fees on from the start (2% a year, 20% of gains): every promise holds with them, and the fee
        // changes the fuzzer makes start from here.
        vm.startPrank(address(timelock));
        vault.setParameter(IRebalancingVault.Parameter.ManagementFeeBps, 200);
        vault.setParameter(IRebalancingVault.Parameter.PerformanceFeeBps, 2_000);
        vm.stopPrank();
        // The first holder's $1M, held at the targets: $400k deposited, the tokens' share as if bought.
        usdc.mint(actors[0], 400_000e6);
        vm.startPrank(actors[0]);
        usdc.approve(address(vault), type(uint256).max);
        vault.deposit(400_000e6, actors[0]);
        vm.stopPrank();
        weth.mint(address(vault), uint256(300_000e18) / 3_000);
        wbtc.mint(address(vault), uint256(200_000e8) / 100_000);
        frz.mint(address(vault), 100_000e6);
        everyToken = tokens;
        everyToken.push(address(dst));
        IUniswapV3Pool[] memory allPools = new IUniswapV3Pool[](4);
        for (uint256 i; i < 4; ++i) {
            allPools[i] = i < 3 ? pools[i] : IUniswapV3Pool(factory.getPool(address(usdc), address(dst), 3000));
        }
        handler = new VaultHandler(
            VaultHandler.Setup(
                vault, oracle, composite, router, timelock, frz, everyToken, allPools, feeds, actors, operator, makeAddr("outsider")
            )
        );
        // Dutch auctions, hybrid from the start: the fuzzer's parameter changes move the mode and the terms.
        RebalanceAuctions house = new RebalanceAuctions(IRebalancingVault(address(vault)));
        handler.setAuctions(house);
        // A second USDC/WETH pool, of the 0.3% tier (the first is 0.05%), for governance to route WETH through.
        IUniswapV3Pool other = _newPool(address(weth), uint256(20_000_000e18) / 3_000, 3_000);
        _nextBlock(BLOCK);
        liquidity.addFullRange(other, 1e6);
        handler.setWethPaths(address(weth), paths[0], abi.encodePacked(address(weth), uint24(3_000), address(usdc)));
        vm.startPrank(address(timelock));
        vault.grantRole(keccak256("AUCTION_ROLE"), address(house));
        vault.setParameter(IRebalancingVault.Parameter.ExecutionMode, 1);
        vault.setParameter(IRebalancingVault.Parameter.ResidualDriftBps, 25);
        // Keeper pay on (50 gwei at most, 10% tip; caps that bind: 100k gas a call, under an opening's gas, and
        // 150k a day, one opening and a half): openings are repaid at the base fee the handler sets for them
        // (rebalances run at a zero base fee, unpaid).
        vault.setParameter(IRebalancingVault.Parameter.KeeperBaseFeeCapGwei, 50);
        vault.setParameter(IRebalancingVault.Parameter.KeeperTipBps, 1_000);
        vault.setParameter(IRebalancingVault.Parameter.KeeperMaxGas, 100_000);
        vault.setParameter(IRebalancingVault.Parameter.KeeperMaxGasPerDay, 150_000);
        vm.stopPrank();
        vm.fee(0);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](38);
        selectors[0] = VaultHandler.deposit.selector;
        selectors[1] = VaultHandler.mint.selector;
        selectors[2] = VaultHandler.withdraw.selector;
        selectors[3] = VaultHandler.redeem.selector;
        selectors[4] = VaultHandler.redeemInKind.selector;
        selectors[5] = VaultHandler.claim.selector;
        selectors[6] = VaultHandler.roundTrip.selector;
        selectors[7] = VaultHandler.rebalance.selector;
        selectors[8] = VaultHandler.rebalanceWhenReady.selector; // the keeper calls often
        selectors[9] = VaultHandler.changeTargets.selector;
        selectors[10] = VaultHandler.changeParameter.selector;
        selectors[11] = VaultHandler.pause.selector;
        selectors[12] = VaultHandler.push.selector;
        selectors[13] = VaultHandler.arbitrage.selector;
        selectors[14] = VaultHandler.revalue.selector;
        selectors[15] = VaultHandler.warp.selector;
        selectors[16] = VaultHandler.donate.selector;
        selectors[17] = VaultHandler.freeze.selector;
        selectors[18] = VaultHandler.unprivileged.selector;
        selectors[19] = VaultHandler.deposit.selector;
        selectors[20] = VaultHandler.roundTripAfterMove.selector;
        selectors[21] = VaultHandler.moveAndRoundTrip.selector;
        selectors[22] = VaultHandler.redeemToBase.selector;
        selectors[23] = VaultHandler.accrueFees.selector;
        selectors[24] = VaultHandler.scheduleFeeChange.selector;
        selectors[25] = VaultHandler.executePending.selector;
        selectors[26] = VaultHandler.executePending.selector;
        selectors[27] = VaultHandler.switchOracle.selector;
        selectors[28] = VaultHandler.delist.selector;
        selectors[29] = VaultHandler.relist.selector;
        selectors[30] = VaultHandler.dustDonation.selector;
        selectors[31] = VaultHandler.depositAfterMoveAndHold.selector;
        selectors[32] = VaultHandler.openAuction.selector;
        selectors[33] = VaultHandler.fillAuction.selector;
        selectors[34] = VaultHandler.fillAuction.selector;
        selectors[35] = VaultHandler.closeAuction.selector;
        selectors[36] = VaultHandler.rebalanceAtBaseFee.selector;
        selectors[37] = VaultHandler.changeSwapPath.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev DST, a demo token at $8 with its own pool, routed and listed at a target of zero; a Chainlink
    /// mock feed beside every pool at its price; the vault priced through the composite oracle (TWAP primary).
    function _anchor() private returns (MockV3Aggregator[] memory feeds) {
        dst = new DemoToken("Dust (demo)", "DST", 18);
        IUniswapV3Pool pool = _newPool(address(dst), uint256(20_000_000e18) / 8, 3000);
        _routeAndList(pool, address(dst), 3000, 1_000_000);
        feeds = new MockV3Aggregator[](4);
        int256[4] memory prices = [int256(3_000e8), 100_000e8, 1e8, 8e8];
        CompositeOracle.InitialFeed[] memory initial = new CompositeOracle.InitialFeed[](4);
        for (uint256 i; i < 4; ++i) {
            feeds[i] = new MockV3Aggregator(8, prices[i]);
            address token = i < 3 ? tokens[i + 1] : address(dst);
            initial[i] = CompositeOracle.InitialFeed(
                token, AggregatorV3Interface(address(feeds[i])), 2 days, false, true, CompositeOracle.Source.Twap
            );
        }
        composite = new CompositeOracle(
            IPriceOracle(address(oracle)),
            AggregatorV3Interface(address(0)),
            0,
            500,
            address(timelock),
            CompositeOracle.Init(AggregatorV3Interface(address(0)), 0, AggregatorV3Interface(address(0)), 0, 100, initial)
        );
        vm.prank(address(timelock));
        vault.setOracle(IPriceOracle(address(composite)));
    }

    /// @notice Every promise below, checked after every call of every sequence (one campaign for all of
    /// them: each invariant function would run its own).
    function afterInvariant() public view {
        console2.log("open", handler.done("openAuction"), "fill", handler.done("fillAuction"));
        console2.log("close", handler.done("closeAuction"), "rebalance", handler.done("rebalance"));
    }

    function invariant_theVaultKeepsItsPromises() public {
        _targetsSumTo10000();
        _supplyIsTheSumOfBalances();
        _everyClaimIsBacked();
        _nothingOwedCountsInTheBasket();
        _everyHolderCanExitInKind();
        _previewsAndLimitsAreExact();
        _aRoundTripNeverProfits();
        _rebalancesStayWithinTheirBounds();
        _noRoleNoPower();
        _exitsToBaseTakeNothingFromOthers();
        _feesChargeOnlyWhatTheirRulesSay();
        _noDustHaltsEntriesOrExits();
        _auctionsKeepTheirTerms();
        _oneCallValuesTheBasketAsItsHoldings();
        _everyTradeGoesAlongItsRoute();
    }

    /// @notice The handler is not vacuous: on this market each of its actions goes through, and the
    /// promises hold after them (a campaign whose actions all bailed out would prove nothing).
    function test_everyActionOfTheHandlerGoesThrough() public {
        handler.deposit(1, 100_000e6, false);
        handler.deposit(2, 0, true);
        handler.changeParameter(uint256(IRebalancingVault.Parameter.ManagementFeeBps), 500);
        handler.changeParameter(uint256(IRebalancingVault.Parameter.PerformanceFeeBps), 3_000);
        (IRebalancingVault.Fees memory fees,) = vault.fees();
        assertEq(fees.managementFeeBps + fees.performanceFeeBps, 3_500, "fees on");
        handler.mint(1, 1e15);
        handler.withdraw(0, 1_000e6, false);
        handler.redeem(0, 1e15, false);
        handler.redeemToBase(0, 1e16);
        handler.roundTrip(1, 10_000e6);
        handler.roundTripAfterMove(2, 10_000e6, 0, 100);
        handler.moveAndRoundTrip(1, 100_000e6, 1, 20);
        handler.depositAfterMoveAndHold(1_000_000e6, 0, 200);
        handler.push(1, 300);
        handler.arbitrage(1);
        // A real 8% move of WETH, taken in by the TWAP: the basket drifts past MinDriftBps (calendar trigger).
        handler.revalue(0, 800);
        handler.arbitrage(0);
        handler.warp(7_201);
        handler.rebalance();
        // The return point derived from the vault's gas, size and routes: on, and a rebalance at 30 gwei.
        handler.changeParameter(uint256(IRebalancingVault.Parameter.ResidualCeilingBps), 400);
        _moveTargets(600);
        handler.rebalanceAtBaseFee(30, 0);
        // FRZ freezes during an exit: its slice is held for the holder, who claims it once it thaws.
        handler.freeze(1);
        handler.redeemInKind(0, 1e15);
        assertGt(vault.claimable(address(frz), actors[0]), 0, "a held slice");
        handler.freeze(0);
        handler.claim(0, 3);
        handler.changeTargets(42);
        handler.changeParameter(uint256(IRebalancingVault.Parameter.MaxTradeBps), 2_000);
        handler.pause(0);
        handler.pause(1);
        handler.donate(1, 1e18);
        handler.dustDonation(1e11, 40);
        handler.warp(30 days + 1);
        handler.accrueFees();
        assertGt(vault.balanceOf(fees.recipient), 0, "fees minted");
        handler.scheduleFeeChange(1, 1_000);
        handler.warp(1 days + 10);
        // Executed at a price pushed down a block before (within the breaker): the mark does not follow it.
        handler.push(0, -300);
        handler.warp(12);
        handler.executePending(0);
        // FRZ written off with a held slice owed, listed again: the slice stays apart, then back to targets.
        handler.freeze(1);
        handler.redeemInKind(1, 1e15);
        handler.delist(0);
        handler.freeze(0);
        handler.relist();
        handler.switchOracle(false);
        handler.switchOracle(true);
        handler.changeSwapPath(true);
        handler.changeSwapPath(false);
        handler.unprivileged(3);
        // The swap callback, asked to pay outside a swap: by an outsider, and by a pool the vault trades on.
        handler.unprivileged(10);
        handler.unprivileged(11);
        // An auction of a due rebalance: targets moved 10 points, opened, filled near its floor, closed.
        handler.changeParameter(uint256(IRebalancingVault.Parameter.ExecutionMode), 2);
        (uint256 heavy, uint256 light) = _moveTargets(1_000);
        handler.openAuction(true, 20);
        assertGt(vault.keeperPay().gasPaidToday, 0, "the keeper's opening was repaid");
        handler.fillAuction(0, heavy, light, type(uint256).max, 3_000);
        handler.warp(3_700);
        handler.closeAuction(false);
        assertGt(handler.done("openAuction"), 0, "openAuction");
        assertGt(handler.done("fillAuction"), 0, vm.toString(handler.lastFillRefusal()));
        assertGt(handler.done("closeAuction"), 0, "closeAuction");
        bytes32[32] memory actions = [
            bytes32("deposit"), "mint", "withdraw", "redeem", "redeemInKind", "redeemToBase", "claim", "roundTrip",
            "roundTripAfterMove", "moveAndRoundTrip", "depositAfterMoveAndHold", "rebalance", "changeTargets",
            "changeParameter", "pause", "push", "arbitrage", "revalue", "warp", "donate", "dustDonation", "freeze",
            "unprivileged", "accrueFees", "scheduleFeeChange", "executePending", "delist", "relist", "switchOracle",
            "changeSwapPath", "deposit", "mint"
        ];
        assertGt(handler.done("rebalance"), 1, "both rebalances");
        for (uint256 i; i < actions.length; ++i) {
            assertGt(handler.done(actions[i]), 0, string(abi.encodePacked(actions[i])));
        }
        assertEq(handler.done("deposit"), 2, "both deposits");
        invariant_theVaultKeepsItsPromises();
    }

    /// @dev Targets set to the basket's weights now, then `bps` moved from its heaviest token (other than the
    /// base asset) to the next one, as governance would: one pair with $100k-scale room at 10 points.
    /// Returns the pair's positions.
    function _moveTargets(uint16 bps) private returns (uint256 heavy, uint256 light) {
        (address[] memory basket, uint16[] memory targets) = vault.targets();
        uint256[] memory weights = vault.currentWeights();
        uint256 rest = 10_000;
        heavy = 1;
        for (uint256 k = 1; k < basket.length; ++k) {
            targets[k] = uint16(weights[k]);
            rest -= weights[k];
            if (weights[k] > weights[heavy]) heavy = k;
        }
        targets[0] = uint16(rest);
        light = heavy == 1 ? 2 : 1;
        targets[heavy] -= bps;
        targets[light] += bps;
        vm.prank(address(timelock));
        vault.setTargets(basket, targets);
    }

    /// @notice A rebalance cut short by its pools' budgets carries on until it lands at its return point: 5.5
    /// points moved from WETH (a 0.05% pool of $20M a side: $5,000 a call) to WBTC on the $1M basket. The
    /// first calls leave drift at the threshold, then under it but above the return point: the vault stays
    /// due (the rebalance is unfinished) and each call after the cooldown moves another slice.
    function test_aRebalanceCutShortByItsBudgetsCarriesOn() public {
        _moveTargets(550);
        uint256 calls;
        for (uint256 i; i < 20; ++i) {
            uint256 before = handler.done("rebalance");
            handler.rebalanceWhenReady(i * 600);
            if (handler.done("rebalance") == before) break;
            ++calls;
        }
        invariant_theVaultKeepsItsPromises();
        assertGt(calls, 2, "the budgets cut the rebalance into slices");
        IRebalancingVault.Parameters memory p = vault.parameters();
        assertLe(vault.driftBps(), Math.max(p.residualDriftBps, p.minDriftBps) + 5, "landed at its return point");
    }

    /// @notice The return point derived from the vault's gas, size and routes (ResidualCeilingBps on): a first
    /// rebalance measures its gas and goes to the floor, slice by slice; the next, at 20 gwei, aims between the
    /// bounds and its slices carry on to that point and land there.
    function test_aDerivedReturnPointIsWhereTheRebalanceLands() public {
        handler.changeParameter(uint256(IRebalancingVault.Parameter.ResidualCeilingBps), 400);
        _sliceToTheEnd(550, 20);
        assertLe(vault.driftBps(), 105, "no gas measured when it began: the floor (MinDriftBps)");
        _moveTargets(550);
        vm.fee(20 gwei);
        (bool due,,,,,, uint256 aimed) = vault.rebalanceStatus();
        vm.fee(0);
        assertTrue(due);
        assertGt(aimed, 100, "over the floor");
        assertLt(aimed, 400, "under the ceiling");
        _sliceToTheEnd(0, 20);
        assertApproxEqAbs(vault.driftBps(), aimed, 5, "landed at the derived return point");
        // The keeper asks again at a zero base fee: gas free, the rule's point is the ceiling, no higher.
        handler.rebalanceAtBaseFee(0, 0);
        invariant_theVaultKeepsItsPromises();
    }

    /// @dev Moves `bps` of target (none: 0), then lets the keeper slice at `baseFeeGwei` until nothing is due.
    function _sliceToTheEnd(uint16 bps, uint256 baseFeeGwei) private {
        if (bps != 0) _moveTargets(bps);
        for (uint256 i; i < 20; ++i) {
            uint256 before = handler.done("rebalance");
            handler.rebalanceAtBaseFee(baseFeeGwei, 0);
            if (handler.done("rebalance") == before) return;
        }
        revert("never finished");
    }

    /// @notice Found by the deep campaign (seed 0x0310...5332): governance lowered KeeperMaxGasPerDay to 6,700
    /// after the day had repaid 100,000 gas, and the next opening was repaid nothing; the handler compared
    /// the day's total with the new cap and called that an overpayment. It compares what the opening was
    /// repaid with the room the day had left now.
    function test_anOpeningAfterTheDaysCapWasLoweredIsRepaidNothing() public {
        handler.deposit(3801023714929884390339820818329579483551488414, 103914618649948, false);
        handler.fillAuction(74, 12040250848867061071965175399556627539810270473556081061332397611538, 3, 603396, 109263408368218156);
        handler.changeParameter(uint256(IRebalancingVault.Parameter.KeeperMaxGasPerDay), 6700);
        handler.closeAuction(true);
        IRebalancingVault.KeeperPay memory before = vault.keeperPay();
        assertGt(before.gasPaidToday, before.maxGasPerDay, "the day had repaid more than its new cap");
        handler.fillAuction(16243093675053284652534267, 268616931119227627970582234283, 14182066447714388081430961104881083937388572736, 38766818163178135065729157683961613498242711959969965, 119973618435790642367729511806574987961514101578002878063);
        assertEq(vault.keeperPay().gasPaidToday, before.gasPaidToday, "the opening was repaid nothing");
        assertEq(handler.done("openAuction"), 2, "both openings went through");
        invariant_theVaultKeepsItsPromises();
    }

    /// @notice A sequence the deep campaign found (seed 0x2f56...bc43): after an exit to base sold its slices
    /// within the block (the vault unpriced for the rest of it), the fee a holder's in-kind exit would pay was
    /// measured above the lowest bound, where a feed stood below the pools. It is measured at the lowest of
    /// every reference now, the feed among them.
    function test_anExitToBaseLeavesEveryOtherHolderItsSlice() public {
        handler.delist(25502827752118901358102518384702013832190388768303566);
        handler.deposit(3005, 79793391894691082611171677086873122732285454018652385834333323850681022174333, false);
        handler.rebalance();
        handler.changeParameter(uint256(IRebalancingVault.Parameter.ExecutionMode), 7213);
        handler.redeemToBase(48433584730736895629450933, 1395038739059359066783995793439515161965689824366076537266696681146036802399);
        assertEq(handler.done("redeemToBase"), 1, "the exit went through");
        invariant_theVaultKeepsItsPromises();
    }

    /// @notice Found by the deep campaign (seed 0x8dc6...cb88): an exit to base whose sales left the vault
    /// unpriced for the rest of its block changes which fee another holder's in-kind exit would pay at that
    /// moment, not what it owns: the promise compares what each holder owns.
    function test_anExitToBaseThatUnpricesTheBlockTakesNothingFromOthers() public {
        handler.mint(115792089237316195423570985008687907853269984665640564039457584007913129639932, 154882859595634768792244914878522);
        handler.mint(85143566527932419887013872275660038603254562234721254639584408, 103801894591596254018006721345931329439048990727792799392555972160179990);
        handler.donate(7918156134104237290392531191028914113041989820550122266356085, 8934284567170676985793154362146365075932305274);
        handler.redeemToBase(363468999069, 1496999555603295050518427933211729727540686215802402513146215849561);
        assertEq(handler.done("redeemToBase"), 1, "the exit went through");
        invariant_theVaultKeepsItsPromises();
    }

    /// @notice Found by the deep campaign (seed 0x532a...08f8): $10M entering and leaving a $600k vault in the
    /// block of a move "gained" 64 millionths of a dollar, the amplified rounding of NAV (each holding's value
    /// rounds down by under a unit, and a deposit D buys up to n * D / NAV units more than the exact price
    /// would). The promise allows exactly that. The same seed then found a real gain: a round trip of $8.7M
    /// after a 45 bp move of a token the vault held $29 of (dust, so its refused bounds did not stop the
    /// entry) took out $0.12 more than it paid, for the dust counted at its lagging average for entries.
    /// Dust now counts for entries at the higher of its reference and the current price.
    function test_aSameBlockRoundTripGainsAtMostNavRounding() public {
        handler.redeem(0, 117856886293881782328434457986101126207543646034062793863282, true);
        handler.switchOracle(false);
        handler.moveAndRoundTrip(18810419045936113470334568449570076119070811925, type(uint256).max - 1, 509451, -69381039846740561315414071212909);
        handler.roundTripAfterMove(type(uint256).max - 2, 7661872013635484476520369973250994937929006290518484221321904288543, 118112401438137745052705817363238, 159251888851393375953313592801950094853228085789675540730603);
        handler.changeParameter(uint256(IRebalancingVault.Parameter.ExecutionMode), 7211186);
        handler.roundTrip(214381956731611374455832145742564, 1054719951451901279920113382);
        handler.roundTrip(19268, 21987);
        handler.moveAndRoundTrip(2222500148332659707106411446735156, 7343365043378880219113924744433793663, 701755921239276152726959128340344, -118934212);
        assertGt(handler.done("moveAndRoundTrip"), 1, "both round trips went through");
        invariant_theVaultKeepsItsPromises();
    }

    /// @notice Targets always sum to 10,000 basis points.
    function _targetsSumTo10000() private view {
        (, uint16[] memory targets) = vault.targets();
        uint256 sum;
        for (uint256 i; i < targets.length; ++i) {
            sum += targets[i];
        }
        assertEq(sum, 10_000, "targets");
    }

    /// @notice Every share is someone's: total supply is the sum of the holders' balances.
    function _supplyIsTheSumOfBalances() private view {
        uint256 sum = vault.balanceOf(_feeRecipient());
        for (uint256 i; i < actors.length; ++i) {
            sum += vault.balanceOf(actors[i]);
        }
        assertEq(vault.totalSupply(), sum, "supply");
    }

    /// @dev Who the fees are minted to (governance's timelock: not one of the actors).
    function _feeRecipient() private view returns (address) {
        (IRebalancingVault.Fees memory f,) = vault.fees();
        return f.recipient;
    }

    /// @notice No share without backing: the holders' in-kind claims on each holding never exceed it; what
    /// the vault owes to claimants, of every token it ever held (listed now or not, whatever governance did),
    /// is in its balance and claimable by them.
    function _everyClaimIsBacked() private view {
        (address[] memory basket, uint256[] memory held) = _holdingsWithoutValues();
        uint256 supply = vault.totalSupply() + VIRTUAL_SHARES;
        for (uint256 t; t < basket.length; ++t) {
            uint256 claims = Math.mulDiv(held[t], vault.balanceOf(_feeRecipient()), supply);
            for (uint256 i; i < actors.length; ++i) {
                claims += Math.mulDiv(held[t], vault.balanceOf(actors[i]), supply);
            }
            assertLe(claims, held[t], "in-kind claims within the holding");
        }
        for (uint256 t; t < everyToken.length; ++t) {
            uint256 claimable = vault.claimable(everyToken[t], handler.NEWCOMER());
            for (uint256 i; i < actors.length; ++i) {
                claimable += vault.claimable(everyToken[t], actors[i]);
            }
            uint256 owed = vault.owed(everyToken[t]);
            assertEq(claimable, owed, "owed is what the holders can claim");
            assertGe(IERC20(everyToken[t]).balanceOf(address(vault)), owed, "owed is held");
        }
    }

    /// @notice For every listed token, what the basket counts (and pays in kind) never includes what the
    /// vault owes to claimants: listed, delisted or listed again.
    function _nothingOwedCountsInTheBasket() private view {
        (address[] memory basket,) = vault.targets();
        uint256[] memory all = vault.previewRedeemInKind(vault.totalSupply());
        for (uint256 t; t < basket.length; ++t) {
            assertLe(all[t] + vault.owed(basket[t]), IERC20(basket[t]).balanceOf(address(vault)), "owed is apart from the basket");
        }
    }

    /// @notice Any holder can always exit in kind, whole: paused, frozen, unpriceable or not.
    function _everyHolderCanExitInKind() private {
        for (uint256 i; i < actors.length; ++i) {
            try handler.simulateExit(actors[i]) {
                revert("simulateExit returned");
            } catch (bytes memory reason) {
                assertEq(reason, abi.encodeWithSelector(VaultHandler.Simulated.selector, true), "exit in kind");
            }
        }
        assertEq(handler.inKindFailures(), 0, "an in-kind exit failed during the run");
    }

    /// @notice The vault's oracle, whichever governance switched to, values the basket in one call
    /// (`quoteBoundsSum`, what entries and exits are priced at) as it values each holding on its own: the
    /// same bounds, or a refusal exactly while a holding of something is refused.
    function _oneCallValuesTheBasketAsItsHoldings() private view {
        (address[] memory basket, uint256[] memory held) = _holdingsWithoutValues();
        IPriceOracle o = vault.oracle();
        (uint256 low, uint256 high, bool refused) = (0, 0, false);
        for (uint256 t; t < basket.length; ++t) {
            if (held[t] == 0) continue;
            try o.quoteBounds(basket[t], held[t]) returns (uint256 l, uint256 h) {
                (low, high) = (low + l, high + h);
            } catch {
                refused = true;
            }
        }
        try o.quoteBoundsSum(basket, held) returns (uint256 l, uint256 h) {
            assertFalse(refused, "the sum answered while a holding was refused");
            assertEq(l, low, "the sum's low is not the holdings' lows summed");
            assertEq(h, high, "the sum's high is not the holdings' highs summed");
        } catch {
            assertTrue(refused, "the sum refused while every holding answered");
        }
    }

    /// @notice Every trade the vault would make now runs along the route governance stored for it: a token's
    /// swap path to the base asset (walked backwards to buy), or the direct route between two tokens.
    function _everyTradeGoesAlongItsRoute() private view {
        IRebalancingVault.Trade[] memory trades;
        try vault.previewRebalance() returns (IRebalancingVault.Trade[] memory planned) {
            trades = planned;
        } catch {
            return; // nothing to trade now (a pushed pool, a price the oracle refuses)
        }
        address base = vault.asset();
        for (uint256 k; k < trades.length; ++k) {
            IRebalancingVault.Trade memory t = trades[k];
            bytes memory route = t.tokenOut == base
                ? vault.swapPath(t.tokenIn)
                : t.tokenIn == base ? SwapPath.reverse(vault.swapPath(t.tokenOut)) : vault.pairPath(t.tokenIn, t.tokenOut);
            assertEq(t.path, route, "a trade runs off the route stored for it");
        }
    }

    /// @notice Previews are what the calls do, and every max* amount is accepted by its call.
    function _previewsAndLimitsAreExact() private view {
        assertEq(handler.previewMismatches(), 0, "a preview differed from its call");
        assertEq(handler.maxRefusals(), 0, "an amount within max* was refused");
    }

    /// @notice Entering and leaving at once never returns more than went in: at the entry's prices, and, in
    /// the block of someone else's real move, at the block's own prices.
    function _aRoundTripNeverProfits() private view {
        assertEq(handler.roundTripProfits(), 0, "a round trip profited");
        assertEq(handler.sameBlockGains(), 0, "an entry and exit in the block of a move gained");
    }

    /// @notice An exit in the base asset leaves every other holder at least its in-kind slice of every token.
    function _exitsToBaseTakeNothingFromOthers() private view {
        assertEq(handler.exitHarms(), 0, "an exit to base shrank another holder's slice");
    }

    /// @notice The performance fee's mark is never below the highest share price seen at a priced entry,
    /// exit or accrual while the fee did not charge (a change executed later cannot charge gains made
    /// before it); a depositor who paid the higher reference leaves, prices holding still, with what it paid
    /// less the stated rounding; an exit the oracle cannot price pays its own share of the fee pending.
    function _feesChargeOnlyWhatTheirRulesSay() private view {
        (, uint256 mark) = vault.fees();
        assertGe(mark, handler.peakSeen(), "the mark fell below a price seen while the fee did not charge");
        assertEq(handler.depositorsCharged(), 0, "a depositor bore a fee on a gain made before its deposit");
        assertEq(handler.exitFeeDodges(), 0, "an unpriced exit left its share of the fee unpaid");
    }

    /// @notice No auction fill was ever below its floor, passed a target, or went through once it had to stop;
    /// no opening was paid to an account without the keeper's right, or beyond keeper pay's caps.
    function _auctionsKeepTheirTerms() private view {
        assertEq(handler.floorBreaches(), 0, "an auction fill paid less than the floor");
        assertEq(handler.targetOvershoots(), 0, "an auction fill took a token past its target");
        assertEq(handler.stoppedFills(), 0, "an auction fill went through after it had to stop");
        assertEq(handler.unearnedOpenerPay(), 0, "an opener the vault would not let rebalance was paid");
        assertEq(handler.overpaidOpenings(), 0, "an opening was repaid beyond keeper pay's caps");
    }

    /// @notice No donation worth under a basis point of NAV stops deposits or base-asset exits.
    function _noDustHaltsEntriesOrExits() private view {
        assertEq(handler.dustHalts(), 0, "dust halted deposits or exits");
    }

    /// @notice A rebalance never lost more than its bound against the oracle.
    function _rebalancesStayWithinTheirBounds() private view {
        assertEq(handler.rebalanceLosses(), 0, "a rebalance lost more than its bound");
        assertEq(handler.driftIncreases(), 0, "a rebalance increased drift");
        assertEq(handler.frozenBought(), 0, "a rebalance bought a token the vault could not send");
        assertEq(handler.switchesMissed(), 0, "a rebalance missed the fees or paid with keeper pay off");
        assertEq(handler.shortLandings(), 0, "a rebalance stopped above its return point and the vault stopped with it");
        assertEq(handler.returnPointsOutOfBounds(), 0, "a return point outside governance's bounds");
    }

    /// @notice No privileged function ever succeeded for an account without its role.
    function _noRoleNoPower() private view {
        assertEq(handler.unprivilegedSuccesses(), 0, "a call without a role succeeded");
    }

    /// @dev The vault's holdings (balances less what it owes), without asking the oracle (which may be
    /// unable to price a holding at this point of the run).
    function _holdingsWithoutValues() private view returns (address[] memory basket, uint256[] memory held) {
        (basket,) = vault.targets();
        held = new uint256[](basket.length);
        for (uint256 t; t < basket.length; ++t) {
            uint256 balance = IERC20(basket[t]).balanceOf(address(vault));
            uint256 owed = vault.owed(basket[t]);
            held[t] = balance > owed ? balance - owed : 0;
        }
    }
}
