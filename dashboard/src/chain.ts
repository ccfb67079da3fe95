// Everything the page reads from the chain, with ethers on any provider: the vault's state, its history
// from its own events, and what governance has pending on its timelock.
import { Contract, id, Interface, ZeroAddress, type Provider } from "ethers";
import { ABIS } from "virtual:ballast-abis";

import { CLOSE_REASONS, customError, describeVaultCall, EXECUTION_MODES, netSharePrice, PARAMETERS, PRICE_DECIMALS, TRIGGERS, type PricedVault } from "../../tasks/lib/vault-terms.js";

export { PRICE_DECIMALS };
export const vaultInterface = new Interface(ABIS.vault);
export const routerInterface = new Interface(ABIS.router);

export interface Token {
  address: string;
  symbol: string;
  decimals: number;
}

export interface Holding extends Token {
  balance: bigint;
  value: bigint | null;
  weightBps: number | null;
  targetBps: number;
}

async function tokenOf(provider: Provider, address: string): Promise<Token> {
  const erc20 = new Contract(address, ABIS.erc20, provider);
  const [symbol, decimals] = await Promise.all([erc20.symbol().catch(() => address.slice(0, 8)), erc20.decimals()]);
  return { address, symbol: String(symbol), decimals: Number(decimals) };
}

/** netSharePrice, or null while the oracle cannot price the basket (or the node has no state for `blockTag`). */
export async function sharePriceAt(vault: Contract, shareDecimals: number, assetDecimals: number, blockTag?: number): Promise<bigint | null> {
  return netSharePrice(vault as unknown as PricedVault, shareDecimals, assetDecimals, blockTag).catch(() => null);
}

/** The vault now: its figures, holdings against targets, the rebalance trigger, fees and parameters. */
export async function readVault(provider: Provider, address: string) {
  const vault = new Contract(address, ABIS.vault, provider);
  const [name, symbol, shareDecimals, assetAddress, totalSupply, paused, pausedUntil, p, [tokens, targets]] = await Promise.all([
    vault.name(),
    vault.symbol(),
    vault.decimals().then(Number),
    vault.asset(),
    vault.totalSupply(),
    vault.paused(),
    vault.pausedUntil(),
    vault.parameters(),
    vault.targets(),
  ]);
  const basket = await Promise.all((tokens as string[]).map((t) => tokenOf(provider, t)));
  const asset = basket[0];
  let nav: bigint | null = null;
  let oracleError: string | null = null;
  let holdings: Holding[];
  try {
    const [[, balances, values], weights] = (await Promise.all([vault.holdings(), vault.currentWeights()])) as [[string[], bigint[], bigint[]], bigint[]];
    nav = values.reduce((a, v) => a + v, 0n);
    holdings = basket.map((b, i) => ({ ...b, balance: balances[i], value: values[i], weightBps: Number(weights[i]), targetBps: Number(targets[i]) }));
  } catch (error) {
    oracleError = describeError(error);
    const balances = await Promise.all(basket.map((b) => new Contract(b.address, ABIS.erc20, provider).balanceOf(address) as Promise<bigint>));
    holdings = basket.map((b, i) => ({ ...b, balance: balances[i], value: null, weightBps: null, targetBps: Number(targets[i]) }));
  }
  const [[due, trigger, driftBps, readyAt, thresholdBps, volatilityBps], [fees, highWaterMark], [pendingManagement, pendingPerformance], keeperPay, sharePrice, block] = await Promise.all([
    vault.rebalanceStatus(),
    vault.fees(),
    vault.pendingFees(),
    vault.keeperPay(),
    sharePriceAt(vault, shareDecimals, asset.decimals),
    provider.getBlock("latest"),
  ]);
  const [bounds, values] = await Promise.all([
    Promise.all(PARAMETERS.map((_, i) => vault.parameterBounds(i) as Promise<[bigint, bigint]>)),
    Promise.all(PARAMETERS.map((_, i) => vault.parameter(i) as Promise<bigint>)),
  ]);
  return {
    address,
    name: String(name),
    symbol: String(symbol),
    shareDecimals,
    asset: { ...asset, address: String(assetAddress) },
    totalSupply: totalSupply as bigint,
    nav,
    oracleError,
    sharePrice,
    idle: holdings[0].balance,
    holdings,
    paused: Boolean(paused),
    pausedUntil: Number(pausedUntil),
    rebalance: {
      due: Boolean(due),
      trigger: TRIGGERS[Number(trigger)],
      driftBps: Number(driftBps),
      thresholdBps: Number(thresholdBps),
      staticThresholdBps: Number(p.driftThresholdBps),
      volatilityBps: Number(volatilityBps),
      readyAt: Number(readyAt),
      lastRebalanceAt: Number(p.lastRebalanceAt),
    },
    fees: {
      recipient: String(fees.recipient),
      managementFeeBps: Number(fees.managementFeeBps),
      performanceFeeBps: Number(fees.performanceFeeBps),
      highWaterMark: highWaterMark as bigint,
      pendingShares: (pendingManagement as bigint) + (pendingPerformance as bigint),
    },
    keeperPay: { on: keeperPay.baseFeeCapGwei !== 0n, baseFeeCapGwei: Number(keeperPay.baseFeeCapGwei), tipBps: Number(keeperPay.tipBps) },
    parameters: PARAMETERS.map((name, i) => ({ name, value: values[i], min: bounds[i][0], max: bounds[i][1] })),
    time: block!.timestamp,
    blockNumber: block!.number,
  };
}

export type VaultView = Awaited<ReturnType<typeof readVault>>;

/** The share price and NAV at each block where the vault's events changed them, and now (at most `limit` points). */
export async function readHistory(provider: Provider, view: VaultView, fromBlock: number, limit = 120) {
  const vault = new Contract(view.address, ABIS.vault, provider);
  const names = ["Deposit", "Withdraw", "RedeemedInKind", "Rebalanced", "FeesAccrued"];
  const logs = (await Promise.all(names.map((n) => vault.queryFilter(vault.filters[n](), fromBlock)))).flat();
  const blocks = [...new Set(logs.map((l) => l.blockNumber))].sort((a, b) => a - b).slice(-limit);
  if (blocks.at(-1) !== view.blockNumber) blocks.push(view.blockNumber);
  const points = await Promise.all(
    blocks.map(async (blockNumber) => {
      const [block, price, nav] = await Promise.all([
        provider.getBlock(blockNumber),
        sharePriceAt(vault, view.shareDecimals, view.asset.decimals, blockNumber),
        (vault.totalAssets({ blockTag: blockNumber }) as Promise<bigint>).catch(() => null),
      ]);
      return { blockNumber, time: block!.timestamp, sharePrice: price, nav };
    }),
  );
  return points.filter((p) => p.sharePrice !== null);
}

/** Every rebalance since `fromBlock`, newest first: its trigger, drift, NAV across it and each swap. */
export async function readRebalances(provider: Provider, view: VaultView, fromBlock: number) {
  const vault = new Contract(view.address, ABIS.vault, provider);
  const [done, trades] = await Promise.all([
    vault.queryFilter(vault.filters.Rebalanced(), fromBlock),
    vault.queryFilter(vault.filters.RebalanceTrade(), fromBlock),
  ]);
  const symbol = symbolOf(view);
  const out = [];
  for (const e of done) {
    if (!("args" in e)) continue;
    const block = await provider.getBlock(e.blockNumber);
    const swaps = trades
      .filter((t) => t.transactionHash === e.transactionHash && "args" in t)
      .map((t) => {
        const a = (t as unknown as { args: { tokenIn: string; tokenOut: string; amountIn: bigint; amountOut: bigint; expectedOut: bigint } }).args;
        return { from: symbol(a.tokenIn), to: symbol(a.tokenOut), amountIn: a.amountIn, amountOut: a.amountOut, expectedOut: a.expectedOut };
      });
    out.push({
      time: block!.timestamp,
      blockNumber: e.blockNumber,
      hash: e.transactionHash,
      trigger: TRIGGERS[Number(e.args.trigger)],
      driftBeforeBps: Number(e.args.driftBeforeBps),
      driftAfterBps: Number(e.args.driftAfterBps),
      navBefore: e.args.navBefore as bigint,
      navAfter: e.args.navAfter as bigint,
      swaps,
    });
  }
  return out.reverse();
}

/** The timelock that holds the vault's governor role (from its RoleGranted events), or null. */
async function timelockOf(provider: Provider, vault: Contract, fromBlock: number): Promise<Contract | null> {
  const role = await vault.GOVERNOR_ROLE();
  const grants = await vault.queryFilter(vault.filters.RoleGranted(role), fromBlock);
  for (const grant of grants.reverse()) {
    if (!("args" in grant)) continue;
    const account = grant.args.account as string;
    if (!(await vault.hasRole(role, account)) || (await provider.getCode(account)) === "0x") continue;
    const timelock = new Contract(account, ABIS.timelock, provider);
    if (await timelock.getMinDelay().then(() => true, () => false)) return timelock;
  }
  return null;
}

/** Operations scheduled on the vault's timelock for the vault, not executed or cancelled, with their ETA. */
export async function readPending(provider: Provider, view: VaultView, fromBlock: number) {
  const vault = new Contract(view.address, ABIS.vault, provider);
  const timelock = await timelockOf(provider, vault, fromBlock);
  if (timelock === null) return { timelock: null, minDelay: 0, pending: [] };
  const scheduled = await timelock.queryFilter(timelock.filters.CallScheduled(), fromBlock);
  const symbol = symbolOf(view);
  const pending = [];
  for (const e of scheduled) {
    if (!("args" in e) || String(e.args.target).toLowerCase() !== view.address.toLowerCase()) continue;
    const id = e.args.id as string;
    const state = Number(await timelock.getOperationState(id));
    if (state !== 1 && state !== 2) continue;
    pending.push({ id, call: describeVaultCall(vaultInterface, e.args.data, symbol), eta: Number(await timelock.getTimestamp(id)), ready: state === 2 });
  }
  return { timelock: await timelock.getAddress(), minDelay: Number(await timelock.getMinDelay()), pending };
}

/** The auction houses the vault lets settle (holders of AUCTION_ROLE, from its RoleGranted events, that name this vault). */
async function auctionHouses(provider: Provider, vault: Contract, fromBlock: number): Promise<Contract[]> {
  const role = id("AUCTION_ROLE");
  const grants = await vault.queryFilter(vault.filters.RoleGranted(role), fromBlock);
  const accounts = [...new Set(grants.flatMap((g) => ("args" in g ? [String(g.args.account)] : [])))];
  const houses = [];
  for (const account of accounts) {
    if (!(await vault.hasRole(role, account))) continue;
    const house = new Contract(account, ABIS.auctions, provider);
    const named = await (house.VAULT() as Promise<string>).catch(() => ZeroAddress);
    if (named.toLowerCase() === (await vault.getAddress()).toLowerCase()) houses.push(house);
  }
  return houses;
}

/**
 * The vault's Dutch auctions since `fromBlock`, newest first: each one's terms, every fill (who filled,
 * what for what, and the price against the oracle's references: what the vault took over what it gave,
 * both at the references that protect it) and why it closed; and the one open now, with its ask.
 */
export async function readAuctions(provider: Provider, view: VaultView, fromBlock: number) {
  const vault = new Contract(view.address, ABIS.vault, provider);
  const mode = EXECUTION_MODES[Number(view.parameters.find((p) => p.name === "ExecutionMode")?.value ?? 0n)] ?? "slices";
  const symbol = symbolOf(view);
  const auctions = [];
  let live: { id: number; askBps: number; endsAt: number } | null = null;
  for (const house of await auctionHouses(provider, vault, fromBlock)) {
    const [opened, filled, closed, [current, priceBps, endsAt]] = await Promise.all([
      house.queryFilter(house.filters.AuctionOpened(), fromBlock),
      house.queryFilter(house.filters.AuctionFilled(), fromBlock),
      house.queryFilter(house.filters.AuctionClosed(), fromBlock),
      house.current() as Promise<[{ id: bigint; startedAt: bigint }, bigint, bigint]>,
    ]);
    if (current.startedAt !== 0n) live = { id: Number(current.id), askBps: Number(priceBps), endsAt: Number(endsAt) };
    const at = async (blockNumber: number) => (await provider.getBlock(blockNumber))!.timestamp;
    for (const o of opened) {
      if (!("args" in o)) continue;
      const auctionId = o.args.id as bigint;
      const fills = [];
      for (const e of filled) {
        if (!("args" in e) || e.args.id !== auctionId) continue;
        const a = e.args;
        fills.push({
          filler: String(a.filler),
          out: symbol(a.tokenOut),
          amountOut: a.amountOut as bigint,
          in: symbol(a.tokenIn),
          amountIn: a.amountIn as bigint,
          valueOut: a.valueOut as bigint,
          priceBps: a.valueOut === 0n ? 0 : Number((a.valueIn * 1_000_000n) / a.valueOut) / 100,
        });
      }
      const end = closed.find((c) => "args" in c && c.args.id === auctionId);
      auctions.push({
        id: Number(auctionId),
        openedAt: await at(o.blockNumber),
        driftBps: Number(o.args.driftBps),
        premiumBps: Number(o.args.premiumBps),
        maxDiscountBps: Number(o.args.maxDiscountBps),
        endsAt: Number(o.args.endsAt),
        fills,
        closed: end === undefined || !("args" in end) ? null : { time: await at(end.blockNumber), reason: CLOSE_REASONS[Number(end.args.reason)] ?? "unknown" },
      });
    }
  }
  return { mode, live, auctions: auctions.sort((a, b) => b.openedAt - a.openedAt) };
}

function symbolOf(view: VaultView) {
  return (token: string) => view.holdings.find((h) => h.address.toLowerCase() === token.toLowerCase())?.symbol ?? (token === ZeroAddress ? "none" : token.slice(0, 10));
}

// ------------------------------------------------------------------ errors, in words

const interfaces = [vaultInterface, routerInterface, new Interface(ABIS.auctions), new Interface(ABIS.oracle), new Interface(ABIS.composite), new Interface(ABIS.erc20), new Interface(ABIS.timelock)];

/** What some errors mean, for people; every other custom error is shown by name with its arguments. */
const WORDS: Record<string, string> = {
  VaultPaused: "The vault is paused by its guardian: deposits and exits in the base asset wait; exits in kind still work.",
  ERC4626ExceededMaxDeposit: "More than the vault accepts now (its deposit cap, or it cannot price its holdings).",
  ERC4626ExceededMaxRedeem: "More shares than can be paid from the vault's idle base asset now: leave in kind instead.",
  ERC4626ExceededMaxWithdraw: "More than the vault's idle base asset pays now: leave in kind instead.",
  ERC20InsufficientBalance: "Your balance is too small for this amount.",
  ERC20InsufficientAllowance: "The allowance is too small for this amount.",
  RouterTooFewShares: "The price moved since the preview: fewer shares than you agreed to. Preview again.",
  RouterTooFewAssets: "The price moved since the preview: less than you agreed to. Preview again.",
  RouterTooLittleInKind: "A slice would pay less than agreed. Preview again.",
  VaultZeroAmount: "The amount is zero, or too small to buy or pay anything.",
  OraclePricesDiverge: "A token's prices disagree beyond the oracle's bound (a fast move or a manipulation): entries and base-asset exits wait until they agree; exits in kind still work.",
  OracleNoRoute: "The oracle cannot price one of the holdings.",
};

/** An error from a call or a transaction, decoded against every Ballast ABI, in words. */
export function describeError(error: unknown): string {
  const data = revertData(error);
  const known = data === null ? null : customError(data, interfaces);
  if (known !== null) return WORDS[known.name] === undefined ? known.text : `${WORDS[known.name]} [${known.text}]`;
  const e = error as { shortMessage?: string; message?: string; code?: number | string };
  if (e.code === 4001 || e.code === "ACTION_REJECTED") return "You rejected the request in your wallet.";
  return e.shortMessage ?? e.message ?? String(error);
}

function revertData(error: unknown): string | null {
  const seen = new Set<unknown>();
  const walk = (x: unknown): string | null => {
    if (x === null || typeof x !== "object" || seen.has(x)) return null;
    seen.add(x);
    const data = (x as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8}/.test(data)) return data;
    for (const key of ["data", "error", "info", "cause", "revert"]) {
      const found = walk((x as Record<string, unknown>)[key]);
      if (found !== null) return found;
    }
    return null;
  };
  return walk(error);
}
