// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IUniswapV3MintCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3MintCallback.sol";
import {TickMath} from "uniswap-v3-core-08/contracts/libraries/TickMath.sol";

import {DemoToken} from "./DemoToken.sol";

/// @dev The part of Uniswap's NonfungiblePositionManager that seeding needs. The published interface
/// pulls in OpenZeppelin 3.4 and does not compile under 0.8.
interface IPositionManagerMinimal {
    struct MintParams {
        address token0;
        address token1;
        uint24 fee;
        int24 tickLower;
        int24 tickUpper;
        uint256 amount0Desired;
        uint256 amount1Desired;
        uint256 amount0Min;
        uint256 amount1Min;
        address recipient;
        uint256 deadline;
    }

    function createAndInitializePoolIfNecessary(address token0, address token1, uint24 fee, uint160 sqrtPriceX96)
        external
        payable
        returns (address pool);

    function mint(MintParams calldata params)
        external
        payable
        returns (uint256 tokenId, uint128 liquidity, uint256 amount0, uint256 amount1);
}

interface IWETH9Minimal {
    function deposit() external payable;
}

/// @title LocalMarketSeeder
/// @notice Creates a genuine Uniswap V3 pool for two demo tokens at the price their amounts imply
/// (`amountB / amountA` units of B per unit of A), deposits both amounts as one full-range position,
/// and raises the pool's observation cardinality so that TWAPs can be read. Demo tokens are minted
/// through their faucet; WETH is wrapped from the ETH sent with the call. Local networks only.
contract LocalMarketSeeder is IUniswapV3MintCallback {
    using SafeERC20 for IERC20;

    /// @notice The amount given for a token is zero or too large to price (>= 2^128).
    error SeederBadAmount(address token, uint256 amount);
    /// @notice The two tokens are the same, or one of them is the zero address.
    error SeederBadPair(address tokenA, address tokenB);
    /// @notice The factory has no tick spacing for this fee: it is not an enabled fee tier.
    error SeederFeeTierNotEnabled(uint24 fee);
    /// @notice The implied price is outside what a Uniswap V3 pool can represent.
    error SeederPriceOutOfRange(uint256 amount0, uint256 amount1);
    /// @notice Cardinality must be between 1 and 65535.
    error SeederBadCardinality(uint16 cardinality);
    /// @notice The ETH sent does not equal the WETH amount to wrap.
    error SeederWrongEthValue(uint256 sent, uint256 needed);
    /// @notice A mint callback came from an address that is not a pool of the factory.
    error SeederNotAPool(address caller);

    event PoolSeeded(
        address indexed pool, address token0, address token1, uint24 fee, uint160 sqrtPriceX96, uint128 liquidity
    );

    IUniswapV3Factory public immutable FACTORY;
    IPositionManagerMinimal public immutable POSITION_MANAGER;
    address public immutable WETH9;

    constructor(IUniswapV3Factory factory, IPositionManagerMinimal positionManager, address weth9) {
        FACTORY = factory;
        POSITION_MANAGER = positionManager;
        WETH9 = weth9;
    }

    /// @notice Seeds the `tokenA`/`tokenB` pool of fee tier `fee` with `amountA` and `amountB`.
    /// @return pool The pool's address.
    function seed(
        address tokenA,
        uint256 amountA,
        address tokenB,
        uint256 amountB,
        uint24 fee,
        uint16 cardinality,
        address recipient
    ) external payable returns (address pool) {
        if (tokenA == tokenB || tokenA == address(0) || tokenB == address(0)) revert SeederBadPair(tokenA, tokenB);
        if (amountA == 0 || amountA >= 1 << 128) revert SeederBadAmount(tokenA, amountA);
        if (amountB == 0 || amountB >= 1 << 128) revert SeederBadAmount(tokenB, amountB);
        if (cardinality == 0) revert SeederBadCardinality(cardinality);
        if (FACTORY.feeAmountTickSpacing(fee) == 0) revert SeederFeeTierNotEnabled(fee);

        (address token0, address token1, uint256 amount0, uint256 amount1) =
            tokenA < tokenB ? (tokenA, tokenB, amountA, amountB) : (tokenB, tokenA, amountB, amountA);

        uint160 sqrtPriceX96 = _sqrtPriceX96(amount0, amount1);
        pool = POSITION_MANAGER.createAndInitializePoolIfNecessary(token0, token1, fee, sqrtPriceX96);
        IUniswapV3Pool(pool).increaseObservationCardinalityNext(cardinality);

        uint256 ethNeeded = token0 == WETH9 ? amount0 : token1 == WETH9 ? amount1 : 0;
        if (msg.value != ethNeeded) revert SeederWrongEthValue(msg.value, ethNeeded);
        _fund(token0, amount0);
        _fund(token1, amount1);

        uint128 liquidity = _mintFullRange(IUniswapV3Pool(pool), amount0, amount1, recipient);
        emit PoolSeeded(pool, token0, token1, fee, sqrtPriceX96, liquidity);
    }

    /// @notice Makes `pool` keep the observations `seed` asked for, now. A pool grows its observation
    /// array to the raised size only when it next writes an observation, in a later block than the last
    /// one; this adds a dust full-range position, which writes one. Send a little ETH for a WETH pool.
    function grow(IUniswapV3Pool pool) external payable {
        if (msg.value != 0) IWETH9Minimal(WETH9).deposit{value: msg.value}();
        int24 spacing = pool.tickSpacing();
        int24 maxTick = (TickMath.MAX_TICK / spacing) * spacing;
        pool.mint(address(this), -maxTick, maxTick, 1e6, "");
    }

    /// @inheritdoc IUniswapV3MintCallback
    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        IUniswapV3Pool pool = IUniswapV3Pool(msg.sender);
        if (FACTORY.getPool(pool.token0(), pool.token1(), pool.fee()) != msg.sender) revert SeederNotAPool(msg.sender);
        _pay(pool.token0(), amount0Owed);
        _pay(pool.token1(), amount1Owed);
    }

    function _pay(address token, uint256 amount) private {
        if (amount == 0) return;
        if (token != WETH9) DemoToken(token).mint(address(this), amount);
        IERC20(token).safeTransfer(msg.sender, amount);
    }

    function _mintFullRange(IUniswapV3Pool pool, uint256 amount0, uint256 amount1, address recipient)
        private
        returns (uint128 liquidity)
    {
        int24 spacing = pool.tickSpacing();
        int24 maxTick = (TickMath.MAX_TICK / spacing) * spacing;
        (, liquidity,,) = POSITION_MANAGER.mint(
            IPositionManagerMinimal.MintParams({
                token0: pool.token0(),
                token1: pool.token1(),
                fee: pool.fee(),
                tickLower: -maxTick,
                tickUpper: maxTick,
                amount0Desired: amount0,
                amount1Desired: amount1,
                amount0Min: 0,
                amount1Min: 0,
                recipient: recipient,
                deadline: block.timestamp
            })
        );
    }

    function _fund(address token, uint256 amount) private {
        if (token == WETH9) IWETH9Minimal(WETH9).deposit{value: amount}();
        else DemoToken(token).mint(address(this), amount);
        IERC20(token).forceApprove(address(POSITION_MANAGER), amount);
    }

    /// @dev sqrt(amount1 / amount0) in Q64.96. Both amounts are below 2^128, so amount1 * 2^192 / amount0
    /// fits in 256 bits whenever the ratio is below 2^64, which the range check below requires anyway.
    function _sqrtPriceX96(uint256 amount0, uint256 amount1) private pure returns (uint160) {
        if (amount1 >= amount0 << 64) revert SeederPriceOutOfRange(amount0, amount1);
        uint256 sqrtPrice = Math.sqrt(Math.mulDiv(amount1, 1 << 192, amount0));
        if (sqrtPrice < TickMath.MIN_SQRT_RATIO || sqrtPrice >= TickMath.MAX_SQRT_RATIO) {
            revert SeederPriceOutOfRange(amount0, amount1);
        }
        return uint160(sqrtPrice);
    }
}
