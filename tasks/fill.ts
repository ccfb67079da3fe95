// `keeper fill`: the filler bot of the vault's Dutch auctions. Each pass opens the auction when a
// rebalance is due and auctions are on (anyone may), then, for every pair the auction offers (a token
// the basket holds over its target for one under), asks whether selling what the vault gives on Uniswap
// V3 would pay what the auction asks plus gas and a margin; it fills through an UniswapAuctionFiller
// (no inventory needed) when a static call of that fill succeeds. One JSON line per event.
import { type Interface, type Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { reversePath } from "../deploy/lib/uniswap-path.js";
import type { RebalanceAuctions, RebalancingVault, UniswapAuctionFiller } from "../types/ethers-contracts/index.js";
import { chainOf, connect, describeRevert, errorInterfaces, OperatorError, recordedAddress, resolveSigner, resolveVault, taskAction, type Connection } from "./lib/context.js";
import { bigintsAsText, costRule, economicsOf, gasInBase, gasLimitFor, keeperLogger, runPasses, valueOutOfPlace, type PassOutcome } from "./keeper.js";
import { CLOSE_REASONS, EXECUTION_MODES, NEXT_BLOCK, PARAMETERS } from "./lib/vault-terms.js";

export interface FillArgs {
  vault: string;
  auctions: string;
  filler: string;
  from: string;
  /** The least profit to fill for, in basis points of what the fill pays, on top of gas. */
  marginBps: number;
  /**
   * Open an auction only when the most it can cost (the floor's discount on the value it restores, and
   * the opening's gas) is at most this many bps of that value; "" or absent: open whenever one is due.
   */
  maxCostBps?: string;
  interval: number;
  maxPasses: number;
  dryRun: boolean;
}

const MAX = 2n ** 256n - 1n;

/** The Uniswap path from `out` to `into` through the base asset, from the vault's own swap paths (token ... base). */
export async function pathBetween(vault: RebalancingVault, base: string, out: string, into: string): Promise<string> {
  const outPath = out === base ? "" : await vault.swapPath(out);
  const inPath = into === base ? "" : reversePath(await vault.swapPath(into));
  if (outPath === "") return inPath;
  if (inPath === "") return outPath;
  // Both pass through the base asset: drop its second copy.
  return outPath + inPath.slice(2 + 40);
}

/** The auction house, acting as `signer`: the bot opens and closes auctions as the account it fills from. */
async function resolveAuctions(hre: HardhatRuntimeEnvironment, connection: Connection, address: string, signer: Signer) {
  const { chainId, label } = await chainOf(connection);
  const at = address !== "" ? address : recordedAddress(hre, chainId, "Ballast#RebalanceAuctions");
  if (at === undefined) throw new OperatorError(`no --auctions given and no RebalanceAuctions deployment recorded on ${label}: pass --auctions <address>`);
  return (await connection.ethers.getContractAt("RebalanceAuctions", at, signer)) as unknown as RebalanceAuctions;
}

/**
 * The opener's cost rule: with `--max-cost-bps`, an auction opens only when the most it can cost the
 * vault, the floor's discount (AuctionMaxDiscountBps) on the value it restores plus the gas of open()
 * (which keeper pay repays), is within the cap of that value. The value restored is the value out of
 * place beyond the return point: what the auction may move. Null without a cap; otherwise the figures,
 * and the reason to skip (null: open).
 */
export async function openingCostRule(connection: Connection, vault: RebalancingVault, openGas: bigint, maxCostBps: string) {
  if (maxCostBps === "") return null;
  const cap = Number(maxCostBps);
  const [, , values] = await vault.holdings(NEXT_BLOCK);
  const [, targets] = await vault.targets();
  const returnBps = await vault.parameter(PARAMETERS.indexOf("ResidualDriftBps"));
  const valueRestored = valueOutOfPlace(values, targets.map(BigInt), returnBps);
  const floorDiscount = (valueRestored * (await vault.parameter(PARAMETERS.indexOf("AuctionMaxDiscountBps")))) / 10_000n;
  const fees = await connection.ethers.provider.getFeeData();
  const gasCost = await gasInBase(connection, vault, openGas * (fees.maxFeePerGas ?? fees.gasPrice ?? 0n), null);
  if (gasCost === null) throw new OperatorError("cannot value the opening's gas in the base asset (the oracle does not price the router's WETH9)");
  const economics = economicsOf({ valueRestored, poolFees: 0n, priceImpact: floorDiscount, gasCost });
  return { reason: costRule(economics, cap), valueRestored, floorDiscount, openGas, gasCost, costBps: economics.costBps };
}

/** One pass: open when due, then every profitable fill. */
export async function fillPass(
  connection: Connection,
  vault: RebalancingVault,
  auctions: RebalanceAuctions,
  filler: UniswapAuctionFiller,
  args: FillArgs,
  log: ReturnType<typeof keeperLogger>,
  errors: Interface[],
): Promise<PassOutcome> {
  const mode = Number(await vault.parameter(PARAMETERS.indexOf("ExecutionMode")));
  if (mode === 0) return { action: "not-due", reason: "the vault trades by slices only (ExecutionMode 0)" };
  let [auction] = await auctions.current(NEXT_BLOCK);
  if (auction.startedAt === 0n) {
    const status = await vault.rebalanceStatus(NEXT_BLOCK);
    if (status.trigger === 0n) return { action: "not-due", reason: `drift ${status.drift} bps; no auction due` };
    let openGas: bigint;
    try {
      await auctions.open.staticCall(NEXT_BLOCK);
      openGas = await auctions.open.estimateGas();
    } catch (error) {
      return { action: "skipped", reason: `open() would revert: ${describeRevert(error, errors)}` };
    }
    const verdict = await openingCostRule(connection, vault, openGas, args.maxCostBps ?? "");
    if (verdict !== null) {
      log.info(bigintsAsText({ event: verdict.reason === null ? "open-cost" : "skip-open", ...verdict }));
      if (verdict.reason !== null) return { action: "skipped", reason: verdict.reason };
    }
    if (args.dryRun) return { action: "skipped", reason: "an auction is due; a dry run opens nothing" };
    const tx = await auctions.open({ gasLimit: await gasLimitFor(vault, openGas) });
    await tx.wait();
    [auction] = await auctions.current();
    log.info(bigintsAsText({ event: "opened", id: auction.id, mode: EXECUTION_MODES[mode], driftBps: status.drift, hash: tx.hash }));
  } else {
    const [closable, reason] = await auctions.closable(NEXT_BLOCK);
    if (closable) {
      if (!args.dryRun) await (await auctions.close()).wait();
      log.info(bigintsAsText({ event: "closed", id: auction.id, reason: CLOSE_REASONS[Number(reason)] }));
      return { action: "skipped", reason: `auction ${auction.id} closed (${CLOSE_REASONS[Number(reason)]})` };
    }
  }

  const [tokens, , values] = await vault.holdings();
  const [, targets] = await vault.targets();
  const nav = values.reduce((a, b) => a + b, 0n);
  const gap = (i: number) => values[i] * 10_000n - BigInt(targets[i]) * nav;
  const sells = tokens.map((_, i) => i).filter((i) => gap(i) > 0n);
  const buys = tokens.map((_, i) => i).filter((i) => gap(i) < 0n);
  const base = tokens[0];
  const feeData = await connection.ethers.provider.getFeeData();
  const gasPrice = feeData.maxFeePerGas ?? feeData.gasPrice ?? 0n;
  const oracle = await connection.ethers.getContractAt("IPriceOracle", await vault.oracle());
  const weth = await vault.WETH9();
  let filled = 0;
  let lastHash = "";
  let gasUsed = 0n;
  for (const o of sells) {
    for (const i of buys) {
      let quote;
      try {
        quote = await auctions.quoteFill(tokens[o], tokens[i], MAX, NEXT_BLOCK);
      } catch (error) {
        log.info({ event: "no-fill", out: tokens[o], in: tokens[i], reason: describeRevert(error, errors) });
        continue;
      }
      const [, paidIn, valueOut, valueIn] = quote;
      const path = await pathBetween(vault, base, tokens[o], tokens[i]);
      // Gas, as the fill would use it now, at the price the next block asks, in the token paid (through
      // the oracle's reference). A fill that cannot pay even without a profit does not estimate: wait.
      let gasEstimate: bigint;
      try {
        gasEstimate = await filler.fill.estimateGas(await auctions.getAddress(), tokens[o], tokens[i], MAX, paidIn, path, 0n);
      } catch (error) {
        log.info(bigintsAsText({ event: "wait", out: tokens[o], in: tokens[i], paidIn, valueOut, valueIn, reason: describeRevert(error, errors) }));
        continue;
      }
      const gasInBase = gasPrice === 0n ? 0n : ((await oracle.quote(weth, gasEstimate * gasPrice).catch(() => 0n)) as bigint);
      const gasInToken = valueIn === 0n ? 0n : (gasInBase * paidIn) / valueIn;
      const minProfit = (paidIn * BigInt(args.marginBps)) / 10_000n + gasInToken;
      try {
        await filler.fill.staticCall(await auctions.getAddress(), tokens[o], tokens[i], MAX, paidIn, path, minProfit, NEXT_BLOCK);
      } catch (error) {
        log.info(bigintsAsText({ event: "wait", out: tokens[o], in: tokens[i], paidIn, valueOut, valueIn, minProfit, reason: describeRevert(error, errors) }));
        continue;
      }
      if (args.dryRun) {
        log.info(bigintsAsText({ event: "would-fill", out: tokens[o], in: tokens[i], paidIn, valueOut, valueIn }));
        continue;
      }
      const tx = await filler.fill(await auctions.getAddress(), tokens[o], tokens[i], MAX, paidIn, path, minProfit);
      const receipt = await tx.wait();
      const event = receipt?.logs.map((l) => { try { return auctions.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "AuctionFilled");
      filled++;
      lastHash = tx.hash;
      gasUsed += receipt?.gasUsed ?? 0n;
      log.info(bigintsAsText({
        event: "filled",
        id: auction.id,
        by: await filler.getAddress(),
        out: tokens[o],
        amountOut: event?.args.amountOut,
        in: tokens[i],
        amountIn: event?.args.amountIn,
        // What the vault took against what it gave, both at the oracle's reference: above 10,000, the vault gained.
        priceBps: event === undefined || event === null || event.args.valueOut === 0n ? null : (event.args.valueIn * 10_000n) / event.args.valueOut,
        gasUsed: receipt?.gasUsed,
        hash: tx.hash,
      }));
    }
  }
  if (filled === 0) return { action: "skipped", reason: "no fill pays for itself now" };
  return { action: "rebalanced", hash: lastHash, gasUsed, trades: filled };
}

/**
 * On a local chain: the filler bot's pass every `stepSeconds` of chain time (the clock moved between
 * passes, `between` run after each move, e.g. the market's arbitrage) until the auction it opened has
 * closed, or `maxSeconds` have passed. The demo and the dashboard's local vault run their auctions so.
 */
export async function fillUntilClosed(
  connection: Connection,
  vault: RebalancingVault,
  auctions: RebalanceAuctions,
  filler: UniswapAuctionFiller,
  args: FillArgs,
  log: ReturnType<typeof keeperLogger>,
  errors: Interface[],
  options: { stepSeconds?: number; maxSeconds?: number; between?: () => Promise<void> } = {},
): Promise<void> {
  const step = options.stepSeconds ?? 300;
  for (let elapsed = 0; elapsed <= (options.maxSeconds ?? 4_200); elapsed += step) {
    await fillPass(connection, vault, auctions, filler, args, log, errors);
    if (elapsed > 0 && (await auctions.current())[0].startedAt === 0n) return;
    await connection.networkHelpers.time.increase(step);
    await options.between?.();
  }
}

export const fill = taskAction(async (args: FillArgs, hre: HardhatRuntimeEnvironment) => {
  if (args.marginBps < 0 || args.marginBps > 10_000) throw new OperatorError(`--margin-bps ${args.marginBps} is not between 0 and 10000`);
  const maxCost = args.maxCostBps ?? "";
  if (maxCost !== "" && !(Number(maxCost) >= 0)) throw new OperatorError(`--max-cost-bps ${maxCost} is not a number of basis points`);
  const connection = await connect(hre);
  const vault = await resolveVault(hre, connection, args.vault);
  const signer = await resolveSigner(connection, args.from);
  const auctions = await resolveAuctions(hre, connection, args.auctions, signer);
  const log = keeperLogger();
  let filler: UniswapAuctionFiller;
  if (args.filler !== "") {
    filler = (await connection.ethers.getContractAt("UniswapAuctionFiller", args.filler, signer)) as unknown as UniswapAuctionFiller;
    if ((await filler.OWNER()) !== signer.address) throw new OperatorError(`${args.filler} is not owned by ${signer.address}: only its owner fills through it`);
  } else {
    filler = (await connection.ethers.deployContract("UniswapAuctionFiller", [await vault.ROUTER(), signer.address], signer)) as unknown as UniswapAuctionFiller;
    await filler.waitForDeployment();
    log.info({ event: "filler-deployed", filler: await filler.getAddress(), owner: signer.address, note: "pass it as --filler next time" });
  }
  const errors = [...(await errorInterfaces(connection, vault)), auctions.interface, filler.interface];
  log.info({ event: "start", vault: await vault.getAddress(), auctions: await auctions.getAddress(), filler: await filler.getAddress(), network: connection.networkName });
  const outcomes = await runPasses(() => fillPass(connection, vault, auctions, filler, args, log, errors), args, log, (e) => describeRevert(e, errors));
  log.info({ event: "stop", passes: outcomes.length });
  return outcomes;
});
