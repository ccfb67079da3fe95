// The exact optimum of a two-asset rebalancing problem (sim/dp.ts, by dynamic programming) against the
// policies the vault runs: a trigger and a return point (DriftThresholdBps, ResidualDriftBps) can be as
// good as any policy, theory's scaling of the band holds, and the simulator finds the optimum's policy.
import { expect } from "chai";

import { bandLoss, solveTwoAsset, type TwoAssetProblem } from "../../sim/dp.js";
import type { Basket } from "../../sim/market.js";
import { threshold } from "../../sim/policies.js";
import { simulate } from "../../sim/simulate.js";

function within(actual: number, low: number, high: number, what: string) {
  expect(actual >= low && actual <= high, `${what}: ${actual} is not within [${low}, ${high}]`).to.equal(true);
}

describe("The two-asset optimum, by dynamic programming", function () {
  // A token of 60% volatility at half the basket, checked every 4 hours; a 0.3% pool, $20 of gas on a
  // $1M vault, and a basis point of drift held a year worth 0.05 bps of cost.
  const problem: TwoAssetProblem = { sigma: 0.6, stepHours: 4, target: 0.5, proportional: 0.003, fixed: 2e-5, lambda: 0.05 };
  const grid = { points: 1_001, span: 0.2 };
  let optimum: ReturnType<typeof solveTwoAsset>;
  before(function () {
    optimum = solveTwoAsset(problem, grid);
  });

  it("is a trigger and a return point short of target; trading all the way back costs 5% more or worse", function () {
    within(optimum.trigger, 0.05, 0.075, "trigger");
    within(optimum.returnTo, 0.01, optimum.trigger / 2, "return point");
    // That band, as the vault runs it, is the optimum (to the grid's interpolation).
    within(bandLoss(problem, optimum.trigger, optimum.returnTo, grid), optimum.lossBps, optimum.lossBps * 1.01, "the band's loss");
    // The best trade-to-target trigger (return point 0).
    let toTarget = Infinity;
    for (let t = 0.03; t <= 0.1; t += 0.005) toTarget = Math.min(toTarget, bandLoss(problem, t, 0, { points: 501, span: 0.2 }));
    expect(toTarget).to.be.greaterThan(optimum.lossBps * 1.05);
  });

  it("scales as theory says for a loss linear in drift: proportional cost alone, to the band's edge, width ∝ c^(1/2); fixed cost alone, back to target, width ∝ F^(1/3)", function () {
    const small = solveTwoAsset({ ...problem, fixed: 0, proportional: 0.001 }, grid);
    const large = solveTwoAsset({ ...problem, fixed: 0, proportional: 0.008 }, grid);
    for (const s of [small, large]) within(s.returnTo, s.trigger - 0.001, s.trigger, "trades to the band's edge");
    within(Math.log(large.trigger / small.trigger) / Math.log(8), 0.45, 0.62, "exponent of c");
    const cheap = solveTwoAsset({ ...problem, proportional: 0, fixed: 1e-5 }, grid);
    const dear = solveTwoAsset({ ...problem, proportional: 0, fixed: 16e-5 }, grid);
    for (const s of [cheap, dear]) within(s.returnTo, 0, 0.0025, "trades back to target");
    within(Math.log(dear.trigger / cheap.trigger) / Math.log(16), 0.28, 0.4, "exponent of F");
  });

  it("the simulator's best trigger and return point (40 one-year paths) is within 2% of the optimum, and its simulated loss within 5%", function () {
    const basket: Basket = {
      tokens: [
        { symbol: "BASE", volatility: 0, drift: 0, fee: 0, depthUsd: Infinity },
        { symbol: "RISK", volatility: problem.sigma, drift: 0, fee: problem.proportional, depthUsd: Infinity },
      ],
      targets: [0.5, 0.5],
      correlation: [[1, 0], [0, 1]],
    };
    const policies = [];
    for (const t of [400, 500, 600, 700, 800]) for (const r of [0, 150, 200, 250, 300, 350]) policies.push(threshold(t, 1, 0, r));
    // $20 of gas per one-swap rebalance on $1M: 200,000 gas at 20 gwei and $5,000.
    const costs = { gasPriceGwei: 20, nativePriceUsd: 5_000, gasBase: 0, gasPerSwap: 200_000, gasAuctionOpen: 0, gasAuctionFill: 0, gasDerivedReturnPoint: 0 };
    const r = simulate({ basket, paths: { days: 365, stepHours: 4, seed: 7, scenario: "gbm" }, pathCount: 40, settings: { navUsd: 1e6, stepHours: 4, costs }, policies });
    const scored = r.policies.map((x) => ({ t: x.params.bps / 10_000, r: x.params.residualBps / 10_000, loss: x.costBpsPerYear.mean + problem.lambda * x.trackingErrorBps.mean }));
    const best = scored.reduce((a, b) => (b.loss < a.loss ? b : a));
    expect(best.r, "a return point short of target").to.be.greaterThan(0);
    within(bandLoss(problem, best.t, best.r, grid), optimum.lossBps, optimum.lossBps * 1.02, "the simulator's choice, valued exactly");
    within(best.loss, optimum.lossBps * 0.95, optimum.lossBps * 1.05, "the simulator's own figure");
  });
});
