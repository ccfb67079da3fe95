// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IAuctionFiller
/// @notice What a filler of Ballast's Dutch auctions implements to source its payment in the same
/// transaction: the vault has sent it `amountOut` of `tokenOut` when this is called, and takes `amountIn`
/// of `tokenIn` from it (by `transferFrom`, the vault approved) as soon as this returns.
interface IAuctionFiller {
    /// @param data What the filler passed to `RebalanceAuctions.fill`, unread by Ballast.
    function onAuctionFill(address tokenOut, uint256 amountOut, address tokenIn, uint256 amountIn, bytes calldata data)
        external;
}
