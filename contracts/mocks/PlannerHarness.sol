// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RebalancePlanner} from "../libraries/RebalancePlanner.sol";

/// @notice Exposes the planner to the TypeScript tests that hold the simulator's port equal to it.
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
}
