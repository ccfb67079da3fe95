// Dutch auctions of a rebalance (RebalanceAuctions, settled by the vault): terms, prices that follow the
// oracle's references and nothing else, fills that never pass a target, when auctions stop and close,
// and the attacks the design must survive, each with the attacker's result asserted.
import { expect } from "chai";
import { AbiCoder, id, MaxUint256, ZeroAddress, type Log, type LogDescription } from "ethers";

import { LOCAL_MARKET_FEES } from "../../deploy/modules/LocalMarket.js";
import { encodePath } from "../../deploy/lib/uniswap-path.js";
import { signedBy } from "../helpers/assertions.js";
import { call, deployAttacker, holdingsOf, inOneBlock, ticksFor, usd, valueChange, type Call } from "../helpers/attack.js";
import {
  donateTokens,
  govern,
  listFreezableToken,
  listNewToken,
  Parameter,
  timelockSigner,
  USDC,
  useBallast,
  type BallastFixture,
} from "../helpers/vault.js";

const AUCTION_ROLE = id("AUCTION_ROLE");
const HOUR = 3_600;
const BTC = (n: number) => BigInt(Math.round(n * 1e8));

describe("Dutch auctions", function () {
  const suite = useBallast();
  const time = () => suite.connection.networkHelpers.time;

  /** A $1M vault at its targets, then targets moved 10 points from WETH to WBTC: $100k of WETH to sell for WBTC. */
  async function drifted(mode = 2) {
    const f = await suite.load();
    const gov = await timelockSigner(suite.connection, f);
    const vault = signedBy(f.vault, gov);
    await vault.grantRole(AUCTION_ROLE, await f.auctions.getAddress());
    await vault.setParameter(Parameter.ExecutionMode, mode);
    // Done at 25 bps: a fill at a premium leaves the seller's token a hair over target (it took more value in).
    await vault.setParameter(Parameter.ResidualDriftBps, 25);
    await signedBy(f.vault, f.signers.alice).deposit(USDC(400_000), f.signers.alice.address);
    await donateTokens(f, 600_000n);
    await vault.setTargets([...f.basket], [4_000, 2_000, 3_000, 1_000]);
    // Bob fills from his own WBTC, approved to the vault.
    await f.wbtc.mint(f.signers.bob.address, BTC(100));
    await signedBy(f.wbtc, f.signers.bob).approve(await f.vault.getAddress(), MaxUint256);
    return { f, gov, vault };
  }

  const auctionsOf = (f: BallastFixture) => signedBy(f.auctions, f.signers.bob);

  async function weights(f: BallastFixture) {
    return (await f.vault.currentWeights()).map(Number);
  }

  describe("terms and prices", function () {
    it("opens only when due, in hybrid or auctions mode, unpaused, one at a time", async function () {
      const f = await suite.load();
      const auctions = auctionsOf(f);
      await expect(auctions.open()).to.be.revertedWithCustomError(f.auctions, "AuctionsOff");
      const { vault } = await drifted(2);
      const [g] = [f.signers.guardian];
      await signedBy(f.vault, g).pause();
      await expect(auctionsOf(f).open()).to.be.revertedWithCustomError(f.auctions, "AuctionVaultPaused");
      await signedBy(f.vault, g).unpause();
      await expect(auctionsOf(f).open()).to.emit(f.auctions, "AuctionOpened");
      await expect(auctionsOf(f).open()).to.be.revertedWithCustomError(f.auctions, "AuctionAlreadyOpen").withArgs(1);
      // Not due: at the targets nothing opens.
      await signedBy(f.auctions, f.signers.guardian).close();
      await vault.setTargets([...f.basket], [4_000, 3_000, 2_000, 1_000]);
      await expect(auctionsOf(f).open()).to.be.revertedWithCustomError(f.auctions, "AuctionNotDue");
    });

    it("stops where the vault's slices would: at the return point rebalanceStatus gives, derived while ResidualCeilingBps is set", async function () {
      const { f, vault } = await drifted(2);
      await expect(auctionsOf(f).open()).to.emit(f.auctions, "AuctionOpened");
      expect((await f.auctions.current()).auction.returnBps).to.equal(25n);
      await signedBy(f.auctions, f.signers.guardian).close();
      // Derived: no rebalance measured (auctions only), so the floor, the larger of ResidualDriftBps and MinDriftBps.
      await vault.setParameter(Parameter.ResidualCeilingBps, 400);
      const [, , , , , , returnPoint] = await f.vault.rebalanceStatus();
      expect(returnPoint).to.equal(100n);
      await expect(auctionsOf(f).open()).to.emit(f.auctions, "AuctionOpened");
      expect((await f.auctions.current()).auction.returnBps).to.equal(100n);
    });

    it("prices from the references alone: 2% above at opening, linear to 1% below at the end, never lower", async function () {
      const { f } = await drifted();
      const auctions = auctionsOf(f);
      await auctions.open();
      const { auction } = await f.auctions.current();
      const start = Number(auction.startedAt);
      for (const [at, factor] of [[0, 10_200], [HOUR / 3, 10_100], [HOUR, 9_900]] as const) {
        if (at !== 0) await time().setNextBlockTimestamp(start + at);
        await suite.connection.networkHelpers.mine();
        const [, priceBps] = await f.auctions.current();
        // (At opening, one second has passed: the price is a hair under the premium.)
        expect(priceBps).to.be.within(BigInt(factor) - 1n, BigInt(factor));
        // One WETH's price in WBTC: its highest reference times the factor, paid in WBTC at its lowest.
        const weth = 10n ** 18n;
        const [out, paid] = await f.auctions.quoteFill(f.tokens.weth, f.tokens.wbtc, weth);
        expect(out).to.equal(weth);
        const [, wethHigh] = await f.oracle.quoteBounds(f.tokens.weth, weth);
        const [wbtcLow] = await f.oracle.quoteBounds(f.tokens.wbtc, paid);
        // (The view rounds the factor down to a basis point: the ask lies between these two.)
        const [askLow, askHigh] = [(BigInt(wethHigh) * BigInt(priceBps)) / 10_000n, (BigInt(wethHigh) * (BigInt(priceBps) + 1n)) / 10_000n];
        const [wbtcLowMore] = await f.oracle.quoteBounds(f.tokens.wbtc, paid + 1n);
        expect(wbtcLowMore, "what is paid, at its lowest reference, covers the ask to a satoshi").to.be.at.least(askLow);
        // ... and asks no more than two satoshis above it.
        const [wbtcLowLess] = await f.oracle.quoteBounds(f.tokens.wbtc, paid - 2n);
        expect(wbtcLowLess).to.be.lessThan(askHigh);
        expect(wbtcLow).to.be.at.least((askLow * 9_999n) / 10_000n);
      }
      // After the end: no fill at any price, and anyone may close.
      await time().increase(10);
      await expect(f.auctions.quoteFill(f.tokens.weth, f.tokens.wbtc, 1n)).to.be.revertedWithCustomError(f.auctions, "AuctionExpired");
      await expect(auctions.fill(f.tokens.weth, f.tokens.wbtc, 1n, MaxUint256, "0x")).to.be.revertedWithCustomError(f.auctions, "AuctionExpired");
      expect((await f.auctions.closable())[1]).to.equal(1n); // Expired
      await expect(signedBy(f.auctions, f.signers.carol).close()).to.emit(f.auctions, "AuctionClosed").withArgs(1, 1);
    });

    it("a fill takes the surplus and pays the deficit, never past either target; the auction is then done", async function () {
      const { f } = await drifted();
      const auctions = auctionsOf(f);
      await auctions.open();
      const navBefore = await f.vault.totalAssets();
      await time().increase(HOUR / 2);
      const wbtcBefore = await f.wbtc.balanceOf(f.signers.bob.address);
      const tx = await auctions.fill(f.tokens.weth, f.tokens.wbtc, MaxUint256, MaxUint256, "0x");
      await expect(tx).to.emit(f.auctions, "AuctionFilled");
      const w = await weights(f);
      expect(w[1], "WETH at its 20% target, not under").to.be.at.least(1_999);
      expect(w[2], "WBTC at its 30% target, not over").to.be.at.most(3_000);
      // A fill at a premium gives less value than it takes: WETH stays a hair above target, within the return point.
      expect(await f.vault.driftBps()).to.be.at.most(25n);
      const paid = wbtcBefore - (await f.wbtc.balanceOf(f.signers.bob.address));
      // The vault's NAV moved by what the price gave: half-way, +0.5% of the $100k moved, less the spread.
      const navAfter = await f.vault.totalAssets();
      expect(navAfter - navBefore).to.be.within(-USDC(100), USDC(600));
      expect(paid).to.be.greaterThan(0n);
      await expect(auctions.fill(f.tokens.weth, f.tokens.wbtc, 1n, MaxUint256, "0x")).to.be.revertedWithCustomError(f.auctions, "AuctionDone");
      expect((await f.auctions.closable())[1]).to.equal(0n); // Done
      await signedBy(f.auctions, f.signers.carol).close();
      expect((await f.auctions.current())[0].startedAt).to.equal(0n);
    });

    it("partial fills add up; a fill the filler's limit cannot pay, a token pair with nothing to move and an unknown token are refused", async function () {
      const { f } = await drifted();
      const auctions = auctionsOf(f);
      await auctions.open();
      const [, paid] = await f.auctions.quoteFill(f.tokens.weth, f.tokens.wbtc, 10n ** 18n);
      // (The next block is a second later, the price a hair lower: a limit 1% under is refused.)
      await expect(auctions.fill(f.tokens.weth, f.tokens.wbtc, 10n ** 18n, (paid * 99n) / 100n, "0x"))
        .to.be.revertedWithCustomError(f.auctions, "AuctionPriceAbove");
      // WBTC has no surplus; USDC and LINK stand at target.
      await expect(auctions.fill(f.tokens.wbtc, f.tokens.weth, 1n, MaxUint256, "0x")).to.be.revertedWithCustomError(f.auctions, "AuctionNothingToFill");
      await expect(auctions.fill(f.tokens.link, f.tokens.wbtc, 10n ** 18n, MaxUint256, "0x")).to.be.revertedWithCustomError(f.auctions, "AuctionNothingToFill");
      await expect(auctions.fill(await f.factory.getAddress(), f.tokens.wbtc, 1n, MaxUint256, "0x")).to.be.revertedWithCustomError(f.auctions, "AuctionUnknownToken");
      // Ten fills of 1 WETH, then the rest.
      for (let k = 0; k < 10; k++) await auctions.fill(f.tokens.weth, f.tokens.wbtc, 10n ** 18n, MaxUint256, "0x");
      expect(await f.vault.driftBps()).to.be.within(600n, 800n);
      await auctions.fill(f.tokens.weth, f.tokens.wbtc, MaxUint256, MaxUint256, "0x");
      expect(await f.vault.driftBps()).to.be.at.most(25n);
    });

    it("rounds every fill for the vault: at the floor, what is paid covers the ask at its lowest reference, by at most a satoshi more; a fill of nothing is refused", async function () {
      const { f } = await drifted();
      await auctionsOf(f).open();
      await expect(f.auctions.quoteFill(f.tokens.weth, f.tokens.wbtc, 0n)).to.be.revertedWithCustomError(f.auctions, "AuctionNothingToFill");
      await expect(auctionsOf(f).fill(f.tokens.weth, f.tokens.wbtc, 0n, MaxUint256, "0x")).to.be.revertedWithCustomError(f.auctions, "AuctionNothingToFill");
      const { auction } = await f.auctions.current();
      await time().setNextBlockTimestamp(Number(auction.startedAt) + HOUR);
      await suite.connection.networkHelpers.mine();
      expect((await f.auctions.current())[1], "at the floor").to.equal(9_900n);
      let checked = 0;
      for (let k = 0; k < 36; k++) {
        // From 10^10 wei to 9 x 10^18 (about $0.00003 to $27,000 of WETH), odd amounts.
        const amount = 10n ** BigInt(10 + Math.floor(k / 4)) * [1n, 3n, 7n, 9n][k % 4] + BigInt(k * 7_919);
        const [out, paid] = await f.auctions.quoteFill(f.tokens.weth, f.tokens.wbtc, amount);
        const [, wethHigh] = await f.oracle.quoteBounds(f.tokens.weth, out);
        const ask = (wethHigh * 9_900n + 9_999n) / 10_000n;
        const [lowWithOneMore] = await f.oracle.quoteBounds(f.tokens.wbtc, paid + 1n);
        expect(lowWithOneMore, `${amount} wei: the payment covers the ask`).to.be.at.least(ask);
        if (paid > 2n) {
          const [lowWithTwoLess] = await f.oracle.quoteBounds(f.tokens.wbtc, paid - 2n);
          expect(lowWithTwoLess, `${amount} wei: and asks no more than it must`).to.be.lessThan(ask);
        }
        checked++;
      }
      expect(checked).to.equal(36);
    });

    it("a listed token with nothing held and no target does not stop the auction", async function () {
      const { f } = await drifted();
      const idle = await suite.connection.ethers.deployContract("HookToken");
      await listNewToken(suite.connection, f, idle, 1n);
      expect((await f.vault.targets())[1].at(-1)).to.equal(0n);
      await auctionsOf(f).open();
      expect(await f.auctions.closable()).to.deep.equal([false, 0n]);
      await auctionsOf(f).fill(f.tokens.weth, f.tokens.wbtc, 10n ** 18n, MaxUint256, "0x");
    });

    it("dust: a fill worth nothing is refused; a fill worth $0.00003 pays one satoshi ($0.001), rounding for the vault", async function () {
      const { f } = await drifted();
      const auctions = auctionsOf(f);
      await auctions.open();
      await time().increase(HOUR - 60);
      await expect(auctions.fill(f.tokens.weth, f.tokens.wbtc, 1n, MaxUint256, "0x")).to.be.revertedWithCustomError(f.auctions, "AuctionNothingToFill");
      const [out, paid, valueOut, valueIn] = await f.auctions.quoteFill(f.tokens.weth, f.tokens.wbtc, 10n ** 10n);
      expect(out).to.equal(10n ** 10n);
      expect(paid).to.equal(1n);
      expect(valueIn, "a satoshi is worth more than 10^10 wei of WETH").to.be.greaterThan(valueOut);
      await auctions.fill(f.tokens.weth, f.tokens.wbtc, 10n ** 10n, 1n, "0x");
    });
  });

  describe("the base asset, and no auction", function () {
    it("sells a token for the base asset and buys one with it", async function () {
      const { f, vault } = await drifted();
      // WETH 10 points over, USDC 10 under: the filler pays USDC.
      await vault.setTargets([...f.basket], [5_000, 2_000, 2_000, 1_000]);
      await auctionsOf(f).open();
      await f.usdc.mint(f.signers.bob.address, USDC(200_000));
      await signedBy(f.usdc, f.signers.bob).approve(await f.vault.getAddress(), MaxUint256);
      const [, paid, valueOut, valueIn] = await f.auctions.quoteFill(f.tokens.weth, f.tokens.usdc, 10n ** 18n);
      expect(paid, "in the base asset, the payment is its own value").to.equal(valueIn);
      expect(valueIn).to.be.greaterThan(valueOut); // at the opening premium
      await auctionsOf(f).fill(f.tokens.weth, f.tokens.usdc, MaxUint256, MaxUint256, "0x");
      expect(await f.vault.driftBps()).to.be.at.most(25n);
      // USDC 10 points over, WETH under: the vault pays USDC.
      await signedBy(f.auctions, f.signers.guardian).close();
      await vault.setTargets([...f.basket], [3_000, 4_000, 2_000, 1_000]);
      await auctionsOf(f).open();
      const weth = signedBy(f.weth, f.signers.bob);
      await weth.deposit({ value: 10n ** 20n });
      await weth.approve(await f.vault.getAddress(), MaxUint256);
      const usdcBefore = await f.usdc.balanceOf(f.signers.bob.address);
      await auctionsOf(f).fill(f.tokens.usdc, f.tokens.weth, USDC(30_000), MaxUint256, "0x");
      expect((await f.usdc.balanceOf(f.signers.bob.address)) - usdcBefore).to.equal(USDC(30_000));
    });

    it("with no auction open: nothing to fill, quote or close, and nothing closable", async function () {
      const f = await suite.load();
      await expect(auctionsOf(f).fill(f.tokens.weth, f.tokens.wbtc, 1n, MaxUint256, "0x")).to.be.revertedWithCustomError(f.auctions, "AuctionNotOpen");
      await expect(f.auctions.quoteFill(f.tokens.weth, f.tokens.wbtc, 1n)).to.be.revertedWithCustomError(f.auctions, "AuctionNotOpen");
      await expect(auctionsOf(f).close()).to.be.revertedWithCustomError(f.auctions, "AuctionNotOpen");
      expect((await f.auctions.closable())[0]).to.equal(false);
      const [auction, priceBps, endsAt] = await f.auctions.current();
      expect([auction.startedAt, priceBps, endsAt]).to.deep.equal([0n, 0n, 0n]);
    });
  });

  describe("stops and closes", function () {
    it("a change of targets stops fills at once; anyone may close; the guardian may close a live auction, no one else", async function () {
      const { f, vault } = await drifted();
      const auctions = auctionsOf(f);
      await auctions.open();
      await expect(signedBy(f.auctions, f.signers.carol).close()).to.be.revertedWithCustomError(f.auctions, "AuctionStillLive").withArgs(1);
      await vault.setTargets([...f.basket], [4_000, 2_500, 2_500, 1_000]);
      await expect(auctions.fill(f.tokens.weth, f.tokens.wbtc, 1n, MaxUint256, "0x")).to.be.revertedWithCustomError(f.auctions, "AuctionTargetsChanged");
      await expect(signedBy(f.auctions, f.signers.carol).close()).to.emit(f.auctions, "AuctionClosed").withArgs(1, 2);
      // A new one opens on the new targets; the guardian closes it while it is live.
      await auctions.open();
      await expect(signedBy(f.auctions, f.signers.guardian).close()).to.emit(f.auctions, "AuctionClosed").withArgs(2, 6);
      await expect(signedBy(f.auctions, f.signers.guardian).close()).to.be.revertedWithCustomError(f.auctions, "AuctionNotOpen");
    });

    it("a pause stops fills (the vault refuses the settlement); switching auctions off stops them too", async function () {
      const { f, vault } = await drifted();
      const auctions = auctionsOf(f);
      await auctions.open();
      await signedBy(f.vault, f.signers.guardian).pause();
      await expect(auctions.fill(f.tokens.weth, f.tokens.wbtc, 10n ** 18n, MaxUint256, "0x")).to.be.revertedWithCustomError(f.vault, "VaultPaused");
      expect((await f.auctions.closable())[1]).to.equal(4n); // Paused
      await signedBy(f.vault, f.signers.guardian).unpause();
      await vault.setParameter(Parameter.ExecutionMode, 0);
      await expect(auctions.fill(f.tokens.weth, f.tokens.wbtc, 10n ** 18n, MaxUint256, "0x")).to.be.revertedWithCustomError(f.auctions, "AuctionsOff");
      expect((await f.auctions.closable())[1]).to.equal(3n); // AuctionsOff
      await expect(f.auctions.quoteFill(f.tokens.weth, f.tokens.wbtc, 1n)).to.be.revertedWithCustomError(f.auctions, "AuctionsOff");
    });

    it("an oracle that cannot price a holding, or whose references disagree, lets anyone close", async function () {
      const { f, gov } = await drifted();
      await auctionsOf(f).open();
      // WBTC's pool pushed 8% and held a block: its TWAP and opening price disagree past the 5% breaker.
      const bot = await deployAttacker(suite.connection, f, f.signers.attacker);
      await signedBy(bot, f.signers.attacker).pushBy(await f.usdcWbtcPool.getAddress(), ticksFor(f, f.tokens.wbtc, 8));
      await suite.connection.networkHelpers.mine();
      expect((await f.auctions.closable())[1]).to.equal(5n); // Unpriced
      // No route at all for LINK: the basket itself cannot be valued.
      await signedBy(f.oracle, gov).removeRoute(f.tokens.link);
      expect(await f.auctions.closable()).to.deep.equal([true, 5n]);
      await expect(signedBy(f.auctions, f.signers.carol).close()).to.emit(f.auctions, "AuctionClosed").withArgs(1, 5);
    });

    it("in auctions-only mode rebalance() refuses and the keeper views say not due; hybrid keeps both", async function () {
      const { f, vault } = await drifted(2);
      await expect(signedBy(f.vault, f.signers.keeper).rebalance()).to.be.revertedWithCustomError(f.vault, "VaultAuctionsOnly");
      const status = await f.vault.rebalanceStatus();
      expect(status.due).to.equal(false);
      expect(status.trigger).to.equal(1n); // the threshold still fires: auctions open on it
      expect((await f.vault.checkUpkeep("0x"))[0]).to.equal(false);
      await vault.setParameter(Parameter.ExecutionMode, 1);
      expect((await f.vault.rebalanceStatus()).due).to.equal(true);
      await signedBy(f.vault, f.signers.keeper).rebalance();
      // The slices moved some; the auction takes the rest.
      const drift = await f.vault.driftBps();
      expect(drift).to.be.within(1n, 999n);
      await auctionsOf(f).open();
      await auctionsOf(f).fill(f.tokens.weth, f.tokens.wbtc, MaxUint256, MaxUint256, "0x");
      expect(await f.vault.driftBps()).to.be.lessThan(drift);
    });
  });

  describe("the vault's side", function () {
    it("settles only for AUCTION_ROLE, and never pays more than the holding, a token twice or an unlisted one", async function () {
      const { f, gov } = await drifted();
      await expect(signedBy(f.vault, f.signers.bob).settleAuction("0x"))
        .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount");
      // As the auction house, forging orders the house would never send.
      const house = signedBy(f.vault, gov);
      await signedBy(f.vault, gov).grantRole(AUCTION_ROLE, gov.address);
      const order = (out: string, amountOut: bigint, into: string) =>
        suite.connection.ethers.AbiCoder.defaultAbiCoder().encode(
          ["address", "uint256", "address", "uint256", "address", "bytes"],
          [out, amountOut, into, 1n, f.signers.bob.address, "0x"],
        );
      const held = await f.weth.balanceOf(await f.vault.getAddress());
      await expect(house.settleAuction(order(f.tokens.weth, held + 1n, f.tokens.wbtc))).to.be.revertedWithCustomError(f.vault, "VaultBadSettlement");
      await expect(house.settleAuction(order(f.tokens.weth, 1n, f.tokens.weth))).to.be.revertedWithCustomError(f.vault, "VaultBadSettlement");
      await expect(house.settleAuction(order(await f.factory.getAddress(), 1n, f.tokens.weth))).to.be.revertedWithCustomError(f.vault, "VaultBadSettlement");
      await expect(house.settleAuction(order(f.tokens.weth, 0n, f.tokens.wbtc))).to.be.revertedWithCustomError(f.vault, "VaultBadSettlement");
    });

    it("governance switches auctions on through the timelock, within the terms' bounds", async function () {
      const f = await suite.load();
      await govern(suite.connection, f, f.vault, f.vault.interface.encodeFunctionData("grantRole", [AUCTION_ROLE, await f.auctions.getAddress()]));
      await govern(suite.connection, f, f.vault, f.vault.interface.encodeFunctionData("setParameter", [Parameter.ExecutionMode, 1]));
      expect(await f.vault.parameter(Parameter.ExecutionMode)).to.equal(1n);
      expect(await f.vault.hasRole(AUCTION_ROLE, await f.auctions.getAddress())).to.equal(true);
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      for (const [p, min, max] of [
        [Parameter.ExecutionMode, 0, 2],
        [Parameter.AuctionPremiumBps, 0, 1_000],
        [Parameter.AuctionMaxDiscountBps, 0, 500],
        [Parameter.AuctionDurationSeconds, 300, 86_400],
      ]) {
        expect(await f.vault.parameterBounds(p)).to.deep.equal([BigInt(min), BigInt(max)]);
        await expect(gov.setParameter(p, max + 1)).to.be.revertedWithCustomError(f.vault, "VaultParameterOutOfBounds");
        await expect(gov.setParameter(p, max)).to.emit(f.vault, "ParameterSet");
        expect(await f.vault.parameter(p)).to.equal(BigInt(max));
      }
      await expect(gov.setParameter(Parameter.AuctionDurationSeconds, 299)).to.be.revertedWithCustomError(f.vault, "VaultParameterOutOfBounds");
      await expect(signedBy(f.vault, f.signers.bob).setParameter(Parameter.ExecutionMode, 0)).to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount");
    });

    it("the auction house needs a vault", async function () {
      await expect(suite.connection.ethers.deployContract("RebalanceAuctions", ["0x0000000000000000000000000000000000000000"]))
        .to.be.revertedWithCustomError(await suite.connection.ethers.getContractFactory("RebalanceAuctions"), "AuctionZeroAddress");
    });
  });

  describe("attacks", function () {
    it("a push in the fill's own block stops the fill; a push held into the next block only raises what the filler pays", async function () {
      const { f } = await drifted();
      await auctionsOf(f).open();
      await time().increase(HOUR - 60);
      const bot = await deployAttacker(suite.connection, f, f.signers.attacker);
      const wethPool = await f.usdcWethPool.getAddress();
      const fair = await f.auctions.quoteFill(f.tokens.weth, f.tokens.wbtc, 10n ** 19n);
      // Pushing WETH down (to buy it cheap) and filling in the same block.
      const statuses = await inOneBlock(suite.connection, async () => [
        await signedBy(bot, f.signers.attacker).pushBy(wethPool, ticksFor(f, f.tokens.weth, -3), { gasLimit: 2_000_000 }),
        await auctionsOf(f).fill(f.tokens.weth, f.tokens.wbtc, 10n ** 19n, MaxUint256, "0x", { gasLimit: 2_000_000 }),
      ]);
      expect(statuses).to.deep.equal([true, false]);
      await suite.connection.networkHelpers.mine();
      // Held into the next block, WETH's highest reference is still its average: the price of 10 WETH did not fall.
      const held = await f.auctions.quoteFill(f.tokens.weth, f.tokens.wbtc, 10n ** 19n);
      expect(held[1], "WBTC asked for 10 WETH").to.be.at.least((fair[1] * 9_995n) / 10_000n);
      // Pushed up instead, the same 10 WETH cost more.
      await signedBy(bot, f.signers.attacker).pushBy(wethPool, ticksFor(f, f.tokens.weth, 6));
      await suite.connection.networkHelpers.mine();
      const up = await f.auctions.quoteFill(f.tokens.weth, f.tokens.wbtc, 10n ** 19n);
      expect(up[1]).to.be.greaterThan(fair[1]);
    });

    it("at the deepest discount, a filler who pushes a pool before filling ends with less than one who fills honestly", async function () {
      const { f, vault } = await drifted();
      await vault.setParameter(Parameter.AuctionMaxDiscountBps, 500);
      await auctionsOf(f).open();
      const attacker = await deployAttacker(suite.connection, f, f.signers.attacker);
      const attackerAddress = await attacker.getAddress();
      const run = (calls: Call[]) => signedBy(attacker, f.signers.attacker).run(calls, { gasLimit: 3_000_000 });
      const amount = 10n ** 19n; // 10 WETH, about $30k of the $100k on offer
      const fill = await call(f.auctions, "fill", [f.tokens.weth, f.tokens.wbtc, amount, MaxUint256, "0x"]);
      // One block before the end, the ask is within a step of the floor: 5% under the reference.
      await time().increase(HOUR - 30);
      const start = await suite.connection.networkHelpers.takeSnapshot();
      const gain = async (attack: () => Promise<unknown>) => {
        await start.restore();
        const before = await holdingsOf(f, attackerAddress);
        await attack();
        return valueChange(f, before, await holdingsOf(f, attackerAddress));
      };
      const honest = await gain(() => run([fill]));
      expect(honest, "the honest fill earns about the discount").to.be.greaterThan(0n);
      // The two pushes that would help a buyer of WETH paying in WBTC: WETH down, WBTC up; 3% each.
      const pushes: [string, string, bigint][] = [
        ["WETH down", await f.usdcWethPool.getAddress(), ticksFor(f, f.tokens.weth, -3)],
        ["WBTC up", await f.usdcWbtcPool.getAddress(), ticksFor(f, f.tokens.wbtc, 3)],
      ];
      const lines = [`honest fill of 10 WETH at the floor: ${usd(honest)}`];
      for (const [name, pool, ticks] of pushes) {
        const push = [await call(attacker, "save", [pool]), await call(attacker, "pushBy", [pool, ticks])];
        const back = await call(attacker, "pushBack", [pool]);
        // In one transaction: the fill is refused, the push's round trip is lost.
        const bundled = await gain(async () => {
          await expect(run([...push, fill, back])).to.be.revertedWithCustomError(attacker, "AttackerCallFailed");
          await run([...push, back]);
        });
        // Held across a block boundary: the highest reference of what the vault gives is still the average.
        const held = await gain(async () => {
          await run(push);
          await suite.connection.networkHelpers.mine();
          await run([fill, back]);
        });
        lines.push(`${name}, fill in the same transaction: ${usd(bundled)}; push held one block: ${usd(held)}`);
        expect(bundled, `${name} in one transaction`).to.be.lessThan(0n);
        expect(held, `${name} held one block`).to.be.lessThan(honest);
      }
      console.log(`\n      attacker's result after fees:\n${lines.map((l) => `        ${l}`).join("\n")}`);
    });

    it("a reentrant callback cannot fill again, close, deposit, exit, read the vault or govern mid-fill", async function () {
      const { f } = await drifted();
      await auctionsOf(f).open();
      const filler = await suite.connection.ethers.deployContract("ReentrantFiller");
      const fillerAddress = await filler.getAddress();
      await f.wbtc.mint(fillerAddress, BTC(10));
      await f.usdc.mint(fillerAddress, USDC(1_000_000));
      await filler.approve(f.tokens.wbtc, await f.vault.getAddress());
      await filler.approve(f.tokens.usdc, await f.vault.getAddress());
      const house = f.auctions.interface;
      const vault = f.vault.interface;
      const tries: [string, string, string][] = [
        [await f.auctions.getAddress(), house.encodeFunctionData("fill", [f.tokens.weth, f.tokens.wbtc, 1n, MaxUint256, "0x"]), "ReentrancyGuardReentrantCall"],
        [await f.auctions.getAddress(), house.encodeFunctionData("close"), "ReentrancyGuardReentrantCall"],
        [await f.vault.getAddress(), vault.encodeFunctionData("deposit", [USDC(1_000), fillerAddress]), "ReentrancyGuardReentrantCall"],
        [await f.vault.getAddress(), vault.encodeFunctionData("redeemInKind", [1n, fillerAddress, fillerAddress]), "ReentrancyGuardReentrantCall"],
        [await f.vault.getAddress(), vault.encodeFunctionData("totalAssets"), "ReentrancyGuardReentrantCall"],
        [await f.vault.getAddress(), vault.encodeFunctionData("setTargets", [[...f.basket], [4_000, 3_000, 2_000, 1_000]]), "AccessControlUnauthorizedAccount"],
      ];
      for (const [target, data, error] of tries) {
        await filler.arm(target, data);
        const navBefore = await f.vault.totalAssets();
        await filler.fill(await f.auctions.getAddress(), f.tokens.weth, f.tokens.wbtc, 10n ** 18n);
        expect(await filler.reentered(), error).to.equal(false);
        const reason = await filler.reason();
        const iface = target === (await f.auctions.getAddress()) ? house : vault;
        expect(iface.parseError(reason)?.name).to.equal(error);
        // The fill itself completed at the auction's price: the vault gained the premium.
        expect(await f.vault.totalAssets()).to.be.at.least(navBefore);
      }
    });

    it("a token's transfer hook, fired while the vault pays a fill, cannot fill again, close, deposit, exit or read the vault", async function () {
      const { f, vault } = await drifted();
      const hook = await suite.connection.ethers.deployContract("HookToken");
      const hookAddress = await hook.getAddress();
      await listNewToken(suite.connection, f, hook, 1n);
      const vaultAddress = await f.vault.getAddress();
      // HOOK: $100k held against a 5% target; WBTC under its target.
      await hook.mint(vaultAddress, 100_000n * 10n ** 18n);
      await vault.setTargets([...f.basket, hookAddress], [3_500, 2_000, 3_000, 1_000, 500]);
      await auctionsOf(f).open();
      const house = f.auctions.interface;
      const v = f.vault.interface;
      const auctionsAddress = await f.auctions.getAddress();
      const tries: [string, string][] = [
        [auctionsAddress, house.encodeFunctionData("fill", [hookAddress, f.tokens.wbtc, 10n ** 18n, MaxUint256, "0x"])],
        [auctionsAddress, house.encodeFunctionData("fill", [f.tokens.weth, f.tokens.wbtc, 10n ** 15n, MaxUint256, "0x"])],
        [auctionsAddress, house.encodeFunctionData("close")],
        [vaultAddress, v.encodeFunctionData("deposit", [USDC(1_000), hookAddress])],
        [vaultAddress, v.encodeFunctionData("redeemInKind", [1n, hookAddress, hookAddress])],
        [vaultAddress, v.encodeFunctionData("totalAssets")],
        [vaultAddress, v.encodeFunctionData("rebalance")],
      ];
      const guard = v.getError("ReentrancyGuardReentrantCall")!.selector;
      for (const [target, data] of tries) {
        await hook.arm(vaultAddress, target, data);
        const navBefore = await f.vault.totalAssets();
        const bobHookBefore = await hook.balanceOf(f.signers.bob.address);
        await auctionsOf(f).fill(hookAddress, f.tokens.wbtc, 10n ** 18n, MaxUint256, "0x");
        expect(await hook.armed(), "the hook fired").to.equal(false);
        const what = (target === auctionsAddress ? house : v).parseTransaction({ data })!.name;
        expect(await hook.lastCallSucceeded(), `${what} from inside a fill`).to.equal(false);
        expect((await hook.lastReturnData()).slice(0, 10), what).to.equal(guard);
        // The fill itself completed at the auction's price (a premium at opening): the vault lost nothing.
        expect(await hook.balanceOf(f.signers.bob.address)).to.equal(bobHookBefore + 10n ** 18n);
        expect(await f.vault.totalAssets()).to.be.at.least(navBefore);
      }
    });

    it("a token that blacklists the filler stops that pair only; a payment that arrives short (fee on transfer) is refused", async function () {
      const { f, vault } = await drifted();
      const { frz, frzAddress } = await listFreezableToken(suite.connection, f);
      // FRZ 10% held above a 5% target; WBTC under.
      await frz.mint(await f.vault.getAddress(), 100_000n * 10n ** 6n);
      await vault.setTargets([...f.basket, frzAddress], [3_500, 2_000, 3_000, 1_000, 500]);
      await auctionsOf(f).open();
      await frz.setBlacklisted(f.signers.bob.address, true);
      await expect(auctionsOf(f).fill(frzAddress, f.tokens.wbtc, 10n ** 9n, MaxUint256, "0x")).to.be.revert(suite.connection.ethers);
      await auctionsOf(f).fill(f.tokens.weth, f.tokens.wbtc, 10n ** 18n, MaxUint256, "0x");
      // A fee-on-transfer token as the payment.
      const fot = await suite.connection.ethers.deployContract("FeeOnTransferToken");
      await fot.setFeeBps(0);
      await listNewToken(suite.connection, f, fot, 1n, 6, 10_000_000n);
      await fot.setFeeBps(100);
      await signedBy(f.auctions, f.signers.guardian).close();
      await vault.setTargets([...f.basket, frzAddress, await fot.getAddress()], [3_000, 2_000, 3_000, 1_000, 500, 500]);
      await auctionsOf(f).open();
      await fot.mint(f.signers.bob.address, 10n ** 12n);
      await signedBy(fot, f.signers.bob).approve(await f.vault.getAddress(), MaxUint256);
      await expect(auctionsOf(f).fill(f.tokens.weth, await fot.getAddress(), 10n ** 18n, MaxUint256, "0x"))
        .to.be.revertedWithCustomError(f.vault, "VaultTransferMismatch");
    });

    it("a holder who fills gains nothing from exiting around the fill: its slices are the same as any holder's", async function () {
      const { f } = await drifted();
      await auctionsOf(f).open();
      await time().increase(HOUR - 120);
      // Carol holds a tenth of the vault; she exits in kind half before and half after a fill at the floor.
      await signedBy(f.vault, f.signers.carol).deposit(USDC(111_111), f.signers.carol.address);
      const shares = await f.vault.balanceOf(f.signers.carol.address);
      const previewBefore = await f.vault.previewRedeemInKind(shares / 2n);
      const supply = await f.vault.totalSupply();
      const vaultAddress = await f.vault.getAddress();
      for (const [i, token] of f.basket.entries()) {
        const held = await (f.usdc.attach(token) as typeof f.usdc).balanceOf(vaultAddress);
        expect(previewBefore[i], "pro rata, the auction's tokens included").to.equal((held * (shares / 2n)) / (supply + 10n ** 6n));
      }
      await signedBy(f.vault, f.signers.carol).redeemInKind(shares / 2n, f.signers.carol.address, f.signers.carol.address);
      const navPerShareBefore = ((await f.vault.totalAssets()) * 10n ** 18n) / (await f.vault.totalSupply());
      await f.wbtc.mint(f.signers.carol.address, BTC(10));
      await signedBy(f.wbtc, f.signers.carol).approve(vaultAddress, MaxUint256);
      const [, , valueOut, valueIn] = await f.auctions.quoteFill(f.tokens.weth, f.tokens.wbtc, 10n ** 19n);
      await signedBy(f.auctions, f.signers.carol).fill(f.tokens.weth, f.tokens.wbtc, 10n ** 19n, MaxUint256, "0x");
      const navPerShareAfter = ((await f.vault.totalAssets()) * 10n ** 18n) / (await f.vault.totalSupply());
      // At the floor the fill costs the holders at most the 1% discount on the $30k moved (and the references' spread).
      const cost = valueOut - valueIn;
      expect(cost).to.be.at.most((valueOut * 110n) / 10_000n);
      expect(navPerShareAfter).to.be.at.most(navPerShareBefore);
      await signedBy(f.vault, f.signers.carol).redeemInKind(shares / 2n, f.signers.carol.address, f.signers.carol.address);
      // Her second half's slices: pro rata like anyone's, after the fill, so she shares its cost.
      expect(await f.vault.balanceOf(f.signers.carol.address)).to.equal(0n);
    });

    it("opening and closing again and again moves nothing and pays nothing", async function () {
      const { f } = await drifted();
      const before = await Promise.all(f.basket.map((t) => (f.usdc.attach(t) as typeof f.usdc).balanceOf(f.vault.getAddress())));
      const ethBefore = await suite.connection.ethers.provider.getBalance(f.signers.bob.address);
      for (let k = 0; k < 3; k++) {
        await auctionsOf(f).open();
        await expect(auctionsOf(f).close()).to.be.revertedWithCustomError(f.auctions, "AuctionStillLive");
        await time().increase(HOUR + 1);
        await auctionsOf(f).close();
      }
      const after = await Promise.all(f.basket.map((t) => (f.usdc.attach(t) as typeof f.usdc).balanceOf(f.vault.getAddress())));
      expect(after).to.deep.equal(before);
      expect(await suite.connection.ethers.provider.getBalance(f.signers.bob.address), "the opener paid its own gas").to.be.lessThan(ethBefore);
      expect(await f.auctions.auctionCount()).to.equal(3n);
    });

    it("with keeper pay on, a keeper's opening is repaid like a rebalance (its gas at the base fee and the tip), an outsider's is not, and churn stops at the day's budget", async function () {
      const { f, vault } = await drifted();
      const GWEI = 10n ** 9n;
      await vault.setParameter(Parameter.KeeperBaseFeeCapGwei, 50);
      await vault.setParameter(Parameter.KeeperTipBps, 2_000);
      await vault.setParameter(Parameter.KeeperMaxGas, 5_000_000);
      await vault.setParameter(Parameter.KeeperMaxGasPerDay, 20_000_000);
      const house = await f.auctions.getAddress();
      const openAt = async (who: typeof f.signers.bob, gwei: bigint) => {
        await suite.connection.provider.request({ method: "hardhat_setNextBlockBaseFeePerGas", params: ["0x" + (gwei * GWEI).toString(16)] });
        const receipt = (await (await signedBy(f.auctions, who).open({ gasLimit: 3_000_000 })).wait())!;
        const vaultAddress = await f.vault.getAddress();
        const log = receipt.logs.filter((l: Log) => l.address === vaultAddress).map((l: Log) => f.vault.interface.parseLog(l)).find((l: LogDescription | null) => l?.name === "KeeperPaid");
        return { receipt, paid: log ? { keeper: log.args.keeper as string, gas: log.args.gasPaid as bigint, amount: log.args.amount as bigint } : null };
      };
      const churn = async () => {
        await time().increase(HOUR + 1);
        await auctionsOf(f).close();
      };
      // Bob holds no keeper role: the opening stands, unpaid.
      const outsider = await openAt(f.signers.bob, 20n);
      expect(outsider.receipt.status).to.equal(1);
      expect(outsider.paid).to.equal(null);
      await churn();
      // The keeper: most of the opening's gas, at the base fee plus 20%, in USDC at the oracle's price of WETH.
      const keeper = f.signers.keeper;
      const before = await f.usdc.balanceOf(keeper.address);
      const { receipt, paid } = await openAt(keeper, 20n);
      expect(paid!.keeper).to.equal(keeper.address);
      // The opening's own gas; not the transaction's 21,000 nor the repayment (an oracle read and a transfer), as for a rebalance.
      expect(paid!.gas).to.be.lessThan(receipt.gasUsed - 21_000n);
      expect(paid!.gas).to.be.greaterThan((receipt.gasUsed * 7n) / 10n);
      const wei = (paid!.gas * 20n * GWEI * 12_000n) / 10_000n;
      expect(paid!.amount).to.equal(await f.oracle.quote(f.tokens.weth, wei, { blockTag: receipt.blockNumber }));
      expect((await f.usdc.balanceOf(keeper.address)) - before).to.equal(paid!.amount);
      // Opening and letting expire, again and again, from the start of a UTC day: paid from the day's budget, then nothing.
      const budget = paid!.gas * 2n + paid!.gas / 2n;
      await vault.setParameter(Parameter.KeeperMaxGasPerDay, budget);
      // The keeper's opening runs out first: the next UTC day may begin sooner than an auction's hour (the
      // local chain starts at the wall clock's time of day).
      await time().increase(HOUR + 1);
      const day = Math.floor((await time().latest()) / 86_400) + 1;
      await time().increaseTo(day * 86_400 + 60);
      await auctionsOf(f).close();
      const cycles: (bigint | null)[] = [(await openAt(keeper, 20n)).paid?.gas ?? null];
      for (let k = 0; k < 3; k++) {
        await churn();
        cycles.push((await openAt(keeper, 20n)).paid?.gas ?? null);
      }
      expect(Math.floor((await time().latest()) / 86_400), "all on one UTC day").to.equal(day);
      expect((await f.vault.keeperPay()).gasPaidToday).to.equal(budget);
      expect(cycles[2]! < paid!.gas, "the third opening gets what is left").to.equal(true);
      expect(cycles[3], "the day's budget is spent").to.equal(null);
      // Only the house the vault granted may ask for the repayment.
      const stranger = signedBy(f.vault, f.signers.attacker);
      const order = AbiCoder.defaultAbiCoder().encode(["address", "uint256", "address", "uint256", "address", "bytes"], [ZeroAddress, 1_000_000n, ZeroAddress, 0n, f.signers.attacker.address, "0x"]);
      await expect(stranger.settleAuction(order)).to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount");
      expect(house).to.not.equal(f.signers.attacker.address);
    });

    it("a filler with no inventory sources the payment on Uniswap in the callback, and keeps at least its minimum", async function () {
      const { f } = await drifted();
      await auctionsOf(f).open();
      await time().increase(HOUR - 120);
      const owner = f.signers.carol;
      const filler = await suite.connection.ethers.deployContract("UniswapAuctionFiller", [await f.router.getAddress(), owner.address]);
      const path = encodePath([f.tokens.weth, f.tokens.usdc, f.tokens.wbtc], [LOCAL_MARKET_FEES.usdcWeth, LOCAL_MARKET_FEES.usdcWbtc]);
      const amount = 10n ** 19n;
      await expect(signedBy(filler, f.signers.bob).fill(await f.auctions.getAddress(), f.tokens.weth, f.tokens.wbtc, amount, MaxUint256, path, 0n))
        .to.be.revertedWithCustomError(filler, "FillerNotOwner");
      await expect(signedBy(filler, f.signers.bob).onAuctionFill(f.tokens.weth, 1n, f.tokens.wbtc, 1n, "0x"))
        .to.be.revertedWithCustomError(filler, "FillerUnexpectedCallback");
      // Asking more profit than the market gives fails the whole fill.
      await expect(signedBy(filler, owner).fill(await f.auctions.getAddress(), f.tokens.weth, f.tokens.wbtc, amount, MaxUint256, path, BTC(1))).to.be.revert(suite.connection.ethers);
      await signedBy(filler, owner).fill(await f.auctions.getAddress(), f.tokens.weth, f.tokens.wbtc, amount, MaxUint256, path, 0n);
      const profit = await f.wbtc.balanceOf(await filler.getAddress());
      expect(profit, "the floor is 1% under the reference; two pool fees are 0.35%").to.be.greaterThan(0n);
      await expect(signedBy(filler, f.signers.bob).withdraw(f.tokens.wbtc, f.signers.bob.address)).to.be.revertedWithCustomError(filler, "FillerNotOwner");
      await signedBy(filler, owner).withdraw(f.tokens.wbtc, owner.address);
      expect(await f.wbtc.balanceOf(owner.address)).to.equal(profit);
    });
  });
});
