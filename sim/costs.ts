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
  /**
   * What the derived return point (ResidualCeilingBps on) adds to each rebalance: the oracle's value of the
   * last rebalance's gas in WETH9, the routes' fees, and its record of both.
   */
  gasDerivedReturnPoint: number;
}

/**
 * Gas when no benchmark snapshot exists: an earlier release's figures, kept as they were since the
 * simulator's tests run on them (`rebalance()` a fit of that release's benchmark; the auction's at 4
 * tokens: open() 285,265; a fill from inventory 314,132 plus two bare swaps of 125,993; the derived return
 * point on the 4-token basket, 355,812 against 323,404 with the same trades). The simulator reads today's
 * from the snapshot (`gasFromBenchmark`).
 */
export const DEFAULT_GAS = { gasBase: 74_000, gasPerSwap: 183_000, gasAuctionOpen: 285_265, gasAuctionFill: 566_118, gasDerivedReturnPoint: 32_400 };

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
 * Gas from the benchmark's committed snapshot (`npm run bench` writes it, CI holds it to the contracts):
 * `gasBase` and `gasPerSwap` fitted (least squares) to `rebalance()` on the one-hop baskets (a basket of
 * N tokens trades N - 1 swaps there), and at 4 tokens, as the simulator's basket: the auction's (opening; a
 * fill from inventory plus the two bare swaps a filler through Uniswap makes) and what the derived return
 * point adds to a rebalance. The defaults where the snapshot has no figures.
 */
export function gasFromBenchmark(snapshot = "bench/gas-snapshot.json"): typeof DEFAULT_GAS & { source: string } {
  if (!existsSync(snapshot)) return { ...DEFAULT_GAS, source: "defaults (no benchmark snapshot)" };
  const figures = JSON.parse(readFileSync(snapshot, "utf8")) as Record<string, number>;
  // One-hop baskets only, as the simulator trades every token through the base asset in one swap.
  const points = Object.entries(figures)
    .map(([key, gas]) => [Number(/^rebalance\(\) \| (\d+) tokens$/.exec(key)?.[1] ?? NaN) - 1, gas] as const)
    .filter(([x]) => Number.isFinite(x));
  if (points.length < 2) return { ...DEFAULT_GAS, source: "defaults (too few benchmark figures)" };
  const mx = points.reduce((s, [x]) => s + x, 0) / points.length;
  const my = points.reduce((s, [, y]) => s + y, 0) / points.length;
  const slope = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const open = figures["auction open() | 4 tokens"];
  const fill = figures["auction fill, from inventory | 4 tokens"];
  const swap = figures["auction fill, from inventory | 4 tokens | baseline: a bare swap"];
  const derived = figures["rebalance(), derived return point | 4 tokens"];
  const fixed = figures["rebalance(), derived return point | 4 tokens | baseline: rebalance(), fixed return point"];
  return {
    gasBase: Math.max(0, Math.round(my - slope * mx)),
    gasPerSwap: Math.round(slope),
    gasAuctionOpen: open ?? DEFAULT_GAS.gasAuctionOpen,
    gasAuctionFill: fill !== undefined && swap !== undefined ? fill + 2 * swap : DEFAULT_GAS.gasAuctionFill,
    gasDerivedReturnPoint: derived !== undefined && fixed !== undefined ? derived - fixed : DEFAULT_GAS.gasDerivedReturnPoint,
    source: snapshot,
  };
}
