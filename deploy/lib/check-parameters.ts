// Pre-flight for a Ballast parameters file: everything that can be checked before a deployment
// spends gas, read-only, against the network it is meant for. Returns the problems, in words.
import { Contract, getAddress, isAddress, ZeroAddress, type Provider } from "ethers";

import { ERC20_ABI } from "./erc20.js";
import { swapRouterArtifact, uniswapFactoryArtifact, uniswapPoolArtifact } from "./uniswap-artifacts.js";
import { decodePath } from "./uniswap-path.js";

const REQUIRED = ["asset", "router", "factory", "tokens", "targetsBps", "swapPaths", "oracleTokens", "oracleRoutes", "proposers", "guardian", "keeper"];

export type BallastParameters = Record<string, unknown>;

export async function checkBallastParameters(provider: Provider, p: BallastParameters): Promise<string[]> {
  const problems: string[] = [];
  for (const key of REQUIRED) if (p[key] === undefined) problems.push(`${key} is missing`);
  if (problems.length > 0) return problems;

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
  for (const t of tokens.slice(1)) {
    if (t !== null && !oracleTokens.includes(t)) problems.push(`the oracle has no route for ${t}`);
  }
  if (problems.length > 0) return problems;

  // On chain: every contract exists and the routes run through pools that can answer a TWAP.
  const window = Number(p.twapWindowSeconds ?? 1800);
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
  const checkRoute = async (token: string, path: string, what: string) => {
    let hops;
    try {
      hops = decodePath(path);
    } catch {
      problems.push(`${what} is not a Uniswap V3 path`);
      return;
    }
    if (getAddress(hops.tokens[0]) !== token) problems.push(`${what} starts at ${hops.tokens[0]}, not at its token ${token}`);
    if (getAddress(hops.tokens[hops.tokens.length - 1]) !== asset) problems.push(`${what} does not end at the base asset`);
    for (let h = 0; h < hops.fees.length; h++) {
      const pool = (await new Contract(factory!, uniswapFactoryArtifact.abi, provider).getPool(hops.tokens[h], hops.tokens[h + 1], hops.fees[h])) as string;
      const hop = `${what} hop ${h + 1} (fee ${hops.fees[h]})`;
      if (pool === ZeroAddress) {
        problems.push(`${hop}: no pool`);
        continue;
      }
      const c = new Contract(pool, uniswapPoolArtifact.abi, provider);
      if ((await c.liquidity()) === 0n) problems.push(`${hop}: the pool ${pool} has no liquidity in range`);
      try {
        await c.observe([window, 0]);
      } catch {
        problems.push(`${hop}: the pool ${pool} cannot answer a ${window} s TWAP yet (too few observations; raise its cardinality and wait)`);
      }
    }
  };
  for (let i = 1; i < tokens.length; i++) await checkRoute(tokens[i]!, paths[i], `swapPaths[${i}]`);
  for (let i = 0; i < oracleTokens.length; i++) await checkRoute(oracleTokens[i]!, oracleRoutes[i], `oracleRoutes[${i}]`);
  return problems;
}
