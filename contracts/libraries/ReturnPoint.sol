// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IPeripheryImmutableState} from "@uniswap/v3-periphery/contracts/interfaces/IPeripheryImmutableState.sol";

import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";
import {Holding} from "../types/Holding.sol";
import {VaultState} from "../types/VaultState.sol";
import {BasketMath} from "./BasketMath.sol";
import {SwapPath} from "./SwapPath.sol";
import {Valuation} from "./Valuation.sol";

/// @title ReturnPoint
/// @notice Where a rebalance stops, derived from what the vault is and what its trades cost, within
/// governance's bounds (Parameter.ResidualCeilingBps; 0 keeps the fixed return point,
/// max(ResidualDriftBps, MinDriftBps)).
///
/// A rebalance from the threshold `T` back to a return point `R` trades about `(T - R) * NAV` at a
/// proportional cost `c` (its routes' fees) and pays a fixed cost `F` (its gas), and drift, a random walk,
/// comes back to `T` after a time in proportion to `(T - R) * (T + R)`. The cost a unit of time,
/// `c * NAV / (T + R) + F / ((T - R) * (T + R))`, is least where `c * NAV * (T - R)^2 = 2 * R * F`: with
/// `k = F / (c * NAV * T)`, the fixed cost against the proportional cost of trading the whole threshold,
/// `R / T = 1 + k - sqrt(k^2 + 2k) = 1 / (a + sqrt(a^2 - 1))`, `a = 1 + k`. Gas dear against the trade
/// (a small vault, a busy mainnet): `k` large, `R` near 0, trade back to target. Gas cheap (a large vault,
/// an L2): `k` near 0, `R` near `T`, trade only what the threshold requires. The result is held within
/// [max(ResidualDriftBps, MinDriftBps), min(ResidualCeilingBps, T - MinDriftBps)] (the floor wins when they
/// cross): a rebalance always moves drift by MinDriftBps at least.
///
/// The inputs: NAV and `T` (the effective threshold) as the trigger reads them; `c`, the target-weighted
/// mean of each listed token's swap-path fees; `F`, the gas the vault's last rebalance used (plus the
/// transaction's own) at the block's base fee, valued by the oracle as the router's WETH9. Any missing
/// (no rebalance measured yet, a zero threshold, no fees, WETH9 unpriced) gives the floor: the fixed rule.
///
/// What a builder or a pusher can move is when the next rebalance runs and where it stops, within those
/// bounds; never a price: every trade is still bounded by the oracle's references. A base fee pushed up
/// makes `R` lower (the vault trades more, toward governance's floor); a base fee held down makes it
/// higher (it trades less, up to the ceiling, and the threshold brings it back sooner). NAV comes from
/// the oracle's references, as every valuation does.
library ReturnPoint {
    using SwapPath for bytes;

    /// @dev What a transaction costs before it runs a line of the vault (EIP-2028's intrinsic gas).
    uint256 internal constant TX_GAS = 21_000;
    uint256 private constant _WAD = 1e18;
    /// @dev `k` scaled: fees are in pips (millionths) and the threshold in basis points.
    uint256 private constant _K_SCALE = _WAD * 1e6 * BasketMath.BPS;
    /// @dev Beyond this `k` (a trillion) the return point is 0 to within a trillionth of the threshold.
    uint256 private constant _K_MAX = 1e12 * _WAD;

    /// @notice The return point for a threshold `thresholdBps`, a NAV `nav` and a fixed cost `fixedCost`
    /// (both in base units), routes costing `costPips` (millionths of what they trade), within
    /// [`floorBps`, min(`ceilingBps`, `thresholdBps`)] (the floor wins when they cross). The floor when an
    /// input is zero, except the fixed cost: free gas is a real input (trade only what the threshold needs).
    function bps(
        uint256 thresholdBps,
        uint256 floorBps,
        uint256 ceilingBps,
        uint256 nav,
        uint256 fixedCost,
        uint256 costPips
    ) internal pure returns (uint256) {
        if (thresholdBps == 0 || nav == 0 || costPips == 0) return floorBps;
        uint256 kWad = Math.mulDiv(fixedCost, _K_SCALE, costPips * nav * thresholdBps);
        if (kWad >= _K_MAX) return floorBps;
        uint256 a = _WAD + kWad;
        // R / T = 1 / (a + sqrt(a^2 - 1)): no cancellation however large k is. Rounded down: toward target.
        uint256 fractionWad = Math.mulDiv(_WAD, _WAD, a + Math.sqrt(a * a - _WAD * _WAD));
        uint256 r = Math.mulDiv(thresholdBps, fractionWad, _WAD);
        return Math.max(Math.min(r, Math.min(ceilingBps, thresholdBps)), floorBps);
    }

    /// @notice The return point a rebalance aims at now (see the library's notice), in basis points of NAV,
    /// with the rule on (ResidualCeilingBps set). A rebalance its caps cut short carries on, within its
    /// carry-on window (see Trigger.Unfinished), to the point it aimed at, held within today's bounds.
    function current(VaultState storage s, uint256 thresholdBps, uint256 nav) external view returns (uint256) {
        IRebalancingVault.Parameters memory p = s.params;
        uint256 floorBps = Math.max(p.residualDriftBps, p.minDriftBps);
        // A rebalance moves drift by MinDriftBps at least: the ceiling stays that far under the threshold.
        uint256 ceilingBps = thresholdBps - Math.min(thresholdBps, p.minDriftBps);
        ceilingBps = Math.min(s.triggers.residualCeilingBps, ceilingBps);
        if (p.lastRebalanceUnfinished && block.timestamp < uint256(p.lastRebalanceAt) + 2 * p.cooldownSeconds) {
            return Math.max(Math.min(s.triggers.lastReturnPointBps, ceilingBps), floorBps);
        }
        (bool priced, uint256 fixedCost) = _fixedCost(s);
        if (!priced) return floorBps;
        uint256 costPips = _routeCostPips(s);
        return bps(thresholdBps, floorBps, ceilingBps, nav, fixedCost, costPips);
    }

    /// @dev What a rebalance's gas costs at this block's base fee, in base units: the gas the last one used
    /// and the transaction's own, valued by the oracle as the vault's WETH9 (what gas is paid in, read from
    /// the vault itself: this runs in its context). False with none measured yet, or unpriced.
    function _fixedCost(VaultState storage s) private view returns (bool, uint256) {
        uint256 gas = s.triggers.lastRebalanceGas;
        if (gas == 0) return (false, 0);
        address weth = IPeripheryImmutableState(address(this)).WETH9();
        try s.oracle.quote(weth, (gas + TX_GAS) * block.basefee) returns (uint256 value) {
            return (true, value);
        } catch {
            return (false, 0);
        }
    }

    /// @dev The mean of the listed tokens' swap-path fees, in pips, weighted by their targets: what a unit
    /// a rebalance trades pays (the base asset takes the other side of every trade, and needs no swap).
    function _routeCostPips(VaultState storage s) private view returns (uint256) {
        uint256 n = s.holdings.length;
        address base = s.holdings[0].token;
        uint256 weighted;
        uint256 weight;
        for (uint256 i = 1; i < n; ++i) {
            Holding memory h = s.holdings[i];
            if (h.targetBps == 0) continue;
            bytes memory path = Valuation.swapPath(s, h, base);
            uint256 fees;
            uint256 hops = path.hops();
            for (uint256 j; j < hops; ++j) {
                (, uint24 fee,) = path.hop(j);
                fees += fee;
            }
            weighted += fees * h.targetBps;
            weight += h.targetBps;
        }
        return weight == 0 ? 0 : weighted / weight;
    }
}
