import { expect } from "chai";
import { ZeroAddress } from "ethers";

import { LOCAL_MARKET_FEES } from "../../deploy/modules/LocalMarket.js";
import { encodePath } from "../../deploy/lib/uniswap-path.js";
import { signedBy } from "../helpers/assertions.js";
import { marketSwap, timelockSigner, TWAP_WINDOW, USDC, useBallast } from "../helpers/vault.js";

describe("UniswapV3TwapOracle", function () {
  const suite = useBallast();
  const load = () => suite.load();

  it("values tokens at their pool prices, the base asset at par, and multi-hop routes consistently", async function () {
    const f = await load();
    expect(await f.oracle.quote(f.tokens.usdc, 123n)).to.equal(123n);
    expect(await f.oracle.quote(f.tokens.weth, 10n ** 18n)).to.be.closeTo(USDC(3_000), USDC(1));
    expect(await f.oracle.quote(f.tokens.wbtc, 10n ** 8n)).to.be.closeTo(USDC(100_000), USDC(10));
    expect(await f.oracle.quote(f.tokens.link, 10n ** 18n)).to.be.closeTo(USDC(15), USDC(1) / 100n);
    // WETH priced through WBTC: the same $3,000, within the two pools' tick rounding.
    const gov = signedBy(f.oracle, await timelockSigner(suite.connection, f));
    await gov.setRoute(f.tokens.weth, encodePath([f.tokens.weth, f.tokens.wbtc, f.tokens.usdc], [3000, 3000]));
    expect(await f.oracle.quote(f.tokens.weth, 10n ** 18n)).to.be.closeTo(USDC(3_000), USDC(2));
    const hops = await f.oracle.route(f.tokens.weth);
    expect(hops.map((h: { pool: string }) => h.pool)).to.deep.equal([
      await f.factory.getPool(f.tokens.weth, f.tokens.wbtc, 3000),
      await f.factory.getPool(f.tokens.wbtc, f.tokens.usdc, 3000),
    ]);
    expect(hops.map((h: { zeroForOne: boolean }) => h.zeroForOne)).to.deep.equal([f.tokens.weth.toLowerCase() < f.tokens.wbtc.toLowerCase(), f.tokens.wbtc.toLowerCase() < f.tokens.usdc.toLowerCase()]);
    // Back to one pool: the old second hop is gone, and the quote is the direct pool's again.
    await gov.setRoute(f.tokens.weth, encodePath([f.tokens.weth, f.tokens.usdc], [LOCAL_MARKET_FEES.usdcWeth]));
    expect((await f.oracle.route(f.tokens.weth)).map((h: { pool: string }) => h.pool)).to.deep.equal([await f.factory.getPool(f.tokens.weth, f.tokens.usdc, LOCAL_MARKET_FEES.usdcWeth)]);
    expect(await f.oracle.quote(f.tokens.weth, 10n ** 18n)).to.be.closeTo(USDC(3_000), USDC(1));
  });

  it("lags a spot move by its window, and quoteBounds brackets TWAP and spot", async function () {
    const f = await load();
    const [low0, high0] = await f.oracle.quoteBounds(f.tokens.weth, 10n ** 18n);
    expect(high0 - low0).to.be.lessThan(USDC(1));
    // $20M of USDC buys WETH: spot rises by about a third.
    await marketSwap(suite.connection, f, f.signers.carol, f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth, USDC(20_000_000));
    const twapNow = await f.oracle.quote(f.tokens.weth, 10n ** 18n);
    const [low, high] = await f.oracle.quoteBounds(f.tokens.weth, 10n ** 18n);
    expect(twapNow, "the TWAP barely moved").to.be.closeTo(USDC(3_000), USDC(5));
    expect(low).to.equal(twapNow);
    expect(high, "spot is the high bound").to.be.greaterThan(USDC(3_900));
    expect(await f.oracle.quoteSpot(f.tokens.weth, 10n ** 18n)).to.equal(high);
    expect(await f.oracle.quoteSpot(f.tokens.usdc, 77n), "the base asset at par").to.equal(77n);
    await suite.connection.networkHelpers.time.increase(TWAP_WINDOW / 2);
    const halfway = await f.oracle.quote(f.tokens.weth, 10n ** 18n);
    expect(halfway).to.be.greaterThan(twapNow).and.lessThan(high);
    await suite.connection.networkHelpers.time.increase(TWAP_WINDOW / 2);
    expect(await f.oracle.quote(f.tokens.weth, 10n ** 18n), "caught up after one window").to.be.closeTo(high, USDC(1));
  });

  it("refuses routes that do not lead from the token to the base, through pools that exist and remember enough", async function () {
    const f = await load();
    const gov = signedBy(f.oracle, await timelockSigner(suite.connection, f));
    const { usdc, weth, wbtc } = f.tokens;
    await expect(gov.setRoute(weth, encodePath([wbtc, usdc], [3000])))
      .to.be.revertedWithCustomError(f.oracle, "OracleRouteEnds")
      .withArgs(weth, wbtc, usdc);
    await expect(gov.setRoute(weth, encodePath([weth, usdc], [10000])))
      .to.be.revertedWithCustomError(f.oracle, "OraclePoolMissing")
      .withArgs(weth, usdc, 10000);
    await expect(gov.setRoute(weth, "0x00")).to.be.revertedWithCustomError(f.oracle, "SwapPathMalformed");

    // A pool that keeps a single observation cannot serve a TWAP.
    const uni = await suite.connection.ethers.deployContract("DemoToken", ["Uniswap (demo)", "UNI", 18]);
    const uniAddress = await uni.getAddress();
    await f.seeder.seed(usdc, USDC(1_000_000), uniAddress, 10n ** 23n, 3000, 1, f.signers.deployer.address);
    const pool = await f.factory.getPool(usdc, uniAddress, 3000);
    await expect(gov.setRoute(uniAddress, encodePath([uniAddress, usdc], [3000])))
      .to.be.revertedWithCustomError(f.oracle, "OracleCardinalityTooLow")
      .withArgs(pool, 1, 51);
    // A new pool with room but no history yet cannot answer over the window.
    await f.seeder.seed(usdc, USDC(1_000_000), uniAddress, 10n ** 23n, 500, 200, f.signers.deployer.address);
    await expect(gov.setRoute(uniAddress, encodePath([uniAddress, usdc], [500]))).to.be.revertedWithCustomError(
      f.oracle,
      "TwapUnavailable",
    );
  });

  it("removes routes, after which quotes fail with OracleNoRoute", async function () {
    const f = await load();
    const gov = signedBy(f.oracle, await timelockSigner(suite.connection, f));
    await expect(gov.removeRoute(f.tokens.link)).to.emit(f.oracle, "RouteRemoved").withArgs(f.tokens.link);
    await expect(f.oracle.quote(f.tokens.link, 1n)).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
    await expect(f.oracle.quoteBounds(f.tokens.link, 1n)).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
    await expect(f.oracle.quoteSpot(f.tokens.link, 1n)).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
    expect(await f.oracle.route(f.tokens.link)).to.deep.equal([]);
    await expect(gov.removeRoute(f.tokens.link)).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
    // A two-pool route goes whole: nothing of it answers afterwards.
    await gov.setRoute(f.tokens.weth, encodePath([f.tokens.weth, f.tokens.wbtc, f.tokens.usdc], [3000, 3000]));
    await gov.removeRoute(f.tokens.weth);
    expect(await f.oracle.route(f.tokens.weth)).to.deep.equal([]);
    await expect(f.oracle.quote(f.tokens.weth, 1n)).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
    await expect(signedBy(f.oracle, f.signers.alice).removeRoute(f.tokens.weth)).to.be.revertedWithCustomError(
      f.oracle,
      "OwnableUnauthorizedAccount",
    );
  });

  it("rejects a bad construction", async function () {
    const f = await load();
    const factory = await f.factory.getAddress();
    const Oracle = await suite.connection.ethers.getContractFactory("UniswapV3TwapOracle");
    const owner = f.signers.deployer.address;
    await expect(Oracle.deploy(ZeroAddress, factory, 1800, owner, [], [])).to.be.revertedWithCustomError(Oracle, "OracleZeroAddress");
    await expect(Oracle.deploy(f.tokens.usdc, factory, 60, owner, [], [])).to.be.revertedWithCustomError(
      Oracle,
      "OracleWindowOutOfBounds",
    );
    await expect(Oracle.deploy(f.tokens.usdc, factory, 1800, owner, [f.tokens.weth], [])).to.be.revertedWithCustomError(
      Oracle,
      "OracleLengthMismatch",
    );
  });
});
