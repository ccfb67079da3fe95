// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {TickMath} from "uniswap-v3-core-08/contracts/libraries/TickMath.sol";

import {Transfers} from "./Transfers.sol";

/// @title PoolSwap
/// @notice One exact-input swap on a Uniswap V3 pool, called directly rather than through a router, and
/// the callback that pays for it. Before it calls the pool, `swap` names that pool and the token sold in
/// transient storage; the vault's `uniswapV3SwapCallback` (`pay`) pays only the pool named, once, in the
/// token named, and clears the pool's name. A genuine pool calls the swap callback only on the account that
/// called its `swap`, within that call, so the vault pays only pools it is swapping on, only what they ask
/// within their swap, and never from a standing approval: it approves no router.
/// @dev Internal functions: `swap` runs in the vault's context (inside RebalanceLogic, which the vault runs
/// with DELEGATECALL) and `pay` in the vault's callback, so that both use the vault's transient storage.
library PoolSwap {
    using TransientSlot for *;

    /// @dev The pool the vault is swapping on, until it calls back: keccak256(abi.encode(uint256(
    /// keccak256("ballast.storage.PoolSwap")) - 1)) & ~bytes32(uint256(0xff)), the namespace's first slot.
    bytes32 private constant _POOL = 0x1b7df4ef6d8b99b175e7d1b9b7f51192ae2ca55284fe83c289ee96dccb942b00;
    /// @dev The token that pool is paid in: the namespace's second slot. Read only while `_POOL` names the
    /// caller, which only `swap` sets, with this.
    bytes32 private constant _TOKEN_IN = 0x1b7df4ef6d8b99b175e7d1b9b7f51192ae2ca55284fe83c289ee96dccb942b01;

    /// @notice The swap callback was called by an account other than the pool the vault is swapping on
    /// (anyone but that pool, or after it was paid).
    error PoolSwapUnexpectedCallback(address caller);
    /// @notice The vault could not pay the pool in `token` (its transfer failed, or spent more than
    /// Transfers.GAS_LIMIT): the token may have frozen the vault.
    error PoolSwapPaymentFailed(address token);

    /// @notice Sells `amountIn` of `tokenIn` for `tokenOut` on `pool` (their pool, which the caller found
    /// from the factory), to this contract, at any price: the caller bounds the outcome. Returns whether
    /// the pool's `swap` succeeded, what it says it sent, and its revert data when it failed.
    function swap(address pool, address tokenIn, address tokenOut, uint256 amountIn)
        internal
        returns (bool ok, uint256 amountOut, bytes memory reason)
    {
        bool zeroForOne = tokenIn < tokenOut;
        _POOL.asAddress().tstore(pool);
        _TOKEN_IN.asAddress().tstore(tokenIn);
        try IUniswapV3Pool(pool).swap(
            address(this),
            zeroForOne,
            SafeCast.toInt256(amountIn),
            zeroForOne ? TickMath.MIN_SQRT_RATIO + 1 : TickMath.MAX_SQRT_RATIO - 1,
            ""
        ) returns (int256 amount0, int256 amount1) {
            // The side the pool sent is negative: at most the pool's balance, far from type(int256).min.
            amountOut = uint256(-(zeroForOne ? amount1 : amount0));
            ok = true;
        } catch (bytes memory data) {
            reason = data;
        }
    }

    /// @notice The swap callback: pays the pool named by `swap` what it is owed of the token named with it,
    /// with at most Transfers.GAS_LIMIT gas (as the frozen-token probe does: a token that spends all it is
    /// given leaves the vault the gas to run the rebalance again without it). Reverts with
    /// PoolSwapUnexpectedCallback for any other caller, and PoolSwapPaymentFailed when the transfer fails.
    function pay(int256 amount0Delta, int256 amount1Delta) internal {
        if (msg.sender != _POOL.asAddress().tload()) revert PoolSwapUnexpectedCallback(msg.sender);
        _POOL.asAddress().tstore(address(0));
        // An exact-input swap owes on one side at most (a positive delta), never more than was offered.
        int256 owed = amount0Delta > 0 ? amount0Delta : amount1Delta;
        if (owed > 0) {
            address token = _TOKEN_IN.asAddress().tload();
            if (!Transfers.tryTransfer(token, msg.sender, uint256(owed))) revert PoolSwapPaymentFailed(token);
        }
    }
}
