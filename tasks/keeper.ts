// `keeper run`: asks the vault whether a rebalance is due and, when it is and pays for itself,
// sends it. Never sends a transaction that a static call says would revert. One JSON line per event.
import { Contract, formatUnits, parseUnits, ZeroAddress, type Block } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { pino, type Logger } from "pino";

import { ERC20_ABI } from "../deploy/lib/erc20.js";
import { swapRouterArtifact } from "../deploy/lib/uniswap-artifacts.js";
import { decodePath } from "../deploy/lib/uniswap-path.js";
import type { RebalancingVault } from "../types/ethers-contracts/index.js";
import {
  changeBps,
  connect,
  describeRevert,
  errorInterfaces,
  OperatorError,
  out,
  priceSources,
  resolveSigner,
  resolveVault,
  sharePriceOf,
  taskAction,
  type Connection,
} from "./lib/context.js";
import { iso, NEXT_BLOCK, TRIGGERS } from "./lib/vault-terms.js";
import { basketOf } from "./lib/governance.js";
import { sleep, withRetry } from "./lib/retry.js";

export interface KeeperArgs {
  vault: string;
  from: string;
  /** Seconds between passes; 0 runs one pass. */
  interval: number;
  /** With --interval: stop after this many passes (0: run until stopped). */
  maxPasses: number;
  dryRun: boolean;
  /** Skip a pass while the base fee is above this (gwei, decimal); "" for no cap. */
  maxBaseFeeGwei: string;
  /** The most priority fee to pay (gwei, decimal); "" to pay what the node suggests. */
  maxPriorityFeeGwei: string;
  /**
   * Skip a rebalance that costs more than this many basis points of the value it restores to target
   * (pool fees, price impact and gas, against the value it moves out of the wrong place); "" for no cap.
   */
  maxCostBps: string;
  /** The native coin's price in base-asset units, used when the oracle cannot price the router's WETH9. */
  nativePrice: string;
  retries: number;
  retryDelayMs: number;
  /**
   * Keep the performance fee's high-water mark at the highs the keeper sees: when the net share price
   * at the exit reference stands this many basis points above the mark, call accrueFees() (anyone may).
   * A high that no call prices is not in the mark, and a fee switched on or raised in the dip after it
   * would charge the rebound at the new rate; "off" leaves the mark to the vault's own calls. Only while
   * the performance fee is off, unless `markWhileCharging`.
   */
  markBps: string;
  /**
   * Follow the highs while the performance fee charges too. Each call then charges the fee at the
   * high, which costs holders more than charging at the vault's own calls (on the demo's ten days, $4,919
   * against $547): for the window in which a raise is pending, not for every day.
   */
  markWhileCharging: boolean;
}

export const KEEPER_DEFAULTS: KeeperArgs = {
  vault: "",
  from: "",
  interval: 0,
  maxPasses: 0,
  dryRun: false,
  maxBaseFeeGwei: "",
  maxPriorityFeeGwei: "",
  maxCostBps: "",
  nativePrice: "",
  retries: 3,
  retryDelayMs: 1000,
  markBps: "25",
  markWhileCharging: false,
};

/** Consecutive failed passes after which a looping keeper gives up (and exits non-zero). */
export const MAX_CONSECUTIVE_FAILURES = 5;

/**
 * The gas the vault's keeper pay must find left to pay (FeeLogic.KEEPER_PAY_GAS). A gas estimate is the
 * lowest limit at which the rebalance succeeds, and at that limit the vault skips the payment: while
 * keeper pay is on, the pass sends this on top of its margin.
 */
export const KEEPER_PAY_GAS = 150_000n;

/** The gas limit a pass sends with: its estimate plus 20%, and KEEPER_PAY_GAS on top while keeper pay is on. */
export async function gasLimitFor(vault: RebalancingVault, estimate: bigint) {
  const paying = (await vault.keeperPay()).baseFeeCapGwei !== 0n;
  return (estimate * 12n) / 10n + (paying ? KEEPER_PAY_GAS : 0n);
}

export type PassOutcome =
  | { action: "not-due"; reason: string; marked?: boolean }
  | { action: "skipped"; reason: string }
  | { action: "dry-run"; gasEstimate: bigint; trades: number }
  | { action: "rebalanced"; hash: string; gasUsed: bigint; trades: number };

/** `amount` of `token` for people: "1.5 WETH" (the address where the basket does not name it). */
function tokens(basket: { token: string; symbol: string; decimals: number }[], token: string, amount: bigint): string {
  const entry = basket.find((b) => b.token.toLowerCase() === token.toLowerCase());
  return entry === undefined ? `${amount} units of ${token}` : `${formatUnits(amount, entry.decimals)} ${entry.symbol}`;
}

export const bigintsAsText = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v]));

export function keeperLogger(): Logger {
  return pino(
    { base: undefined, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    { write: (line: string) => out.line(line.trimEnd()) },
  );
}

export interface KeeperSettings {
  maxBaseFee: bigint | null;
  maxPriorityFee: bigint | null;
  /** See `KeeperArgs.maxCostBps`; null: no cap. */
  maxCostBps: number | null;
  nativePrice: bigint | null;
  /** See `KeeperArgs.markBps`; null: off. */
  markBps: number | null;
  /** See `KeeperArgs.markWhileCharging`. */
  markWhileCharging: boolean;
}

function decimalOption(text: string, decimals: number, option: string, unit: string): bigint | null {
  if (text === "") return null;
  try {
    const value = parseUnits(text.trim(), decimals);
    if (value >= 0n) return value;
  } catch {
    // fall through
  }
  throw new OperatorError(`${option} "${text}" is not a non-negative decimal number of ${unit}`);
}

function checkArgs(args: KeeperArgs) {
  const int = (value: number, option: string, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) throw new OperatorError(`${option} must be a whole number from ${min} to ${max}, not ${value}`);
  };
  int(args.interval, "--interval", 0, 7 * 24 * 3600);
  int(args.maxPasses, "--max-passes", 0, Number.MAX_SAFE_INTEGER);
  int(args.retries, "--retries", 0, 10);
  int(args.retryDelayMs, "--retry-delay-ms", 0, 60_000);
  if (args.markBps !== "off" && !/^\d+$/.test(args.markBps.trim())) throw new OperatorError(`--mark-bps must be a whole number of basis points or "off", not "${args.markBps}"`);
  if (args.maxPasses > 0 && args.interval === 0) throw new OperatorError("--max-passes needs --interval (without it the keeper runs one pass)");
}

/** One keeper pass: check, plan, price, simulate, then (unless a dry run) send. */
export async function keeperPass(
  connection: Connection,
  vault: RebalancingVault,
  signer: Awaited<ReturnType<typeof resolveSigner>>,
  args: KeeperArgs,
  settings: KeeperSettings,
  log: Logger,
): Promise<PassOutcome> {
  const rpc = <T>(what: string, fn: () => Promise<T>) =>
    withRetry(fn, {
      retries: args.retries,
      baseDelayMs: args.retryDelayMs,
      onRetry: (attempt, delayMs, error) => log.warn({ event: "retry", what, attempt, delayMs, error: describeRevert(error, []) }),
    });
  // Every read that decides the pass is of the block the rebalance would land in (see NEXT_BLOCK).
  const [due, trigger, driftBps, readyAt, thresholdBps, volatilityBps, returnPointBps] = await rpc("rebalanceStatus", () => vault.rebalanceStatus(NEXT_BLOCK));
  const assetDecimals = Number(await rpc("decimals", async () => new Contract(await vault.asset(), ERC20_ABI, connection.ethers.provider).decimals()));
  const price = () => sharePriceOf(vault, assetDecimals).catch(() => null);
  const before = await rpc("sharePrice", price);
  const basket = await rpc("basket", () => basketOf(connection, vault));
  const prices = await rpc("prices", () => priceSources(connection, vault, basket));
  log.info(bigintsAsText({
    event: "check",
    due,
    trigger: TRIGGERS[Number(trigger)],
    driftBps,
    // The threshold in force (scaled by volatility when governance turned that on; volatility 0: static).
    thresholdBps,
    volatilityBps,
    // Where the rebalance stops (derived from the vault's size, gas and routes while ResidualCeilingBps is set).
    returnPointBps,
    readyAt,
    // The same, for people: null when no cooldown runs.
    coolingDownUntil: readyAt > BigInt(Math.floor(Date.now() / 1000)) ? iso(Number(readyAt)) : null,
    sharePrice: before?.sharePrice ?? null,
    sharePriceChangeBps: before?.sinceDeploymentBps ?? null,
    // Each token's price by each source, and their spread: what the oracle's divergence bound reads.
    prices: prices.map((p) => bigintsAsText({ symbol: basket.find((b) => b.token === p.token)?.symbol ?? p.token, ...p })),
  }));
  const marked = await rpc("mark", () => followMark(vault, signer, settings, args.dryRun, log));
  if (!due) return { action: "not-due", reason: `drift ${driftBps} bps; not due`, marked };

  const keeperRole = await rpc("role", () => vault.KEEPER_ROLE());
  const [mine, open] = await rpc("role", () => Promise.all([vault.hasRole(keeperRole, signer.address), vault.hasRole(keeperRole, ZeroAddress)]));
  if (!mine && !open) {
    throw new OperatorError(`${signer.address} does not hold the vault's keeper role: run with the keeper's account (--from) or have governance grant it`);
  }

  const asKeeper = vault.connect(signer) as RebalancingVault;
  const errors = await errorInterfaces(connection, vault);
  const skip = (reason: string, extra: Record<string, unknown> = {}): PassOutcome => {
    log.info(bigintsAsText({ event: "skip", reason, ...extra }));
    return { action: "skipped", reason };
  };
  // The rule that matters most: simulate first, and never send what would revert.
  let trades;
  try {
    trades = await rpc("simulate", () => asKeeper.rebalance.staticCall(NEXT_BLOCK));
  } catch (error) {
    return skip(`a static call of rebalance() reverts: ${describeRevert(error, errors)}`);
  }
  const gasEstimate = await rpc("estimateGas", async () =>
    connection.ethers.provider.estimateGas({ ...(await asKeeper.rebalance.populateTransaction()), from: signer.address, ...NEXT_BLOCK }),
  );

  const block = (await rpc("block", () => connection.ethers.provider.getBlock("latest"))) as Block;
  const baseFee = block.baseFeePerGas ?? 0n;
  if (settings.maxBaseFee !== null && baseFee > settings.maxBaseFee) {
    return skip(`base fee ${formatUnits(baseFee, "gwei")} gwei is above --max-base-fee-gwei`, { baseFee });
  }
  const suggested = (await rpc("fees", () => connection.ethers.provider.getFeeData())).maxPriorityFeePerGas ?? 0n;
  const priorityFee = settings.maxPriorityFee !== null && suggested > settings.maxPriorityFee ? settings.maxPriorityFee : suggested;
  const maxFeePerGas = (settings.maxBaseFee ?? 2n * baseFee) + priorityFee;

  const gasWei = gasEstimate * (baseFee + priorityFee);
  const gasCost = await gasInBase(connection, vault, gasWei, settings.nativePrice);
  if (gasCost === null && settings.maxCostBps !== null) {
    throw new OperatorError("cannot value gas in the base asset (the oracle does not price the router's WETH9): pass --native-price");
  }
  const economics = await rebalanceEconomics(connection, vault, trades, gasCost);
  const plan = bigintsAsText({ trades: trades.length, gasEstimate, baseFee, priorityFee, ...economicsForLog(economics) });
  const verdict = costRule(economics, settings.maxCostBps);
  if (verdict !== null) return skip(verdict, plan);
  if (args.dryRun) {
    log.info({
      event: "dry-run",
      ...plan,
      planned: trades.map((t) => ({
        ...bigintsAsText({ tokenIn: t.tokenIn, tokenOut: t.tokenOut, amountIn: t.amountIn, minAmountOut: t.minAmountOut, value: t.value }),
        // The same, for people: amounts in tokens, named.
        sell: tokens(basket, t.tokenIn, t.amountIn),
        forAtLeast: tokens(basket, t.tokenOut, t.minAmountOut),
        worth: tokens(basket, basket[0].token, t.value),
      })),
    });
    return { action: "dry-run", gasEstimate, trades: trades.length };
  }

  // Sent once: a retry after a send could pay twice for one rebalance.
  const gasLimit = await rpc("keeperPay", () => gasLimitFor(vault, gasEstimate));
  const tx = await asKeeper.rebalance({ gasLimit, maxFeePerGas, maxPriorityFeePerGas: priorityFee });
  log.info({ event: "sent", hash: tx.hash, ...plan });
  const receipt = await rpc("receipt", () => tx.wait(1, 10 * 60_000).catch((error: unknown) => {
    if ((error as { code?: string }).code === "CALL_EXCEPTION") throw new Error(`rebalance ${tx.hash} reverted on chain`);
    throw error;
  }));
  if (receipt === null || receipt.status !== 1) throw new Error(`rebalance ${tx.hash} reverted on chain`);
  const logs = receipt.logs.map((l) => vault.interface.parseLog(l));
  const done = logs.find((l) => l?.name === "Rebalanced");
  const paid = logs.find((l) => l?.name === "KeeperPaid");
  const after = await price();
  log.info(bigintsAsText({
    event: "rebalanced",
    hash: tx.hash,
    gasUsed: receipt.gasUsed,
    trades: trades.length,
    driftBeforeBps: done?.args.driftBeforeBps,
    driftAfterBps: done?.args.driftAfterBps,
    navBefore: done?.args.navBefore,
    navAfter: done?.args.navAfter,
    navChangeBps: done === undefined || done === null ? null : changeBps(done.args.navBefore, done.args.navAfter),
    // The same, for people: NAV in the base asset, and each trade in named token amounts.
    nav: done === undefined || done === null ? null : `${tokens(basket, basket[0].token, done.args.navBefore)} -> ${tokens(basket, basket[0].token, done.args.navAfter)}`,
    swaps: logs.filter((l) => l?.name === "RebalanceTrade").map((l) => `${tokens(basket, l!.args.tokenIn, l!.args.amountIn)} for ${tokens(basket, l!.args.tokenOut, l!.args.amountOut)}`),
    sharePrice: after?.sharePrice ?? null,
    sharePriceChangeBps: after === null || before === null ? null : changeBps(before.scaled, after.scaled),
    // Keeper pay (when governance turned it on): the gas repaid, at what base fee, and the amount in base units.
    keeperPaid: paid === undefined || paid === null ? null : { gas: paid.args.gasPaid, baseFee: paid.args.baseFee, amount: paid.args.amount },
  }));
  return { action: "rebalanced", hash: tx.hash, gasUsed: receipt.gasUsed, trades: trades.length };
}

/** The share unit the mark is priced per: the mark is in 1e18ths of a base unit per share unit. */
const MARK_SHARES = 10n ** 18n;

/**
 * Raises the performance fee's high-water mark to the price the keeper sees when it stands `markBps` or
 * more above it, by calling accrueFees() (which anyone may call). The vault samples its mark only at
 * calls it prices: a high no call priced would let a fee switched on or raised in the dip after it
 * charge the rebound at the new rate. Following the highs bounds that to `markBps` of gain. While the
 * performance fee is off this costs holders nothing; while it charges, each call charges it at the
 * high, so it runs then only with `markWhileCharging`. Returns whether it sent (or, dry, would send).
 */
export async function followMark(
  vault: RebalancingVault,
  signer: Awaited<ReturnType<typeof resolveSigner>>,
  settings: Pick<KeeperSettings, "markBps" | "markWhileCharging">,
  dryRun: boolean,
  log: Logger,
): Promise<boolean> {
  const { markBps } = settings;
  if (markBps === null) return false;
  const [fees, mark] = await vault.fees();
  if (fees.performanceFeeBps !== 0n && !settings.markWhileCharging) return false;
  // The net share price at the exit reference, fees pending deducted: what the mark would become.
  let price: bigint;
  try {
    price = await vault.previewRedeem(MARK_SHARES, NEXT_BLOCK);
  } catch {
    return false; // the oracle cannot price: the vault could not raise the mark either
  }
  if (price * 10_000n < mark * BigInt(10_000 + Math.round(markBps))) return false;
  const lagBps = changeBps(mark, price);
  const asSigner = vault.connect(signer) as RebalancingVault;
  try {
    await asSigner.accrueFees.staticCall(NEXT_BLOCK);
  } catch {
    return false;
  }
  if (dryRun) {
    log.info({ event: "mark-due", mark: mark.toString(), price: price.toString(), lagBps });
    return true;
  }
  const receipt = await (await asSigner.accrueFees()).wait();
  const [, after] = await vault.fees();
  log.info({ event: "marked", hash: receipt?.hash, gasUsed: receipt?.gasUsed.toString(), markBefore: mark.toString(), markAfter: after.toString(), lagBps });
  return true;
}

/**
 * What a rebalance restores and what it costs, in the base asset, all at the oracle's TWAP (the price
 * the vault values itself at):
 * - valueRestored: how much less value sits away from its target after the trades than before, the
 *   value out of place being half the sum over tokens of |value - target × NAV|. A sale into the base
 *   asset and the purchase it pays for restore the same dollars once, not twice.
 * - poolFees: each swap's value times its path's fees.
 * - priceImpact: what the swaps lost beyond their fees: value in, less fees, less the value that came
 *   out (negative when the pools paid better than the TWAP).
 * - gasCost: the estimate times the fees per gas (null when it cannot be valued).
 */
export interface RebalanceEconomics {
  valueRestored: bigint;
  poolFees: bigint;
  priceImpact: bigint;
  gasCost: bigint | null;
  /** poolFees + priceImpact + gasCost. */
  cost: bigint;
  /** cost in basis points of valueRestored (null when nothing is restored). */
  costBps: number | null;
}

/**
 * The value out of place: half the sum of |value - target share of NAV|, over every token. With
 * `returnBps`, only what lies beyond the return point (each gap less that share of NAV): what a
 * rebalance or an auction to the return point may move.
 */
export function valueOutOfPlace(values: readonly bigint[], targetsBps: readonly bigint[], returnBps = 0n): bigint {
  const nav = values.reduce((a, v) => a + v, 0n);
  const allowed = (nav * returnBps) / 10_000n;
  let sum = 0n;
  for (const [i, v] of values.entries()) {
    const gap = v - (nav * targetsBps[i]) / 10_000n;
    const size = gap < 0n ? -gap : gap;
    if (size > allowed) sum += size - allowed;
  }
  return sum / 2n;
}

/** Combines the parts of a rebalance's economics (see `RebalanceEconomics`). */
export function economicsOf(parts: { valueRestored: bigint; poolFees: bigint; priceImpact: bigint; gasCost: bigint | null }): RebalanceEconomics {
  const cost = parts.poolFees + parts.priceImpact + (parts.gasCost ?? 0n);
  const costBps = parts.valueRestored > 0n ? Number((cost * 1_000_000n) / parts.valueRestored) / 100 : null;
  return { ...parts, cost, costBps };
}

/**
 * The keeper's rule: with a cap, skip a rebalance that restores nothing, or whose cost is above
 * `maxCostBps` of what it restores. The cap is what an operator deems a dollar put back on target
 * worth; the simulator's cost-aware policy applies the same rule. Returns the reason to skip, or null.
 */
export function costRule(e: RebalanceEconomics, maxCostBps: number | null): string | null {
  if (maxCostBps === null) return null;
  if (e.costBps === null) return "the rebalance would restore no value to target";
  // In hundredths of a basis point, exactly: cost / valueRestored > cap / 10,000.
  if (e.cost * 1_000_000n > BigInt(Math.round(maxCostBps * 100)) * e.valueRestored) {
    return `cost ${e.costBps} bps of the value restored is above --max-cost-bps ${maxCostBps}`;
  }
  return null;
}

const economicsForLog = (e: RebalanceEconomics) => ({ ...e, gasCost: e.gasCost ?? "unknown" });

type PlannedTrades = Awaited<ReturnType<RebalancingVault["rebalance"]["staticCall"]>>;

async function rebalanceEconomics(connection: Connection, vault: RebalancingVault, trades: PlannedTrades, gasCost: bigint | null): Promise<RebalanceEconomics> {
  const oracle = await connection.ethers.getContractAt("IPriceOracle", await vault.oracle());
  const asset = (await vault.asset()).toLowerCase();
  const valueOf = async (token: string, amount: bigint) => (token.toLowerCase() === asset || amount === 0n ? amount : await oracle.quote(token, amount));
  const [[tokens, balances], [, targets]] = await Promise.all([vault.holdings(), vault.targets()]);
  const after = new Map(tokens.map((t, i) => [t.toLowerCase(), balances[i]]));
  let poolFees = 0n;
  let priceImpact = 0n;
  for (const t of trades) {
    const valueIn = await valueOf(t.tokenIn, t.amountIn);
    const keep = decodePath(t.path).fees.reduce((k, fee) => (k * BigInt(1_000_000 - fee)) / 1_000_000n, 10n ** 18n);
    const fee = (valueIn * (10n ** 18n - keep)) / 10n ** 18n;
    poolFees += fee;
    priceImpact += valueIn - fee - (await valueOf(t.tokenOut, t.amountOut));
    after.set(t.tokenIn.toLowerCase(), after.get(t.tokenIn.toLowerCase())! - t.amountIn);
    after.set(t.tokenOut.toLowerCase(), after.get(t.tokenOut.toLowerCase())! + t.amountOut);
  }
  const before = await Promise.all(tokens.map((t, i) => valueOf(t, balances[i])));
  const afterValues = await Promise.all(tokens.map((t) => valueOf(t, after.get(t.toLowerCase())!)));
  const valueRestored = valueOutOfPlace(before, targets) - valueOutOfPlace(afterValues, targets);
  return economicsOf({ valueRestored, poolFees, priceImpact, gasCost });
}

/** `wei` of the native coin in the base asset: at `nativePrice` when given, else through the oracle's price of the router's WETH9 (null: it has none). */
export async function gasInBase(connection: Connection, vault: RebalancingVault, wei: bigint, nativePrice: bigint | null): Promise<bigint | null> {
  if (nativePrice !== null) return (wei * nativePrice) / 10n ** 18n;
  try {
    const router = new Contract(await vault.ROUTER(), swapRouterArtifact.abi, connection.ethers.provider);
    const oracle = await connection.ethers.getContractAt("IPriceOracle", await vault.oracle());
    return await oracle.quote((await router.WETH9()) as string, wei);
  } catch {
    return null;
  }
}

/**
 * Runs `pass` once, or every `--interval` seconds until `--max-passes` or a signal. In a loop, a failed
 * pass is logged and the next one tried; a fault of the operator's (OperatorError), or
 * MAX_CONSECUTIVE_FAILURES failed passes in a row, stops it with an error. A single pass fails as it fails.
 */
export async function runPasses(
  pass: () => Promise<PassOutcome>,
  args: Pick<KeeperArgs, "interval" | "maxPasses">,
  log: Logger,
  describe: (error: unknown) => string,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<PassOutcome[]> {
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const outcomes: PassOutcome[] = [];
  let failures = 0;
  try {
    for (let n = 1; !stop; n++) {
      try {
        outcomes.push(await pass());
        failures = 0;
      } catch (error) {
        if (error instanceof OperatorError || args.interval === 0) throw error;
        failures++;
        log.error({ event: "pass-failed", pass: n, failures, error: describe(error) });
        if (failures >= MAX_CONSECUTIVE_FAILURES) throw new OperatorError(`${failures} passes failed in a row; stopping`);
      }
      if (args.interval === 0 || (args.maxPasses > 0 && n >= args.maxPasses)) break;
      await wait(args.interval * 1000);
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return outcomes;
}

export const run = taskAction(async (args: KeeperArgs, hre: HardhatRuntimeEnvironment) => {
  checkArgs(args);
  const connection = await connect(hre);
  const vault = await resolveVault(hre, connection, args.vault);
  const signer = await resolveSigner(connection, args.from);
  const asset = new Contract(await vault.asset(), ERC20_ABI, connection.ethers.provider);
  const assetDecimals = Number(await asset.decimals());
  const settings: KeeperSettings = {
    maxBaseFee: decimalOption(args.maxBaseFeeGwei, 9, "--max-base-fee-gwei", "gwei"),
    maxPriorityFee: decimalOption(args.maxPriorityFeeGwei, 9, "--max-priority-fee-gwei", "gwei"),
    maxCostBps: args.maxCostBps === "" ? null : Number(decimalOption(args.maxCostBps, 2, "--max-cost-bps", "basis points")) / 100,
    nativePrice: decimalOption(args.nativePrice, assetDecimals, "--native-price", "the base asset"),
    markBps: args.markBps === "off" ? null : Number(args.markBps),
    markWhileCharging: args.markWhileCharging,
  };
  const log = keeperLogger();
  log.info({ event: "start", vault: await vault.getAddress(), keeper: signer.address, network: connection.networkName, interval: args.interval, dryRun: args.dryRun });

  const outcomes = await runPasses(
    () => keeperPass(connection, vault, signer, args, settings, log),
    args,
    log,
    (error) => describeRevert(error, [vault.interface]),
  );
  log.info({ event: "stop", passes: outcomes.length });
  return outcomes;
});
