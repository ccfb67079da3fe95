// The keeper's measure of a rebalance (value restored to target against its cost) and its skip rule,
// on worked examples; the simulator's cost-aware policy applies the same rule (test/sim).
import { expect } from "chai";

import { costRule, economicsOf, valueOutOfPlace } from "../../tasks/keeper.js";

const usd = (n: number) => BigInt(Math.round(n * 1e6));
const bps = (...t: number[]) => t.map(BigInt);

describe("The keeper's cost rule", function () {
  it("measures the value out of place as half the sum of the gaps to target", function () {
    // $1M at 40/30/20/10: on target, nothing is out of place.
    expect(valueOutOfPlace([usd(400_000), usd(300_000), usd(200_000), usd(100_000)], bps(4000, 3000, 2000, 1000))).to.equal(0n);
    // $75k of WETH too much and $75k of LINK too little: $75k sits in the wrong place, not $150k.
    expect(valueOutOfPlace([usd(400_000), usd(375_000), usd(200_000), usd(25_000)], bps(4000, 3000, 2000, 1000))).to.equal(usd(75_000));
    // All in the base asset against a 40% target: 60% of NAV is out of place (the vault's 6000 bps drift).
    expect(valueOutOfPlace([usd(1_000_000), 0n, 0n, 0n], bps(4000, 3000, 2000, 1000))).to.equal(usd(600_000));
    // Beyond a 1% return point: $75k - $10k on each side of the WETH-for-LINK case.
    expect(valueOutOfPlace([usd(400_000), usd(375_000), usd(200_000), usd(25_000)], bps(4000, 3000, 2000, 1000), 100n)).to.equal(usd(65_000));
  });

  it("counts a sale and the purchase it pays for once: moving $75k back restores $75k", function () {
    const before = valueOutOfPlace([usd(400_000), usd(375_000), usd(200_000), usd(25_000)], bps(4000, 3000, 2000, 1000));
    // Sell $75k of WETH for USDC, buy $75k of LINK with it, paying $162.50 along the way.
    const after = valueOutOfPlace([usd(400_000 - 162.5), usd(300_000), usd(200_000), usd(100_000)], bps(4000, 3000, 2000, 1000));
    const e = economicsOf({ valueRestored: before - after, poolFees: usd(150), priceImpact: usd(7.5), gasCost: usd(5) });
    // $75k restored, less the $97.50 that the costs leave USDC short of its 40% of the lower NAV.
    expect(e.valueRestored).to.equal(usd(75_000 - 97.5));
    expect(e.cost).to.equal(usd(162.5));
    // 162.5 / 75,000 = 21.67 bps, not a "net benefit" of $74,837.
    expect(e.costBps).to.equal(21.69);
  });

  it("skips above the cap, sends at it, and never caps without --max-cost-bps", function () {
    const e = economicsOf({ valueRestored: usd(100_000), poolFees: usd(900), priceImpact: usd(90), gasCost: usd(10) });
    expect(e.costBps).to.equal(100);
    expect(costRule(e, null)).to.equal(null);
    expect(costRule(e, 100)).to.equal(null);
    expect(costRule(e, 99.99)).to.equal("cost 100 bps of the value restored is above --max-cost-bps 99.99");
    // A pool that pays better than the TWAP lowers the cost (negative impact): still the same rule.
    const lucky = economicsOf({ valueRestored: usd(100_000), poolFees: usd(300), priceImpact: usd(-200), gasCost: usd(10) });
    expect(lucky.cost).to.equal(usd(110));
    expect(costRule(lucky, 11)).to.equal(null);
    expect(costRule(lucky, 10.99)).to.match(/above --max-cost-bps 10.99/);
  });

  it("never pays for a rebalance that restores nothing, however cheap", function () {
    const none = economicsOf({ valueRestored: 0n, poolFees: 0n, priceImpact: 0n, gasCost: 0n });
    expect(none.costBps).to.equal(null);
    expect(costRule(none, 10_000)).to.equal("the rebalance would restore no value to target");
    const worse = economicsOf({ valueRestored: -usd(1), poolFees: 0n, priceImpact: 0n, gasCost: usd(1) });
    expect(costRule(worse, 10_000)).to.equal("the rebalance would restore no value to target");
    // Gas it cannot value counts as nothing only when there is no cap (the task refuses a cap without a price).
    expect(economicsOf({ valueRestored: usd(1000), poolFees: usd(3), priceImpact: 0n, gasCost: null }).cost).to.equal(usd(3));
  });
});
