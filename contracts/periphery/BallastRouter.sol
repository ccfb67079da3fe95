// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";

/// @title BallastRouter
/// @notice Slippage-protected entry points for a Ballast vault (or any ERC-4626 vault), in the manner of
/// EIP-5143: each call names the least it accepts (or the most it pays) and reverts otherwise, so that a
/// transaction that lands after prices or holdings moved does not execute at a price its sender did not
/// agree to. Stateless: it holds nothing between calls. It takes any address as a vault, and trusts none:
/// what a vault pays it is measured by what arrives, and no allowance it grants outlives the call, so that
/// tokens sent to it by mistake are never sold or pulled through it (it has no owner and no sweep: they stay).
///
/// Deposits and mints pull the base asset from the caller (approve this router for it); withdrawals and
/// redemptions act for the caller as the shares' owner (approve this router for the shares). Shares and
/// assets go to `receiver`.
///
/// `redeemToBase` is the exit in the base asset for any number of shares: the vault pays the holder's
/// pro-rata slice of every holding in kind, to this router, which sells each slice for the base asset on
/// the vault's own swap paths and pays the total. The vault prices nothing, so the remaining holders keep
/// exactly what an in-kind exit leaves them; the exiting holder alone bears the swaps' fees and impact.
/// Each sale must fetch at least its slice's value at the oracle's lower reference less the vault's
/// MaxSlippageBps (a pool pushed down cannot fill it), and the total at least the caller's minimum.
contract BallastRouter is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice One holding's part of an exit in the base asset: the holder's slice (`amount` of `token`),
    /// its `value` at the oracle's lower reference (base units; the slice itself for the base asset), the
    /// least its sale may fetch (`minOut`: that value less the vault's MaxSlippageBps), and what it
    /// fetched (`amountOut`; 0 in a preview).
    struct Leg {
        address token;
        uint256 amount;
        uint256 value;
        uint256 minOut;
        uint256 amountOut;
    }

    /// @notice The deposit would mint `shares`, fewer than `minShares`.
    error RouterTooFewShares(uint256 shares, uint256 minShares);
    /// @notice The mint would take `assets`, more than `maxAssets`.
    error RouterTooManyAssets(uint256 assets, uint256 maxAssets);
    /// @notice The withdrawal would burn `shares`, more than `maxShares`.
    error RouterTooManyShares(uint256 shares, uint256 maxShares);
    /// @notice The redemption would pay `assets`, less than `minAssets`.
    error RouterTooFewAssets(uint256 assets, uint256 minAssets);
    /// @notice The in-kind redemption would give `amount` of the holding at `index` (in the vault's
    /// `targets()` order), less than `minAmount`.
    error RouterTooLittleInKind(uint256 index, uint256 amount, uint256 minAmount);
    /// @notice The minimum amounts do not match the basket: `expected` holdings, `actual` minimums.
    error RouterLengthMismatch(uint256 expected, uint256 actual);
    /// @notice The vault could not pay this router the `expected` slice of `token` (it holds it for a
    /// claim: the token refused the transfer), or the token delivered only `received`. Leave in kind.
    error RouterLegNotReceived(address token, uint256 expected, uint256 received);
    /// @notice The sale of `amount` of `token` could not fetch `minOut` of the base asset on the vault's
    /// swap path (`reason`: the swap's revert). Leave in kind, or exit fewer shares.
    error RouterLegUnsellable(address token, uint256 amount, uint256 minOut, bytes reason);

    /// @notice Deposits `assets` of the caller's base asset for at least `minShares` shares.
    function deposit(IERC4626 vault, uint256 assets, address receiver, uint256 minShares)
        external
        returns (uint256 shares)
    {
        IERC20 asset = IERC20(vault.asset());
        asset.safeTransferFrom(msg.sender, address(this), assets);
        asset.forceApprove(address(vault), assets);
        shares = vault.deposit(assets, receiver);
        if (shares < minShares) revert RouterTooFewShares(shares, minShares);
        _revoke(asset, address(vault));
    }

    /// @notice Mints `shares` for at most `maxAssets` of the caller's base asset.
    function mint(IERC4626 vault, uint256 shares, address receiver, uint256 maxAssets)
        external
        returns (uint256 assets)
    {
        IERC20 asset = IERC20(vault.asset());
        // Within one call the preview is what the mint takes (EIP-4626 asks it to be at least that).
        uint256 pulled = vault.previewMint(shares);
        if (pulled > maxAssets) revert RouterTooManyAssets(pulled, maxAssets);
        asset.safeTransferFrom(msg.sender, address(this), pulled);
        asset.forceApprove(address(vault), pulled);
        assets = vault.mint(shares, receiver);
        // A vault that takes less than it previewed leaves the rest here: it goes back.
        if (assets < pulled) {
            asset.forceApprove(address(vault), 0);
            asset.safeTransfer(msg.sender, pulled - assets);
        }
    }

    /// @notice Withdraws `assets` of the base asset from the caller's shares, burning at most `maxShares`.
    function withdraw(IERC4626 vault, uint256 assets, address receiver, uint256 maxShares)
        external
        returns (uint256 shares)
    {
        shares = vault.withdraw(assets, receiver, msg.sender);
        if (shares > maxShares) revert RouterTooManyShares(shares, maxShares);
    }

    /// @notice Redeems `shares` of the caller's for at least `minAssets` of the base asset.
    function redeem(IERC4626 vault, uint256 shares, address receiver, uint256 minAssets)
        external
        returns (uint256 assets)
    {
        assets = vault.redeem(shares, receiver, msg.sender);
        if (assets < minAssets) revert RouterTooFewAssets(assets, minAssets);
    }

    /// @notice Redeems `shares` of the caller's in kind, for at least `minAmounts` of each holding, in
    /// the vault's `targets()` order (a slice the vault holds for `receiver` to claim counts as given).
    function redeemInKind(IRebalancingVault vault, uint256 shares, address receiver, uint256[] calldata minAmounts)
        external
        returns (uint256[] memory amounts)
    {
        amounts = vault.redeemInKind(shares, receiver, msg.sender);
        if (minAmounts.length != amounts.length) revert RouterLengthMismatch(amounts.length, minAmounts.length);
        for (uint256 i; i < amounts.length; ++i) {
            if (amounts[i] < minAmounts[i]) revert RouterTooLittleInKind(i, amounts[i], minAmounts[i]);
        }
    }

    /// @notice What `redeemToBase(vault, shares, ...)` would sell now: each holding's slice with its value
    /// at the oracle's lower reference and the least its sale may fetch, in `targets()` order (the base
    /// asset's slice first, paid as it is); and `minAssets`, the sum of those least amounts: the exit pays
    /// at least that or reverts. What the sales would really fetch is what a static call of
    /// `redeemToBase` returns. Reverts as the oracle does while it cannot price a holding.
    function previewRedeemToBase(IRebalancingVault vault, uint256 shares)
        public
        view
        returns (Leg[] memory legs, uint256 minAssets)
    {
        (address[] memory tokens,) = vault.targets();
        return _legs(vault, tokens, vault.previewRedeemInKind(shares));
    }

    /// @notice Redeems `shares` of the caller's for the base asset, whatever their number: the vault pays
    /// their slice of every holding in kind to this router, which sells each for the base asset on the
    /// vault's swap path (each sale at least its `minOut`, see `Leg`) and pays `receiver` the total, at
    /// least `minAssets`. Works while the vault is paused, as in-kind exits do.
    /// @return assets The base asset paid to `receiver`.
    /// @return legs Each holding's slice and what its sale fetched.
    function redeemToBase(IRebalancingVault vault, uint256 shares, address receiver, uint256 minAssets)
        external
        nonReentrant
        returns (uint256 assets, Leg[] memory legs)
    {
        (address[] memory tokens,) = vault.targets();
        // What arrives is measured against what was here before: a stray balance (tokens sent to this
        // router by mistake) never stands in for a slice the vault did not pay, and is never sold.
        uint256[] memory before = new uint256[](tokens.length);
        for (uint256 i; i < tokens.length; ++i) {
            before[i] = IERC20(tokens[i]).balanceOf(address(this));
        }
        // The floors are priced from the slices the vault paid, in this block.
        (legs,) = _legs(vault, tokens, vault.redeemInKind(shares, address(this), msg.sender));
        address swapRouter = vault.ROUTER();
        IERC20 base = IERC20(tokens[0]);
        for (uint256 i; i < legs.length; ++i) {
            Leg memory leg = legs[i];
            // A slice the vault holds for a claim (which this router could never claim), or a token that
            // delivers less, cannot be sold here: the exit reverts, and no claim is left in its name.
            uint256 received = IERC20(leg.token).balanceOf(address(this)) - before[i];
            if (received < leg.amount) revert RouterLegNotReceived(leg.token, leg.amount, received);
            leg.amountOut = i == 0 || leg.amount == 0 ? leg.amount : _sell(vault, swapRouter, base, leg);
        }
        assets = base.balanceOf(address(this)) - before[0];
        if (assets < minAssets) revert RouterTooFewAssets(assets, minAssets);
        base.safeTransfer(receiver, assets);
    }

    /// @dev Each holding's slice of `amounts` (in `tokens`' order, the vault's `targets()`) with its value
    /// at the oracle's lower reference and the least its sale may fetch; and the sum of those least amounts.
    function _legs(IRebalancingVault vault, address[] memory tokens, uint256[] memory amounts)
        private
        view
        returns (Leg[] memory legs, uint256 minAssets)
    {
        IPriceOracle oracle = vault.oracle();
        uint256 keepBps = 10_000 - vault.parameters().maxSlippageBps;
        legs = new Leg[](tokens.length);
        for (uint256 i; i < tokens.length; ++i) {
            uint256 value = amounts[i];
            if (i != 0 && value != 0) (value,) = oracle.quoteBounds(tokens[i], amounts[i]);
            uint256 minOut = i == 0 ? value : value * keepBps / 10_000;
            legs[i] = Leg(tokens[i], amounts[i], value, minOut, 0);
            minAssets += minOut;
        }
    }

    /// @dev Sells `leg.amount` of `leg.token` on the vault's swap path for at least `leg.minOut` of the base
    /// asset; returns what arrived. No allowance outlives the sale.
    function _sell(IRebalancingVault vault, address swapRouter, IERC20 base, Leg memory leg)
        private
        returns (uint256 amountOut)
    {
        uint256 before = base.balanceOf(address(this));
        IERC20 token = IERC20(leg.token);
        token.forceApprove(swapRouter, leg.amount);
        try ISwapRouter(swapRouter).exactInput(
            ISwapRouter.ExactInputParams({
                path: vault.swapPath(leg.token),
                recipient: address(this),
                deadline: block.timestamp,
                amountIn: leg.amount,
                amountOutMinimum: leg.minOut
            })
        ) {} catch (bytes memory reason) {
            revert RouterLegUnsellable(leg.token, leg.amount, leg.minOut, reason);
        }
        _revoke(token, swapRouter);
        amountOut = base.balanceOf(address(this)) - before;
    }

    /// @dev Sets `spender`'s allowance back to zero when a call left some: this router trusts any address
    /// as a vault (and its swap router), so that none may later pull what others send here by mistake.
    function _revoke(IERC20 token, address spender) private {
        if (token.allowance(address(this), spender) != 0) token.forceApprove(spender, 0);
    }
}
