// What every Ballast task shares: the network connection, the vault it acts on, the account that
// signs, amounts typed by people, and the one way a task fails (a line on stderr, exit code 1).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { formatUnits, getAddress, isAddress, parseUnits, ZeroAddress, type Interface } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";

import type { RebalancingVault } from "../../types/ethers-contracts/index.js";
import { customError, netSharePrice, PRICE_DECIMALS, type PricedVault } from "./vault-terms.js";

/** A failure the operator can fix: bad input, wrong network, a missing role. Printed as one line. */
export class OperatorError extends Error {
  override name = "OperatorError";
}

/** Where tasks write: results, the one-line error, and (with --show-stack-traces) its stack. Tests replace these. */
export const out = {
  line: (text: string) => void process.stdout.write(`${text}\n`),
  error: (text: string) => void process.stderr.write(`${text}\n`),
  trace: (text: string) => void process.stderr.write(`${text}\n`),
};

type Result = { success: true; value: unknown } | { success: false; error: Error };

/**
 * Wraps a task body: its return value becomes the task's result; any failure prints one line naming
 * the problem and makes the CLI exit with 1 (Hardhat sets the exit code for a failed result).
 * `--show-stack-traces` (on by default where the CI variable is set) adds the stack after that line.
 */
export function taskAction<A>(body: (args: A, hre: HardhatRuntimeEnvironment) => Promise<unknown>) {
  return async (args: A, hre: HardhatRuntimeEnvironment): Promise<Result> => {
    try {
      return { success: true, value: await body(args, hre) };
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      out.error(`error: ${oneLine(err)}`);
      if (hre.globalOptions.showStackTraces) out.trace(err.stack ?? String(err));
      return { success: false, error: err };
    }
  };
}

function oneLine(error: Error): string {
  if (error instanceof OperatorError) return error.message;
  const e = error as Error & { shortMessage?: string; code?: string };
  const text = (e.shortMessage ?? e.message).split("\n")[0];
  if (e.code === "ECONNREFUSED" || /ECONNREFUSED|ENOTFOUND|fetch failed/.test(e.message)) {
    return `cannot reach the network's RPC endpoint (${text}); check its URL (see docs/operators.md, Deploying)`;
  }
  return text;
}

/** A connection of either chain type the tasks run on (the configured networks are "l1"; `getOrCreate()` types its result "generic"). */
export type Connection = NetworkConnection<"generic"> | NetworkConnection<"l1">;

export async function connect(hre: HardhatRuntimeEnvironment): Promise<Connection> {
  return (await hre.network.getOrCreate()) as Connection;
}

/** The chain id, and a name for it in messages. */
export async function chainOf(connection: Connection) {
  const chainId = (await connection.ethers.provider.getNetwork()).chainId;
  return { chainId, label: `network "${connection.networkName}" (chain ${chainId})` };
}

/** The address Ignition recorded for `futureId` on this chain, if any. */
export function recordedAddress(hre: HardhatRuntimeEnvironment, chainId: bigint, futureId: string): string | undefined {
  const file = path.join(hre.config.paths.ignition, "deployments", `chain-${chainId}`, "deployed_addresses.json");
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, "utf8")) as Record<string, string>)[futureId];
}

/**
 * The vault a task acts on: `--vault`, else the one Ignition deployed on this chain. Fails with one
 * line when there is none, no contract, or a contract that is not a Ballast vault.
 */
export async function resolveVault(hre: HardhatRuntimeEnvironment, connection: Connection, address: string) {
  const { chainId, label } = await chainOf(connection);
  const given = address !== "";
  const vaultAddress = given ? address : recordedAddress(hre, chainId, "Ballast#RebalancingVault");
  if (vaultAddress === undefined) {
    throw new OperatorError(`no --vault given and no Ballast deployment recorded on ${label}: pass --vault <address>`);
  }
  if (!isAddress(vaultAddress)) throw new OperatorError(`--vault "${vaultAddress}" is not an address`);
  if ((await connection.ethers.provider.getCode(vaultAddress)) === "0x") {
    throw new OperatorError(`no contract at ${vaultAddress} on ${label}: check --vault and --network`);
  }
  const vault = await connection.ethers.getContractAt("RebalancingVault", vaultAddress);
  try {
    await Promise.all([vault.KEEPER_ROLE(), vault.parameters()]);
  } catch {
    throw new OperatorError(`${vaultAddress} on ${label} is not a Ballast vault: check --vault and --network`);
  }
  return vault;
}

/**
 * The slippage-protected router the deposit and exit tasks go through: `--router`, else the one Ignition
 * deployed with the vault on this chain.
 */
export async function resolveRouter(hre: HardhatRuntimeEnvironment, connection: Connection, address: string) {
  const { chainId, label } = await chainOf(connection);
  const routerAddress = address !== "" ? address : recordedAddress(hre, chainId, "Ballast#BallastRouter");
  if (routerAddress === undefined) {
    throw new OperatorError(`no --router given and no BallastRouter deployment recorded on ${label}: pass --router <address>`);
  }
  if (!isAddress(routerAddress)) throw new OperatorError(`--router "${routerAddress}" is not an address`);
  if ((await connection.ethers.provider.getCode(routerAddress)) === "0x") {
    throw new OperatorError(`no contract at ${routerAddress} on ${label}: check --router and --network`);
  }
  return connection.ethers.getContractAt("BallastRouter", routerAddress);
}

/** A tolerance in basis points typed by a person (`--slippage-bps 50`): a whole number from 0 to 10,000. */
export function parseBps(value: number, option: string): bigint {
  if (!Number.isInteger(value) || value < 0 || value > 10_000) {
    throw new OperatorError(`${option} must be a whole number of basis points from 0 to 10000, not ${value}`);
  }
  return BigInt(value);
}

/** `amount` less `bps` basis points, rounded down: the least a caller accepts. */
export const lessBps = (amount: bigint, bps: bigint) => (amount * (10_000n - bps)) / 10_000n;

/** `amount` plus `bps` basis points, rounded up: the most a caller pays. */
export const plusBps = (amount: bigint, bps: bigint) => (amount * (10_000n + bps) + 9_999n) / 10_000n;

/** The interfaces whose custom errors a vault call can revert with: the vault's and its oracles' (the TWAP oracle's, and the feeds' composite). */
export async function errorInterfaces(connection: Connection, vault: { interface: Interface; oracle: () => Promise<string> }): Promise<Interface[]> {
  const address = await vault.oracle();
  const twap = await connection.ethers.getContractAt("UniswapV3TwapOracle", address);
  const composite = await connection.ethers.getContractAt("CompositeOracle", address);
  return [vault.interface, twap.interface, composite.interface];
}

/**
 * The oracle the vault prices with: a CompositeOracle (Chainlink feeds beside a TWAP oracle; `composite`
 * set, `twap` the oracle behind it), or the TWAP oracle itself (`composite` null).
 */
export async function vaultOracles(connection: Connection, vault: RebalancingVault) {
  const address = await vault.oracle();
  const candidate = await connection.ethers.getContractAt("CompositeOracle", address);
  // A CompositeOracle is told by its code (its dispatcher pushes the selector of TWAP()), not by a call
  // that reverts on any other oracle: a node logs every reverted call, and an operator reads them as faults.
  const code = await connection.ethers.provider.getCode(address);
  const hasTwap = code.includes(`63${candidate.interface.getFunction("TWAP")!.selector.slice(2)}`);
  const behind = hasTwap ? await candidate.TWAP() : null;
  const composite = behind === null ? null : candidate;
  const twap = await connection.ethers.getContractAt("UniswapV3TwapOracle", behind ?? address);
  return { address, composite, twap };
}

/**
 * One whole unit of each of `tokens` priced by each of the vault's sources, in base units: the TWAP
 * average and the price its pools opened the block at, and the Chainlink feed where the vault's oracle
 * is a CompositeOracle (null otherwise, or for a token without a feed); their spread in basis points,
 * the figure the oracle's divergence bound applies to. A token the oracle cannot price now carries the
 * decoded reason instead.
 */
export async function priceSources(connection: Connection, vault: RebalancingVault, tokens: { token: string; decimals: number }[]) {
  const { composite, twap } = await vaultOracles(connection, vault);
  const interfaces = await errorInterfaces(connection, vault);
  const base = (await vault.asset()).toLowerCase();
  return Promise.all(
    tokens
      .filter((t) => t.token.toLowerCase() !== base)
      .map(async ({ token, decimals }) => {
        const unit = 10n ** BigInt(decimals);
        try {
          if (composite !== null) {
            const [twapAverage, twapOpen, feed, spreadBps] = await composite.sources(token, unit);
            const fed = (await composite.feedOf(token)).feed !== ZeroAddress;
            const twapPriced = twapAverage !== 0n || !fed;
            return { token, twap: twapPriced ? twapAverage : null, open: twapPriced ? twapOpen : null, feed: fed ? feed : null, spreadBps: Number(spreadBps), error: null };
          }
          const [average, low, high] = await twap.quoteDetailed(token, unit);
          const spreadBps = low === 0n ? null : Number(((high - low) * 10_000n) / low);
          return { token, twap: average, open: average === low ? high : low, feed: null, spreadBps, error: null };
        } catch (error) {
          return { token, twap: null, open: null, feed: null, spreadBps: null, error: describeRevert(error, interfaces) };
        }
      }),
  );
}

/** Where governance reads start, for a task's `--from-block`: see `LogScan`. */
export async function logScan(hre: HardhatRuntimeEnvironment, connection: Connection, fromBlock: number) {
  if (!Number.isInteger(fromBlock) || fromBlock < 0) throw new OperatorError(`--from-block must be a block number, not ${fromBlock}`);
  const { chainId } = await chainOf(connection);
  return { fromBlock, timelockHint: recordedAddress(hre, chainId, "Ballast#TimelockController") };
}

/** The account that signs: `--from`, else the network's first configured account. */
export async function resolveSigner(connection: Connection, from: string): Promise<HardhatEthersSigner> {
  const signers = await connection.ethers.getSigners();
  if (signers.length === 0) {
    throw new OperatorError(`network "${connection.networkName}" has no account to sign with: set its key (see docs/operators.md, Deploying)`);
  }
  if (from === "") return signers[0];
  if (!isAddress(from)) {
    const lower = String(from).toLowerCase();
    const checksum = isAddress(lower) ? ` (its mixed-case checksum is wrong: ${getAddress(lower)}?)` : "";
    throw new OperatorError(`--from "${from}" is not an address${checksum}`);
  }
  const signer = signers.find((s) => s.address.toLowerCase() === from.toLowerCase());
  if (signer === undefined) {
    throw new OperatorError(`--from ${from} is not an account configured for network "${connection.networkName}"`);
  }
  return signer;
}

/** Parses a positive decimal amount typed by a person (`--amount 1000.5`) into base units. */
export function parseAmount(text: string, decimals: number, option: string, unit: string): bigint {
  let amount: bigint;
  try {
    amount = parseUnits(text.trim(), decimals);
  } catch {
    throw new OperatorError(`${option} "${text}" is not a decimal amount of ${unit} (at most ${decimals} decimals), e.g. 1000.5`);
  }
  if (amount <= 0n) throw new OperatorError(`${option} must be more than zero ${unit}`);
  return amount;
}

export const fmt = (amount: bigint, decimals: number | bigint, digits = 4) =>
  Number(formatUnits(amount, decimals)).toLocaleString("en-US", { maximumFractionDigits: digits });

/** A revert, named by the custom error it carries (`VaultCooldownActive(1200)`) when one of `interfaces` knows it. */
export function describeRevert(error: unknown, interfaces: Interface[]): string {
  const e = error as { data?: string; revert?: { name: string; args: unknown[] }; shortMessage?: string; message?: string };
  if (e.revert !== undefined && e.revert !== null) return `${e.revert.name}(${e.revert.args.map(String).join(", ")})`;
  const known = typeof e.data === "string" ? customError(e.data, interfaces) : null;
  if (known !== null) return known.text;
  return (e.shortMessage ?? e.message ?? String(error)).split("\n")[0];
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/**
 * What one whole share is worth in the base asset, at the vault's valuation (the oracle's TWAP) net of
 * pending fees (see netSharePrice), as an exact decimal string, and its change in basis points from 1:
 * a share started at exactly one unit of the base asset, so that is its change since deployment.
 * `blockTag` reads it as of a past block (a node that keeps no history for that block returns null).
 */
export async function sharePriceOf(
  vault: RebalancingVault,
  assetDecimals: number,
  blockTag?: number,
): Promise<{ sharePrice: string; sinceDeploymentBps: number; scaled: bigint } | null> {
  const shareDecimals = Number(await vault.decimals());
  let scaled: bigint;
  try {
    scaled = await netSharePrice(vault as unknown as PricedVault, shareDecimals, assetDecimals, blockTag);
  } catch (error) {
    if (blockTag === undefined) throw error;
    return null;
  }
  const unit = 10n ** (BigInt(assetDecimals) + PRICE_DECIMALS);
  return { sharePrice: formatUnits(scaled, BigInt(assetDecimals) + PRICE_DECIMALS), sinceDeploymentBps: changeBps(unit, scaled), scaled };
}

/** The change from `from` to `to` in basis points, to two decimals. */
export function changeBps(from: bigint, to: bigint): number {
  if (from === 0n) return 0;
  return Number(((to - from) * 1_000_000n) / from) / 100;
}

/** A share price for people: eight decimals (a basis point is the fourth). */
export const fmtPrice = (sharePrice: string) => Number(sharePrice).toFixed(8);

/** Basis points with their sign. */
export const fmtBps = (bps: number) => `${bps > 0 ? "+" : ""}${bps.toFixed(2)} bps`;
