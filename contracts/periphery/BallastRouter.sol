// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";

/// @title BallastRouter
/// @notice Slippage-protected entry points for a Ballast vault (or any ERC-4626 vault), in the manner of
/// EIP-5143: each call names the least it accepts (or the most it pays) and reverts otherwise, so that a
/// transaction that lands after prices or holdings moved does not execute at a price its sender did not
/// agree to. Stateless: it holds nothing between calls.
///
/// Deposits and mints pull the base asset from the caller (approve this router for it); withdrawals and
/// redemptions act for the caller as the shares' owner (approve this router for the shares). Shares and
/// assets go to `receiver`.
contract BallastRouter {
    using SafeERC20 for IERC20;

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
}
