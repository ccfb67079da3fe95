// `vault status`, `vault deposit`, `vault redeem`, `vault redeem-in-kind`.
import Table from "cli-table3";
import { Contract, formatUnits, type ContractTransactionReceipt, type Interface } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { ERC20_ABI } from "../deploy/lib/erc20.js";
import type { BallastRouter, RebalancingVault } from "../types/ethers-contracts/index.js";
import {
  chainOf,
  connect,
  changeBps,
  describeRevert,
  errorInterfaces,
  fmt,
  fmtBps,
  fmtPrice,
  lessBps,
  logScan,
  OperatorError,
  out,
  parseAmount,
  priceSources,
  parseBps,
  resolveRouter,
  resolveSigner,
  resolveVault,
  sharePriceOf,
  taskAction,
  toJson,
  vaultOracles,
  type Connection,
} from "./lib/context.js";
import { depositQuote, inWords, iso, NEXT_BLOCK, PARAMETERS, TRIGGERS } from "./lib/vault-terms.js";
import { basketOf, pendingOperations, timelockOf, type LogScan } from "./lib/governance.js";


/** Everything an operator wants to know about a vault, as plain data. */
export async function vaultStatus(connection: Connection, vault: RebalancingVault, scan: LogScan = { fromBlock: 0 }) {
  const { chainId } = await chainOf(connection);
  const provider = connection.ethers.provider;
  const asset = new Contract(await vault.asset(), ERC20_ABI, provider);
  const [assetSymbol, assetDecimals, shareDecimals, totalSupply, paused, p, now] = await Promise.all([
    asset.symbol() as Promise<string>,
    asset.decimals().then(Number) as Promise<number>,
    vault.decimals().then(Number),
    vault.totalSupply(),
    vault.paused(),
    vault.parameters(),
    provider.getBlock("latest").then((b) => b!.timestamp),
  ]);
  const basket = await basketOf(connection, vault);
  let nav: bigint | null = null;
  let oracleError: string | null = null;
  let holdings;
  try {
    const [, balances, values] = await vault.holdings();
    nav = values.reduce((a, v) => a + v, 0n);
    const weights = await vault.currentWeights();
    holdings = basket.map((b, i) => ({ ...b, balance: balances[i], value: values[i] as bigint | null, weightBps: Number(weights[i]) as number | null }));
  } catch (error) {
    oracleError = describeRevert(error, await errorInterfaces(connection, vault));
    const balances = await Promise.all(basket.map((b) => new Contract(b.token, ERC20_ABI, provider).balanceOf(vault.getAddress()) as Promise<bigint>));
    holdings = basket.map((b, i) => ({ ...b, balance: balances[i], value: null, weightBps: null }));
  }
  const [canExec] = await vault.rebalanceTrigger();
  // The threshold in force: DriftThresholdBps, or that scaled by the basket's volatility when governance
  // turned the scaling on (volatility 0: off, or not measurable, and the static one applies).
  // The return point: where a rebalance would stop now (ResidualDriftBps, or derived from the vault's size,
  // gas and routes while ResidualCeilingBps is set; a rebalance carrying on keeps the one it aimed at).
  const [due, trigger, driftBps, readyAt, effective, volatility, returnPoint] = await vault.rebalanceStatus();
  const ceiling = Number(await vault.parameter(PARAMETERS.indexOf("ResidualCeilingBps")));
  // Drift after a rebalance: at most the return point, or MinDriftBps (holdings within it do not trade).
  const landing = Math.max(Number(returnPoint), Number(p.minDriftBps));
  const threshold = Number(effective);
  const calendarDueAt = p.rebalanceIntervalSeconds === 0n ? null : Number(p.lastRebalanceAt + p.rebalanceIntervalSeconds);
  let reason: string;
  if (oracleError !== null) reason = `the oracle cannot price the basket: ${oracleError}`;
  else if (paused) reason = "paused by the guardian";
  else if (now < Number(readyAt)) reason = `cooling down until ${iso(Number(readyAt))} (${inWords(Number(readyAt) - now)} from now)`;
  else if (due && Number(trigger) === 1) reason = `drift ${driftBps} bps reached the threshold of ${threshold} bps`;
  else if (due && Number(trigger) === 3) {
    // Trigger.Unfinished: a rebalance the caps cut short, carried on while the window after its cooldown lasts.
    reason = `the last rebalance was cut short by its caps and drift ${driftBps} bps stands above its return point of ${landing} bps; it carries on until ${iso(Number(readyAt + p.cooldownSeconds))}`;
  } else if (due) reason = `the calendar interval passed and drift ${driftBps} bps is at least ${p.minDriftBps} bps`;
  else {
    reason = threshold === 0 ? "the threshold trigger is off" : `drift ${driftBps} bps is below the threshold of ${threshold} bps`;
    // A vault that never rebalanced is due by the calendar already (its interval counts from 1970).
    const calendar = calendarDueAt === null ? null : calendarDueAt <= now ? "now" : `at ${iso(calendarDueAt)}`;
    reason += calendar === null ? "; the calendar trigger is off" : `; the calendar trigger is due ${calendar} with drift of at least ${p.minDriftBps} bps`;
  }
  if (due && !canExec) reason += ", but a rebalance would not pass its checks now (see `keeper run --dry-run`)";
  let pending: Awaited<ReturnType<typeof pendingOperations>> = [];
  let governance: { timelock: string; minDelaySeconds: number } | null = null;
  try {
    const timelock = await timelockOf(connection, vault, scan);
    governance = { timelock: await timelock.getAddress(), minDelaySeconds: Number(await timelock.getMinDelay()) };
    pending = await pendingOperations(connection, vault, timelock, scan.fromBlock);
  } catch (error) {
    if (!(error instanceof OperatorError)) throw error;
  }
  const prices = await priceSources(connection, vault, basket);
  const oracleInfo = await oracleOf(connection, vault);
  const price = nav === null ? null : await sharePriceOf(vault, assetDecimals);
  const last = await lastRebalanceOf(vault, scan.fromBlock, assetDecimals);
  const fees = await feesOf(vault, assetDecimals, shareDecimals, now);
  return {
    vault: await vault.getAddress(),
    chainId,
    network: connection.networkName,
    time: now,
    asset: { address: await asset.getAddress(), symbol: assetSymbol, decimals: assetDecimals },
    paused,
    nav,
    oracleError,
    totalSupply,
    shareDecimals,
    /** One share's worth in the base asset, an exact decimal string (null while the oracle cannot price the basket). */
    sharePrice: price?.sharePrice ?? null,
    /** Its change since deployment (a share started at exactly one unit of the base asset), in bps. */
    sharePriceChangeBps: price?.sinceDeploymentBps ?? null,
    lastRebalance:
      last === null
        ? null
        : { ...last, sharePriceChangeSinceBps: price === null || last.sharePriceAfter === null ? null : changeBps(last.sharePriceAfter.scaled, price.scaled), sharePriceAfter: last.sharePriceAfter?.sharePrice ?? null },
    idle: holdings[0].balance,
    holdings,
    /** The oracle the vault prices with, and how far its sources may disagree. */
    oracle: oracleInfo,
    /** One whole unit of each token by each source, in base units, and their spread (see priceSources). */
    prices,
    driftBps: Number(driftBps),
    /** The threshold in force now, and the basket's realised volatility (bps a year) it was scaled by (0: static). */
    effectiveThresholdBps: threshold,
    volatilityBps: Number(volatility),
    /** Where a rebalance would stop now (bps of drift: the return point, or MinDriftBps when larger), and whether the return point is derived (ResidualCeilingBps set) or fixed. */
    returnPointBps: landing,
    returnPointDerived: ceiling !== 0,
    parameters: {
      driftThresholdBps: threshold,
      minDriftBps: Number(p.minDriftBps),
      residualDriftBps: Number(p.residualDriftBps),
      residualCeilingBps: ceiling,
      maxSlippageBps: Number(p.maxSlippageBps),
      maxTradeBps: Number(p.maxTradeBps),
      maxSpotDeviationBps: Number(p.maxSpotDeviationBps),
      rebalanceIntervalSeconds: Number(p.rebalanceIntervalSeconds),
      cooldownSeconds: Number(p.cooldownSeconds),
      lastRebalanceAt: Number(p.lastRebalanceAt),
    },
    /** Fee rates, the shares accrued and not yet minted, the high-water mark; keeper pay and today's use. */
    fees: fees.fees,
    keeperPay: fees.keeperPay,
    rebalance: { due, canExec, trigger: TRIGGERS[Number(trigger)], readyAt: Number(readyAt), reason },
    governance,
    pending,
  };
}

/**
 * The vault's fees: rates, recipient, the shares pending (and what they are worth at the exit price, while
 * the oracle prices), and the high-water mark as a share price (8 decimals); keeper pay and the gas repaid
 * today (UTC).
 */
async function feesOf(vault: RebalancingVault, assetDecimals: number, shareDecimals: number, now: number) {
  const [[f, mark], [management, performance], k] = await Promise.all([vault.fees(), vault.pendingFees(), vault.keeperPay()]);
  const pendingShares = management + performance;
  const pendingValue = pendingShares === 0n ? 0n : await vault.previewRedeem(pendingShares).catch(() => null);
  // The mark is in 1e18ths of a base unit per share unit; as the price of a whole share, 8 decimals.
  const markPrice = fmtPrice(formatUnits((mark * 10n ** BigInt(shareDecimals)) / 10n ** 10n, assetDecimals + 8));
  const today = Math.floor(now / 86_400);
  return {
    fees: {
      recipient: f.recipient,
      managementFeeBps: Number(f.managementFeeBps),
      performanceFeeBps: Number(f.performanceFeeBps),
      lastAccrualAt: Number(f.lastAccrualAt),
      pendingManagementShares: management,
      pendingPerformanceShares: performance,
      /** What the pending shares are worth at the exit price (null while the oracle cannot price). */
      pendingValue,
      highWaterMark: markPrice,
    },
    keeperPay: {
      on: k.baseFeeCapGwei !== 0n,
      baseFeeCapGwei: Number(k.baseFeeCapGwei),
      tipBps: Number(k.tipBps),
      maxGas: Number(k.maxGas),
      maxGasPerDay: Number(k.maxGasPerDay),
      gasPaidToday: Number(k.day) === today ? Number(k.gasPaidToday) : 0,
    },
  };
}

/** Which oracle the vault prices with (the TWAP oracle, or Chainlink feeds beside it) and its divergence bound. */
async function oracleOf(connection: Connection, vault: RebalancingVault) {
  const { address, composite, twap } = await vaultOracles(connection, vault);
  if (composite !== null) return { address, kind: "feeds beside the TWAP" as const, maxDivergenceBps: Number(await composite.maxDivergenceBps()) };
  return { address, kind: "TWAP" as const, maxDivergenceBps: Number(await twap.maxDivergenceBps()) };
}

/** The vault's last rebalance since `fromBlock`: when, NAV across it (its cost at the oracle), and the share price just after it. */
async function lastRebalanceOf(vault: RebalancingVault, fromBlock: number, assetDecimals: number) {
  const events = await vault.queryFilter(vault.filters.Rebalanced(), fromBlock);
  const e = events.at(-1);
  if (e === undefined) return null;
  const block = await e.getBlock();
  return {
    block: e.blockNumber,
    time: block.timestamp,
    hash: e.transactionHash,
    navBefore: e.args.navBefore,
    navAfter: e.args.navAfter,
    navChangeBps: changeBps(e.args.navBefore, e.args.navAfter),
    sharePriceAfter: await sharePriceOf(vault, assetDecimals, e.blockNumber),
  };
}

export type VaultStatus = Awaited<ReturnType<typeof vaultStatus>>;

function printStatus(s: VaultStatus) {
  const d = s.asset.decimals;
  const money = (v: bigint | null) => (v === null ? "n/a" : `${fmt(v, d, 2)} ${s.asset.symbol}`);
  out.line(`Ballast vault ${s.vault} on ${s.network} (chain ${s.chainId})${s.paused ? ", PAUSED" : ""}`);
  const price = s.sharePrice === null ? "n/a" : `${fmtPrice(s.sharePrice)} ${s.asset.symbol} (${fmtBps(s.sharePriceChangeBps!)} since deployment)`;
  out.line(`  NAV ${money(s.nav)}, ${fmt(s.totalSupply, s.shareDecimals, 6)} shares, one share = ${price}; idle ${money(s.idle)}`);
  const last = s.lastRebalance;
  if (last !== null) {
    const since = last.sharePriceChangeSinceBps === null ? "" : `; the share price has moved ${fmtBps(last.sharePriceChangeSinceBps)} since`;
    out.line(`  last rebalance ${iso(last.time)} (block ${last.block}): NAV ${money(last.navBefore)} -> ${money(last.navAfter)} (${fmtBps(last.navChangeBps)})${since}`);
  }
  if (s.oracleError !== null) out.line(`  oracle unavailable: ${s.oracleError} (exits in kind still work)`);
  const table = new Table({ head: ["token", "balance", `value (${s.asset.symbol})`, "weight", "target", "gap"], style: { head: [], border: [] } });
  for (const h of s.holdings) {
    const weight = h.weightBps === null ? "n/a" : `${(h.weightBps / 100).toFixed(2)}%`;
    const gap = h.weightBps === null ? "n/a" : `${((h.weightBps - h.targetBps) / 100).toFixed(2)}%`;
    table.push([h.symbol, fmt(h.balance, h.decimals, 6), money(h.value), weight, `${h.targetBps / 100}%`, gap]);
  }
  out.line(table.toString());
  const unit = (v: bigint | null) => (v === null ? "-" : fmt(v, d, 4));
  const prices = new Table({ head: ["one token", `TWAP (${s.asset.symbol})`, "opened the block at", "Chainlink feed", "spread"], style: { head: [], border: [] } });
  for (const p of s.prices) {
    const symbol = s.holdings.find((h) => h.token === p.token)?.symbol ?? p.token;
    if (p.error !== null) prices.push([symbol, { colSpan: 4, content: `cannot be priced now: ${p.error}` }]);
    else prices.push([symbol, unit(p.twap), unit(p.open), unit(p.feed), p.spreadBps === null ? "-" : `${p.spreadBps} bps`]);
  }
  out.line(`  prices by source (${s.oracle.kind}; entries and base-asset exits stop past a spread of ${s.oracle.maxDivergenceBps} bps):`);
  out.line(prices.toString());
  const scaled = s.volatilityBps === 0 ? "" : `, scaled from ${s.parameters.driftThresholdBps} bps by the basket's volatility of ${s.volatilityBps.toLocaleString("en-US")} bps a year`;
  out.line(`  drift ${s.driftBps} bps (threshold ${s.effectiveThresholdBps} bps${scaled})`);
  const derived = s.returnPointDerived
    ? `, derived from the vault's size, gas and routes between ${Math.max(s.parameters.residualDriftBps, s.parameters.minDriftBps)} and ${s.parameters.residualCeilingBps} bps`
    : "";
  out.line(`  a rebalance stops at ${s.returnPointBps} bps of drift${derived}`);
  out.line(`  rebalance ${s.rebalance.due ? `DUE (${s.rebalance.trigger})` : "not due"}: ${s.rebalance.reason}`);
  const f = s.fees;
  const pct = (bps: number) => `${(bps / 100).toFixed(2)}%`;
  const shares = (v: bigint) => fmt(v, s.shareDecimals, 6);
  out.line(
    f.managementFeeBps === 0 && f.performanceFeeBps === 0
      ? "  fees: none"
      : `  fees: management ${pct(f.managementFeeBps)} a year, performance ${pct(f.performanceFeeBps)} of gains above the mark (a share at ${f.highWaterMark} ${s.asset.symbol}), to ${f.recipient}`,
  );
  if (f.pendingManagementShares + f.pendingPerformanceShares !== 0n) {
    out.line(`    accrued, not yet minted: ${shares(f.pendingManagementShares)} management + ${shares(f.pendingPerformanceShares)} performance shares, worth ${money(f.pendingValue)}`);
  }
  const k = s.keeperPay;
  out.line(
    k.on
      ? `  keeper pay: gas repaid at the base fee up to ${k.baseFeeCapGwei} gwei, plus ${pct(k.tipBps)}; at most ${k.maxGas.toLocaleString("en-US")} gas a rebalance and ${k.maxGasPerDay.toLocaleString("en-US")} a day (${k.gasPaidToday.toLocaleString("en-US")} repaid today)`
      : "  keeper pay: off",
  );
  if (s.governance === null) out.line("  governance: no timelock found");
  else out.line(`  governance: timelock ${s.governance.timelock}, delay ${s.governance.minDelaySeconds} s`);
  if (s.pending.length === 0) out.line("  pending timelock operations: none");
  for (const op of s.pending) out.line(`  pending ${op.id}: ${op.call}, ${op.state === "ready" ? "ready now" : `ETA ${iso(op.eta)}`}`);
}

interface CommonArgs {
  vault: string;
  from: string;
}

/** What the deposit and exit tasks share: the router they go through and the tolerance they accept. */
interface ProtectedArgs extends CommonArgs {
  router: string;
  slippageBps: number;
}

/** Approves `spender` for `amount` of `token` (ERC-20 or vault shares) from `signer`, when the allowance falls short. */
async function ensureAllowance(token: Contract | RebalancingVault, signer: { address: string }, spender: string, amount: bigint) {
  const allowance = (await token.allowance(signer.address, spender)) as bigint;
  if (allowance >= amount) return;
  const receipt = await (await (token.connect(signer as never) as Contract).approve(spender, amount)).wait();
  out.line(`approved ${spender} for ${amount} units of ${await token.getAddress()} (tx ${receipt?.hash})`);
}

/**
 * Calls `to` with `data` from `from` as if `from` had approved `spender` for all of `token`, sending
 * nothing: an `eth_call` whose state override sets the allowance. The allowance's storage slot is found
 * by probing the mapping's slot (`allowance` reads it back), so any ERC-20 whose allowances are a plain
 * mapping works. Null when the node takes no state overrides or the slot is not found.
 */
async function callAsIfApproved(connection: Connection, token: Contract | RebalancingVault, from: string, spender: string, to: string, data: string): Promise<string | null> {
  const { AbiCoder, keccak256, MaxUint256, toBeHex } = connection.ethers;
  const address = await token.getAddress();
  const coder = AbiCoder.defaultAbiCoder();
  const allowanceCall = token.interface.encodeFunctionData("allowance", [from, spender]);
  const all = toBeHex(MaxUint256, 32);
  for (let base = 0; base < 64; base++) {
    const inner = keccak256(coder.encode(["address", "uint256"], [from, base]));
    const slot = keccak256(coder.encode(["address", "bytes32"], [spender, inner]));
    const override = { [address]: { stateDiff: { [slot]: all } } };
    try {
      const read = (await connection.ethers.provider.send("eth_call", [{ to: address, data: allowanceCall }, NEXT_BLOCK.blockTag, override])) as string;
      if (BigInt(read) !== MaxUint256) continue;
      return (await connection.ethers.provider.send("eth_call", [{ from, to, data }, NEXT_BLOCK.blockTag, override])) as string;
    } catch (error) {
      if (base === 0 && !/revert/i.test(String(error))) return null; // the node takes no overrides
      throw error;
    }
  }
  return null;
}

export const status = taskAction(async (args: { vault: string; json: boolean; fromBlock: number }, hre: HardhatRuntimeEnvironment) => {
  const connection = await connect(hre);
  const vault = await resolveVault(hre, connection, args.vault);
  const s = await vaultStatus(connection, vault, await logScan(hre, connection, args.fromBlock));
  if (args.json) out.line(toJson(s));
  else printStatus(s);
  return s;
});

/** Sends `call` after a static call of the same says it succeeds; fails with the decoded revert otherwise. */
async function simulateThenSend<T>(
  interfaces: Interface[],
  what: string,
  simulate: () => Promise<T>,
  send: () => Promise<{ wait: () => Promise<ContractTransactionReceipt | null>; hash: string }>,
) {
  let result: T;
  try {
    result = await simulate();
  } catch (error) {
    throw new OperatorError(`${what} would revert with ${describeRevert(error, interfaces)}; nothing was sent`);
  }
  const tx = await send();
  const receipt = await tx.wait();
  return { result, hash: tx.hash, receipt };
}

export const deposit = taskAction(async (args: ProtectedArgs & { amount: string; receiver: string }, hre: HardhatRuntimeEnvironment) => {
  const connection = await connect(hre);
  const vault = await resolveVault(hre, connection, args.vault);
  const router = await resolveRouter(hre, connection, args.router);
  const slippage = parseBps(args.slippageBps, "--slippage-bps");
  const signer = await resolveSigner(connection, args.from);
  const asset = new Contract(await vault.asset(), ERC20_ABI, signer);
  const [symbol, decimals] = [(await asset.symbol()) as string, Number(await asset.decimals())];
  const assets = parseAmount(args.amount, decimals, "--amount", symbol);
  const receiver = args.receiver === "" ? signer.address : args.receiver;
  const balance = (await asset.balanceOf(signer.address)) as bigint;
  if (balance < assets) throw new OperatorError(`${signer.address} holds ${fmt(balance, decimals)} ${symbol}, less than --amount ${args.amount}`);
  const max = await vault.maxDeposit(receiver, NEXT_BLOCK);
  if (assets > max) {
    throw new OperatorError(max === 0n && (await vault.paused()) ? "the vault is paused: deposits are stopped (in-kind exits still work)" : `the vault accepts at most ${fmt(max, decimals)} ${symbol} now (its deposit cap, or a price it cannot settle: see vault status)`);
  }
  const routerAddress = await router.getAddress();
  await ensureAllowance(asset, signer, routerAddress, assets);
  // The least accepted is quoted at the vault's lowest bounds, not at the price the deposit pays: a premium
  // (a move the average has not caught up with, or a pool pushed across a block boundary) must fit the tolerance.
  const quote = await depositQuote(vault, assets, slippage);
  if (quote.shares < quote.minShares) {
    throw new OperatorError(
      `the vault prices this deposit ${quote.premiumBps} bps above its lowest bounds now (a recent move its average has not caught up with, or a pool pushed): more than --slippage-bps ${slippage} allows; wait for prices to settle (vault status shows them) or pass a larger --slippage-bps`,
    );
  }
  const minShares = quote.minShares;
  const r = router.connect(signer) as BallastRouter;
  const vaultAddress = await vault.getAddress();
  const { result: shares, hash } = await simulateThenSend(
    [vault.interface, router.interface],
    "deposit",
    () => r.deposit.staticCall(vaultAddress, assets, receiver, minShares, NEXT_BLOCK),
    () => r.deposit(vaultAddress, assets, receiver, minShares),
  );
  out.line(`deposited ${fmt(assets, decimals)} ${symbol} for ${fmt(shares, await vault.decimals())} shares to ${receiver}, at least ${fmt(minShares, await vault.decimals())} agreed (tx ${hash})`);
  return { assets, shares, minShares, hash };
});

async function sharesOf(vault: RebalancingVault, owner: string, text: string) {
  const decimals = Number(await vault.decimals());
  const balance = await vault.balanceOf(owner);
  const shares = text === "all" ? balance : parseAmount(text, decimals, "--shares", "shares");
  if (shares === 0n) throw new OperatorError(`${owner} holds no shares`);
  if (shares > balance) throw new OperatorError(`${owner} holds ${fmt(balance, decimals)} shares, fewer than --shares ${text}`);
  return { shares, decimals };
}

interface RedeemArgs extends ProtectedArgs {
  shares: string;
  receiver: string;
  toBase: boolean;
  quote: boolean;
}

export const redeem = taskAction(async (args: RedeemArgs, hre: HardhatRuntimeEnvironment) => {
  const connection = await connect(hre);
  const vault = await resolveVault(hre, connection, args.vault);
  const router = await resolveRouter(hre, connection, args.router);
  const slippage = parseBps(args.slippageBps, "--slippage-bps");
  const signer = await resolveSigner(connection, args.from);
  const { shares, decimals } = await sharesOf(vault, signer.address, args.shares);
  if (args.toBase) return redeemToBase(connection, vault, router, signer, shares, slippage, args);
  if (args.quote) throw new OperatorError("--quote goes with --to-base (a plain redeem's quote is vault status's share price)");
  const max = await vault.maxRedeem(signer.address, NEXT_BLOCK);
  if (shares > max) {
    if (max === 0n && (await vault.paused())) throw new OperatorError("the vault is paused: exits from the idle base are stopped; --to-base and vault redeem-in-kind still work");
    throw new OperatorError(`only ${fmt(max, decimals)} of these shares can leave in the base asset now (what the idle balance covers, or none while a price cannot be settled): redeem fewer, add --to-base, or use vault redeem-in-kind`);
  }
  const receiver = args.receiver === "" ? signer.address : args.receiver;
  const routerAddress = await router.getAddress();
  await ensureAllowance(vault, signer, routerAddress, shares);
  const minAssets = lessBps(await vault.previewRedeem(shares, NEXT_BLOCK), slippage);
  const r = router.connect(signer) as BallastRouter;
  const vaultAddress = await vault.getAddress();
  const { result: assets, hash } = await simulateThenSend(
    [vault.interface, router.interface],
    "redeem",
    () => r.redeem.staticCall(vaultAddress, shares, receiver, minAssets, NEXT_BLOCK),
    () => r.redeem(vaultAddress, shares, receiver, minAssets),
  );
  const asset = new Contract(await vault.asset(), ERC20_ABI, connection.ethers.provider);
  const assetDecimals = Number(await asset.decimals());
  out.line(`redeemed ${fmt(shares, decimals)} shares for ${fmt(assets, assetDecimals)} ${await asset.symbol()} to ${receiver}, at least ${fmt(minAssets, assetDecimals)} agreed (tx ${hash})`);
  return { shares, assets, minAssets, hash };
});

/**
 * `vault redeem --to-base`: quotes the exit (each holding's slice, its value at the oracle's lower
 * reference, what its sale would fetch now, by a static call of the router), prints it with the cost
 * against leaving in kind, and unless `--quote` sends it with a minimum `--slippage-bps` below the quote.
 */
async function redeemToBase(
  connection: Connection,
  vault: RebalancingVault,
  router: BallastRouter,
  signer: Awaited<ReturnType<typeof resolveSigner>>,
  shares: bigint,
  slippage: bigint,
  args: RedeemArgs,
) {
  const receiver = args.receiver === "" ? signer.address : args.receiver;
  const vaultAddress = await vault.getAddress();
  const interfaces = [...(await errorInterfaces(connection, vault)), router.interface];
  const r = router.connect(signer) as BallastRouter;
  let floor: bigint;
  try {
    [, floor] = await router.previewRedeemToBase(vaultAddress, shares, NEXT_BLOCK);
  } catch (error) {
    throw new OperatorError(`the exit cannot be priced now: ${describeRevert(error, interfaces)} (vault redeem-in-kind still works)`);
  }
  // A quote sends nothing: it simulates as if the router were approved. The send approves first (and says so).
  const routerAddress = await router.getAddress();
  let quoted: Awaited<ReturnType<BallastRouter["redeemToBase"]["staticCall"]>>;
  try {
    if (args.quote && (await vault.allowance(signer.address, routerAddress)) < shares) {
      const data = router.interface.encodeFunctionData("redeemToBase", [vaultAddress, shares, receiver, floor]);
      const result = await callAsIfApproved(connection, vault, signer.address, routerAddress, routerAddress, data);
      if (result === null) throw new OperatorError("this node cannot simulate the exit without the router's approval (no eth_call state overrides): approve the router for the shares, or run without --quote");
      quoted = router.interface.decodeFunctionResult("redeemToBase", result) as unknown as typeof quoted;
    } else {
      await ensureAllowance(vault, signer, routerAddress, shares);
      quoted = await r.redeemToBase.staticCall(vaultAddress, shares, receiver, floor, NEXT_BLOCK);
    }
  } catch (error) {
    if (error instanceof OperatorError) throw error;
    throw new OperatorError(`redeem --to-base would revert with ${describeRevert(error, interfaces)}; nothing was sent (vault redeem-in-kind still works)`);
  }
  const [assets, legs] = quoted;
  const basket = await basketOf(connection, vault);
  const asset = basket[0];
  const inKindValue = legs.reduce((a, l) => a + l.value, 0n);
  const cost = inKindValue - assets;
  const table = new Table({ head: ["token", "slice", `worth at the oracle (${asset.symbol})`, `least it may fetch`, `fetches now`, "cost (bps)"], style: { head: [], border: [] } });
  for (const [i, l] of legs.entries()) {
    const legCost = l.value === 0n ? 0 : Number(((l.value - l.amountOut) * 1_000_000n) / l.value) / 100;
    table.push([basket[i].symbol, fmt(l.amount, basket[i].decimals, 6), fmt(l.value, asset.decimals, 2), fmt(l.minOut, asset.decimals, 2), fmt(l.amountOut, asset.decimals, 2), legCost.toFixed(2)]);
  }
  out.line(table.toString());
  const costBps = inKindValue === 0n ? 0 : Number((cost * 1_000_000n) / inKindValue) / 100;
  out.line(`  total ${fmt(assets, asset.decimals, 2)} ${asset.symbol} for ${fmt(shares, await vault.decimals(), 6)} shares; in kind they are worth ${fmt(inKindValue, asset.decimals, 2)} ${asset.symbol} at the oracle: the sales cost ${fmt(cost, asset.decimals, 2)} ${asset.symbol} (${costBps.toFixed(2)} bps)`);
  const tolerated = lessBps(assets, slippage);
  const minAssets = tolerated > floor ? tolerated : floor;
  if (args.quote) return { shares, assets, minAssets, cost, hash: null };
  const { result, hash } = await simulateThenSend(
    interfaces,
    "redeem --to-base",
    () => r.redeemToBase.staticCall(vaultAddress, shares, receiver, minAssets, NEXT_BLOCK),
    () => r.redeemToBase(vaultAddress, shares, receiver, minAssets),
  );
  out.line(`redeemed ${fmt(shares, await vault.decimals())} shares for ${fmt(result[0], asset.decimals)} ${asset.symbol} to ${receiver}, at least ${fmt(minAssets, asset.decimals)} agreed (tx ${hash})`);
  return { shares, assets: result[0], minAssets, cost, hash };
}

export const redeemInKind = taskAction(async (args: ProtectedArgs & { shares: string; receiver: string }, hre: HardhatRuntimeEnvironment) => {
  const connection = await connect(hre);
  const vault = await resolveVault(hre, connection, args.vault);
  const router = await resolveRouter(hre, connection, args.router);
  const slippage = parseBps(args.slippageBps, "--slippage-bps");
  const signer = await resolveSigner(connection, args.from);
  const { shares, decimals } = await sharesOf(vault, signer.address, args.shares);
  const receiver = args.receiver === "" ? signer.address : args.receiver;
  const routerAddress = await router.getAddress();
  await ensureAllowance(vault, signer, routerAddress, shares);
  const v = vault.connect(signer) as RebalancingVault;
  let quoted;
  try {
    quoted = await v.redeemInKind.staticCall(shares, receiver, signer.address, NEXT_BLOCK);
  } catch (error) {
    throw new OperatorError(`redeem-in-kind would revert with ${describeRevert(error, [vault.interface])}; nothing was sent`);
  }
  const minAmounts = quoted.map((a) => lessBps(a, slippage));
  const r = router.connect(signer) as BallastRouter;
  const vaultAddress = await vault.getAddress();
  const { result: amounts, hash, receipt } = await simulateThenSend(
    [vault.interface, router.interface],
    "redeem-in-kind",
    () => r.redeemInKind.staticCall(vaultAddress, shares, receiver, minAmounts, NEXT_BLOCK),
    () => r.redeemInKind(vaultAddress, shares, receiver, minAmounts),
  );
  const basket = await basketOf(connection, vault);
  // A slice the vault could not pay (its token refused the transfer) is held for the receiver to claim.
  const owed = new Set(
    (receipt?.logs ?? [])
      .map((l) => vault.interface.parseLog(l))
      .filter((l) => l?.name === "ClaimOwed")
      .map((l) => (l!.args.token as string).toLowerCase()),
  );
  const parts = basket.map((b, i) => `${fmt(amounts[i], b.decimals, 6)} ${b.symbol}${owed.has(b.token.toLowerCase()) ? " (held for you to claim: the token refused the transfer)" : ""}`);
  out.line(`redeemed ${fmt(shares, decimals)} shares in kind to ${receiver}: ${parts.join(", ")} (tx ${hash})`);
  return { shares, amounts: [...amounts], hash };
});
