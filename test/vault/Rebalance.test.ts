import { anyUint } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { AbiCoder, Contract, Interface, MaxUint256, ZeroAddress } from "ethers";

import { LOCAL_MARKET_FEES } from "../../deploy/modules/LocalMarket.js";
import { fundLocal } from "../../deploy/lib/local-ballast.js";
import { uniswapPoolArtifact } from "../../deploy/lib/uniswap-artifacts.js";
import { encodePath, reversePath } from "../../deploy/lib/uniswap-path.js";
import { inOneBlock } from "../helpers/attack.js";
import { signedBy } from "../helpers/assertions.js";
import {
  donateTokens,
  govern,
  listFeeOnTransferToken,
  listNewToken,
  marketSwap,
  rebalanceEvents,
  TARGETS,
  timelockSigner,
  TWAP_WINDOW,
  USDC,
  Parameter,
  useBallast,
  type BallastFixture,
  type Signer,
} from "../helpers/vault.js";

const Trigger = { None: 0n, Threshold: 1n, Calendar: 2n, Unfinished: 3n };
const HOUR = 3600;

describe("RebalancingVault: rebalance", function () {
  const suite = useBallast();
  const load = () => suite.load();
  const time = () => suite.connection.networkHelpers.time;

  async function setParameter(f: BallastFixture, parameter: number, value: bigint | number) {
    await signedBy(f.vault, await timelockSigner(suite.connection, f)).setParameter(parameter, value);
  }

  /** Alice deposits `usd` of USDC: the vault is all base asset, 60% away from its 40% target. */
  async function deposited(usd = 1_000_000n) {
    const f = await load();
    await signedBy(f.vault, f.signers.alice).deposit(USDC(usd), f.signers.alice.address);
    return f;
  }

  /** Governance routes WBTC to the base asset through WETH (two hops); returns the timelock's signer. */
  async function routeWbtcThroughWeth(f: BallastFixture) {
    const gov = await timelockSigner(suite.connection, f);
    const viaWeth = encodePath([f.tokens.wbtc, f.tokens.weth, f.tokens.usdc], [LOCAL_MARKET_FEES.wbtcWeth, LOCAL_MARKET_FEES.usdcWeth]);
    await signedBy(f.vault, gov).setSwapPath(f.tokens.wbtc, viaWeth);
    return gov;
  }

  async function rebalanceBy(f: BallastFixture, who = f.signers.keeper) {
    return signedBy(f.vault, who).rebalance();
  }

  /** A back-run: `who` sells all it holds of `token` for USDC in the pool of fee tier `fee`. */
  async function sellAllForUsdc(f: BallastFixture, who: Signer, token: typeof f.weth | typeof f.wbtc, fee: number) {
    await signedBy(token, who).approve(await f.router.getAddress(), MaxUint256);
    await signedBy(f.router, who).exactInputSingle({
      tokenIn: await token.getAddress(),
      tokenOut: f.tokens.usdc,
      fee,
      recipient: who.address,
      deadline: (await time().latest()) + 600,
      amountIn: await token.balanceOf(who.address),
      amountOutMinimum: 0n,
      sqrtPriceLimitX96: 0n,
    });
  }

  /** Rebalances every cooldown until not due; returns the number of calls. */
  async function rebalanceUntilSettled(f: BallastFixture, max = 40) {
    for (let calls = 0; calls < max; calls++) {
      const [due] = await f.vault.rebalanceStatus();
      if (!due) return calls;
      await rebalanceBy(f);
      await time().increase(HOUR);
    }
    throw new Error("still due after many rebalances");
  }

  /**
   * Lists a fee-on-transfer token (see `listFeeOnTransferToken`) with `holding` of it in the vault, and sets
   * the targets of USDC, WETH, WBTC, LINK and it to `targetsBps`, acting as the timelock.
   */
  async function listFeeToken(f: BallastFixture, holding: bigint, targetsBps: number[]) {
    const { fot, fotAddress } = await listFeeOnTransferToken(suite.connection, f, holding);
    const gov = await timelockSigner(suite.connection, f);
    await signedBy(f.vault, gov).setTargets([f.tokens.usdc, f.tokens.weth, f.tokens.wbtc, f.tokens.link, fotAddress], targetsBps);
    return { fot, fotAddress };
  }

  describe("buying the basket", function () {
    it("trades an all-base vault toward its targets in slices of at most MaxTradeBps, within the slippage bound", async function () {
      const f = await deposited();
      const navBefore = await f.vault.totalAssets();
      const driftBefore = await f.vault.driftBps();
      expect(driftBefore).to.equal(6_000n);

      const receipt = await (await rebalanceBy(f)).wait();
      const { trades, rebalanced } = rebalanceEvents(f, receipt);
      expect(trades).to.have.length(3, "one buy per token, nothing for the base asset");
      const cap = (navBefore * 1_000n) / 10_000n;
      for (const t of trades) {
        expect(t.tokenIn).to.equal(f.tokens.usdc);
        expect(t.amountIn).to.be.lessThanOrEqual(cap, "each slice is at most 10% of NAV");
        // Out at least the oracle's expectation less 1%, and not absurdly more.
        expect(t.amountOut * 10_000n).to.be.greaterThanOrEqual(t.expectedOut * 9_900n);
        expect(t.amountOut).to.be.lessThanOrEqual(t.expectedOut);
      }
      expect(rebalanced.caller).to.equal(f.signers.keeper.address);
      expect(rebalanced.trigger).to.equal(Trigger.Threshold);
      expect(rebalanced.navBefore).to.equal(navBefore);
      expect(rebalanced.driftBeforeBps).to.equal(driftBefore);
      expect(rebalanced.driftAfterBps).to.be.lessThan(driftBefore);
      expect(rebalanced.trades).to.equal(3n);
      const traded = trades.reduce((s, t) => s + t.amountIn, 0n);
      expect(navBefore - rebalanced.navAfter).to.be.lessThanOrEqual((traded * 100n) / 10_000n, "NAV loss within 1% of what traded");
      expect(rebalanced.navAfter).to.be.greaterThan(0n);
    });

    it("keeps slicing, one call per cooldown, past the threshold until it lands at its return point", async function () {
      const f = await deposited();
      const calls = await rebalanceUntilSettled(f);
      // 60% to move from the base asset, 10% of NAV per token per call, WETH needing 30%: 3 calls at least.
      expect(calls).to.be.greaterThanOrEqual(3);
      // Not just under the 5% threshold: within MinDriftBps (1%, the return point with ResidualDriftBps 0),
      // give or take the last slices' fees.
      expect(await f.vault.driftBps()).to.be.lessThanOrEqual(110n);
      const weights = await f.vault.currentWeights();
      weights.forEach((w: bigint, i: number) => expect(Number(w)).to.be.closeTo(TARGETS[i], 500));
      // What a depositor holds lost at most the slippage of what was traded (60% of NAV, twice 1%).
      expect(await f.vault.totalAssets()).to.be.greaterThan((USDC(1_000_000) * 99n) / 100n);
    });

    it("uses a direct route between two tokens when one is set: one swap instead of two", async function () {
      // A $200k vault settled within 1% of its targets: slices sized to the pools take a few calls.
      const f = await deposited(200_000n);
      const gov = await timelockSigner(suite.connection, f);
      await setParameter(f, Parameter.MaxTradeBps, 10_000);
      await setParameter(f, Parameter.DriftThresholdBps, 100);
      await rebalanceUntilSettled(f);
      // BTC rallies about 15% against everything, in both of its pools: WBTC is overweight, the others under.
      const trader = f.signers.carol;
      await marketSwap(suite.connection, f, trader, f.tokens.usdc, f.tokens.wbtc, LOCAL_MARKET_FEES.usdcWbtc, USDC(4_340_000));
      await marketSwap(suite.connection, f, trader, f.tokens.weth, f.tokens.wbtc, LOCAL_MARKET_FEES.wbtcWeth, 724n * 10n ** 18n);
      await time().increase(TWAP_WINDOW + 60);
      await setParameter(f, Parameter.DriftThresholdBps, 100);
      const pair = encodePath([f.tokens.wbtc, f.tokens.weth], [LOCAL_MARKET_FEES.wbtcWeth]);
      await expect(signedBy(f.vault, gov).setPairPath(f.tokens.wbtc, f.tokens.weth, pair))
        .to.emit(f.vault, "PairPathSet")
        .withArgs(f.tokens.wbtc, f.tokens.weth, "0x", pair);
      expect(await f.vault.pairPath(f.tokens.weth, f.tokens.wbtc)).to.equal(encodePath([f.tokens.weth, f.tokens.wbtc], [3000]));

      const plan: { tokenIn: string; tokenOut: string }[] = await f.vault.previewRebalance();
      const direct = plan.filter((t) => t.tokenIn === f.tokens.wbtc && t.tokenOut === f.tokens.weth);
      expect(direct).to.have.length(1, "WBTC sold straight for WETH");
      expect(plan.some((t) => t.tokenIn === f.tokens.usdc && t.tokenOut === f.tokens.weth)).to.equal(false, "not through USDC");
      const { trades } = rebalanceEvents(f, await (await rebalanceBy(f)).wait());
      expect(trades.map((t) => [t.tokenIn, t.tokenOut])).to.deep.include([f.tokens.wbtc, f.tokens.weth]);
      expect(trades.length).to.equal(plan.length);
    });

    it("returns the swaps it made, as its events record them, and previewRebalance the same plan", async function () {
      const f = await deposited();
      // Two hops for WBTC, so that paths of different lengths sit side by side in the returned array.
      const gov = await routeWbtcThroughWeth(f);
      await signedBy(f.vault, gov).setTargets([f.tokens.usdc, f.tokens.weth, f.tokens.wbtc, f.tokens.link], [4_000, 3_000, 2_000, 1_000]);
      const at = (await time().latest()) + 12;
      await time().setNextBlockTimestamp(at);
      const keeper = signedBy(f.vault, f.signers.keeper);
      const returned = await keeper.rebalance.staticCall({ blockTag: "pending" });
      const preview = await f.vault.previewRebalance({ blockTag: "pending" });
      const { trades, rebalanced } = rebalanceEvents(f, await (await keeper.rebalance()).wait());
      expect(trades.length).to.be.greaterThan(1);
      expect(returned.length).to.equal(trades.length);
      expect(rebalanced.trades).to.equal(BigInt(trades.length));
      const fields = ["tokenIn", "tokenOut", "amountIn", "amountOut", "expectedOut", "minAmountOut", "path"] as const;
      for (const [k, t] of trades.entries()) {
        for (const field of fields) expect(returned[k][field]).to.equal(t[field], `trade ${k}: ${field}`);
        expect(returned[k].value).to.be.greaterThan(0n);
        // The preview plans the same swaps; it does not swap, so reports no output.
        for (const field of ["tokenIn", "tokenOut", "amountIn", "minAmountOut", "value", "path"] as const) {
          expect(preview[k][field]).to.equal(returned[k][field], `preview ${k}: ${field}`);
        }
        expect(preview[k].amountOut).to.equal(0n);
      }
      expect(returned.some((t: { path: string }) => t.path.length === 2 + 2 * 66)).to.equal(true, "a two-hop path among them");
    });

    it("buys the one token with a target when the tokens listed before it hold nothing and have none", async function () {
      const f = await deposited();
      const gov = await timelockSigner(suite.connection, f);
      // WETH and WBTC: no value and no target, so no candidate path; LINK, listed last, is bought.
      await signedBy(f.vault, gov).setTargets([f.tokens.usdc, f.tokens.weth, f.tokens.wbtc, f.tokens.link], [6_000, 0, 0, 4_000]);
      const plan = await f.vault.previewRebalance();
      expect(plan.length).to.be.greaterThan(0);
      const linkPath = await f.vault.swapPath(f.tokens.link);
      for (const t of plan) {
        expect([t.tokenIn, t.tokenOut]).to.deep.equal([f.tokens.usdc, f.tokens.link]);
        expect(t.path).to.equal(reversePath(linkPath), "LINK's own path, walked backwards");
      }
      const { trades } = rebalanceEvents(f, await (await rebalanceBy(f)).wait());
      expect(trades.map((t) => t.tokenOut)).to.deep.equal(plan.map((t: { tokenOut: string }) => t.tokenOut));
    });

    it("trades along a multi-hop swap path, walked backwards to buy", async function () {
      const f = await deposited();
      const gov = await routeWbtcThroughWeth(f);
      // Two pools' fees and impact: buy WBTC alone, in 5% slices, to stay within the 1% bound.
      await signedBy(f.vault, gov).setTargets([f.tokens.usdc, f.tokens.weth, f.tokens.wbtc, f.tokens.link], [8_000, 0, 2_000, 0]);
      await setParameter(f, Parameter.MaxTradeBps, 500);
      const { trades } = rebalanceEvents(f, await (await rebalanceBy(f)).wait());
      const wbtcBuy = trades.find((t) => t.tokenOut === f.tokens.wbtc)!;
      expect(wbtcBuy.tokenIn).to.equal(f.tokens.usdc);
      expect(wbtcBuy.amountOut * 10_000n).to.be.greaterThanOrEqual(wbtcBuy.expectedOut * 9_900n);
      const plan = await f.vault.previewRebalance();
      expect(plan.find((t: { tokenOut: string }) => t.tokenOut === f.tokens.wbtc)?.path).to.equal(
        encodePath([f.tokens.usdc, f.tokens.weth, f.tokens.wbtc], [LOCAL_MARKET_FEES.usdcWeth, LOCAL_MARKET_FEES.wbtcWeth]),
      );
      // Back to its own pool: the vault trades along the path set last (a one-hop path is kept as its
      // pool's fee beside the holding, and must follow every change).
      await signedBy(f.vault, gov).setSwapPath(f.tokens.wbtc, f.paths[1]);
      expect(await f.vault.swapPath(f.tokens.wbtc)).to.equal(f.paths[1]);
      expect((await f.vault.previewRebalance()).find((t: { tokenOut: string }) => t.tokenOut === f.tokens.wbtc)?.path).to.equal(
        encodePath([f.tokens.usdc, f.tokens.wbtc], [LOCAL_MARKET_FEES.usdcWbtc]),
      );
    });
  });

  // Old design: the vault swapped through SwapRouter, on a standing approval of every listed token.
  describe("paying the pools it swaps on (no router)", function () {
    /** Every listed token's allowance from the vault to `spender`. */
    async function allowances(f: BallastFixture, spender: string) {
      const vault = await f.vault.getAddress();
      const tokens = [f.usdc, f.weth, f.wbtc, f.link];
      return Promise.all(tokens.map((t) => t.allowance(vault, spender)));
    }

    it("approves no router, and pays each pool of a two-hop trade exactly what it swapped", async function () {
      const f = await deposited();
      const gov = await routeWbtcThroughWeth(f);
      await signedBy(f.vault, gov).setTargets([f.tokens.usdc, f.tokens.weth, f.tokens.wbtc, f.tokens.link], [8_000, 0, 2_000, 0]);
      const router = await f.router.getAddress();
      expect(await allowances(f, router)).to.deep.equal([0n, 0n, 0n, 0n]);
      const usdcWeth = await f.factory.getPool(f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth);
      const wethWbtc = await f.factory.getPool(f.tokens.weth, f.tokens.wbtc, LOCAL_MARKET_FEES.wbtcWeth);
      const [usdcIn, wethIn] = [await f.usdc.balanceOf(usdcWeth), await f.weth.balanceOf(wethWbtc)];
      const vault = await f.vault.getAddress();
      const [vaultUsdc, vaultWeth] = [await f.usdc.balanceOf(vault), await f.weth.balanceOf(vault)];
      const { trades } = rebalanceEvents(f, await (await rebalanceBy(f)).wait());
      expect(trades).to.have.length(1);
      const [buy] = trades;
      expect([buy.tokenIn, buy.tokenOut]).to.deep.equal([f.tokens.usdc, f.tokens.wbtc]);
      expect(buy.amountOut).to.be.greaterThanOrEqual(buy.minAmountOut);
      // The first pool was paid the trade's USDC; the WETH it sent went on to the second pool, all of it.
      expect((await f.usdc.balanceOf(usdcWeth)) - usdcIn).to.equal(buy.amountIn);
      expect(vaultUsdc - (await f.usdc.balanceOf(vault))).to.equal(buy.amountIn);
      expect(await f.weth.balanceOf(vault)).to.equal(vaultWeth, "the WETH between the hops passed through");
      expect((await f.weth.balanceOf(wethWbtc)) - wethIn).to.be.greaterThan(0n);
      expect(await allowances(f, router)).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("relays a pool's refusal: selling a token that arrives short fails with VaultSwapFailed and the pool's reason", async function () {
      const f = await deposited();
      // $100k of FOT held, target 0: the vault sells it. Paid in FOT, the pool receives 1% less than it is owed.
      const { fot, fotAddress } = await listFeeToken(f, USDC(100_000), [10_000, 0, 0, 0, 0]);
      await fot.setFeeBps(100);
      const vault = await f.vault.getAddress();
      const held = await fot.balanceOf(vault);
      const iia = Interface.from(["function Error(string)"]).encodeFunctionData("Error", ["IIA"]);
      await expect(rebalanceBy(f))
        .to.be.revertedWithCustomError(f.vault, "VaultSwapFailed")
        .withArgs(fotAddress, f.tokens.usdc, anyUint, anyUint, iia);
      expect(await fot.balanceOf(vault)).to.equal(held);
    });

    it("refuses its swap callback to anyone but the pool it is swapping on, the pool itself outside the swap", async function () {
      const f = await deposited();
      const { attacker } = f.signers;
      const vault = await f.vault.getAddress();
      const pay = (token: string) => [USDC(1_000), USDC(1_000), AbiCoder.defaultAbiCoder().encode(["address"], [token])] as const;
      await expect(signedBy(f.vault, attacker).uniswapV3SwapCallback(...pay(f.tokens.usdc)))
        .to.be.revertedWithCustomError(f.vault, "PoolSwapUnexpectedCallback")
        .withArgs(attacker.address);
      // The pool a rebalance trades on, calling on its own between rebalances.
      const pool = await f.factory.getPool(f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth);
      await suite.connection.networkHelpers.impersonateAccount(pool);
      await suite.connection.networkHelpers.setBalance(pool, 10n ** 18n);
      const asPool = await suite.connection.ethers.getSigner(pool);
      const poolUsdc = await f.usdc.balanceOf(pool);
      await expect(signedBy(f.vault, asPool).uniswapV3SwapCallback(...pay(f.tokens.usdc)))
        .to.be.revertedWithCustomError(f.vault, "PoolSwapUnexpectedCallback")
        .withArgs(pool);
      expect(await f.usdc.balanceOf(pool)).to.equal(poolUsdc);
      expect(await f.usdc.balanceOf(vault)).to.equal(USDC(1_000_000));
    });

    it("refuses its swap callback to a token's transfer hook inside the swap, and the swap goes on", async function () {
      const f = await deposited();
      const hook = await suite.connection.ethers.deployContract("HookToken");
      const hookAddress = await hook.getAddress();
      await listNewToken(suite.connection, f, hook, 1n);
      const gov = await timelockSigner(suite.connection, f);
      await signedBy(f.vault, gov).setTargets([f.tokens.usdc, f.tokens.weth, f.tokens.wbtc, f.tokens.link, hookAddress], [9_000, 0, 0, 0, 1_000]);
      // When the pool sends the vault its HOOK (within the swap, before the pool asks to be paid), the hook
      // asks the vault to pay it a million USDC.
      const pool = await f.factory.getPool(f.tokens.usdc, hookAddress, 3000);
      const vault = await f.vault.getAddress();
      const callback = f.vault.interface.encodeFunctionData("uniswapV3SwapCallback", [
        USDC(1_000_000), USDC(1_000_000), AbiCoder.defaultAbiCoder().encode(["address"], [f.tokens.usdc]),
      ]);
      await hook.arm(pool, vault, callback);
      const poolUsdc = await f.usdc.balanceOf(pool);
      const { trades } = rebalanceEvents(f, await (await rebalanceBy(f)).wait());
      expect(await hook.armed(), "the hook fired inside the swap").to.equal(false);
      expect(await hook.lastCallSucceeded()).to.equal(false);
      expect(await hook.lastReturnData()).to.equal(
        f.vault.interface.encodeErrorResult("PoolSwapUnexpectedCallback", [hookAddress]),
      );
      expect(await f.usdc.balanceOf(hookAddress)).to.equal(0n);
      const buy = trades.find((t) => t.tokenOut === hookAddress)!;
      expect((await f.usdc.balanceOf(pool)) - poolUsdc).to.equal(buy.amountIn, "the pool was paid once");
      expect(await hook.balanceOf(vault)).to.equal(buy.amountOut);
    });
  });

  describe("how far a rebalance goes (ResidualDriftBps)", function () {
    it("stops each token the residual short of its target, and goes all the way at 0", async function () {
      const f = await load();
      const { alice } = f.signers;
      await signedBy(f.vault, alice).deposit(USDC(400_000), alice.address);
      await donateTokens(f, 600_000n);
      // $20k more WETH: WETH about 1.4% of NAV over its target, past the 1% band, within its pool's slice.
      const extra = (20_000n * 10n ** 18n) / 3_000n;
      await signedBy(f.weth, f.signers.deployer).deposit({ value: extra });
      await f.weth.transfer(await f.vault.getAddress(), extra);
      const nav = await f.vault.totalAssets();
      const wethSale = async () => {
        const plan = await f.vault.previewRebalance();
        return plan.filter((t: { tokenIn: string }) => t.tokenIn === f.tokens.weth).reduce((a: bigint, t: { value: bigint }) => a + t.value, 0n);
      };
      const whole = await wethSale();
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      expect(whole).to.be.closeTo(USDC(14_000), USDC(300));
      await expect(gov.setParameter(Parameter.ResidualDriftBps, 50)).to.emit(f.vault, "ParameterSet").withArgs(Parameter.ResidualDriftBps, 0, 50);
      expect((await f.vault.parameters()).residualDriftBps).to.equal(50n);
      const partway = await wethSale();
      // Half a percent of NAV less is sold: WETH is left 0.5% over its target.
      expect(whole - partway).to.be.closeTo(nav / 200n, USDC(5));
      await expect(gov.setParameter(Parameter.ResidualDriftBps, 2_501))
        .to.be.revertedWithCustomError(f.vault, "VaultParameterOutOfBounds")
        .withArgs(Parameter.ResidualDriftBps, 2_501, 0, 2_500);
    });
  });

  describe("a rebalance its caps cut short (Trigger.Unfinished)", function () {
    /** Rebalances every cooldown until the vault is due by `trigger` alone; returns the drift then. */
    async function rebalanceUntil(f: BallastFixture, trigger: bigint) {
      for (let calls = 0; calls < 20; calls++) {
        await rebalanceBy(f);
        await time().increase(HOUR);
        const [due, fired, drift] = await f.vault.rebalanceStatus();
        if (fired === trigger) return { due, drift };
        if (!due) throw new Error(`not due, at ${drift} bps`);
      }
      throw new Error("never fired");
    }

    it("carries on under the threshold, each call a slice, until drift is within its return point", async function () {
      const f = await deposited();
      await setParameter(f, Parameter.ResidualDriftBps, 200);
      const { due, drift } = await rebalanceUntil(f, Trigger.Unfinished);
      // Under the 5% threshold, above the 2% return point: the budgets stopped the last call short.
      expect(due).to.equal(true);
      expect(drift).to.be.lessThan(500n);
      expect(drift).to.be.greaterThan(200n);
      expect(await f.vault.rebalanceTrigger()).to.deep.equal([true, f.vault.interface.encodeFunctionData("rebalance")]);
      const { rebalanced } = rebalanceEvents(f, await (await rebalanceBy(f)).wait());
      expect(rebalanced.trigger).to.equal(Trigger.Unfinished);
      await time().increase(HOUR);
      await rebalanceUntilSettled(f);
      const [, fired, settled] = await f.vault.rebalanceStatus();
      expect(fired).to.equal(Trigger.None);
      // At the return point, give or take the last slice's fees: not trading on toward the target.
      expect(settled).to.be.lessThanOrEqual(210n);
      expect(settled).to.be.greaterThanOrEqual(150n);
    });

    it("waits out the cooldown, and stops carrying on a cooldown after it could have: then only the threshold or calendar fires", async function () {
      const f = await deposited();
      await setParameter(f, Parameter.ResidualDriftBps, 200);
      await rebalanceUntil(f, Trigger.Unfinished);
      const [, , drift] = await f.vault.rebalanceStatus();
      // Just after the next slice: unfinished, within its cooldown.
      await rebalanceBy(f);
      const [dueNow, firedNow] = await f.vault.rebalanceStatus();
      expect([dueNow, firedNow]).to.deep.equal([false, Trigger.Unfinished]);
      await expect(rebalanceBy(f)).to.be.revertedWithCustomError(f.vault, "VaultCooldownActive");
      // A whole cooldown past the end of it: the rebalance is given up.
      await time().increase(2 * HOUR);
      const [due, fired, after] = await f.vault.rebalanceStatus();
      expect([due, fired]).to.deep.equal([false, Trigger.None]);
      expect(after).to.be.greaterThan(200n);
      expect(after).to.be.lessThan(drift);
      await expect(rebalanceBy(f)).to.be.revertedWithCustomError(f.vault, "VaultRebalanceNotDue");
    });

    it("a rebalance the caps did not limit is finished, whatever drift its fees leave", async function () {
      const f = await deposited();
      await setParameter(f, Parameter.MaxTradeBps, 10_000);
      await setParameter(f, Parameter.ResidualDriftBps, 200);
      await rebalanceUntilSettled(f);
      // Raise the return point under where drift stands: nothing was cut short, so nothing carries on.
      const [, fired, drift] = await f.vault.rebalanceStatus();
      expect(fired).to.equal(Trigger.None);
      expect(drift).to.be.greaterThan(100n);
      await setParameter(f, Parameter.ResidualDriftBps, 100);
      const [due, firedAfter] = await f.vault.rebalanceStatus();
      expect([due, firedAfter]).to.deep.equal([false, Trigger.None]);
    });
  });

  describe("triggers", function () {
    it("rebalanceStatus, rebalanceTrigger and checkUpkeep say due, with the reason, only when a call would succeed", async function () {
      const f = await load();
      let [due, trigger, drift] = await f.vault.rebalanceStatus();
      expect([due, trigger, drift]).to.deep.equal([false, Trigger.None, 0n], "an empty vault has nothing to do");
      expect((await f.vault.rebalanceTrigger())[0]).to.equal(false);

      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      [due, trigger, drift] = await f.vault.rebalanceStatus();
      expect([due, trigger, drift]).to.deep.equal([true, Trigger.Threshold, 6_000n]);
      const [canExec, payload] = await f.vault.rebalanceTrigger();
      expect(canExec).to.equal(true);
      expect(payload).to.equal(f.vault.interface.encodeFunctionData("rebalance"));
      const [upkeepNeeded, performData] = await f.vault.checkUpkeep("0x");
      expect([upkeepNeeded, performData]).to.deep.equal([true, "0x"]);

      await rebalanceBy(f);
      const now = await time().latest();
      const status = await f.vault.rebalanceStatus();
      expect(status.due).to.equal(false, "within the cooldown");
      expect(status.readyAt).to.equal(BigInt(now + HOUR));
      expect((await f.vault.checkUpkeep("0x"))[0]).to.equal(false);
    });

    it("reverts within the cooldown with the seconds left", async function () {
      const f = await deposited();
      await rebalanceBy(f);
      await time().increase(HOUR - 600);
      // The next block's timestamp is one second on.
      await expect(rebalanceBy(f)).to.be.revertedWithCustomError(f.vault, "VaultCooldownActive").withArgs(599n);
    });

    it("reverts when drift is below the threshold, naming the drift, the threshold and the calendar date", async function () {
      const f = await deposited();
      await setParameter(f, Parameter.MaxTradeBps, 10_000);
      await rebalanceUntilSettled(f);
      const drift = await f.vault.driftBps();
      const last = (await f.vault.parameters()).lastRebalanceAt;
      await expect(rebalanceBy(f))
        .to.be.revertedWithCustomError(f.vault, "VaultRebalanceNotDue")
        .withArgs(drift, 500n, last + 7n * 24n * 3600n);
    });

    it("fires the calendar trigger after the interval when drift is at least MinDriftBps, and never below it", async function () {
      const f = await deposited();
      await setParameter(f, Parameter.MaxTradeBps, 10_000);
      await rebalanceUntilSettled(f);
      // ETH up about 7%: drift of 1-5%, under the 5% threshold.
      await marketSwap(suite.connection, f, f.signers.carol, f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth, USDC(2_000_000));
      await time().increase(TWAP_WINDOW + 60);
      const drift = await f.vault.driftBps();
      expect(drift).to.be.greaterThanOrEqual(100n);
      expect(drift).to.be.lessThan(500n);
      expect((await f.vault.rebalanceStatus()).due).to.equal(false);

      await time().increase(7 * 24 * 3600);
      const [due, trigger] = await f.vault.rebalanceStatus();
      expect([due, trigger]).to.deep.equal([true, Trigger.Calendar]);
      const { rebalanced } = rebalanceEvents(f, await (await rebalanceBy(f)).wait());
      expect(rebalanced.trigger).to.equal(Trigger.Calendar);
      expect(rebalanced.driftAfterBps).to.be.lessThan(drift);

      // Below MinDriftBps the calendar does nothing, however long it has been.
      await setParameter(f, Parameter.MinDriftBps, 5_000);
      await time().increase(30 * 24 * 3600);
      expect((await f.vault.rebalanceStatus()).due).to.equal(false);
      await expect(rebalanceBy(f)).to.be.revertedWithCustomError(f.vault, "VaultRebalanceNotDue");
    });

    it("does nothing when governance turns both triggers off", async function () {
      const f = await deposited();
      await setParameter(f, Parameter.DriftThresholdBps, 0);
      await setParameter(f, Parameter.RebalanceIntervalSeconds, 0);
      await expect(rebalanceBy(f)).to.be.revertedWithCustomError(f.vault, "VaultRebalanceNotDue").withArgs(6_000n, 0n, 0n);
      expect((await f.vault.rebalanceStatus()).due).to.equal(false);
    });
  });

  describe("callers and pause", function () {
    it("lets only the keeper rebalance, until governance opens it to anyone through the timelock", async function () {
      const f = await deposited();
      const { alice } = f.signers;
      const role = await f.vault.KEEPER_ROLE();
      await expect(rebalanceBy(f, alice))
        .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, role);
      await govern(suite.connection, f, f.vault, f.vault.interface.encodeFunctionData("grantRole", [role, ZeroAddress]));
      await expect(rebalanceBy(f, alice)).to.emit(f.vault, "Rebalanced");
      // Closed again: the caller's own grant is read first, the open grant only when it has none.
      await govern(suite.connection, f, f.vault, f.vault.interface.encodeFunctionData("revokeRole", [role, ZeroAddress]));
      await expect(rebalanceBy(f, alice))
        .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount")
        .withArgs(alice.address, role);
    });

    it("performUpkeep ignores its argument and checks everything again", async function () {
      const f = await load();
      const keeper = signedBy(f.vault, f.signers.keeper);
      await expect(keeper.performUpkeep("0xdeadbeef")).to.be.revertedWithCustomError(f.vault, "VaultRebalanceNotDue");
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      await expect(signedBy(f.vault, f.signers.alice).performUpkeep("0x")).to.be.revertedWithCustomError(
        f.vault,
        "AccessControlUnauthorizedAccount",
      );
      await expect(keeper.performUpkeep("0xdeadbeef")).to.emit(f.vault, "Rebalanced");
    });

    it("stops rebalancing while paused; in-kind exits keep working", async function () {
      const f = await deposited();
      await signedBy(f.vault, f.signers.guardian).pause();
      await expect(rebalanceBy(f)).to.be.revertedWithCustomError(f.vault, "VaultPaused");
      expect((await f.vault.rebalanceStatus()).due).to.equal(false);
      expect((await f.vault.rebalanceTrigger())[0]).to.equal(false);
      const alice = f.signers.alice;
      await signedBy(f.vault, alice).redeemInKind(await f.vault.balanceOf(alice.address), alice.address, alice.address);
      expect(await f.vault.balanceOf(alice.address)).to.equal(0n);
    });
  });

  describe("hostile markets", function () {
    it("refuses to trade into a pool pushed within its block past MaxSpotDeviationBps, leaving the front-runner with the loss", async function () {
      const f = await deposited();
      const attacker = f.signers.attacker;
      const usdcBefore = await f.usdc.balanceOf(attacker.address);
      // Front-run in the same block: buy WETH to push its price about 3% up, so that the vault would buy dear.
      await fundLocal(suite.connection, f.tokens.weth, attacker, f.tokens.usdc, USDC(900_000), await f.router.getAddress());
      const pool = await f.usdcWethPool.getAddress();
      const [pushed, rebalanced] = await inOneBlock(suite.connection, async () => [
        await signedBy(f.router, attacker).exactInputSingle(
          { tokenIn: f.tokens.usdc, tokenOut: f.tokens.weth, fee: LOCAL_MARKET_FEES.usdcWeth, recipient: attacker.address, deadline: MaxUint256, amountIn: USDC(900_000), amountOutMinimum: 0n, sqrtPriceLimitX96: 0n },
          { gasLimit: 1_000_000 },
        ),
        await signedBy(f.vault, f.signers.keeper).rebalance({ gasLimit: 5_000_000 }),
      ]);
      expect([pushed, rebalanced]).to.deep.equal([true, false], "the push landed, the rebalance reverted");
      // The same call, replayed at that state, names the pool.
      await expect(f.vault.previewRebalance()).to.be.revertedWithCustomError(f.vault, "VaultSpotDeviation");
      await time().increase(12);
      // Held across a block boundary, the push shows as the token's references disagreeing.
      await expect(rebalanceBy(f)).to.be.revertedWithCustomError(f.vault, "VaultPricesUnsettled");
      expect((await f.vault.rebalanceTrigger())[0]).to.equal(false, "keepers are told not to call");
      // Back-run: the attacker sells what it bought and is out of pocket (two pool fees, nothing gained).
      await sellAllForUsdc(f, attacker, f.weth, LOCAL_MARKET_FEES.usdcWeth);
      expect(await f.usdc.balanceOf(attacker.address)).to.be.lessThan(usdcBefore + USDC(900_000));
      expect(await f.vault.totalAssets()).to.equal(USDC(1_000_000), "the vault did not trade");
      void pool;
    });

    it("a push inside the spot bound but past the slippage bound fails the swap, not the depositors", async function () {
      const f = await deposited();
      // About 1.5% up: within the 2% spot bound, but a purchase there would lose more than 1% to the oracle.
      await marketSwap(suite.connection, f, f.signers.attacker, f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth, USDC(450_000));
      // The pool swapped and paid less than the minimum output: no pool error to relay, so no reason.
      await expect(rebalanceBy(f))
        .to.be.revertedWithCustomError(f.vault, "VaultSwapFailed")
        .withArgs(f.tokens.usdc, f.tokens.weth, anyUint, anyUint, "0x");
      expect(await f.vault.totalAssets()).to.equal(USDC(1_000_000));
    });

    it("a sandwich inside both bounds does not pay when a slice's impact is below the pool's round-trip fee", async function () {
      const f = await deposited();
      // Only WBTC (0.3% pool) to buy: 10% of NAV, $100k into a pool $60M deep, about 0.33% of impact.
      const gov = await timelockSigner(suite.connection, f);
      await signedBy(f.vault, gov).setTargets([f.tokens.usdc, f.tokens.weth, f.tokens.wbtc, f.tokens.link], [8_000, 0, 2_000, 0]);
      const attacker = f.signers.attacker;
      const usdcBefore = await f.usdc.balanceOf(attacker.address);
      // Front-run with a push of about 0.3%, then the keeper's rebalance, then the back-run.
      await marketSwap(suite.connection, f, attacker, f.tokens.usdc, f.tokens.wbtc, LOCAL_MARKET_FEES.usdcWbtc, USDC(90_000));
      const { trades } = rebalanceEvents(f, await (await rebalanceBy(f)).wait());
      expect(trades).to.have.length(1);
      expect(trades[0].amountOut * 10_000n).to.be.greaterThanOrEqual(trades[0].expectedOut * 9_900n, "within the slippage bound");
      await sellAllForUsdc(f, attacker, f.wbtc, LOCAL_MARKET_FEES.usdcWbtc);
      // marketSwap minted the $90k it spent.
      expect(await f.usdc.balanceOf(attacker.address)).to.be.lessThan(usdcBefore + USDC(90_000), "the sandwich lost money");
    });

    // Old design: the vault swapped its whole slice into a thin pool and failed the swap (VaultSwapFailed).
    it("sizes a slice to a thin pool: it moves the pool by at most half its round-trip fee", async function () {
      const f = await deposited();
      const thin = await suite.connection.ethers.deployContract("DemoToken", ["Thin", "THIN", 18]);
      const thinAddress = await thin.getAddress();
      // $50k a side at $1 in a 0.3% pool: a slice moves it by at most about 0.3%, so about $75 of it.
      await listNewToken(suite.connection, f, thin, 1n, 18, 50_000n);
      const gov = await timelockSigner(suite.connection, f);
      await signedBy(f.vault, gov).setTargets([f.tokens.usdc, f.tokens.weth, f.tokens.wbtc, f.tokens.link, thinAddress], [9_000, 0, 0, 0, 1_000]);
      const pool = new Contract(await f.factory.getPool(f.tokens.usdc, thinAddress, 3000), uniswapPoolArtifact.abi, suite.connection.ethers.provider);
      const [sqrtBefore] = await pool.slot0();
      const { trades } = rebalanceEvents(f, await (await rebalanceBy(f)).wait());
      expect(trades).to.have.length(1);
      expect(trades[0].amountIn, "a slice of the pool's depth, not 10% of NAV").to.be.lessThan(USDC(100));
      const [sqrtAfter] = await pool.slot0();
      const move = Number((sqrtAfter * 10n ** 9n) / sqrtBefore) / 1e9;
      expect(Math.abs(move ** 2 - 1), "the price moved by at most the fee").to.be.lessThan(0.0031);
    });

    it("a token that delivers less than the pool sent fails the trade with VaultTransferMismatch", async function () {
      const f = await deposited();
      const { fot, fotAddress } = await listFeeToken(f, 0n, [9_000, 0, 0, 0, 1_000]);
      await fot.setFeeBps(100);
      const [trade] = await f.vault.previewRebalance();
      await expect(rebalanceBy(f)).to.be.revertedWithCustomError(f.vault, "VaultTransferMismatch");
      expect(trade.tokenOut).to.equal(fotAddress);
      expect(await f.usdc.balanceOf(await f.vault.getAddress())).to.equal(USDC(1_000_000));
    });

    it("a token that costs the vault more than it sends fails the rebalance with VaultRebalanceLoss", async function () {
      const f = await deposited();
      // $100k of it in the vault against a target of 0: a sale, in slices of 5% of NAV.
      const { fot, fotAddress } = await listFeeToken(f, USDC(100_000), [10_000, 0, 0, 0, 0]);
      await setParameter(f, Parameter.MaxTradeBps, 500);
      // Each transfer now also burns 5% of the amount from the sender: the pool gets what it is owed,
      // every swap meets its minimum, and the vault is poorer by more than the slippage bound.
      await fot.setFeeBps(500);
      await fot.setSenderPays(true);
      const [trade] = await f.vault.previewRebalance();
      expect(trade.tokenIn).to.equal(fotAddress);
      await expect(rebalanceBy(f)).to.be.revertedWithCustomError(f.vault, "VaultRebalanceLoss");
      expect(await fot.balanceOf(await f.vault.getAddress())).to.equal(USDC(100_000), "nothing moved");
    });

    it("a token that burns more of the vault's holding than it sells fails the rebalance with VaultDriftNotReduced", async function () {
      const f = await deposited();
      // $1M of it beside the $1M of USDC, against a 40% target: a $200k sale.
      const { fot } = await listFeeToken(f, USDC(1_000_000), [6_000, 0, 0, 0, 4_000]);
      await setParameter(f, Parameter.MaxTradeBps, 10_000);
      // Each transfer now also burns six times the amount from the sender: the sale (sized to the pool) leaves
      // the token further under its target than it was over.
      await fot.setFeeBps(60_000);
      await fot.setSenderPays(true);
      await expect(rebalanceBy(f)).to.be.revertedWithCustomError(f.vault, "VaultDriftNotReduced");
      expect(await fot.balanceOf(await f.vault.getAddress())).to.equal(USDC(1_000_000), "nothing moved");
    });

    it("entering just before a rebalance and leaving just after, in the same block, does not pay", async function () {
      const f = await deposited();
      const { attacker } = f.signers;
      const vault = signedBy(f.vault, attacker);
      const provider = suite.connection.provider;
      const usdcBefore = await f.usdc.balanceOf(attacker.address);
      await provider.request({ method: "evm_setAutomine", params: [false] });
      try {
        await vault.deposit(USDC(1_000_000), attacker.address, { gasLimit: 1_000_000 });
        await signedBy(f.vault, f.signers.keeper).rebalance({ gasLimit: 3_000_000 });
        await provider.request({ method: "evm_mine", params: [] });
      } finally {
        await provider.request({ method: "evm_setAutomine", params: [true] });
      }
      expect((await f.vault.parameters()).lastRebalanceAt).to.be.greaterThan(0n, "the rebalance ran in that block");
      // Leave with everything: the idle base asset first, the rest in kind, valued at the oracle.
      const shares = await f.vault.balanceOf(attacker.address);
      const maxRedeem = await f.vault.maxRedeem(attacker.address);
      await vault.redeem(maxRedeem, attacker.address, attacker.address);
      let inKind: bigint = 0n;
      if (shares > maxRedeem) {
        const amounts = await vault.redeemInKind.staticCall(shares - maxRedeem, attacker.address, attacker.address);
        await vault.redeemInKind(shares - maxRedeem, attacker.address, attacker.address);
        const [tokens] = await f.vault.targets();
        for (let i = 1; i < tokens.length; i++) inKind += BigInt(await f.oracle.quote(tokens[i], amounts[i]));
      }
      expect(await f.vault.balanceOf(attacker.address)).to.equal(0n, "all the way out");
      const usdcAfter: bigint = await f.usdc.balanceOf(attacker.address);
      const net = usdcAfter + inKind - usdcBefore;
      expect(net).to.be.lessThan(0n, "the attacker got back less than it put in");
    });
  });

  describe("governance of routes", function () {
    it("rejects a pair route that names the base asset, one token twice, an unknown token, or a wrong or missing pool", async function () {
      const f = await load();
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      const { usdc, weth, wbtc, link } = f.tokens;
      const good = encodePath([wbtc, weth], [3000]);
      await expect(gov.setPairPath(usdc, weth, encodePath([usdc, weth], [500]))).to.be.revertedWithCustomError(f.vault, "VaultBadPairPath");
      await expect(gov.setPairPath(wbtc, wbtc, good)).to.be.revertedWithCustomError(f.vault, "VaultBadPairPath");
      await expect(gov.setPairPath(wbtc, f.signers.alice.address, good)).to.be.revertedWithCustomError(f.vault, "VaultUnknownToken");
      await expect(gov.setPairPath(wbtc, link, good)).to.be.revertedWithCustomError(f.vault, "VaultBadPairPath");
      await expect(gov.setPairPath(wbtc, weth, encodePath([wbtc, weth], [500]))).to.be.revertedWithCustomError(f.vault, "VaultBadPairPath");
      await expect(gov.setPairPath(wbtc, weth, good.slice(0, -2))).to.be.revertedWithCustomError(f.vault, "VaultBadPairPath");
      await expect(signedBy(f.vault, f.signers.governance).setPairPath(wbtc, weth, good)).to.be.revertedWithCustomError(
        f.vault,
        "AccessControlUnauthorizedAccount",
      );
      await gov.setPairPath(wbtc, weth, good);
      await expect(gov.setPairPath(weth, wbtc, "0x")).to.emit(f.vault, "PairPathSet").withArgs(weth, wbtc, encodePath([weth, wbtc], [3000]), "0x");
      expect(await f.vault.pairPath(wbtc, weth)).to.equal("0x");
      expect(await f.vault.pairPath(weth, wbtc)).to.equal("0x");
    });

    it("forgets a removed token's pair routes", async function () {
      const f = await load();
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      const { usdc, weth, wbtc, link } = f.tokens;
      await gov.setPairPath(wbtc, weth, encodePath([wbtc, weth], [3000]));
      await gov.setTargets([usdc, weth, wbtc, link], [4000, 3000, 0, 3000]);
      await gov.removeToken(wbtc);
      expect(await f.vault.pairPath(weth, wbtc)).to.equal("0x");
      expect(await f.vault.pairPath(wbtc, weth)).to.equal("0x");
    });
  });
});
