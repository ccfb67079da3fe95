// Recommendation: among the policies the vault (and its keeper) can run, the one that removes
// tracking error most cheaply, within a tracking-error budget, with its parameters written as
// deploy/parameters files write them.
import type { Settings } from "./engine.js";
import type { Basket, PathOptions } from "./market.js";
import { SHIPPED_TERMS, type AuctionTerms } from "./auctions.js";
import { buyAndHold, calendar, costAware, derivedReturn, hybrid, threshold, volThreshold, withAuctions, type Policy } from "./policies.js";
import { simulate, type PolicySummary } from "./simulate.js";
import { costAt } from "./sweep.js";

/** The candidates: policies the contract's parameters (or the keeper's --max-cost-bps) express. */
export function candidates(terms: AuctionTerms = SHIPPED_TERMS): Policy[] {
  const list: Policy[] = [buyAndHold()];
  for (const days of [1, 7, 30]) list.push(calendar(days));
  for (const bps of [100, 200, 300, 500, 750, 1000, 1500, 2000]) {
    for (const slice of [0.05, 0.1, 0.25, 1]) list.push(threshold(bps, slice, Math.min(100, bps)));
    // Partial rebalances: back to a quarter of the threshold, half of it, three quarters of it.
    for (const part of [0.25, 0.5, 0.75]) list.push(threshold(bps, 1, Math.min(100, bps), Math.round(bps * part)));
    // Back to the return point the vault derives from its size, gas and routes, free between the band and the threshold.
    list.push(derivedReturn(bps, 1, Math.min(100, bps)));
  }
  for (const [days, min] of [[1, 100], [7, 100], [7, 300], [30, 100], [30, 300]]) list.push(hybrid(days, min));
  for (const [min, maxCost] of [[100, 50], [100, 100], [300, 50]]) list.push(costAware(min, maxCost));
  // Execution by Dutch auction, or slices then an auction (ExecutionMode 2 and 1), on the partial rules.
  for (const bps of [300, 500, 1000]) {
    for (const part of [0.25, 0.5]) {
      for (const mode of ["auctions", "hybrid"] as const) list.push(withAuctions(threshold(bps, 1, 100, Math.round(bps * part)), mode, terms));
    }
  }
  // Other terms, on one rule: a shallower floor (half the premium and discount), and half the duration.
  for (const other of [{ ...terms, premium: terms.premium / 2, maxDiscount: terms.maxDiscount / 2 }, { ...terms, durationHours: terms.durationHours / 2 }]) {
    for (const mode of ["auctions", "hybrid"] as const) list.push(withAuctions(threshold(500, 1, 100, 125), mode, other));
  }
  // The vault's volatility-scaled threshold, over histories a pool can keep (hours, not days).
  for (const base of [300, 500, 750]) {
    for (const [hours, intervals] of [[1, 8], [1, 24], [4, 6]]) list.push(volThreshold(base, 6_000, hours, intervals, Math.round(base / 2), base * 3));
  }
  return list;
}

export interface Recommendation {
  best: PolicySummary | null;
  /** Cost (basis points of NAV per year) per basis point of tracking error removed, against buy-and-hold. */
  score: number;
  ranked: { name: string; trackingErrorBps: number; costBpsPerYear: number; score: number; feasible: boolean }[];
  parameters: Record<string, number | boolean> | null;
  /** Parameters set through governance after deployment (the volatility-scaled threshold's). */
  governance: Record<string, number> | null;
  keeper: string | null;
  /**
   * The best trading back to target (thresholds with no return point, by slices) costs at the
   * recommendation's tracking error (bps a year, off their lower convex hull; null: none tracks as
   * well), and the recommendation's cost as a share of it.
   */
  againstToTarget: { costBpsPerYear: number | null; share: number | null };
}

export function recommend(
  basket: Basket,
  paths: PathOptions,
  pathCount: number,
  settings: Settings,
  maxTrackingErrorBps: number,
  terms: AuctionTerms = SHIPPED_TERMS,
): Recommendation {
  const policies = candidates(terms);
  const result = simulate({ basket, paths, pathCount, settings, policies });
  const hold = result.policies.find((p) => p.kind === "buy-and-hold")!;
  const ranked = result.policies
    .filter((p) => p.kind !== "buy-and-hold")
    .map((p) => {
      const removed = hold.trackingErrorBps.mean - p.trackingErrorBps.mean;
      return {
        summary: p,
        name: p.name,
        trackingErrorBps: p.trackingErrorBps.mean,
        costBpsPerYear: p.costBpsPerYear.mean,
        score: removed > 0 ? p.costBpsPerYear.mean / removed : Infinity,
        feasible: p.trackingErrorBps.mean <= maxTrackingErrorBps,
      };
    })
    .sort((a, b) => Number(b.feasible) - Number(a.feasible) || a.score - b.score);
  const top = ranked[0]?.feasible ? ranked[0] : undefined;
  const policy = top === undefined ? undefined : policies.find((p) => p.name === top.name);
  const toTarget =
    top === undefined
      ? null
      : costAt(
          result.policies
            .filter((p) => p.kind === "threshold" && p.params.residualBps === 0 && p.params.ceilingBps === undefined && p.execution === undefined)
            .map((p) => [p.trackingErrorBps.mean, p.costBpsPerYear.mean] as [number, number]),
          top.trackingErrorBps,
        );
  return {
    againstToTarget: { costBpsPerYear: toTarget, share: toTarget === null || top === undefined || toTarget === 0 ? null : top.costBpsPerYear / toTarget },
    best: top?.summary ?? null,
    score: top?.score ?? Infinity,
    ranked: ranked.map(({ summary: _s, ...r }) => r),
    parameters: policy === undefined ? null : contractParameters(policy, paths.stepHours),
    governance: policy === undefined ? null : governanceParameters(policy),
    keeper: policy?.kind === "cost-aware" ? `keeper run --max-cost-bps ${policy.params.maxCostBps}` : null,
  };
}

/** Parameters governance sets after deployment (the timelock's `gov propose-parameter`) to run `policy`; null: none. */
export function governanceParameters(policy: Policy): Record<string, number> | null {
  const out: Record<string, number> = {};
  if (policy.residualCeiling !== undefined) out.ResidualCeilingBps = Math.round(policy.residualCeiling * 10_000);
  if (policy.kind === "vol-threshold") {
    Object.assign(out, {
      VolReferenceBps: policy.params.referenceBps,
      VolMinThresholdBps: policy.params.minBps,
      VolMaxThresholdBps: policy.params.maxBps,
      VolIntervalSeconds: policy.params.intervalHours * 3600,
      VolIntervals: policy.params.intervals,
    });
  }
  const execution = policy.execution;
  if (execution !== undefined) {
    Object.assign(out, {
      ExecutionMode: execution.mode === "auctions" ? 2 : 1,
      AuctionPremiumBps: Math.round(execution.terms.premium * 10_000),
      AuctionMaxDiscountBps: Math.round(execution.terms.maxDiscount * 10_000),
      AuctionDurationSeconds: Math.round(execution.terms.durationHours * 3600),
    });
  }
  return Object.keys(out).length === 0 ? null : out;
}

/** The vault's parameters (as in deploy/parameters/*.json5) that run `policy`. */
export function contractParameters(policy: Policy, stepHours: number): Record<string, number | boolean> {
  // Not the strategy's to choose, but the vault needs them: the shipped files' values.
  const common = { maxSlippageBps: 100, maxSpotDeviationBps: 200, cooldownSeconds: Math.max(60, stepHours * 3600), pauseSeconds: 259_200, lastRebalanceAt: 0, residualDriftBps: 0, lastRebalanceUnfinished: false };
  const maxTradeBps = Math.round(policy.maxTrade * 10_000);
  switch (policy.kind) {
    case "vol-threshold":
      return { ...common, driftThresholdBps: policy.params.baseBps, minDriftBps: 100, rebalanceIntervalSeconds: 0, maxTradeBps };
    case "threshold":
      return { ...common, driftThresholdBps: policy.params.bps, minDriftBps: Math.max(1, Math.round(policy.band * 10_000)), rebalanceIntervalSeconds: 0, maxTradeBps, residualDriftBps: policy.params.residualBps };
    case "calendar":
      return { driftThresholdBps: 0, minDriftBps: 1, rebalanceIntervalSeconds: policy.params.days * 86_400, maxTradeBps, ...common };
    case "hybrid":
      return { driftThresholdBps: 0, minDriftBps: policy.params.minDriftBps, rebalanceIntervalSeconds: policy.params.days * 86_400, maxTradeBps, ...common };
    case "cost-aware":
      return { driftThresholdBps: policy.params.minDriftBps, minDriftBps: Math.min(100, policy.params.minDriftBps), rebalanceIntervalSeconds: 0, maxTradeBps, ...common };
    default:
      throw new Error(`${policy.name} has no contract parameters`);
  }
}
