// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";

import {RebalanceAuctions} from "../auctions/RebalanceAuctions.sol";
import {IAuctionFiller} from "../interfaces/IAuctionFiller.sol";

/// @title UniswapAuctionFiller
/// @notice A filler of Ballast's Dutch auctions that needs no inventory: it takes what the vault sells,
/// sells it on Uniswap V3 along a path its owner gives, pays the vault from the proceeds in the same
/// transaction, and keeps the rest, which must be at least `minProfit` or the whole fill reverts. The
/// filler bot (`keeper fill`) runs it. Only its owner fills through it; only the vault of the auction
/// being filled, during that fill, can call it back.
contract UniswapAuctionFiller is IAuctionFiller {
    using SafeERC20 for IERC20;

    ISwapRouter public immutable ROUTER;
    address public immutable OWNER;

    /// @dev The vault expected to call back, during a fill only.
    address private transient _vault;

    error FillerNotOwner(address caller);
    error FillerUnexpectedCallback(address caller);

    constructor(ISwapRouter router, address owner) {
        ROUTER = router;
        OWNER = owner;
    }

    /// @notice Fills `auctions`' open auction: takes up to `amountOut` of `tokenOut`, sells it along
    /// `path` (tokenOut ... tokenIn) and pays `tokenIn`, at most `maxAmountIn`, keeping at least
    /// `minProfit` of `tokenIn`.
    function fill(
        RebalanceAuctions auctions,
        address tokenOut,
        address tokenIn,
        uint256 amountOut,
        uint256 maxAmountIn,
        bytes calldata path,
        uint256 minProfit
    ) external returns (uint256 filledOut, uint256 paidIn) {
        if (msg.sender != OWNER) revert FillerNotOwner(msg.sender);
        _vault = address(auctions.VAULT());
        (filledOut, paidIn) = auctions.fill(tokenOut, tokenIn, amountOut, maxAmountIn, abi.encode(path, minProfit));
        _vault = address(0);
    }

    /// @inheritdoc IAuctionFiller
    function onAuctionFill(address tokenOut, uint256 amountOut, address, uint256 amountIn, bytes calldata data)
        external
    {
        if (msg.sender != _vault || msg.sender == address(0)) revert FillerUnexpectedCallback(msg.sender);
        (bytes memory path, uint256 minProfit) = abi.decode(data, (bytes, uint256));
        IERC20(tokenOut).forceApprove(address(ROUTER), amountOut);
        ROUTER.exactInput(
            ISwapRouter.ExactInputParams({
                path: path,
                recipient: address(this),
                deadline: block.timestamp,
                amountIn: amountOut,
                amountOutMinimum: amountIn + minProfit
            })
        );
        // The vault takes exactly `amountIn` as soon as this returns.
        IERC20(_lastToken(path)).forceApprove(msg.sender, amountIn);
    }

    /// @notice Sends the owner's profit (any token this holds) to `to`.
    function withdraw(address token, address to) external returns (uint256 amount) {
        if (msg.sender != OWNER) revert FillerNotOwner(msg.sender);
        amount = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransfer(to, amount);
    }

    /// @dev The last token of a Uniswap V3 path.
    function _lastToken(bytes memory path) private pure returns (address token) {
        uint256 end = path.length;
        assembly ("memory-safe") {
            token := shr(96, mload(add(path, add(32, sub(end, 20)))))
        }
    }
}
