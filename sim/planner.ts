// The contract's rebalance planner (contracts/libraries/RebalancePlanner.sol), ported line for line to
// TypeScript with the same integer arithmetic, so that the simulator trades as the vault does: the
// no-trade band, the residual short of target, each token's cap, the short side filled from what its
// holdings may still move (the base asset first), pro-rata scaling, direct pair routes, dust. test/sim/Planner.test.ts
// holds it equal to the compiled Solidity planner on random baskets.

export interface PlannedTrade {
  /** Sell `value` (base units) of holding `from` for holding `to`; index 0 is the base asset. */
  from: number;
  to: number;
  value: bigint;
}

const BPS = 10_000n;
const DUST_PPM = 1n;
const mulDiv = (a: bigint, b: bigint, c: bigint) => (a * b) / c;
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** What RebalancePlanner.plan returns: the trades, and whether a cap stopped the plan short of its return point. */
export interface Plan {
  trades: PlannedTrade[];
  limited: boolean;
}

/** RebalancePlanner.plan: see the Solidity library for each rule. */
export function plan(
  values: bigint[],
  targetsBps: number[],
  pairMasks: bigint[],
  bandBps: bigint,
  residualBps: bigint,
  caps: bigint[],
  costs: bigint[] = values.map(() => 0n),
): Plan {
  const n = values.length;
  const total = values.reduce((a, v) => a + v, 0n);
  if (total === 0n) return { trades: [], limited: false };
  const residual = mulDiv(total, residualBps, BPS);
  const sells = new Array<bigint>(n).fill(0n);
  const buys = new Array<bigint>(n).fill(0n);
  const spare = new Array<bigint>(n).fill(0n);
  const overweight = new Array<boolean>(n).fill(false);
  let supply = 0n;
  let demand = 0n;
  let limited = false;
  for (let i = 0; i < n; i++) {
    const target = mulDiv(total, BigInt(targetsBps[i]), BPS);
    const over = values[i] > target;
    const gap = over ? values[i] - target : target - values[i];
    overweight[i] = over;
    let want = i === 0 ? gap : min(gap, caps[i]);
    const windingDown = i !== 0 && targetsBps[i] === 0;
    if (!windingDown && gap * BPS < bandBps * total) {
      spare[i] = want;
      continue;
    }
    const need = windingDown ? gap : gap > residual ? gap - residual : 0n;
    if (want < need) limited = true;
    if (!windingDown) {
      const must = min(want, need);
      spare[i] = want - must;
      want = must;
    }
    if (over) {
      sells[i] = want;
      supply += want;
    } else {
      buys[i] = want;
      demand += want;
    }
  }
  // The base asset first, then the cheapest routes, ties in basket order.
  const fill = (side: bigint[], wantOverweight: boolean, needed: bigint) => {
    let added = 0n;
    const used = new Array<boolean>(n).fill(false);
    while (needed !== 0n) {
      let next = -1;
      for (let i = 0; i < n; i++) {
        if (used[i] || spare[i] === 0n || overweight[i] !== wantOverweight) continue;
        if (next === -1 || (next !== 0 && (i === 0 || costs[i] < costs[next]))) next = i;
      }
      if (next === -1) break;
      used[next] = true;
      const take = min(spare[next], needed);
      side[next] += take;
      added += take;
      needed -= take;
    }
    return added;
  };
  const scale = (side: bigint[], num: bigint, den: bigint) => {
    let sum = 0n;
    for (let i = 0; i < n; i++) {
      if (side[i] !== 0n) side[i] = mulDiv(side[i], num, den);
      sum += side[i];
    }
    return sum;
  };
  const trim = (side: bigint[], excess: bigint) => {
    for (let i = 0; i < n && excess !== 0n; i++) {
      const cut = min(side[i], excess);
      side[i] -= cut;
      excess -= cut;
    }
  };
  if (supply > demand) demand += fill(buys, false, supply - demand);
  else if (demand > supply) supply += fill(sells, true, demand - supply);
  const unbalanced = supply > demand ? supply - demand : demand - supply;
  limited ||= unbalanced > BigInt(n);
  if (supply > demand) trim(buys, demand - scale(sells, demand, supply));
  else if (demand > supply) trim(sells, supply - scale(buys, supply, demand));

  // Route: direct where a pair route exists, the rest through the base asset, sells before buys.
  const dust = mulDiv(total, DUST_PPM, 1_000_000n);
  const trades: PlannedTrade[] = [];
  let unfunded = 0n;
  for (let i = 1; i < n; i++) {
    if (sells[i] <= dust) {
      unfunded += sells[i];
      continue;
    }
    for (let j = 1; pairMasks[i] !== 0n && j < n && sells[i] !== 0n; j++) {
      if (buys[j] <= dust || ((pairMasks[i] >> BigInt(j)) & 1n) === 0n) continue;
      const v = min(sells[i], buys[j]);
      trades.push({ from: i, to: j, value: v });
      sells[i] -= v;
      buys[j] -= v;
    }
    if (sells[i] > dust) trades.push({ from: i, to: 0, value: sells[i] });
    else unfunded += sells[i];
  }
  for (let j = 1; j < n; j++) {
    const cut = min(buys[j], unfunded);
    unfunded -= cut;
    if (buys[j] - cut > dust) trades.push({ from: 0, to: j, value: buys[j] - cut });
  }
  return { trades, limited };
}
