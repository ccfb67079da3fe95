// Runs every policy over the same price paths and sums up what each did, path by path and on
// average (with the standard error of each mean).
import { runPolicy, type RunResult, type Settings } from "./engine.js";
import { generatePaths, theoreticalExcessGrowth, type Basket, type PathOptions } from "./market.js";
import type { Policy } from "./policies.js";

export interface Stat {
  mean: number;
  stderr: number;
}

export function stat(xs: number[]): Stat {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return { mean, stderr: 0 };
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, stderr: Math.sqrt(variance / xs.length) };
}

export interface PolicySummary {
  name: string;
  kind: Policy["kind"];
  params: Record<string, number>;
  /** How its rebalances execute (absent: slices only). */
  execution?: NonNullable<Policy["execution"]>["mode"];
  /** Time-averaged drift, basis points. */
  trackingErrorBps: Stat;
  /** Return-based tracking error against the exact target mix, annualised, basis points. */
  returnTrackingErrorBps: Stat;
  /** Turnover per year, multiple of NAV. */
  turnover: Stat;
  /** Total cost (gas, fees, impact) per year, basis points of the starting NAV. */
  costBpsPerYear: Stat;
  /** Per path, USD: pool fees, price impact, gas, auctions' discounts to fillers, and their sum. */
  costUsd: { fees: number; impact: number; gas: number; discount: number; total: number };
  rebalancesPerYear: Stat;
  /** Auctions opened, and their fills, per year (0 for a policy that trades by slices only). */
  auctionsPerYear: Stat;
  fillsPerYear: Stat;
  /** Where the rebalances land: the drift each left right after its trades, basis points, over every path. */
  driftAfterBps: { median: number; p90: number };
  terminalValue: Stat;
  /** Annualised log growth, basis points. */
  growthBps: Stat;
  /** Growth over buy-and-hold on the same path, basis points per year: the rebalancing premium, net of costs. */
  premiumBps: Stat;
  /** Growth over the target-weighted average of the tokens' growth, basis points per year. */
  excessGrowthBps: Stat;
  /** The fees per year, basis points of the starting NAV (0 without fees). */
  feeBpsPerYear: Stat;
  /** The depositors' growth net of fees over buy-and-hold of the tokens (which pays none), bps a year. */
  netPremiumBps: Stat;
  maxDrawdown: Stat;
  worstDrawdown: number;
}

export interface SimulationConfig {
  basket: Basket;
  paths: PathOptions;
  pathCount: number;
  settings: Settings;
  policies: Policy[];
}

export interface SimulationResult {
  config: { paths: PathOptions; pathCount: number; navUsd: number; costs: Settings["costs"]; fees: Settings["fees"]; basket: Basket };
  /** ½(Σ wᵢσᵢ² − wᵀΣw), basis points per year, at the targets. */
  theoryExcessGrowthBps: number;
  policies: PolicySummary[];
  /** NAV per day on the first path, per policy: for the chart. */
  samplePath: Record<string, number[]>;
}

/** The median and 90th percentile of `xs` (both 0 when it is empty). */
export function percentiles(xs: number[]): { median: number; p90: number } {
  if (xs.length === 0) return { median: 0, p90: 0 };
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p90: at(0.9) };
}

export function simulate(c: SimulationConfig): SimulationResult {
  const paths = generatePaths(c.basket, c.paths, c.pathCount);
  const years = c.paths.days / 365;
  const runs: RunResult[][] = c.policies.map((policy) => paths.map((path) => runPolicy(c.basket, path, policy, c.settings)));
  const holdIndex = c.policies.findIndex((p) => p.kind === "buy-and-hold");
  const hold = holdIndex >= 0 ? runs[holdIndex] : runs[0].map((r) => ({ ...r, growth: r.weightedTokenGrowth }));
  const policies = c.policies.map((policy, p) => {
    const rs = runs[p];
    const total = (key: keyof RunResult["costs"]) => rs.reduce((a, r) => a + r.costs[key], 0) / rs.length;
    return {
      name: policy.name,
      kind: policy.kind,
      params: policy.params,
      execution: policy.execution?.mode,
      trackingErrorBps: stat(rs.map((r) => r.avgDriftBps)),
      returnTrackingErrorBps: stat(rs.map((r) => r.returnTrackingErrorBps)),
      turnover: stat(rs.map((r) => r.turnover)),
      costBpsPerYear: stat(rs.map((r) => (r.costs.total / c.settings.navUsd / years) * 10_000)),
      costUsd: { fees: total("fees"), impact: total("impact"), gas: total("gas"), discount: total("discount"), total: total("total") },
      rebalancesPerYear: stat(rs.map((r) => r.rebalances / years)),
      auctionsPerYear: stat(rs.map((r) => r.auctions / years)),
      fillsPerYear: stat(rs.map((r) => r.fills / years)),
      // Where the rebalances land: the median (and 90th percentile) of the drift each one left.
      driftAfterBps: percentiles(rs.flatMap((r) => r.driftsAfterBps)),
      terminalValue: stat(rs.map((r) => r.terminalValue)),
      growthBps: stat(rs.map((r) => r.growth * 10_000)),
      premiumBps: stat(rs.map((r, k) => (r.growth - hold[k].growth) * 10_000)),
      excessGrowthBps: stat(rs.map((r) => (r.growth - r.weightedTokenGrowth) * 10_000)),
      feeBpsPerYear: stat(rs.map((r) => ((r.feesUsd.management + r.feesUsd.performance) / c.settings.navUsd / years) * 10_000)),
      netPremiumBps: stat(rs.map((r, k) => (r.netGrowth - hold[k].growth) * 10_000)),
      maxDrawdown: stat(rs.map((r) => r.maxDrawdown)),
      worstDrawdown: Math.max(...rs.map((r) => r.maxDrawdown)),
    };
  });
  return {
    config: { paths: c.paths, pathCount: c.pathCount, navUsd: c.settings.navUsd, costs: c.settings.costs, fees: c.settings.fees, basket: c.basket },
    theoryExcessGrowthBps: theoreticalExcessGrowth(c.basket) * 10_000,
    policies,
    samplePath: Object.fromEntries(c.policies.map((policy, p) => [policy.name, runs[p][0].navDaily])),
  };
}
