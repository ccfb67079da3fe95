// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";
import {TickMath} from "uniswap-v3-core-08/contracts/libraries/TickMath.sol";

import {TwapMath} from "../libraries/TwapMath.sol";

/// @dev The vault functions an attack bundle calls with amounts only known mid-bundle.
interface IVaultExits {
    function balanceOf(address account) external view returns (uint256);
    function maxRedeem(address owner) external view returns (uint256);
    function redeem(uint256 shares, address receiver, address owner) external returns (uint256);
    function redeemInKind(uint256 shares, address receiver, address owner) external returns (uint256[] memory);
}

/// @notice Test attacker: runs a list of calls as one transaction (a front-run, the victim's or its
/// own action, a back-run), so that an attack's profit is measured exactly as a searcher or a block
/// builder would bundle it. Holds its own funds; pushes pool prices to a tick with real swaps.
contract Attacker {
    using SafeERC20 for IERC20;

    struct Call {
        address target;
        bytes data;
    }

    error AttackerNotOwner(address caller);
    error AttackerCallFailed(uint256 index, bytes reason);

    address private immutable _OWNER;
    ISwapRouter private immutable _ROUTER;

    constructor(ISwapRouter router) {
        _OWNER = msg.sender;
        _ROUTER = router;
    }

    modifier onlyOwnerOrSelf() {
        if (msg.sender != _OWNER && msg.sender != address(this)) revert AttackerNotOwner(msg.sender);
        _;
    }

    /// @notice Runs `calls` in order; the first failure reverts everything, naming its index.
    function run(Call[] calldata calls) external onlyOwnerOrSelf {
        for (uint256 i; i < calls.length; ++i) {
            // Calling arbitrary code is this mock's purpose.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory reason) = calls[i].target.call(calls[i].data);
            if (!ok) revert AttackerCallFailed(i, reason);
        }
    }

    /// @notice Approves `spender` for all of each token.
    function approveAll(address[] calldata tokens, address spender) external onlyOwnerOrSelf {
        for (uint256 i; i < tokens.length; ++i) {
            IERC20(tokens[i]).forceApprove(spender, type(uint256).max);
        }
    }

    /// @notice Swaps through `pool` until its price reaches `tick` (or this contract runs out of the
    /// token it sells), in whichever direction that is.
    function pushToTick(IUniswapV3Pool pool, int24 tick) public onlyOwnerOrSelf {
        (uint160 current,,,,,,) = pool.slot0();
        uint160 target = TickMath.getSqrtRatioAtTick(tick);
        if (target == current) return;
        bool zeroForOne = target < current;
        address tokenIn = zeroForOne ? pool.token0() : pool.token1();
        address tokenOut = zeroForOne ? pool.token1() : pool.token0();
        uint256 amountIn = IERC20(tokenIn).balanceOf(address(this));
        IERC20(tokenIn).forceApprove(address(_ROUTER), amountIn);
        _ROUTER.exactInputSingle(
            ISwapRouter.ExactInputSingleParams({
                tokenIn: tokenIn,
                tokenOut: tokenOut,
                fee: pool.fee(),
                recipient: address(this),
                deadline: block.timestamp,
                amountIn: amountIn,
                amountOutMinimum: 0,
                sqrtPriceLimitX96: target
            })
        );
    }

    /// @notice Pushes `pool` to its own time-weighted average tick over `windowSeconds`.
    function pushToTwap(IUniswapV3Pool pool, uint32 windowSeconds) external onlyOwnerOrSelf {
        pushToTick(pool, TwapMath.meanTick(pool, windowSeconds));
    }

    /// @notice Pushes `pool` by `ticks` from where it stands (one tick is about one basis point).
    function pushBy(IUniswapV3Pool pool, int24 ticks) external onlyOwnerOrSelf {
        (, int24 tick,,,,,) = pool.slot0();
        pushToTick(pool, tick + ticks);
    }

    /// @notice Redeems every share this contract holds, in kind.
    function redeemAllInKind(IVaultExits vault) external onlyOwnerOrSelf {
        vault.redeemInKind(vault.balanceOf(address(this)), address(this), address(this));
    }

    /// @notice Redeems as many shares as the vault lets leave in the base asset now.
    function redeemMax(IVaultExits vault) external onlyOwnerOrSelf {
        vault.redeem(vault.maxRedeem(address(this)), address(this), address(this));
    }

    /// @notice What the last `record` read.
    bytes public recorded;

    /// @notice Reads `target` with `data` (a view) in the middle of a bundle, and keeps the answer.
    function record(address target, bytes calldata data) external onlyOwnerOrSelf {
        (bool ok, bytes memory result) = target.staticcall(data);
        if (!ok) revert AttackerCallFailed(type(uint256).max, result);
        recorded = result;
    }

    /// @notice Remembers `pool`'s current tick, for `pushBack`.
    mapping(IUniswapV3Pool pool => int24) public savedTick;

    function save(IUniswapV3Pool pool) external onlyOwnerOrSelf {
        (, int24 tick,,,,,) = pool.slot0();
        savedTick[pool] = tick;
    }

    /// @notice Pushes `pool` back to the tick `save` remembered.
    function pushBack(IUniswapV3Pool pool) external onlyOwnerOrSelf {
        pushToTick(pool, savedTick[pool]);
    }
}
