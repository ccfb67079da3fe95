import { anyUint } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";

import { LOCAL_MARKET_FEES } from "../../deploy/modules/LocalMarket.js";
import { uniswapPoolArtifact } from "../../deploy/lib/uniswap-artifacts.js";
import { usd } from "../helpers/attack.js";
import { signedBy } from "../helpers/assertions.js";
import { donateTokens, expectRefusedPastMax, marketSwap, Parameter, timelockSigner, USDC, useBallast, type BallastFixture } from "../helpers/vault.js";

const YEAR = 365 * 86_400;
const INTERVAL = 600;

describe("RebalancingVault: a threshold scaled by volatility", function () {
  const suite = useBallast();
  const load = () => suite.load();
  const time = () => suite.connection.networkHelpers.time;

  async function setParameters(f: BallastFixture, values: [number, number][]) {
    const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
    for (const [parameter, value] of values) await gov.setParameter(parameter, value);
  }

  async function wethPool(f: BallastFixture) {
    const address = await f.factory.getPool(f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth);
    return suite.connection.ethers.getContractAt(uniswapPoolArtifact.abi, address);
  }

  /**
   * Moves WETH up by buying it with `usdIn`, holds an interval, sells what it bought, holds an
   * interval, `times` times; returns the pool's tick through each interval and the trader's loss.
   */
  async function wiggle(f: BallastFixture, times: number, usdIn: bigint) {
    const { attacker } = f.signers;
    const pool = await wethPool(f);
    const ticks: number[] = [];
    const before = BigInt(await f.usdc.balanceOf(attacker.address));
    for (let k = 0; k < times; k++) {
      const wethBefore = await f.weth.balanceOf(attacker.address);
      await marketSwap(suite.connection, f, attacker, f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth, USDC(usdIn));
      ticks.push(Number((await pool.slot0())[1]));
      await time().increase(INTERVAL - 1);
      const bought = (await f.weth.balanceOf(attacker.address)) - wethBefore;
      await signedBy(f.weth, attacker).approve(await f.router.getAddress(), bought);
      await signedBy(f.router, attacker).exactInputSingle({ tokenIn: f.tokens.weth, tokenOut: f.tokens.usdc, fee: LOCAL_MARKET_FEES.usdcWeth, recipient: attacker.address, deadline: 2n ** 40n, amountIn: bought, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n });
      ticks.push(Number((await pool.slot0())[1]));
      await time().increase(INTERVAL - 2);
    }
    // marketSwap mints the USDC it spends: the loss is what came back short of it.
    const spent = USDC(usdIn) * BigInt(times);
    return { ticks, loss: spent - (BigInt(await f.usdc.balanceOf(attacker.address)) - before) };
  }

  /** The annualised volatility (bps) of prices held at `ticks`, one interval each: RMS of the changes. */
  function expectedVolatility(ticks: number[]) {
    let sumSq = 0;
    for (let i = 1; i < ticks.length; i++) sumSq += (ticks[i] - ticks[i - 1]) ** 2;
    return Math.sqrt((sumSq / (ticks.length - 1)) * (YEAR / INTERVAL));
  }

  it("is measured from the pools' recorded prices: none in a calm market, the moves' size in a volatile one", async function () {
    const f = await load();
    await time().increase(8 * INTERVAL);
    expect(await f.oracle.volatility(f.tokens.weth, INTERVAL, 4)).to.equal(0n);
    const { ticks } = await wiggle(f, 3, 2_000_000n);
    const measured = Number(await f.oracle.volatility(f.tokens.weth, INTERVAL, 6));
    const expected = expectedVolatility(ticks);
    expect(expected).to.be.greaterThan(10_000);
    // The stretches start a few seconds off the swaps (one second a transaction): within 2%.
    expect(Math.abs(measured - expected) / expected).to.be.lessThan(0.02);
    // Longer than the pool's history: refused, so the vault falls back to the static threshold.
    await expect(f.oracle.volatility(f.tokens.weth, 86_400, 24)).to.be.revertedWithCustomError(f.oracle, "TwapUnavailable");
    expect(await f.oracle.volatility(f.tokens.usdc, INTERVAL, 4)).to.equal(0n);
  });

  it("scales the threshold with the basket's volatility, within the floor and the ceiling, and the trigger follows it", async function () {
    const f = await load();
    const { alice } = f.signers;
    // The calendar trigger off: the threshold alone decides.
    await setParameters(f, [[Parameter.RebalanceIntervalSeconds, 0]]);
    // At the targets, then $60k more USDC: drift of about 340 bps, under the static 500.
    await signedBy(f.vault, alice).deposit(USDC(400_000), alice.address);
    await donateTokens(f, 600_000n);
    await signedBy(f.vault, alice).deposit(USDC(60_000), alice.address);
    const drift = Number(await f.vault.driftBps());
    expect(drift).to.be.within(300, 400);
    expect((await f.vault.rebalanceStatus()).slice(4, 6)).to.deep.equal([500n, 0n]);
    expect((await f.vault.rebalanceStatus())[0]).to.equal(false);

    await setParameters(f, [
      [Parameter.VolReferenceBps, 10_000],
      [Parameter.VolMinThresholdBps, 200],
      [Parameter.VolMaxThresholdBps, 1_000],
      [Parameter.VolIntervalSeconds, INTERVAL],
      [Parameter.VolIntervals, 4],
    ]);
    // Calm: no volatility, the floor. Drift of 340 is past it: a rebalance is due.
    await time().increase(5 * INTERVAL);
    expect((await f.vault.rebalanceStatus()).slice(4, 6)).to.deep.equal([200n, 0n]);
    let [due, trigger] = await f.vault.rebalanceStatus();
    expect([due, trigger]).to.deep.equal([true, 1n]);

    // WETH swings: the basket's volatility is WETH's weighted by its 30% of the non-base targets' 60%.
    const { ticks } = await wiggle(f, 2, 3_000_000n);
    const [thresholdBps, volatilityBps] = (await f.vault.rebalanceStatus()).slice(4, 6);
    const weth = Number(await f.oracle.volatility(f.tokens.weth, INTERVAL, 4));
    expect(Number(volatilityBps)).to.equal(Math.floor((weth * 3_000) / 6_000));
    expect(weth).to.be.closeTo(Math.round(expectedVolatility(ticks.slice(-5))), Math.floor(weth / 20));
    expect(thresholdBps).to.equal(BigInt(Math.min(1_000, Math.max(200, Math.floor((500 * Number(volatilityBps)) / 10_000)))));
    expect(thresholdBps).to.be.greaterThan(BigInt(drift));
    [due] = await f.vault.rebalanceStatus();
    expect(due).to.equal(false);
    await expect(signedBy(f.vault, f.signers.keeper).rebalance())
      .to.be.revertedWithCustomError(f.vault, "VaultRebalanceNotDue")
      .withArgs(anyUint, thresholdBps, 0);

    // A window longer than the pools' history: the static threshold, volatility 0.
    await setParameters(f, [[Parameter.VolIntervalSeconds, 86_400], [Parameter.VolIntervals, 24]]);
    expect((await f.vault.rebalanceStatus()).slice(4, 6)).to.deep.equal([500n, 0n]);
  });

  it("costs its manipulator the pools' fees and impact, for a delay bounded by the ceiling", async function () {
    const f = await load();
    await setParameters(f, [
      [Parameter.VolReferenceBps, 10_000],
      [Parameter.VolMaxThresholdBps, 800],
      [Parameter.VolIntervalSeconds, INTERVAL],
      [Parameter.VolIntervals, 4],
    ]);
    await signedBy(f.vault, f.signers.alice).deposit(USDC(400_000), f.signers.alice.address);
    await donateTokens(f, 600_000n);
    await time().increase(5 * INTERVAL);
    const [calm] = (await f.vault.rebalanceStatus()).slice(4, 6);
    // Holding WETH 4% up for an interval, twice (the most a push inside the oracle's 5% breaker can be).
    const { loss } = await wiggle(f, 2, 4_000_000n);
    const [pushed, volatility] = (await f.vault.rebalanceStatus()).slice(4, 6);
    console.log(`      pushing WETH about 4% for two ${INTERVAL / 60}-minute stretches: threshold ${calm} -> ${pushed} bps (basket volatility ${volatility} bps a year), for ${usd(-loss)} in pool fees and impact alone (no arbitrageur here; on a real market each push is also arbitraged away)`);
    expect(pushed).to.be.lessThanOrEqual(800n);
    expect(loss).to.be.greaterThan(USDC(3_000));
  });

  it("refuses its parameters beyond their bounds", async function () {
    await expectRefusedPastMax(suite.connection, await load(), [
      [Parameter.VolReferenceBps, 50_000],
      [Parameter.VolMinThresholdBps, 5_000],
      [Parameter.VolMaxThresholdBps, 5_000],
      [Parameter.VolIntervalSeconds, 86_400],
      [Parameter.VolIntervals, 24],
    ]);
  });
});
