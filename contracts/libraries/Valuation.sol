// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {Holding} from "../types/Holding.sol";
import {VaultState} from "../types/VaultState.sol";
import {ValuationLogic} from "./ValuationLogic.sol";

/// @title Valuation
/// @notice The one way the vault and its libraries read what the basket holds and what it is worth.
/// A holding is the vault's balance of the token less what it owes to holders whose in-kind payment
/// failed; accounting reads balances, never a ledger, so rebasing and donations move NAV for everyone.
library Valuation {
    /// @notice The vault's holding of `h.token`: its balance less what it owes, always (the one place any
    /// path values, pays or trades a holding from, so that no path can count claimants' tokens).
    function held(VaultState storage s, Holding memory h) internal view returns (uint256) {
        return heldOf(s, h.token);
    }

    /// @notice `held`, for any token, listed or not.
    function heldOf(VaultState storage s, address token) internal view returns (uint256) {
        return heldOf(s, token, s.owingTokens != 0);
    }

    /// @notice `heldOf`, told whether the vault owes anything at all (`owing`: `owingTokens` is not zero),
    /// which a loop over the basket reads once.
    function heldOf(VaultState storage s, address token, bool owing) internal view returns (uint256 balance) {
        balance = IERC20(token).balanceOf(address(this));
        if (!owing) return balance;
        uint256 owed = s.owed[token];
        // A token that rebased down below what is owed leaves nothing for the basket.
        balance = balance > owed ? balance - owed : 0;
    }

    /// @notice `h`'s swap path to the base asset `base` (the basket's first token, which the caller has at
    /// hand): built from its pool's fee when one hop (no storage read), read from `swapPaths` when longer.
    function swapPath(VaultState storage s, Holding memory h, address base) internal view returns (bytes memory) {
        return h.directFee != 0 ? abi.encodePacked(h.token, h.directFee, base) : s.swapPaths[h.token];
    }

    /// @notice Every holding and its reference value in base units, in basket order, their sum (NAV), and
    /// the targets (read in the same pass, for the drift). When the oracle cannot price a holding: with
    /// `strict`, re-raises its error; without, returns `ok = false`.
    function values(VaultState storage s, bool strict)
        internal
        view
        returns (bool ok, uint256[] memory balances, uint256[] memory vals, uint256 total, uint16[] memory targetsBps)
    {
        uint256 n = s.holdings.length;
        balances = new uint256[](n);
        vals = new uint256[](n);
        targetsBps = new uint16[](n);
        IPriceOracle oracle = s.oracle;
        bool owing = s.owingTokens != 0;
        for (uint256 i; i < n; ++i) {
            Holding storage h = s.holdings[i];
            address token = h.token;
            targetsBps[i] = h.targetBps;
            uint256 balance = heldOf(s, token, owing);
            balances[i] = balance;
            if (i == 0 || balance == 0) {
                vals[i] = balance; // the base asset is worth its amount
            } else {
                try oracle.quote(token, balance) returns (uint256 v) {
                    vals[i] = v;
                } catch (bytes memory reason) {
                    ValuationLogic.reraiseIfStrict(strict, reason);
                    return (false, balances, vals, 0, targetsBps);
                }
            }
            total += vals[i];
        }
        ok = true;
    }

    /// @notice NAV at the lowest and at the highest of the oracle's bounds of each holding, in one oracle call
    /// for the basket (`quoteBoundsSum`, which reads a pool that several routes share once): what exits are
    /// paid at, and what entries pay. When the oracle refuses a holding's bounds: with `strict`, re-raises
    /// its error; without, returns `ok = false`; unless every holding it refuses is dust (worth, at its
    /// primary reference, at most `ValuationLogic.DUST_BPS` of the rest of NAV at its lowest bounds), which
    /// then counts at the higher of that value and the current price for entries and at nothing for exits,
    /// so that no donation of dust (of a token whose prices disagree) can stop them and no round trip
    /// through them gains on the dust. (The threshold reads the primary reference alone: a push of the
    /// current price cannot make dust stop them either.) Holdings of nothing are not priced.
    function bounds(VaultState storage s, bool strict) internal view returns (bool, uint256, uint256) {
        uint256 n = s.holdings.length;
        address[] memory listed = new address[](n);
        uint256[] memory amounts = new uint256[](n);
        bool owing = s.owingTokens != 0;
        for (uint256 i; i < n; ++i) {
            address token = s.holdings[i].token;
            (listed[i], amounts[i]) = (token, heldOf(s, token, owing));
        }
        IPriceOracle oracle = s.oracle;
        try oracle.quoteBoundsSum(listed, amounts) returns (uint256 low, uint256 high) {
            return (true, low, high);
        } catch {
            // Refused: each on its own, to learn which, and whether they are dust.
            return ValuationLogic.boundsEach(address(oracle), strict, listed, amounts);
        }
    }

    /// @notice Every holding of `holdings` (the basket, read from storage by the caller), its reference value
    /// and its lowest and highest values across the oracle's references (one oracle read per held token),
    /// in basket order, and NAV at the reference values. Reverts with the oracle's own error when it
    /// cannot price a holding.
    function detailed(VaultState storage s, Holding[] memory holdings)
        internal
        view
        returns (
            uint256[] memory balances,
            uint256[] memory vals,
            uint256[] memory lows,
            uint256[] memory highs,
            uint256 total
        )
    {
        uint256 n = holdings.length;
        balances = new uint256[](n);
        vals = new uint256[](n);
        lows = new uint256[](n);
        highs = new uint256[](n);
        IPriceOracle oracle = s.oracle;
        bool owing = s.owingTokens != 0;
        for (uint256 i; i < n; ++i) {
            address token = holdings[i].token;
            uint256 balance = heldOf(s, token, owing);
            balances[i] = balance;
            if (i == 0 || balance == 0) {
                (vals[i], lows[i], highs[i]) = (balance, balance, balance);
            } else {
                (vals[i], lows[i], highs[i]) = oracle.quoteDetailed(token, balance);
            }
            total += vals[i];
        }
    }

    /// @notice NAV at the reference values; reverts with the oracle's own error when it cannot price a
    /// holding.
    function nav(VaultState storage s) internal view returns (uint256 total) {
        uint256 n = s.holdings.length;
        IPriceOracle oracle = s.oracle;
        bool owing = s.owingTokens != 0;
        for (uint256 i; i < n; ++i) {
            address token = s.holdings[i].token;
            uint256 balance = heldOf(s, token, owing);
            total += i == 0 || balance == 0 ? balance : oracle.quote(token, balance);
        }
    }

    /// @notice Every listed token, base asset first.
    function tokens(VaultState storage s) internal view returns (address[] memory t) {
        uint256 n = s.holdings.length;
        t = new address[](n);
        for (uint256 i; i < n; ++i) {
            t[i] = s.holdings[i].token;
        }
    }

    /// @notice Every target weight, in basket order.
    function targets(VaultState storage s) internal view returns (uint16[] memory t) {
        uint256 n = s.holdings.length;
        t = new uint16[](n);
        for (uint256 i; i < n; ++i) {
            t[i] = s.holdings[i].targetBps;
        }
    }
}
