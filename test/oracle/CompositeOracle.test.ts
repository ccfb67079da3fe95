// CompositeOracle: Chainlink feeds (Chainlink's own MockV3Aggregator from @chainlink/contracts) beside the
// Uniswap V3 TWAP oracle of the local market. Every refusal is tested, then the vault priced through it.
import { expect } from "chai";
import { MaxUint256, ZeroAddress } from "ethers";

import { signedBy } from "../helpers/assertions.js";
import { donateTokens, marketSwap, timelockSigner, USDC, useBallast } from "../helpers/vault.js";

const HOUR = 3600;
const Source = { Twap: 0, Feed: 1 } as const;
const NO_FEEDS = { ethUsdFeed: ZeroAddress, ethUsdHeartbeat: 0, baseFeed: ZeroAddress, baseHeartbeat: 0, maxDepegBps: 100, feeds: [] };

describe("CompositeOracle: Chainlink feeds beside the TWAP", function () {
  const suite = useBallast();
  const time = () => suite.connection.networkHelpers.time;

  /** The local market's TWAP oracle, feeds at the pools' prices (LINK's quoted in ETH), and a composite owned by the deployer. */
  async function load(withSequencer = false) {
    const f = await suite.load();
    const { ethers } = suite.connection;
    // An L2's sequencer uptime feed has this shape: answer 0 (up) or 1 (down), startedAt when that began.
    const sequencerFeed = withSequencer ? await ethers.deployContract("MockV3Aggregator", [0, 0n]) : null;
    const sequencer = sequencerFeed === null ? ZeroAddress : await sequencerFeed.getAddress();
    const feed = (decimals: number, answer: bigint) => ethers.deployContract("MockV3Aggregator", [decimals, answer]);
    const ethUsd = await feed(8, 3_000n * 10n ** 8n);
    const btcUsd = await feed(8, 100_000n * 10n ** 8n);
    const linkEth = await feed(18, 5n * 10n ** 15n); // 0.005 ETH = $15
    const usdcUsd = await feed(8, 10n ** 8n);
    const composite = await ethers.deployContract("CompositeOracle", [await f.oracle.getAddress(), sequencer, HOUR, 500, f.signers.deployer.address, NO_FEEDS]);
    return { f, composite, ethUsd, btcUsd, linkEth, usdcUsd, sequencer: sequencerFeed };
  }

  /** Every token fed: WETH and WBTC in USD, LINK in ETH; the TWAP stays beside each, primary. */
  async function fedEverywhere() {
    const x = await load();
    const { f, composite } = x;
    await composite.setEthUsdFeed(await x.ethUsd.getAddress(), HOUR);
    await composite.setFeed(f.tokens.weth, await x.ethUsd.getAddress(), HOUR, false, true, Source.Twap);
    await composite.setFeed(f.tokens.wbtc, await x.btcUsd.getAddress(), HOUR, false, true, Source.Twap);
    await composite.setFeed(f.tokens.link, await x.linkEth.getAddress(), HOUR, true, true, Source.Twap);
    return x;
  }

  describe("prices", function () {
    it("passes a token without a feed straight to the TWAP oracle", async function () {
      const { f, composite } = await load();
      const one = 10n ** 18n;
      expect(await composite.quote(f.tokens.weth, one)).to.equal(await f.oracle.quote(f.tokens.weth, one));
      expect(await composite.quoteBounds(f.tokens.weth, one)).to.deep.equal(await f.oracle.quoteBounds(f.tokens.weth, one));
      expect(await composite.quoteDetailed(f.tokens.weth, one)).to.deep.equal(await f.oracle.quoteDetailed(f.tokens.weth, one));
      expect(await composite.quoteSpot(f.tokens.weth, one)).to.equal(await f.oracle.quoteSpot(f.tokens.weth, one));
      expect(await composite.quote(f.tokens.usdc, 123n)).to.equal(123n);
      expect(await composite.quoteBounds(f.tokens.usdc, 123n)).to.deep.equal([123n, 123n]);
      expect(await composite.BASE()).to.equal(f.tokens.usdc);
      // Volatility is measured on the pools, feed or not: a feed's rounds are too sparse for it.
      expect(await composite.volatility(f.tokens.weth, 300, 4)).to.equal(await f.oracle.volatility(f.tokens.weth, 300, 4));
    });

    it("normalises decimals: a USD feed, an ETH feed through ETH/USD, a base asset off $1", async function () {
      const x = await fedEverywhere();
      const { f, composite } = x;
      await composite.setFeed(f.tokens.weth, await x.ethUsd.getAddress(), HOUR, false, true, Source.Feed);
      await composite.setFeed(f.tokens.wbtc, await x.btcUsd.getAddress(), HOUR, false, false, Source.Feed);
      await composite.setFeed(f.tokens.link, await x.linkEth.getAddress(), HOUR, true, true, Source.Feed);
      expect(await composite.quote(f.tokens.weth, 10n ** 18n)).to.equal(USDC(3_000));
      expect(await composite.quote(f.tokens.wbtc, 10n ** 8n)).to.equal(USDC(100_000));
      expect(await composite.quote(f.tokens.link, 10n ** 18n)).to.equal(USDC(15));
      expect(await composite.quoteDetailed(f.tokens.wbtc, 10n ** 8n)).to.deep.equal([USDC(100_000), USDC(100_000), USDC(100_000)]);
      // USDC at $0.99: a dollar of WETH is worth more USDC.
      await x.usdcUsd.updateAnswer(99n * 10n ** 6n);
      await composite.setBaseFeed(await x.usdcUsd.getAddress(), 86_400, 200);
      expect(await composite.quote(f.tokens.weth, 10n ** 18n)).to.equal(3_030_303_030n);
    });

    it("bounds entries and exits by every source, and refuses beyond the divergence bound", async function () {
      const x = await fedEverywhere();
      const { f, composite } = x;
      const one = 10n ** 18n;
      const [, twapLow, twapHigh] = await f.oracle.quoteDetailed(f.tokens.weth, one);
      // The feed 2% above the pools: low is the TWAP's, high the feed's.
      await x.ethUsd.updateAnswer(3_060n * 10n ** 8n);
      expect(await composite.quoteBounds(f.tokens.weth, one)).to.deep.equal([twapLow, USDC(3_060)]);
      // NAV and rebalance min-outs follow the primary source, the TWAP here.
      expect(await composite.quote(f.tokens.weth, one)).to.equal(await f.oracle.quote(f.tokens.weth, one));
      const [, , , spread] = await composite.sources(f.tokens.weth, one);
      expect(spread).to.be.closeTo(200n, 2n);
      // 6% apart, beyond the 5% bound: unpriceable for entries and exits.
      await x.ethUsd.updateAnswer(3_180n * 10n ** 8n);
      await expect(composite.quoteBounds(f.tokens.weth, one))
        .to.be.revertedWithCustomError(composite, "CompositePricesDiverge")
        .withArgs(f.tokens.weth, (v: bigint) => v >= 590n && v <= 610n, 500);
      // LINK is quoted in ETH: it moved 6% too.
      await expect(composite.quoteBounds(f.tokens.link, one)).to.be.revertedWithCustomError(composite, "CompositePricesDiverge");
    });

    it("spans every reference in quoteDetailed on a TWAP primary, a feed quoted in ETH through ETH/USD, and the pools' figures alone while a feed it needs is stale", async function () {
      const x = await fedEverywhere();
      const { f, composite } = x;
      const one = 10n ** 18n;
      const twap = await f.oracle.quoteDetailed(f.tokens.link, one);
      // LINK's feed 4% above its pools: 0.0052 ETH at $3,000 is $15.60, the high of its references.
      await x.linkEth.updateAnswer(52n * 10n ** 14n);
      expect(await composite.quoteDetailed(f.tokens.link, one)).to.deep.equal([twap[0], twap[1], 15_600_000n]);
      // ETH/USD past its heartbeat: LINK's feed cannot be read, and its pools' figures stand alone
      // (quoteDetailed never refuses a token its pools can price).
      await time().increase(HOUR + 1);
      await x.linkEth.updateAnswer(52n * 10n ** 14n);
      expect(await composite.quoteDetailed(f.tokens.link, one)).to.deep.equal(await f.oracle.quoteDetailed(f.tokens.link, one));
    });

    it("prices the base asset as its amount, a feed-only token's spot at its feed, and reports its settings", async function () {
      const x = await fedEverywhere();
      const { f, composite } = x;
      expect(await composite.quoteDetailed(f.tokens.usdc, 7n)).to.deep.equal([7n, 7n, 7n]);
      expect(await composite.quoteSpot(f.tokens.usdc, 7n)).to.equal(7n);
      await composite.setFeed(f.tokens.wbtc, await x.btcUsd.getAddress(), HOUR, false, false, Source.Feed);
      expect(await composite.quoteSpot(f.tokens.wbtc, 10n ** 8n)).to.equal(USDC(100_000));
      expect(await composite.ethUsdFeed()).to.deep.equal([await x.ethUsd.getAddress(), BigInt(HOUR)]);
      expect(await composite.gracePeriod()).to.equal(BigInt(HOUR));
      await expect(
        suite.connection.ethers.deployContract("CompositeOracle", [ZeroAddress, ZeroAddress, HOUR, 500, f.signers.deployer.address, NO_FEEDS]),
      ).to.be.revertedWithCustomError(composite, "CompositeZeroAddress");
    });

    it("shows each source to operators", async function () {
      const x = await fedEverywhere();
      const { f, composite } = x;
      const [average, open, feedValue, spread] = await composite.sources(f.tokens.wbtc, 10n ** 8n);
      const [twapAverage, low, high] = await f.oracle.quoteDetailed(f.tokens.wbtc, 10n ** 8n);
      expect(average).to.equal(twapAverage);
      expect([low, high]).to.include(open);
      expect(feedValue).to.equal(USDC(100_000));
      expect(spread).to.be.lessThan(5n);
      const [a2, o2, v2] = await composite.sources(f.tokens.weth, 10n ** 18n);
      expect(a2).to.be.greaterThan(0n);
      expect(o2).to.be.greaterThan(0n);
      expect(v2).to.equal(USDC(3_000));
    });
  });

  describe("refusals", function () {
    it("refuses a stale answer, naming the token, the feed and the heartbeat", async function () {
      const x = await fedEverywhere();
      const { f, composite } = x;
      const [, , , updatedAt] = await x.btcUsd.latestRoundData();
      await time().increase(HOUR + 1);
      await expect(composite.quoteBounds(f.tokens.wbtc, 10n ** 8n))
        .to.be.revertedWithCustomError(composite, "CompositeFeedStale")
        .withArgs(f.tokens.wbtc, await x.btcUsd.getAddress(), updatedAt, HOUR);
      // LINK's own feed is stale, and so is the ETH/USD feed it goes through.
      await x.linkEth.updateAnswer(5n * 10n ** 15n);
      await expect(composite.quoteBounds(f.tokens.link, 10n ** 18n))
        .to.be.revertedWithCustomError(composite, "CompositeFeedStale")
        .withArgs(f.tokens.link, await x.ethUsd.getAddress(), (v: bigint) => v > 0n, HOUR);
    });

    it("refuses an answer of zero or less", async function () {
      const x = await fedEverywhere();
      const { f, composite } = x;
      for (const answer of [0n, -1n]) {
        await x.btcUsd.updateAnswer(answer);
        expect(await composite.quote(f.tokens.wbtc, 10n ** 8n)).to.be.greaterThan(0n); // primary is the TWAP
        await expect(composite.quoteBounds(f.tokens.wbtc, 10n ** 8n))
          .to.be.revertedWithCustomError(composite, "CompositeFeedBadAnswer")
          .withArgs(f.tokens.wbtc, await x.btcUsd.getAddress(), answer);
      }
    });

    it("refuses entries and exits while the base asset is off its peg, and values on", async function () {
      const x = await fedEverywhere();
      const { f, composite } = x;
      await composite.setBaseFeed(await x.usdcUsd.getAddress(), 86_400, 100);
      await x.usdcUsd.updateAnswer(985n * 10n ** 5n); // $0.985: 150 bps off
      for (const token of [f.tokens.weth, f.tokens.link]) {
        await expect(composite.quoteBounds(token, 10n ** 18n))
          .to.be.revertedWithCustomError(composite, "CompositeBaseOffPeg")
          .withArgs(985n * 10n ** 5n, 150, 100);
      }
      expect(await composite.quote(f.tokens.weth, 10n ** 18n)).to.be.greaterThan(0n);
      await x.usdcUsd.updateAnswer(995n * 10n ** 5n);
      expect((await composite.quoteBounds(f.tokens.weth, 10n ** 18n))[0]).to.be.greaterThan(0n);
    });

    it("sums a basket's bounds in one call as each holding's quoteBounds, refusing as they refuse", async function () {
      const x = await fedEverywhere();
      const { f, composite } = x;
      // WETH's feed 2% above its pools (its bounds span both); LINK without a feed (the TWAP oracle's alone).
      await x.ethUsd.updateAnswer(3_060n * 10n ** 8n);
      await composite.removeFeed(f.tokens.link);
      await composite.setBaseFeed(await x.usdcUsd.getAddress(), 86_400, 100);
      const tokens = [f.tokens.usdc, f.tokens.weth, f.tokens.wbtc, f.tokens.link];
      const amounts = [USDC(777), 2n * 10n ** 18n, 3n * 10n ** 7n, 10n ** 20n];
      let [low, high] = [amounts[0], amounts[0]];
      for (let i = 1; i < tokens.length; i++) {
        const [l, h] = await composite.quoteBounds(tokens[i], amounts[i]);
        [low, high] = [low + l, high + h];
      }
      expect(high - low, "2% of 2 WETH").to.be.greaterThan(USDC(100));
      expect(await composite.quoteBoundsSum(tokens, amounts)).to.deep.equal([low, high]);
      // USDC off its peg: each holding but the base refuses, and so does the sum; of the base and holdings
      // of nothing alone, it does not.
      await x.usdcUsd.updateAnswer(985n * 10n ** 5n);
      await expect(composite.quoteBoundsSum(tokens, amounts))
        .to.be.revertedWithCustomError(composite, "CompositeBaseOffPeg")
        .withArgs(985n * 10n ** 5n, 150, 100);
      expect(await composite.quoteBoundsSum(tokens, [5n, 0n, 0n, 0n])).to.deep.equal([5n, 5n]);
      await expect(composite.quoteBoundsSum(tokens, [1n])).to.be.revertedWithCustomError(composite, "CompositeLengthMismatch").withArgs(4, 1);
    });

    it("on an L2, refuses feeds while the sequencer is down and for the grace period after it comes back", async function () {
      const x = await load(true);
      const { f, composite } = x;
      const sequencer = x.sequencer!;
      await sequencer.updateRoundData(1, 0, await time().latest(), (await time().latest()) - 2 * HOUR); // up for two hours
      await composite.setFeed(f.tokens.wbtc, await x.btcUsd.getAddress(), 2 * HOUR, false, true, Source.Twap);
      // Down: answer 1.
      await sequencer.updateRoundData(2, 1, await time().latest(), await time().latest());
      await expect(composite.quoteBounds(f.tokens.wbtc, 10n ** 8n)).to.be.revertedWithCustomError(composite, "CompositeSequencerDown").withArgs(f.tokens.wbtc);
      // Back up now: an hour's grace.
      const up = (await time().latest()) + 1;
      await sequencer.updateRoundData(3, 0, up, up);
      await expect(composite.quoteBounds(f.tokens.wbtc, 10n ** 8n))
        .to.be.revertedWithCustomError(composite, "CompositeSequencerGracePeriod")
        .withArgs(f.tokens.wbtc, up, up + HOUR);
      await time().increase(HOUR);
      await x.btcUsd.updateAnswer(100_000n * 10n ** 8n);
      expect((await composite.quoteBounds(f.tokens.wbtc, 10n ** 8n))[0]).to.be.greaterThan(0n);
      // A round that was never started (startedAt 0) is not known to be up.
      await sequencer.updateRoundData(4, 0, await time().latest(), 0);
      await expect(composite.quoteBounds(f.tokens.wbtc, 10n ** 8n)).to.be.revertedWithCustomError(composite, "CompositeSequencerDown");
    });
  });

  describe("governance", function () {
    it("starts with the feeds a deployment gives it, each checked as its setter checks it", async function () {
      const x = await load();
      const { f } = x;
      const { ethers } = suite.connection;
      const init = {
        ethUsdFeed: await x.ethUsd.getAddress(),
        ethUsdHeartbeat: HOUR,
        baseFeed: await x.usdcUsd.getAddress(),
        baseHeartbeat: 86_400,
        maxDepegBps: 100,
        feeds: [
          { token: f.tokens.weth, feed: await x.ethUsd.getAddress(), heartbeat: HOUR, inEth: false, twap: true, primary: Source.Twap },
          { token: f.tokens.link, feed: await x.linkEth.getAddress(), heartbeat: HOUR, inEth: true, twap: true, primary: Source.Twap },
        ],
      };
      const args = [await f.oracle.getAddress(), ZeroAddress, HOUR, 500, f.signers.deployer.address];
      const composite = await ethers.deployContract("CompositeOracle", [...args, init]);
      expect(await composite.fedTokens()).to.deep.equal([f.tokens.weth, f.tokens.link]);
      expect((await composite.baseFeed())[2]).to.equal(100n);
      expect(await composite.quote(f.tokens.link, 10n ** 18n)).to.equal(await f.oracle.quote(f.tokens.link, 10n ** 18n));
      const factory = await ethers.getContractFactory("CompositeOracle");
      await expect(ethers.deployContract("CompositeOracle", [...args, { ...init, feeds: [{ ...init.feeds[0], heartbeat: 1 }] }]))
        .to.be.revertedWithCustomError(factory, "CompositeHeartbeatOutOfBounds")
        .withArgs(1);
      await expect(ethers.deployContract("CompositeOracle", [...args, { ...init, ethUsdFeed: ZeroAddress }]))
        .to.be.revertedWithCustomError(factory, "CompositeNoEthFeed")
        .withArgs(f.tokens.link);
    });

    it("lets only the owner change it, within bounds, with events", async function () {
      const x = await load();
      const { f, composite } = x;
      const stranger = signedBy(composite, f.signers.attacker);
      await expect(stranger.setFeed(f.tokens.weth, await x.ethUsd.getAddress(), HOUR, false, true, Source.Twap)).to.be.revertedWithCustomError(composite, "OwnableUnauthorizedAccount");
      await expect(stranger.setMaxDivergence(100)).to.be.revertedWithCustomError(composite, "OwnableUnauthorizedAccount");
      await expect(stranger.setGracePeriod(60)).to.be.revertedWithCustomError(composite, "OwnableUnauthorizedAccount");
      await expect(stranger.setBaseFeed(ZeroAddress, 0, 100)).to.be.revertedWithCustomError(composite, "OwnableUnauthorizedAccount");
      await expect(stranger.setEthUsdFeed(await x.ethUsd.getAddress(), HOUR)).to.be.revertedWithCustomError(composite, "OwnableUnauthorizedAccount");
      await expect(stranger.removeFeed(f.tokens.weth)).to.be.revertedWithCustomError(composite, "OwnableUnauthorizedAccount");

      const feed = await x.ethUsd.getAddress();
      await expect(composite.setFeed(f.tokens.usdc, feed, HOUR, false, true, Source.Twap)).to.be.revertedWithCustomError(composite, "CompositeBaseToken");
      await expect(composite.setFeed(ZeroAddress, feed, HOUR, false, true, Source.Twap)).to.be.revertedWithCustomError(composite, "CompositeZeroAddress");
      await expect(composite.setFeed(f.tokens.weth, f.signers.alice.address, HOUR, false, true, Source.Twap))
        .to.be.revertedWithCustomError(composite, "CompositeNotAFeed")
        .withArgs(f.signers.alice.address);
      await expect(composite.setFeed(f.tokens.weth, feed, 59, false, true, Source.Twap)).to.be.revertedWithCustomError(composite, "CompositeHeartbeatOutOfBounds").withArgs(59);
      await expect(composite.setFeed(f.tokens.weth, feed, 2 * 86_400 + 1, false, true, Source.Twap)).to.be.revertedWithCustomError(composite, "CompositeHeartbeatOutOfBounds");
      const wide = await suite.connection.ethers.deployContract("MockV3Aggregator", [37, 1n]);
      await expect(composite.setFeed(f.tokens.weth, await wide.getAddress(), HOUR, false, true, Source.Twap))
        .to.be.revertedWithCustomError(composite, "CompositeFeedDecimals")
        .withArgs(await wide.getAddress(), 37);
      await expect(composite.setMaxDivergence(49)).to.be.revertedWithCustomError(composite, "CompositeDivergenceOutOfBounds").withArgs(49);
      await expect(composite.setMaxDivergence(5_001)).to.be.revertedWithCustomError(composite, "CompositeDivergenceOutOfBounds");
      await expect(composite.setGracePeriod(86_401)).to.be.revertedWithCustomError(composite, "CompositeGracePeriodOutOfBounds").withArgs(86_401);
      await expect(composite.setBaseFeed(ZeroAddress, 0, 9)).to.be.revertedWithCustomError(composite, "CompositeDepegOutOfBounds").withArgs(9);
      await expect(composite.setBaseFeed(ZeroAddress, 0, 1_001)).to.be.revertedWithCustomError(composite, "CompositeDepegOutOfBounds");
      await expect(composite.removeFeed(f.tokens.weth)).to.be.revertedWithCustomError(composite, "CompositeNoFeed").withArgs(f.tokens.weth);

      await expect(composite.setFeed(f.tokens.weth, feed, HOUR, false, true, Source.Feed)).to.emit(composite, "FeedSet").withArgs(f.tokens.weth, feed, HOUR, false, true, Source.Feed);
      expect(await composite.fedTokens()).to.deep.equal([f.tokens.weth]);
      await expect(composite.setMaxDivergence(300)).to.emit(composite, "MaxDivergenceSet").withArgs(500, 300);
      await expect(composite.setGracePeriod(600)).to.emit(composite, "GracePeriodSet").withArgs(HOUR, 600);
      await expect(composite.setBaseFeed(await x.usdcUsd.getAddress(), 86_400, 200)).to.emit(composite, "BaseFeedSet").withArgs(ZeroAddress, await x.usdcUsd.getAddress(), 86_400, 200);
      await expect(composite.removeFeed(f.tokens.weth)).to.emit(composite, "FeedRemoved").withArgs(f.tokens.weth, feed);
      expect(await composite.fedTokens()).to.deep.equal([]);
      // A feed-only token is always its own primary.
      await composite.setFeed(f.tokens.wbtc, await x.btcUsd.getAddress(), HOUR, false, false, Source.Twap);
      expect((await composite.feedOf(f.tokens.wbtc)).primary).to.equal(Source.Feed);
    });

    it("cannot be blinded: a change that leaves a token without an answer reverts", async function () {
      const x = await load();
      const { f, composite } = x;
      // A stale feed cannot be set; an ETH-quoted feed needs the ETH/USD feed first.
      await time().increase(HOUR + 1);
      await expect(composite.setFeed(f.tokens.wbtc, await x.btcUsd.getAddress(), HOUR, false, true, Source.Twap)).to.be.revertedWithCustomError(composite, "CompositeFeedStale");
      await x.linkEth.updateAnswer(5n * 10n ** 15n);
      await expect(composite.setFeed(f.tokens.link, await x.linkEth.getAddress(), HOUR, true, true, Source.Twap))
        .to.be.revertedWithCustomError(composite, "CompositeNoEthFeed")
        .withArgs(f.tokens.link);
      await x.ethUsd.updateAnswer(3_000n * 10n ** 8n);
      await composite.setEthUsdFeed(await x.ethUsd.getAddress(), HOUR);
      await composite.setFeed(f.tokens.link, await x.linkEth.getAddress(), HOUR, true, true, Source.Twap);
      // Replacing the ETH/USD feed with a stale one would blind LINK: refused.
      const staleEth = await suite.connection.ethers.deployContract("MockV3Aggregator", [8, 3_000n * 10n ** 8n]);
      await time().increase(HOUR + 1);
      await x.linkEth.updateAnswer(5n * 10n ** 15n);
      await expect(composite.setEthUsdFeed(await staleEth.getAddress(), HOUR)).to.be.revertedWithCustomError(composite, "CompositeFeedStale");
      // A token whose feed is removed must still have a TWAP route.
      const thin = await suite.connection.ethers.deployContract("DemoToken", ["Thin", "THIN", 18]);
      await x.btcUsd.updateAnswer(1n);
      await composite.setFeed(await thin.getAddress(), await x.btcUsd.getAddress(), HOUR, false, false, Source.Feed);
      await expect(composite.removeFeed(await thin.getAddress())).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
    });
  });

  describe("the vault priced through it", function () {
    /** A $1M vault at its targets, its oracle replaced by the composite (owned by the timelock), WETH fed primary by the TWAP. */
    async function vaultOnComposite() {
      const x = await load();
      const { f, composite } = x;
      const { alice, bob } = f.signers;
      await signedBy(f.vault, alice).deposit(USDC(400_000), alice.address);
      await donateTokens(f, 600_000n);
      await composite.setEthUsdFeed(await x.ethUsd.getAddress(), HOUR);
      await composite.setFeed(f.tokens.weth, await x.ethUsd.getAddress(), HOUR, false, true, Source.Twap);
      await composite.setBaseFeed(await x.usdcUsd.getAddress(), 86_400, 100);
      const gov = await timelockSigner(suite.connection, f);
      await composite.transferOwnership(gov.address);
      await signedBy(composite, gov).acceptOwnership();
      await signedBy(f.vault, gov).setOracle(await composite.getAddress());
      await f.usdc.mint(bob.address, USDC(100_000));
      await signedBy(f.usdc, bob).approve(await f.vault.getAddress(), MaxUint256);
      return { ...x, gov };
    }

    it("prices a deposit at the higher source: a feed above the pools costs the depositor, not the holders", async function () {
      const { f, ethUsd } = await vaultOnComposite();
      const { bob } = f.signers;
      const twapShares: bigint = await f.vault.previewDeposit(USDC(100_000));
      await ethUsd.updateAnswer(3_090n * 10n ** 8n); // the feed 3% above the pools
      const feedShares: bigint = await f.vault.previewDeposit(USDC(100_000));
      // WETH is 30% of NAV: 3% more on it is 0.9% more NAV, 0.9% fewer shares.
      expect(Number(((twapShares - feedShares) * 10_000n) / twapShares)).to.be.within(85, 92);
      await signedBy(f.vault, bob).deposit(USDC(100_000), bob.address);
      expect(await f.vault.balanceOf(bob.address)).to.equal(feedShares);
    });

    it("closes entries and base exits while WETH's sources diverge or USDC is off its peg; in-kind exits go on", async function () {
      const { f, composite, ethUsd, usdcUsd } = await vaultOnComposite();
      const { alice, bob } = f.signers;
      await ethUsd.updateAnswer(3_300n * 10n ** 8n); // 10% apart
      expect(await f.vault.maxDeposit(bob.address)).to.equal(0n);
      expect(await f.vault.maxRedeem(alice.address)).to.equal(0n);
      await expect(signedBy(f.vault, bob).deposit(USDC(1_000), bob.address)).to.be.revertedWithCustomError(composite, "CompositePricesDiverge");
      await ethUsd.updateAnswer(3_000n * 10n ** 8n);
      expect(await f.vault.maxDeposit(bob.address)).to.be.greaterThan(0n);
      await usdcUsd.updateAnswer(97n * 10n ** 6n);
      expect(await f.vault.maxDeposit(bob.address)).to.equal(0n);
      const shares = (await f.vault.balanceOf(alice.address)) / 10n;
      await expect(signedBy(f.vault, alice).redeemInKind(shares, alice.address, alice.address)).to.emit(f.vault, "RedeemedInKind");
    });

    it("values NAV at the feed governance marks primary, and bounds a rebalance's purchase by every reference, the feed among them", async function () {
      const { f, composite, ethUsd, gov } = await vaultOnComposite();
      await signedBy(f.vault, f.signers.alice).deposit(USDC(300_000), f.signers.alice.address);
      const buysWeth = (plan: { tokenOut: string; value: bigint; expectedOut: bigint }[]) => plan.find((t) => t.tokenOut === f.tokens.weth)!;
      const onTwap = buysWeth(await f.vault.previewRebalance());
      const [, twapLow] = await f.oracle.quoteDetailed(f.tokens.weth, 10n ** 18n);
      // The feed 0.5% above the pools, marked primary: NAV values WETH at the feed's price...
      await ethUsd.updateAnswer(3_015n * 10n ** 8n);
      await signedBy(composite, gov).setFeed(f.tokens.weth, await ethUsd.getAddress(), HOUR, false, true, Source.Feed);
      expect(await composite.quote(f.tokens.weth, 10n ** 18n)).to.equal(USDC(3_015));
      expect(await composite.quoteDetailed(f.tokens.weth, 10n ** 18n)).to.deep.equal([USDC(3_015), twapLow, USDC(3_015)]);
      // ...while the purchase still expects WETH at the lowest of its references, the pools' here: the vault
      // never takes less than any reference says its base asset buys.
      const onFeed = buysWeth(await f.vault.previewRebalance());
      expect(onFeed.expectedOut).to.be.closeTo((onFeed.value * 10n ** 18n) / twapLow, 10n ** 12n);
      expect(onFeed.expectedOut * onTwap.value).to.be.closeTo(onTwap.expectedOut * onFeed.value, (onTwap.expectedOut * onFeed.value) / 10n ** 6n);
    });

    it("still plans rebalances on the TWAP primary, and refuses one while a pool stands away from it", async function () {
      const { f } = await vaultOnComposite();
      await signedBy(f.vault, f.signers.alice).deposit(USDC(300_000), f.signers.alice.address);
      const plan = await f.vault.previewRebalance();
      expect(plan.length).to.be.greaterThan(0);
      await marketSwap(suite.connection, f, f.signers.attacker, f.tokens.usdc, f.tokens.weth, 500, USDC(6_000_000));
      // The pools now open the block 10% away from the TWAP: the rebalance waits for the prices to settle.
      await expect(signedBy(f.vault, f.signers.keeper).rebalance()).to.be.revertedWithCustomError(f.vault, "VaultPricesUnsettled");
    });
  });
});

