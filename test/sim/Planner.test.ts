// The simulator's port of the planner (sim/planner.ts) against the compiled Solidity planner, on random
// baskets of 2 to 16 holdings: values over many magnitudes, targets, bands, residuals, caps (slices)
// and direct pair routes. Every plan must be the same, trade for trade.
import { expect } from "chai";
import { network } from "hardhat";

import { plan } from "../../sim/planner.js";
import { uniform } from "../../sim/random.js";
import { returnPointBps } from "../../sim/return-point.js";

describe("The simulator's planner is the contract's", function () {
  it("plans the same trades as RebalancePlanner on 300 random baskets", async function () {
    const { ethers } = await network.create();
    const harness = await ethers.deployContract("PlannerHarness");
    const rand = uniform(7);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    let nonEmpty = 0;
    let capped = 0;
    let paired = 0;
    for (let k = 0; k < 300; k++) {
      const n = int(2, 16);
      const values = Array.from({ length: n }, () => (rand() < 0.1 ? 0n : BigInt(Math.floor(rand() * 10 ** int(0, 12))) * 10n ** BigInt(int(0, 12))));
      // Targets summing to 10,000, some zero (tokens being wound down).
      const raw = Array.from({ length: n }, () => (rand() < 0.15 ? 0 : rand()));
      const sum = raw.reduce((a, b) => a + b, 0) || 1;
      const targets = raw.map((r) => Math.floor((r / sum) * 10_000));
      targets[0] += 10_000 - targets.reduce((a, b) => a + b, 0);
      const masks = Array.from({ length: n }, () => 0n);
      for (let i = 1; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          if (rand() < 0.2) {
            masks[i] |= 1n << BigInt(j);
            masks[j] |= 1n << BigInt(i);
          }
        }
      }
      const total = values.reduce((a, v) => a + v, 0n);
      const caps = Array.from({ length: n }, () => (total * BigInt(int(10, 10_000))) / 10_000n);
      const band = BigInt(int(0, 500));
      const residual = BigInt(rand() < 0.5 ? 0 : int(0, 1_000));
      // Each route's cost (fee tiers in pips along it), with ties: the fill's order.
      const costs = Array.from({ length: n }, () => BigInt([500, 3000, 3500, 10000][int(0, 3)]));
      const [expected, expectedLimited] = await harness.plan(values, targets, masks, band, residual, caps, costs);
      const { trades: got, limited } = plan(values, targets, masks, band, residual, caps, costs);
      expect(got.map((t) => [t.from, t.to, t.value]), `case ${k}`).to.deep.equal(expected.map((t: { from: bigint; to: bigint; value: bigint }) => [Number(t.from), Number(t.to), t.value]));
      expect(limited, `case ${k}`).to.equal(expectedLimited);
      if (got.length > 0) nonEmpty++;
      if (got.some((t) => t.from !== 0 && t.to !== 0)) paired++;
      if (limited) capped++;
    }
    // The cases exercised what matters: most plans trade, and some trade pair to pair.
    expect(nonEmpty).to.be.greaterThan(200);
    expect(paired).to.be.greaterThan(20);
    // Some plans the caps limited, and most not.
    expect(capped).to.be.greaterThan(20);
    expect(capped).to.be.lessThan(250);
  });

  it("derives the same return point as ReturnPoint on 500 random vaults", async function () {
    const { ethers } = await network.create();
    const harness = await ethers.deployContract("PlannerHarness");
    const rand = uniform(11);
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
    const big = (digits: number) => BigInt(Math.floor(rand() * 1e9)) * 10n ** BigInt(Math.max(0, digits - 9));
    const seen = new Set<string>();
    for (let k = 0; k < 500; k++) {
      const threshold = BigInt(rand() < 0.05 ? 0 : int(1, 5_000));
      const floor = BigInt(int(0, 1_000));
      const ceiling = BigInt(int(0, 5_000));
      // NAV from dust to $10B at 6 decimals, the fixed cost from nothing to the vault's whole worth.
      const nav = rand() < 0.03 ? 0n : big(int(1, 16));
      const fixedCost = rand() < 0.05 ? 0n : big(int(1, 16));
      const cost = BigInt(rand() < 0.03 ? 0 : int(1, 20_000));
      const expected = await harness.returnPoint(threshold, floor, ceiling, nav, fixedCost, cost);
      const got = returnPointBps(threshold, floor, ceiling, nav, fixedCost, cost);
      expect(got, `case ${k}`).to.equal(expected);
      seen.add(got === floor ? "floor" : got === ceiling || got === threshold ? "ceiling" : "between");
    }
    // Each regime came up: the floor, the ceiling (or the threshold), and the rule between them.
    expect([...seen].sort()).to.deep.equal(["between", "ceiling", "floor"]);
  });
});
