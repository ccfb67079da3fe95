// What a rebalance costs, from the mechanics that make it: the pool's fee, the price impact of the
// trade against the pool's depth (a full-range constant-product pool: a fair first model of a
// Uniswap V3 position), and the gas of the transaction at a gas price.
import { existsSync, readFileSync } from "node:fs";

import type { TokenSpec } from "./market.js";

export interface CostModel {
  gasPriceGwei: number;
  /** The native coin's price in USD (gas is paid in it). */
  nativePriceUsd: number;
  /** Gas of a rebalance: gasBase + gasPerSwap per swap. */
  gasBase: number;
  gasPerSwap: number;
  /** Gas of opening an auction (the vault repays its keeper). */
  gasAuctionOpen: number;
  /** Gas of one fill through Uniswap (the filler pays it): a fill from inventory and the two swaps that source it. */
  gasAuctionFill: number;
}

/**
 * Gas when no benchmark has run: `rebalance()` a fit of the figures in docs/gas.md; the auction's from
 * bench/gas-snapshot.json at 4 tokens (open() 285,265; a fill from inventory 314,132 plus two bare swaps
 * of 125,993).
 */
export const DEFAULT_GAS = { gasBase: 74_000, gasPerSwap: 183_000, gasAuctionOpen: 285_265, gasAuctionFill: 566_118 };

export const DEFAULT_COSTS: CostModel = { gasPriceGwei: 20, nativePriceUsd: 3000, ...DEFAULT_GAS };

/** The pool fee and the price impact, in USD, of selling (or buying) `valueUsd` of `token` against the base asset. */
export function swapCost(valueUsd: number, token: TokenSpec): { fee: number; impact: number } {
  const fee = valueUsd * token.fee;
  if (!Number.isFinite(token.depthUsd)) return { fee, impact: 0 };
  // x·y = k with x = y = depth (USD a side at the current price): a (after the fee) buys
  // depth·a/(depth + a), so the impact is a − depth·a/(depth + a) = a²/(depth + a).
  const a = valueUsd - fee;
  return { fee, impact: (a * a) / (token.depthUsd + a) };
}

export function gasCostUsd(swaps: number, model: CostModel): number {
  if (swaps === 0) return 0;
  return gasUsd(model.gasBase + model.gasPerSwap * swaps, model);
}

/** `gas` units at the model's gas price, in USD. */
export function gasUsd(gas: number, model: CostModel): number {
  return gas * model.gasPriceGwei * 1e-9 * model.nativePriceUsd;
}

/**
 * `gasBase` and `gasPerSwap` fitted (least squares) to the benchmark's rebalance figures, when
 * `npm run bench` has written them; the defaults otherwise.
 */
export function gasFromBenchmark(file = "bench/out/gas.json"): typeof DEFAULT_GAS & { source: string } {
  if (!existsSync(file)) return { ...DEFAULT_GAS, source: "defaults (no benchmark run)" };
  // One-hop baskets only, as the simulator trades every token through the base asset in one swap.
  const rows = (JSON.parse(readFileSync(file, "utf8")) as { action: string; tokens?: string; baseline: string; gas: number | null; note?: string }[]).filter(
    (r) => r.action === "rebalance()" && r.baseline === "bare swaps" && r.gas !== null && !String(r.tokens ?? "").includes("via"),
  );
  const points = rows.map((r) => [Number(/(\d+) swaps/.exec(r.note ?? "")?.[1] ?? NaN), r.gas!] as const).filter(([x]) => Number.isFinite(x));
  if (points.length < 2) return { ...DEFAULT_GAS, source: "defaults (too few benchmark figures)" };
  const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
  const my = points.reduce((s, [, y]) => s + y, 0) / points.length;
  const slope = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return { ...DEFAULT_GAS, gasBase: Math.max(0, Math.round(my - slope * mx)), gasPerSwap: Math.round(slope), source: file };
}
