// Ballast's Hardhat tasks, run through Hardhat's task manager against a vault on the in-process
// network: what they print, what they send, and that bad input sends nothing.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { id, MaxUint256, ZeroAddress, ZeroHash } from "ethers";
import { pino } from "pino";

import { KEEPER_PAY_GAS, MAX_CONSECUTIVE_FAILURES, runPasses, type PassOutcome } from "../../tasks/keeper.js";
import { OperatorError } from "../../tasks/lib/context.js";
import { signedBy } from "../helpers/assertions.js";
import { logEvents, runTask } from "../helpers/tasks.js";
import { deployLocalSafe } from "../../deploy/lib/local-ballast.js";
import { encodePath } from "../../deploy/lib/uniswap-path.js";
import type { VaultStatus } from "../../tasks/vault.js";
import { donateBasket, donateTokens, marketSwap, Parameter, TIMELOCK_DELAY, timelockSigner, USDC, useBallast, type BallastFixture } from "../helpers/vault.js";

describe("Tasks", function () {
  const suite = useBallast({ shared: true });
  const time = () => suite.connection.networkHelpers.time;
  let f: BallastFixture;
  let vault: string;

  beforeEach(async function () {
    f = await suite.load();
    vault = await f.vault.getAddress();
  });

  /** Nothing was sent from `who` while `body` ran. */
  async function sendsNothing(who: string, body: () => Promise<unknown>) {
    const before = await suite.connection.ethers.provider.getTransactionCount(who);
    await body();
    expect(await suite.connection.ethers.provider.getTransactionCount(who)).to.equal(before);
  }

  /** A one-line failure naming the problem. */
  function expectFailure(run: Awaited<ReturnType<typeof runTask>>, pattern: RegExp) {
    expect(run.result.success, run.text).to.equal(false);
    expect(run.errors).to.have.length(1);
    expect(run.errors[0]).to.match(/^error: /);
    expect(run.errors[0]).to.match(pattern);
    expect(run.errors[0]).to.not.include("\n");
  }

  describe("vault status", function () {
    it("says when a rebalance its caps cut short carries on under the threshold, and until when", async function () {
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      await signedBy(f.vault, await timelockSigner(suite.connection, f)).setParameter(Parameter.ResidualDriftBps, 200);
      // Slices an hour apart until drift is under the 5% threshold with the last one cut short.
      for (let calls = 0; ; calls++) {
        expect(calls).to.be.lessThan(30);
        await signedBy(f.vault, f.signers.keeper).rebalance();
        await time().increase(3600);
        const [due, trigger] = await f.vault.rebalanceStatus();
        expect(due).to.equal(true);
        if (trigger === 3n) break;
      }
      const s = JSON.parse((await runTask(["vault", "status"], { vault, json: true })).lines[0]);
      const p = await f.vault.parameters();
      expect(s.rebalance.trigger).to.equal("unfinished");
      expect(s.driftBps).to.be.within(201, 499);
      const until = new Date(Number((p.lastRebalanceAt + 2n * p.cooldownSeconds) * 1000n)).toISOString().slice(0, 16);
      expect(s.rebalance.reason).to.include(`the last rebalance was cut short by its caps and drift ${s.driftBps} bps stands above its return point of 200 bps; it carries on until ${until}`);
      expect([s.returnPointBps, s.returnPointDerived]).to.deep.equal([200, false]);
    });

    it("shows the return point the vault derives once governance sets its ceiling, and between which bounds", async function () {
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      await gov.setParameter(Parameter.ResidualCeilingBps, 350);
      let s = JSON.parse((await runTask(["vault", "status"], { vault, json: true })).lines[0]);
      // No rebalance measured yet: the floor, MinDriftBps.
      expect([s.returnPointBps, s.returnPointDerived, s.parameters.residualCeilingBps]).to.deep.equal([100, true, 350]);
      await signedBy(f.vault, f.signers.keeper).rebalance();
      await time().increase(3 * 3600);
      const [, , , , , , onChain] = await f.vault.rebalanceStatus();
      s = JSON.parse((await runTask(["vault", "status"], { vault, json: true })).lines[0]);
      expect(s.returnPointBps).to.equal(Number(onChain));
      expect(s.returnPointBps).to.be.within(100, 350);
      const table = await runTask(["vault", "status"], { vault });
      expect(table.text).to.include(`a rebalance stops at ${s.returnPointBps} bps of drift, derived from the vault's size, gas and routes between 100 and 350 bps`);
    });

    it("reports NAV, holdings, drift and why no rebalance is due, as a table and as JSON", async function () {
      await signedBy(f.vault, f.signers.alice).deposit(USDC(100_000), f.signers.alice.address);
      await time().increase(3600);
      const json = await runTask(["vault", "status"], { vault, json: true });
      expect(json.result.success).to.equal(true);
      const s = JSON.parse(json.lines[0]);
      expect(s.vault).to.equal(vault);
      expect(BigInt(s.nav)).to.equal(await f.vault.totalAssets());
      expect(s.holdings.map((h: { symbol: string }) => h.symbol)).to.deep.equal(["USDC", "WETH", "WBTC", "LINK"]);
      expect(s.holdings.map((h: { targetBps: number }) => h.targetBps)).to.deep.equal([4000, 3000, 2000, 1000]);
      expect(s.holdings[0].weightBps).to.equal(10_000);
      expect(s.driftBps).to.equal(6000);
      expect(s.rebalance.due).to.equal(true);
      expect(s.rebalance.trigger).to.equal("threshold");
      expect(s.rebalance.reason).to.match(/drift 6000 bps reached the threshold of 500 bps/);
      expect(s.governance.timelock).to.equal(await f.timelock.getAddress());

      // Each token by each source: the TWAP oracle alone here, its two references a few bps apart at most.
      expect(s.oracle).to.deep.equal({ address: await f.oracle.getAddress(), kind: "TWAP", maxDivergenceBps: 500 });
      expect(s.prices.map((p: { token: string }) => p.token)).to.deep.equal(f.basket.slice(1));
      for (const p of s.prices as { twap: string; open: string; feed: null; spreadBps: number }[]) {
        expect(BigInt(p.twap)).to.be.greaterThan(0n);
        expect(BigInt(p.open)).to.be.greaterThan(0n);
        expect(p.feed).to.equal(null);
        expect(p.spreadBps).to.be.lessThan(10);
      }
      expect(BigInt(s.prices[0].twap)).to.equal(await f.oracle.quote(f.tokens.weth, 10n ** 18n));

      const table = await runTask(["vault", "status"], { vault });
      expect(table.text).to.match(/prices by source \(TWAP; entries and base-asset exits stop past a spread of 500 bps\)/);
      expect(table.text).to.match(/WETH\s*│\s*[23],\d{3}\.\d+\s*│\s*[23],\d{3}\.\d+\s*│\s*-\s*│\s*\d bps/);
      expect(table.text).to.match(/NAV 100,000 USDC/);
      expect(table.text).to.match(/rebalance DUE \(threshold\)/);
      expect(table.text).to.match(/USDC.*100,000 USDC.*100\.00%.*40%.*60\.00%/);
    });

    it("shows the share price to the basis point, its change since deployment, and the last rebalance's cost", async function () {
      await signedBy(f.vault, f.signers.alice).deposit(USDC(250_000), f.signers.alice.address);
      const fresh = (await runTask(["vault", "status"], { vault, json: true })).result.value as VaultStatus;
      expect(fresh.sharePrice).to.equal("1.0");
      expect(fresh.sharePriceChangeBps).to.equal(0);
      expect(fresh.lastRebalance).to.equal(null);

      await runTask(["keeper", "run"], { vault, from: f.signers.keeper.address });
      const s = (await runTask(["vault", "status"], { vault, json: true })).result.value as VaultStatus;
      const nav = await f.vault.totalAssets();
      const supply = await f.vault.totalSupply();
      // The rebalance paid pool fees: one share is worth a few basis points less than 1 USDC, and says so.
      const exact = (Number(nav + 1n) / Number(supply + 10n ** 6n)) * 1e6;
      expect(Math.abs(Number(s.sharePrice) - exact)).to.be.below(1e-9);
      expect(Number(s.sharePrice)).to.be.lessThan(1);
      expect(Math.abs(s.sharePriceChangeBps! - (exact - 1) * 10_000)).to.be.below(0.01);
      expect(s.sharePriceChangeBps).to.be.lessThan(-1);
      const last = s.lastRebalance!;
      expect(Math.abs(last.navChangeBps - s.sharePriceChangeBps!)).to.be.below(0.02);
      expect(Math.abs(last.sharePriceChangeSinceBps!)).to.be.below(0.01);
      expect(last.navAfter).to.be.lessThan(last.navBefore);

      const table = (await runTask(["vault", "status"], { vault })).text;
      expect(table).to.match(/one share = 0\.999\d{5} USDC \(-\d+\.\d\d bps since deployment\)/);
      expect(table).to.match(/last rebalance .* \(block \d+\): NAV 250,000(\.00)? USDC -> 249,\d{3}\.\d\d USDC \(-\d+\.\d\d bps\); the share price has moved [+-]?0\.\d\d bps since/);
    });

    it("shows each token's Chainlink feed beside its TWAP when the vault prices through feeds, and why one cannot be priced", async function () {
      const { ethers } = suite.connection;
      const ethUsd = await ethers.deployContract("MockV3Aggregator", [8, 3_000n * 10n ** 8n]);
      const gov = await timelockSigner(suite.connection, f);
      const noFeeds = { ethUsdFeed: ZeroAddress, ethUsdHeartbeat: 0, baseFeed: ZeroAddress, baseHeartbeat: 0, maxDepegBps: 100, feeds: [] };
      const composite = await ethers.deployContract("CompositeOracle", [await f.oracle.getAddress(), ZeroAddress, 3600, 300, gov.address, noFeeds]);
      await signedBy(composite, gov).setFeed(f.tokens.weth, await ethUsd.getAddress(), 3600, false, true, 0);
      await signedBy(f.vault, gov).setOracle(await composite.getAddress());
      await ethUsd.updateAnswer(3_030n * 10n ** 8n); // the feed 1% above the pools
      const s = (await runTask(["vault", "status"], { vault, json: true })).result.value as VaultStatus;
      expect(s.oracle.kind).to.equal("feeds beside the TWAP");
      expect(s.oracle.maxDivergenceBps).to.equal(300);
      const weth = s.prices[0];
      expect(weth.feed).to.equal(USDC(3_030));
      expect(weth.spreadBps).to.be.within(95, 105);
      expect(s.prices[1].feed).to.equal(null);
      const table = (await runTask(["vault", "status"], { vault })).text;
      expect(table).to.match(/WETH\s*│\s*[23],\d{3}\.\d+\s*│\s*[23],\d{3}\.\d+\s*│\s*3,030\s*│\s*\d+ bps/);
      // A stale feed: the token cannot be priced for entries and exits, and status says why.
      await time().increase(3_601);
      const stale = (await runTask(["vault", "status"], { vault, json: true })).result.value as VaultStatus;
      expect(stale.prices[0].error).to.match(/^CompositeFeedStale\(0x/);
    });

    it("says why a rebalance is not due: below the threshold, and when the calendar trigger fires", async function () {
      const s = (await runTask(["vault", "status"], { vault, json: true })).result.value as { rebalance: { due: boolean; reason: string } };
      expect(s.rebalance.due).to.equal(false);
      // A vault that never rebalanced: its calendar interval has long passed (not "due at 1970-01-08").
      expect(s.rebalance.reason).to.equal("drift 0 bps is below the threshold of 500 bps; the calendar trigger is due now with drift of at least 100 bps");
      // After a rebalance, the calendar's next date.
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      await runTask(["keeper", "run"], { vault, from: f.signers.keeper.address });
      const after = (await runTask(["vault", "status"], { vault, json: true })).result.value as { rebalance: { reason: string } };
      expect(after.rebalance.reason).to.match(/^cooling down until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \((1 h|\d+ min( \d+ s)?) from now\)$/);
    });

    it("still reports balances when the oracle cannot price a holding, and says so", async function () {
      await signedBy(f.vault, f.signers.alice).deposit(USDC(100_000), f.signers.alice.address);
      await runTask(["keeper", "run"], { vault, from: f.signers.keeper.address });
      await signedBy(f.oracle, await timelockSigner(suite.connection, f)).removeRoute(f.tokens.weth);
      const s = (await runTask(["vault", "status"], { vault, json: true })).result.value as VaultStatus;
      expect(s.nav).to.equal(null);
      expect(s.oracleError).to.match(/^OracleNoRoute\(0x/);
      expect(s.holdings[1].balance).to.equal(await f.weth.balanceOf(vault));
      expect(s.holdings[1].value).to.equal(null);
      expect(s.rebalance.due).to.equal(false);
      expect(s.rebalance.reason).to.match(/the oracle cannot price the basket/);
      const table = await runTask(["vault", "status"], { vault });
      expect(table.text).to.match(/oracle unavailable: OracleNoRoute.*\(exits in kind still work\)/);
    });

    it("fails in one line on an address without a vault, and on an address that is not one", async function () {
      expectFailure(await runTask(["vault", "status"], { vault: "0x000000000000000000000000000000000000dEaD" }), /no contract at 0x0+dEaD on network "default" \(chain 31337\)/);
      expectFailure(await runTask(["vault", "status"], { vault: await f.usdc.getAddress() }), /is not a Ballast vault/);
      expectFailure(await runTask(["vault", "status"], { vault: "vault" }), /--vault "vault" is not an address/);
    });
  });

  describe("vault deposit, redeem, redeem-in-kind", function () {
    let router: string;
    beforeEach(async function () {
      router = await f.ballastRouter.getAddress();
    });

    it("deposits, redeems within the idle base, and redeems in kind while paused, through the router", async function () {
      const alice = f.signers.alice.address;
      const dep = await runTask(["vault", "deposit"], { vault, router, from: alice, amount: "2500.5" });
      expect(dep.result.success, dep.errors.join()).to.equal(true);
      expect(dep.text).to.match(/deposited 2,500.5 USDC for/);
      const shares = await f.vault.balanceOf(alice);
      expect(shares).to.equal((dep.result.value as { shares: bigint }).shares);
      expect(await f.vault.convertToAssets(shares)).to.be.closeTo(USDC(2500), USDC(1));

      const before = await f.usdc.balanceOf(alice);
      const red = await runTask(["vault", "redeem"], { vault, router, from: alice, shares: "1000" });
      expect(red.result.success, red.errors.join()).to.equal(true);
      expect(await f.usdc.balanceOf(alice)).to.equal(before + (red.result.value as { assets: bigint }).assets);

      await signedBy(f.vault, f.signers.guardian).pause();
      const inKind = await runTask(["vault", "redeem-in-kind"], { vault, router, from: alice, shares: "all" });
      expect(inKind.result.success, inKind.errors.join()).to.equal(true);
      expect(await f.vault.balanceOf(alice)).to.equal(0n);
      expect(inKind.text).to.match(/redeemed .* shares in kind to .*: [\d,.]+ USDC, 0 WETH, 0 WBTC, 0 LINK/);
    });

    it("refuses, through the router, a deposit quoted before a price move that would now mint fewer shares than agreed", async function () {
      const alice = f.signers.alice.address;
      await signedBy(f.vault, f.signers.bob).deposit(USDC(400_000), f.signers.bob.address);
      await donateBasket(f, 600_000n);
      // The least accepted is quoted at the vault's lowest bounds: with no tolerance at all, even the tick
      // between a pool's price and its recorded prices exceeds it; a basis point is room enough in a still market.
      expectFailure(await runTask(["vault", "deposit"], { vault, router, from: alice, amount: "1000", slippageBps: 0 }), /bps above its lowest bounds now .* more than --slippage-bps 0 allows/);
      const tight = await runTask(["vault", "deposit"], { vault, router, from: alice, amount: "1000", slippageBps: 1 });
      expect(tight.result.success, tight.errors.join()).to.equal(true);
      // After a real move the average has not caught up with, the premium over the lowest bounds exceeds the
      // default tolerance: the task refuses, naming it, and sends nothing.
      await marketSwap(suite.connection, f, f.signers.carol, f.tokens.usdc, f.tokens.weth, 500, USDC(1_200_000));
      await time().increase(12);
      const sharesBefore = await f.vault.balanceOf(alice);
      expectFailure(await runTask(["vault", "deposit"], { vault, router, from: alice, amount: "1000" }), /prices this deposit \d+ bps above its lowest bounds/);
      expect(await f.vault.balanceOf(alice)).to.equal(sharesBefore);
      const accepted = await runTask(["vault", "deposit"], { vault, router, from: alice, amount: "1000", slippageBps: 200 });
      expect(accepted.result.success, accepted.errors.join()).to.equal(true);
      expectFailure(await runTask(["vault", "deposit"], { vault, router, from: alice, amount: "1", slippageBps: 10_001 }), /--slippage-bps must be a whole number of basis points from 0 to 10000/);
      expectFailure(await runTask(["vault", "deposit"], { vault, router: "0x000000000000000000000000000000000000dEaD", from: alice, amount: "1" }), /no contract at 0x0+dEaD/);
    });

    it("refuses bad amounts, balances short of the amount, a paused vault and exits beyond the idle base, sending nothing", async function () {
      const alice = f.signers.alice.address;
      await sendsNothing(alice, async () => {
        expectFailure(await runTask(["vault", "deposit"], { vault, router, from: alice, amount: "ten" }), /--amount "ten" is not a decimal amount of USDC/);
        expectFailure(await runTask(["vault", "deposit"], { vault, router, from: alice, amount: "0" }), /--amount must be more than zero USDC/);
        expectFailure(await runTask(["vault", "deposit"], { vault, router, from: alice, amount: "1.0000001" }), /at most 6 decimals/);
        expectFailure(await runTask(["vault", "deposit"], { vault, router, from: alice, amount: "20000000" }), /holds 10,000,000 USDC, less than --amount 20000000/);
        expectFailure(await runTask(["vault", "redeem"], { vault, router, from: alice, shares: "all" }), /holds no shares/);
        expectFailure(await runTask(["vault", "deposit"], { vault, router, from: "0x000000000000000000000000000000000000dEaD", amount: "1" }), /--from 0x0+dEaD is not an account configured for network "default"/);
        expectFailure(await runTask(["vault", "deposit"], { vault, from: alice, amount: "1" }), /no --router given and no BallastRouter deployment recorded on network "default"/);
      });
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), alice);
      await runTask(["keeper", "run"], { vault, from: f.signers.keeper.address }); // buys a slice of each token
      await signedBy(f.vault, f.signers.alice).approve(router, MaxUint256);
      await sendsNothing(alice, async () => {
        expectFailure(await runTask(["vault", "redeem"], { vault, router, from: alice, shares: "all" }), /can leave in the base asset now .*add --to-base, or use vault redeem-in-kind/);
        await signedBy(f.vault, f.signers.guardian).pause();
        expectFailure(await runTask(["vault", "deposit"], { vault, router, from: alice, amount: "1" }), /the vault is paused: deposits are stopped \(in-kind exits still work\)/);
        expectFailure(await runTask(["vault", "redeem"], { vault, router, from: alice, shares: "1" }), /the vault is paused: exits from the idle base are stopped; --to-base and vault redeem-in-kind still work/);
        // What the vault itself refuses is caught by the simulation, decoded, and not sent.
        expectFailure(
          await runTask(["vault", "redeem-in-kind"], { vault, router, from: alice, shares: "1", receiver: "0x0000000000000000000000000000000000000000" }),
          /^error: redeem-in-kind would revert with VaultZeroAddress\(\); nothing was sent$/,
        );
      });
    });
    it("redeems any number of shares in the base asset with --to-base, quoting each slice's sale first", async function () {
      const alice = f.signers.alice.address;
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), alice);
      await runTask(["keeper", "run"], { vault, from: f.signers.keeper.address }); // buys a slice of each token
      const shares = await f.vault.balanceOf(alice);
      expect(await f.vault.maxRedeem(alice)).to.be.lessThan(shares);
      await sendsNothing(alice, async () => {
        expectFailure(await runTask(["vault", "redeem"], { vault, router, from: alice, shares: "all", quote: true }), /--quote goes with --to-base/);
      });
      // A quote sends nothing, not even the router's approval: it simulates as if the router were approved.
      let quote: Awaited<ReturnType<typeof runTask>> | undefined;
      await sendsNothing(alice, async () => {
        quote = await runTask(["vault", "redeem"], { vault, router, from: alice, shares: "all", toBase: true, quote: true });
      });
      expect(quote!.result.success, quote!.errors.join()).to.equal(true);
      expect(quote!.text).to.match(/WETH .* \d/);
      expect(quote!.text).to.match(/total 99\d,\d{3}(\.\d+)? USDC for 1,000,000 shares; in kind they are worth 99\d,\d{3}(\.\d+)? USDC at the oracle: the sales cost \d+(\.\d+)? USDC \(\d+\.\d\d bps\)/);
      expect(quote!.text).to.not.include("approved");
      expect(await f.vault.balanceOf(alice)).to.equal(shares);
      expect(await f.vault.allowance(alice, router)).to.equal(0n);

      const before = await f.usdc.balanceOf(alice);
      const sent = await runTask(["vault", "redeem"], { vault, router, from: alice, shares: "all", toBase: true });
      expect(sent.result.success, sent.errors.join()).to.equal(true);
      const { assets, minAssets } = sent.result.value as { assets: bigint; minAssets: bigint };
      expect((await f.usdc.balanceOf(alice)) - before).to.equal(assets);
      expect(assets).to.be.greaterThanOrEqual(minAssets);
      expect(await f.vault.balanceOf(alice)).to.equal(0n);
      expect(sent.text).to.match(/redeemed 1,000,000 shares for 99\d,\d{3}(\.\d+)? USDC to 0x/);
      expect(sent.text, "the send approves first, and says so").to.match(/^approved 0x[0-9a-fA-F]{40} for \d+ units of 0x[0-9a-fA-F]{40} \(tx 0x[0-9a-f]{64}\)$/m);
    });

    it("refuses --to-base in one line, sending nothing, when the exit would revert or cannot be priced", async function () {
      const alice = f.signers.alice.address;
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), alice);
      await runTask(["keeper", "run"], { vault, from: f.signers.keeper.address }); // buys a slice of each token
      await signedBy(f.vault, f.signers.alice).approve(router, MaxUint256);
      await sendsNothing(alice, async () => {
        expectFailure(
          await runTask(["vault", "redeem"], { vault, router, from: alice, shares: "1000", toBase: true, receiver: ZeroAddress }),
          /^error: redeem --to-base would revert with ERC20InvalidReceiver\(0x0{40}\); nothing was sent \(vault redeem-in-kind still works\)$/,
        );
        await signedBy(f.oracle, await timelockSigner(suite.connection, f)).removeRoute(f.tokens.weth);
        expectFailure(
          await runTask(["vault", "redeem"], { vault, router, from: alice, shares: "1000", toBase: true }),
          /^error: the exit cannot be priced now: OracleNoRoute\(0x[0-9a-fA-F]{40}\) \(vault redeem-in-kind still works\)$/,
        );
      });
    });
  });

  describe("keeper run", function () {
    const keeperArgs = (extra: Record<string, unknown> = {}) => ({ vault, from: f.signers.keeper.address, retryDelayMs: 0, ...extra });

    it("sends nothing when no rebalance is due, and logs one JSON line per event", async function () {
      await sendsNothing(f.signers.keeper.address, async () => {
        const run = await runTask(["keeper", "run"], keeperArgs());
        expect(run.result.success).to.equal(true);
        const e = logEvents(run);
        expect(e.map((x) => x.event)).to.deep.equal(["start", "check", "stop"]);
        expect(e[1]).to.include({ due: false, level: "info" });
        expect(e[1].time).to.be.a("string");
      });
    });

    it("--dry-run simulates the due rebalance and prints its trades and gas estimate, sending nothing", async function () {
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      await sendsNothing(f.signers.keeper.address, async () => {
        const run = await runTask(["keeper", "run"], keeperArgs({ dryRun: true }));
        const check = logEvents(run).find((x) => x.event === "check")!;
        const prices = check.prices as { symbol: string; twap: string; open: string; feed: string | null; spreadBps: number }[];
        expect(prices.map((p) => p.symbol)).to.deep.equal(["WETH", "WBTC", "LINK"]);
        expect(prices.every((p) => BigInt(p.twap) > 0n && BigInt(p.open) > 0n && p.feed === null && p.spreadBps < 10)).to.equal(true);
        const dry = logEvents(run).find((x) => x.event === "dry-run")!;
        expect(dry.trades).to.equal(3);
        expect(Number(dry.gasEstimate)).to.be.greaterThan(200_000);
        expect((dry.planned as unknown[]).length).to.equal(3);
        // Each planned trade for people too: tokens named, amounts in tokens.
        for (const t of dry.planned as { sell: string; forAtLeast: string; worth: string }[]) {
          expect(t.sell).to.match(/^[\d.]+ USDC$/);
          expect(t.forAtLeast).to.match(/^[\d.]+ (WETH|WBTC|LINK)$/);
          expect(t.worth).to.match(/^[\d.]+ USDC$/);
        }
        expect(check.coolingDownUntil).to.equal(null);
        // Three slices, each the most its pool takes (half its round-trip fee's worth of its $60M depth):
        // WETH's on a 0.05% pool, $15k; WBTC's and LINK's on 0.3% pools, $90k each.
        // Value restored: the $195k bought, less what its costs leave out of place.
        expect(Number(dry.valueRestored)).to.be.within(194_000e6, 195_000e6);
        // Its cost, named: the pools' fees, the price impact beyond them, the gas; and as bps of what it restores.
        expect(Number(dry.poolFees)).to.be.closeTo(15_000e6 * 0.0005 + 180_000e6 * 0.003, 10e6);
        expect(Number(dry.priceImpact)).to.be.within(0, 2_000e6);
        expect(Number(dry.cost)).to.equal(Number(dry.poolFees) + Number(dry.priceImpact) + Number(dry.gasCost));
        expect(Math.abs((dry.costBps as number) - (Number(dry.cost) / Number(dry.valueRestored)) * 10_000)).to.be.below(0.01);
      });
    });

    it("rebalances when due, and the vault ends closer to its targets", async function () {
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      const run = await runTask(["keeper", "run"], keeperArgs({ maxBaseFeeGwei: "100", maxPriorityFeeGwei: "2", maxCostBps: "200" }));
      expect(run.result.success, run.errors.join()).to.equal(true);
      const done = logEvents(run).find((x) => x.event === "rebalanced")!;
      expect(done.driftBeforeBps).to.equal("6000");
      // $195k bought (slices sized to the pools): USDC is still about 80.5% of NAV against its 40%.
      expect(Number(done.driftAfterBps)).to.be.within(4050, 4080);
      expect(await f.vault.driftBps()).to.equal(BigInt(done.driftAfterBps as string));
      // The gas was valued through the oracle's WETH price: the pass priced itself.
      const sent = logEvents(run).find((x) => x.event === "sent")!;
      expect(Number(sent.gasCost)).to.be.greaterThan(0);
      expect(Number(sent.poolFees)).to.be.closeTo(15_000e6 * 0.0005 + 180_000e6 * 0.003, 10e6);
      // Keeper pay off: the estimate plus 20%, nothing on top.
      const tx = await suite.connection.ethers.provider.getTransaction(sent.hash as string);
      expect(tx!.gasLimit).to.equal((BigInt(sent.gasEstimate as string) * 12n) / 10n);
      // Its cost at the oracle is what NAV lost across it, to within the gas the vault does not pay.
      const navLoss = Number(done.navBefore) - Number(done.navAfter);
      expect(navLoss).to.be.closeTo(Number(sent.poolFees) + Number(sent.priceImpact), 2e6);
      expect(Math.abs((done.navChangeBps as number) + (navLoss / Number(done.navBefore)) * 10_000)).to.be.below(0.01);
      // The share price, to the basis point, in the check before and across the rebalance.
      const check = logEvents(run).find((x) => x.event === "check")!;
      expect(check.sharePrice).to.equal("1.0");
      expect(Math.abs((done.sharePriceChangeBps as number) - (done.navChangeBps as number))).to.be.below(0.02);
      // For people: NAV in dollars, each swap in named token amounts.
      expect(done.nav).to.match(/^1000000(\.0)? USDC -> 99\d{4}\.\d+ USDC$/);
      expect(done.swaps).to.have.length(3);
      for (const swap of done.swaps as string[]) expect(swap).to.match(/^[\d.]+ USDC for [\d.]+ (WETH|WBTC|LINK)$/);
    });

    it("is paid where governance turned keeper pay on, with the gas limit it sends, and logs what it got", async function () {
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      for (const [p, v] of [[Parameter.KeeperBaseFeeCapGwei, 100], [Parameter.KeeperTipBps, 1_000], [Parameter.KeeperMaxGas, 5_000_000], [Parameter.KeeperMaxGasPerDay, 20_000_000]]) {
        await gov.setParameter(p, v);
      }
      const before = await f.usdc.balanceOf(f.signers.keeper.address);
      const run = await runTask(["keeper", "run"], keeperArgs({ maxBaseFeeGwei: "100", maxPriorityFeeGwei: "2" }));
      expect(run.result.success, run.errors.join()).to.equal(true);
      const paid = logEvents(run).find((x) => x.event === "rebalanced")!.keeperPaid as { gas: string; baseFee: string; amount: string };
      expect(BigInt(paid.amount)).to.be.greaterThan(0n);
      expect((await f.usdc.balanceOf(f.signers.keeper.address)) - before).to.equal(BigInt(paid.amount));
      expect(Number(paid.gas)).to.be.greaterThan(300_000);
      // The estimate is made where the payment is skipped: the pass sends the gas the payment needs on top.
      expect(KEEPER_PAY_GAS).to.equal(await f.feeLogic.KEEPER_PAY_GAS());
      const sent = logEvents(run).find((x) => x.event === "sent")!;
      const tx = await suite.connection.ethers.provider.getTransaction(sent.hash as string);
      expect(tx!.gasLimit).to.equal((BigInt(sent.gasEstimate as string) * 12n) / 10n + KEEPER_PAY_GAS);
    });

    it("never sends what a static call says would revert: a pool pushed off the oracle is skipped", async function () {
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      // Someone pushes WETH's pool 20% up: the next block, where the keeper's rebalance would land (and which
      // its simulation runs in), opens at the pushed price while the average has not moved: the rebalance's
      // check of its references trips.
      await marketSwap(suite.connection, f, f.signers.attacker, f.tokens.usdc, f.tokens.weth, 500, USDC(60_000_000));
      await sendsNothing(f.signers.keeper.address, async () => {
        const run = await runTask(["keeper", "run"], keeperArgs());
        expect(run.result.success).to.equal(true);
        const skip = logEvents(run).find((x) => x.event === "skip")!;
        expect(skip.reason).to.match(/a static call of rebalance\(\) reverts: VaultPricesUnsettled\(/);
      });
    });

    it("skips a pass above the fee cap, or costing more than --max-cost-bps of the value it restores", async function () {
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      await sendsNothing(f.signers.keeper.address, async () => {
        const capped = await runTask(["keeper", "run"], keeperArgs({ maxBaseFeeGwei: "0.000000001" }));
        expect(logEvents(capped).find((x) => x.event === "skip")!.reason).to.match(/base fee .* is above --max-base-fee-gwei/);
        // The first slices cost some 40 bps of what they restore (0.3% pools, their impact, gas): a 10 bps cap skips them.
        const dear = await runTask(["keeper", "run"], keeperArgs({ maxCostBps: "10" }));
        const skip = logEvents(dear).find((x) => x.event === "skip")!;
        expect(skip.reason).to.match(/^cost \d+(\.\d+)? bps of the value restored is above --max-cost-bps 10$/);
        expect(skip.costBps).to.be.within(30, 60);
      });
    });

    it("values gas with --native-price where the oracle cannot price WETH9, and refuses a cost cap without either", async function () {
      const gov = await timelockSigner(suite.connection, f);
      // A basket without WETH, whose oracle route is then removed: the oracle cannot price the router's WETH9.
      await signedBy(f.vault, gov).setTargets(f.basket, [4_000, 0, 4_000, 2_000]);
      await signedBy(f.oracle, gov).removeRoute(f.tokens.weth);
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      await sendsNothing(f.signers.keeper.address, async () => {
        expectFailure(await runTask(["keeper", "run"], keeperArgs({ dryRun: true, maxCostBps: "100" })), /cannot value gas in the base asset \(the oracle does not price the router's WETH9\): pass --native-price/);
        const run = await runTask(["keeper", "run"], keeperArgs({ dryRun: true, maxCostBps: "100", nativePrice: "3000" }));
        expect(run.result.success, run.errors.join()).to.equal(true);
        const dry = logEvents(run).find((x) => x.event === "dry-run")!;
        // Gas at $3,000 an ether: the estimate times the fees per gas, in USDC units.
        const wei = BigInt(dry.gasEstimate as string) * (BigInt(dry.baseFee as string) + BigInt(dry.priorityFee as string));
        expect(BigInt(dry.gasCost as string)).to.equal((wei * 3_000_000_000n) / 10n ** 18n);
      });
    });

    it("loops every --interval seconds for --max-passes passes", async function () {
      const run = await runTask(["keeper", "run"], keeperArgs({ interval: 1, maxPasses: 2 }));
      expect(logEvents(run).filter((x) => x.event === "check")).to.have.length(2);
    });

    it("follows the fee's high-water mark: calls accrueFees() when the share price stands --mark-bps above it; --dry-run only logs it; off leaves it", async function () {
      // A balanced $1M vault (no rebalance due), then a 1% gain no call has priced.
      await signedBy(f.vault, f.signers.alice).deposit(USDC(400_000), f.signers.alice.address);
      await donateTokens(f, 600_000n);
      await f.vault.accrueFees();
      await donateBasket(f, 10_000n);
      const [, mark] = await f.vault.fees();
      await sendsNothing(f.signers.keeper.address, async () => {
        expect(logEvents(await runTask(["keeper", "run"], keeperArgs({ markBps: "off" }))).map((x) => x.event)).to.deep.equal(["start", "check", "stop"]);
        expect(logEvents(await runTask(["keeper", "run"], keeperArgs({ markBps: "150" }))).map((x) => x.event)).to.deep.equal(["start", "check", "stop"]);
        const dry = logEvents(await runTask(["keeper", "run"], keeperArgs({ dryRun: true })));
        expect(dry.find((x) => x.event === "mark-due")!.lagBps).to.be.within(95, 100);
      });
      expect((await f.vault.fees())[1]).to.equal(mark);
      const run = await runTask(["keeper", "run"], keeperArgs());
      const marked = logEvents(run).find((x) => x.event === "marked")!;
      expect(BigInt(marked.markBefore as string)).to.equal(mark);
      const [, after] = await f.vault.fees();
      expect(BigInt(marked.markAfter as string)).to.equal(after);
      expect(Number(((BigInt(after) - BigInt(mark)) * 10_000n) / BigInt(mark))).to.be.within(95, 100);
      // 171,620 gas on four tokens, uninstrumented (a priced read of every one); the coverage run adds its probes.
      expect(Number(marked.gasUsed)).to.be.greaterThan(0);
      // At the mark now: the next pass sends nothing.
      await sendsNothing(f.signers.keeper.address, async () => {
        expect(logEvents(await runTask(["keeper", "run"], keeperArgs())).map((x) => x.event)).to.deep.equal(["start", "check", "stop"]);
      });
      // With the performance fee on, each call would charge it at the high: only with --mark-while-charging.
      await signedBy(f.vault, await timelockSigner(suite.connection, f)).setParameter(Parameter.PerformanceFeeBps, 1_000);
      await donateBasket(f, 10_000n);
      await sendsNothing(f.signers.keeper.address, async () => {
        expect(logEvents(await runTask(["keeper", "run"], keeperArgs())).map((x) => x.event)).to.deep.equal(["start", "check", "stop"]);
      });
      const charging = logEvents(await runTask(["keeper", "run"], keeperArgs({ markWhileCharging: true })));
      expect(charging.find((x) => x.event === "marked")!.lagBps).to.be.within(60, 100);
      expectFailure(await runTask(["keeper", "run"], keeperArgs({ markBps: "-1" })), /--mark-bps must be a whole number of basis points or "off"/);
    });

    it("fails in one line, sending nothing, for a signer without the keeper role and for options out of range", async function () {
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      const bob = f.signers.bob.address;
      await sendsNothing(bob, async () => {
        expectFailure(await runTask(["keeper", "run"], keeperArgs({ from: bob })), /does not hold the vault's keeper role/);
      });
      expectFailure(await runTask(["keeper", "run"], keeperArgs({ retries: 11 })), /--retries must be a whole number from 0 to 10/);
      // A mistyped checksum names the address it meant.
      expectFailure(
        await runTask(["keeper", "run"], keeperArgs({ from: "0x70997970C51812dc3A010C7d01b50e0d17dC79C8" })),
        /--from "0x70997970C51812dc3A010C7d01b50e0d17dC79C8" is not an address \(its mixed-case checksum is wrong: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8\?\)/,
      );
      expectFailure(await runTask(["keeper", "run"], keeperArgs({ maxPasses: 3 })), /--max-passes needs --interval/);
      expectFailure(await runTask(["keeper", "run"], keeperArgs({ maxBaseFeeGwei: "lots" })), /--max-base-fee-gwei "lots" is not a non-negative decimal/);
      expectFailure(await runTask(["keeper", "run"], keeperArgs({ maxCostBps: "-5" })), /--max-cost-bps "-5" is not a non-negative decimal number of basis points/);
    });
  });

  describe("gov", function () {
    const gov = () => f.signers.governance.address;

    it("proposes targets, shows them pending with their ETA, refuses to execute early, executes after the delay", async function () {
      const proposed = await runTask(["gov", "propose-targets"], { vault, from: gov(), targets: "usdc=3000, WETH=3000,WBTC=3000,LINK=1000" });
      expect(proposed.result.success, proposed.errors.join()).to.equal(true);
      const { id, eta } = proposed.result.value as { id: string; eta: number };
      expect(proposed.text).to.include(`operation ${id}`);
      expect(proposed.text).to.match(/scheduled setTargets\(USDC 30%, WETH 30%, WBTC 30%, LINK 10%\)/);
      expect(eta).to.equal((await time().latest()) + TIMELOCK_DELAY);

      const s = (await runTask(["vault", "status"], { vault, json: true })).result.value as { pending: { id: string; eta: number; call: string }[] };
      expect(s.pending).to.deep.equal([{ id, state: "waiting", eta, call: "setTargets(USDC 30%, WETH 30%, WBTC 30%, LINK 10%)" }]);

      // Events are read from --from-block: past the deployment and the schedule, governance is out of
      // sight (where Ignition recorded the deployment, the timelock is found without events).
      const after = (await suite.connection.ethers.provider.getBlockNumber()) + 1;
      expect(((await runTask(["vault", "status"], { vault, json: true, fromBlock: after })).result.value as { pending: unknown[] }).pending).to.deep.equal([]);
      expectFailure(await runTask(["gov", "execute"], { vault, id, fromBlock: after }), new RegExp(`no TimelockController holds the governor role of vault ${vault} \\(events read from block ${after}\\)`));
      expectFailure(await runTask(["gov", "execute"], { vault, id, fromBlock: -1 }), /--from-block must be a block number, not -1/);

      const alice = f.signers.alice.address;
      await sendsNothing(alice, async () => {
        expectFailure(await runTask(["gov", "execute"], { vault, from: alice, id }), /is not ready: its ETA is/);
      });
      await time().increase(TIMELOCK_DELAY);
      const executed = await runTask(["gov", "execute"], { vault, from: alice, id });
      expect(executed.result.success, executed.errors.join()).to.equal(true);
      expect((await f.vault.targets())[1]).to.deep.equal([3000n, 3000n, 3000n, 1000n]);
      expectFailure(await runTask(["gov", "execute"], { vault, from: alice, id }), /was already executed/);
    });

    it("proposes fee changes and a new fee recipient through the timelock, and vault status shows the fees accruing", async function () {
      const none = (await runTask(["vault", "status"], { vault })).text;
      expect(none).to.match(/fees: none/);
      expect(none).to.match(/keeper pay: off/);
      await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
      const propose = (name: string, value: string) => runTask(["gov", "propose-parameter"], { vault, from: gov(), name, value });
      const management = await propose("ManagementFeeBps", "200");
      expect(management.text).to.match(/scheduled setParameter\(ManagementFeeBps = 200\)/);
      const performance = await propose("PerformanceFeeBps", "1500");
      const carol = f.signers.carol.address;
      const recipient = await runTask(["gov", "propose-fee-recipient"], { vault, from: gov(), recipient: carol });
      expect(recipient.result.success, recipient.errors.join()).to.equal(true);
      expect(recipient.text).to.match(new RegExp(`scheduled setFeeRecipient\\(${carol}\\)`));
      const pending = ((await runTask(["vault", "status"], { vault, json: true })).result.value as VaultStatus).pending;
      expect(pending.map((p) => p.call)).to.deep.equal(["setParameter(ManagementFeeBps = 200)", "setParameter(PerformanceFeeBps = 1500)", `setFeeRecipient(${carol})`]);
      await time().increase(TIMELOCK_DELAY);
      for (const run of [management, performance, recipient]) {
        const executed = await runTask(["gov", "execute"], { vault, id: (run.result.value as { id: string }).id });
        expect(executed.result.success, executed.errors.join()).to.equal(true);
      }
      await time().increase(30 * 86_400);
      const s = (await runTask(["vault", "status"], { vault, json: true })).result.value as VaultStatus;
      expect(s.fees.recipient).to.equal(carol);
      expect(s.fees.managementFeeBps).to.equal(200);
      expect(s.fees.performanceFeeBps).to.equal(1500);
      const [pendingManagement] = await f.vault.pendingFees();
      expect(BigInt(s.fees.pendingManagementShares)).to.equal(pendingManagement);
      expect(BigInt(s.fees.pendingValue!)).to.equal(await f.vault.previewRedeem(pendingManagement + BigInt(s.fees.pendingPerformanceShares)));
      // A month of 2% on $1M, near $1,643.
      expect(Number(s.fees.pendingValue) / 1e6).to.be.within(1_600, 1_700);
      const table = (await runTask(["vault", "status"], { vault })).text;
      expect(table).to.match(/fees: management 2\.00% a year, performance 15\.00% of gains above the mark \(a share at \d\.\d{8} USDC\), to 0x/);
      expect(table).to.match(/accrued, not yet minted: [\d,.]+ management \+ [\d,.]+ performance shares, worth 1,6\d\d\.\d\d USDC/);
      await sendsNothing(gov(), async () => {
        expectFailure(await propose("ManagementFeeBps", "501"), /--value 501 is outside ManagementFeeBps's bounds \[0, 500\]/);
        expectFailure(await runTask(["gov", "propose-fee-recipient"], { vault, from: gov(), recipient: "0x0000000000000000000000000000000000000000" }), /--recipient must be a non-zero address/);
        expectFailure(await runTask(["gov", "propose-fee-recipient"], { vault, from: gov(), recipient: "carol" }), /--recipient must be a non-zero address, not "carol"/);
      });
    });

    it("lets the guardian cancel a pending change, which then cannot execute", async function () {
      const { id } = (await runTask(["gov", "propose-parameter"], { vault, from: gov(), name: "DriftThresholdBps", value: "300" })).result.value as { id: string };
      expectFailure(await runTask(["gov", "cancel"], { vault, from: f.signers.alice.address, id }), /can cancel neither on the timelock \(a proposer\) nor through the vault \(its guardian\)/);
      const cancelled = await runTask(["gov", "cancel"], { vault, from: f.signers.guardian.address, id });
      expect(cancelled.text).to.match(/cancelled setParameter\(DriftThresholdBps = 300\)/);
      await time().increase(TIMELOCK_DELAY);
      expectFailure(await runTask(["gov", "execute"], { vault, id }), /was cancelled/);
      expect((await f.vault.parameters()).driftThresholdBps).to.equal(500n);
    });

    it("refuses the guardian's cancel of its own replacement, naming why, and lets a proposer cancel it", async function () {
      const data = f.vault.interface.encodeFunctionData("setGuardian", [f.signers.carol.address]);
      const salt = id("replace the guardian");
      await signedBy(f.timelock, f.signers.governance).schedule(vault, 0, data, ZeroHash, salt, TIMELOCK_DELAY);
      const opId = await f.timelock.hashOperation(vault, 0, data, ZeroHash, salt);
      await sendsNothing(f.signers.guardian.address, async () => {
        expectFailure(await runTask(["gov", "cancel"], { vault, from: f.signers.guardian.address, id: opId }), /would revert with VaultGuardianReplacementNotCancellable/);
      });
      const cancelled = await runTask(["gov", "cancel"], { vault, from: gov(), id: opId });
      expect(cancelled.text).to.match(/cancelled setGuardian/);
    });

    it("validates every input before anything is sent", async function () {
      await sendsNothing(gov(), async () => {
        const targets = (t: string) => runTask(["gov", "propose-targets"], { vault, from: gov(), targets: t });
        expectFailure(await targets("USDC=4000,WETH=3000,WBTC=2000,LINK=900"), /weights sum to 9900 bps, not 10000/);
        expectFailure(await targets("USDC=4000,WETH=3000,WBTC=2000,DOGE=1000"), /DOGE is not in the basket \(USDC, WETH, WBTC, LINK\)/);
        expectFailure(await targets("USDC=7000,WETH=3000"), /missing WBTC, LINK/);
        expectFailure(await targets("USDC=4000,USDC=3000"), /USDC is given twice/);
        expectFailure(await targets("USDC:4000"), /"USDC:4000" is not TOKEN=BPS/);
        const param = (name: string, value: string) => runTask(["gov", "propose-parameter"], { vault, from: gov(), name, value });
        expectFailure(await param("Speed", "1"), /--name Speed is not a parameter/);
        expectFailure(await param("MaxSlippageBps", "5000"), /--value 5000 is outside MaxSlippageBps's bounds \[\d+, \d+\]/);
        expectFailure(await param("MaxSlippageBps", "1.5"), /--value must be a whole number/);
        expectFailure(await runTask(["gov", "propose-targets"], { vault, from: gov(), targets: "USDC=4000,WETH=3000,WBTC=2000,LINK=1000", delay: 60 }), /--delay must be at least the timelock's minimum of 172800 s/);
        expectFailure(await runTask(["gov", "execute"], { vault, id: "0x1234" }), /--id must be an operation id/);
        expectFailure(await runTask(["gov", "propose-parameter"], { vault, from: gov(), name: "MinDriftBps", value: "50", salt: "0x12" }), /--salt must be 32 bytes of hex, not 0x12/);
        expectFailure(await runTask(["gov", "execute"], { vault, id: `0x${"ab".repeat(32)}` }), /no operation 0xabab.* was scheduled/);
      });
      const alice = f.signers.alice.address;
      await sendsNothing(alice, async () => {
        expectFailure(await runTask(["gov", "propose-targets"], { vault, from: alice, targets: "USDC=10000,WETH=0,WBTC=0,LINK=0" }), /is not a proposer on the timelock/);
      });
      // The same call with the same salt is the same operation: refused before it is sent twice.
      const salt = `0x${"07".repeat(32)}`;
      const first = await runTask(["gov", "propose-parameter"], { vault, from: gov(), name: "MinDriftBps", value: "50", salt });
      expect(first.result.success, first.errors.join()).to.equal(true);
      await sendsNothing(gov(), async () => {
        expectFailure(await runTask(["gov", "propose-parameter"], { vault, from: gov(), name: "MinDriftBps", value: "50", salt }), /is already scheduled: pass another --salt/);
      });
    });
  });

  describe("gov with a Safe, and every governance action", function () {
    /** A 2-of-3 Safe of accounts #8 to #10, made a proposer of the timelock (as the parameters file's `proposers` would). */
    async function curatorSafe() {
      const accounts = await suite.connection.ethers.getSigners();
      const safe = await deployLocalSafe(suite.connection as never, accounts.slice(8, 11).map((a) => a.address), 2, Number(await time().latest()));
      const address = await safe.getAddress();
      const timelock = signedBy(f.timelock, await timelockSigner(suite.connection, f));
      await timelock.grantRole(await f.timelock.PROPOSER_ROLE(), address);
      await timelock.grantRole(await f.timelock.CANCELLER_ROLE(), address);
      return { safe, address, owners: accounts.slice(8, 11).map((a) => a.address) };
    }

    it("schedules through a 2-of-3 Safe: writes the Transaction Builder's batch, the owners sign, the Safe schedules, the delay passes, execution changes the vault", async function () {
      const { safe, address, owners } = await curatorSafe();
      const dir = mkdtempSync(path.join(tmpdir(), "ballast-safe-"));
      const file = path.join(dir, "batch.json");
      const nonce = await safe.nonce();
      const proposed = await runTask(["gov", "propose-parameter"], { vault, safe: address, out: file, name: "DriftThresholdBps", value: "300" });
      expect(proposed.result.success, proposed.errors.join()).to.equal(true);
      const { id, data } = proposed.result.value as { id: string; data: string };
      // The batch: one call, to the timelock, its schedule of the vault's setParameter.
      const batch = JSON.parse(readFileSync(file, "utf8"));
      expect(batch).to.include({ version: "1.0", chainId: "31337" });
      expect(batch.meta.createdFromSafeAddress).to.equal(address);
      expect(batch.transactions).to.deep.equal([{ to: await f.timelock.getAddress(), value: "0", data, contractMethod: null, contractInputsValues: null }]);
      // Two owners signed, the Safe made the call: its nonce moved and the operation waits on the timelock.
      const signedBy_ = proposed.text.match(/signed by (0x[0-9a-fA-F]{40}), (0x[0-9a-fA-F]{40}); the Safe executed it \(Safe nonce \d+, tx 0x[0-9a-f]{64}, (\d+) gas\)/);
      expect(signedBy_, proposed.text).to.not.equal(null);
      expect(owners).to.include.members([signedBy_![1], signedBy_![2]]);
      const gas = Number(signedBy_![3]);
      console.log(`      a parameter change scheduled through a 2-of-3 Safe: ${gas.toLocaleString("en-US")} gas`);
      expect(await safe.nonce()).to.equal(nonce + 1n);
      expect(await f.timelock.isOperationPending(id)).to.equal(true);
      const listed = await runTask(["gov", "pending"], { vault });
      expect(listed.text).to.include(`${id}: setParameter(DriftThresholdBps = 300)`);
      expect(listed.text).to.match(/ETA \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in 2 days\); executed by anyone; cancelled by the guardian 0x[0-9a-fA-F]{40} \(through the vault\) or a proposer of the timelock/);
      expectFailure(await runTask(["gov", "execute"], { vault, safe: address, id }), /is not ready: its ETA is/);
      await time().increase(TIMELOCK_DELAY);
      const executed = await runTask(["gov", "execute"], { vault, safe: address, out: path.join(dir, "execute.json"), id });
      expect(executed.result.success, executed.errors.join()).to.equal(true);
      expect(await f.vault.parameter(Parameter.DriftThresholdBps)).to.equal(300n);
      expect(await safe.nonce()).to.equal(nonce + 2n);
    });

    it("cancels from the Safe, prints the call with --calldata, and refuses a Safe that is not a proposer, an address that is not a Safe, and too few local owners", async function () {
      const { address } = await curatorSafe();
      const dir = mkdtempSync(path.join(tmpdir(), "ballast-safe-"));
      const proposed = await runTask(["gov", "propose-parameter"], { vault, safe: address, out: path.join(dir, "a.json"), name: "CooldownSeconds", value: "7200" });
      const { id } = proposed.result.value as { id: string };
      const cancelled = await runTask(["gov", "cancel"], { vault, safe: address, out: path.join(dir, "b.json"), id });
      expect(cancelled.result.success, cancelled.errors.join()).to.equal(true);
      expect(await f.timelock.getOperationState(id)).to.equal(0n);
      // --calldata sends nothing and prints the schedule call.
      await sendsNothing(f.signers.governance.address, async () => {
        const printed = await runTask(["gov", "propose-window"], { vault, from: f.signers.governance.address, calldata: true, seconds: "1200" });
        expect(printed.result.success, printed.errors.join()).to.equal(true);
        expect(printed.text).to.include(`to:   ${await f.timelock.getAddress()}`);
        expect(printed.text).to.match(/^data: 0x01d5062a[0-9a-f]+$/m); // schedule(...)
        expect(printed.text).to.include("schedule oracle.setWindow(1200); nothing was sent");
      });
      // A Safe without the proposer role; an address that is no Safe; a Safe whose owners are not local accounts.
      const accounts = await suite.connection.ethers.getSigners();
      const stranger = await deployLocalSafe(suite.connection as never, accounts.slice(8, 11).map((a) => a.address), 2, 7);
      expectFailure(await runTask(["gov", "propose-parameter"], { vault, safe: await stranger.getAddress(), name: "CooldownSeconds", value: "7200" }), /is not a proposer on the timelock .*: run with a proposer's account \(--from\) or its Safe \(--safe\)/);
      expectFailure(await runTask(["gov", "propose-parameter"], { vault, safe: vault, out: path.join(dir, "c.json"), name: "CooldownSeconds", value: "7200" }), /is not a proposer on the timelock/);
      const remote = await deployLocalSafe(suite.connection as never, ["0x1000000000000000000000000000000000000001", "0x1000000000000000000000000000000000000002"], 2, 8);
      const remoteAddress = await remote.getAddress();
      await signedBy(f.timelock, await timelockSigner(suite.connection, f)).grantRole(await f.timelock.PROPOSER_ROLE(), remoteAddress);
      const unsigned = await runTask(["gov", "propose-parameter"], { vault, safe: remoteAddress, out: path.join(dir, "d.json"), name: "CooldownSeconds", value: "7200" });
      expect(unsigned.result.success, unsigned.errors.join()).to.equal(true);
      expect(unsigned.text).to.include("the local accounts hold fewer of the Safe's owners than its threshold: nothing was sent");
      expect(JSON.parse(readFileSync(path.join(dir, "d.json"), "utf8")).transactions).to.have.length(1);
      expect(await f.timelock.getOperationState((unsigned.result.value as { id: string }).id)).to.equal(0n);
    });

    it("has a task for each oracle and vault change, each simulated as the timelock will make it: a rejected change names the contract's error and sends nothing", async function () {
      const gov = f.signers.governance.address;
      const run = (action: string, options: Record<string, unknown>) => runTask(["gov", `propose-${action}`], { vault, from: gov, ...options });
      const ok = async (action: string, options: Record<string, unknown>, call: string) => {
        const r = await run(action, options);
        expect(r.result.success, `${action}: ${r.errors.join()}`).to.equal(true);
        expect((r.result.value as { call: string }).call).to.equal(call);
        return (r.result.value as { id: string }).id;
      };
      const oracle = await f.vault.oracle();
      const ids = [
        await ok("window", { seconds: "1200" }, "oracle.setWindow(1200)"),
        await ok("max-divergence", { bps: "300" }, "oracle.setMaxDivergence(300)"),
        await ok("route", { token: "LINK", path: `LINK,3000,USDC`, minDepth: "1000000" }, `oracle.setRoute(LINK, ${encodePath([f.tokens.link, f.tokens.usdc], [3000])}, 1000000)`),
        await ok("guardian", { guardian: f.signers.carol.address }, `setGuardian(${f.signers.carol.address})`),
        await ok("oracle", { oracle }, `setOracle(${oracle})`),
      ];
      await sendsNothing(gov, async () => {
        expectFailure(await run("window", { seconds: "10" }), /the oracle would reject this change: Oracle\w+\(.*\); nothing was sent/);
        expectFailure(await run("route", { token: "LINK", path: "LINK,500,USDC", minDepth: "0" }), /the oracle would reject this change: .*; nothing was sent/);
        expectFailure(await run("remove-token", { token: "WETH" }), /the vault would reject this change: Vault\w+\(.*\); nothing was sent/);
        expectFailure(await run("write-off", { token: "DOGE" }), /--token "DOGE" is neither a basket symbol nor an address/);
        expectFailure(await run("feed", { token: "WETH", feed: oracle, heartbeat: "3600" }), /has no feeds \(it is not a CompositeOracle\)/);
        expectFailure(await run("route", { token: "LINK", path: "LINK,USDC", minDepth: "0" }), /--path must be TOKEN,FEE,TOKEN/);
        expectFailure(await run("sweep", { token: "LINK", to: "nobody" }), /--to must be an address, not "nobody"/);
      });
      // The guardian cannot cancel its own replacement: `gov pending` says who can.
      const pendingList = await runTask(["gov", "pending"], { vault });
      expect(pendingList.text).to.include(`setGuardian(${f.signers.carol.address})`);
      expect(pendingList.text).to.include("cancelled by a proposer of the timelock (not the guardian: it is its own replacement)");
      await time().increase(TIMELOCK_DELAY);
      for (const id of ids) expect((await runTask(["gov", "execute"], { vault, id })).result.success, id).to.equal(true);
      const twap = await suite.connection.ethers.getContractAt("UniswapV3TwapOracle", oracle);
      expect(await twap.windowSeconds()).to.equal(1200n);
      expect(await f.vault.guardian()).to.equal(f.signers.carol.address);
      // Sweeping a stray token: sent to the vault by mistake, out to its owner.
      const stray = await suite.connection.ethers.deployContract("DemoToken", ["Stray", "STRAY", 18]);
      await stray.mint(vault, 5n * 10n ** 18n);
      const sweepId = await ok("sweep", { token: await stray.getAddress(), to: f.signers.bob.address }, `sweep(${await stray.getAddress()}, ${f.signers.bob.address})`);
      await runTask(["chain", "advance"], { seconds: TIMELOCK_DELAY });
      expect((await runTask(["gov", "execute"], { vault, id: sweepId })).result.success).to.equal(true);
      expect(await stray.balanceOf(f.signers.bob.address)).to.equal(5n * 10n ** 18n);
    });
  });

  describe("guardian", function () {
    it("pauses and unpauses from the guardian's key or its Safe, and refuses anyone else, sending nothing", async function () {
      const guardian = f.signers.guardian.address;
      const paused = await runTask(["guardian", "pause"], { vault, from: guardian });
      expect(paused.result.success, paused.errors.join()).to.equal(true);
      expect(paused.text).to.match(/^paused until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: deposits, base-asset exits and rebalances stop; in-kind exits go on \(tx 0x[0-9a-f]{64}\)$/);
      expect(await f.vault.paused()).to.equal(true);
      await sendsNothing(f.signers.bob.address, async () => {
        expectFailure(await runTask(["guardian", "unpause"], { vault, from: f.signers.bob.address }), /is not the vault's guardian/);
      });
      expect((await runTask(["guardian", "unpause"], { vault, from: guardian })).result.success).to.equal(true);
      expect(await f.vault.paused()).to.equal(false);
      // A Safe as guardian (governance replaces the guardian with it): its owners pause.
      const accounts = await suite.connection.ethers.getSigners();
      const safe = await deployLocalSafe(suite.connection as never, accounts.slice(8, 11).map((a) => a.address), 2, 11);
      const safeAddress = await safe.getAddress();
      await signedBy(f.vault, await timelockSigner(suite.connection, f)).setGuardian(safeAddress);
      const dir = mkdtempSync(path.join(tmpdir(), "ballast-safe-"));
      const bySafe = await runTask(["guardian", "pause"], { vault, safe: safeAddress, out: path.join(dir, "pause.json") });
      expect(bySafe.result.success, bySafe.errors.join()).to.equal(true);
      expect(await f.vault.paused()).to.equal(true);
    });
  });

  describe("chain advance", function () {
    it("moves the local chain's clock past a timelock's delay, so a proposal can be executed, and refuses a bad --seconds", async function () {
      const gov = f.signers.governance.address;
      const proposed = await runTask(["gov", "propose-parameter"], { vault, from: gov, name: "DriftThresholdBps", value: "300" });
      const { id } = proposed.result.value as { id: string };
      expectFailure(await runTask(["gov", "execute"], { vault, id }), /not ready/i);
      const before = await time().latest();
      const advanced = await runTask(["chain", "advance"], { seconds: TIMELOCK_DELAY });
      expect(advanced.result.success, advanced.errors.join()).to.equal(true);
      expect(advanced.text).to.match(/^advanced 172800 s: block \d+ at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect((await time().latest()) - before).to.be.greaterThanOrEqual(TIMELOCK_DELAY);
      expect((await runTask(["gov", "execute"], { vault, id })).result.success).to.equal(true);
      expect(await f.vault.parameter(Parameter.DriftThresholdBps)).to.equal(300n);
      expectFailure(await runTask(["chain", "advance"], { seconds: 0 }), /--seconds must be a whole number from 1 to/);
    });
  });

  describe("deploy check", function () {
    it("fails in one line without a file, with a file it cannot read, and with one that has no Ballast section", async function () {
      expectFailure(await runTask(["deploy", "check"], {}), /--parameters is required/);
      expectFailure(await runTask(["deploy", "check"], { parameters: "deploy/parameters/nowhere.json5" }), /^error: cannot read deploy\/parameters\/nowhere\.json5: /);
      const file = path.join(mkdtempSync(path.join(tmpdir(), "ballast-")), "other.json5");
      writeFileSync(file, "{ Other: { x: 1 } }");
      expectFailure(await runTask(["deploy", "check"], { parameters: file }), /has no "Ballast" section/);
    });
  });

  describe("keeper loop", function () {
    const quiet = pino({ level: "silent" });
    const noWait = async () => {};
    const failing = (error: Error) => async (): Promise<PassOutcome> => {
      throw error;
    };

    it("logs a failed pass and tries again, and stops with an error after five failures in a row", async function () {
      let calls = 0;
      const flaky = async (): Promise<PassOutcome> => {
        if (++calls % 2 === 1) throw new Error("503 Service Unavailable");
        return { action: "not-due", reason: "" };
      };
      const outcomes = await runPasses(flaky, { interval: 1, maxPasses: 6 }, quiet, String, noWait);
      expect(outcomes).to.have.length(3);
      expect(calls).to.equal(6);
      calls = 0;
      const error = await runPasses(failing(new Error("socket hang up")), { interval: 1, maxPasses: 0 }, quiet, String, noWait).catch((e: Error) => e);
      expect(error).to.be.instanceOf(OperatorError);
      expect((error as Error).message).to.equal(`${MAX_CONSECUTIVE_FAILURES} passes failed in a row; stopping`);
    });

    it("stops at once on the operator's fault in a loop, and on any failure of a single pass", async function () {
      const role = new OperatorError("no keeper role");
      expect(await runPasses(failing(role), { interval: 1, maxPasses: 0 }, quiet, String, noWait).catch((e: Error) => e)).to.equal(role);
      const reverted = new Error("rebalance 0xabc reverted on chain");
      expect(await runPasses(failing(reverted), { interval: 0, maxPasses: 0 }, quiet, String, noWait).catch((e: Error) => e)).to.equal(reverted);
    });
  });
});
