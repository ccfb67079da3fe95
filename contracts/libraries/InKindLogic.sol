// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";
import {VaultState} from "../types/VaultState.sol";
import {Transfers} from "./Transfers.sol";
import {Valuation} from "./Valuation.sol";

/// @title InKindLogic
/// @notice The exit that never stops: a pro-rata slice of every holding, each paid on its own, and the
/// claims that hold a slice whose token refused its transfer. An external library run by the vault with
/// DELEGATECALL, on the vault's storage; the vault burns the shares.
library InKindLogic {
    using SafeERC20 for IERC20;

    /// @notice Pays `shares`' slice of every holding (out of `supply`, the virtual shares included,
    /// before the burn) to `receiver`. A token that refuses (it froze the vault or the receiver, it is
    /// paused, it runs out of gas) does not block the others: its slice is held for the receiver to claim.
    function pay(VaultState storage s, uint256 shares, uint256 supply, address receiver, address caller, address owner)
        external
        returns (uint256[] memory amounts)
    {
        address[] memory tokens;
        (tokens, amounts) = _slices(s, shares, supply);
        for (uint256 i; i < tokens.length; ++i) {
            if (amounts[i] != 0 && !Transfers.tryTransfer(tokens[i], receiver, amounts[i])) {
                if (s.owed[tokens[i]] == 0) ++s.owingTokens;
                s.owed[tokens[i]] += amounts[i];
                s.claims[tokens[i]][receiver] += amounts[i];
                emit IRebalancingVault.ClaimOwed(tokens[i], receiver, amounts[i]);
            }
        }
        emit IRebalancingVault.RedeemedInKind(caller, receiver, owner, shares, tokens, amounts);
    }

    /// @notice What `pay` would pay, in basket order.
    function slices(VaultState storage s, uint256 shares, uint256 supply)
        external
        view
        returns (uint256[] memory amounts)
    {
        (, amounts) = _slices(s, shares, supply);
    }

    /// @notice See {IRebalancingVault-claim}.
    function claim(VaultState storage s, address token, address account, address to)
        external
        returns (uint256 amount)
    {
        if (to == address(0)) revert IRebalancingVault.VaultZeroAddress();
        amount = s.claims[token][account];
        if (amount == 0) revert IRebalancingVault.VaultNothingToClaim(token, account);
        s.claims[token][account] = 0;
        uint256 remaining = s.owed[token] - amount;
        s.owed[token] = remaining;
        if (remaining == 0) --s.owingTokens;
        // With all the gas the caller gives: a claim is the way out for a token too costly for the
        // capped transfer of an in-kind exit.
        if (!IERC20(token).trySafeTransfer(to, amount)) revert IRebalancingVault.VaultClaimFailed(token, to, amount);
        emit IRebalancingVault.Claimed(token, account, to, amount);
    }

    /// @dev Each holding's token and the pro-rata slice `shares` own of it, rounded down. The virtual
    /// shares in `supply` own their slice too, so that rounding never favours the exiter.
    function _slices(VaultState storage s, uint256 shares, uint256 supply)
        private
        view
        returns (address[] memory tokens, uint256[] memory amounts)
    {
        uint256 n = s.holdings.length;
        tokens = new address[](n);
        amounts = new uint256[](n);
        bool owing = s.owingTokens != 0;
        for (uint256 i; i < n; ++i) {
            address token = s.holdings[i].token;
            tokens[i] = token;
            amounts[i] = Math.mulDiv(Valuation.heldOf(s, token, owing), shares, supply);
        }
    }
}
