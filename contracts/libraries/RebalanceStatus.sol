// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";
import {VaultState} from "../types/VaultState.sol";
import {BasketMath} from "./BasketMath.sol";
import {RebalanceLogic} from "./RebalanceLogic.sol";
import {Valuation} from "./Valuation.sol";

/// @title RebalanceStatus
/// @notice The keeper's views: whether a rebalance is due, why, when it may run and where it would stop,
/// by the same rules `rebalance()` applies (RebalanceLogic's, compiled in here), in the vault's context
/// (DELEGATECALL), apart from the trading so that both stay within the contract size limit.
library RebalanceStatus {
    /// @notice See {IRebalancingVault-rebalanceStatus}; `trigger` is the `Trigger`'s number (an enum in
    /// an external library function's ABI is a type name that ABI tools cannot read). Not due, drift 0,
    /// while the oracle cannot price a holding.
    function status(VaultState storage s, bool paused)
        external
        view
        returns (
            bool due,
            uint8 trigger,
            uint256 drift,
            uint256 ready,
            uint256 thresholdBps,
            uint256 volatilityBps,
            uint256 returnPointBps
        )
    {
        return _status(s, paused);
    }

    /// @notice See {IRebalancingVault-rebalanceTrigger}: due, and a plan that has trades and passes its
    /// checks now (a pushed pool or unsettled prices would make the call revert).
    function executable(VaultState storage s, bool paused) external view returns (bool) {
        (bool due,,,,,,) = _status(s, paused);
        if (!due) return false;
        try IRebalancingVault(address(this)).previewRebalance() returns (IRebalancingVault.Trade[] memory trades) {
            return trades.length != 0;
        } catch {
            return false;
        }
    }

    function _status(VaultState storage s, bool paused)
        private
        view
        returns (
            bool due,
            uint8 trigger,
            uint256 drift,
            uint256 ready,
            uint256 thresholdBps,
            uint256 volatilityBps,
            uint256 returnPointBps
        )
    {
        IRebalancingVault.Parameters memory p = s.params;
        ready = RebalanceLogic.readyAt(p);
        (thresholdBps, volatilityBps) = RebalanceLogic.effectiveThreshold(s, p);
        bool ok;
        (ok, drift) = _driftAiming(s, p, thresholdBps);
        returnPointBps = Math.max(p.residualDriftBps, p.minDriftBps);
        if (!ok) return (false, 0, 0, ready, thresholdBps, volatilityBps, returnPointBps);
        IRebalancingVault.Trigger fired = RebalanceLogic.firedTrigger(p, drift, thresholdBps);
        due = fired != IRebalancingVault.Trigger.None && block.timestamp >= ready && !paused
            && s.triggers.executionMode != uint8(IRebalancingVault.ExecutionMode.Auctions);
        trigger = uint8(fired);
    }

    /// @dev The basket's drift, with `p`'s residual set to the return point (see RebalanceLogic.returnPoint); false, and
    /// `p` as it was, while the oracle cannot price a holding.
    function _driftAiming(
        VaultState storage s,
        IRebalancingVault.Parameters memory p,
        uint256 thresholdBps
    ) private view returns (bool ok, uint256 drift) {
        uint256[] memory values;
        uint256 nav;
        (ok,, values, nav) = Valuation.values(s, false);
        if (!ok) return (false, 0);
        p.residualDriftBps = uint16(RebalanceLogic.returnPoint(s, p, thresholdBps, nav));
        drift = BasketMath.driftBps(values, Valuation.targets(s), nav);
    }
}
