// Ballast on the genuine local Uniswap V3 market: the one way tests, the benchmark and the demo
// deploy it on the in-process network. Both deployments go through their Ignition modules.
import { readFileSync } from "node:fs";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { MaxUint256 } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import JSON5 from "json5";

import Ballast, { DEFAULT_PARAMETERS } from "../modules/Ballast.js";
import BallastWithFeeds from "../modules/BallastWithFeeds.js";
import LocalMarket, { LOCAL_MARKET_DEFAULTS, LOCAL_MARKET_FEES } from "../modules/LocalMarket.js";
import LocalSafe, { SafeContracts, safeSetupData } from "../modules/LocalSafe.js";
import { weth9Artifact } from "./uniswap-artifacts.js";
import { encodePath } from "./uniswap-path.js";

/** The in-process network's Ballast parameters: deploy/parameters/local.json5. */
const LOCAL = (
  JSON5.parse(readFileSync(new URL("../parameters/local.json5", import.meta.url), "utf8")) as {
    Ballast: {
      name: string;
      symbol: string;
      twapWindowSeconds: number;
      blockTimeSeconds: number;
      maxDivergenceBps: number;
      oracleMinDepth: number;
      targetsBps: number[];
      parameters: typeof DEFAULT_PARAMETERS;
      timelockMinDelaySeconds: number;
    };
  }
).Ballast;

export const LOCAL_TWAP_WINDOW_SECONDS = LOCAL.twapWindowSeconds;
/** The floor on every local route's pool depth, in dollars. */
export const LOCAL_ORACLE_MIN_DEPTH = LOCAL.oracleMinDepth;
export const LOCAL_TIMELOCK_DELAY_SECONDS = LOCAL.timelockMinDelaySeconds;
/** USDC 40%, WETH 30%, WBTC 20%, LINK 10%. */
export const LOCAL_TARGETS_BPS = LOCAL.targetsBps;
export const LOCAL_PARAMETERS = LOCAL.parameters;
/** Price of the extra demo tokens that larger baskets add, in USD. */
export const EXTRA_TOKEN_USD = 50n;

export interface LocalBallastOptions {
  proposers: string[];
  guardian: string;
  keeper: string;
  /** Tokens in the basket, the base asset included: 2 to 16. Past 4, demo tokens with pools are added. */
  basketSize?: number;
  /**
   * Where the added demo tokens trade: in a pool with USDC (one hop, the default), or in a pool with
   * WETH and on through the USDC/WETH pool (two hops, every route sharing that pool, as on mainnet).
   */
  extraTokensVia?: "usdc" | "weth";
  targetsBps?: number[];
  parameters?: typeof DEFAULT_PARAMETERS;
  /** Any other Ballast module parameter. */
  overrides?: Record<string, unknown>;
  /**
   * With feeds beside the TWAP: the BallastWithFeeds module, and its parameters (`feedInit`, ...) made
   * from the local market's token addresses, once they exist.
   */
  feeds?: (tokens: { usdc: string; weth: string; wbtc: string; link: string }) => Promise<Record<string, unknown>>;
}

/** Equal weights over `n` tokens, the remainder on the base asset. */
export function equalTargets(n: number): number[] {
  const each = Math.floor(10_000 / n);
  return [10_000 - each * (n - 1), ...Array<number>(n - 1).fill(each)];
}

export async function deployLocalBallast(connection: NetworkConnection<"l1">, options: LocalBallastOptions) {
  const { ethers, networkHelpers } = connection;
  const basketSize = options.basketSize ?? 4;
  if (basketSize < 2 || basketSize > 16) throw new Error(`a basket holds 2 to 16 tokens, not ${basketSize}`);
  const market = await connection.ignition.deploy(LocalMarket);
  const [usdc, weth, wbtc, link] = await Promise.all(
    [market.usdc, market.weth, market.wbtc, market.link].map((c) => c.getAddress()),
  );
  const tokens = [weth, wbtc, link];
  const fees = [LOCAL_MARKET_FEES.usdcWeth, LOCAL_MARKET_FEES.usdcWbtc, LOCAL_MARKET_FEES.usdcLink];
  const [deployer] = await ethers.getSigners();
  const viaWeth = options.extraTokensVia === "weth";
  const extraPaths: string[] = [];
  if (viaWeth && basketSize > 4) await networkHelpers.setBalance(deployer.address, 10n ** 27n);
  for (let i = 4; i < basketSize; i++) {
    const token = await ethers.deployContract("DemoToken", [`Demo token ${i}`, `TKN${i}`, 18]);
    const address = await token.getAddress();
    const usdSide = 60_000_000n;
    const tokenSide = (usdSide * 10n ** 18n) / EXTRA_TOKEN_USD;
    if (viaWeth) {
      const wethSide = (LOCAL_MARKET_DEFAULTS.wethPerUsdcPool * usdSide * 10n ** 6n) / LOCAL_MARKET_DEFAULTS.usdcPerWethPool;
      await market.seeder.seed(weth, wethSide, address, tokenSide, 3000, 200, deployer.address, { value: wethSide });
      await market.seeder.grow(await market.factory.getPool(weth, address, 3000), { value: 10n ** 15n });
      extraPaths.push(encodePath([address, weth, usdc], [3000, LOCAL_MARKET_FEES.usdcWeth]));
    } else {
      await market.seeder.seed(usdc, usdSide * 10n ** 6n, address, tokenSide, 3000, 200, deployer.address);
      await market.seeder.grow(await market.factory.getPool(usdc, address, 3000));
      extraPaths.push(encodePath([address, usdc], [3000]));
    }
    tokens.push(address);
  }
  // The oracle proves at deployment that every route answers over the window: give the pools that
  // much history first.
  await networkHelpers.time.increase(LOCAL_TWAP_WINDOW_SECONDS + 60);

  const basket = tokens.slice(0, basketSize - 1);
  const paths = [...tokens.slice(0, 3).map((token, i) => encodePath([token, usdc], [fees[i]])), ...extraPaths].slice(0, basketSize - 1);
  const parameters = {
    name: LOCAL.name,
    symbol: LOCAL.symbol,
    asset: usdc,
    router: await market.router.getAddress(),
    factory: await market.factory.getAddress(),
    twapWindowSeconds: LOCAL_TWAP_WINDOW_SECONDS,
    blockTimeSeconds: LOCAL.blockTimeSeconds,
    maxDivergenceBps: LOCAL.maxDivergenceBps,
    tokens: [usdc, ...basket],
    targetsBps: options.targetsBps ?? (basketSize === 4 ? LOCAL_TARGETS_BPS : equalTargets(basketSize)),
    swapPaths: ["0x", ...paths],
    oracleTokens: basket,
    oracleRoutes: paths,
    oracleMinDepths: basket.map(() => LOCAL_ORACLE_MIN_DEPTH),
    parameters: options.parameters ?? LOCAL_PARAMETERS,
    timelockMinDelaySeconds: LOCAL_TIMELOCK_DELAY_SECONDS,
    proposers: options.proposers,
    guardian: options.guardian,
    keeper: options.keeper,
    ...options.overrides,
  };
  if (options.feeds !== undefined) {
    const feedParameters = await options.feeds({ usdc, weth, wbtc, link });
    const ballast = await connection.ignition.deploy(BallastWithFeeds, { parameters: { Ballast: { ...parameters, ...feedParameters } as never } });
    return { ...market, ...ballast, basket: [usdc, ...basket], paths, parameters };
  }
  const ballast = await connection.ignition.deploy(Ballast, { parameters: { Ballast: parameters as never } });
  return { ...market, ...ballast, priceOracle: ballast.oracle, basket: [usdc, ...basket], paths, parameters };
}

/**
 * Gives `who` `amount` of a local-market token (wrapped from its ETH for WETH, minted from the demo
 * token's faucet otherwise) and approves `spender` for all of it.
 */
export async function fundLocal(
  connection: NetworkConnection<"l1">,
  weth: string,
  who: HardhatEthersSigner,
  token: string,
  amount: bigint,
  spender: string,
) {
  const { ethers } = connection;
  if (token === weth) {
    const wrapped = await ethers.getContractAt(weth9Artifact.abi, weth, who);
    await wrapped.deposit({ value: amount });
  } else {
    await (await ethers.getContractAt("DemoToken", token, who)).mint(who.address, amount);
  }
  await (await ethers.getContractAt("DemoToken", token, who)).approve(spender, MaxUint256);
}

/**
 * A Safe of `owners` with `threshold` on the local network, through the Ignition modules in
 * `deploy/modules/LocalSafe.ts`: the genuine Safe 1.4.1 contracts, then one Safe proxy.
 */
export async function deployLocalSafe(connection: NetworkConnection<"l1">, owners: string[], threshold: number, saltNonce = 0) {
  const { handler } = await connection.ignition.deploy(SafeContracts);
  const initializer = safeSetupData(owners, threshold, await handler.getAddress());
  const { safe } = await connection.ignition.deploy(LocalSafe, { parameters: { LocalSafe: { initializer, saltNonce } } });
  return safe;
}
