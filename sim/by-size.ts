// Time back to target and its cost, by vault size, for each execution mode: what
// `npm run auctions:by-size` measures on the local market, in the simulator's model. A vault at its
// targets sees governance move `shift` of NAV of target from WETH to WBTC; prices hold still; the keeper
// checks every hour with a trigger under the on-target line, so it keeps trading until it is back.
import { runPolicy, BACK_ON_TARGET, type Settings } from "./engine.js";
import type { Basket } from "./market.js";
import { threshold, withAuctions } from "./policies.js";
import type { AuctionTerms } from "./auctions.js";

export const EXECUTION_MODES = ["slices", "auctions", "hybrid"] as const;
export type ExecutionModeName = (typeof EXECUTION_MODES)[number];

export interface RestoreRow {
  navUsd: number;
  mode: ExecutionModeName;
  /** Hours from the first check to drift under BACK_ON_TARGET; null: not within `hours`. */
  hours: number | null;
  /** Drift at the end, basis points. */
  driftAfterBps: number;
  /** Value traded (a sale and the purchase it pays for count twice on the slices' path through the base asset). */
  movedUsd: number;
  /** Everything it cost (fees, impact, gas, auctions' discounts), in bps of the value to put back (shift × NAV). */
  costBps: number;
  rebalances: number;
  auctions: number;
  fills: number;
}

export function restoreAfterDrift(
  basket: Basket,
  settings: Omit<Settings, "navUsd" | "startWeights" | "stepHours">,
  navUsd: number,
  mode: ExecutionModeName,
  terms: AuctionTerms,
  options: { shift?: number; hours?: number } = {},
): RestoreRow {
  const shift = options.shift ?? 0.1;
  const hours = options.hours ?? 96;
  const [from, to] = [1, 2];
  const targets = [...basket.targets];
  targets[from] -= shift;
  targets[to] += shift;
  const moved: Basket = { ...basket, targets };
  const path = { prices: basket.tokens.map(() => new Float64Array(hours + 1).fill(1)) };
  // A trigger under the on-target line, a return point at half of it (the contract's ResidualDriftBps).
  const trigger = threshold(BACK_ON_TARGET * 10_000 * 0.8, 1, 0, BACK_ON_TARGET * 10_000 * 0.5);
  const policy = mode === "slices" ? trigger : withAuctions(trigger, mode, terms);
  const r = runPolicy(moved, path, policy, { ...settings, navUsd, stepHours: 1, startWeights: basket.targets });
  const years = hours / (24 * 365);
  return {
    navUsd,
    mode,
    hours: r.hoursBackToTarget,
    driftAfterBps: r.driftsAfterBps.at(-1) ?? shift * 10_000,
    movedUsd: r.turnover * navUsd * years,
    costBps: (r.costs.total / (shift * navUsd)) * 10_000,
    rebalances: r.rebalances,
    auctions: r.auctions,
    fills: r.fills,
  };
}
