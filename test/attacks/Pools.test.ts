// Attacks through the pools themselves: a pool whose liquidity leaves, pushes on pools the oracle does
// not price through, and trades that share a pool.
import { expect } from "chai";
import { Contract, MaxUint256, type Log, type LogDescription, type Result } from "ethers";

import { LOCAL_MARKET_FEES } from "../../deploy/modules/LocalMarket.js";
import { uniswapPoolArtifact } from "../../deploy/lib/uniswap-artifacts.js";
import { encodePath } from "../../deploy/lib/uniswap-path.js";
import { signedBy } from "../helpers/assertions.js";
import { call, deployAttacker, holdingsOf, inOneBlock, usd, valueChange } from "../helpers/attack.js";
import { donateTokens, listNewToken, Parameter, timelockSigner, TWAP_WINDOW, USDC, useBallast, type BallastFixture } from "../helpers/vault.js";

describe("Attacks through the pools", function () {
  const suite = useBallast();
  const time = () => suite.connection.networkHelpers.time;

  const poolAt = (f: BallastFixture, address: string) => new Contract(address, uniswapPoolArtifact.abi, suite.connection.ethers.provider);

  // Old design: no depth floor; the pause did not stop standard exits. After the pool's providers took
  // out 99.98%, a holder pushed THIN from $10 to $39.92 with $10k, held it a window, and redeemed for
  // the base asset at the inflated TWAP: +$24,776, taken from the other holders.
  it("a route pool whose liquidity left cannot price a holding rich: base-asset exits stop, in-kind ones do not", async function () {
    const f = await suite.load();
    const { alice, attacker, deployer } = f.signers;
    const thin = await suite.connection.ethers.deployContract("DemoToken", ["Thin", "THIN", 18]);
    const thinAddress = await thin.getAddress();
    // $50M a side at $10, with a floor of $1M of depth on its route.
    await listNewToken(suite.connection, f, thin, 10n, 18, 50_000_000n, 1_000_000n);
    const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
    await gov.setTargets([...f.basket, thinAddress], [4_000, 2_500, 1_500, 1_000, 1_000]);
    await signedBy(f.vault, alice).deposit(USDC(450_000), alice.address);
    await thin.mint(await f.vault.getAddress(), 5_000n * 10n ** 18n); // $50k of THIN, as bought
    const pool = await f.factory.getPool(f.tokens.usdc, thinAddress, 3000);

    // The providers take out 99.98%.
    const pm = signedBy(f.positionManager, deployer);
    const tokenId = await pm.tokenOfOwnerByIndex(deployer.address, (await pm.balanceOf(deployer.address)) - 1n);
    const { liquidity } = await pm.positions(tokenId);
    await pm.decreaseLiquidity({ tokenId, liquidity: (liquidity * 9_998n) / 10_000n, amount0Min: 0n, amount1Min: 0n, deadline: MaxUint256 });

    // The attacker deposits $200k, pushes THIN about 4x with about $10k, and holds it for a window.
    const bot = await deployAttacker(suite.connection, f, attacker);
    const botAddress = await bot.getAddress();
    await thin.mint(botAddress, 10n ** 24n);
    const before = await holdingsOf(f, botAddress);
    const thinBefore = await thin.balanceOf(botAddress);
    await signedBy(bot, attacker).run([await call(f.vault, "deposit(uint256,address)", [USDC(200_000), botAddress])]);
    const up = f.tokens.usdc.toLowerCase() < thinAddress.toLowerCase() ? -13_870 : 13_870;
    await signedBy(bot, attacker).pushBy(pool, up);
    await time().increase(TWAP_WINDOW + 60);
    // The window's depth is under the floor: the token cannot be priced, so base-asset exits stop.
    await expect(f.oracle.quote(thinAddress, 10n ** 18n)).to.be.revertedWithCustomError(f.oracle, "OraclePoolTooThin");
    expect(await f.vault.maxRedeem(botAddress)).to.equal(0n);
    await expect(signedBy(bot, attacker).run([await call(bot, "redeemMax", [await f.vault.getAddress()])])).to.be.revertedWithCustomError(bot, "AttackerCallFailed");
    expect(await f.vault.maxDeposit(attacker.address), "and deposits").to.equal(0n);
    // The guardian's pause stops them too; in kind, everyone can still leave, the attacker included.
    await signedBy(f.vault, f.signers.guardian).pause();
    await signedBy(bot, attacker).run([await call(bot, "redeemAllInKind", [await f.vault.getAddress()])]);
    await signedBy(f.vault, alice).redeemInKind(await f.vault.balanceOf(alice.address), alice.address, alice.address);
    // Everything it holds, THIN included at the $10 it traded at before its liquidity left (its pushed
    // spot cannot be sold into a drained pool): it got back less than it put in.
    const thinGained = ((await thin.balanceOf(botAddress)) - thinBefore) * 10n * 10n ** 6n / 10n ** 18n;
    const gained = (await valueChange(f, before, await holdingsOf(f, botAddress))) + thinGained;
    expect(gained, `gained, THIN at $10: ${usd(gained)}`).to.be.lessThan(0n);
  });

  // Old design: the spot check covered the oracle's routes only; a pool on a pair path was never checked.
  it("a pool on a direct route between two tokens, pushed within the block, stops the rebalance", async function () {
    const f = await suite.load();
    const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
    await signedBy(f.vault, f.signers.alice).deposit(USDC(400_000), f.signers.alice.address);
    await donateTokens(f, 600_000n);
    // WBTC overweight, WETH under, and a direct route between them.
    await gov.setTargets([...f.basket], [4_000, 3_500, 1_500, 1_000]);
    await gov.setPairPath(f.tokens.wbtc, f.tokens.weth, encodePath([f.tokens.wbtc, f.tokens.weth], [LOCAL_MARKET_FEES.wbtcWeth]));
    const plan = await f.vault.previewRebalance();
    expect(plan.some((t: { tokenIn: string; tokenOut: string }) => t.tokenIn === f.tokens.wbtc && t.tokenOut === f.tokens.weth)).to.equal(true);
    // An attacker pushes the WBTC/WETH pool 3% in the rebalance's block.
    const bot = await deployAttacker(suite.connection, f, f.signers.attacker);
    const pairPool = await f.wbtcWethPool.getAddress();
    const [pushed, rebalanced] = await inOneBlock(suite.connection, async () => [
      await signedBy(bot, f.signers.attacker).pushBy(pairPool, 300, { gasLimit: 1_000_000 }),
      await signedBy(f.vault, f.signers.keeper).rebalance({ gasLimit: 6_000_000 }),
    ]);
    expect([pushed, rebalanced]).to.deep.equal([true, false]);
    await expect(f.vault.previewRebalance()).to.be.revertedWithCustomError(f.vault, "VaultSpotDeviation").withArgs(pairPool, (bps: bigint) => bps > 250n, 200n);
  });

  // Old design: the check compared a token's price over its whole route, so opposite pushes on two hops
  // of a multi-hop route cancelled out.
  it("opposite pushes on the two hops of a route, which cancel out in the token's price, stop the rebalance", async function () {
    const f = await suite.load();
    const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
    await signedBy(f.vault, f.signers.alice).deposit(USDC(1_000_000), f.signers.alice.address);
    // WBTC trades and is priced through WETH: WBTC -> WETH -> USDC.
    const viaWeth = encodePath([f.tokens.wbtc, f.tokens.weth, f.tokens.usdc], [LOCAL_MARKET_FEES.wbtcWeth, LOCAL_MARKET_FEES.usdcWeth]);
    await signedBy(f.oracle, await timelockSigner(suite.connection, f)).setRoute(f.tokens.wbtc, viaWeth, 0);
    await gov.setSwapPath(f.tokens.wbtc, viaWeth);
    const bot = await deployAttacker(suite.connection, f, f.signers.attacker);
    const [a, b] = [await f.wbtcWethPool.getAddress(), await f.usdcWethPool.getAddress()];
    // WBTC up 3% against WETH, WETH down 3% against USDC: WBTC's USD price does not move.
    const wethUp = f.tokens.usdc.toLowerCase() < f.tokens.weth.toLowerCase() ? -1 : 1;
    const wbtcUpInWeth = f.tokens.wbtc.toLowerCase() < f.tokens.weth.toLowerCase() ? 1 : -1;
    const spotBefore = await f.oracle.quoteSpot(f.tokens.wbtc, 10n ** 8n);
    const ok = await inOneBlock(suite.connection, async () => [
      await signedBy(bot, f.signers.attacker).run(
        [await call(bot, "pushBy", [a, 300 * wbtcUpInWeth]), await call(bot, "pushBy", [b, -300 * wethUp])],
        { gasLimit: 2_000_000 },
      ),
      await signedBy(f.vault, f.signers.keeper).rebalance({ gasLimit: 6_000_000 }),
    ]);
    expect(ok).to.deep.equal([true, false]);
    expect(await f.oracle.quoteSpot(f.tokens.wbtc, 10n ** 8n), "WBTC's price over the route barely moved").to.be.closeTo(spotBefore, spotBefore / 200n);
    await expect(f.vault.previewRebalance()).to.be.revertedWithCustomError(f.vault, "VaultSpotDeviation");
  });

  // Old design: on mainnet every token's path ends in the WETH/USDC pool; later legs priced against the
  // earlier legs' impact after a single spot check, and the rebalance failed as a whole.
  it("legs that share a pool share its budget: selling two tokens through one pool stays within its round-trip fee", async function () {
    const f = await suite.load();
    const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
    await signedBy(f.vault, f.signers.alice).deposit(USDC(400_000), f.signers.alice.address);
    await donateTokens(f, 600_000n);
    // WBTC trades through WETH, so that WBTC's and WETH's sales both end in the WETH/USDC pool.
    const viaWeth = encodePath([f.tokens.wbtc, f.tokens.weth, f.tokens.usdc], [LOCAL_MARKET_FEES.wbtcWeth, LOCAL_MARKET_FEES.usdcWeth]);
    await gov.setSwapPath(f.tokens.wbtc, viaWeth);
    await gov.setParameter(Parameter.MaxTradeBps, 10_000);
    // Both are to be sold: USDC's target doubles.
    await gov.setTargets([...f.basket], [8_000, 1_000, 500, 500]);
    const shared = poolAt(f, await f.usdcWethPool.getAddress());
    const [sqrtBefore] = await shared.slot0();
    const receipt = await (await signedBy(f.vault, f.signers.keeper).rebalance()).wait();
    const trades = receipt!.logs
      .map((l: Log) => f.vault.interface.parseLog(l))
      .filter((l: LogDescription | null) => l?.name === "RebalanceTrade")
      .map((l: LogDescription | null) => l!.args);
    const sold = trades.filter((t: Result) => t.tokenOut === f.tokens.usdc);
    expect(sold.map((t: Result) => t.tokenIn)).to.include.members([f.tokens.weth, f.tokens.wbtc]);
    const [sqrtAfter] = await shared.slot0();
    const move = Math.abs((Number((sqrtAfter * 10n ** 12n) / sqrtBefore) / 1e12) ** 2 - 1);
    // Each sale was sized to half the pool's budget: together they move it by about half a round trip.
    expect(move, "the shared pool moved by at most its fee").to.be.lessThan(0.0005 * 1.05);
    expect(move).to.be.greaterThan(0.0005 * 0.8);
  });
});
