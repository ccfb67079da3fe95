// The exact optimum of a two-asset rebalancing problem, by dynamic programming: a check that the
// trigger-and-return-point policies the vault runs (DriftThresholdBps and ResidualDriftBps) can be as
// good as any policy, and that the simulator finds them.
//
// The problem, on the simulator's terms: a risky token at weight w against the base asset, target w*;
// each step (a keeper's check) its price moves by a lognormal step of volatility σ, then the keeper may
// trade to any weight u, paying a proportional cost c|u − w| (the pool's fee) and a fixed cost F (gas),
// both as fractions of NAV; the loss is the cost plus λ times the drift |u − w*| (the simulator's
// tracking error, time-averaged). The average loss per year is minimised by relative value iteration on
// a grid of weights, the price step integrated by Gauss–Hermite quadrature.

export interface TwoAssetProblem {
  /** Annualised volatility of the risky token. */
  sigma: number;
  stepHours: number;
  /** The risky token's target weight. */
  target: number;
  /** Proportional cost (the fee), fraction of the value traded. */
  proportional: number;
  /** Fixed cost of a rebalance, fraction of NAV. */
  fixed: number;
  /** Value of a unit of time-averaged drift, in cost per year (bps a year of cost per bps of drift). */
  lambda: number;
}

export interface Solved {
  /** The least average loss, bps of NAV a year (cost plus λ × drift). */
  lossBps: number;
  /** The optimal policy read off the grid: trade when drift reaches `trigger`, back to `returnTo` (fractions; the larger side's). */
  trigger: number;
  returnTo: number;
}

const HOURS_PER_YEAR = 24 * 365;
/** Gauss–Hermite nodes and weights (probabilists', 9 points) for E f(Z), Z ~ N(0, 1). */
const NODES = [-4.512745863399783, -3.20542900285647, -2.07684797867783, -1.02325566378913, 0, 1.02325566378913, 2.07684797867783, 3.20542900285647, 4.512745863399783];
const WEIGHTS = [2.23458440077465e-5, 2.78914132123177e-3, 4.99164067652179e-2, 2.44097502894939e-1, 4.06349206349206e-1, 2.44097502894939e-1, 4.99164067652179e-2, 2.78914132123177e-3, 2.23458440077465e-5];

/** The grid: weights within `span` of the target, `points` of them. */
function grid(p: TwoAssetProblem, span: number, points: number) {
  const low = Math.max(1e-6, p.target - span);
  const high = Math.min(1 - 1e-6, p.target + span);
  const step = (high - low) / (points - 1);
  const w = Float64Array.from({ length: points }, (_, i) => low + i * step);
  // Where each post-decision weight lands after each price step, as an index and a fraction (linear interpolation).
  const dt = p.stepHours / HOURS_PER_YEAR;
  const s = p.sigma * Math.sqrt(dt);
  const at = new Int32Array(points * NODES.length);
  const frac = new Float64Array(points * NODES.length);
  for (let i = 0; i < points; i++) {
    for (let j = 0; j < NODES.length; j++) {
      const g = Math.exp(-0.5 * s * s + s * NODES[j]);
      const next = (w[i] * g) / (w[i] * g + 1 - w[i]);
      const x = Math.min(Math.max((next - low) / step, 0), points - 1 - 1e-9);
      at[i * NODES.length + j] = Math.floor(x);
      frac[i * NODES.length + j] = x - Math.floor(x);
    }
  }
  return { w, step, dt, at, frac };
}

type Grid = ReturnType<typeof grid>;

/** E h(next weight) for every post-decision weight. */
function expectation(g: Grid, h: Float64Array, out: Float64Array) {
  const m = NODES.length;
  for (let i = 0; i < h.length; i++) {
    let e = 0;
    for (let j = 0; j < m; j++) {
      const k = g.at[i * m + j];
      const f = g.frac[i * m + j];
      e += WEIGHTS[j] * (h[k] + f * (h[k + 1] - h[k]));
    }
    out[i] = e;
  }
}

/**
 * Relative value iteration; `decide(J, x)` returns the cost-to-go of state `x` given the post-decision
 * values `J` (the trading cost included). Returns the average loss per step and the last `J`.
 */
function iterate(g: Grid, p: TwoAssetProblem, decide: (J: Float64Array, h: Float64Array) => void, iterations: number) {
  const n = g.w.length;
  let h = new Float64Array(n);
  let next = new Float64Array(n);
  const J = new Float64Array(n);
  const expected = new Float64Array(n);
  let gain = 0;
  const ref = Math.round((p.target - g.w[0]) / g.step);
  for (let it = 0; it < iterations; it++) {
    expectation(g, h, expected);
    for (let i = 0; i < n; i++) J[i] = p.lambda * g.dt * Math.abs(g.w[i] - p.target) + expected[i];
    decide(J, next);
    gain = next[ref];
    for (let i = 0; i < n; i++) next[i] -= gain;
    [h, next] = [next, h];
  }
  return { gainPerStep: gain, J };
}

/** The optimum over every policy. */
export function solveTwoAsset(p: TwoAssetProblem, options: { span?: number; points?: number; iterations?: number } = {}): Solved {
  const g = grid(p, options.span ?? 0.25, options.points ?? 501);
  const n = g.w.length;
  const c = p.proportional;
  const best = new Float64Array(n);
  const { gainPerStep, J } = iterate(
    g,
    p,
    (J, out) => {
      // min over u of c|u − x| + J(u): a distance transform with slope c, in two passes.
      let run = Infinity;
      for (let i = 0; i < n; i++) best[i] = run = Math.min(run + c * g.step, J[i]);
      run = Infinity;
      for (let i = n - 1; i >= 0; i--) best[i] = Math.min(best[i], (run = Math.min(run + c * g.step, J[i])));
      for (let i = 0; i < n; i++) out[i] = Math.min(J[i], p.fixed + best[i]);
    },
    options.iterations ?? 6_000,
  );
  // The policy: the states where trading beats holding, and where they trade to.
  const trades = (i: number) => {
    let bestU = i;
    let bestCost = J[i];
    for (let u = 0; u < n; u++) {
      const cost = p.fixed + c * Math.abs(g.w[u] - g.w[i]) + J[u];
      if (cost < bestCost - 1e-15) [bestU, bestCost] = [u, cost];
    }
    return bestU;
  };
  // Up from the target, the first weight at which trading beats holding (the grid's edge, which the
  // chain never nears, is distorted by clamping: not read).
  let trigger = Infinity;
  let returnTo = 0;
  for (let i = Math.round((p.target - g.w[0]) / g.step); i < n; i++) {
    const u = trades(i);
    if (u === i) continue;
    trigger = g.w[i] - p.target;
    returnTo = g.w[u] - p.target;
    break;
  }
  return { lossBps: (gainPerStep / g.dt) * 10_000, trigger, returnTo };
}

/** The average loss of the policy "trade when drift reaches `trigger`, back to `returnTo`", on the same grid. */
export function bandLoss(p: TwoAssetProblem, trigger: number, returnTo: number, options: { span?: number; points?: number; iterations?: number } = {}): number {
  const g = grid(p, options.span ?? 0.25, options.points ?? 501);
  const n = g.w.length;
  const index = (w: number) => Math.min(Math.max((w - g.w[0]) / g.step, 0), n - 1);
  const interp = (J: Float64Array, x: number) => {
    const k = Math.min(Math.floor(x), n - 2);
    return J[k] + (x - k) * (J[k + 1] - J[k]);
  };
  const { gainPerStep } = iterate(
    g,
    p,
    (J, out) => {
      for (let i = 0; i < n; i++) {
        const gap = g.w[i] - p.target;
        if (Math.abs(gap) < trigger - 1e-12) out[i] = J[i];
        else {
          const to = p.target + Math.sign(gap) * returnTo;
          out[i] = p.fixed + p.proportional * Math.abs(to - g.w[i]) + interp(J, index(to));
        }
      }
    },
    options.iterations ?? 6_000,
  );
  return (gainPerStep / g.dt) * 10_000;
}
