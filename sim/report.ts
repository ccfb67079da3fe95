// What a simulation prints and writes: a table for the terminal, and a self-contained HTML page
// with two charts (tracking error against cost per policy, with the efficient frontier; NAV along one path).
import Table from "cli-table3";

import type { SimulationResult } from "./simulate.js";

const pm = (s: { mean: number; stderr: number }, digits = 0) => `${s.mean.toFixed(digits)} ± ${s.stderr.toFixed(digits)}`;

export function table(r: SimulationResult): string {
  const fees = r.config.fees !== undefined;
  const t = new Table({
    head: [
      "policy", "tracking err (bps)", "return TE (bps/yr)", "rebalances/yr", "lands at (bps, median / p90)", "turnover/yr", "cost (bps/yr)", "growth (bps/yr)", "premium vs B&H (bps/yr)",
      ...(fees ? ["fees (bps/yr)", "net of fees vs B&H (bps/yr)"] : []),
      "terminal value", "max drawdown",
    ],
    style: { head: [], border: [] },
  });
  for (const p of r.policies) {
    t.push([
      p.name,
      pm(p.trackingErrorBps),
      pm(p.returnTrackingErrorBps),
      p.rebalancesPerYear.mean.toFixed(1),
      p.rebalancesPerYear.mean === 0 ? "-" : `${p.driftAfterBps.median.toFixed(0)} / ${p.driftAfterBps.p90.toFixed(0)}`,
      `${p.turnover.mean.toFixed(2)}x`,
      pm(p.costBpsPerYear, 1),
      pm(p.growthBps),
      pm(p.premiumBps, 1),
      ...(fees ? [pm(p.feeBpsPerYear, 1), pm(p.netPremiumBps, 1)] : []),
      p.terminalValue.mean.toFixed(3),
      `${(p.maxDrawdown.mean * 100).toFixed(1)}% (worst ${(p.worstDrawdown * 100).toFixed(1)}%)`,
    ]);
  }
  return t.toString();
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/**
 * Policy `i`'s colour: the ten of the usual palette, then hues a golden angle apart at two lightnesses,
 * so that no two policies of a report share one however many there are.
 */
export function colorOf(i: number): string {
  return i < COLORS.length ? COLORS[i] : `hsl(${((i - COLORS.length) * 137.508 + 20) % 360 | 0}, 70%, ${i % 2 === 0 ? 30 : 45}%)`;
}

/** Ticks at 1, 2 and 5 times the powers of ten within [lo, hi]. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push(v);
    }
  }
  return ticks;
}

const tickText = (v: number) => (v >= 1 ? v.toLocaleString("en-US") : String(Number(v.toPrecision(1))));

/**
 * The policies that nothing beats on both counts: no other has both less tracking error and less cost.
 * Sorted by tracking error, they draw the efficient frontier.
 */
export function frontier(points: readonly { x: number; y: number }[]): number[] {
  const order = points.map((_, i) => i).sort((a, b) => points[a].x - points[b].x || points[a].y - points[b].y);
  const kept: number[] = [];
  let best = Infinity;
  for (const i of order) {
    if (points[i].y < best) {
      kept.push(i);
      best = points[i].y;
    }
  }
  return kept;
}

/**
 * Tracking error against cost, both on logarithmic axes (the policies that matter differ by factors,
 * not by steps), each policy a numbered dot named in the legend beside the chart (labels on the dots
 * would overlap), and the efficient frontier as a line. A free policy (buy-and-hold) sits on the
 * "0" line below the cost axis.
 */
function scatter(r: SimulationResult, id = "frontier"): string {
  const W = 980;
  const H = Math.max(460, 20 + 15 * r.policies.length + 60);
  const m = { l: 70, r: 330, t: 20, b: 56 };
  const pts = r.policies.map((p) => ({ x: Math.max(p.trackingErrorBps.mean, 1e-3), y: p.costBpsPerYear.mean }));
  const positive = pts.map((p) => p.y).filter((y) => y > 0);
  const [xLo, xHi] = [Math.min(...pts.map((p) => p.x)) / 1.25, Math.max(...pts.map((p) => p.x)) * 1.25];
  const [yLo, yHi] = positive.length === 0 ? [0.1, 1] : [Math.min(...positive) / 1.5, Math.max(...positive) * 1.5];
  const plotW = W - m.l - m.r;
  const plotH = H - m.t - m.b;
  const zeroY = H - m.b + 14; // the row of free policies, under the cost axis
  const x = (v: number) => m.l + (Math.log(v / xLo) / Math.log(xHi / xLo)) * plotW;
  const y = (v: number) => (v <= 0 ? zeroY : H - m.b - (Math.log(v / yLo) / Math.log(yHi / yLo)) * plotH);
  const grid = [
    ...logTicks(xLo, xHi).map((v) => `<line x1="${x(v).toFixed(1)}" y1="${m.t}" x2="${x(v).toFixed(1)}" y2="${H - m.b}" stroke="#e4e4e4"/>` +
      `<text x="${x(v).toFixed(1)}" y="${H - m.b + 30}" font-size="10" text-anchor="middle">${tickText(v)}</text>`),
    ...logTicks(yLo, yHi).map((v) => `<line x1="${m.l}" y1="${y(v).toFixed(1)}" x2="${m.l + plotW}" y2="${y(v).toFixed(1)}" stroke="#e4e4e4"/>` +
      `<text x="${m.l - 6}" y="${(y(v) + 3).toFixed(1)}" font-size="10" text-anchor="end">${tickText(v)}</text>`),
    `<text x="${m.l - 6}" y="${zeroY + 3}" font-size="10" text-anchor="end">0</text>`,
  ].join("");
  const front = frontier(pts);
  const frontPath = front.map((i, k) => `${k === 0 ? "M" : "L"}${x(pts[i].x).toFixed(1)},${y(pts[i].y).toFixed(1)}`).join("");
  const onFront = new Set(front);
  const dots = r.policies
    .map((p, i) => {
      const color = colorOf(i);
      return `<g class="policy" data-name="${esc(p.name)}"><circle cx="${x(pts[i].x).toFixed(1)}" cy="${y(pts[i].y).toFixed(1)}" r="${onFront.has(i) ? 6 : 4.5}" fill="${color}" stroke="${onFront.has(i) ? "#000" : "none"}"><title>${esc(p.name)}: ${pts[i].x.toFixed(0)} bps tracking error, ${pts[i].y.toFixed(1)} bps/yr</title></circle></g>`;
    })
    .join("");
  // One number label per cluster of dots closer than a label's width, e.g. "5·13": labels never overlap.
  const clusters: number[][] = [];
  for (const i of pts.map((_, k) => k)) {
    const near = clusters.find((c) => Math.hypot(x(pts[c[0]].x) - x(pts[i].x), y(pts[c[0]].y) - y(pts[i].y)) < 14);
    if (near === undefined) clusters.push([i]);
    else near.push(i);
  }
  const numbers = clusters
    .map((c) => `<text class="dot-label" x="${x(pts[c[0]].x).toFixed(1)}" y="${(y(pts[c[0]].y) - 9).toFixed(1)}" font-size="10" text-anchor="middle" fill="#222">${c.map((i) => i + 1).join("·")}</text>`)
    .join("");
  const legend = r.policies
    .map((p, i) => `<text class="legend" x="${W - m.r + 16}" y="${m.t + 12 + i * 15}" font-size="11" fill="${colorOf(i)}">${i + 1}. ${esc(p.name)}${onFront.has(i) ? " ◆" : ""}</text>`)
    .join("");
  return `<svg id="${id}" width="${W}" height="${H + 16}" viewBox="0 0 ${W} ${H + 16}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">
<rect x="${m.l}" y="${m.t}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>${grid}
<path class="frontier" d="${frontPath}" fill="none" stroke="#000" stroke-width="1.5" stroke-dasharray="5 3"/>
<text x="${m.l + plotW / 2}" y="${H + 8}" text-anchor="middle" font-size="12">time-averaged tracking error (bps, log scale), lower is better</text>
<text x="16" y="${m.t + plotH / 2}" transform="rotate(-90 16 ${m.t + plotH / 2})" text-anchor="middle" font-size="12">cost (bps of NAV a year, log scale)</text>
${dots}${numbers}${legend}
<text x="${W - m.r + 16}" y="${m.t + 12 + r.policies.length * 15 + 8}" font-size="10" fill="#555">◆ on the efficient frontier (dashed line):</text>
<text x="${W - m.r + 16}" y="${m.t + 12 + r.policies.length * 15 + 21}" font-size="10" fill="#555">no other policy is both cheaper and closer</text></svg>`;
}

/**
 * Along one path, each policy's NAV against buy-and-hold's, in basis points: the lines that matter
 * differ by tens of bps on a NAV that moves by tens of percent, so drawn as NAV they lie on one another.
 */
function lines(r: SimulationResult): string {
  const W = 720;
  const H = 360;
  const m = { l: 70, r: 170, t: 20, b: 40 };
  const hold = Object.keys(r.samplePath).find((n) => n === "buy-and-hold");
  const names = Object.keys(r.samplePath).filter((n) => n !== hold).slice(0, 9);
  if (hold === undefined || names.length === 0) return "";
  const base = r.samplePath[hold];
  const rel = (n: string) => r.samplePath[n].map((v, k) => (v / base[k] - 1) * 10_000);
  const all = [0, ...names.flatMap(rel)];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const days = base.length - 1;
  const x = (d: number) => m.l + (d / days) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - ((v - lo) / (hi - lo || 1)) * (H - m.t - m.b);
  const index = (n: string) => r.policies.findIndex((p) => p.name === n);
  const paths = names
    .map((n, i) => {
      const d = rel(n).map((v, k) => `${k === 0 ? "M" : "L"}${x(k).toFixed(1)},${y(v).toFixed(1)}`).join("");
      const color = colorOf(index(n) < 0 ? i : index(n));
      return `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>` + `<text x="${W - m.r + 6}" y="${m.t + 14 * i + 10}" font-size="11" fill="${color}">${esc(n)}</text>`;
    })
    .join("");
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">
<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#333"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#333"/>
<line x1="${m.l}" y1="${y(0).toFixed(1)}" x2="${W - m.r}" y2="${y(0).toFixed(1)}" stroke="#999" stroke-dasharray="4 3"/>
<text x="${m.l - 6}" y="${(y(0) + 3).toFixed(1)}" font-size="10" text-anchor="end">0</text>
<text x="${m.l + 4}" y="${(y(0) - 4).toFixed(1)}" font-size="10" fill="#555">buy-and-hold (0)</text>
<text x="${(W - m.r + m.l) / 2}" y="${H - 10}" text-anchor="middle" font-size="12">day (path 1 of ${r.config.pathCount})</text>
<text x="${m.l - 6}" y="${m.t + 4}" font-size="10" text-anchor="end">${hi >= 0 ? "+" : ""}${hi.toFixed(0)} bps</text>
<text x="${m.l - 6}" y="${H - m.b}" font-size="10" text-anchor="end">${lo.toFixed(0)} bps</text>
${paths}</svg>`;
}

/**
 * Where the closed form ½(Σwσ² − wᵀΣw) applies: free trading on plain GBM (rebalancing to a constant mix
 * continuously). Beside a run with costs or regime switches it is a reference, not a prediction.
 */
export function theoryNote(c: SimulationResult["config"]): string {
  const why = [c.costs !== null ? "trading costs" : null, c.paths.scenario !== "gbm" ? `the ${c.paths.scenario} scenario` : null].filter((x) => x !== null);
  return why.length === 0
    ? "the closed form applies to this run (free trading, plain GBM)"
    : `the closed form holds for free trading on plain GBM (--no-costs --scenario gbm); this run has ${why.join(" and ")}, so it is a reference, not a prediction`;
}

export function html(r: SimulationResult): string {
  const c = r.config;
  const rows = r.policies
    .map((p) => `<tr><td>${esc(p.name)}</td><td>${pm(p.trackingErrorBps)}</td><td>${p.rebalancesPerYear.mean.toFixed(1)}</td><td>${pm(p.costBpsPerYear, 1)}</td><td>${pm(p.premiumBps, 1)}</td><td>${(p.maxDrawdown.mean * 100).toFixed(1)}%</td></tr>`)
    .join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Ballast strategy simulation</title>
<style>${PAGE_STYLE}</style></head><body>
<h1>Ballast strategy simulation</h1>
<p>${c.pathCount} paths of ${c.paths.days} days, a keeper check every ${c.paths.stepHours} h, scenario <b>${esc(c.paths.scenario)}</b>, seed ${c.paths.seed};
NAV $${c.navUsd.toLocaleString("en-US")}; ${c.costs === null ? "no costs" : `gas ${c.costs.gasPriceGwei} gwei at $${c.costs.nativePriceUsd}, ${c.costs.gasBase.toLocaleString("en-US")} + ${c.costs.gasPerSwap.toLocaleString("en-US")} gas per swap`}.
Basket: ${c.basket.tokens.map((t, i) => `${esc(t.symbol)} ${(c.basket.targets[i] * 100).toFixed(0)}% (σ ${(t.volatility * 100).toFixed(0)}%)`).join(", ")}.
Theory (½(Σwσ² − wᵀΣw)): ${r.theoryExcessGrowthBps.toFixed(1)} bps/yr of excess growth for a constant mix; ${esc(theoryNote(c))}.</p>
<p class="note">Reading the two together: the theory line is what rebalancing to a constant mix earns over buy-and-hold with free trading on a market without trends. The "premium vs B&amp;H" column is what each policy earned over buy-and-hold of the same basket in this run, after its costs. It can be negative under a positive theory figure: costs take their share, and on a path that trends, buy-and-hold (which lets the winners grow) beats any rebalancing.</p>
<h2>Tracking error against cost</h2>${scatter(r)}
<h2>NAV against buy-and-hold along one path</h2>${lines(r)}
<h2>Every policy (mean ± standard error over paths)</h2>
<div class="wide"><table><tr><th>policy</th><th>tracking error (bps)</th><th>rebalances/yr</th><th>cost (bps/yr)</th><th>premium vs B&amp;H (bps/yr)</th><th>mean max drawdown</th></tr>
${rows}</table></div></body></html>
`;
}

/** The report pages' style: readable on a phone too (charts shrink to the width, tables scroll in place). */
const PAGE_STYLE =
  "body{font-family:sans-serif;max-width:1000px;margin:24px auto;padding:0 10px;color:#222}td,th{padding:2px 10px;text-align:right}" +
  "td:first-child,th:first-child{text-align:left}table{border-collapse:collapse}tr:nth-child(even){background:#f4f4f4}tr.front td{font-weight:bold}" +
  "svg{max-width:100%;height:auto}.wide{overflow-x:auto}.note{color:#555;font-size:13px}";

/** The policies on each scenario's efficient frontier, as a table for the terminal. */
export function frontierTable(results: SimulationResult[]): string {
  const t = new Table({ head: ["scenario", "policy on the frontier", "tracking err (bps)", "cost (bps/yr)"], style: { head: [], border: [] } });
  for (const r of results) {
    const pts = r.policies.map((p) => ({ x: p.trackingErrorBps.mean, y: p.costBpsPerYear.mean }));
    for (const i of frontier(pts)) t.push([r.config.paths.scenario, r.policies[i].name, pts[i].x.toFixed(0), pts[i].y.toFixed(1)]);
  }
  return t.toString();
}

/** One page, one tracking-error-against-cost chart (with its frontier) per scenario, and their tables. */
export function frontierHtml(results: SimulationResult[]): string {
  const sections = results
    .map((r) => {
      const pts = r.policies.map((p) => ({ x: p.trackingErrorBps.mean, y: p.costBpsPerYear.mean }));
      const front = new Set(frontier(pts));
      const rows = r.policies
        .map((p, i) => `<tr${front.has(i) ? ' class="front"' : ""}><td>${esc(p.name)}${front.has(i) ? " ◆" : ""}</td><td>${pm(p.trackingErrorBps)}</td><td>${pm(p.costBpsPerYear, 1)}</td><td>${p.rebalancesPerYear.mean.toFixed(1)}</td></tr>`)
        .join("\n");
      return `<h2>${esc(r.config.paths.scenario)}</h2>${scatter(r, `frontier-${r.config.paths.scenario}`)}
<div class="wide"><table><tr><th>policy</th><th>tracking error (bps)</th><th>cost (bps/yr)</th><th>rebalances/yr</th></tr>
${rows}</table></div>`;
    })
    .join("\n");
  const c = results[0].config;
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Ballast rebalancing frontier</title>
<style>${PAGE_STYLE}</style></head><body>
<h1>Tracking error against cost, by scenario</h1>
<p>${c.pathCount} paths of ${c.paths.days} days per scenario, a keeper check every ${c.paths.stepHours} h, seed ${c.paths.seed}, NAV $${c.navUsd.toLocaleString("en-US")}; every rebalance planned by the contract's planner. ◆: on the scenario's efficient frontier.</p>
${sections}</body></html>
`;
}
