// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {RebalanceAuctions} from "../auctions/RebalanceAuctions.sol";
import {IAuctionFiller} from "../interfaces/IAuctionFiller.sol";

/// @notice A filler holding its payment that, called back mid-fill, tries one call (into the auctions,
/// the vault, governance) and records how it went; then pays, so the fill itself completes.
contract ReentrantFiller is IAuctionFiller {
    address public callTarget;
    bytes public payload;
    bool public reentered;
    bytes public reason;

    function arm(address target_, bytes calldata payload_) external {
        (callTarget, payload) = (target_, payload_);
    }

    function approve(address token, address spender) external {
        IERC20(token).approve(spender, type(uint256).max);
    }

    function fill(RebalanceAuctions auctions, address tokenOut, address tokenIn, uint256 amountOut) external {
        auctions.fill(tokenOut, tokenIn, amountOut, type(uint256).max, hex"01");
    }

    function onAuctionFill(address, uint256, address, uint256, bytes calldata) external {
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, reason) = callTarget.call(payload);
        reentered = ok;
    }
}
