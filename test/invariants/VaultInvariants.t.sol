// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {TickMath} from "uniswap-v3-core-08/contracts/libraries/TickMath.sol";
import {RebalancingVault} from "../../contracts/RebalancingVault.sol";
import {IRebalancingVault} from "../../contracts/interfaces/IRebalancingVault.sol";
import {DemoToken} from "../../contracts/local/DemoToken.sol";
import {FreezableToken} from "../../contracts/mocks/FreezableToken.sol";
import {BallastRouter} from "../../contracts/periphery/BallastRouter.sol";
import {UniswapV3TwapOracle} from "../../contracts/oracles/UniswapV3TwapOracle.sol";
import {BallastFixture} from "../helpers/BallastFixture.sol";

/// @notice The actions the invariant fuzzer takes against a vault on the genuine Uniswap market: what
/// holders do (every ERC-4626 entry point, in-kind exits, claims, an entry and exit at once), what the
/// keeper, governance (through the timelock) and the guardian do, what the market does (pushes prices
/// with real swaps, arbitrages them back to where it values the tokens, lets time pass) and what an
/// attacker tries (donations, freezing a token, calls without a role). Each vault promise an action can
/// break is counted in a ghost variable that the invariants hold at zero.
contract VaultHandler is CommonBase, StdUtils {
    /// @notice Raised by `simulateExit` to undo the exit it made: whether it went through.
    error Simulated(bool ok);

    uint256 private constant BPS = 10_000;
    uint256 private constant DELAY = 1 days;

    RebalancingVault public immutable VAULT;
    UniswapV3TwapOracle public immutable ORACLE;
    ISwapRouter public immutable ROUTER;
    TimelockController public immutable TIMELOCK;
    FreezableToken public immutable FRZ;
    /// @notice The periphery's exit in the base asset, which holders may take instead of leaving in kind.
    BallastRouter public immutable EXITS = new BallastRouter();
    address[] private _tokens;
    IUniswapV3Pool[] private _pools;
    /// @dev Where the market values each pool: the tick its arbitrage restores.
    int24[] private _fairTicks;
    address[] private _actors;
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
    uint256 public unprivilegedSuccesses;
    /// @notice Exits to the base asset after which another holder's in-kind slice of some token shrank
    /// (in value, to rounding, while a performance fee is on: see `redeemToBase`).
    uint256 public exitHarms;
    // Counters of what the run did, for its summary.
    mapping(bytes32 action => uint256) public done;

    constructor(
        RebalancingVault vault,
        UniswapV3TwapOracle oracle,
        ISwapRouter router,
        TimelockController timelock,
        FreezableToken frz,
        address[] memory tokens,
        IUniswapV3Pool[] memory pools,
        address[] memory actors,
        address operator,
        address outsider
    ) {
        (VAULT, ORACLE, ROUTER, TIMELOCK, FRZ) = (vault, oracle, router, timelock, frz);
        (OPERATOR, OUTSIDER) = (operator, outsider);
        _tokens = tokens;
        _pools = pools;
        _actors = actors;
        for (uint256 i; i < pools.length; ++i) {
            (, int24 tick,,,,,) = pools[i].slot0();
            _fairTicks.push(tick);
        }
        for (uint256 i; i < tokens.length; ++i) {
            IERC20(tokens[i]).approve(address(router), type(uint256).max);
        }
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
        vm.prank(actor);
        try VAULT.deposit(amount, actor) returns (uint256 shares) {
            if (shares != preview) previewMismatches++;
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
        vm.prank(actor);
        try VAULT.mint(shares, actor) returns (uint256 assets) {
            if (assets != preview) previewMismatches++;
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
        vm.prank(actor);
        try VAULT.withdraw(amount, actor, actor) returns (uint256 shares) {
            if (shares != preview) previewMismatches++;
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
        vm.prank(actor);
        try VAULT.redeem(shares, actor, actor) returns (uint256 assets) {
            if (assets != preview) previewMismatches++;
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
        vm.prank(actor);
        try VAULT.redeemInKind(shares, actor, actor) returns (uint256[] memory paid) {
            done["redeemInKind"]++;
            if (keccak256(abi.encode(paid)) != keccak256(abi.encode(previewed))) previewMismatches++;
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
            before[i] = VAULT.previewRedeemInKind(VAULT.balanceOf(_actors[i]));
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
            uint256[] memory slices = VAULT.previewRedeemInKind(VAULT.balanceOf(_actors[i]));
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
    /// prices that priced the entry (the oracle's highest of each token).
    function roundTrip(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        uint256 max = VAULT.maxDeposit(actor);
        if (max == 0) return;
        amount = _bound(amount, 1e6, Math.min(max, 10_000_000e6));
        if (VAULT.previewDeposit(amount) == 0) return;
        _fund(actor, amount);
        vm.startPrank(actor);
        uint256 shares = VAULT.deposit(amount, actor);
        uint256[] memory out = VAULT.redeemInKind(shares, actor, actor);
        vm.stopPrank();
        uint256 value;
        for (uint256 i; i < out.length; ++i) {
            if (out[i] == 0) continue;
            (,, uint256 high) = ORACLE.quoteDetailed(_tokens[i], out[i]);
            value += high;
        }
        // Rounding of the high value of each slice: a unit per token.
        if (value > amount + out.length) roundTripProfits++;
        done["roundTrip"]++;
    }

    // ================================================================== keeper, governance, guardian

    function rebalance() external {
        (bool due,,,,,) = VAULT.rebalanceStatus();
        if (!due) return;
        uint256 navBefore = VAULT.totalAssets();
        uint256 driftBefore = VAULT.driftBps();
        uint256 slippageBps = VAULT.parameters().maxSlippageBps;
        vm.prank(OPERATOR);
        try VAULT.rebalance() {
            // Within the block the TWAP does not move: NAV at the same prices lost at most the bound,
            // and drift at the same prices did not grow. With FRZ frozen the promise is over the tokens
            // the vault can trade (it checks that itself): the frozen holding's weight grows by the fees
            // the others' trades pay, which a deep run found moving the whole basket's drift by 1 bp.
            uint256 navAfter = VAULT.totalAssets();
            if (navAfter + Math.mulDiv(navBefore, slippageBps, BPS) < navBefore) rebalanceLosses++;
            if (!FRZ.blacklisted(address(VAULT)) && VAULT.driftBps() > driftBefore) driftIncreases++;
            done["rebalance"]++;
        } catch {
            // Refused (a pushed pool, unsettled prices, nothing to trade): nothing moved.
        }
    }

    /// @notice New targets through the timelock: scheduled, waited out, executed.
    function changeTargets(uint256 seed) external {
        uint16[] memory targets = new uint16[](_tokens.length);
        uint256 left = BPS;
        for (uint256 i = 1; i < targets.length; ++i) {
            targets[i] = uint16(_bound(uint256(keccak256(abi.encode(seed, i))), 0, left));
            left -= targets[i];
        }
        targets[0] = uint16(left);
        _govern(abi.encodeCall(IRebalancingVault.setTargets, (_tokens, targets)), seed);
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
        vm.prank(_actors[0]);
        VAULT.accrueFees();
        done["accrueFees"]++;
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
        done["revalue"]++;
    }

    /// @notice Time passes: a few blocks to a few hours, one time in ten up to three days.
    function warp(uint256 seconds_) external {
        seconds_ = seconds_ % 10 == 0 ? _bound(seconds_, 12, 3 days) : _bound(seconds_, 12, 6 hours);
        vm.warp(block.timestamp + seconds_);
        vm.roll(block.number + Math.max(1, seconds_ / 12));
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

    /// @notice FRZ blacklists the vault, or lets it go.
    function freeze(bool on) external {
        FRZ.setBlacklisted(address(VAULT), on);
        done["freeze"]++;
    }

    /// @notice An account without any role tries what only governance, the guardian or the keeper may.
    function unprivileged(uint256 which) external {
        which = _bound(which, 0, 9);
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
        else data = abi.encodeCall(IRebalancingVault.cancel, (address(TIMELOCK), address(VAULT), 0, "", bytes32(0), bytes32(0)));
        vm.prank(OUTSIDER);
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
        (uint160 current,,,,,,) = pool.slot0();
        uint160 target = TickMath.getSqrtRatioAtTick(tick);
        if (target == current) return;
        bool zeroForOne = target < current;
        address tokenIn = zeroForOne ? pool.token0() : pool.token1();
        DemoToken(tokenIn).mint(address(this), 1e36);
        try ROUTER.exactInputSingle(
            ISwapRouter.ExactInputSingleParams({
                tokenIn: tokenIn,
                tokenOut: zeroForOne ? pool.token1() : pool.token0(),
                fee: pool.fee(),
                recipient: address(this),
                deadline: block.timestamp,
                amountIn: 1e36,
                amountOutMinimum: 0,
                sqrtPriceLimitX96: target
            })
        ) {} catch {}
    }

    /// @dev Schedules `data` on the vault through the timelock, waits out the delay, executes it.
    function _govern(bytes memory data, uint256 salt) private {
        bytes32 s = keccak256(abi.encode(salt, block.timestamp, data));
        vm.prank(OPERATOR);
        TIMELOCK.schedule(address(VAULT), 0, data, bytes32(0), s, DELAY);
        vm.warp(block.timestamp + DELAY);
        vm.roll(block.number + DELAY / 12);
        vm.prank(OPERATOR);
        try TIMELOCK.execute(address(VAULT), 0, data, bytes32(0), s) {} catch {}
    }
}

/// @notice The vault's promises, held over random sequences of everything its users, its roles, the
/// market and an attacker do (see VaultHandler), on the genuine Uniswap V3 market.
contract VaultInvariantsTest is BallastFixture {
    VaultHandler internal handler;
    address[] private actors;

    function setUp() public {
        _deployMarket();
        address operator = makeAddr("operator");
        _deployVault(operator, operator, operator);
        for (uint256 i; i < 3; ++i) {
            actors.push(makeAddr(string.concat("holder", vm.toString(i))));
        }
        // The first holder's $1M, held at the targets: $400k deposited, the tokens' share as if bought.
        usdc.mint(actors[0], 400_000e6);
        vm.startPrank(actors[0]);
        usdc.approve(address(vault), type(uint256).max);
        vault.deposit(400_000e6, actors[0]);
        vm.stopPrank();
        weth.mint(address(vault), uint256(300_000e18) / 3_000);
        wbtc.mint(address(vault), uint256(200_000e8) / 100_000);
        frz.mint(address(vault), 100_000e6);
        handler = new VaultHandler(
            vault, oracle, router, timelock, frz, tokens, pools, actors, operator, makeAddr("outsider")
        );
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](24);
        selectors[0] = VaultHandler.deposit.selector;
        selectors[1] = VaultHandler.mint.selector;
        selectors[2] = VaultHandler.withdraw.selector;
        selectors[3] = VaultHandler.redeem.selector;
        selectors[4] = VaultHandler.redeemInKind.selector;
        selectors[5] = VaultHandler.claim.selector;
        selectors[6] = VaultHandler.roundTrip.selector;
        selectors[7] = VaultHandler.rebalance.selector;
        selectors[8] = VaultHandler.rebalance.selector; // twice as likely: the keeper calls often
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
        selectors[21] = VaultHandler.roundTripAfterMove.selector;
        selectors[22] = VaultHandler.redeemToBase.selector;
        selectors[23] = VaultHandler.accrueFees.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice Every promise below, checked after every call of every sequence (one campaign for all of
    /// them: each invariant function would run its own).
    function invariant_theVaultKeepsItsPromises() public {
        _targetsSumTo10000();
        _supplyIsTheSumOfBalances();
        _everyClaimIsBacked();
        _everyHolderCanExitInKind();
        _previewsAndLimitsAreExact();
        _aRoundTripNeverProfits();
        _rebalancesStayWithinTheirBounds();
        _noRoleNoPower();
        _exitsToBaseTakeNothingFromOthers();
    }

    /// @notice The handler is not vacuous: on this market each of its actions goes through, and the
    /// promises hold after them (a campaign whose actions all bailed out would prove nothing).
    function test_everyActionOfTheHandlerGoesThrough() public {
        handler.deposit(1, 100_000e6, false);
        handler.deposit(2, 0, true);
        // Both fees on for the rest: every promise below holds with them.
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
        handler.push(1, 300);
        handler.arbitrage(1);
        // A real 8% move of WETH, taken in by the TWAP: the basket drifts past MinDriftBps (calendar trigger).
        handler.revalue(0, 800);
        handler.arbitrage(0);
        handler.warp(7_200);
        handler.rebalance();
        // FRZ freezes during an exit: its slice is held for the holder, who claims it once it thaws.
        handler.freeze(true);
        handler.redeemInKind(0, 1e15);
        assertGt(vault.claimable(address(frz), actors[0]), 0, "a held slice");
        handler.freeze(false);
        handler.claim(0, 3);
        handler.changeTargets(42);
        handler.changeParameter(uint256(IRebalancingVault.Parameter.MaxTradeBps), 2_000);
        handler.pause(0);
        handler.pause(1);
        handler.donate(1, 1e18);
        handler.warp(30 days);
        handler.accrueFees();
        assertGt(vault.balanceOf(fees.recipient), 0, "fees minted");
        handler.unprivileged(3);
        bytes32[21] memory actions = [
            bytes32("deposit"), "mint", "withdraw", "redeem", "redeemInKind", "redeemToBase", "claim", "roundTrip",
            "roundTripAfterMove", "rebalance", "changeTargets", "changeParameter", "pause", "push", "arbitrage",
            "revalue", "warp", "donate", "freeze", "unprivileged", "accrueFees"
        ];
        for (uint256 i; i < actions.length; ++i) {
            assertGt(handler.done(actions[i]), 0, string(abi.encodePacked(actions[i])));
        }
        assertEq(handler.done("deposit"), 2, "both deposits");
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

    /// @notice No share without backing: the holders' in-kind claims on each holding never exceed it,
    /// and what the vault owes to claimants is in its balance, apart from the basket, claimable by them.
    function _everyClaimIsBacked() private view {
        (address[] memory basket, uint256[] memory held) = _holdingsWithoutValues();
        uint256 supply = vault.totalSupply() + VIRTUAL_SHARES;
        for (uint256 t; t < basket.length; ++t) {
            uint256 claimable;
            uint256 claims = Math.mulDiv(held[t], vault.balanceOf(_feeRecipient()), supply);
            for (uint256 i; i < actors.length; ++i) {
                claims += Math.mulDiv(held[t], vault.balanceOf(actors[i]), supply);
                claimable += vault.claimable(basket[t], actors[i]);
            }
            assertLe(claims, held[t], "in-kind claims within the holding");
            uint256 owed = vault.owed(basket[t]);
            assertEq(claimable, owed, "owed is what the holders can claim");
            assertGe(IERC20(basket[t]).balanceOf(address(vault)), owed, "owed is held");
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

    /// @notice Previews are what the calls do, and every max* amount is accepted by its call.
    function _previewsAndLimitsAreExact() private view {
        assertEq(handler.previewMismatches(), 0, "a preview differed from its call");
        assertEq(handler.maxRefusals(), 0, "an amount within max* was refused");
    }

    /// @notice Entering and leaving at once never returns more than went in, at the entry's prices.
    function _aRoundTripNeverProfits() private view {
        assertEq(handler.roundTripProfits(), 0, "a round trip profited");
    }

    /// @notice An exit in the base asset leaves every other holder at least its in-kind slice of every token.
    function _exitsToBaseTakeNothingFromOthers() private view {
        assertEq(handler.exitHarms(), 0, "an exit to base shrank another holder's slice");
    }

    /// @notice A rebalance never lost more than its bound against the oracle.
    function _rebalancesStayWithinTheirBounds() private view {
        assertEq(handler.rebalanceLosses(), 0, "a rebalance lost more than its bound");
        assertEq(handler.driftIncreases(), 0, "a rebalance increased drift");
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
