// Strategy by vault size and network: for each NAV and gas price, what a trigger with a return point
// costs against trading all the way back to target, at equal tracking error.
import type { CostModel } from "./costs.js";
import type { Settings } from "./engine.js";
import type { Basket, PathOptions } from "./market.js";
import { derivedReturn, threshold, type Policy } from "./policies.js";
import { simulate } from "./simulate.js";

export const SWEEP_NAVS = [1e5, 1e6, 1e7, 1e8];

export interface Network {
  name: string;
  gasPriceGwei: number;
  /** Pools this many times deeper than the basket's (1: as the basket says). */
  depthScale: number;
}

export const SWEEP_NETWORKS: Network[] = [
  { name: "5 gwei", gasPriceGwei: 5, depthScale: 1 },
  { name: "20 gwei", gasPriceGwei: 20, depthScale: 1 },
  { name: "50 gwei", gasPriceGwei: 50, depthScale: 1 },
  { name: "L2 (0.05 gwei)", gasPriceGwei: 0.05, depthScale: 1 },
  { name: "20 gwei, pools 10x deeper", gasPriceGwei: 20, depthScale: 10 },
];

/** The triggers searched, bps; each with return points at 0 (to target), a quarter, half and three quarters of it. */
const TRIGGERS = [100, 150, 200, 300, 400, 500, 750, 1000, 1500];
const PARTS = [0, 0.25, 0.5, 0.75];

export function sweepPolicies(): Policy[] {
  return [
    ...TRIGGERS.flatMap((bps) => PARTS.map((part) => threshold(bps, 1, Math.min(100, bps), Math.round(bps * part)))),
    // The return point the vault derives, left free between the band and the threshold: one setting for every
    // size and network, the trigger alone choosing the tracking error.
    ...TRIGGERS.map((bps) => derivedReturn(bps, 1, Math.min(100, bps))),
  ];
}

/**
 * The least cost (bps a year) at tracking error `te` (bps) on the lower convex hull of `points`
 * ([tracking error, cost]): between two policies of the hull, the line joining them; null when every
 * policy tracks worse than `te`.
 */
export function costAt(points: [number, number][], te: number): number | null {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  // The efficient ones: each cheaper than every policy that tracks better.
  const efficient = sorted.filter((p, i) => sorted.slice(0, i).every((q) => q[1] > p[1]));
  // Their lower convex hull (monotone chain: keep left turns only).
  const hull: [number, number][] = [];
  for (const p of efficient) {
    while (hull.length >= 2) {
      const [a, b] = [hull[hull.length - 2], hull[hull.length - 1]];
      if ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) <= 0) hull.pop();
      else break;
    }
    hull.push(p);
  }
  if (hull.length === 0 || hull[0][0] > te) return null;
  for (let i = 1; i < hull.length; i++) {
    const [a, b] = [hull[i - 1], hull[i]];
    if (te <= b[0]) return a[1] + ((b[1] - a[1]) * (te - a[0])) / (b[0] - a[0]);
  }
  return hull[hull.length - 1][1];
}

export interface SweepCell {
  navUsd: number;
  network: string;
  /** Cost a year at the tracking error asked, bps of NAV: trading to target, and with a fixed return point allowed. */
  toTargetBps: number | null;
  returnPointBps: number | null;
  /** returnPointBps / toTargetBps. */
  share: number | null;
  /** The same with the return point the vault derives (ResidualCeilingBps), and its share of toTargetBps. */
  derivedBps: number | null;
  derivedShare: number | null;
  /** The cheapest single policy within the tracking error. */
  best: string | null;
}

/** One cell of the sweep; `poolBudgets` false lets a rebalance trade past its pools' budgets (not what the vault does: for comparison). */
export function sweepCell(
  basket: Basket,
  paths: PathOptions,
  pathCount: number,
  navUsd: number,
  network: Network,
  gas: Omit<CostModel, "gasPriceGwei" | "nativePriceUsd">,
  nativePriceUsd: number,
  trackingBps: number,
  poolBudgets = true,
): SweepCell {
  const deep: Basket = { ...basket, tokens: basket.tokens.map((t) => ({ ...t, depthUsd: t.depthUsd * network.depthScale })) };
  const settings: Settings = { navUsd, stepHours: paths.stepHours, costs: { ...gas, gasPriceGwei: network.gasPriceGwei, nativePriceUsd }, poolBudgets };
  const r = simulate({ basket: deep, paths, pathCount, settings, policies: sweepPolicies() });
  const point = (p: (typeof r.policies)[number]): [number, number] => [p.trackingErrorBps.mean, p.costBpsPerYear.mean];
  const fixed = r.policies.filter((p) => p.params.ceilingBps === undefined);
  const toTarget = costAt(fixed.filter((p) => p.params.residualBps === 0).map(point), trackingBps);
  const withReturn = costAt(fixed.map(point), trackingBps);
  const derived = costAt(r.policies.filter((p) => p.params.ceilingBps !== undefined).map(point), trackingBps);
  const within = r.policies.filter((p) => p.trackingErrorBps.mean <= trackingBps).sort((a, b) => a.costBpsPerYear.mean - b.costBpsPerYear.mean);
  const share = (x: number | null) => (toTarget === null || x === null || toTarget === 0 ? null : x / toTarget);
  return {
    navUsd,
    network: network.name,
    toTargetBps: toTarget,
    returnPointBps: withReturn,
    share: share(withReturn),
    derivedBps: derived,
    derivedShare: share(derived),
    best: within[0]?.name ?? null,
  };
}
