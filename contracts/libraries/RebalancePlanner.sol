// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {BasketMath} from "./BasketMath.sol";

/// @title RebalancePlanner
/// @notice Plans the trades that bring a basket back toward its target weights, from each holding's
/// value in base units (index 0 is the base asset, the hub every other token trades against).
///
/// The plan:
/// - moves every holding toward its target and never past it, so no holding's gap grows and the
///   basket's drift (its largest gap) never increases;
/// - lands where it says: with no cap binding, every holding, the base asset included, ends within
///   `residualBps` of NAV of its target (or within the band, for one the plan leaves alone), so the
///   drift the trigger measures is at most max(residual, band) after it. Each out-of-band token must
///   move to `residualBps` short of its target (0: to it), unless its target is zero (then it is sold
///   whole); the side that must move less then moves more, from what its holdings may still move toward
///   their targets, the base asset first (it needs no swap of its own), then the cheapest routes;
/// - trades the tokens whose gap is at least `bandBps` of NAV ("out of band"), and every token other
///   than the base asset whose target is zero, whatever it holds (so that a holding being wound down,
///   or one donated to it, is sold). A token inside the band is traded only when the out-of-band
///   tokens cannot be balanced otherwise; what cannot be balanced (caps) scales the larger side down;
/// - caps what each token (other than the base asset) trades at its own cap, so that a large
///   rebalance is done in slices;
/// - matches a seller directly with a buyer when a direct route between the two exists (one swap
///   instead of two through the base asset), then sells the rest to the base asset and buys the rest
///   with it. Every trade exhausts a seller or a buyer, so there are at most `n - 1` trades.
library RebalancePlanner {
    /// @notice Trades of at most this many millionths of NAV are rounding dust and are not made.
    uint256 internal constant DUST_PPM = 1;

    /// @notice Sell `value` (base units at oracle prices) of holding `from` for holding `to`.
    struct Trade {
        uint256 from;
        uint256 to;
        uint256 value;
    }

    /// @param values Each holding's value in base units; index 0 is the base asset. Their sum times 10,000
    /// fits 256 bits (a larger basket panics; the vault's drift, measured before, panics first).
    /// @param targetsBps Target weights, same order, summing to 10,000.
    /// @param pairMasks Bit `j` of `pairMasks[i]` is set when a direct route between holdings `i` and
    /// `j` (both other than the base asset) exists.
    /// @param bandBps Gap, in basis points of NAV, from which a holding is out of band.
    /// @param residualBps Gap, in basis points of NAV, that a trade leaves an out-of-band holding with.
    /// @param caps Largest value (base units) each token other than the base asset trades; `caps[0]`
    /// is ignored (the base asset funds or absorbs the sum of the others).
    /// @param costs What trading each holding costs (its route's fees, in any unit; the base asset's is
    /// ignored: it needs no swap of its own). The side that must move more is balanced from the cheapest
    /// holdings first (ties in basket order).
    /// @return trades The trades, at most `n - 1`.
    /// @return limited Whether a cap stopped the plan short of its return point (a holding that must move
    /// more than its cap, or sides that could not be balanced within the caps): false means every holding
    /// lands where the residual and the band say.
    function plan(
        uint256[] memory values,
        uint16[] memory targetsBps,
        uint256[] memory pairMasks,
        uint256 bandBps,
        uint256 residualBps,
        uint256[] memory caps,
        uint256[] memory costs
    ) internal pure returns (Trade[] memory trades, bool limited) {
        uint256 n = values.length;
        uint256 total;
        for (uint256 i; i < n; ++i) {
            total += values[i];
        }
        if (total == 0) return (new Trade[](0), false);

        Flows memory f =
            _flows(values, targetsBps, total, bandBps, total * residualBps / BasketMath.BPS, caps);
        // Balance the two sides from the spare of the short side's holdings, base asset first.
        if (f.supply > f.demand) {
            f.demand += _fill(f, f.buys, costs, false, f.supply - f.demand);
        } else if (f.demand > f.supply) {
            f.supply += _fill(f, f.sells, costs, true, f.demand - f.supply);
        }
        // Whatever still does not balance, the larger side gives up pro rata; the other gives up what
        // the scaling rounded away, so that the two sides match to the unit and the base asset, which
        // funds or absorbs the difference, moves exactly as planned.
        // Without caps the spare covers the difference but for the targets' rounding (a unit per holding):
        // the two sides' gaps are equal.
        uint256 unbalanced = f.supply > f.demand ? f.supply - f.demand : f.demand - f.supply;
        limited = f.limited || unbalanced > n;
        if (f.supply > f.demand) _trim(f.buys, f.demand - _scale(f.sells, f.demand, f.supply));
        else if (f.demand > f.supply) _trim(f.sells, f.supply - _scale(f.buys, f.supply, f.demand));
        return (_route(f.sells, f.buys, pairMasks, total), limited);
    }

    /// @dev What each holding must sell or buy (base units), capped: out-of-band holdings to the residual
    /// in `sells`/`buys` (and their totals); what each may still move toward its target in `spare` (an
    /// in-band holding's whole gap, an out-of-band one's residual).
    struct Flows {
        uint256[] sells;
        uint256[] buys;
        uint256[] spare;
        /// Bit `i` set: holding `i` stands above its target.
        uint256 overweight;
        uint256 supply;
        uint256 demand;
        /// Whether a cap stopped a holding short of where it must go.
        bool limited;
    }

    function _flows(
        uint256[] memory values,
        uint16[] memory targetsBps,
        uint256 total,
        uint256 bandBps,
        uint256 residual,
        uint256[] memory caps
    ) private pure returns (Flows memory f) {
        uint256 n = values.length;
        f.sells = new uint256[](n);
        f.buys = new uint256[](n);
        f.spare = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            uint256 target = total * targetsBps[i] / BasketMath.BPS;
            bool over = values[i] > target;
            uint256 gap = over ? values[i] - target : target - values[i];
            if (over) f.overweight |= 1 << i;
            // The base asset is the hub: what it funds or absorbs is the sum of the other trades.
            uint256 want = i == 0 ? gap : Math.min(gap, caps[i]);
            bool windingDown = i != 0 && targetsBps[i] == 0;
            if (!windingDown && gap * BasketMath.BPS < bandBps * total) {
                f.spare[i] = want;
                continue;
            }
            // Out of band: stop `residual` short of the target (a holding wound down goes to zero). What the
            // residual leaves is spare: the short side draws on it, so that the holdings across from it (the
            // base asset above all, which mirrors the rest) also end within the residual.
            uint256 need = windingDown ? gap : gap > residual ? gap - residual : 0;
            if (want < need) f.limited = true;
            if (!windingDown) {
                uint256 must = Math.min(want, need);
                f.spare[i] = want - must;
                want = must;
            }
            if (over) {
                f.sells[i] = want;
                f.supply += want;
            } else {
                f.buys[i] = want;
                f.demand += want;
            }
        }
    }

    /// @dev Adds up to `needed` to `side` from the spare of holdings that are overweight
    /// (`wantOverweight`) or underweight: the base asset first (no swap of its own), then the others by
    /// ascending cost, ties in basket order. Returns what it added.
    function _fill(Flows memory f, uint256[] memory side, uint256[] memory costs, bool wantOverweight, uint256 needed)
        private
        pure
        returns (uint256 added)
    {
        uint256 used;
        while (needed != 0) {
            uint256 next = type(uint256).max;
            for (uint256 i; i < side.length; ++i) {
                if ((used >> i) & 1 != 0 || f.spare[i] == 0 || ((f.overweight >> i) & 1 != 0) != wantOverweight) {
                    continue;
                }
                if (next == type(uint256).max || (next != 0 && (i == 0 || costs[i] < costs[next]))) next = i;
            }
            if (next == type(uint256).max) break;
            used |= 1 << next;
            uint256 take = Math.min(f.spare[next], needed);
            side[next] += take;
            added += take;
            needed -= take;
        }
    }

    /// @dev Scales every entry by `num / den` (< 1), rounding down: the scaled side never exceeds the
    /// other. Returns the scaled side's sum.
    function _scale(uint256[] memory side, uint256 num, uint256 den) private pure returns (uint256 sum) {
        for (uint256 i; i < side.length; ++i) {
            if (side[i] != 0) side[i] = Math.mulDiv(side[i], num, den);
            sum += side[i];
        }
    }

    /// @dev Takes `excess` (a few units of rounding) off `side`, from the base asset's entry first (no
    /// swap), then from the others in order.
    function _trim(uint256[] memory side, uint256 excess) private pure {
        for (uint256 i; i < side.length && excess != 0; ++i) {
            uint256 cut = Math.min(side[i], excess);
            side[i] -= cut;
            excess -= cut;
        }
    }

    /// @dev Sets `t` (an entry of the array `_route` allocates, rather than a second struct).
    function _set(Trade memory t, uint256 from, uint256 to, uint256 value) private pure {
        (t.from, t.to, t.value) = (from, to, value);
    }

    /// @dev Turns flows into trades: direct seller-to-buyer where a route exists, the rest through
    /// the base asset, sells before buys. Drops amounts of at most DUST_PPM of NAV (rounding dust that
    /// would cost a swap's gas for nothing); a dropped sale's value is taken off the buys, so that the
    /// buys never spend more of the base asset than the vault's own funding and the sales bring.
    function _route(uint256[] memory sells, uint256[] memory buys, uint256[] memory pairMasks, uint256 total)
        private
        pure
        returns (Trade[] memory trades)
    {
        uint256 n = sells.length;
        uint256 dust = total * DUST_PPM / 1_000_000;
        trades = new Trade[](n);
        uint256 k;
        // What sellers would have brought the base asset but, as dust, do not: the buys give it up, so
        // that they never spend base asset the sells did not bring.
        uint256 unfunded;
        for (uint256 i = 1; i < n; ++i) {
            if (sells[i] <= dust) {
                unfunded += sells[i];
                continue;
            }
            for (uint256 j = 1; pairMasks[i] != 0 && j < n && sells[i] != 0; ++j) {
                if (buys[j] <= dust || (pairMasks[i] >> j) & 1 == 0) continue;
                uint256 v = Math.min(sells[i], buys[j]);
                _set(trades[k++], i, j, v);
                sells[i] -= v;
                buys[j] -= v;
            }
            if (sells[i] > dust) _set(trades[k++], i, 0, sells[i]);
            else unfunded += sells[i];
        }
        for (uint256 j = 1; j < n; ++j) {
            uint256 cut = Math.min(buys[j], unfunded);
            unfunded -= cut;
            if (buys[j] - cut > dust) _set(trades[k++], 0, j, buys[j] - cut);
        }
        // Every trade above exhausted a seller or a buyer (or was dust), and sellers and buyers are
        // distinct holdings other than the base asset: k <= n - 1 < n. Trim the array to k.
        assembly ("memory-safe") {
            mstore(trades, k)
        }
    }
}
