import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { deploy, type ArtifactResolver } from "@nomicfoundation/ignition-core";
import { expect } from "chai";
import { getCreate2Address, keccak256, AbiCoder, MaxUint256 } from "ethers";
import hre, { network } from "hardhat";

import LocalMarket, { LOCAL_MARKET_DEFAULTS, LOCAL_MARKET_FEES } from "../../deploy/modules/LocalMarket.js";
import { uniswapPoolArtifact } from "../../deploy/lib/uniswap-artifacts.js";
import { expectRejection, signedBy } from "../helpers/assertions.js";
import { deployLocalMarket, type Connection } from "../helpers/market.js";

const require = createRequire(import.meta.url);
const Q96 = 2n ** 96n;

/** The init code hash the periphery hard-codes, read from its published source. */
function peripheryInitCodeHash(): string {
  const source = readFileSync(require.resolve("@uniswap/v3-periphery/contracts/libraries/PoolAddress.sol"), "utf8");
  const match = source.match(/POOL_INIT_CODE_HASH = (0x[0-9a-fA-F]{64})/);
  if (!match) throw new Error("POOL_INIT_CODE_HASH not found in the periphery source");
  return match[1].toLowerCase();
}

/** Price of token1 in token0 units, as a float, from sqrtPriceX96, adjusted for decimals. */
function humanPrice(sqrtPriceX96: bigint, decimals0: number, decimals1: number): number {
  const raw = Number(sqrtPriceX96) / Number(Q96);
  return raw * raw * 10 ** (decimals0 - decimals1);
}

describe("LocalMarket (genuine Uniswap V3 on the in-process network)", function () {
  let connection: Connection;

  before(async function () {
    connection = await network.create();
  });

  async function fixture() {
    return deployLocalMarket(connection);
  }

  it("deploys pools whose creation code hash is the periphery's POOL_INIT_CODE_HASH", async function () {
    const market = await connection.networkHelpers.loadFixture(fixture);
    expect(keccak256(uniswapPoolArtifact.bytecode)).to.equal(peripheryInitCodeHash());

    const factory = await market.factory.getAddress();
    for (const [pool, fee] of [
      [market.usdcWethPool, LOCAL_MARKET_FEES.usdcWeth],
      [market.usdcWbtcPool, LOCAL_MARKET_FEES.usdcWbtc],
      [market.usdcLinkPool, LOCAL_MARKET_FEES.usdcLink],
      [market.wbtcWethPool, LOCAL_MARKET_FEES.wbtcWeth],
    ] as const) {
      const [token0, token1] = [await pool.token0(), await pool.token1()];
      const salt = keccak256(AbiCoder.defaultAbiCoder().encode(["address", "address", "uint24"], [token0, token1, fee]));
      const computed = getCreate2Address(factory, salt, peripheryInitCodeHash());
      expect(computed, "computed pool address").to.equal(await pool.getAddress());
      expect(await market.factory.getPool(token0, token1, fee), "factory.getPool").to.equal(computed);
    }
  });

  it("prices the pools as their parameters say (WETH $3,000, WBTC $100,000, LINK $15)", async function () {
    const market = await connection.networkHelpers.loadFixture(fixture);
    const usdc = (await market.usdc.getAddress()).toLowerCase();
    const expectations = [
      [market.usdcWethPool, 18, 3000],
      [market.usdcWbtcPool, 8, 100_000],
      [market.usdcLinkPool, 18, 15],
    ] as const;
    for (const [pool, decimals, usdPrice] of expectations) {
      const { sqrtPriceX96 } = await pool.slot0();
      const usdcIsToken0 = (await pool.token0()).toLowerCase() === usdc;
      const p = usdcIsToken0 ? 1 / humanPrice(sqrtPriceX96, 6, decimals) : humanPrice(sqrtPriceX96, decimals, 6);
      expect(Math.abs(p - usdPrice) / usdPrice, "relative price error").to.be.lessThan(1e-6);
    }
    const slot0 = await market.usdcWethPool.slot0();
    expect(slot0.observationCardinalityNext).to.equal(BigInt(LOCAL_MARKET_DEFAULTS.cardinality));
    expect(await market.usdcWethPool.liquidity()).to.be.greaterThan(0n);
  });

  it("swaps through SwapRouter, moving the price, and the TWAP follows after time passes", async function () {
    const market = await connection.networkHelpers.loadFixture(fixture);
    const { ethers, networkHelpers } = connection;
    const [, trader] = await ethers.getSigners();
    const pool = market.usdcWethPool;
    const amountIn = 3_000_000n * 10n ** 6n; // $3M of USDC into a $120M pool
    await market.usdc.mint(trader.address, amountIn);
    await signedBy(market.usdc, trader).approve(await market.router.getAddress(), MaxUint256);

    const before = await pool.slot0();
    const tx = await signedBy(market.router, trader).exactInputSingle({
      tokenIn: await market.usdc.getAddress(),
      tokenOut: await market.weth.getAddress(),
      fee: LOCAL_MARKET_FEES.usdcWeth,
      recipient: trader.address,
      deadline: (await networkHelpers.time.latest()) + 60,
      amountIn,
      amountOutMinimum: 1n,
      sqrtPriceLimitX96: 0n,
    });
    const receipt = await tx.wait();
    console.log(`      exactInputSingle gas: ${receipt!.gasUsed}`);
    const after = await pool.slot0();
    expect(after.tick, "buying WETH with USDC moves the tick").to.not.equal(before.tick);
    expect(await market.weth.balanceOf(trader.address)).to.be.greaterThan(0n);
    // Spent $3M, received at a worse price than $3,000 (fee and impact), but not absurdly worse.
    const wethOut = await market.weth.balanceOf(trader.address);
    const avgPrice = Number(amountIn) / 1e6 / (Number(wethOut) / 1e18);
    expect(avgPrice).to.be.greaterThan(3000).and.lessThan(3000 * 1.06);

    // Once 30 minutes have passed at the new price, the 30-minute TWAP is the new tick.
    await networkHelpers.time.increase(1800);
    await networkHelpers.mine();
    const [tickCumulatives] = await pool.observe([1800, 0]);
    const twapTick = (BigInt(tickCumulatives[1]) - BigInt(tickCumulatives[0])) / 1800n;
    expect(Number(twapTick)).to.be.closeTo(Number(after.tick), 1);
    expect(Number(twapTick)).to.not.be.closeTo(Number(before.tick), 10);
  });

  it("cannot observe further back than the pool has history", async function () {
    const market = await connection.networkHelpers.loadFixture(fixture);
    await expect(market.usdcWethPool.observe([86_400, 0])).to.be.revertedWith("OLD");
  });

  describe("deployment parameters", function () {
    const cases: [string, Record<string, unknown>, string][] = [
      ["a zero amount", { UsdcWbtcAmountB: 0n }, "SeederBadAmount"],
      ["an amount too large to price", { UsdcLinkAmountA: 2n ** 128n }, "SeederBadAmount"],
      ["a price beyond what a pool represents", { UsdcLinkAmountA: 2n ** 128n - 1n, UsdcLinkAmountB: 1n }, "SeederPriceOutOfRange"],
      ["a zero observation cardinality", { cardinality: 0 }, "SeederBadCardinality"],
    ];
    for (const [what, params, error] of cases) {
      it(`rejects ${what} with ${error}`, async function () {
        const fresh = await network.create();
        await expectRejection(fresh.ignition.deploy(LocalMarket, { parameters: { LocalMarket: params as never } }), error);
      });
    }
  });

  it("is idempotent per chain: a second run of the recorded deployment sends nothing", async function () {
    const fresh = await network.create();
    const dir = mkdtempSync(path.join(tmpdir(), "ballast-ignition-"));
    try {
      const artifactResolver: ArtifactResolver = {
        loadArtifact: (name) => hre.artifacts.readArtifact(name) as never,
        getBuildInfo: async () => undefined,
      };
      const accounts = (await fresh.provider.request({ method: "eth_accounts" })) as string[];
      const run = () =>
        deploy({
          provider: fresh.provider,
          deploymentDir: dir,
          artifactResolver,
          ignitionModule: LocalMarket,
          deploymentParameters: {},
          accounts,
        });
      const first = await run();
      expect(first.type).to.equal("SUCCESSFUL_DEPLOYMENT");
      const blockAfterFirst = await fresh.ethers.provider.getBlockNumber();
      const second = await run();
      expect(second.type).to.equal("SUCCESSFUL_DEPLOYMENT");
      expect(await fresh.ethers.provider.getBlockNumber(), "no transaction sent").to.equal(blockAfterFirst);
      if (first.type === "SUCCESSFUL_DEPLOYMENT" && second.type === "SUCCESSFUL_DEPLOYMENT") {
        expect(second.contracts).to.deep.equal(first.contracts);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
