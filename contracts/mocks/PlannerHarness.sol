// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RebalancePlanner} from "../libraries/RebalancePlanner.sol";
import {ReturnPoint} from "../libraries/ReturnPoint.sol";

/// @notice Exposes the planner and the return point's rule to the TypeScript tests that hold the simulator's
/// ports equal to them.
contract PlannerHarness {
    function plan(
        uint256[] calldata values,
        uint16[] calldata targetsBps,
        uint256[] calldata pairMasks,
        uint256 bandBps,
        uint256 residualBps,
        uint256[] calldata caps,
        uint256[] calldata costs
    ) external pure returns (RebalancePlanner.Trade[] memory trades, bool limited) {
        return RebalancePlanner.plan(values, targetsBps, pairMasks, bandBps, residualBps, caps, costs);
    }

    function returnPoint(
        uint256 thresholdBps,
        uint256 floorBps,
        uint256 ceilingBps,
        uint256 nav,
        uint256 fixedCost,
        uint256 costPips
    ) external pure returns (uint256) {
        return ReturnPoint.bps(thresholdBps, floorBps, ceilingBps, nav, fixedCost, costPips);
    }
}
