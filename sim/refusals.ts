// How often the oracle's pricing rules refuse an honest entry or base-asset exit, measured block by block on
// the simulator's price paths. The wider market moves as the paths say (geometric Brownian motion, regimes,
// stress scenarios); each token's pool follows it by arbitrage at the top of every block, which moves the pool
// only when the market has left the band its fee allows (then to the band's edge). An honest depositor's
// transaction lands after that arbitrage, somewhere in the block. What the vault sees, per token:
// - the window's average: the mean of the prices the pool held over the last `windowBlocks` blocks;
// - the price the block opened at: where the previous block left the pool;
// - the current price: where this block's arbitrage left it.
// Multi-hop routes are modelled as one pool with the route's total fee, which is also the tolerance the
// oracle derives from them. Other flow (noise traders, the vault's own trades) is not modelled: a pool moved
// within the band by retail flow would refuse a little more often than these figures.
import { generatePath, type Basket, type PathOptions } from "./market.js";

/** A pricing rule: how far (in multiples of each route's fee) the current price may stand outside the references. */
export interface Rule {
  name: string;
  /** Outside the references' range by more than this many fees: refused. */
  toleranceFees: number;
}

export const RULES: Rule[] = [
  { name: "references only (before)", toleranceFees: Infinity },
  { name: "current price within the round-trip fee (Ballast)", toleranceFees: 2 },
  { name: "current price within the fee", toleranceFees: 1 },
  { name: "current price within half the fee", toleranceFees: 0.5 },
  { name: "current price inside the references", toleranceFees: 0 },
];

export interface RefusalOptions {
  paths: number;
  days: number;
  seed: number;
  scenario: PathOptions["scenario"];
  blockSeconds: number;
  windowBlocks: number;
  /** The breaker on the two references' disagreement, as a fraction (0.05: 5%). */
  maxDivergence: number;
}

export interface RefusalResult {
  rule: Rule;
  /** Share of blocks in which an honest transaction would be refused (any token refusing refuses it). */
  refused: number;
  /** Of which by the breaker on the references (what refused before too). */
  byBreaker: number;
  /** Longest run of consecutive refused blocks, in seconds. */
  longestSeconds: number;
}

/**
 * The share of blocks in which each rule refuses, over `o.paths` paths of `o.days` days. Entries and exits
 * are refused alike (the oracle's `quoteBounds` serves both), so one figure per rule.
 */
export function refusalRates(basket: Basket, o: RefusalOptions, rules: Rule[] = RULES): RefusalResult[] {
  const stepHours = o.blockSeconds / 3600;
  const n = basket.tokens.length;
  const refused = rules.map(() => 0);
  const byBreaker = rules.map(() => 0);
  const longest = rules.map(() => 0);
  let blocks = 0;
  for (let k = 0; k < o.paths; k++) {
    const path = generatePath(basket, { days: o.days, stepHours, seed: o.seed, scenario: o.scenario }, o.seed * 100_003 + k);
    const steps = path.prices[0].length;
    // Per token: the pool's log price, and a ring of the window's block prices with their running sum.
    const pool = new Float64Array(n);
    const ring = Array.from({ length: n }, () => new Float64Array(o.windowBlocks));
    const sum = new Float64Array(n);
    const run = rules.map(() => 0);
    for (let i = 1; i < n; i++) {
      pool[i] = Math.log(path.prices[i][0]);
      ring[i].fill(pool[i]);
      sum[i] = pool[i] * o.windowBlocks;
    }
    for (let b = 1; b < steps; b++) {
      const refusedNow = rules.map(() => false);
      const breakerNow = rules.map(() => false);
      for (let i = 1; i < n; i++) {
        const fee = Math.log(1 + basket.tokens[i].fee);
        const market = Math.log(path.prices[i][b]);
        const open = pool[i];
        const average = sum[i] / o.windowBlocks;
        // Arbitrage at the top of the block, to the edge of the fee's band.
        if (market - pool[i] > fee) pool[i] = market - fee;
        else if (pool[i] - market > fee) pool[i] = market + fee;
        const spot = pool[i];
        const lowest = Math.min(open, average);
        const highest = Math.max(open, average);
        const breaker = highest - lowest > Math.log(1 + o.maxDivergence);
        const outside = Math.max(spot - highest, lowest - spot, 0);
        rules.forEach((rule, r) => {
          if (breaker) breakerNow[r] = true;
          if (breaker || outside > rule.toleranceFees * fee + 1e-12) refusedNow[r] = true;
        });
        // The block's price enters the window.
        const slot = b % o.windowBlocks;
        sum[i] += spot - ring[i][slot];
        ring[i][slot] = spot;
      }
      blocks++;
      rules.forEach((_, r) => {
        if (refusedNow[r]) {
          refused[r]++;
          if (breakerNow[r]) byBreaker[r]++;
          run[r]++;
          longest[r] = Math.max(longest[r], run[r]);
        } else {
          run[r] = 0;
        }
      });
    }
  }
  return rules.map((rule, r) => ({
    rule,
    refused: refused[r] / blocks,
    byBreaker: byBreaker[r] / blocks,
    longestSeconds: longest[r] * o.blockSeconds,
  }));
}
