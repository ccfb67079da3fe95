// Rebalancing policies: when a keeper would rebalance, given what it can see at a check.
import { SHIPPED_TERMS, type AuctionTerms } from "./auctions.js";

export interface Context {
  /** Hours since the start. */
  hours: number;
  /** Hours since the last rebalance (Infinity before the first). */
  hoursSinceRebalance: number;
  /** The largest gap between a weight and its target, as a fraction (the contract's driftBps / 10,000). */
  drift: number;
  /** Realised volatility of the basket's risky part over the policy's lookback, annualised. */
  realizedVolatility: (lookbackDays: number) => number;
  /**
   * The basket's volatility as the vault measures it on chain (RebalanceLogic.effectiveThreshold): per
   * token, the root mean square of the changes between its mean log price over `intervals` consecutive
   * stretches of `intervalHours`, annualised, weighted by target; NaN before there is that much history.
   */
  intervalVolatility: (intervalHours: number, intervals: number) => number;
  /** What trading to target would cost now, and the value it would restore to target (USD): see the keeper's costRule. */
  quote: () => { cost: number; restored: number };
}

export interface Policy {
  name: string;
  kind: "buy-and-hold" | "calendar" | "threshold" | "hybrid" | "cost-aware" | "vol-scaled" | "vol-threshold";
  params: Record<string, number>;
  /** Largest trade per token per rebalance, as a fraction of NAV (the contract's MaxTradeBps). */
  maxTrade: number;
  /** Tokens closer to target than this (fraction) do not trade (the contract's MinDriftBps). */
  band: number;
  /** How far short of its target a trade leaves each token (fraction; the contract's ResidualDriftBps). */
  residual: number;
  /**
   * The return point's ceiling (fraction; the contract's ResidualCeilingBps): when set, each rebalance stops
   * where the vault derives (sim/return-point.ts), between max(residual, band) and it.
   */
  residualCeiling?: number;
  due: (c: Context) => boolean;
  /**
   * How a due rebalance executes (the vault's ExecutionMode); absent: slices on Uniswap only. "auctions":
   * the plan offered as a Dutch auction; "hybrid": slices first, then an auction for what they leave.
   */
  execution?: { mode: "auctions" | "hybrid"; terms: AuctionTerms };
}

const sameTerms = (a: AuctionTerms, b: AuctionTerms) => a.premium === b.premium && a.maxDiscount === b.maxDiscount && a.durationHours === b.durationHours;

/** `policy` with its rebalances executed by auction, or by slices then an auction ("hybrid"). */
export const withAuctions = (policy: Policy, mode: "auctions" | "hybrid", terms: AuctionTerms = SHIPPED_TERMS): Policy => ({
  ...policy,
  name: `${policy.name} · ${mode === "auctions" ? "auction" : "slices+auction"}${sameTerms(terms, SHIPPED_TERMS) ? "" : ` ${terms.premium * 100}%/-${terms.maxDiscount * 100}%/${terms.durationHours * 60}min`}`,
  execution: { mode, terms },
});

const HOURS_PER_DAY = 24;

export const buyAndHold = (): Policy => ({ name: "buy-and-hold", kind: "buy-and-hold", params: {}, maxTrade: 1, band: 0, residual: 0, due: () => false });

/** Every `days` days, whatever the drift. */
export const calendar = (days: number, maxTrade = 1): Policy => ({
  name: `calendar ${days}d`,
  kind: "calendar",
  params: { days },
  maxTrade,
  band: 0,
  residual: 0,
  due: (c) => c.hoursSinceRebalance >= days * HOURS_PER_DAY,
});

/**
 * When drift reaches `bps`; each trade stops `residualBps` short of target (0: all the way; the
 * contract's ResidualDriftBps): trading back only partway, as Vanguard's 200-to-175 rule does.
 */
export const threshold = (bps: number, maxTrade = 1, bandBps = 0, residualBps = 0): Policy => ({
  name: `threshold ${bps / 100}%${residualBps > 0 ? ` to ${residualBps / 100}%` : ""}${maxTrade < 1 ? ` slices ${maxTrade * 100}%` : ""}`,
  kind: "threshold",
  params: { bps, maxTradeBps: maxTrade * 10_000, residualBps },
  maxTrade,
  band: bandBps / 10_000,
  residual: residualBps / 10_000,
  due: (c) => c.drift >= bps / 10_000,
});

/**
 * When drift reaches `bps`, back to the return point the vault derives from its size, its gas and its routes'
 * fees (ResidualCeilingBps): between `floorBps` (the larger of it and the band) and `ceilingBps` (held the
 * band under the threshold).
 */
export const derivedReturn = (bps: number, maxTrade = 1, bandBps = 0, floorBps = 0, ceilingBps = bps - bandBps): Policy => ({
  ...threshold(bps, maxTrade, bandBps, floorBps),
  name: `threshold ${bps / 100}% to derived${floorBps > bandBps ? ` ≥ ${floorBps / 100}%` : ""}${ceilingBps < bps - bandBps ? ` ≤ ${ceilingBps / 100}%` : ""}${maxTrade < 1 ? ` slices ${maxTrade * 100}%` : ""}`,
  params: { bps, maxTradeBps: maxTrade * 10_000, residualBps: floorBps, ceilingBps },
  residualCeiling: ceilingBps / 10_000,
});

/** Every `days` days, if drift is at least `minDriftBps`. */
export const hybrid = (days: number, minDriftBps: number, maxTrade = 1): Policy => ({
  name: `hybrid ${days}d / ${minDriftBps / 100}%`,
  kind: "hybrid",
  params: { days, minDriftBps },
  maxTrade,
  band: 0,
  residual: 0,
  due: (c) => c.hoursSinceRebalance >= days * HOURS_PER_DAY && c.drift >= minDriftBps / 10_000,
});

/**
 * When drift is at least `minDriftBps` and the trade costs (gas, pool fees, price impact) at most
 * `maxCostBps` of the value it restores to target: `maxCostBps` is what a dollar put back on target is
 * assumed to be worth, the one assumption of the rule. It is the keeper's `--max-cost-bps`, measured
 * the same way (see tasks/keeper.ts, costRule).
 */
export const costAware = (minDriftBps: number, maxCostBps: number): Policy => ({
  name: `cost-aware ${minDriftBps / 100}% / cost ≤ ${maxCostBps} bps`,
  kind: "cost-aware",
  params: { minDriftBps, maxCostBps },
  maxTrade: 1,
  band: 0,
  residual: 0,
  due: (c) => {
    if (c.drift < minDriftBps / 10_000) return false;
    const { cost, restored } = c.quote();
    return restored > 0 && cost * 10_000 <= restored * maxCostBps;
  },
});

/**
 * A band that widens with realised volatility: `baseBps` × (volatility over `lookbackDays` /
 * `referenceVolatility`). The contract could compute the same from its pools' TWAP observations.
 */
export const volScaled = (baseBps: number, referenceVolatility = 0.6, lookbackDays = 7): Policy => ({
  name: `vol-scaled ${baseBps / 100}%`,
  kind: "vol-scaled",
  params: { baseBps, referenceVolatility, lookbackDays },
  maxTrade: 1,
  band: 0,
  residual: 0,
  due: (c) => c.drift >= ((baseBps / 10_000) * c.realizedVolatility(lookbackDays)) / referenceVolatility,
});

/**
 * The vault's own volatility-scaled threshold (VolReferenceBps and friends): `baseBps` at a basket
 * volatility of `referenceBps` a year, in proportion otherwise, within [minBps, maxBps] (0: no
 * ceiling) and never under MinDriftBps (100); the static `baseBps` while history is too short.
 */
export const volThreshold = (baseBps: number, referenceBps: number, intervalHours: number, intervals: number, minBps = 0, maxBps = 0): Policy => ({
  name: `vol-threshold ${baseBps / 100}% ${intervals}x${intervalHours}h`,
  kind: "vol-threshold",
  params: { baseBps, referenceBps, intervalHours, intervals, minBps, maxBps },
  maxTrade: 1,
  band: 0,
  residual: 0,
  due: (c) => {
    const floor = Math.max(minBps, 100) / 10_000;
    if (c.drift < floor) return false;
    const volatility = c.intervalVolatility(intervalHours, intervals);
    let bps = Number.isNaN(volatility) ? baseBps : (baseBps * volatility * 10_000) / referenceBps;
    if (maxBps !== 0) bps = Math.min(bps, maxBps);
    return c.drift >= Math.max(bps / 10_000, floor);
  },
});

/** The policies compared by default. */
export function defaultPolicies(): Policy[] {
  return [
    buyAndHold(),
    calendar(1),
    calendar(7),
    calendar(30),
    threshold(100),
    threshold(300),
    threshold(500),
    threshold(1000),
    threshold(2000),
    threshold(500, 0.1, 100),
    threshold(300, 1, 100, 200),
    threshold(500, 1, 100, 250),
    threshold(500, 1, 100, 400),
    hybrid(7, 300),
    hybrid(30, 100),
    costAware(100, 100),
    costAware(300, 50),
    volScaled(500),
    volThreshold(500, 6_000, 1, 24, 200, 1_500),
  ];
}
