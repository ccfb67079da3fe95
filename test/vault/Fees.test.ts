import { expect } from "chai";
import { ZeroAddress, type ContractTransactionReceipt, type ContractTransactionResponse, type Log, type LogDescription } from "ethers";

import { LOCAL_MARKET_FEES } from "../../deploy/modules/LocalMarket.js";
import { inOneBlock, usd } from "../helpers/attack.js";
import { signedBy } from "../helpers/assertions.js";
import {
  donateBasket,
  donateTokens,
  govern,
  marketSwap,
  Parameter,
  timelockSigner,
  TIMELOCK_DELAY,
  TWAP_WINDOW,
  USDC,
  useBallast,
  expectRefusedPastMax,
  type BallastFixture,
} from "../helpers/vault.js";

const BPS = 10_000n;
const WAD = 10n ** 18n;
const VIRTUAL = 10n ** 6n;
const YEAR = 365 * 86_400;
const DAY = 86_400;

/** Asserts |actual - expected| <= tolerance, for ratios measured in floating point. */
function near(actual: number, expected: number, tolerance: number, what = "value") {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).to.be.lessThanOrEqual(tolerance);
}

describe("RebalancingVault: fees", function () {
  const suite = useBallast();
  const load = () => suite.load();
  const time = () => suite.connection.networkHelpers.time;

  async function setParameter(f: BallastFixture, parameter: number, value: bigint | number) {
    return signedBy(f.vault, await timelockSigner(suite.connection, f)).setParameter(parameter, value);
  }

  /** Alice deposits $1M, a donation fills the basket to its targets; then the fees are set. */
  async function withFees(managementBps: number, performanceBps: number) {
    const f = await load();
    await signedBy(f.vault, f.signers.alice).deposit(USDC(400_000), f.signers.alice.address);
    await donateBasket(f, 600_000n);
    await setParameter(f, Parameter.ManagementFeeBps, managementBps);
    await setParameter(f, Parameter.PerformanceFeeBps, performanceBps);
    const [fees] = await f.vault.fees();
    return { f, recipient: fees.recipient };
  }

  /** NAV at the lowest of the oracle's references, as the vault measures the performance fee. */
  async function navLow(f: BallastFixture, blockTag?: number) {
    const [tokens] = await f.vault.targets();
    const vault = await f.vault.getAddress();
    let total = 0n;
    for (const [i, token] of tokens.entries()) {
      const erc20 = await suite.connection.ethers.getContractAt("DemoToken", token);
      const balance = await erc20.balanceOf(vault, { blockTag });
      if (i === 0 || balance === 0n) total += balance;
      else total += (await f.oracle.quoteBounds(token, balance, { blockTag }))[0];
    }
    return total;
  }

  /** Value per share at the lowest references, in 1e18ths of a base unit per share unit. */
  async function priceLow(f: BallastFixture, blockTag?: number) {
    return ((await navLow(f, blockTag)) + 1n) * WAD / ((await f.vault.totalSupply({ blockTag })) + VIRTUAL);
  }

  function accrued(f: BallastFixture, receipt: ContractTransactionReceipt | null) {
    const log = receipt!.logs.map((l) => f.vault.interface.parseLog(l)).find((l) => l?.name === "FeesAccrued");
    return log ? { management: log.args.managementShares as bigint, performance: log.args.performanceShares as bigint, mark: log.args.highWaterMark as bigint } : null;
  }

  async function accrue(f: BallastFixture) {
    const tx: ContractTransactionResponse = await f.vault.accrueFees();
    return accrued(f, await tx.wait());
  }

  /** The performance fee's shares by the closed form: holders pay `bps` of the gain above `mark`. */
  function performanceShares(nav: bigint, supplyV: bigint, mark: bigint, bps: bigint) {
    const price = (nav + 1n) * WAD / supplyV;
    if (price <= mark) return 0n;
    const fee = (price - mark) * bps;
    return supplyV * fee / (price * BPS - fee);
  }

  describe("management fee", function () {
    it("mints over a year what leaves holders exactly exp(-rate), however often it is accrued", async function () {
      const { f, recipient } = await withFees(200, 0);
      const supply = await f.vault.totalSupply();
      const held = await f.vault.balanceOf(recipient);
      const start = await suite.connection.networkHelpers.takeSnapshot();

      // Once, after a year.
      await time().increase(YEAR - 1);
      const once = (await accrue(f))!.management;
      expect((await f.vault.balanceOf(recipient)) - held).to.equal(once);
      const kept = Number(supply) / Number(supply + once);
      near(kept, Math.exp(-0.02), 1e-12);

      // Monthly: the same, to rounding (a few shares of 10^18).
      await start.restore();
      let monthly = 0n;
      for (let month = 0; month < 12; month++) {
        await time().increase(YEAR / 12 - 1);
        monthly += (await accrue(f))!.management;
      }
      expect(monthly).to.be.closeTo(once, once / 10n ** 12n);
      // Rounding is on the holders' side: never more than the closed form.
      expect(Number(supply) / Number(supply + monthly)).to.be.greaterThanOrEqual(Math.exp(-0.02) - 1e-15);
    });

    it("counts a long idle period in full, without overflow: 20 years at 5% leaves holders 1/e", async function () {
      const { f } = await withFees(500, 0);
      const supply = await f.vault.totalSupply();
      await time().increase(20 * YEAR - 1);
      const minted = (await accrue(f))!.management;
      near(Number(supply) / Number(supply + minted), Math.exp(-1), 1e-12);
    });

    it("is counted by every preview and max*, so that each stays exact for the call that accrues it", async function () {
      const { f, recipient } = await withFees(300, 2_000);
      const { alice, bob } = f.signers;
      await donateBasket(f, 50_000n); // a gain: a performance fee is pending too
      await time().increase(90 * DAY);
      const [management, performance] = await f.vault.pendingFees();
      expect(management).to.be.greaterThan(0n);
      expect(performance).to.be.greaterThan(0n);

      const snapshot = await suite.connection.networkHelpers.takeSnapshot();
      for (const [name, call, preview] of [
        ["deposit", () => signedBy(f.vault, bob).deposit.staticCall(USDC(10_000), bob.address), () => f.vault.previewDeposit(USDC(10_000))],
        ["mint", () => signedBy(f.vault, bob).mint.staticCall(10n ** 16n, bob.address), () => f.vault.previewMint(10n ** 16n)],
        ["withdraw", () => signedBy(f.vault, alice).withdraw.staticCall(USDC(10_000), alice.address, alice.address), () => f.vault.previewWithdraw(USDC(10_000))],
        ["redeem", () => signedBy(f.vault, alice).redeem.staticCall(10n ** 16n, alice.address, alice.address), () => f.vault.previewRedeem(10n ** 16n)],
      ] as const) {
        expect(await call(), name).to.equal(await preview());
      }
      expect(await signedBy(f.vault, alice).redeemInKind.staticCall(10n ** 16n, alice.address, alice.address)).to.deep.equal(
        await f.vault.previewRedeemInKind(10n ** 16n),
      );
      // The recipient's max* count the shares about to be minted to it.
      const maxRedeem = await f.vault.maxRedeem(recipient);
      expect(maxRedeem).to.equal((await f.vault.balanceOf(recipient)) + management + performance);
      await snapshot.restore();
      const gov = await timelockSigner(suite.connection, f);
      await expect(signedBy(f.vault, gov).redeem(maxRedeem, gov.address, gov.address)).to.emit(f.vault, "Withdraw");
      // All but the one second's fee minted in the redeem's own block.
      expect(await f.vault.balanceOf(recipient)).to.be.lessThan(maxRedeem / 10n ** 6n);
    });

    it("lets the recipient leave like any holder: in kind, and in the base asset while paused", async function () {
      const { f, recipient } = await withFees(500, 0);
      await time().increase(YEAR);
      await f.vault.accrueFees();
      const gov = await timelockSigner(suite.connection, f);
      const shares = await f.vault.balanceOf(recipient);
      await signedBy(f.vault, f.signers.guardian).pause();
      const amounts = await signedBy(f.vault, gov).redeemInKind.staticCall(shares / 2n, gov.address, gov.address);
      await signedBy(f.vault, gov).redeemInKind(shares / 2n, gov.address, gov.address);
      expect(amounts.every((a: bigint) => a > 0n)).to.equal(true);
      await signedBy(f.vault, f.signers.guardian).unpause();
      const left = await f.vault.balanceOf(recipient);
      expect(left).to.be.greaterThan(0n);
      await signedBy(f.vault, gov).redeem(await f.vault.maxRedeem(recipient), gov.address, gov.address);
    });

    it("mints nothing on an empty vault, and starts the clock at the change", async function () {
      const f = await load();
      await setParameter(f, Parameter.ManagementFeeBps, 500);
      await time().increase(YEAR);
      expect(await f.vault.accrueFees.staticCall()).to.equal(0n);
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000), f.signers.alice.address);
      // Alice's first second costs one second of fee, not the empty year before her.
      const [management] = await f.vault.pendingFees();
      expect(management).to.be.lessThan((await f.vault.totalSupply()) / 10n ** 6n);
    });
  });

  describe("performance fee", function () {
    it("takes its share of a gain above the mark once, and sets the mark to the price after it", async function () {
      const { f, recipient } = await withFees(0, 2_000);
      const [, mark] = await f.vault.fees();
      await donateBasket(f, 100_000n); // +10% at every reference
      const nav = await navLow(f);
      const supply = await f.vault.totalSupply();
      const expected = performanceShares(nav, supply + VIRTUAL, mark, 2_000n);
      const fee = (await accrue(f))!;
      expect(fee.performance).to.equal(expected);
      expect(await f.vault.balanceOf(recipient)).to.equal(expected);
      // The fee's value is 20% of the gain per share, across the supply before it.
      const priceBefore = (nav + 1n) * WAD / (supply + VIRTUAL);
      const gain = (priceBefore - mark) * (supply + VIRTUAL) / WAD;
      const feeValue = (nav + 1n) * expected / (supply + expected + VIRTUAL);
      near(Number(feeValue) / Number(gain), 0.2, 1e-9);
      expect(fee.mark).to.equal(await priceLow(f) + 1n);
      // Not again on the same gain.
      expect(await accrue(f)).to.equal(null);
    });

    it("charges nothing on a loss recovered below the mark, and only what rises above it", async function () {
      const { f } = await withFees(0, 2_000);
      await donateBasket(f, 100_000n);
      await f.vault.accrueFees();
      const [, mark] = await f.vault.fees();
      const { attacker } = f.signers;
      // WETH falls 10% and stays there (both references follow), then recovers half.
      await marketSwap(suite.connection, f, attacker, f.tokens.weth, f.tokens.usdc, LOCAL_MARKET_FEES.usdcWeth, 1_500n * 10n ** 18n);
      await time().increase(TWAP_WINDOW * 2);
      expect(await priceLow(f)).to.be.lessThan(mark);
      expect(await accrue(f)).to.equal(null);
      await marketSwap(suite.connection, f, attacker, f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth, USDC(2_000_000));
      await time().increase(TWAP_WINDOW * 2);
      expect(await priceLow(f)).to.be.lessThan(mark);
      expect(await accrue(f)).to.equal(null);
      expect((await f.vault.fees())[1]).to.equal(mark);
      // A gain that lifts the price above the mark is charged from the mark, not from the low.
      await donateBasket(f, 150_000n);
      const nav = await navLow(f);
      const supply = await f.vault.totalSupply();
      expect((await accrue(f))!.performance).to.equal(performanceShares(nav, supply + VIRTUAL, mark, 2_000n));
    });

    it("charges nothing on a deposit, even one that pays a premium over the lowest references", async function () {
      const { f } = await withFees(0, 2_000);
      const { bob, attacker } = f.signers;
      // WETH rises 3%: the average lags, so deposits pay the fresh, higher price.
      await marketSwap(suite.connection, f, attacker, f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth, USDC(1_200_000));
      await time().increase(12);
      const [low, high] = await f.oracle.quoteBounds(f.tokens.weth, 10n ** 18n);
      expect(high).to.be.greaterThan(low);
      const markBefore = (await f.vault.fees())[1];
      // The deposit, and an accrual in the same block (later the average moves on, a real gain).
      let accrual: ContractTransactionResponse | undefined;
      const ok = await inOneBlock(suite.connection, async () => [
        await signedBy(f.vault, bob).deposit(USDC(1_000_000), bob.address, { gasLimit: 2_000_000 }),
        (accrual = await f.vault.accrueFees({ gasLimit: 2_000_000 })),
      ]);
      expect(ok).to.deep.equal([true, true]);
      // The premium bob paid raised the price at the lowest references; the mark moved with it.
      const block = (await accrual!.wait())!.blockNumber;
      const price = await priceLow(f, block);
      expect(price).to.be.greaterThan(markBefore);
      expect((await f.vault.fees({ blockTag: block }))[1]).to.equal(price);
      expect(accrued(f, await accrual!.wait())).to.equal(null);
    });

    it("is measured at prices no push within the block moves: a curator who pushes WETH up 20% and accrues gets nothing", async function () {
      const { f, recipient } = await withFees(0, 3_000);
      const { attacker } = f.signers;
      // The attacker is given the recipient's seat (a curator pushing its own fee).
      const gov = await timelockSigner(suite.connection, f);
      await signedBy(f.vault, gov).setFeeRecipient(attacker.address);
      expect(recipient).to.not.equal(attacker.address);
      await signedBy(f.usdc, attacker).approve(await f.router.getAddress(), USDC(8_000_000));
      const usdcBefore = await f.usdc.balanceOf(attacker.address);
      const pushIn = USDC(8_000_000);
      const ok = await inOneBlock(suite.connection, async () => [
        await signedBy(f.router, attacker).exactInputSingle(
          { tokenIn: f.tokens.usdc, tokenOut: f.tokens.weth, fee: LOCAL_MARKET_FEES.usdcWeth, recipient: attacker.address, deadline: 2n ** 40n, amountIn: pushIn, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n },
          { gasLimit: 1_000_000 },
        ),
        await f.vault.accrueFees({ gasLimit: 2_000_000 }),
      ]);
      expect(ok).to.deep.equal([true, true]);
      const shares = await f.vault.balanceOf(attacker.address);
      expect(shares).to.equal(0n);
      // The push unwound: what the curator ends with, fee shares (none) included, against what it had.
      const weth = await f.weth.balanceOf(attacker.address);
      await signedBy(f.weth, attacker).approve(await f.router.getAddress(), weth);
      await signedBy(f.router, attacker).exactInputSingle({ tokenIn: f.tokens.weth, tokenOut: f.tokens.usdc, fee: LOCAL_MARKET_FEES.usdcWeth, recipient: attacker.address, deadline: 2n ** 40n, amountIn: weth, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n });
      const profit = BigInt(await f.usdc.balanceOf(attacker.address)) - BigInt(usdcBefore);
      console.log(`      a curator's same-block push of WETH with $8M at a 30% performance fee: ${usd(profit)} after fees`);
      expect(profit).to.be.lessThan(0n);
    });

    it("with a Chainlink feed beside the TWAP, pays a curator no fee on WETH held pushed across the whole window, even with no arbitrageur", async function () {
      // README, "What remains assumed" (2): on the TWAP alone, a pool held off its price for a whole
      // window moves both references, for the performance fee as for exits. A feed beside it is the
      // lowest reference of a push up: the fee stays at the price the feed confirms.
      const { f } = await withFees(0, 3_000);
      const { ethers } = suite.connection;
      const { attacker } = f.signers;
      const noFeeds = { ethUsdFeed: ZeroAddress, ethUsdHeartbeat: 0, baseFeed: ZeroAddress, baseHeartbeat: 0, maxDepegBps: 100, feeds: [] };
      const composite = await ethers.deployContract("CompositeOracle", [await f.oracle.getAddress(), ZeroAddress, 86_400, 500, f.signers.deployer.address, noFeeds]);
      const ethUsd = await ethers.deployContract("MockV3Aggregator", [8, 3_000n * 10n ** 8n]);
      await composite.setFeed(f.tokens.weth, await ethUsd.getAddress(), 86_400, false, true, 0);
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      await gov.setOracle(await composite.getAddress());
      await gov.setFeeRecipient(attacker.address);
      // What the feed's price beside the TWAP is worth against the mark, charged before the push.
      await f.vault.accrueFees();
      const sharesBefore = await f.vault.balanceOf(attacker.address);
      const router = await f.router.getAddress();
      await signedBy(f.usdc, attacker).approve(router, USDC(1_200_000));
      const usdcBefore = await f.usdc.balanceOf(attacker.address);
      const swap = (tokenIn: string, tokenOut: string, amountIn: bigint) =>
        signedBy(f.router, attacker).exactInputSingle({ tokenIn, tokenOut, fee: LOCAL_MARKET_FEES.usdcWeth, recipient: attacker.address, deadline: 2n ** 40n, amountIn, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n });
      // About 3% up (inside the 5% breaker, so the feed prices beside it), held for two windows: the TWAP
      // and the opening price follow.
      await swap(f.tokens.usdc, f.tokens.weth, USDC(1_200_000));
      await time().increase(2 * 1_800);
      const [twapLow] = await f.oracle.quoteBounds(f.tokens.weth, 10n ** 18n);
      expect(twapLow).to.be.greaterThan(USDC(3_060));
      // The composite still prices WETH (within its bound), at the feed as the lowest reference.
      expect((await composite.quoteBounds(f.tokens.weth, 10n ** 18n))[0]).to.equal(USDC(3_000));
      await f.vault.accrueFees();
      const shares = BigInt(await f.vault.balanceOf(attacker.address)) - BigInt(sharesBefore);
      const weth = await f.weth.balanceOf(attacker.address);
      await signedBy(f.weth, attacker).approve(router, weth);
      await swap(f.tokens.weth, f.tokens.usdc, weth);
      // Valued in the next block: within the unwind's own block, the oracle refuses a price it has left.
      await time().increase(12);
      const fee = shares === 0n ? 0n : await f.vault.previewRedeem(shares);
      const profit = BigInt(await f.usdc.balanceOf(attacker.address)) - BigInt(usdcBefore) + BigInt(fee);
      console.log(`      a curator holding WETH ${((Number(twapLow) / 3_000e6 - 1) * 100).toFixed(1)}% up across the window at a 30% performance fee, a feed beside the TWAP: fee $${(Number(fee) / 1e6).toFixed(2)}, ${usd(profit)} after fees`);
      // At most the feed's price against the TWAP it replaced as the lowest reference (WETH's TWAP stood
      // a hair under $3,000 before the push): a few dollars, not the push's 4%.
      expect(fee).to.be.lessThan(USDC(10));
      expect(profit).to.be.lessThan(0n);
    });

    it("counts a real rise once the average has followed it, never a stale average after a fall", async function () {
      const { f } = await withFees(0, 2_000);
      const { attacker } = f.signers;
      await marketSwap(suite.connection, f, attacker, f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth, USDC(1_200_000));
      await time().increase(12);
      // Just after the rise: the lowest reference is the lagging average, about where it was.
      const early = await accrue(f);
      expect(early?.performance ?? 0n).to.be.lessThan(10n ** 15n);
      await time().increase(TWAP_WINDOW);
      const later = (await accrue(f))!;
      expect(later.performance).to.be.greaterThan(10n * (early?.performance ?? 1n));
      // WETH falls back: the fresh price counts at once, the mark stays, no fee.
      const [, mark] = await f.vault.fees();
      await marketSwap(suite.connection, f, attacker, f.tokens.weth, f.tokens.usdc, LOCAL_MARKET_FEES.usdcWeth, 400n * 10n ** 18n);
      await time().increase(12);
      expect(await priceLow(f)).to.be.lessThan(mark);
      expect(await accrue(f)).to.equal(null);
    });

    it("waits while the oracle cannot price, while the management fee and in-kind exits go on", async function () {
      const { f } = await withFees(100, 2_000);
      await donateBasket(f, 100_000n);
      await govern(suite.connection, f, f.oracle, f.oracle.interface.encodeFunctionData("removeRoute", [f.tokens.wbtc]));
      const [, markBefore] = await f.vault.fees();
      const [management, performance] = await f.vault.pendingFees();
      expect(performance).to.equal(0n);
      expect(management).to.be.greaterThan(0n);
      const { alice } = f.signers;
      const receipt = await (await signedBy(f.vault, alice).redeemInKind(10n ** 17n, alice.address, alice.address)).wait();
      const fee = accrued(f, receipt)!;
      expect(fee.performance).to.equal(0n);
      expect(fee.management).to.be.greaterThan(0n);
      expect(fee.mark).to.equal(markBefore);
    });
  });

  describe("governance of fees", function () {
    it("accrues at the old rate before a new one applies, through the timelock", async function () {
      const { f } = await withFees(100, 0);
      const supply = await f.vault.totalSupply();
      const [{ lastAccrualAt }] = await f.vault.fees();
      const raise = f.vault.interface.encodeFunctionData("setParameter", [Parameter.ManagementFeeBps, 500]);
      const receipt = await (await govern(suite.connection, f, f.vault, raise)).wait();
      const fee = accrued(f, receipt)!;
      const elapsed = (await time().latest()) - Number(lastAccrualAt);
      expect(elapsed).to.be.greaterThanOrEqual(TIMELOCK_DELAY);
      // The delay's worth at 1%, not at 5%.
      const kept = Number(supply) / Number(supply + fee.management);
      near(kept, Math.exp(-0.01 * elapsed / YEAR), 1e-12);
      expect((await f.vault.fees())[0].managementFeeBps).to.equal(500n);
    });

    it("lets the guardian cancel a scheduled fee change", async function () {
      const { f } = await withFees(100, 0);
      const data = f.vault.interface.encodeFunctionData("setParameter", [Parameter.PerformanceFeeBps, 3_000]);
      const timelock = signedBy(f.timelock, f.signers.governance);
      const salt = "0x" + "11".repeat(32);
      await timelock.schedule(await f.vault.getAddress(), 0, data, "0x" + "00".repeat(32), salt, TIMELOCK_DELAY);
      await signedBy(f.vault, f.signers.guardian).cancel(await f.timelock.getAddress(), await f.vault.getAddress(), 0, data, "0x" + "00".repeat(32), salt);
      await time().increase(TIMELOCK_DELAY);
      await expect(timelock.execute(await f.vault.getAddress(), 0, data, "0x" + "00".repeat(32), salt)).to.be.revertedWithCustomError(
        f.timelock,
        "TimelockUnexpectedOperationState",
      );
      expect((await f.vault.fees())[0].performanceFeeBps).to.equal(0n);
    });

    it("refuses rates beyond the bounds, changes by anyone but governance, and a zero recipient", async function () {
      const { f } = await withFees(0, 0);
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      await expect(gov.setParameter(Parameter.ManagementFeeBps, 501))
        .to.be.revertedWithCustomError(f.vault, "VaultParameterOutOfBounds")
        .withArgs(Parameter.ManagementFeeBps, 501, 0, 500);
      await expect(gov.setParameter(Parameter.PerformanceFeeBps, 3_001))
        .to.be.revertedWithCustomError(f.vault, "VaultParameterOutOfBounds")
        .withArgs(Parameter.PerformanceFeeBps, 3_001, 0, 3_000);
      await expect(gov.setFeeRecipient(ZeroAddress)).to.be.revertedWithCustomError(f.vault, "VaultZeroAddress");
      await expect(gov.setFeeRecipient(await f.vault.getAddress()))
        .to.be.revertedWithCustomError(f.vault, "VaultBadFeeRecipient")
        .withArgs(await f.vault.getAddress());
      const attacker = signedBy(f.vault, f.signers.attacker);
      await expect(attacker.setParameter(Parameter.ManagementFeeBps, 100)).to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount");
      await expect(attacker.setFeeRecipient(f.signers.attacker.address)).to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount");
    });

    it("pays what accrued to the old recipient before the new one takes over", async function () {
      const { f, recipient } = await withFees(500, 0);
      await time().increase(30 * DAY);
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      const { bob } = f.signers;
      await expect(gov.setFeeRecipient(bob.address)).to.emit(f.vault, "FeeRecipientSet").withArgs(recipient, bob.address);
      const old = await f.vault.balanceOf(recipient);
      expect(old).to.be.greaterThan(0n);
      expect(await f.vault.balanceOf(bob.address)).to.equal(0n);
      await time().increase(30 * DAY);
      await f.vault.accrueFees();
      expect(await f.vault.balanceOf(recipient)).to.equal(old);
      expect(await f.vault.balanceOf(bob.address)).to.be.closeTo(old, old / 100n);
    });

    it("refuses to change a fee while the oracle cannot price (the old terms could not be settled), with its error", async function () {
      const { f } = await withFees(100, 1_000);
      await govern(suite.connection, f, f.oracle, f.oracle.interface.encodeFunctionData("removeRoute", [f.tokens.wbtc]));
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      await expect(gov.setParameter(Parameter.PerformanceFeeBps, 0)).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
      await expect(gov.setFeeRecipient(f.signers.bob.address)).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
      // Other parameters still change.
      await gov.setParameter(Parameter.KeeperTipBps, 100);
    });

    it("raises the mark to the price when the performance fee is turned on: gains from before are free", async function () {
      const { f } = await withFees(0, 0);
      await donateBasket(f, 100_000n);
      await setParameter(f, Parameter.PerformanceFeeBps, 2_000);
      expect((await f.vault.fees())[1]).to.equal(await priceLow(f));
      expect(await accrue(f)).to.equal(null);
    });
  });
  describe("keeper pay", function () {
    const GWEI = 10n ** 9n;

    /** Alice's $1M deposit (all base asset: a rebalance is due), keeper pay on, rebalancing open to anyone. */
    async function paying(capGwei = 50, tipBps = 2_000, maxGas = 5_000_000, maxGasPerDay = 20_000_000) {
      const f = await load();
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      await gov.setParameter(Parameter.KeeperBaseFeeCapGwei, capGwei);
      await gov.setParameter(Parameter.KeeperTipBps, tipBps);
      await gov.setParameter(Parameter.KeeperMaxGas, maxGas);
      await gov.setParameter(Parameter.KeeperMaxGasPerDay, maxGasPerDay);
      await gov.grantRole(await f.vault.KEEPER_ROLE(), ZeroAddress);
      return f;
    }

    async function baseFee(gwei: bigint) {
      await suite.connection.provider.request({ method: "hardhat_setNextBlockBaseFeePerGas", params: ["0x" + (gwei * GWEI).toString(16)] });
    }

    /** Rebalances as `who` at a base fee of `gwei`; returns the KeeperPaid event's fields (or null) and the receipt. */
    async function rebalanceAt(f: BallastFixture, who = f.signers.carol, gwei = 20n) {
      await baseFee(gwei);
      const receipt = (await (await signedBy(f.vault, who).rebalance({ gasLimit: 12_000_000 })).wait())!;
      const log = receipt.logs.map((l: Log) => f.vault.interface.parseLog(l)).find((l: LogDescription | null) => l?.name === "KeeperPaid");
      const paid = log ? { keeper: log.args.keeper as string, gas: log.args.gasPaid as bigint, fee: log.args.baseFee as bigint, amount: log.args.amount as bigint } : null;
      return { paid, receipt };
    }

    it("is off by default: a rebalance pays nothing", async function () {
      const f = await load();
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      const { paid } = await rebalanceAt(f, f.signers.keeper);
      expect(paid).to.equal(null);
      expect(await f.usdc.balanceOf(f.signers.keeper.address)).to.equal(0n);
    });

    it("repays the gas a rebalance used at the base fee, plus the tip, valued by the oracle in the base asset", async function () {
      const f = await paying(50, 2_000);
      const { carol } = f.signers;
      const before = await f.usdc.balanceOf(carol.address);
      const { paid, receipt } = await rebalanceAt(f, carol, 20n);
      expect(paid!.keeper).to.equal(carol.address);
      expect(paid!.fee).to.equal(20n * GWEI);
      // Most of the gas the transaction used, never more (the transaction's own overhead is not repaid).
      expect(paid!.gas).to.be.lessThan(receipt.gasUsed);
      expect(paid!.gas).to.be.greaterThan((receipt.gasUsed * 9n) / 10n);
      const wei = (paid!.gas * 20n * GWEI * 12_000n) / 10_000n;
      expect(paid!.amount).to.equal(await f.oracle.quote(f.tokens.weth, wei, { blockTag: receipt.blockNumber }));
      expect((await f.usdc.balanceOf(carol.address)) - before).to.equal(paid!.amount);
      // What the keeper spent on gas (at the base fee) against what it got, in dollars.
      const spent = await f.oracle.quote(f.tokens.weth, receipt.gasUsed * receipt.gasPrice, { blockTag: receipt.blockNumber });
      expect(paid!.amount).to.be.greaterThan(spent);
      expect(paid!.amount).to.be.lessThan((spent * 12n) / 10n);
    });

    it("pays nothing at a zero base fee (an L2's quiet block): the rebalance stands", async function () {
      const f = await paying();
      const { paid, receipt } = await rebalanceAt(f, f.signers.carol, 0n);
      expect(receipt.status).to.equal(1);
      expect(paid).to.equal(null);
      expect((await f.vault.keeperPay()).gasPaidToday).to.equal(0n);
    });

    it("repays at the cap, not at a higher base fee, and at most KeeperMaxGas", async function () {
      const f = await paying(30, 0, 400_000);
      const { paid } = await rebalanceAt(f, f.signers.carol, 100n);
      expect(paid!.fee).to.equal(30n * GWEI);
      expect(paid!.gas).to.equal(400_000n);
    });

    it("stops at the day's cap across rebalances, and starts again the next UTC day", async function () {
      const f = await paying(50, 0, 5_000_000, 20_000_000);
      const first = (await rebalanceAt(f)).paid!;
      // Half a rebalance's gas left for the day: the second is paid that half, the third nothing.
      const cap = first.gas + first.gas / 2n;
      await signedBy(f.vault, await timelockSigner(suite.connection, f)).setParameter(Parameter.KeeperMaxGasPerDay, cap);
      await time().increase(3_600);
      const second = (await rebalanceAt(f)).paid!;
      expect(second.gas).to.equal(first.gas / 2n);
      await time().increase(3_600);
      const third = await rebalanceAt(f);
      expect(third.paid).to.equal(null);
      expect(third.receipt.status).to.equal(1);
      const pay = await f.vault.keeperPay();
      expect(pay.gasPaidToday).to.equal(cap);
      // The next day.
      const now = await time().latest();
      await time().increaseTo(Math.ceil((now + 1) / DAY) * DAY + 60);
      expect((await rebalanceAt(f)).paid!.gas).to.be.greaterThan(0n);
    });

    it("never pays for a call that reverts: in the cooldown, or not due", async function () {
      const f = await paying();
      const { attacker } = f.signers;
      await rebalanceAt(f);
      // In the cooldown.
      await expect(signedBy(f.vault, attacker).rebalance()).to.be.revertedWithCustomError(f.vault, "VaultCooldownActive");
      expect(await f.usdc.balanceOf(attacker.address)).to.equal(USDC(10_000_000));
      // Not due: a vault at its targets.
      const g = await paying();
      await donateTokens(g, 1_500_000n);
      await expect(signedBy(g.vault, attacker).rebalance()).to.be.revertedWithCustomError(g.vault, "VaultRebalanceNotDue");
      expect(await g.usdc.balanceOf(attacker.address)).to.equal(USDC(10_000_000));
    });

    it("cannot be farmed by pushing a pool to make drift: the rebalance refuses the pushed pool, and the push costs", async function () {
      const f = await paying(50, 5_000);
      await rebalanceAt(f); // the first slice, by another keeper
      await time().increase(3_600);
      const { attacker } = f.signers;
      await signedBy(f.usdc, attacker).approve(await f.router.getAddress(), USDC(5_000_000));
      const usdcBefore = await f.usdc.balanceOf(attacker.address);
      const wethBefore = await f.weth.balanceOf(attacker.address);
      // Push WETH up 10% and rebalance in the same block: the vault would sell WETH into the push.
      const ok = await inOneBlock(suite.connection, async () => [
        await signedBy(f.router, attacker).exactInputSingle(
          { tokenIn: f.tokens.usdc, tokenOut: f.tokens.weth, fee: LOCAL_MARKET_FEES.usdcWeth, recipient: attacker.address, deadline: 2n ** 40n, amountIn: USDC(5_000_000), amountOutMinimum: 0n, sqrtPriceLimitX96: 0n },
          { gasLimit: 1_000_000 },
        ),
        await signedBy(f.vault, attacker).rebalance({ gasLimit: 12_000_000 }),
      ]);
      expect(ok).to.deep.equal([true, false]);
      // Unwinding the push at the pool returns less than went in: the push cost the pool's fee both ways.
      const weth = (await f.weth.balanceOf(attacker.address)) - wethBefore;
      await signedBy(f.weth, attacker).approve(await f.router.getAddress(), weth);
      await signedBy(f.router, attacker).exactInputSingle({ tokenIn: f.tokens.weth, tokenOut: f.tokens.usdc, fee: LOCAL_MARKET_FEES.usdcWeth, recipient: attacker.address, deadline: 2n ** 40n, amountIn: weth, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n });
      const pnl = (await f.usdc.balanceOf(attacker.address)) - usdcBefore;
      expect(pnl).to.be.lessThan(-USDC(4_000));
    });

    it("does not pay a keeper that sent too little gas to be paid, and the rebalance stands", async function () {
      const f = await paying();
      // What the rebalance costs unpaid: measured with keeper pay off, from the same state.
      const snapshot = await suite.connection.networkHelpers.takeSnapshot();
      await signedBy(f.vault, await timelockSigner(suite.connection, f)).setParameter(Parameter.KeeperBaseFeeCapGwei, 0);
      const unpaid = (await rebalanceAt(f)).receipt.gasUsed;
      await snapshot.restore();
      // Enough for the rebalance, not for the payment (FeeLogic.KEEPER_PAY_GAS, 150,000, must be left).
      await baseFee(20n);
      const tight = await (await signedBy(f.vault, f.signers.carol).rebalance({ gasLimit: unpaid + 100_000n })).wait();
      expect(tight!.status).to.equal(1);
      expect(tight!.logs.map((l: Log) => f.vault.interface.parseLog(l)?.name)).to.include("Rebalanced").and.not.include("KeeperPaid");
      expect(await f.usdc.balanceOf(f.signers.carol.address)).to.equal(USDC(10_000_000));
    });

    it("refuses keeper pay parameters beyond their bounds", async function () {
      await expectRefusedPastMax(suite.connection, await load(), [
        [Parameter.KeeperBaseFeeCapGwei, 1_000],
        [Parameter.KeeperTipBps, 5_000],
        [Parameter.KeeperMaxGas, 15_000_000],
        [Parameter.KeeperMaxGasPerDay, 150_000_000],
      ]);
    });
  });
});
