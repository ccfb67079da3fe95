import { expect } from "chai";
import { AbiCoder, Contract, MaxUint256, ZeroAddress } from "ethers";

import { LOCAL_MARKET_FEES } from "../../deploy/modules/LocalMarket.js";
import { uniswapPoolArtifact } from "../../deploy/lib/uniswap-artifacts.js";
import { encodePath } from "../../deploy/lib/uniswap-path.js";
import { signedBy } from "../helpers/assertions.js";
import { call, deployAttacker } from "../helpers/attack.js";
import { marketSwap, timelockSigner, TWAP_WINDOW, USDC, useBallast, type BallastFixture } from "../helpers/vault.js";

const BLOCK_TIME = 12;

describe("UniswapV3TwapOracle", function () {
  const suite = useBallast();
  const load = () => suite.load();
  const time = () => suite.connection.networkHelpers.time;

  async function governed(f: BallastFixture) {
    return signedBy(f.oracle, await timelockSigner(suite.connection, f));
  }

  /** A new demo token with a USDC pool of `usdSide` a side at $1, keeping `cardinality` observations (grown now). */
  async function newPool(f: BallastFixture, usdSide: bigint, cardinality: number, fee = 3000) {
    const token = await suite.connection.ethers.deployContract("DemoToken", ["New (demo)", "NEW", 18]);
    const address = await token.getAddress();
    await f.seeder.seed(f.tokens.usdc, USDC(usdSide), address, usdSide * 10n ** 18n, fee, cardinality, f.signers.deployer.address);
    const pool = await f.factory.getPool(f.tokens.usdc, address, fee);
    await f.seeder.grow(pool);
    return { token, address, pool, path: encodePath([address, f.tokens.usdc], [fee]) };
  }

  describe("prices", function () {
    it("values tokens at their pools' average, the base asset at par, and multi-hop routes consistently", async function () {
      const f = await load();
      expect(await f.oracle.quote(f.tokens.usdc, 123n)).to.equal(123n);
      expect(await f.oracle.quoteDetailed(f.tokens.usdc, 123n)).to.deep.equal([123n, 123n, 123n]);
      expect(await f.oracle.quoteFreshBounds(f.tokens.usdc, 123n)).to.deep.equal([123n, 123n]);
      expect(await f.oracle.quote(f.tokens.weth, 10n ** 18n)).to.be.closeTo(USDC(3_000), USDC(1));
      expect(await f.oracle.quote(f.tokens.wbtc, 10n ** 8n)).to.be.closeTo(USDC(100_000), USDC(10));
      expect(await f.oracle.quote(f.tokens.link, 10n ** 18n)).to.be.closeTo(USDC(15), USDC(1) / 100n);
      // WETH priced through WBTC: the same $3,000, within the two pools' tick rounding.
      const gov = await governed(f);
      const viaWbtc = encodePath([f.tokens.weth, f.tokens.wbtc, f.tokens.usdc], [3000, 3000]);
      const direct = encodePath([f.tokens.weth, f.tokens.usdc], [LOCAL_MARKET_FEES.usdcWeth]);
      await expect(gov.setRoute(f.tokens.weth, viaWbtc, 1_000_000)).to.emit(f.oracle, "RouteSet").withArgs(f.tokens.weth, direct, viaWbtc, 1_000_000);
      expect(await f.oracle.quote(f.tokens.weth, 10n ** 18n)).to.be.closeTo(USDC(3_000), USDC(2));
      const [hops, path, minDepth] = await f.oracle.route(f.tokens.weth);
      expect(hops.map((h: { pool: string }) => h.pool)).to.deep.equal([
        await f.factory.getPool(f.tokens.weth, f.tokens.wbtc, 3000),
        await f.factory.getPool(f.tokens.wbtc, f.tokens.usdc, 3000),
      ]);
      expect(hops.map((h: { zeroForOne: boolean }) => h.zeroForOne)).to.deep.equal([
        f.tokens.weth.toLowerCase() < f.tokens.wbtc.toLowerCase(),
        f.tokens.wbtc.toLowerCase() < f.tokens.usdc.toLowerCase(),
      ]);
      expect([path, minDepth]).to.deep.equal([viaWbtc, 1_000_000n]);
      // Back to one pool: the old second hop is gone.
      await gov.setRoute(f.tokens.weth, direct, 0);
      expect((await f.oracle.route(f.tokens.weth))[0].map((h: { pool: string }) => h.pool)).to.deep.equal([await f.factory.getPool(f.tokens.weth, f.tokens.usdc, 500)]);
      expect(await f.oracle.routedTokens()).to.have.members([f.tokens.weth, f.tokens.wbtc, f.tokens.link]);
    });

    it("follows a real move into quoteBounds within a block, while the average lags it by a window", async function () {
      const f = await load();
      const [low0, high0] = await f.oracle.quoteBounds(f.tokens.weth, 10n ** 18n);
      expect(high0 - low0).to.be.lessThan(USDC(1));
      // $1.2M of USDC buys WETH: its price rises about 4%, in a block of its own.
      await marketSwap(suite.connection, f, f.signers.carol, f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth, USDC(1_200_000));
      await time().increase(BLOCK_TIME);
      const average = await f.oracle.quote(f.tokens.weth, 10n ** 18n);
      const spot = await f.oracle.quoteSpot(f.tokens.weth, 10n ** 18n);
      const [low, high] = await f.oracle.quoteBounds(f.tokens.weth, 10n ** 18n);
      expect(average, "the average barely moved").to.be.closeTo(USDC(3_000), USDC(5));
      expect(low).to.equal(average);
      expect(high, "the price the block opened at, within a tick of spot").to.be.closeTo(spot, spot / 10_000n);
      expect(spot).to.be.greaterThan(USDC(3_110));
      await time().increase(TWAP_WINDOW / 2);
      const halfway = await f.oracle.quote(f.tokens.weth, 10n ** 18n);
      expect(halfway).to.be.greaterThan(average).and.lessThan(high);
      await time().increase(TWAP_WINDOW / 2);
      expect(await f.oracle.quote(f.tokens.weth, 10n ** 18n), "caught up after one window").to.be.closeTo(high, USDC(1));
      expect(await f.oracle.quoteSpot(f.tokens.usdc, 77n), "the base asset at par").to.equal(77n);
    });

    it("cannot be moved within a block: a push changes spot, never quote; quoteBounds refuses beyond the round-trip fee and widens within it", async function () {
      const f = await load();
      const attacker = await deployAttacker(suite.connection, f, f.signers.attacker);
      const pool = await f.usdcWethPool.getAddress();
      const before = await f.oracle.quoteBounds(f.tokens.weth, 10n ** 18n);
      const read = async (fn: string) => call(attacker, "record", [await f.oracle.getAddress(), f.oracle.interface.encodeFunctionData(fn, [f.tokens.weth, 10n ** 18n])]);
      // Push WETH up 20% and read, in the same transaction.
      const up = f.tokens.usdc.toLowerCase() < f.tokens.weth.toLowerCase() ? -1823 : 1823;
      for (const [fn, expectMoved] of [["quote", false], ["quoteSpot", true]] as const) {
        const state = await suite.connection.networkHelpers.takeSnapshot();
        await signedBy(attacker, f.signers.attacker).run([await call(attacker, "pushBy", [pool, up]), await read(fn)]);
        const [value] = AbiCoder.defaultAbiCoder().decode(["uint256"], await attacker.recorded());
        if (expectMoved) expect(value, `${fn} moves`).to.be.greaterThan((before[1] * 115n) / 100n);
        else expect(value, `${fn} does not move`).to.be.closeTo(before[0], USDC(1));
        await state.restore();
      }
      // quoteBounds refuses to price WETH pushed beyond its pool's round-trip fee (10 ticks on 0.05%).
      const state = await suite.connection.networkHelpers.takeSnapshot();
      await expect(signedBy(attacker, f.signers.attacker).run([await call(attacker, "pushBy", [pool, up]), await read("quoteBounds")]))
        .to.be.revertedWithCustomError(attacker, "AttackerCallFailed")
        .withArgs(1n, (data: string) => data.includes(f.oracle.interface.getError("OracleMovedInBlock")!.selector.slice(2)));
      await state.restore();
      // Within it, the current price is one of the bounds: pushed up 8 ticks, the higher bound rises with
      // it (an entry pays no less than the block's price), the lower stays (an exit gets no more).
      const within = up > 0 ? 8 : -8;
      await signedBy(attacker, f.signers.attacker).run([await call(attacker, "pushBy", [pool, within]), await read("quoteBounds")]);
      const [low, high] = AbiCoder.defaultAbiCoder().decode(["uint256", "uint256"], await attacker.recorded());
      expect(low, "the lower bound does not move up").to.equal(before[0]);
      expect(high, "the higher bound follows the push").to.be.greaterThan((before[1] * 10_007n) / 10_000n);
      await state.restore();
    });

    it("refuses quoteBounds while the references disagree beyond the bound, saying until when; views still answer", async function () {
      const f = await load();
      // A real move of about 14%: the average lags, the opening price follows.
      await marketSwap(suite.connection, f, f.signers.carol, f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth, USDC(4_000_000));
      await time().increase(BLOCK_TIME);
      const now = BigInt(await time().latest());
      const error = await f.oracle.quoteBounds(f.tokens.weth, 10n ** 18n).catch((e: Error) => e);
      expect(error).to.be.instanceOf(Error);
      await expect(f.oracle.quoteBounds(f.tokens.weth, 10n ** 18n))
        .to.be.revertedWithCustomError(f.oracle, "OraclePricesDiverge")
        .withArgs(f.tokens.weth, (v: bigint) => v > 1_300n && v < 1_500n, 500n, now + BigInt(TWAP_WINDOW));
      expect(await f.oracle.quote(f.tokens.weth, 10n ** 18n), "the average still answers").to.be.greaterThan(0n);
      // A price that holds for one window is agreed on again.
      await time().increase(TWAP_WINDOW);
      const [low, high] = await f.oracle.quoteBounds(f.tokens.weth, 10n ** 18n);
      expect(high - low).to.be.lessThan(USDC(1));
      // The bound is governance's, within its own bounds.
      const gov = await governed(f);
      await expect(gov.setMaxDivergence(2_000)).to.emit(f.oracle, "MaxDivergenceSet").withArgs(500, 2_000);
      expect(await f.oracle.maxDivergenceBps()).to.equal(2_000n);
      for (const bad of [49, 5_001]) {
        await expect(gov.setMaxDivergence(bad)).to.be.revertedWithCustomError(f.oracle, "OracleDivergenceOutOfBounds").withArgs(bad);
      }
      await expect(signedBy(f.oracle, f.signers.alice).setMaxDivergence(1_000)).to.be.revertedWithCustomError(f.oracle, "OwnableUnauthorizedAccount");
    });
  });

  describe("a basket's bounds in one call (quoteBoundsSum)", function () {
    /** WBTC through WETH and WETH through WBTC: two routes that share the WBTC/WETH pool, each walking it the other way. */
    async function crossed(f: BallastFixture) {
      const gov = await governed(f);
      await gov.setRoute(f.tokens.wbtc, encodePath([f.tokens.wbtc, f.tokens.weth, f.tokens.usdc], [LOCAL_MARKET_FEES.wbtcWeth, LOCAL_MARKET_FEES.usdcWeth]), 1_000_000);
      await gov.setRoute(f.tokens.weth, encodePath([f.tokens.weth, f.tokens.wbtc, f.tokens.usdc], [LOCAL_MARKET_FEES.wbtcWeth, LOCAL_MARKET_FEES.usdcWbtc]), 1_000_000);
      return gov;
    }
    const sum = (bounds: bigint[][]) => bounds.reduce(([l, h], [bl, bh]) => [l + bl, h + bh], [0n, 0n]);

    it("is each holding's quoteBounds summed: the base at its amount, two routes through one pool (walked each way), within a pushed block too", async function () {
      const f = await load();
      await crossed(f);
      // A real move of WETH, one block old: the opening price stands apart from the average.
      await marketSwap(suite.connection, f, f.signers.carol, f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth, USDC(600_000));
      await time().increase(BLOCK_TIME);
      const tokens = [f.tokens.usdc, f.tokens.weth, f.tokens.wbtc, f.tokens.link];
      const amounts = [USDC(12_345), 3n * 10n ** 18n, 7n * 10n ** 7n, 10n ** 21n];
      const each = [[amounts[0], amounts[0]]];
      for (let i = 1; i < tokens.length; i++) each.push([...(await f.oracle.quoteBounds(tokens[i], amounts[i]))]);
      expect(each[1][1], "WETH's bounds stand apart").to.be.greaterThan(each[1][0]);
      expect(await f.oracle.quoteBoundsSum(tokens, amounts)).to.deep.equal(sum(each));
      expect(await f.oracle.quoteBoundsSum([...tokens].reverse(), [...amounts].reverse()), "in any order").to.deep.equal(sum(each));
      // Within the block of a push of the shared pool (within the routes' fees), in the same transaction:
      // the sum moves as each holding's own bounds move.
      const attacker = await deployAttacker(suite.connection, f, f.signers.attacker);
      const run = async (target: string, data: string) => {
        const state = await suite.connection.networkHelpers.takeSnapshot();
        await signedBy(attacker, f.signers.attacker).run([
          await call(attacker, "pushBy", [await f.wbtcWethPool.getAddress(), 40]),
          await call(attacker, "record", [target, data]),
        ]);
        const recorded = AbiCoder.defaultAbiCoder().decode(["uint256", "uint256"], await attacker.recorded());
        await state.restore();
        return [recorded[0] as bigint, recorded[1] as bigint];
      };
      const oracle = await f.oracle.getAddress();
      const pushed = [[amounts[0], amounts[0]]];
      for (let i = 1; i < tokens.length; i++) pushed.push(await run(oracle, f.oracle.interface.encodeFunctionData("quoteBounds", [tokens[i], amounts[i]])));
      expect(pushed[2], "the push moved WBTC's bounds").to.not.deep.equal(each[2]);
      expect(await run(oracle, f.oracle.interface.encodeFunctionData("quoteBoundsSum", [tokens, amounts]))).to.deep.equal(sum(pushed));
    });

    it("leaves a holding of nothing unread; refuses as the first holding refused would, and arrays of two lengths", async function () {
      const f = await load();
      const gov = await crossed(f);
      await gov.removeRoute(f.tokens.link);
      const one = 10n ** 18n;
      const [low, high] = await f.oracle.quoteBounds(f.tokens.weth, one);
      // LINK has no route now: held at zero, it is not read and cannot stop the sum.
      expect(await f.oracle.quoteBoundsSum([f.tokens.usdc, f.tokens.link, f.tokens.weth], [5n, 0n, one])).to.deep.equal([low + 5n, high + 5n]);
      await expect(f.oracle.quoteBoundsSum([f.tokens.weth, f.tokens.link], [one, 1n]))
        .to.be.revertedWithCustomError(f.oracle, "OracleNoRoute")
        .withArgs(f.tokens.link);
      // References apart (a move of about 14%, one block old): the same error quoteBounds gives.
      await marketSwap(suite.connection, f, f.signers.carol, f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth, USDC(4_000_000));
      await time().increase(BLOCK_TIME);
      const single = await f.oracle.quoteBounds(f.tokens.wbtc, 10n ** 8n).catch((e: { data?: string }) => e.data);
      const batched = await f.oracle.quoteBoundsSum([f.tokens.usdc, f.tokens.wbtc], [1n, 10n ** 8n]).catch((e: { data?: string }) => e.data);
      expect(single).to.be.a("string").and.include(f.oracle.interface.getError("OraclePricesDiverge")!.selector);
      expect(batched).to.equal(single);
      await expect(f.oracle.quoteBoundsSum([f.tokens.usdc, f.tokens.weth], [1n]))
        .to.be.revertedWithCustomError(f.oracle, "OracleLengthMismatch")
        .withArgs(2n, 1n);
      expect(await f.oracle.quoteBoundsSum([], [])).to.deep.equal([0n, 0n]);
    });
  });

  describe("what a route needs", function () {
    it("refuses routes that do not lead from the token to the base, through pools that exist", async function () {
      const f = await load();
      const gov = await governed(f);
      const { usdc, weth, wbtc } = f.tokens;
      await expect(gov.setRoute(weth, encodePath([wbtc, usdc], [3000]), 0))
        .to.be.revertedWithCustomError(f.oracle, "OracleRouteEnds")
        .withArgs(weth, wbtc, usdc);
      await expect(gov.setRoute(weth, encodePath([weth, usdc], [10000]), 0))
        .to.be.revertedWithCustomError(f.oracle, "OraclePoolMissing")
        .withArgs(weth, usdc, 10000);
      await expect(gov.setRoute(weth, "0x00", 0)).to.be.revertedWithCustomError(f.oracle, "SwapPathMalformed");
      // A depth floor is stored in 32 bits of whole base units: more is refused, not truncated to a lower floor.
      const tooDeep = 2n ** 32n;
      await expect(gov.setRoute(weth, encodePath([weth, usdc], [LOCAL_MARKET_FEES.usdcWeth]), tooDeep))
        .to.be.revertedWithCustomError(f.oracle, "OracleMinDepthTooLarge")
        .withArgs(tooDeep);
    });

    it("requires every pool to keep window / block time + 1 observations now, not later; and a window of history", async function () {
      const f = await load();
      const gov = await governed(f);
      expect(await f.oracle.BLOCK_TIME_SECONDS()).to.equal(BigInt(BLOCK_TIME));
      expect(await f.oracle.requiredCardinality()).to.equal(BigInt(TWAP_WINDOW / BLOCK_TIME + 1));
      // A pool with room for 150 observations: one short of a 30-minute window at 12-second blocks.
      const short = await newPool(f, 10_000_000n, 150);
      await time().increase(TWAP_WINDOW + 60);
      await expect(gov.setRoute(short.address, short.path, 0))
        .to.be.revertedWithCustomError(f.oracle, "OracleCardinalityTooLow")
        .withArgs(short.pool, 150, 151);
      // A pool that was asked for 200 but has not grown to them yet (no observation written since).
      const uni = await suite.connection.ethers.deployContract("DemoToken", ["Uni (demo)", "UNI", 18]);
      const uniAddress = await uni.getAddress();
      await f.seeder.seed(f.tokens.usdc, USDC(1_000_000), uniAddress, 10n ** 24n, 3000, 200, f.signers.deployer.address);
      const ungrown = await f.factory.getPool(f.tokens.usdc, uniAddress, 3000);
      await time().increase(TWAP_WINDOW + 60);
      await expect(gov.setRoute(uniAddress, encodePath([uniAddress, f.tokens.usdc], [3000]), 0))
        .to.be.revertedWithCustomError(f.oracle, "OracleCardinalityTooLow")
        .withArgs(ungrown, 1, 151);
      // Room enough, but a new pool without a window of history yet cannot answer over it.
      const fresh = await newPool(f, 10_000_000n, 200, 500);
      await expect(gov.setRoute(fresh.address, fresh.path, 0)).to.be.revertedWithCustomError(f.oracle, "TwapUnavailable");
      await time().increase(TWAP_WINDOW + 60);
      await gov.setRoute(fresh.address, fresh.path, 0);
    });

    // Old design: a route needed 51 observations whatever the window; on a pool with fewer than the
    // window needs, 60 swaps over 720 s (about $288 of fees) made every valuation revert.
    it("cannot be switched off by filling a pool's observations: a swap in every block for longer than the window", async function () {
      const f = await load();
      const gov = await governed(f);
      // The shortest window (10 minutes) needs 51 observations at 12-second blocks; this pool keeps 51.
      await gov.setWindow(600);
      const target = await newPool(f, 10_000_000n, 51);
      await time().increase(700);
      await gov.setRoute(target.address, target.path, 0);
      // An attacker swaps back and forth once per 12-second block for 15 minutes: 75 observations.
      const trader = f.signers.attacker;
      await target.token.mint(trader.address, 10n ** 24n);
      await f.usdc.mint(trader.address, USDC(1_000_000));
      const router = signedBy(f.router, trader);
      await signedBy(target.token, trader).approve(await f.router.getAddress(), MaxUint256);
      await signedBy(f.usdc, trader).approve(await f.router.getAddress(), MaxUint256);
      for (let i = 0; i < 75; i++) {
        const sell = i % 2 === 0;
        await time().increase(BLOCK_TIME - 1);
        await router.exactInputSingle({
          tokenIn: sell ? target.address : f.tokens.usdc,
          tokenOut: sell ? f.tokens.usdc : target.address,
          fee: 3000,
          recipient: trader.address,
          deadline: MaxUint256,
          amountIn: sell ? 10n ** 21n : USDC(1_000),
          amountOutMinimum: 0n,
          sqrtPriceLimitX96: 0n,
        });
        expect(await f.oracle.quote(target.address, 10n ** 18n), `after swap ${i + 1}`).to.be.greaterThan(0n);
      }
      // What the old oracle relied on, a 30-minute average from a pool that keeps 51 observations, is
      // gone; the oracle refuses to be configured into that state.
      const pool = new Contract(target.pool, uniswapPoolArtifact.abi, suite.connection.ethers.provider);
      await expect(pool.observe([TWAP_WINDOW, 0])).to.be.revertedWith("OLD");
      await expect(gov.setWindow(TWAP_WINDOW)).to.be.revertedWithCustomError(f.oracle, "OracleCardinalityTooLow").withArgs(target.pool, 51, 151);
    });

    it("changes the window only within what every route's pools keep", async function () {
      const f = await load();
      const gov = await governed(f);
      // The local pools keep 200 observations: enough for 2,388 s at 12-second blocks, not for an hour.
      await expect(gov.setWindow(3600)).to.be.revertedWithCustomError(f.oracle, "OracleCardinalityTooLow");
      await time().increase(600);
      await expect(gov.setWindow(2388)).to.emit(f.oracle, "WindowSet").withArgs(1800, 2388);
      for (const bad of [599, 86_401]) {
        await expect(gov.setWindow(bad)).to.be.revertedWithCustomError(f.oracle, "OracleWindowOutOfBounds").withArgs(bad);
      }
      await expect(signedBy(f.oracle, f.signers.alice).setWindow(900)).to.be.revertedWithCustomError(f.oracle, "OwnableUnauthorizedAccount");
    });

    it("prices over the new window once it is set: routes set before it (one pool and two) and after it alike", async function () {
      const f = await load();
      const gov = await governed(f);
      const viaWbtc = encodePath([f.tokens.weth, f.tokens.wbtc, f.tokens.usdc], [3000, 3000]);
      await gov.setRoute(f.tokens.weth, viaWbtc, 0);
      // WBTC and WETH move, then 1,000 s pass: a 1,800 s average and a 2,388 s one differ.
      await time().increase(600);
      await marketSwap(suite.connection, f, f.signers.carol, f.tokens.usdc, f.tokens.wbtc, 3000, USDC(2_000_000));
      await time().increase(1_000);
      const before = [await f.oracle.quote(f.tokens.wbtc, 10n ** 8n), await f.oracle.quote(f.tokens.weth, 10n ** 18n)];
      await gov.setWindow(2388);
      const linkPath = (await f.oracle.route(f.tokens.link))[1];
      await gov.setRoute(f.tokens.link, linkPath, 0);
      // The same routes read by an oracle built with the new window from the start.
      const tokens = [f.tokens.wbtc, f.tokens.weth, f.tokens.link];
      const paths = [(await f.oracle.route(f.tokens.wbtc))[1], viaWbtc, linkPath];
      const fresh = await suite.connection.ethers.deployContract("UniswapV3TwapOracle", [
        f.tokens.usdc, await f.factory.getAddress(), BLOCK_TIME, 2388, 500, f.signers.deployer.address, tokens, paths, [0, 0, 0],
      ]);
      const units = [10n ** 8n, 10n ** 18n, 10n ** 18n];
      for (const [i, token] of tokens.entries()) {
        expect(await f.oracle.quote(token, units[i]), token).to.equal(await fresh.quote(token, units[i]));
        expect(await f.oracle.quoteDetailed(token, units[i]), token).to.deep.equal(await fresh.quoteDetailed(token, units[i]));
      }
      expect(await f.oracle.quote(f.tokens.wbtc, 10n ** 8n), "the old window's average no more").to.not.equal(before[0]);
      expect(await f.oracle.quote(f.tokens.weth, 10n ** 18n)).to.not.equal(before[1]);
    });

    it("changes the window only when every routed token answers over it: an hour on forty minutes of history is refused", async function () {
      const f = await load();
      // A pool with room for an hour's window (301 observations) and forty minutes of history.
      const young = await newPool(f, 10_000_000n, 301);
      await time().increase(2400);
      const oracle = await suite.connection.ethers.deployContract("UniswapV3TwapOracle", [
        f.tokens.usdc, await f.factory.getAddress(), BLOCK_TIME, 1800, 500, await f.timelock.getAddress(), [young.address], [young.path], [0],
      ]);
      const owner = signedBy(oracle, await timelockSigner(suite.connection, f));
      await expect(owner.setWindow(3600)).to.be.revertedWithCustomError(oracle, "TwapUnavailable");
      await owner.setWindow(2300);
      expect(await oracle.windowSeconds()).to.equal(2300n);
    });

    // Old design: nothing checked a route's depth; after its liquidity left, a held push priced holdings rich.
    it("refuses to price through a pool whose depth over the window fell below the route's floor", async function () {
      const f = await load();
      const gov = await governed(f);
      const thin = await newPool(f, 1_000_000n, 200);
      await time().increase(TWAP_WINDOW + 60);
      // $1M a side: a floor of $2M is refused at once, $500k is met.
      await expect(gov.setRoute(thin.address, thin.path, 2_000_000)).to.be.revertedWithCustomError(f.oracle, "OraclePoolTooThin");
      await gov.setRoute(thin.address, thin.path, 500_000);
      expect(await f.oracle.quote(thin.address, 10n ** 18n)).to.be.closeTo(USDC(1), USDC(1) / 100n);
      // The liquidity providers take out 99%; a window later, the harmonic mean depth is under the floor.
      const pm = signedBy(f.positionManager, f.signers.deployer);
      const owned = await pm.balanceOf(f.signers.deployer.address);
      const tokenId = await pm.tokenOfOwnerByIndex(f.signers.deployer.address, owned - 1n);
      const position = await pm.positions(tokenId);
      await pm.decreaseLiquidity({ tokenId, liquidity: (position.liquidity * 99n) / 100n, amount0Min: 0n, amount1Min: 0n, deadline: MaxUint256 });
      await time().increase(TWAP_WINDOW + 60);
      await expect(f.oracle.quote(thin.address, 10n ** 18n))
        .to.be.revertedWithCustomError(f.oracle, "OraclePoolTooThin")
        .withArgs(thin.address, thin.pool, (depth: bigint) => depth < USDC(20_000), USDC(500_000));
      await expect(f.oracle.quoteBounds(thin.address, 10n ** 18n)).to.be.revertedWithCustomError(f.oracle, "OraclePoolTooThin");
    });

    it("checks the floor on every pool of a longer route, and refuses a route of more hops than it counts", async function () {
      const f = await load();
      const gov = await governed(f);
      // WETH through WBTC: the WBTC/WETH pool holds $30M a side, the WBTC/USDC pool $60M.
      const viaWbtc = encodePath([f.tokens.weth, f.tokens.wbtc, f.tokens.usdc], [3000, 3000]);
      await expect(gov.setRoute(f.tokens.weth, viaWbtc, 40_000_000))
        .to.be.revertedWithCustomError(f.oracle, "OraclePoolTooThin")
        .withArgs(f.tokens.weth, await f.wbtcWethPool.getAddress(), (depth: bigint) => depth > USDC(29_000_000) && depth < USDC(31_000_000), USDC(40_000_000));
      await gov.setRoute(f.tokens.weth, viaWbtc, 20_000_000);
      // 256 hops back and forth: more than a route's length byte counts.
      const tokens = [f.tokens.weth, ...Array.from({ length: 128 }, () => [f.tokens.usdc, f.tokens.weth]).flat()];
      tokens[tokens.length - 1] = f.tokens.usdc;
      const long = encodePath(tokens.slice(0, 257), Array(256).fill(500));
      await expect(gov.setRoute(f.tokens.weth, long, 0)).to.be.revertedWithCustomError(f.oracle, "OracleRouteTooLong").withArgs(256);
    });

    it("removes routes, with the old path in the event, after which quotes fail with OracleNoRoute", async function () {
      const f = await load();
      const gov = await governed(f);
      const [, oldPath] = await f.oracle.route(f.tokens.link);
      await expect(gov.removeRoute(f.tokens.link)).to.emit(f.oracle, "RouteRemoved").withArgs(f.tokens.link, oldPath);
      await expect(f.oracle.quote(f.tokens.link, 1n)).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
      await expect(f.oracle.quoteBounds(f.tokens.link, 1n)).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
      await expect(f.oracle.quoteSpot(f.tokens.link, 1n)).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
      expect((await f.oracle.route(f.tokens.link))[0]).to.deep.equal([]);
      expect(await f.oracle.routedTokens()).to.not.include(f.tokens.link);
      await expect(gov.removeRoute(f.tokens.link)).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
      // A two-pool route goes whole: nothing of it answers afterwards.
      await gov.setRoute(f.tokens.weth, encodePath([f.tokens.weth, f.tokens.wbtc, f.tokens.usdc], [3000, 3000]), 0);
      await gov.removeRoute(f.tokens.weth);
      expect((await f.oracle.route(f.tokens.weth))[0]).to.deep.equal([]);
      await expect(f.oracle.quote(f.tokens.weth, 1n)).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
      await expect(signedBy(f.oracle, f.signers.alice).removeRoute(f.tokens.wbtc)).to.be.revertedWithCustomError(f.oracle, "OwnableUnauthorizedAccount");
      await expect(signedBy(f.oracle, f.signers.alice).setRoute(f.tokens.wbtc, "0x", 0)).to.be.revertedWithCustomError(f.oracle, "OwnableUnauthorizedAccount");
    });
  });

  it("rejects a bad construction", async function () {
    const f = await load();
    const factory = await f.factory.getAddress();
    const Oracle = await suite.connection.ethers.getContractFactory("UniswapV3TwapOracle");
    const owner = f.signers.deployer.address;
    const usdc = f.tokens.usdc;
    const deploy = (base: string, blockTime: number, window: number, divergence: number, tokens: string[] = [], paths: string[] = [], depths: number[] = []) =>
      Oracle.deploy(base, factory, blockTime, window, divergence, owner, tokens, paths, depths);
    await expect(deploy(ZeroAddress, 12, 1800, 500)).to.be.revertedWithCustomError(Oracle, "OracleZeroAddress");
    await expect(deploy(usdc, 0, 1800, 500)).to.be.revertedWithCustomError(Oracle, "OracleBlockTimeOutOfBounds").withArgs(0);
    await expect(deploy(usdc, 61, 1800, 500)).to.be.revertedWithCustomError(Oracle, "OracleBlockTimeOutOfBounds").withArgs(61);
    await expect(deploy(usdc, 12, 60, 500)).to.be.revertedWithCustomError(Oracle, "OracleWindowOutOfBounds").withArgs(60);
    // One-second blocks: a day's window needs more observations than a pool can keep.
    await expect(deploy(usdc, 1, 86_400, 500)).to.be.revertedWithCustomError(Oracle, "OracleWindowOutOfBounds").withArgs(86_400);
    await expect(deploy(usdc, 12, 1800, 10)).to.be.revertedWithCustomError(Oracle, "OracleDivergenceOutOfBounds").withArgs(10);
    await expect(deploy(usdc, 12, 1800, 500, [f.tokens.weth], [])).to.be.revertedWithCustomError(Oracle, "OracleLengthMismatch");
    await expect(deploy(usdc, 12, 1800, 500, [f.tokens.weth], [f.paths[0]], [])).to.be.revertedWithCustomError(Oracle, "OracleLengthMismatch");
    const ok = await deploy(usdc, 2, 1800, 500);
    expect(await ok.requiredCardinality(), "2-second blocks need six times more").to.equal(901n);
  });
});
