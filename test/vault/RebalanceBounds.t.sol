// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";
import {TickMath} from "uniswap-v3-core-08/contracts/libraries/TickMath.sol";

import {RebalancingVault} from "../../contracts/RebalancingVault.sol";
import {IPriceOracle} from "../../contracts/interfaces/IPriceOracle.sol";
import {IRebalancingVault} from "../../contracts/interfaces/IRebalancingVault.sol";
import {BasketConfig} from "../../contracts/libraries/BasketConfig.sol";
import {TwapMath} from "../../contracts/libraries/TwapMath.sol";
import {DemoToken} from "../../contracts/local/DemoToken.sol";
import {UniswapV3TwapOracle} from "../../contracts/oracles/UniswapV3TwapOracle.sol";
import {BallastFixture} from "../helpers/BallastFixture.sol";

/// @dev External entry points to TwapMath's pool reads, so that their reverts can be expected.
contract TwapMathPoolHarness {
    function consult(IUniswapV3Pool pool, uint32 window) external view returns (int24, uint128) {
        return TwapMath.consult(pool, window);
    }

    function openTick(IUniswapV3Pool pool) external view returns (int24 tick) {
        (tick,,) = TwapMath.openAndSpot(pool);
    }
}

/// @notice The bounds a rebalance keeps that only unusual pools and tokens reach: the hard limit on how
/// far the vault's own trades may move a pool, buys that spend only what the sales left, a base asset the
/// vault cannot move, and pools that cannot answer.
contract RebalanceBoundsTest is BallastFixture {
    address private operator = makeAddr("operator");
    address private bob = makeAddr("bob");
    address private market = makeAddr("market");

    function setUp() public {
        _deployMarket();
        _deployVault(operator, operator, operator);
        // Past the first cooldown (counted from time zero).
        _nextBlock(1 hours);
    }

    /// @dev Bob deposits `usd` dollars of USDC.
    function _deposit(uint256 usd) private {
        usdc.mint(bob, usd * 1e6);
        vm.startPrank(bob);
        usdc.approve(address(vault), type(uint256).max);
        vault.deposit(usd * 1e6, bob);
        vm.stopPrank();
    }

    function _setTargets(uint16[] memory targets) private {
        vm.prank(address(timelock));
        vault.setTargets(tokens, targets);
    }

    /// @notice Slices are sized to the liquidity a pool has where it stands; one whose liquidity ends
    /// right there, so that the slice runs into far thinner liquidity beyond, moves by more than its
    /// round-trip fee, and the vault refuses the rebalance rather than offer that move to a sandwich.
    function test_refusesTradesThatMoveAPoolByItsRoundTrip() public {
        _deposit(1_000_000);
        // A new token, CONC, on a 0.01% pool: $600M of liquidity in one tick where the price stands (the
        // price at that tick's edge, on the side a purchase moves it), $20M full range beyond it.
        vm.prank(factory.owner());
        factory.enableFeeAmount(100, 1);
        DemoToken conc = new DemoToken("Concentrated", "CONC", 18);
        IUniswapV3Pool pool = IUniswapV3Pool(factory.createPool(address(usdc), address(conc), 100));
        bool usdcIsToken0 = address(usdc) < address(conc);
        // $1 per CONC: the tick of 1e6 raw USDC per 1e18 raw CONC, or its inverse.
        int24 tick = TickMath.getTickAtSqrtRatio(
            uint160(Math.sqrt(Math.mulDiv(usdcIsToken0 ? 1e18 : 1e6, 1 << 192, usdcIsToken0 ? 1e6 : 1e18)))
        );
        // Buying CONC with USDC lowers the tick when USDC is token0, raises it otherwise: stand at the
        // concentrated tick's edge on that side.
        pool.initialize(usdcIsToken0 ? TickMath.getSqrtRatioAtTick(tick) : TickMath.getSqrtRatioAtTick(tick + 1) - 1);
        pool.increaseObservationCardinalityNext(200);
        uint160 sqrtPrice = TickMath.getSqrtRatioAtTick(tick);
        // L = reserve of token1 * 2^96 / sqrtPriceX96: $600M and $20M of virtual reserve at this price,
        // in raw units of token1 (CONC when USDC is token0, USDC otherwise).
        uint256 token1PerDollar = usdcIsToken0 ? 1e18 : 1e6;
        uint128 deep = uint128(Math.mulDiv(600_000_000 * token1PerDollar, 1 << 96, sqrtPrice));
        uint128 thin = uint128(Math.mulDiv(20_000_000 * token1PerDollar, 1 << 96, sqrtPrice));
        liquidity.addRange(pool, tick, tick + 1, deep);
        liquidity.addFullRange(pool, thin);
        _routeAndList(pool, address(conc), 100, 0);
        address[] memory basket = new address[](5);
        (basket[0], basket[1], basket[2], basket[3], basket[4]) = (tokens[0], tokens[1], tokens[2], tokens[3], address(conc));
        uint16[] memory targets = new uint16[](5);
        (targets[0], targets[4]) = (9_000, 1_000);
        vm.prank(address(timelock));
        vault.setTargets(basket, targets);

        (uint160 before,,,,,,) = pool.slot0();
        vm.prank(operator);
        vm.expectPartialRevert(IRebalancingVault.VaultPriceImpact.selector);
        vault.rebalance();
        (uint160 still,,,,,,) = pool.slot0();
        assertEq(still, before, "nothing traded");
    }

    /// @notice When the sales fetch less than their oracle value and the base asset has nothing spare,
    /// the buys spend only what the sales left, and their minimum outputs shrink in proportion.
    function test_buysSpendOnlyWhatTheSalesLeft() public {
        // The vault holds no base asset to speak of: $1 of USDC, $450k of WETH, $550k of WBTC, against
        // targets of 0%, 50% and 50%.
        _deposit(1);
        weth.mint(address(vault), uint256(450_000e18) / 3_000);
        wbtc.mint(address(vault), uint256(550_000e8) / 100_000);
        uint16[] memory targets = new uint16[](4);
        (targets[1], targets[2]) = (5_000, 5_000);
        _setTargets(targets);
        uint256 wethBefore = weth.balanceOf(address(vault));
        vm.recordLogs();
        vm.prank(operator);
        IRebalancingVault.Trade[] memory trades = vault.rebalance();
        assertEq(trades.length, 2, "a sale of WBTC, a purchase of WETH");
        assertEq(trades[0].tokenIn, address(wbtc));
        assertEq(trades[1].tokenIn, address(usdc));
        // The purchase was planned at the sale's oracle value; the sale fetched less (the pool's fee).
        assertLt(trades[0].amountOut, trades[1].value + 1, "the sale fetched less than planned");
        assertLe(usdc.balanceOf(address(vault)), 1e6, "the purchase spent what there was, no more");
        assertGt(weth.balanceOf(address(vault)), wethBefore, "and bought WETH");
    }

    /// @notice A base asset the vault cannot move stops every rebalance, with the token named; in-kind
    /// exits still pay everything else and hold the base asset's slice for its holder.
    function test_aFrozenBaseAssetStopsRebalancing() public {
        // A vault over FRZ (the freezable token) holding WETH, priced through a WETH/FRZ pool.
        IUniswapV3Pool pool = _newPairPool(address(frz), 20_000_000e6, address(weth), uint256(20_000_000e18) / 3_000, 3_000);
        _grow(pool);
        bytes memory route = abi.encodePacked(address(weth), uint24(3_000), address(frz));
        RebalancingVault frozenBase = _vaultOver(route);
        frz.mint(bob, 100_000e6);
        vm.startPrank(bob);
        frz.approve(address(frozenBase), type(uint256).max);
        frozenBase.deposit(100_000e6, bob);
        vm.stopPrank();
        frz.setBlacklisted(address(frozenBase), true);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(IRebalancingVault.VaultTokenFrozen.selector, address(frz)));
        frozenBase.rebalance();
        // Bob still leaves in kind: his FRZ slice is held for him.
        uint256 shares = frozenBase.balanceOf(bob);
        vm.prank(bob);
        frozenBase.redeemInKind(shares, bob, bob);
        assertGt(frozenBase.claimable(address(frz), bob), 0);
    }

    function _vaultOver(bytes memory route) private returns (RebalancingVault) {
        address[] memory routeTokens = new address[](1);
        bytes[] memory routePaths = new bytes[](1);
        (routeTokens[0], routePaths[0]) = (address(weth), route);
        UniswapV3TwapOracle frzOracle = new UniswapV3TwapOracle(
            address(frz), factory, BLOCK, WINDOW, 500, address(timelock), routeTokens, routePaths, new uint80[](1)
        );
        address[] memory basket = new address[](2);
        (basket[0], basket[1]) = (address(frz), address(weth));
        uint16[] memory targets = new uint16[](2);
        (targets[0], targets[1]) = (5_000, 5_000);
        bytes[] memory swapPaths = new bytes[](2);
        swapPaths[1] = route;
        return new RebalancingVault(
            frz,
            "Frozen base",
            "FB",
            BasketConfig.InitialConfig({
                oracle: IPriceOracle(address(frzOracle)),
                router: address(router),
                governor: address(timelock),
                guardian: operator,
                keeper: operator,
                tokens: basket,
                targetsBps: targets,
                swapPaths: swapPaths,
                parameters: IRebalancingVault.Parameters(500, 100, 100, 1_000, 200, 7 days, 1 hours, 3 days, 0, 0, false),
                depositCap: type(uint256).max
            })
        );
    }

    /// @notice A TWAP over no time, and the opening price of a pool that keeps one observation and was
    /// swapped in this block, cannot be read.
    function test_poolReadsThatCannotAnswer() public {
        TwapMathPoolHarness harness = new TwapMathPoolHarness();
        vm.expectRevert(abi.encodeWithSelector(TwapMath.TwapUnavailable.selector, address(pools[0]), 0));
        harness.consult(pools[0], 0);
        // A pool that keeps a single observation, swapped in this block: nothing says where it opened.
        DemoToken single = new DemoToken("Single", "ONE", 18);
        IUniswapV3Pool pool = IUniswapV3Pool(factory.createPool(address(usdc), address(single), 3_000));
        pool.initialize(TickMath.getSqrtRatioAtTick(0));
        liquidity.addFullRange(pool, 1e24);
        _nextBlock(BLOCK);
        single.mint(market, 1e24);
        vm.startPrank(market);
        single.approve(address(router), type(uint256).max);
        router.exactInputSingle(
            ISwapRouter.ExactInputSingleParams(address(single), address(usdc), 3_000, market, block.timestamp, 1e22, 0, 0)
        );
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(TwapMath.TwapUnavailable.selector, address(pool), 1));
        harness.openTick(pool);
    }
}
