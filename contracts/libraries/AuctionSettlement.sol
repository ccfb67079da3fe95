// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IAuctionFiller} from "../interfaces/IAuctionFiller.sol";
import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";
import {VaultState} from "../types/VaultState.sol";
import {FeeLogic} from "./FeeLogic.sol";
import {Valuation} from "./Valuation.sol";

/// @title AuctionSettlement
/// @notice The vault's side of a Dutch-auction fill: the two transfers, and the checks that hold whatever
/// the auction house asks (both tokens listed, never more than the holding, every unit paid). An external
/// library run by the vault with DELEGATECALL, under the vault's lock; pricing and sizing live in the
/// auction house (RebalanceAuctions), which governance grants AUCTION_ROLE.
library AuctionSettlement {
    using SafeERC20 for IERC20;

    /// @notice See {IRebalancingVault-settleAuction}. `weth` is what gas is paid in (the vault's WETH9).
    function settle(VaultState storage s, bytes calldata order, address weth) external {
        (address tokenOut, uint256 amountOut, address tokenIn, uint256 amountIn, address filler, bytes memory data) =
            abi.decode(order, (address, uint256, address, uint256, address, bytes));
        // No tokens: the house repays `filler` for opening an auction, `amountOut` gas under keeper pay's caps.
        if (tokenOut == address(0) && tokenIn == address(0)) {
            return FeeLogic.payKeeper(s, amountOut, FeeLogic.wethValue(s, weth), filler);
        }
        if (
            tokenOut == tokenIn || s.indexPlusOne[tokenOut] == 0 || s.indexPlusOne[tokenIn] == 0 || amountOut == 0
                || amountOut > Valuation.heldOf(s, tokenOut)
        ) revert IRebalancingVault.VaultBadSettlement(tokenOut, tokenIn, amountOut);
        uint256 before = IERC20(tokenIn).balanceOf(address(this));
        IERC20(tokenOut).safeTransfer(filler, amountOut);
        if (data.length != 0) IAuctionFiller(filler).onAuctionFill(tokenOut, amountOut, tokenIn, amountIn, data);
        IERC20(tokenIn).safeTransferFrom(filler, address(this), amountIn);
        uint256 received = IERC20(tokenIn).balanceOf(address(this)) - before;
        // A token that takes a fee on transfer would leave the basket short of what the price asked.
        if (received < amountIn) revert IRebalancingVault.VaultTransferMismatch(tokenIn, amountIn, received);
    }
}
