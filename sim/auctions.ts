// Dutch auctions in the simulator: what the vault gives up when fillers take its lots.
//
// The contract's terms (RebalanceAuctions): the price starts `premium` above the oracle's reference
// and falls linearly over `durationHours` to `maxDiscount` below it, where fills stop. A filler takes
// a lot when the discount pays what sourcing the other side costs it (its venue's fee and price impact,
// its gas, its margin). Fillers compete, so the first block in which an increment pays is the block it
// is filled in, and the increment is the one that pays the filler most: up to where the marginal cost
// of sourcing reaches the discount less the margin. The reference is the price of the step (the
// simulator's paths are the market the oracle follows); within an auction prices hold still, and the
// impact fillers leave on their venue stays for the rest of the auction (no arbitrageur refills it
// between blocks: the cost errs high, as on the local market, where there are none).
import { swapCost } from "./costs.js";
import type { TokenSpec } from "./market.js";

/** The vault's auction parameters, as fractions and hours (AuctionPremiumBps, AuctionMaxDiscountBps, AuctionDurationSeconds). */
export interface AuctionTerms {
  premium: number;
  maxDiscount: number;
  durationHours: number;
}

/** As shipped: 2% above the reference, down to 1% below over an hour. */
export const SHIPPED_TERMS: AuctionTerms = { premium: 0.02, maxDiscount: 0.01, durationHours: 1 };

/** Who fills, and what sourcing costs them. */
export interface Fillers {
  /**
   * The fee of the venue fillers source on, as a fraction; null: the token's own route (fillers swap
   * on the same Uniswap pools the vault's slices use, as `keeper fill` does).
   */
  venueFee: number | null;
  /** The venue's depth as a multiple of the token's pool (1: the same pools). */
  depthScale: number;
  /** The least profit a filler fills for, as a fraction of the value filled. */
  margin: number;
  /** What one fill's gas costs the filler per leg (a token sold or bought against the base asset), in USD. */
  gasUsd: number;
}

export const BLOCK_SECONDS = 12;

export interface LegResult {
  /** Value filled, USD at the reference. */
  filled: number;
  /** What the vault gave up against the reference, USD (negative: fillers paid it a premium). */
  cost: number;
  fills: number;
  /** Hours from opening to the last fill (null: nothing filled). */
  lastFillHours: number | null;
}

/** The discount at `hours` after opening (negative while the price stands above the reference). */
export function discountAt(terms: AuctionTerms, hours: number): number {
  const t = Math.min(Math.max(hours / terms.durationHours, 0), 1);
  return -terms.premium + (terms.premium + terms.maxDiscount) * t;
}

/**
 * How fillers take one lot: `value` USD (at the reference) of `token`, sold or bought by the vault
 * against the base asset. Block by block: the cumulative value at which sourcing's marginal cost
 * (fee + constant-product impact) reaches the discount less the margin; the increment up to it is
 * filled when it pays the filler's gas.
 */
export function fillLeg(value: number, token: TokenSpec, terms: AuctionTerms, fillers: Fillers | null): LegResult {
  const result: LegResult = { filled: 0, cost: 0, fills: 0, lastFillHours: null };
  if (value <= 0) return result;
  const blocks = Math.max(1, Math.round((terms.durationHours * 3600) / BLOCK_SECONDS));
  // Free trading (no fillers' costs): the whole lot goes the first block the price reaches the reference.
  const venue: TokenSpec =
    fillers === null ? { ...token, fee: 0, depthUsd: Infinity } : { ...token, fee: fillers.venueFee ?? token.fee, depthUsd: token.depthUsd * fillers.depthScale };
  const margin = fillers?.margin ?? 0;
  const gas = fillers?.gasUsd ?? 0;
  const sourcing = (v: number) => {
    const c = swapCost(v, venue);
    return c.fee + c.impact;
  };
  for (let b = 0; b <= blocks && result.filled < value; b++) {
    const hours = (b * BLOCK_SECONDS) / 3600;
    const d = discountAt(terms, hours);
    const edge = d - margin;
    if (edge <= venue.fee) continue;
    // Marginal cost of the a-th dollar after the fee on a depth-D pool: fee + (1 - fee)(1 - D²/(D + a)²).
    let reach: number;
    if (!Number.isFinite(venue.depthUsd)) reach = Infinity;
    else {
      const k = (edge - venue.fee) / (1 - venue.fee);
      reach = k >= 1 ? Infinity : (venue.depthUsd * (1 / Math.sqrt(1 - k) - 1)) / (1 - venue.fee);
    }
    const take = Math.min(value - result.filled, reach - result.filled);
    if (take <= 0) continue;
    const profit = edge * take - (sourcing(result.filled + take) - sourcing(result.filled)) - gas;
    if (profit <= 0) continue;
    result.filled += take;
    result.cost += d * take;
    result.fills++;
    result.lastFillHours = hours;
  }
  return result;
}
