// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";

/// @title ValuationLogic
/// @notice The part of `Valuation.bounds` that runs only when the oracle refuses a holding: linked into
/// the vault (and the libraries that value it), so that the vault's own code carries the common path only.
library ValuationLogic {
    /// @notice A holding worth at most this many basis points of the rest of NAV cannot stop entries and
    /// exits: while the oracle refuses its bounds, it counts at the higher of its primary reference and the
    /// market's current price for entries and at nothing for exits (see `bounds`).
    uint256 public constant DUST_BPS = 1;

    /// @notice `Valuation.bounds` holding by holding, once the oracle has refused the basket (`tokens`, held
    /// in `amounts`, the base asset first) as a whole: which holding it refuses, and whether all it refuses
    /// are dust. External, so that the vault carries only the common path: it runs in the vault's context
    /// (a library call) when a price is refused. (`oracle` is an address: a contract type in an external
    /// library function's ABI is a type name that ABI tools cannot read.)
    function boundsEach(address oracle, bool strict, address[] calldata tokens, uint256[] calldata amounts)
        external
        view
        returns (bool, uint256 low, uint256 high)
    {
        (low, high) = (amounts[0], amounts[0]);
        bytes memory refused;
        uint256 dust;
        for (uint256 i = 1; i < tokens.length; ++i) {
            if (amounts[i] == 0) continue; // holdings of nothing are not priced
            try IPriceOracle(oracle).quoteBounds(tokens[i], amounts[i]) returns (uint256 lowest, uint256 highest) {
                (low, high) = (low + lowest, high + highest);
            } catch (bytes memory reason) {
                if (refused.length == 0) refused = reason;
                // Not even its primary reference answers: no value to bound it by.
                try IPriceOracle(oracle).quote(tokens[i], amounts[i]) returns (uint256 value) {
                    dust += value;
                    // Entries pay the current price where it stands higher: an entrant after a real rise
                    // would otherwise buy the dust at its lagging reference and take it out at the market.
                    high += Math.max(value, IPriceOracle(oracle).quoteSpot(tokens[i], amounts[i]));
                } catch {
                    reraiseIfStrict(strict, refused);
                    return (false, 0, 0);
                }
            }
        }
        // (Every holding may answer on its own, from an oracle without the sum: then they count as they answered.)
        if (refused.length != 0 && dust > Math.mulDiv(low, DUST_BPS, 10_000)) {
            reraiseIfStrict(strict, refused);
            return (false, 0, 0);
        }
        return (true, low, high);
    }

    /// @notice Re-raises an oracle's error `reason` as it was when `strict`; returns otherwise (the caller
    /// then answers that the valuation failed). Shared with `Valuation`.
    function reraiseIfStrict(bool strict, bytes memory reason) internal pure {
        if (strict) {
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason))
            }
        }
    }
}
