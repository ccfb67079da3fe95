// What the tasks and the dashboard both say about a vault, with no Node or Hardhat import, so that the
// browser bundle can share it: parameter and trigger names, calls and custom errors in words, and the
// share price net of fees.
import type { Interface } from "ethers";

/**
 * Overrides for every preview and simulation of a transaction: run it in the block the transaction will land
 * in, not the latest one. A call at `latest` runs in that block's context, where the oracle reads the price the
 * block opened at and the pools' current price after the block's swaps; the transaction lands in the next
 * block, which opens where the pools stand. After a swap in the latest block, a preview at `latest` prices (or
 * refuses) differently from the transaction it previews.
 */
export const NEXT_BLOCK = { blockTag: "pending" } as const;

/** The previews a deposit's quote reads. */
export interface QuotedVault {
  previewDeposit(assets: bigint, overrides: typeof NEXT_BLOCK): Promise<bigint>;
  previewWithdraw(assets: bigint, overrides: typeof NEXT_BLOCK): Promise<bigint>;
}

/**
 * A deposit of `assets` quoted for the next block: the shares it mints (priced at the vault's highest bounds,
 * as every deposit is), the shares the same assets are worth at its lowest bounds (what an exit would value
 * them at), the premium between the two in basis points, and the least to accept: `slippageBps` below the
 * quote at the lowest bounds. A premium above the tolerance (prices that moved within the oracle's window, or
 * a pool pushed across a block boundary to raise what deposits pay) then fails the deposit, rather than letting
 * it pay the premium unawares.
 */
export async function depositQuote(vault: QuotedVault, assets: bigint, slippageBps: bigint) {
  const [shares, atLowest] = await Promise.all([vault.previewDeposit(assets, NEXT_BLOCK), vault.previewWithdraw(assets, NEXT_BLOCK)]);
  const premiumBps = atLowest === 0n || shares >= atLowest ? 0n : ((atLowest - shares) * 10_000n) / atLowest;
  const minShares = (atLowest * (10_000n - slippageBps)) / 10_000n;
  return { shares, atLowest, premiumBps, minShares };
}

/** `IRebalancingVault.Trigger`, by number. */
export const TRIGGERS = ["none", "threshold", "calendar", "unfinished"] as const;

/** The vault's parameters, as `IRebalancingVault.Parameter` numbers them. */
export const PARAMETERS = [
  "DriftThresholdBps",
  "MinDriftBps",
  "RebalanceIntervalSeconds",
  "CooldownSeconds",
  "MaxSlippageBps",
  "MaxTradeBps",
  "MaxSpotDeviationBps",
  "PauseSeconds",
  "DepositCap",
  "ResidualDriftBps",
  "ManagementFeeBps",
  "PerformanceFeeBps",
  "KeeperBaseFeeCapGwei",
  "KeeperTipBps",
  "KeeperMaxGas",
  "KeeperMaxGasPerDay",
  "VolReferenceBps",
  "VolMinThresholdBps",
  "VolMaxThresholdBps",
  "VolIntervalSeconds",
  "VolIntervals",
  "ExecutionMode",
  "AuctionPremiumBps",
  "AuctionMaxDiscountBps",
  "AuctionDurationSeconds",
  "ResidualCeilingBps",
] as const;

/** `IRebalancingVault.ExecutionMode`, by number. */
export const EXECUTION_MODES = ["slices", "hybrid", "auctions"] as const;

/** `RebalanceAuctions.CloseReason`, by number, in words. */
export const CLOSE_REASONS = ["done", "expired", "targets changed", "auctions off", "paused", "unpriced", "guardian"] as const;

/** What calldata for the vault does, in words: `setTargets(USDC 40%, WETH 30%, ...)`; `symbolOf` names a token. */
export function describeVaultCall(vault: Interface, data: string, symbolOf: (token: string) => string): string {
  const parsed = vault.parseTransaction({ data });
  if (parsed === null) return data.slice(0, 10);
  if (parsed.name === "setTargets") {
    const tokens = parsed.args[0] as string[];
    const weights = parsed.args[1] as bigint[];
    return `setTargets(${tokens.map((t, i) => `${symbolOf(t)} ${Number(weights[i]) / 100}%`).join(", ")})`;
  }
  if (parsed.name === "setParameter") {
    return `setParameter(${PARAMETERS[Number(parsed.args[0])] ?? parsed.args[0]} = ${parsed.args[1]})`;
  }
  // Addresses named where they are known (basket tokens by symbol).
  return `${parsed.name}(${parsed.args.map((a) => (typeof a === "string" && /^0x[0-9a-fA-F]{40}$/.test(a) ? symbolOf(a) : String(a))).join(", ")})`;
}

/** The custom error `data` carries, with its arguments (`VaultCooldownActive(1200)`), when one of `interfaces` knows it. */
export function customError(data: string, interfaces: Interface[]): { name: string; text: string } | null {
  if (data.length < 10) return null;
  for (const iface of interfaces) {
    const parsed = iface.parseError(data);
    if (parsed !== null) return { name: parsed.name, text: `${parsed.name}(${parsed.args.map(String).join(", ")})` };
  }
  return null;
}

/** Decimals a share price is computed with beyond the base asset's own: a basis point is never lost to rounding. */
export const PRICE_DECIMALS = 18n;

/** The views a share price is read from, as ethers contracts (typed or not) have them. */
export interface PricedVault {
  convertToAssets(shares: bigint, overrides: { blockTag?: number }): Promise<bigint>;
  totalSupply(overrides: { blockTag?: number }): Promise<bigint>;
  pendingFees(overrides: { blockTag?: number }): Promise<[bigint, bigint] | bigint[]>;
}

/**
 * What one whole share is worth in the base asset, with PRICE_DECIMALS more decimals than it has, net of
 * the fees accrued and not yet minted (the price the next deposit or exit sees), as of `blockTag`.
 * Rejects while the oracle cannot price the basket.
 */
export async function netSharePrice(vault: PricedVault, shareDecimals: number, assetDecimals: number, blockTag?: number): Promise<bigint> {
  const at = blockTag === undefined ? {} : { blockTag };
  const [gross, supply, pending] = await Promise.all([
    vault.convertToAssets(10n ** (BigInt(shareDecimals) + PRICE_DECIMALS), at),
    vault.totalSupply(at),
    vault.pendingFees(at),
  ]);
  const virtualShares = 10n ** BigInt(shareDecimals - assetDecimals);
  return (gross * (supply + virtualShares)) / (supply + virtualShares + pending[0] + pending[1]);
}

/** A Unix time (seconds) as an ISO 8601 UTC instant to the second. */
export const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

/** A duration in words, for people: "7 days", "2 days 3 h", "1 h 30 min", "45 s". */
export function inWords(seconds: number): string {
  if (seconds <= 0) return "0 s";
  const parts: string[] = [];
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = Math.floor(seconds % 60);
  if (d > 0) parts.push(`${d} day${d === 1 ? "" : "s"}`);
  if (h > 0) parts.push(`${h} h`);
  if (m > 0) parts.push(`${m} min`);
  if (s > 0) parts.push(`${s} s`);
  return parts.join(" ");
}
