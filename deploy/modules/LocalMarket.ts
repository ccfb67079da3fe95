// A genuine Uniswap V3 market for local networks: WETH9, the factory, SwapRouter and the position
// manager from their published npm artifacts, demo tokens shaped like USDC (6 decimals), WBTC (8)
// and LINK (18), and full-range pools at realistic prices and depth with room for 30-minute TWAPs.
//
// This module is the one source of truth for the local market: tests, scripts, benchmarks and the
// demo all deploy it. Parameters (all raw token units) can be overridden per deployment; the seeder
// contract rejects nonsensical ones with a named error.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ContractFuture } from "@nomicfoundation/ignition-core";
import { encodeBytes32String, parseEther, parseUnits } from "ethers";

import {
  nftDescriptorArtifact,
  positionDescriptorArtifact,
  positionManagerArtifact,
  swapRouterArtifact,
  uniswapFactoryArtifact,
  uniswapPoolArtifact,
  weth9Artifact,
} from "../lib/uniswap-artifacts.js";

/** Default depth and prices: $60M a side in each USDC pool, $30M a side in WBTC/WETH. */
export const LOCAL_MARKET_DEFAULTS = {
  // Observations kept per pool: enough for a 30-minute TWAP with a swap in every block at 12 s,
  // and for the longer windows the local network reaches by jumping time.
  cardinality: 200,
  usdcPerWethPool: parseUnits("60000000", 6), // with 20,000 WETH: $3,000 per ETH
  wethPerUsdcPool: parseEther("20000"),
  usdcPerWbtcPool: parseUnits("60000000", 6), // with 600 WBTC: $100,000 per BTC
  wbtcPerUsdcPool: parseUnits("600", 8),
  usdcPerLinkPool: parseUnits("60000000", 6), // with 4,000,000 LINK: $15 per LINK
  linkPerUsdcPool: parseEther("4000000"),
  wbtcPerWethPool: parseUnits("300", 8), // with 10,000 WETH: 33.33 ETH per BTC
  wethPerWbtcPool: parseEther("10000"),
} as const;

/** Fee tiers as on mainnet: 0.05% for USDC/WETH, 0.3% elsewhere. */
export const LOCAL_MARKET_FEES = { usdcWeth: 500, usdcWbtc: 3000, usdcLink: 3000, wbtcWeth: 3000 } as const;

/** ETH wrapped for the dust position that makes a WETH pool grow its observations. */
const GROW_WEI = 10n ** 15n;

export default buildModule("LocalMarket", (m) => {
  const d = LOCAL_MARKET_DEFAULTS;
  const owner = m.getAccount(0);
  const cardinality = m.getParameter("cardinality", d.cardinality);

  const weth = m.contract("WETH9", weth9Artifact);
  const factory = m.contract("UniswapV3Factory", uniswapFactoryArtifact);
  const router = m.contract("SwapRouter", swapRouterArtifact, [factory, weth]);
  const nftDescriptor = m.library("NFTDescriptor", nftDescriptorArtifact);
  const positionDescriptor = m.contract(
    "NonfungibleTokenPositionDescriptor",
    positionDescriptorArtifact,
    [weth, encodeBytes32String("ETH")],
    { libraries: { NFTDescriptor: nftDescriptor } },
  );
  const positionManager = m.contract("NonfungiblePositionManager", positionManagerArtifact, [
    factory,
    weth,
    positionDescriptor,
  ]);

  const usdc = m.contract("DemoToken", ["USD Coin (demo)", "USDC", 6], { id: "USDC" });
  const wbtc = m.contract("DemoToken", ["Wrapped BTC (demo)", "WBTC", 8], { id: "WBTC" });
  const link = m.contract("DemoToken", ["ChainLink Token (demo)", "LINK", 18], { id: "LINK" });

  const seeder = m.contract("LocalMarketSeeder", [factory, positionManager, weth]);

  const seed = (
    id: string,
    tokenA: ContractFuture<string>,
    amountA: bigint,
    tokenB: ContractFuture<string>,
    amountB: bigint,
    fee: number,
    wethSide?: "A" | "B",
  ) => {
    const a = m.getParameter(`${id}AmountA`, amountA);
    const b = m.getParameter(`${id}AmountB`, amountB);
    const call = m.call(seeder, "seed", [tokenA, a, tokenB, b, fee, cardinality, owner], {
      id: `seed${id}`,
      value: wethSide === "A" ? a : wethSide === "B" ? b : 0n,
    });
    const address = m.readEventArgument(call, "PoolSeeded", "pool", { id: `read${id}` });
    const pool = m.contractAt("UniswapV3Pool", uniswapPoolArtifact, address, { id: `${id}Pool` });
    // In a later transaction (so a later block): the pool grows to the cardinality asked for, which the
    // oracle requires of a pool before pricing through it.
    m.call(seeder, "grow", [pool], { id: `grow${id}`, value: wethSide === undefined ? 0n : GROW_WEI });
    return pool;
  };

  const usdcWethPool = seed("UsdcWeth", usdc, d.usdcPerWethPool, weth, d.wethPerUsdcPool, LOCAL_MARKET_FEES.usdcWeth, "B");
  const usdcWbtcPool = seed("UsdcWbtc", usdc, d.usdcPerWbtcPool, wbtc, d.wbtcPerUsdcPool, LOCAL_MARKET_FEES.usdcWbtc);
  const usdcLinkPool = seed("UsdcLink", usdc, d.usdcPerLinkPool, link, d.linkPerUsdcPool, LOCAL_MARKET_FEES.usdcLink);
  const wbtcWethPool = seed("WbtcWeth", wbtc, d.wbtcPerWethPool, weth, d.wethPerWbtcPool, LOCAL_MARKET_FEES.wbtcWeth, "B");

  return {
    weth,
    factory,
    router,
    positionManager,
    usdc,
    wbtc,
    link,
    usdcWethPool,
    usdcWbtcPool,
    usdcLinkPool,
    wbtcWethPool,
    seeder,
  };
});
