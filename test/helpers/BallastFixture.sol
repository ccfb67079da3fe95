// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IUniswapV3MintCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3MintCallback.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";
import {TickMath} from "uniswap-v3-core-08/contracts/libraries/TickMath.sol";

import {RebalancingVault} from "../../contracts/RebalancingVault.sol";
import {IPriceOracle} from "../../contracts/interfaces/IPriceOracle.sol";
import {IRebalancingVault} from "../../contracts/interfaces/IRebalancingVault.sol";
import {BasketConfig} from "../../contracts/libraries/BasketConfig.sol";
import {DemoToken} from "../../contracts/local/DemoToken.sol";
import {FreezableToken} from "../../contracts/mocks/FreezableToken.sol";
import {UniswapV3TwapOracle} from "../../contracts/oracles/UniswapV3TwapOracle.sol";
import {BallastTest} from "./BallastTest.sol";

/// @notice Adds full-range liquidity to a pool of tokens with an open `mint`, paying in the callback.
contract PoolLiquidity is IUniswapV3MintCallback {
    function addFullRange(IUniswapV3Pool pool, uint128 liquidity) external {
        int24 spacing = pool.tickSpacing();
        int24 maxTick = (TickMath.MAX_TICK / spacing) * spacing;
        pool.mint(address(this), -maxTick, maxTick, liquidity, "");
    }

    function addRange(IUniswapV3Pool pool, int24 tickLower, int24 tickUpper, uint128 liquidity) external {
        pool.mint(address(this), tickLower, tickUpper, liquidity, "");
    }

    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        IUniswapV3Pool pool = IUniswapV3Pool(msg.sender);
        if (amount0Owed != 0) DemoToken(pool.token0()).mint(msg.sender, amount0Owed);
        if (amount1Owed != 0) DemoToken(pool.token1()).mint(msg.sender, amount1Owed);
    }
}

/// @notice Ballast on the genuine Uniswap V3 factory and SwapRouter, deployed from their published
/// artifacts: USDC (6 decimals) as the base asset; WETH ($3,000, 18 decimals, on a 0.05% pool), WBTC
/// ($100,000, 8 decimals) and FRZ ($1, 6 decimals, a token that can blacklist the vault), each with its
/// own full-range pool against USDC, $20M a side, keeping 200 observations. A real TimelockController
/// governs; the oracle prices over 30 minutes at 12-second blocks.
/// @dev What moves a pool's price to a tick through the router: the fixture's tests and the invariant
/// handler both push pools with it.
library PoolMoves {
    /// @dev The router swap, paid to the caller, that takes `pool` to `tick` (selling up to 1e36 of the token
    /// it sells, stopped at the tick's price); `moves` is false when the pool already stands there.
    function swapToTick(IUniswapV3Pool pool, int24 tick)
        internal
        view
        returns (bool moves, ISwapRouter.ExactInputSingleParams memory swap)
    {
        (uint160 current,,,,,,) = pool.slot0();
        uint160 target = TickMath.getSqrtRatioAtTick(tick);
        if (target == current) return (false, swap);
        (address tokenIn, address tokenOut) =
            target < current ? (pool.token0(), pool.token1()) : (pool.token1(), pool.token0());
        swap = ISwapRouter.ExactInputSingleParams(
            tokenIn, tokenOut, pool.fee(), address(this), block.timestamp, 1e36, 0, target
        );
        moves = true;
    }
}

abstract contract BallastFixture is BallastTest {
    uint32 internal constant WINDOW = 1800;
    uint32 internal constant BLOCK = 12;
    uint256 internal constant DELAY = 1 days;
    uint256 internal constant VIRTUAL_SHARES = 1e6;

    IUniswapV3Factory internal factory;
    ISwapRouter internal router;
    PoolLiquidity internal liquidity;
    DemoToken internal usdc;
    DemoToken internal weth;
    DemoToken internal wbtc;
    FreezableToken internal frz;
    UniswapV3TwapOracle internal oracle;
    RebalancingVault internal vault;
    TimelockController internal timelock;

    /// @dev The basket, base asset first, and each other token's pool and path to USDC.
    address[] internal tokens;
    IUniswapV3Pool[] internal pools;
    bytes[] internal paths;

    function _deployMarket() internal {
        factory = IUniswapV3Factory(_deployPublished(
            "node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json", ""
        ));
        usdc = new DemoToken("USD Coin (demo)", "USDC", 6);
        weth = new DemoToken("Wrapped Ether (demo)", "WETH", 18);
        // The router's WETH9 is the basket's WETH, as on a real chain: keeper pay values gas through it.
        router = ISwapRouter(_deployPublished(
            "node_modules/@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json",
            abi.encode(address(factory), address(weth))
        ));
        liquidity = new PoolLiquidity();
        wbtc = new DemoToken("Wrapped BTC (demo)", "WBTC", 8);
        frz = new FreezableToken(6);
        tokens.push(address(usdc));
        _listPool(address(weth), uint256(20_000_000e18) / 3_000, 500);
        _listPool(address(wbtc), 20_000_000e8 / 100_000, 3_000);
        _listPool(address(frz), 20_000_000e6, 3_000);
        // A later block grows every pool to its 200 observations; then a window of history accrues.
        _nextBlock(BLOCK);
        for (uint256 i; i < pools.length; ++i) {
            liquidity.addFullRange(pools[i], 1e6);
        }
        _nextBlock(WINDOW + 60);
    }

    /// @dev A `token`/USDC pool of fee tier `fee`, $20M a side (`tokenAmount` of the token), in the basket.
    function _listPool(address token, uint256 tokenAmount, uint24 fee) private {
        pools.push(_newPool(token, tokenAmount, fee));
        tokens.push(token);
        paths.push(abi.encodePacked(token, fee, address(usdc)));
    }

    /// @dev A `token`/USDC pool of fee tier `fee`, $20M a side (`tokenAmount` of the token), growing to 200
    /// observations (from its next write on).
    function _newPool(address token, uint256 tokenAmount, uint24 fee) internal returns (IUniswapV3Pool pool) {
        return _newPairPool(address(usdc), 20_000_000e6, token, tokenAmount, fee);
    }

    /// @dev A `tokenA`/`tokenB` pool of fee tier `fee`, full range, holding `amountA` and `amountB` (priced at
    /// their ratio), growing to 200 observations (from its next write on).
    function _newPairPool(address tokenA, uint256 amountA, address tokenB, uint256 amountB, uint24 fee)
        internal
        returns (IUniswapV3Pool pool)
    {
        pool = IUniswapV3Pool(factory.createPool(tokenA, tokenB, fee));
        (uint256 amount0, uint256 amount1) = tokenA < tokenB ? (amountA, amountB) : (amountB, amountA);
        pool.initialize(uint160(Math.sqrt(Math.mulDiv(amount1, 1 << 192, amount0))));
        pool.increaseObservationCardinalityNext(200);
        liquidity.addFullRange(pool, uint128(Math.sqrt(amount0 * amount1)));
    }

    /// @dev Grows `pool` (from `_newPairPool`) to its observations in a later block, then lets a window of
    /// history accrue.
    function _grow(IUniswapV3Pool pool) internal {
        _nextBlock(BLOCK);
        liquidity.addFullRange(pool, 1e6); // a later block: the pool grows to its observations
        _nextBlock(WINDOW + 60);
    }

    /// @dev Swaps `pool` to `tick` (a real swap through the router, from this contract), minting what it takes.
    function _swapTo(IUniswapV3Pool pool, int24 tick) internal {
        (bool moves, ISwapRouter.ExactInputSingleParams memory swap) = PoolMoves.swapToTick(pool, tick);
        if (!moves) return;
        DemoToken(swap.tokenIn).mint(address(this), swap.amountIn);
        DemoToken(swap.tokenIn).approve(address(router), swap.amountIn);
        router.exactInputSingle(swap);
    }

    /// @dev Grows `pool` (a `token`/USDC pool of fee tier `fee`, from `_newPool`) to its observations, lets a
    /// window of history accrue, then routes `token` through it with depth floor `minDepth` and lists it in
    /// the vault at a target of zero, through the timelock. Returns the path.
    function _routeAndList(IUniswapV3Pool pool, address token, uint24 fee, uint80 minDepth)
        internal
        returns (bytes memory path)
    {
        _grow(pool);
        path = abi.encodePacked(token, fee, address(usdc));
        vm.startPrank(address(timelock));
        oracle.setRoute(token, path, minDepth);
        vault.addToken(token, path);
        vm.stopPrank();
    }

    /// @dev The oracle, the timelock (with `proposer` proposing and executing) and the vault at targets
    /// USDC 40%, WETH 30%, WBTC 20%, FRZ 10%, with `guardian` and `keeper`.
    function _deployVault(address proposer, address guardian, address keeper) internal {
        address[] memory routeTokens = new address[](3);
        bytes[] memory routePaths = new bytes[](3);
        uint80[] memory floors = new uint80[](3);
        for (uint256 i; i < 3; ++i) {
            (routeTokens[i], routePaths[i], floors[i]) = (tokens[i + 1], paths[i], 1_000_000);
        }
        address[] memory proposers = new address[](1);
        proposers[0] = proposer;
        timelock = new TimelockController(DELAY, proposers, proposers, address(0));
        oracle = new UniswapV3TwapOracle(
            address(usdc), factory, BLOCK, WINDOW, 500, address(timelock), routeTokens, routePaths, floors
        );
        uint16[] memory targets = new uint16[](4);
        (targets[0], targets[1], targets[2], targets[3]) = (4_000, 3_000, 2_000, 1_000);
        bytes[] memory swapPaths = new bytes[](4);
        for (uint256 i = 1; i < 4; ++i) {
            swapPaths[i] = paths[i - 1];
        }
        vault = new RebalancingVault(
            usdc,
            "Ballast",
            "BLST",
            BasketConfig.InitialConfig({
                oracle: IPriceOracle(address(oracle)),
                router: address(router),
                governor: address(timelock),
                guardian: guardian,
                keeper: keeper,
                tokens: tokens,
                targetsBps: targets,
                swapPaths: swapPaths,
                parameters: IRebalancingVault.Parameters(500, 100, 100, 1_000, 200, 7 days, 1 hours, 3 days, 0, 0, false),
                depositCap: type(uint256).max
            })
        );
    }

    /// @dev Moves time on by `seconds_` (and the block number with it, one block per 12 seconds).
    function _nextBlock(uint256 seconds_) internal {
        vm.warp(block.timestamp + seconds_);
        vm.roll(block.number + Math.max(1, seconds_ / BLOCK));
    }

    /// @dev Deploys the bytecode of a published Hardhat artifact with constructor arguments `args`.
    function _deployPublished(string memory artifact, bytes memory args) internal returns (address deployed) {
        bytes memory code = abi.encodePacked(vm.parseJsonBytes(vm.readFile(artifact), ".bytecode"), args);
        assembly ("memory-safe") {
            deployed := create(0, add(code, 32), mload(code))
        }
        require(deployed != address(0), "deploy failed");
    }
}
