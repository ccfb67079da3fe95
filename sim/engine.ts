// Runs a policy over a price path: a keeper checks once per step, and when the policy says so the
// vault trades as its planner plans (the same code, ported: band, residual, slices of at most
// `maxTrade` of NAV and of each pool's budget), sells first, then buys with the proceeds, paying the
// pool's fee, the price impact and the gas. A policy that executes by auction (or hybrid: slices
// first) offers the rest of the plan as a Dutch auction that fillers take as sim/auctions.ts models.
import { fillLeg, type Fillers } from "./auctions.js";
import { gasCostUsd, gasUsd, swapCost, type CostModel } from "./costs.js";
import { returnPointBps } from "./return-point.js";
import type { Basket, PricePath } from "./market.js";
import { plan as planTrades } from "./planner.js";
import type { Context, Policy } from "./policies.js";

export interface Settings {
  navUsd: number;
  stepHours: number;
  /** null: trading is free (for checks against theory). */
  costs: CostModel | null;
  /** The vault's fees (basis points: management a year, performance of gains above the mark); absent: none. */
  fees?: { managementBps: number; performanceBps: number };
  /**
   * Whether a slice is also capped, as the contract caps it, at its pool's budget: the value that moves
   * the pool's price by half its fee (depth × fee / 2 on the simulator's constant-product pool). Default
   * true; false for checks against closed forms.
   */
  poolBudgets?: boolean;
  /** Who fills auctions (default: `defaultFillers`, sourcing on the same pools). */
  fillers?: Fillers;
  /** The weights the vault starts at (default: its targets): a drift to restore from the start. */
  startWeights?: number[];
}

/** The drift at which the basket counts as back on target (`RunResult.hoursBackToTarget`). */
export const BACK_ON_TARGET = 0.005;

/**
 * Fillers as `keeper fill` runs: on the vault's own pools, for a 10 bps margin, paying the gas of a
 * fill through Uniswap (a fill of a pair sources both legs, so each leg carries half of it).
 */
export function defaultFillers(costs: CostModel | null, venue: Partial<Pick<Fillers, "venueFee" | "depthScale" | "margin">> = {}): Fillers | null {
  if (costs === null) return null;
  return { venueFee: null, depthScale: 1, margin: 0.001, ...venue, gasUsd: gasUsd(costs.gasAuctionFill, costs) / 2 };
}

export interface RunResult {
  /** Time-averaged drift (largest gap to target), in basis points. */
  avgDriftBps: number;
  /** The drift each rebalance left (measured right after its trades), in basis points. */
  driftsAfterBps: number[];
  /**
   * Return-based tracking error: the annualised standard deviation of the step returns of NAV less
   * those of the target mix held exactly (rebalanced for free every step), in basis points.
   */
  returnTrackingErrorBps: number;
  /** Turnover per year, as a multiple of NAV. */
  turnover: number;
  /** `discount`: what auctions gave fillers against the reference (negative: premiums taken). */
  costs: { fees: number; impact: number; gas: number; discount: number; total: number };
  rebalances: number;
  /** Hours from the first check until drift was first at most BACK_ON_TARGET (an auction's: to its last fill); null: never. */
  hoursBackToTarget: number | null;
  /** Auctions opened, and the fills they took. */
  auctions: number;
  fills: number;
  swaps: number;
  /** NAV at the end, as a multiple of the start. */
  terminalValue: number;
  /** Annualised log growth of NAV. */
  growth: number;
  /** Annualised log growth of the target-weighted average of the tokens (Σ wᵢ log Pᵢ). */
  weightedTokenGrowth: number;
  /** The largest fall from a peak of NAV, as a fraction. */
  maxDrawdown: number;
  /** NAV at the end of each day, in USD. */
  navDaily: number[];
  /** What the fees took from the depositors (shares minted to the recipient), valued when taken, in USD. */
  feesUsd: { management: number; performance: number };
  /** Annualised log growth of the depositors' value, net of fees (equal to `growth` without fees). */
  netGrowth: number;
}

export function runPolicy(basket: Basket, path: PricePath, policy: Policy, s: Settings): RunResult {
  const n = basket.tokens.length;
  const steps = path.prices[0].length - 1;
  const years = (steps * s.stepHours) / (24 * 365);
  const stepsPerDay = Math.round(24 / s.stepHours);
  const t = basket.targets;
  const units = (s.startWeights ?? t).map((w, i) => (w * s.navUsd) / path.prices[i][0]);
  // Prefix sums of each token's log returns and their squares: realised volatility in O(1).
  // Prefix sums of each token's log price: mean log prices over any stretch in O(1).
  const logSum = basket.tokens.map(() => new Float64Array(steps + 2));
  for (let i = 1; i < n; i++) {
    for (let k = 0; k <= steps; k++) logSum[i][k + 1] = logSum[i][k] + Math.log(path.prices[i][k]);
  }
  const sum = basket.tokens.map(() => new Float64Array(steps + 1));
  const sumSq = basket.tokens.map(() => new Float64Array(steps + 1));
  for (let i = 1; i < n; i++) {
    for (let k = 1; k <= steps; k++) {
      const r = Math.log(path.prices[i][k] / path.prices[i][k - 1]);
      sum[i][k] = sum[i][k - 1] + r;
      sumSq[i][k] = sumSq[i][k - 1] + r * r;
    }
  }
  const result: RunResult = {
    avgDriftBps: 0,
    turnover: 0,
    costs: { fees: 0, impact: 0, gas: 0, discount: 0, total: 0 },
    rebalances: 0,
    hoursBackToTarget: null,
    auctions: 0,
    fills: 0,
    driftsAfterBps: [],
    returnTrackingErrorBps: 0,
    swaps: 0,
    terminalValue: 1,
    growth: 0,
    weightedTokenGrowth: 0,
    maxDrawdown: 0,
    navDaily: [s.navUsd],
    feesUsd: { management: 0, performance: 0 },
    netGrowth: 0,
  };
  // Fees as the vault charges them: shares minted to the recipient (depositors hold one share unit in
  // all, `supply` counts the recipient's too), the management fee leaving depositors exp(-rate·t), the
  // performance fee a share of each rise of value per share above the high-water mark.
  let supply = 1;
  let mark = s.navUsd;
  const mgmtPerStep = ((s.fees?.managementBps ?? 0) / 10_000) * (s.stepHours / (24 * 365));
  const perf = (s.fees?.performanceBps ?? 0) / 10_000;
  const accrueFees = (nav: number) => {
    if (mgmtPerStep > 0) {
      const minted = supply * Math.expm1(mgmtPerStep);
      result.feesUsd.management += nav / supply - nav / (supply + minted);
      supply += minted;
    }
    const price = nav / supply;
    if (perf > 0 && price > mark) {
      const fee = perf * (price - mark);
      const minted = (supply * fee) / (price - fee);
      result.feesUsd.performance += nav / supply - nav / (supply + minted);
      supply += minted;
      mark = nav / supply;
    }
  };
  let driftSum = 0;
  // The differences between NAV's step returns and the exact target mix's, for the return-based measure.
  let diffSum = 0;
  let diffSumSq = 0;
  let navPrevious = s.navUsd;
  let traded = 0;
  let peak = s.navUsd;
  let lastRebalance = -Infinity;
  // Fills are settled at the opening step's prices; no second auction opens before the first ends.
  let auctionEndsAt = -Infinity;
  const fillers = s.fillers ?? defaultFillers(s.costs);
  const values = new Array<number>(n).fill(0);

  /** Values every holding at step `k`; returns NAV and drift (the largest gap to a target). */
  const revalue = (k: number) => {
    let nav = 0;
    for (let i = 0; i < n; i++) {
      values[i] = units[i] * path.prices[i][k];
      nav += values[i];
    }
    let drift = 0;
    for (let i = 0; i < n; i++) drift = Math.max(drift, Math.abs(values[i] / nav - t[i]));
    return { nav, drift };
  };

  // The contract's planner (sim/planner.ts, held equal to RebalancePlanner): values in micro-dollars.
  const targetsBps = t.map((w) => Math.round(w * 10_000));
  targetsBps[0] += 10_000 - targetsBps.reduce((a, b) => a + b, 0);
  const noPairs = t.map(() => 0n);
  const bandBps = BigInt(Math.round(policy.band * 10_000));
  const fixedResidualBps = BigInt(Math.round(policy.residual * 10_000));
  // Each token's route fees, in pips, as the vault gives them to the planner.
  const routeCosts = basket.tokens.map((token) => BigInt(Math.round(token.fee * 1_000_000)));
  // The return point the vault derives (ReturnPoint, while ResidualCeilingBps is set): from the gas of the
  // last rebalance at the gas price, NAV, the routes' fees weighted by target, and the threshold, within
  // [max(ResidualDriftBps, MinDriftBps), min(ResidualCeilingBps, threshold - MinDriftBps)]; the floor until a
  // rebalance has been measured; a rebalance carrying on keeps the point it aimed at.
  const ceilingBps = BigInt(Math.round((policy.residualCeiling ?? 0) * 10_000));
  const thresholdBps = policy.kind === "threshold" ? BigInt(policy.params.bps) : 0n;
  const weightedFees = routeCosts.reduce((a, c, i) => (i === 0 ? a : a + c * BigInt(targetsBps[i])), 0n);
  const tokensWeight = targetsBps.reduce((a, w, i) => (i === 0 ? a : a + BigInt(w)), 0n);
  const routeCostPips = tokensWeight === 0n ? 0n : weightedFees / tokensWeight;
  let lastGas = 0;
  let residualBps = fixedResidualBps;
  const aim = (nav: number, carrying: boolean) => {
    if (ceilingBps === 0n) return fixedResidualBps;
    const floor = fixedResidualBps > bandBps ? fixedResidualBps : bandBps;
    let ceiling = thresholdBps - (thresholdBps < bandBps ? thresholdBps : bandBps);
    if (ceilingBps < ceiling) ceiling = ceilingBps;
    if (carrying) {
      const kept = residualBps < ceiling ? residualBps : ceiling;
      return kept > floor ? kept : floor;
    }
    if (lastGas === 0) return floor;
    const fixedCost = s.costs === null ? 0n : BigInt(Math.round(gasUsd(lastGas, s.costs) * 1e6));
    return returnPointBps(thresholdBps, floor, ceiling, BigInt(Math.round(nav * 1e6)), fixedCost, routeCostPips);
  };
  // Each token's pool budget per call (see Settings.poolBudgets), in USD.
  const budgets = basket.tokens.map((token) => {
    const budget = (token.depthUsd * token.fee) / 2;
    return s.poolBudgets === false || !Number.isFinite(budget) || token.fee === 0 ? Infinity : budget;
  });
  /**
   * The trades the vault would plan now, as value per token (negative: sell), through the base asset:
   * slices (capped by maxTrade and each pool's budget), or, for an auction, the whole plan.
   */
  const plan = (nav: number, auction = false) => {
    const micro = values.map((v) => BigInt(Math.max(0, Math.round(v * 1e6))));
    const cap = Math.min(auction ? 1 : policy.maxTrade, 1) * nav;
    const caps = budgets.map((b) => BigInt(Math.round(Math.min(cap, auction ? Infinity : b) * 1e6)));
    const deltas = new Array<number>(n).fill(0);
    const planned = planTrades(micro, targetsBps, noPairs, bandBps, residualBps, caps, routeCosts);
    for (const trade of planned.trades) {
      const value = Number(trade.value) / 1e6;
      if (trade.from !== 0) deltas[trade.from] -= value;
      if (trade.to !== 0) deltas[trade.to] += value;
    }
    return { deltas, limited: planned.limited };
  };
  // The vault's Unfinished trigger: a rebalance its caps cut short carries on while drift stands above its
  // return point (the keeper calls at the next step, within the window the contract gives it).
  const carriesOnAt = (limited: boolean, drift: number) => limited && drift > Math.max(Number(residualBps) / 10_000, policy.band);
  let unfinished = false;
  /**
   * What trading `deltas` would cost and restore (a keeper's estimate before it trades), as the keeper
   * measures them: the cost in fees, impact and gas; the value restored as the fall in the value out
   * of place (half the sum of |value - target × NAV|; see tasks/keeper.ts, valueOutOfPlace).
   */
  const priceOf = (deltas: number[], nav: number) => {
    let cost = 0;
    let swaps = 0;
    let outBefore = Math.abs(values[0] - t[0] * nav);
    let outAfter = Math.abs(values[0] - deltas.reduce((a, d) => a + d, 0) - t[0] * nav);
    for (let i = 1; i < n; i++) {
      outBefore += Math.abs(values[i] - t[i] * nav);
      outAfter += Math.abs(values[i] + deltas[i] - t[i] * nav);
      if (deltas[i] === 0) continue;
      swaps++;
      if (s.costs !== null) cost += sum2(swapCost(Math.abs(deltas[i]), basket.tokens[i]));
    }
    return { cost: cost + (s.costs === null ? 0 : gasCostUsd(swaps, s.costs)), restored: (outBefore - outAfter) / 2 };
  };
  /** One swap of `value` USD of token `i` for or against the base asset, paying its fee and impact: the value that arrives. */
  const swap = (i: number, value: number) => {
    if (s.costs === null) return value;
    const c = swapCost(value, basket.tokens[i]);
    result.costs.fees += c.fee;
    result.costs.impact += c.impact;
    return value - c.fee - c.impact;
  };

  for (let k = 1; k <= steps; k++) {
    let { nav, drift } = revalue(k);
    if (s.fees !== undefined) accrueFees(nav);
    const hours = k * s.stepHours;
    const context: Context = {
      hours,
      hoursSinceRebalance: hours - lastRebalance,
      drift,
      realizedVolatility: (days) => {
        const w = Math.min(k, Math.max(2, Math.round(days * stepsPerDay)));
        let v = 0;
        let weight = 0;
        for (let i = 1; i < n; i++) {
          const mean = (sum[i][k] - sum[i][k - w]) / w;
          const variance = Math.max(0, (sumSq[i][k] - sumSq[i][k - w]) / w - mean * mean);
          v += t[i] * Math.sqrt(variance * stepsPerDay * 365);
          weight += t[i];
        }
        return weight === 0 ? 0 : v / weight;
      },
      intervalVolatility: (intervalHours, intervals) => {
        const w = Math.max(1, Math.round(intervalHours / s.stepHours));
        if (k + 1 < w * intervals) return Number.NaN;
        let v = 0;
        let weight = 0;
        for (let i = 1; i < n; i++) {
          if (t[i] === 0) continue;
          let sumSq = 0;
          let previous = 0;
          for (let j = 0; j < intervals; j++) {
            const end = k + 1 - (intervals - 1 - j) * w;
            const mean = (logSum[i][end] - logSum[i][end - w]) / w;
            if (j > 0) sumSq += (mean - previous) ** 2;
            previous = mean;
          }
          v += t[i] * Math.sqrt((sumSq / (intervals - 1)) * ((24 * 365) / (w * s.stepHours)));
          weight += t[i];
        }
        return weight === 0 ? 0 : v / weight;
      },
      quote: () => priceOf(plan(nav).deltas, nav),
    };
    residualBps = aim(nav, unfinished);
    const carriesOn: boolean = carriesOnAt(unfinished, drift);
    const due: boolean = policy.due(context) || carriesOn;
    const execution = policy.execution;
    const slices: { deltas: number[]; limited: boolean } =
      due && execution?.mode !== "auctions" ? plan(nav) : { deltas: [], limited: false };
    const deltas = slices.deltas;
    const swaps = deltas.filter((d) => d !== 0).length;
    if (swaps > 0) {
      // Sells first, into the base asset; then buys with it, never spending more than it holds.
      for (let i = 1; i < n; i++) {
        if (deltas[i] >= 0) continue;
        const v = -deltas[i];
        units[i] -= v / path.prices[i][k];
        units[0] += swap(i, v);
        traded += v;
      }
      for (let i = 1; i < n; i++) {
        if (deltas[i] <= 0) continue;
        const v = Math.min(deltas[i], units[0]);
        units[0] -= v;
        units[i] += swap(i, v) / path.prices[i][k];
        traded += v;
      }
      // The derived return point's own reads cost gas on every call it is on.
      const ruleGas = s.costs === null || ceilingBps === 0n ? 0 : gasUsd(s.costs.gasDerivedReturnPoint, s.costs);
      const gas = s.costs === null ? 0 : gasCostUsd(swaps, s.costs) + ruleGas;
      if (s.costs !== null) lastGas = s.costs.gasBase + s.costs.gasPerSwap * swaps + (ceilingBps === 0n ? 0 : s.costs.gasDerivedReturnPoint); // what the vault measures
      units[0] -= gas; // the vault pays its keeper's gas
      result.costs.gas += gas;
      result.swaps += swaps;
      result.rebalances++;
      lastRebalance = hours;
      unfinished = slices.limited;
      ({ nav, drift } = revalue(k));
      result.driftsAfterBps.push(drift * 10_000);
    } else if (carriesOn) {
      unfinished = false; // nothing left to trade: the contract's window lapses
    }
    // The auction: opened (one at a time) while a trigger still fires after any slices, as open() requires.
    if (due && execution !== undefined && hours >= auctionEndsAt && drift > Number(residualBps) / 10_000) {
      const stillDue =
        swaps === 0 || policy.due({ ...context, drift, hoursSinceRebalance: 0 }) || carriesOnAt(slices.limited, drift);
      const lots = stillDue ? plan(nav, true).deltas : [];
      if (lots.some((d) => d !== 0)) {
        let lastFill = 0;
        const open = s.costs === null ? 0 : gasUsd(s.costs.gasAuctionOpen, s.costs);
        units[0] -= open; // keeper pay repays the opening
        result.costs.gas += open;
        for (let i = 1; i < n; i++) {
          if (lots[i] === 0) continue;
          const leg = fillLeg(Math.abs(lots[i]), basket.tokens[i], execution.terms, fillers);
          const p = path.prices[i][k];
          if (lots[i] < 0) {
            units[i] -= leg.filled / p;
            units[0] += leg.filled - leg.cost;
          } else {
            units[0] -= leg.filled;
            units[i] += (leg.filled - leg.cost) / p;
          }
          traded += leg.filled;
          result.fills += leg.fills;
          result.costs.discount += leg.cost;
          lastFill = Math.max(lastFill, leg.lastFillHours ?? 0);
        }
        result.auctions++;
        auctionEndsAt = hours + execution.terms.durationHours;
        lastRebalance = hours;
        ({ nav, drift } = revalue(k));
        result.driftsAfterBps.push(drift * 10_000);
        if (result.hoursBackToTarget === null && drift <= BACK_ON_TARGET) result.hoursBackToTarget = hours - s.stepHours + lastFill;
      }
    }
    if (result.hoursBackToTarget === null && drift <= BACK_ON_TARGET) result.hoursBackToTarget = hours - s.stepHours;
    driftSum += drift;
    let targetReturn = 0;
    for (let i = 0; i < n; i++) targetReturn += t[i] * (path.prices[i][k] / path.prices[i][k - 1] - 1);
    const diff = nav / navPrevious - 1 - targetReturn;
    diffSum += diff;
    diffSumSq += diff * diff;
    navPrevious = nav;
    peak = Math.max(peak, nav);
    result.maxDrawdown = Math.max(result.maxDrawdown, 1 - nav / peak);
    if (k % stepsPerDay === 0) result.navDaily.push(nav);
  }
  const navEnd = units.reduce((a, u, i) => a + u * path.prices[i][steps], 0);
  result.avgDriftBps = (driftSum / steps) * 10_000;
  const meanDiff = diffSum / steps;
  result.returnTrackingErrorBps = Math.sqrt(Math.max(0, diffSumSq / steps - meanDiff * meanDiff) * (steps / years)) * 10_000;
  result.turnover = traded / s.navUsd / years;
  result.costs.total = result.costs.fees + result.costs.impact + result.costs.gas + result.costs.discount;
  result.terminalValue = navEnd / s.navUsd;
  result.growth = Math.log(result.terminalValue) / years;
  result.netGrowth = Math.log(result.terminalValue / supply) / years;
  result.weightedTokenGrowth = t.reduce((a, w, i) => a + w * Math.log(path.prices[i][steps] / path.prices[i][0]), 0) / years;
  return result;
}

const sum2 = (c: { fee: number; impact: number }) => c.fee + c.impact;
