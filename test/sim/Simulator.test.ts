// The strategy simulator: its cost model, its policies, its engine, its agreement with theory,
// and its command line in a small configuration.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { fundLocal } from "../../deploy/lib/local-ballast.js";
import { DEFAULT_PARAMETERS } from "../../deploy/modules/Ballast.js";
import { LOCAL_MARKET_DEFAULTS, LOCAL_MARKET_FEES } from "../../deploy/modules/LocalMarket.js";
import { DEFAULT_COSTS, DEFAULT_GAS, gasCostUsd, gasFromBenchmark, swapCost } from "../../sim/costs.js";
import { runPolicy } from "../../sim/engine.js";
import { DEFAULT_BASKET, generatePath, stepsOf, theoreticalExcessGrowth, type Basket, type PricePath } from "../../sim/market.js";
import { buyAndHold, calendar, costAware, derivedReturn, hybrid, threshold, volScaled, volThreshold, withAuctions, type Context, type Policy } from "../../sim/policies.js";
import { BLOCK_SECONDS, discountAt, fillLeg, SHIPPED_TERMS } from "../../sim/auctions.js";
import { EXECUTION_MODES, restoreAfterDrift } from "../../sim/by-size.js";
import { costAt, sweepCell, SWEEP_NETWORKS } from "../../sim/sweep.js";
import { contractParameters, governanceParameters, recommend } from "../../sim/recommend.js";
import { refusalRates, RULES } from "../../sim/refusals.js";
import { simulate } from "../../sim/simulate.js";
import { deployLocalMarket, type Connection } from "../helpers/market.js";

// Plain comparisons of floating-point numbers: chai's closeTo and friends are taken over by Hardhat's
// bigint matchers, which refuse fractions.
function near(actual: number, expected: number, tolerance: number) {
  expect(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`).to.equal(true);
}
function below(actual: number, bound: number) {
  expect(actual < bound, `${actual} is not below ${bound}`).to.equal(true);
}

/** 20 gwei, $3,000 a coin; round figures of gas. */
const COSTS = { gasPriceGwei: 20, nativePriceUsd: 3000, gasBase: 70_000, gasPerSwap: 140_000, gasAuctionOpen: 280_000, gasAuctionFill: 560_000, gasDerivedReturnPoint: 30_000 };

/** Hours into the shipped auction at which the discount reaches `d`. */
const discountHours = (d: number) => (d + 0.02) / 0.03;

const token = (fee: number, depthUsd: number) => ({ symbol: "T", volatility: 0.5, drift: 0, fee, depthUsd });

/** Two tokens, base first, 50/50, and a path that holds prices for `steps`, then sets token 1 to `moved`. */
const pair: Basket = { tokens: [{ ...token(0, Infinity), volatility: 0 }, token(0.003, 10e6)], targets: [0.5, 0.5], correlation: [[1, 0], [0, 1]] };
function stepPath(steps: number, at: number, moved: number): PricePath {
  return { prices: [new Float64Array(steps + 1).fill(1), Float64Array.from({ length: steps + 1 }, (_, k) => (k >= at ? moved : 1))] };
}
const context = (c: Partial<Context>): Context => ({
  hours: 0,
  hoursSinceRebalance: Infinity,
  drift: 0,
  realizedVolatility: () => 0.6,
  intervalVolatility: () => 0.6,
  quote: () => ({ cost: 0, restored: 0 }),
  ...c,
});

describe("Simulator", function () {
  describe("cost model", function () {
    it("charges the pool fee and a constant-product pool's price impact", function () {
      const { fee, impact } = swapCost(1_000_000, token(0.003, 100e6));
      expect(fee).to.equal(3000);
      // x·y = k with 100M a side: 997,000 in buys 100M·997,000/(100M + 997,000) out.
      const out = (100e6 * 997_000) / (100e6 + 997_000);
      near(impact, 997_000 - out, 1e-6);
      near(impact / 1_000_000, 0.00984, 0.0001); // about 1% of a 1% of depth trade
      expect(swapCost(1000, token(0.0005, Infinity))).to.deep.equal({ fee: 0.5, impact: 0 });
    });

    it("prices gas per swap, and fits it to the benchmark's figures", function () {
      expect(gasCostUsd(0, COSTS)).to.equal(0);
      near(gasCostUsd(2, COSTS), 350_000 * 20e-9 * 3000, 1e-9);
      const file = path.join(mkdtempSync(path.join(tmpdir(), "ballast-")), "gas.json");
      const snapshot: Record<string, number> = { "deposit | 2 tokens": 1, "rebalance() | 16 (12 via WETH) tokens": 9_999_999 }; // not one-hop: left out
      for (const tokens of [2, 4, 8]) snapshot[`rebalance() | ${tokens} tokens`] = 50_000 + 150_000 * (tokens - 1);
      writeFileSync(file, JSON.stringify(snapshot));
      expect(gasFromBenchmark(file)).to.deep.equal({ ...DEFAULT_GAS, gasBase: 50_000, gasPerSwap: 150_000, source: file });
      snapshot["auction open() | 4 tokens"] = 300_000;
      snapshot["auction fill, from inventory | 4 tokens"] = 310_000;
      snapshot["auction fill, from inventory | 4 tokens | baseline: a bare swap"] = 120_000;
      writeFileSync(file, JSON.stringify(snapshot));
      expect(gasFromBenchmark(file)).to.deep.equal({ ...DEFAULT_GAS, gasBase: 50_000, gasPerSwap: 150_000, gasAuctionOpen: 300_000, gasAuctionFill: 550_000, source: file });
      snapshot["rebalance(), derived return point | 4 tokens"] = 480_000;
      snapshot["rebalance(), derived return point | 4 tokens | baseline: rebalance(), fixed return point"] = 455_000;
      writeFileSync(file, JSON.stringify(snapshot));
      expect(gasFromBenchmark(file)).to.deep.equal({ gasBase: 50_000, gasPerSwap: 150_000, gasAuctionOpen: 300_000, gasAuctionFill: 550_000, gasDerivedReturnPoint: 25_000, source: file });
      // The committed snapshot is the default source.
      expect(gasFromBenchmark().source).to.equal("bench/gas-snapshot.json");
      expect(gasFromBenchmark(path.join(tmpdir(), "no-such-file.json")).source).to.match(/^defaults/);
    });
  });

  describe("policies", function () {
    it("decide as their rules say", function () {
      expect(buyAndHold().due(context({ drift: 0.9 }))).to.equal(false);
      expect(calendar(7).due(context({ hoursSinceRebalance: 7 * 24 - 1 }))).to.equal(false);
      expect(calendar(7).due(context({ hoursSinceRebalance: 7 * 24 }))).to.equal(true);
      expect(threshold(500).due(context({ drift: 0.0499 }))).to.equal(false);
      expect(threshold(500).due(context({ drift: 0.05 }))).to.equal(true);
      expect(hybrid(7, 300).due(context({ hoursSinceRebalance: 200, drift: 0.02 }))).to.equal(false);
      expect(hybrid(7, 300).due(context({ hoursSinceRebalance: 100, drift: 0.05 }))).to.equal(false);
      expect(hybrid(7, 300).due(context({ hoursSinceRebalance: 200, drift: 0.05 }))).to.equal(true);
      // Cost-aware, the keeper's --max-cost-bps rule: at most 100 bps of $100k restored, $1,000, may be spent.
      expect(costAware(100, 100).due(context({ drift: 0.05, quote: () => ({ cost: 900, restored: 100_000 }) }))).to.equal(true);
      expect(costAware(100, 100).due(context({ drift: 0.05, quote: () => ({ cost: 1000, restored: 100_000 }) }))).to.equal(true);
      expect(costAware(100, 100).due(context({ drift: 0.05, quote: () => ({ cost: 1000.01, restored: 100_000 }) }))).to.equal(false);
      expect(costAware(100, 100).due(context({ drift: 0.005, quote: () => ({ cost: 0, restored: 100_000 }) }))).to.equal(false);
      // Nothing restored is never worth a trade, even a free one.
      expect(costAware(100, 100).due(context({ drift: 0.05, quote: () => ({ cost: 0, restored: 0 }) }))).to.equal(false);
      // The example: $162.50 of fees and gas to restore $75,000 is 21.67 bps; a 20 bps cap skips it.
      expect(costAware(100, 25).due(context({ drift: 0.05, quote: () => ({ cost: 162.5, restored: 75_000 }) }))).to.equal(true);
      expect(costAware(100, 20).due(context({ drift: 0.05, quote: () => ({ cost: 162.5, restored: 75_000 }) }))).to.equal(false);
      // Vol-scaled: a 5% band at 60% volatility is a 10% band at 120%.
      expect(volScaled(500, 0.6).due(context({ drift: 0.06, realizedVolatility: () => 0.6 }))).to.equal(true);
      expect(volScaled(500, 0.6).due(context({ drift: 0.06, realizedVolatility: () => 1.2 }))).to.equal(false);
      // The vault's own: 5% at 60%, within [2.5%, 15%], static while history is short.
      const v = volThreshold(500, 6_000, 1, 24, 250, 1_500);
      expect(v.due(context({ drift: 0.06, intervalVolatility: () => 0.6 }))).to.equal(true);
      expect(v.due(context({ drift: 0.06, intervalVolatility: () => 1.2 }))).to.equal(false);
      expect(v.due(context({ drift: 0.026, intervalVolatility: () => 0 }))).to.equal(true);
      expect(v.due(context({ drift: 0.024, intervalVolatility: () => 0 }))).to.equal(false);
      expect(v.due(context({ drift: 0.15, intervalVolatility: () => 10 }))).to.equal(true);
      expect(v.due(context({ drift: 0.049, intervalVolatility: () => Number.NaN }))).to.equal(false);
      expect(v.due(context({ drift: 0.05, intervalVolatility: () => Number.NaN }))).to.equal(true);
    });

    it("measure volatility as the vault does: mean prices of stretches, their changes' root mean square", function () {
      // Token 1 alternates between 1 and 2 every 4 hours (aligned to the last check): means of 4-hour stretches alternate too, each
      // change ln 2; annualised over 4-hour stretches.
      const steps = 24 * 4;
      const path: PricePath = { prices: [new Float64Array(steps + 1).fill(1), Float64Array.from({ length: steps + 1 }, (_, k) => (Math.floor((steps - k) / 4) % 2 === 0 ? 1 : 2))] };
      let seen = Number.NaN;
      const spy: Policy = { ...threshold(10_000), due: (c) => ((seen = c.intervalVolatility(4, 6)), false) };
      runPolicy(pair, path, spy, { navUsd: 1_000_000, stepHours: 1, costs: null });
      near(seen, Math.LN2 * Math.sqrt((24 * 365) / 4), 1e-9);
    });

    it("map onto the vault's parameters", function () {
      expect(contractParameters(threshold(500, 0.1, 100), 1)).to.include({ driftThresholdBps: 500, minDriftBps: 100, rebalanceIntervalSeconds: 0, maxTradeBps: 1000, cooldownSeconds: 3600 });
      expect(contractParameters(calendar(7), 1)).to.include({ driftThresholdBps: 0, rebalanceIntervalSeconds: 604_800, maxTradeBps: 10_000 });
      expect(contractParameters(hybrid(30, 300), 1)).to.include({ driftThresholdBps: 0, minDriftBps: 300, rebalanceIntervalSeconds: 2_592_000 });
      expect(() => contractParameters(volScaled(500), 1)).to.throw(/has no contract parameters/);
      // Every field of the vault's Parameters struct, and nothing else: the block is pasted as it is.
      expect(Object.keys(contractParameters(threshold(500), 1)).sort()).to.deep.equal(Object.keys(DEFAULT_PARAMETERS).sort());
    });
  });

  describe("engine", function () {
    // Closed forms: slices capped by maxTrade alone (the pools' budgets have their own test).
    const settings = { navUsd: 1_000_000, stepHours: 1, costs: COSTS, poolBudgets: false };

    it("trades back to target when the threshold is crossed, paying fee, impact and gas", function () {
      // Token 1 doubles at step 10: 50/50 becomes 33/67, a drift of 16.7%.
      const r = runPolicy(pair, stepPath(48, 10, 2), threshold(1000), settings);
      expect(r.rebalances).to.equal(1);
      expect(r.swaps).to.equal(1);
      const sold = 1_000_000 * (2 / 3 - 0.5); // $166,667 of token 1 sold at NAV $1.5M
      const expected = swapCost(1.5 * sold, pair.tokens[1]);
      near(r.costs.fees, expected.fee, 1e-6);
      near(r.costs.impact, expected.impact, 1e-6);
      near(r.costs.gas, 210_000 * 20e-9 * 3000, 1e-9);
      near(r.terminalValue, (1.5e6 - r.costs.total) / 1e6, 1e-9);
      below(r.avgDriftBps, 1667 * (10 / 48) + 1); // drift only between steps 10 and the rebalance
    });

    it("slices a rebalance by maxTrade, one slice per check, and never trades on buy-and-hold", function () {
      const sliced = runPolicy(pair, stepPath(48, 10, 2), threshold(100, 0.05), settings);
      // $250k of token 1 to sell (its $1M against a $750k target), at most 5% of the $1.5M NAV per check.
      expect(sliced.rebalances).to.equal(Math.ceil(250_000 / (0.05 * 1_500_000)));
      const hold = runPolicy(pair, stepPath(48, 10, 2), buyAndHold(), settings);
      expect(hold.rebalances).to.equal(0);
      expect(hold.costs.total).to.equal(0);
      expect(hold.terminalValue).to.equal(1.5);
    });

    it("caps each slice at its pool's budget, as the contract does: the value that moves the pool by half its fee", function () {
      // Token 1 doubles: $250k to sell into a $10M pool of 0.3%, whose budget is $15,000 a call.
      const r = runPolicy(pair, stepPath(48, 10, 2), threshold(100), { ...settings, poolBudgets: true });
      const traded = r.turnover * 1_000_000 * (48 / (24 * 365));
      // Cut short by the budget, each rebalance carries on (the vault's Unfinished trigger) under the 1%
      // threshold, to its return point (here the target): 16 whole slices, then the rest.
      expect(r.rebalances).to.equal(Math.ceil(250_000 / 15_000));
      below(traded / r.rebalances, 15_000 + 1e-6);
      // (Give or take the fees it paid, which move the targets a little.)
      near(traded, 250_000, 1_000);
    });

    it("measures tracking error on returns too: zero for a mix rebalanced to target every step for free, more for buy-and-hold", function () {
      const free = { navUsd: 1_000_000, stepHours: 24, costs: null };
      const paths = { days: 365, stepHours: 24, seed: 5, scenario: "gbm" as const };
      const r = simulate({ basket: DEFAULT_BASKET, paths, pathCount: 3, settings: free, policies: [calendar(1), buyAndHold()] });
      const [daily, hold] = r.policies;
      // Held at its targets at every step, the vault earns the target mix's return exactly.
      expect(daily.returnTrackingErrorBps.mean).to.be.below(1e-6);
      // Left alone it drifts: a return-based tracking error of hundreds of bps a year.
      expect(hold.returnTrackingErrorBps.mean).to.be.greaterThan(100);
    });

    it("lands a rebalance with a return point where it says, on the trigger's drift measure (the base asset included)", function () {
      // Four tokens, a year of regimes: trigger 5%, return to 2.5%. Before the planner drew the short side
      // from every holding's residual, the median rebalance left 477 bps and the vault re-triggered.
      const r = simulate({
        basket: DEFAULT_BASKET,
        paths: { days: 365, stepHours: 1, seed: 1, scenario: "regimes" },
        pathCount: 4,
        settings: { navUsd: 1_000_000, stepHours: 1, costs: DEFAULT_COSTS },
        policies: [threshold(500, 1, 100, 250)],
      });
      const lands = r.policies[0].driftAfterBps;
      expect(r.policies[0].rebalancesPerYear.mean).to.be.greaterThan(5);
      expect(lands.p90, "every rebalance lands within the return point").to.be.at.most(251);
      expect(lands.median).to.be.at.least(249);
    });

    it("derives the return point as the vault does: further back for a small vault on dear gas, near the threshold for a large one, and lands there", function () {
      const run = (navUsd: number, gasPriceGwei: number) =>
        simulate({
          basket: DEFAULT_BASKET,
          paths: { days: 365, stepHours: 1, seed: 1, scenario: "regimes" },
          pathCount: 4,
          settings: { navUsd, stepHours: 1, costs: { ...DEFAULT_COSTS, gasPriceGwei } },
          policies: [derivedReturn(500, 1, 100)],
        }).policies[0];
      const small = run(100_000, 50);
      const medium = run(1_000_000, 20);
      const l2 = run(1_000_000, 0.05);
      // The first rebalance has no gas measured and goes to the floor (MinDriftBps, 100); the rest derive.
      expect(small.driftAfterBps.median, "gas dear against the trade: near the floor").to.be.lessThan(150);
      expect(medium.driftAfterBps.median).to.be.greaterThan(small.driftAfterBps.median + 50);
      expect(medium.driftAfterBps.median).to.be.lessThan(l2.driftAfterBps.median - 50);
      expect(l2.driftAfterBps.p90, "never past the ceiling, held the band under the threshold").to.be.at.most(401);
      expect(l2.driftAfterBps.median, "gas nearly free: near the ceiling").to.be.greaterThan(350);
      // Each stop is where the rule put it: $1M at 20 gwei against the default basket's routes.
      expect(medium.rebalancesPerYear.mean).to.be.greaterThan(5);
    });

    it("charges the vault's fees: exp(-rate) a year of management, and its share of a rise above the mark, once", function () {
      const year = 365 * 24;
      // Flat prices for a year: the management fee alone, in closed form.
      const flat = runPolicy(pair, stepPath(year, year + 1, 1), buyAndHold(), { ...settings, fees: { managementBps: 200, performanceBps: 0 } });
      near(flat.netGrowth, -0.02, 1e-9);
      near(flat.feesUsd.management, 1_000_000 * (1 - Math.exp(-0.02)), 1);
      expect(flat.growth).to.equal(0);
      // Token 1 doubles at hour 10 (NAV $1M -> $1.5M), then falls back at hour 20, then doubles again:
      // 20% of the first gain only; the recovery below and back to the mark is free.
      const path = stepPath(40, 10, 2);
      for (let k = 20; k < 30; k++) path.prices[1][k] = 1;
      const both = runPolicy(pair, path, buyAndHold(), { ...settings, fees: { managementBps: 0, performanceBps: 2_000 } });
      near(both.feesUsd.performance, 0.2 * 500_000, 1e-6);
      near(Math.exp(both.netGrowth * (40 / year)), 1.5 - 0.2 * 0.5, 1e-9);
      expect(both.feesUsd.management).to.equal(0);
    });

    it("lays stress scenarios on the paths: a crash halves, a pump triples, a bleed takes 70%", function () {
      const calm: Basket = { ...DEFAULT_BASKET, tokens: DEFAULT_BASKET.tokens.map((t) => ({ ...t, volatility: 0 })) };
      const o = { days: 20, stepHours: 1, seed: 3 };
      const mid = Math.floor(stepsOf(o) / 2);
      const crash = generatePath(calm, { ...o, scenario: "crash" }, 1).prices;
      for (let i = 1; i < 4; i++) near(crash[i][mid + 24] / crash[i][mid], 0.5, 1e-12);
      near(generatePath(calm, { ...o, scenario: "pump" }, 1).prices[3][mid + 7 * 24], 3, 1e-9);
      near(generatePath(calm, { ...o, scenario: "slow-bleed" }, 1).prices[3][stepsOf(o)], 0.3, 1e-9);
      expect(generatePath(calm, { ...o, scenario: "gbm" }, 1).prices[1][stepsOf(o)]).to.equal(1);
    });

    it("is deterministic for a seed", function () {
      const run = (seed: number) => simulate({ basket: DEFAULT_BASKET, paths: { days: 30, stepHours: 1, seed, scenario: "regimes" }, pathCount: 3, settings, policies: [threshold(500)] });
      expect(run(5)).to.deep.equal(run(5));
      expect(run(5).policies[0].growthBps.mean).to.not.equal(run(6).policies[0].growthBps.mean);
    });
  });

  describe("Dutch auctions", function () {
    const terms = SHIPPED_TERMS;
    const pool = token(0.003, 100e6);
    const fillers = { venueFee: null, depthScale: 1, margin: 0.001, gasUsd: 20 };
    const deep: Basket = { ...pair, tokens: [pair.tokens[0], pool] };

    it("price: 2% above the reference at opening, the reference two thirds in, 1% below at the end and after", function () {
      near(discountAt(terms, 0), -0.02, 1e-12);
      near(discountAt(terms, 2 / 3), 0, 1e-12);
      near(discountAt(terms, 1), 0.01, 1e-12);
      near(discountAt(terms, 5), 0.01, 1e-12);
    });

    it("with free trading the whole lot goes in the first block past the reference, for nothing", function () {
      const leg = fillLeg(100_000, pool, terms, null);
      expect(leg.filled).to.equal(100_000);
      expect(leg.fills).to.equal(1);
      near(leg.lastFillHours!, 2 / 3 + BLOCK_SECONDS / 3600, 1e-9);
      near(leg.cost, 100_000 * discountAt(terms, leg.lastFillHours!), 1e-9);
    });

    it("fillers take a lot once the discount pays their venue's fee, impact, gas and margin, never below the floor", function () {
      const leg = fillLeg(100_000, pool, terms, fillers);
      near(leg.filled, 100_000, 1e-6);
      // No fill before the discount reaches fee + margin (40 bps): 0.8 of the hour in.
      expect(leg.lastFillHours!).to.be.greaterThan(discountHours(0.004));
      // What the vault gave is between fee + margin and the floor, per dollar.
      expect(leg.cost / leg.filled).to.be.within(0.004, 0.01);
      // The filler's profit on the whole is at least its gas per fill.
      const c = swapCost(leg.filled, pool);
      expect(leg.cost - 0.001 * leg.filled - c.fee - c.impact).to.be.at.least(leg.fills * 20 - 1e-6);
    });

    it("a venue too dear fills nothing; a thin one fills only what its impact lets the floor pay", function () {
      expect(fillLeg(100_000, { ...pool, fee: 0.02 }, terms, fillers)).to.deep.equal({ filled: 0, cost: 0, fills: 0, lastFillHours: null });
      // $1M on a $10M pool: the marginal cost reaches 1% - 0.1% at a = D(1/√(1-k) - 1), k = (0.009 - 0.003)/(1 - 0.003),
      // about $30k, filled by the floor's block (fillers for whom gas is free take every increment that pays).
      const thin = { ...pool, depthUsd: 10e6 };
      const leg = fillLeg(1_000_000, thin, terms, { ...fillers, gasUsd: 0 });
      const k = (0.009 - 0.003) / 0.997;
      const reach = (10e6 * (1 / Math.sqrt(1 - k) - 1)) / 0.997;
      near(leg.filled, reach, 1e-6);
      near(leg.lastFillHours!, 1, 1e-9);
      below(leg.cost, 0.01 * leg.filled + 1e-9);
      // Gas of $20 a fill: the last increments do not pay it, so a little less.
      const paying = fillLeg(1_000_000, thin, terms, fillers);
      expect(paying.filled).to.be.within(0.9 * reach, reach);
    });

    it("the engine opens one auction when due and lands it at the return point; hybrid slices first; both pay the opening's gas", function () {
      // $1M held 30/70 against 50/50 on a $100M pool of 0.3%, prices still: $197,500 of token 1 to sell to the 25 bps return point.
      const flat = stepPath(24, 25, 1);
      const start = { navUsd: 1_000_000, stepHours: 1, costs: COSTS, startWeights: [0.3, 0.7] };
      const rule = threshold(100, 1, 0, 25);
      const auction = runPolicy(deep, flat, withAuctions(rule, "auctions"), { ...start, poolBudgets: false });
      expect([auction.rebalances, auction.auctions]).to.deep.equal([0, 1]);
      // At the return point, give or take what the discount took out of the base asset's proceeds.
      below(auction.driftsAfterBps[0], 25 + (auction.costs.total / 1e6) * 10_000 + 1);
      expect(auction.costs.discount).to.be.greaterThan(0);
      near(auction.costs.gas, 280_000 * 20e-9 * 3000, 1e-9);
      below(auction.costs.discount, 0.01 * auction.turnover * 1_000_000 * (24 / (24 * 365)) + 1e-6);
      expect(auction.hoursBackToTarget).to.not.equal(null);
      below(auction.hoursBackToTarget!, 1);
      // Hybrid: the slice's budget ($150,000) first, then the auction for the rest, within the same hour.
      const hybridRun = runPolicy(deep, flat, withAuctions(rule, "hybrid"), start);
      expect(hybridRun.auctions).to.equal(1);
      // Fillers leave the dust whose profit at the floor does not pay their gas: at most gas / (1% - 0.3% - 0.1%) of value.
      const dust = (560_000 / 2) * 20e-9 * 3000 / (0.01 - 0.003 - 0.001);
      const [, afterAuction, afterAll] = hybridRun.driftsAfterBps;
      below(afterAuction, 25 + ((hybridRun.costs.total + dust) / 1e6) * 10_000 + 1);
      expect(afterAuction).to.be.greaterThan(25);
      // Above the return point after the auction: the slices' rebalance was cut short, and it carries on
      // (Trigger.Unfinished) an hour later with a slice, which lands at the return point.
      expect(hybridRun.rebalances).to.equal(2);
      below(afterAll, 25 + (hybridRun.costs.total / 1e6) * 10_000 + 1);
      near(hybridRun.costs.gas, (2 * (70_000 + 140_000) + 280_000) * 20e-9 * 3000, 1e-9);
      expect(hybridRun.hoursBackToTarget).to.equal(1);
      // Slices alone take a second call, an hour later.
      const sliced = runPolicy(deep, flat, rule, start);
      expect(sliced.rebalances).to.equal(2);
      expect(sliced.hoursBackToTarget).to.equal(1);
    });

    it("by size: auctions bring $10M back within hours where slices take a day; the recommendation names the mode's governance lines", function () {
      const rows = EXECUTION_MODES.map((mode) => restoreAfterDrift(DEFAULT_BASKET, { costs: COSTS }, 10e6, mode, SHIPPED_TERMS));
      const [slices, auctions, hybridRow] = rows;
      expect(slices.hours!).to.be.greaterThan(12);
      expect(auctions.hours!).to.be.below(slices.hours! / 4);
      expect(hybridRow.hours!).to.be.below(slices.hours! / 4);
      for (const r of rows) below(r.driftAfterBps, 50);
      const policy = withAuctions(threshold(500, 1, 100, 125), "hybrid");
      expect(governanceParameters(policy)).to.deep.equal({ ExecutionMode: 1, AuctionPremiumBps: 200, AuctionMaxDiscountBps: 100, AuctionDurationSeconds: 3600 });
      expect(governanceParameters(threshold(500))).to.equal(null);
    });
  });

  describe("by size and network", function () {
    it("reads the cost at a tracking error off the lower convex hull of the policies' figures", function () {
      const points: [number, number][] = [[100, 50], [200, 20], [250, 40], [300, 15], [400, 5]];
      // (250, 40) is beaten; (300, 15) lies above the line from (200, 20) to (400, 5).
      near(costAt(points, 250)!, 20 - 15 * (50 / 200), 1e-12);
      near(costAt(points, 100)!, 50, 1e-12);
      near(costAt(points, 1_000)!, 5, 1e-12);
      expect(costAt(points, 50)).to.equal(null);
    });

    it("compares a trigger with a return point to trading back to target, at equal tracking error", function () {
      const cell = sweepCell(DEFAULT_BASKET, { days: 90, stepHours: 2, seed: 3, scenario: "regimes" }, 3, 1e6, SWEEP_NETWORKS[1], COSTS, 3000, 250);
      expect(cell.network).to.equal("20 gwei");
      // A return point is one more choice: never dearer at the same tracking error.
      below(cell.returnPointBps!, cell.toTargetBps! + 1e-9);
      near(cell.share!, cell.returnPointBps! / cell.toTargetBps!, 1e-12);
      expect(cell.best).to.match(/^threshold /);
    });
  });

  describe("theory", function () {
    it("with free, daily rebalancing, excess log-growth matches ½(Σ wᵢσᵢ² − wᵀΣw) within its statistical error", function () {
      for (const basket of [DEFAULT_BASKET, { ...DEFAULT_BASKET, correlation: DEFAULT_BASKET.correlation.map((row, i) => row.map((v, j) => (i === j ? 1 : i && j ? 0.2 : 0))) }]) {
        const r = simulate({ basket, paths: { days: 365, stepHours: 24, seed: 7, scenario: "gbm" }, pathCount: 200, settings: { navUsd: 1e6, stepHours: 24, costs: null }, policies: [calendar(1), buyAndHold()] });
        const theory = theoreticalExcessGrowth(basket) * 10_000;
        const [mix, hold] = r.policies;
        below(mix.excessGrowthBps.stderr, theory / 50); // the check has power
        below(Math.abs(mix.excessGrowthBps.mean - theory), 3 * mix.excessGrowthBps.stderr);
        // Buy-and-hold is not a constant mix: its excess growth is not the closed form.
        below(10 * mix.excessGrowthBps.stderr, Math.abs(hold.excessGrowthBps.mean - theory));
      }
      near(theoreticalExcessGrowth(DEFAULT_BASKET) * 10_000, 739.55, 0.01);
    });
  });

  describe("recommendation and command line", function () {
    it("recommends parameters the vault accepts, within the tracking-error budget", function () {
      const r = recommend(DEFAULT_BASKET, { days: 60, stepHours: 2, seed: 1, scenario: "regimes" }, 4, { navUsd: 1e6, stepHours: 2, costs: COSTS }, 250);
      expect(r.best).to.not.equal(null);
      below(r.best!.trackingErrorBps.mean, 250 + 1e-9);
      const p = r.parameters!;
      expect(p.driftThresholdBps).to.be.within(0, 5000);
      expect(p.minDriftBps).to.be.within(1, 5000);
      expect(p.maxTradeBps).to.be.within(10, 10_000);
      expect(p.cooldownSeconds).to.be.within(60, 7 * 86_400);
      // Every feasible candidate ranked after the best costs at least as much per bps removed.
      const feasible = r.ranked.filter((c) => c.feasible);
      expect(feasible[0].score).to.equal(Math.min(...feasible.map((c) => c.score)));
      // Against trading back to target at the same tracking error (the goal's measure).
      const { costBpsPerYear, share } = r.againstToTarget;
      expect(costBpsPerYear).to.not.equal(null);
      near(share! * costBpsPerYear!, r.best!.costBpsPerYear.mean, 1e-9);
    });

    it("runs small from the command line, writing a table, JSON and a chart; refuses bad options", function () {
      const out = mkdtempSync(path.join(tmpdir(), "ballast-sim-"));
      const tsx = path.resolve("node_modules", "tsx", "dist", "cli.mjs");
      const run = (...args: string[]) => spawnSync(process.execPath, [tsx, "scripts/simulate.ts", ...args], { encoding: "utf8", timeout: 60_000 });
      const ok = run("--paths", "3", "--days", "20", "--scenario", "crash", "--out", out);
      expect(ok.status, ok.stderr).to.equal(0);
      expect(ok.stdout).to.match(/threshold 5%/);
      expect(ok.stdout).to.match(/Theory: a constant mix at the targets grows 739\.6 bps\/yr/);
      // Beside a costed crash run the closed form is a reference, and the output says so; on free plain GBM it applies.
      expect(ok.stdout).to.match(/this run has trading costs and the crash scenario, so it is a reference, not a prediction/);
      const free = run("--paths", "2", "--days", "10", "--scenario", "gbm", "--no-costs", "--out", mkdtempSync(path.join(tmpdir(), "ballast-sim-")));
      expect(free.stdout).to.match(/the closed form applies to this run \(free trading, plain GBM\)/);
      const json = JSON.parse(readFileSync(path.join(out, "results.json"), "utf8"));
      expect(json.policies).to.have.length(19);
      expect(json.config.paths.scenario).to.equal("crash");
      expect(readFileSync(path.join(out, "report.html"), "utf8")).to.match(/<svg[\s\S]*<circle[\s\S]*<path d="M/);
      const bad = run("--paths", "0");
      expect(bad.status).to.equal(1);
      expect(bad.stderr.trim().split("\n")[0]).to.match(/--paths must be a whole number from 1 to 10000/);
      expect(run("--scenario", "moon").stderr).to.match(/Allowed choices are gbm, regimes, crash/);
      expect(existsSync(path.join(out, "recommendation.json"))).to.equal(false);
      // --recommend: the parameters block, and the same strategy as gov lines for a deployed vault.
      const rec = run("--recommend", "--nav", "2000000", "--gas-gwei", "7", "--paths", "2", "--days", "20", "--out", mkdtempSync(path.join(tmpdir(), "ballast-sim-")));
      expect(rec.stderr).to.match(/NAV \$2,000,000; .* 7 gwei/);
      expect(rec.status, rec.stderr).to.equal(0);
      expect(rec.stdout).to.match(/"parameters": \{/);
      expect(rec.stdout).to.match(/Recommended: .+ bps a year at \d+ bps of tracking error(\.|, \d+% of what trading back to target costs at the same tracking error)/);
      for (const name of ["DriftThresholdBps", "MinDriftBps", "RebalanceIntervalSeconds", "MaxTradeBps", "ResidualDriftBps"]) {
        expect(rec.stdout).to.match(new RegExp(`gov propose-parameter --network <network> --name ${name} --value \\d+`));
      }
      // --by-size: each size and mode after a 10% move of target, the auctions' terms and fillers said.
      const bySize = run("--by-size", "--filler-fee-bps", "2", "--filler-depth-scale", "10");
      expect(bySize.status, bySize.stderr).to.equal(0);
      for (const nav of ["$1M", "$10M", "$100M"]) for (const mode of ["slices", "auctions", "hybrid"]) expect(bySize.stdout).to.match(new RegExp(`│ \\${nav}\\s+│ ${mode}\\s+│`));
      expect(bySize.stdout).to.match(/fillers source on a venue charging 2 bps 10x as deep/);
      expect(run("--by-size", "--filler-fee-bps", "-1").stderr).to.match(/--filler-fee-bps must be a number from 0 to 1000/);
      // --frontier: every policy in three scenarios, each scenario's efficient frontier, one page of charts.
      const frontierOut = mkdtempSync(path.join(tmpdir(), "ballast-sim-"));
      const frontier = run("--frontier", "--paths", "2", "--days", "20", "--out", frontierOut);
      expect(frontier.status, frontier.stderr).to.equal(0);
      for (const scenario of ["gbm", "regimes", "crash"]) expect(frontier.stdout).to.match(new RegExp(`│ ${scenario}\\s+│ buy-and-hold`));
      const page = readFileSync(path.join(frontierOut, "frontier.html"), "utf8");
      expect(page.match(/<svg id="frontier-(gbm|regimes|crash)"/g)).to.have.length(3);
      expect(page).to.match(/path class="frontier"/);
    });
  });
});

describe("Simulator cost model against the genuine pools", function () {
  it("predicts what a swap loses on a local full-range pool: the fee plus constant-product impact", async function () {
    const connection = (await network.create()) as Connection;
    const [, trader] = await connection.ethers.getSigners();
    const m = await deployLocalMarket(connection);
    const [usdc, weth, router] = await Promise.all([m.usdc.getAddress(), m.weth.getAddress(), m.router.getAddress()]);
    const depthUsd = Number(LOCAL_MARKET_DEFAULTS.usdcPerWethPool) / 1e6; // $60M a side
    for (const usd of [100_000, 1_000_000, 6_000_000]) {
      const snapshot = await connection.networkHelpers.takeSnapshot();
      const amountIn = BigInt(usd) * 10n ** 6n;
      await fundLocal(connection, weth, trader, usdc, amountIn, router);
      const [sqrtPriceX96] = await m.usdcWethPool.slot0();
      const wethBefore = await m.weth.balanceOf(trader.address);
      await (m.router.connect(trader) as typeof m.router).exactInputSingle({
        tokenIn: usdc, tokenOut: weth, fee: LOCAL_MARKET_FEES.usdcWeth, recipient: trader.address,
        deadline: 2n ** 40n, amountIn, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n,
      });
      const received = Number(await m.weth.balanceOf(trader.address) - wethBefore) / 1e18;
      // Value what arrived at the price before the swap (USD per WETH, from the pool's sqrt price).
      const ratio = (Number(sqrtPriceX96) / 2 ** 96) ** 2; // token1 per token0, raw units
      const usdPerWeth = usdc.toLowerCase() < weth.toLowerCase() ? 1e12 / ratio : ratio * 1e12;
      const lost = usd - received * usdPerWeth;
      const model = swapCost(usd, { symbol: "WETH", volatility: 0, drift: 0, fee: LOCAL_MARKET_FEES.usdcWeth / 1e6, depthUsd });
      near(lost / usd, (model.fee + model.impact) / usd, 0.0002); // within 2 bps of the trade
      await snapshot.restore();
    }
  });
  describe("refusals of honest entries and exits, block by block", function () {
    const options = { paths: 2, days: 2, seed: 3, scenario: "regimes" as const, blockSeconds: 12, windowBlocks: 150, maxDivergence: 0.05 };

    it("refuse more the tighter the current price is held to the references, and never on references alone", function () {
      const rates = refusalRates(DEFAULT_BASKET, options);
      expect(rates.map((r) => r.rule.name)).to.deep.equal(RULES.map((r) => r.name));
      expect(rates[0].refused, "references only: only the breaker refuses").to.equal(rates[0].byBreaker);
      for (let k = 1; k < rates.length; k++) {
        expect(rates[k].refused >= rates[k - 1].refused, `${rates[k].rule.name} refuses at least ${rates[k - 1].rule.name}'s`).to.equal(true);
      }
      const ballast = rates.find((r) => r.rule.toleranceFees === 2)!;
      below(ballast.refused, 0.05);
      expect(rates[rates.length - 1].refused > 0.2, "inside the references: a third of blocks").to.equal(true);
    });

    it("refuse nothing in a market that does not move, and everything the breaker stops in one that jumps", function () {
      const still: Basket = { ...DEFAULT_BASKET, tokens: DEFAULT_BASKET.tokens.map((t) => ({ ...t, volatility: 0 })) };
      for (const r of refusalRates(still, { ...options, scenario: "gbm" })) expect(r.refused, r.rule.name).to.equal(0);
      // A breaker of a basis point: any move refuses while the average catches up.
      const tight = refusalRates(DEFAULT_BASKET, { ...options, maxDivergence: 0.0001 });
      expect(tight[0].byBreaker > 0.5).to.equal(true);
    });
  });
});
