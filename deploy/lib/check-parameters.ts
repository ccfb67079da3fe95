// Pre-flight for a Ballast parameters file: everything that can be checked before a deployment
// spends gas, read-only, against the network it is meant for. Returns the problems, in words.
import { Contract, getAddress, isAddress, ZeroAddress, type Provider } from "ethers";

/** The parameters' bounds: the vault's risk parameters, the oracle's window, block time and divergence. */
function checkBounds(p: BallastParameters, problems: string[]) {
  const parameters = (p.parameters ?? {}) as Record<string, unknown>;
  for (const [name, [min, max]] of Object.entries(PARAMETER_BOUNDS)) {
    if (parameters[name] === undefined) continue;
    const value = BigInt(parameters[name] as number);
    if (value < min || value > max) problems.push(`parameters.${name} is ${value}, outside its bounds [${min}, ${max}]`);
  }
  const within = (key: string, [min, max]: readonly [number, number]) => {
    if (p[key] === undefined) return;
    const value = Number(p[key]);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${key} is ${String(p[key])}, outside its bounds [${min}, ${max}]`);
  };
  within("twapWindowSeconds", ORACLE_BOUNDS.windowSeconds);
  within("blockTimeSeconds", ORACLE_BOUNDS.blockTimeSeconds);
  within("maxDivergenceBps", ORACLE_BOUNDS.maxDivergenceBps);
}

import { ERC20_ABI } from "./erc20.js";
import { swapRouterArtifact, uniswapFactoryArtifact, uniswapPoolArtifact } from "./uniswap-artifacts.js";
import { decodePath } from "./uniswap-path.js";

const REQUIRED = [
  "asset",
  "router",
  "factory",
  "tokens",
  "targetsBps",
  "swapPaths",
  "oracleTokens",
  "oracleRoutes",
  "oracleMinDepths",
  "proposers",
  "guardian",
  "keeper",
];

export type BallastParameters = Record<string, unknown>;

/** The vault's parameter bounds, as `BasketConfig.parameterBounds` sets them (a test holds the two equal). */
export const PARAMETER_BOUNDS: Record<string, [bigint, bigint]> = {
  driftThresholdBps: [0n, 5_000n],
  minDriftBps: [1n, 5_000n],
  rebalanceIntervalSeconds: [0n, 365n * 86_400n],
  cooldownSeconds: [60n, 7n * 86_400n],
  maxSlippageBps: [1n, 500n],
  maxTradeBps: [10n, 10_000n],
  maxSpotDeviationBps: [10n, 2_000n],
  pauseSeconds: [3_600n, 14n * 86_400n],
  residualDriftBps: [0n, 2_500n],
};

/** The oracle's bounds, as `UniswapV3TwapOracle` sets them. */
export const ORACLE_BOUNDS = { windowSeconds: [600, 86_400], blockTimeSeconds: [1, 60], maxDivergenceBps: [50, 5_000] } as const;

/** Defaults the Ignition module applies when a file leaves these out. */
const DEFAULTS = { twapWindowSeconds: 1800, blockTimeSeconds: 12, maxDivergenceBps: 500, cooldownSeconds: 3600 };

/**
 * The heaviest rebalance `npm run bench` measures: 16 tokens, 12 of them two hops from the base asset,
 * 15 swaps through 27 pools, costs 3,053,475 gas; Chainlink Automation's perform gas limit is 5,000,000.
 */
export const MEASURED_REBALANCE = { pools: 27, gas: 3_053_475, performGasLimit: 5_000_000 } as const;

/** What the keeper's operator should know: the gas a full rebalance may take, and cooldown against window. */
function keeperNotes(p: BallastParameters, paths: string[], window: number, notes?: string[]) {
  const pools = paths.slice(1).reduce((n, path) => n + (path.length - 2 - 40) / 46, 0);
  const m = MEASURED_REBALANCE;
  notes?.push(
    pools <= m.pools
      ? `a rebalance trading every token swaps through ${pools} pools; the heaviest measured (${m.pools} pools) cost ${m.gas.toLocaleString("en-US")} gas, within Chainlink Automation's ${m.performGasLimit.toLocaleString("en-US")} perform limit`
      : `a rebalance trading every token swaps through ${pools} pools, more than the ${m.pools} measured (${m.gas.toLocaleString("en-US")} gas): measure it on a fork before registering an upkeep with a ${m.performGasLimit.toLocaleString("en-US")} gas limit`,
  );
  const cooldown = Number((p.parameters as Record<string, number> | undefined)?.cooldownSeconds ?? DEFAULTS.cooldownSeconds);
  if (cooldown < window) {
    notes?.push(
      `cooldownSeconds (${cooldown}) is shorter than the TWAP window (${window}): a slice can follow one the TWAP has not taken in yet; its minimum outputs are measured from the price that protects the vault, so it is refused (VaultPricesUnsettled) or priced no worse, never sandwiched wider`,
    );
  }
}

/**
 * Checks a Ballast parameters file against the network it is for, read-only. Returns the problems, in
 * words; when there are none and `notes` is given, adds what the operator should know (each route's
 * depth, the slice each pool allows).
 */
export async function checkBallastParameters(provider: Provider, p: BallastParameters, notes?: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const key of REQUIRED) if (p[key] === undefined) problems.push(`${key} is missing`);
  if (problems.length > 0) return problems;
  checkBounds(p, problems);

  /** A checksummed address, or null (and a problem); `zero` says why the zero address is refused, if it is. */
  const address = (value: unknown, what: string, zero: string | null = "needs a real address"): string | null => {
    if (typeof value !== "string" || !isAddress(value)) {
      problems.push(`${what} is not an address: ${JSON.stringify(value)}`);
      return null;
    }
    if (zero !== null && getAddress(value) === ZeroAddress) {
      problems.push(`${what} is the zero address: ${zero}`);
      return null;
    }
    return getAddress(value);
  };
  const asset = address(p.asset, "asset");
  const router = address(p.router, "router");
  const factory = address(p.factory, "factory");
  const tokens = (p.tokens as unknown[]).map((t, i) => address(t, `tokens[${i}]`));
  const targets = p.targetsBps as number[];
  const paths = p.swapPaths as string[];
  const proposers = p.proposers as unknown[];
  if (proposers.length === 0) problems.push("proposers is empty: nobody could propose a change");
  proposers.forEach((a, i) => address(a, `proposers[${i}]`, "a proposer must be an account that can sign"));
  // The zero address as executor lets anyone execute a change once its delay has passed; as keeper,
  // anyone may rebalance. Both are deliberate choices, not mistakes.
  ((p.executors as unknown[] | undefined) ?? []).forEach((a, i) => address(a, `executors[${i}]`, null));
  address(p.guardian, "guardian", "nobody could pause the vault or cancel a change");
  address(p.keeper, "keeper", null);

  if (tokens.length !== targets.length || tokens.length !== paths.length) {
    problems.push(`tokens (${tokens.length}), targetsBps (${targets.length}) and swapPaths (${paths.length}) must have the same length`);
    return problems;
  }
  if (tokens[0] !== asset) problems.push("tokens[0] must be the base asset");
  if (paths[0] !== "0x") problems.push('swapPaths[0] (the base asset\'s) must be "0x"');
  const sum = targets.reduce((a, b) => a + b, 0);
  if (sum !== 10_000) problems.push(`targetsBps sum to ${sum}, not 10000`);
  if (new Set(tokens).size !== tokens.length) problems.push("tokens lists a token twice");
  const oracleTokens = (p.oracleTokens as unknown[]).map((t, i) => address(t, `oracleTokens[${i}]`));
  const oracleRoutes = p.oracleRoutes as string[];
  const minDepths = (p.oracleMinDepths as unknown[]).map(Number);
  if (oracleRoutes.length !== oracleTokens.length || minDepths.length !== oracleTokens.length) {
    problems.push(`oracleTokens (${oracleTokens.length}), oracleRoutes (${oracleRoutes.length}) and oracleMinDepths (${minDepths.length}) must have the same length`);
  }
  minDepths.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0 || d >= 2 ** 32) problems.push(`oracleMinDepths[${i}] must be a whole number of base units from 0 to 2^32 - 1 (what the oracle stores), not ${String((p.oracleMinDepths as unknown[])[i])}`);
  });
  for (const t of tokens.slice(1)) {
    if (t !== null && !oracleTokens.includes(t)) problems.push(`the oracle has no route for ${t}`);
  }
  if (problems.length > 0) return problems;

  // On chain: every contract exists and the routes run through pools that can answer a TWAP.
  const window = Number(p.twapWindowSeconds ?? DEFAULTS.twapWindowSeconds);
  const required = Math.ceil(window / Number(p.blockTimeSeconds ?? DEFAULTS.blockTimeSeconds)) + 1;
  const hasCode = async (a: string, what: string) => {
    if ((await provider.getCode(a)) === "0x") {
      problems.push(`no contract at ${what} ${a} on this network`);
      return false;
    }
    return true;
  };
  if (!(await hasCode(asset!, "asset")) || !(await hasCode(router!, "router")) || !(await hasCode(factory!, "factory"))) return problems;
  const routerFactory = await new Contract(router!, swapRouterArtifact.abi, provider).factory().catch(() => null);
  if (routerFactory === null || getAddress(routerFactory as string) !== factory) {
    problems.push(`the router's factory is ${routerFactory}, not ${factory}`);
    return problems;
  }
  for (const [i, t] of tokens.entries()) {
    if (!(await hasCode(t!, `tokens[${i}]`))) continue;
    const decimals = await new Contract(t!, ERC20_ABI, provider).decimals().catch(() => null);
    if (decimals === null || Number(decimals) > 36) problems.push(`tokens[${i}] ${t} has no readable decimals up to 36`);
  }
  const baseDecimals = Number(await new Contract(asset!, ERC20_ABI, provider).decimals());
  const dollars = (baseUnits: number) => `${(baseUnits / 10 ** baseDecimals).toLocaleString("en-US", { maximumFractionDigits: 0 })}`;
  /** Per pool on a route: [pool, zeroForOne, mean tick and harmonic-mean liquidity over the window]. */
  const checkRoute = async (token: string, path: string, what: string, oracle: { minDepth: number } | null) => {
    let hops;
    try {
      hops = decodePath(path);
    } catch {
      problems.push(`${what} is not a Uniswap V3 path`);
      return;
    }
    if (getAddress(hops.tokens[0]) !== token) problems.push(`${what} starts at ${hops.tokens[0]}, not at its token ${token}`);
    if (getAddress(hops.tokens[hops.tokens.length - 1]) !== asset) problems.push(`${what} does not end at the base asset`);
    const state: { tick: number; liquidity: number; spotTick: number; spotLiquidity: number; zeroForOne: boolean; fee: number; pool: string }[] = [];
    for (let h = 0; h < hops.fees.length; h++) {
      const pool = (await new Contract(factory!, uniswapFactoryArtifact.abi, provider).getPool(hops.tokens[h], hops.tokens[h + 1], hops.fees[h])) as string;
      const hop = `${what} hop ${h + 1} (fee ${hops.fees[h]})`;
      if (pool === ZeroAddress) {
        problems.push(`${hop}: no pool`);
        return;
      }
      const c = new Contract(pool, uniswapPoolArtifact.abi, provider);
      const liquidity = (await c.liquidity()) as bigint;
      if (liquidity === 0n) problems.push(`${hop}: the pool ${pool} has no liquidity in range`);
      const slot0 = await c.slot0();
      if (oracle !== null && Number(slot0[3]) < required) {
        problems.push(
          `${hop}: the pool ${pool} keeps ${slot0[3]} observations, fewer than the ${required} a ${window} s window needs ` +
            `(call increaseObservationCardinalityNext(${required}) on it, let a swap grow it, and wait a window)`,
        );
      }
      let observed;
      try {
        observed = await c.observe([window, 0]);
      } catch {
        problems.push(`${hop}: the pool ${pool} cannot answer a ${window} s TWAP yet (too few observations; raise its cardinality and wait)`);
        return;
      }
      const [ticks, perLiquidity] = observed as [bigint[], bigint[]];
      const delta = ticks[1] - ticks[0];
      const tick = Number(delta / BigInt(window)) - (delta < 0n && delta % BigInt(window) !== 0n ? 1 : 0);
      const spl = (perLiquidity[1] - perLiquidity[0] + 2n ** 160n) % 2n ** 160n;
      const harmonic = spl === 0n ? Number.MAX_VALUE : Number((BigInt(window) << 128n) / spl);
      state.push({ tick, liquidity: harmonic, spotTick: Number(slot0[1]), spotLiquidity: Number(liquidity), zeroForOne: hops.tokens[h].toLowerCase() < hops.tokens[h + 1].toLowerCase(), fee: hops.fees[h], pool });
    }
    // One side's virtual reserve of each pool, in base units along the rest of the route: at the window's
    // averages for the oracle's floor, now for the slice the vault's sizing allows.
    const price = (tick: number, zeroForOne: boolean) => (zeroForOne ? 1.0001 ** tick : 1.0001 ** -tick);
    const depth = (h: number, now: boolean) => {
      const s0 = state[h];
      const [tick, liquidity] = now ? [s0.spotTick, s0.spotLiquidity] : [s0.tick, s0.liquidity];
      let amount = s0.zeroForOne ? liquidity * 1.0001 ** (tick / 2) : liquidity / 1.0001 ** (tick / 2);
      for (let j = h + 1; j < state.length; j++) amount *= price(now ? state[j].spotTick : state[j].tick, state[j].zeroForOne);
      return amount;
    };
    for (let h = 0; h < state.length; h++) {
      const hop = `${what} hop ${h + 1} (fee ${state[h].fee})`;
      if (oracle !== null) {
        const floor = oracle.minDepth * 10 ** baseDecimals;
        if (depth(h, false) < floor) problems.push(`${hop}: the pool ${state[h].pool} held ${dollars(depth(h, false))} of depth over the window, under the route's floor of ${dollars(floor)}`);
        else notes?.push(`${hop}: depth ${dollars(depth(h, false))} over the window (floor ${dollars(floor)})`);
      } else {
        notes?.push(`${hop}: a slice moves it by half its round-trip fee at about ${dollars((depth(h, true) * state[h].fee) / 2e6)} now`);
      }
    }
  };
  for (let i = 1; i < tokens.length; i++) await checkRoute(tokens[i]!, paths[i], `swapPaths[${i}]`, null);
  for (let i = 0; i < oracleTokens.length; i++) await checkRoute(oracleTokens[i]!, oracleRoutes[i], `oracleRoutes[${i}]`, { minDepth: minDepths[i] });
  if (p.feedInit !== undefined) await checkFeeds(provider, p, problems, notes);
  keeperNotes(p, paths, window, notes);
  const cap = p.depositCap === undefined ? null : BigInt(p.depositCap as bigint | string);
  const maxTradeBps = BigInt((p.parameters as Record<string, number> | undefined)?.maxTradeBps ?? 1000);
  if (cap !== null && cap < 2n ** 255n) {
    notes?.push(`MaxTradeBps allows slices of up to ${dollars(Number((cap * maxTradeBps) / 10_000n))} at the deposit cap; the vault cuts each to the least its pools allow (above)`);
  }
  return problems;
}

const FEED_ABI = [
  "function decimals() view returns (uint8)",
  "function description() view returns (string)",
  "function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)",
];
const SYMBOL_ABI = ["function symbol() view returns (string)"];
/** CompositeOracle's bounds on a heartbeat, in seconds. */
export const HEARTBEAT_BOUNDS = [60, 2 * 86_400] as const;

interface FeedSpec {
  token: string;
  feed: string;
  heartbeat: number;
  inEth: boolean;
  twap: boolean;
  primary: number;
}

/**
 * The Chainlink feeds of a BallastWithFeeds deployment (`feedInit`, `sequencerUptimeFeed`): each feed is
 * a contract with readable decimals (at most 36), a positive answer no older than its heartbeat (within
 * CompositeOracle's bounds), and a description that names its token and its unit ("ETH / USD" for WETH,
 * "LINK / ETH" for an ETH-quoted LINK feed); an L2's sequencer feed reads up.
 */
async function checkFeeds(provider: Provider, p: BallastParameters, problems: string[], notes?: string[]) {
  const init = p.feedInit as { ethUsdFeed: string; ethUsdHeartbeat: number; baseFeed: string; baseHeartbeat: number; maxDepegBps: number; feeds: FeedSpec[] };
  const now = (await provider.getBlock("latest"))!.timestamp;
  const symbolOf = async (token: string) => {
    try {
      return String(await new Contract(token, SYMBOL_ABI, provider).symbol());
    } catch {
      return null;
    }
  };
  /** The names a description may give a token: its symbol, and without a wrapper's leading W (WETH is ETH). */
  const namesOf = (symbol: string) => [symbol.toUpperCase(), ...(symbol.length > 3 && /^W/i.test(symbol) ? [symbol.slice(1).toUpperCase()] : [])];
  const check = async (what: string, feed: string, heartbeat: number, names: string[] | null, unit: string) => {
    if (!isAddress(feed)) return problems.push(`${what} is not an address: ${JSON.stringify(feed)}`);
    if ((await provider.getCode(feed)) === "0x") return problems.push(`no contract at ${what} ${feed} on this network`);
    if (!Number.isInteger(heartbeat) || heartbeat < HEARTBEAT_BOUNDS[0] || heartbeat > HEARTBEAT_BOUNDS[1]) {
      problems.push(`${what}'s heartbeat ${heartbeat} s is outside [${HEARTBEAT_BOUNDS[0]}, ${HEARTBEAT_BOUNDS[1]}]`);
    }
    const c = new Contract(feed, FEED_ABI, provider);
    let decimals: number;
    let description: string;
    let round: [bigint, bigint, bigint, bigint, bigint];
    try {
      [decimals, description, round] = await Promise.all([c.decimals().then(Number), c.description() as Promise<string>, c.latestRoundData() as Promise<[bigint, bigint, bigint, bigint, bigint]>]);
    } catch {
      return problems.push(`${what} ${feed} does not answer as a Chainlink feed (decimals, description, latestRoundData)`);
    }
    if (decimals > 36) problems.push(`${what} ${feed} has ${decimals} decimals, more than 36`);
    const [, answer, , updatedAt] = round;
    if (answer <= 0n) problems.push(`${what} ${feed} answers ${answer}, not a price`);
    if (now - Number(updatedAt) > heartbeat) problems.push(`${what} ${feed} last updated ${now - Number(updatedAt)} s ago, longer than its heartbeat of ${heartbeat} s`);
    const [base, quote] = description.split("/").map((x) => x.trim().toUpperCase());
    if (names !== null && (!names.includes(base) || quote !== unit)) {
      problems.push(`${what} ${feed} is "${description}", not a ${names[0]} / ${unit} feed`);
    }
    notes?.push(`${what}: "${description}" = ${Number(answer) / 10 ** decimals}, updated ${now - Number(updatedAt)} s ago (heartbeat ${heartbeat} s)`);
  };
  if (init.ethUsdFeed !== ZeroAddress) await check("feedInit.ethUsdFeed", init.ethUsdFeed, init.ethUsdHeartbeat, ["ETH"], "USD");
  const asset = String(p.asset);
  if (init.baseFeed !== ZeroAddress) await check("feedInit.baseFeed", init.baseFeed, init.baseHeartbeat, namesOf((await symbolOf(asset)) ?? "?"), "USD");
  if (!Number.isInteger(init.maxDepegBps) || init.maxDepegBps < 10 || init.maxDepegBps > 1_000) problems.push(`feedInit.maxDepegBps is ${init.maxDepegBps}, outside [10, 1000]`);
  const tokens = (p.tokens as string[]).map((t) => t.toLowerCase());
  for (const [i, f] of init.feeds.entries()) {
    const what = `feedInit.feeds[${i}]`;
    if (!tokens.includes(String(f.token).toLowerCase())) problems.push(`${what}.token ${f.token} is not in the basket`);
    if (f.inEth && init.ethUsdFeed === ZeroAddress) problems.push(`${what} is quoted in ETH but feedInit.ethUsdFeed is not set`);
    const symbol = await symbolOf(f.token);
    await check(what, f.feed, f.heartbeat, symbol === null ? null : namesOf(symbol), f.inEth ? "ETH" : "USD");
  }
  const sequencer = String(p.sequencerUptimeFeed ?? ZeroAddress);
  if (sequencer !== ZeroAddress) {
    if ((await provider.getCode(sequencer)) === "0x") {
      problems.push(`no contract at sequencerUptimeFeed ${sequencer} on this network`);
    } else {
      const [, status, startedAt] = (await new Contract(sequencer, FEED_ABI, provider).latestRoundData()) as [bigint, bigint, bigint];
      if (status !== 0n) problems.push(`the sequencer uptime feed ${sequencer} reads down`);
      else notes?.push(`the sequencer has been up since ${new Date(Number(startedAt) * 1000).toISOString()}`);
    }
  }
}
