// The simulated market: a basket of tokens priced in the base asset, and price paths for it:
// correlated geometric Brownian motion with crypto-like volatilities, switching between a calm and
// a turbulent regime, with stress scenarios laid on top. Deterministic for a given seed.
import { cholesky, correlate, normal, uniform } from "./random.js";

export interface TokenSpec {
  symbol: string;
  /** Annualised volatility of the log price (0 for the base asset). */
  volatility: number;
  /** Annualised drift of the price (the expected return, not of the log price). */
  drift: number;
  /** Uniswap fee along the token's route to the base asset, as a fraction (0.0005 + 0.0005 for two 0.05% hops). */
  fee: number;
  /** Depth of the route, modelled as a full-range constant-product pool holding this many USD a side. */
  depthUsd: number;
}

export interface Basket {
  /** The base asset first. */
  tokens: TokenSpec[];
  /** Target weights, summing to 1, in token order. */
  targets: number[];
  /** Correlations of the tokens' log returns, in token order (the base asset's row is unused). */
  correlation: number[][];
}

/**
 * USDC 40%, WETH 30%, WBTC 20%, LINK 10%, as deploy/parameters/mainnet.json5 lists them, with
 * crypto-like volatilities and correlations and depths of the order of mainnet's pools (a full-range
 * equivalent: concentrated liquidity is deeper near the price, so impact here errs on the high side).
 */
export const DEFAULT_BASKET: Basket = {
  tokens: [
    { symbol: "USDC", volatility: 0, drift: 0, fee: 0, depthUsd: Infinity },
    { symbol: "WETH", volatility: 0.7, drift: 0, fee: 0.0005, depthUsd: 150e6 },
    { symbol: "WBTC", volatility: 0.55, drift: 0, fee: 0.001, depthUsd: 80e6 },
    { symbol: "LINK", volatility: 0.9, drift: 0, fee: 0.0035, depthUsd: 15e6 },
  ],
  targets: [0.4, 0.3, 0.2, 0.1],
  correlation: [
    [1, 0, 0, 0],
    [0, 1, 0.8, 0.7],
    [0, 0.8, 1, 0.65],
    [0, 0.7, 0.65, 1],
  ],
};

export const SCENARIOS = ["gbm", "regimes", "crash", "correlation-spike", "slow-bleed", "pump"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface PathOptions {
  days: number;
  /** Hours per step; keepers check once per step. */
  stepHours: number;
  seed: number;
  scenario: Scenario;
}

/** Calm and turbulent regimes: the turbulent one doubles volatility and pulls correlations toward 1. */
export const REGIMES = {
  /** Daily probability of turning turbulent, and of calming down. */
  toTurbulent: 1 / 60,
  toCalm: 1 / 10,
  volatilityMultiplier: 2,
  correlationPull: 0.5,
};

/** One simulated history: each token's price at every step (the base asset's is 1). */
export interface PricePath {
  prices: Float64Array[];
}

export const stepsOf = (o: Pick<PathOptions, "days" | "stepHours">) => Math.round((o.days * 24) / o.stepHours);

function pulledCorrelation(c: number[][], pull: number): number[][] {
  return c.map((row, i) => row.map((v, j) => (i === j ? 1 : i === 0 || j === 0 ? 0 : v + (1 - v) * pull)));
}

/** Cholesky factor of the risky tokens' correlation (the base asset is left out). */
function factor(c: number[][]): number[][] {
  return cholesky(c.slice(1).map((row) => row.slice(1)));
}

/** `count` price paths for `basket` under `options`, path k drawn from seed + k. */
export function generatePaths(basket: Basket, options: PathOptions, count: number): PricePath[] {
  return Array.from({ length: count }, (_, k) => generatePath(basket, options, options.seed * 100_003 + k));
}

export function generatePath(basket: Basket, o: PathOptions, seed: number): PricePath {
  const rand = uniform(seed);
  const z = normal(rand);
  const n = basket.tokens.length;
  const steps = stepsOf(o);
  const dt = o.stepHours / (24 * 365);
  const stepsPerDay = Math.round(24 / o.stepHours);
  const calm = factor(basket.correlation);
  const turbulent = factor(pulledCorrelation(basket.correlation, REGIMES.correlationPull));
  const spiked = factor(pulledCorrelation(basket.correlation, 0.95));
  const prices = basket.tokens.map(() => new Float64Array(steps + 1));
  const logPrice = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) prices[i][0] = 1;
  const useRegimes = o.scenario !== "gbm";
  let inTurbulence = false;
  const mid = Math.floor(steps / 2);
  for (let s = 1; s <= steps; s++) {
    if (useRegimes && s % stepsPerDay === 0) {
      inTurbulence = inTurbulence ? rand() >= REGIMES.toCalm : rand() < REGIMES.toTurbulent;
    }
    const spike = o.scenario === "correlation-spike" && s > mid && s <= mid + 30 * stepsPerDay;
    const l = spike ? spiked : inTurbulence ? turbulent : calm;
    const volMult = spike ? 1.5 : inTurbulence ? REGIMES.volatilityMultiplier : 1;
    const shocks = correlate(l, Array.from({ length: n - 1 }, () => z()));
    for (let i = 1; i < n; i++) {
      const t = basket.tokens[i];
      const sigma = t.volatility * volMult;
      let r = (t.drift - (sigma * sigma) / 2) * dt + sigma * Math.sqrt(dt) * shocks[i - 1];
      r += stress(o.scenario, i, n, s, mid, steps, stepsPerDay);
      logPrice[i] += r;
      prices[i][s] = Math.exp(logPrice[i]);
    }
    prices[0][s] = 1;
  }
  return { prices };
}

/** The extra log return a stress scenario adds to token `i` at step `s`. */
function stress(scenario: Scenario, i: number, n: number, s: number, mid: number, steps: number, perDay: number): number {
  switch (scenario) {
    case "crash": // every risky token halves over one day at mid-horizon
      return s > mid && s <= mid + perDay ? Math.log(0.5) / perDay : 0;
    case "slow-bleed": // the last token loses 70% over the horizon, steadily
      return i === n - 1 ? Math.log(0.3) / steps : 0;
    case "pump": // the last token triples over a week at mid-horizon
      return i === n - 1 && s > mid && s <= mid + 7 * perDay ? Math.log(3) / (7 * perDay) : 0;
    default:
      return 0;
  }
}

/**
 * The excess log-growth rate of a portfolio kept at weights `w` over the weighted average of its
 * assets' log-growth rates (the "diversification return"): ½(Σ wᵢσᵢ² − wᵀΣw), per year.
 */
export function theoreticalExcessGrowth(basket: Basket, w = basket.targets): number {
  const sigma = basket.tokens.map((t) => t.volatility);
  let own = 0;
  let cross = 0;
  for (let i = 0; i < w.length; i++) {
    own += w[i] * sigma[i] * sigma[i];
    for (let j = 0; j < w.length; j++) cross += w[i] * w[j] * sigma[i] * sigma[j] * basket.correlation[i][j];
  }
  return (own - cross) / 2;
}
