// The vault's derived return point (contracts/libraries/ReturnPoint.sol, `bps`), ported with the same integer
// arithmetic, so that the simulator stops its rebalances where the vault would. test/sim/Planner.test.ts holds
// it equal to the compiled library on random inputs.

const WAD = 10n ** 18n;
const K_SCALE = WAD * 1_000_000n * 10_000n;
const K_MAX = 10n ** 12n * WAD;

/** The floor of the square root, as OpenZeppelin's Math.sqrt. */
function sqrt(a: bigint): bigint {
  if (a < 2n) return a;
  let x = a;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + a / x) / 2n;
  }
  return x;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

/**
 * ReturnPoint.bps: the return point (bps) for a threshold, a NAV and a fixed cost (both in base units),
 * routes costing `costPips`, within [floor, min(ceiling, threshold)]. With k = F / (c · NAV · T), R / T =
 * 1 / (a + sqrt(a² - 1)), a = 1 + k: where the cost a unit of time of trading back from T to R is least.
 */
export function returnPointBps(
  thresholdBps: bigint,
  floorBps: bigint,
  ceilingBps: bigint,
  nav: bigint,
  fixedCost: bigint,
  costPips: bigint,
): bigint {
  if (thresholdBps === 0n || nav === 0n || costPips === 0n) return floorBps;
  const kWad = (fixedCost * K_SCALE) / (costPips * nav * thresholdBps);
  if (kWad >= K_MAX) return floorBps;
  const a = WAD + kWad;
  const fractionWad = (WAD * WAD) / (a + sqrt(a * a - WAD * WAD));
  const r = (thresholdBps * fractionWad) / WAD;
  return max(min(r, min(ceilingBps, thresholdBps)), floorBps);
}
