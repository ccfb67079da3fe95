// What a simulation prints and writes: a table for the terminal, and a self-contained HTML page
// with two charts (tracking error against cost per policy; NAV along one path).
import Table from "cli-table3";

import type { SimulationResult } from "./simulate.js";

const pm = (s: { mean: number; stderr: number }, digits = 0) => `${s.mean.toFixed(digits)} ± ${s.stderr.toFixed(digits)}`;

export function table(r: SimulationResult): string {
  const t = new Table({
    head: ["policy", "tracking err (bps)", "rebalances/yr", "turnover/yr", "cost (bps/yr)", "growth (bps/yr)", "premium vs B&H (bps/yr)", "terminal value", "max drawdown"],
    style: { head: [], border: [] },
  });
  for (const p of r.policies) {
    t.push([
      p.name,
      pm(p.trackingErrorBps),
      p.rebalancesPerYear.mean.toFixed(1),
      `${p.turnover.mean.toFixed(2)}x`,
      pm(p.costBpsPerYear, 1),
      pm(p.growthBps),
      pm(p.premiumBps, 1),
      p.terminalValue.mean.toFixed(3),
      `${(p.maxDrawdown.mean * 100).toFixed(1)}% (worst ${(p.worstDrawdown * 100).toFixed(1)}%)`,
    ]);
  }
  return t.toString();
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

function scatter(r: SimulationResult): string {
  const W = 720;
  const H = 420;
  const m = { l: 70, r: 20, t: 20, b: 50 };
  const xs = r.policies.map((p) => p.trackingErrorBps.mean);
  const ys = r.policies.map((p) => p.costBpsPerYear.mean);
  const xMax = Math.max(...xs) * 1.1 || 1;
  const yMax = Math.max(...ys) * 1.15 || 1;
  const x = (v: number) => m.l + (v / xMax) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - (v / yMax) * (H - m.t - m.b);
  const dots = r.policies
    .map((p, i) => `<circle cx="${x(xs[i]).toFixed(1)}" cy="${y(ys[i]).toFixed(1)}" r="5" fill="${COLORS[i % COLORS.length]}"><title>${esc(p.name)}</title></circle>` +
      `<text x="${(x(xs[i]) + 7).toFixed(1)}" y="${(y(ys[i]) - 6).toFixed(1)}" font-size="11">${esc(p.name)}</text>`)
    .join("");
  return `<svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">
<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#333"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#333"/>
<text x="${W / 2}" y="${H - 12}" text-anchor="middle" font-size="12">time-averaged tracking error (bps) — lower is better</text>
<text x="16" y="${H / 2}" transform="rotate(-90 16 ${H / 2})" text-anchor="middle" font-size="12">cost (bps of NAV per year)</text>
<text x="${m.l}" y="${H - m.b + 16}" font-size="10">0</text><text x="${W - m.r}" y="${H - m.b + 16}" font-size="10" text-anchor="end">${xMax.toFixed(0)}</text>
<text x="${m.l - 6}" y="${m.t + 4}" font-size="10" text-anchor="end">${yMax.toFixed(1)}</text>
${dots}</svg>`;
}

function lines(r: SimulationResult): string {
  const W = 720;
  const H = 360;
  const m = { l: 70, r: 160, t: 20, b: 40 };
  const names = Object.keys(r.samplePath).slice(0, 8);
  const all = names.flatMap((n) => r.samplePath[n]);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const days = r.samplePath[names[0]].length - 1;
  const x = (d: number) => m.l + (d / days) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - ((v - lo) / (hi - lo || 1)) * (H - m.t - m.b);
  const paths = names
    .map((n, i) => {
      const d = r.samplePath[n].map((v, k) => `${k === 0 ? "M" : "L"}${x(k).toFixed(1)},${y(v).toFixed(1)}`).join("");
      return `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5"/>` +
        `<text x="${W - m.r + 6}" y="${m.t + 14 * i + 10}" font-size="11" fill="${COLORS[i % COLORS.length]}">${esc(n)}</text>`;
    })
    .join("");
  return `<svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">
<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#333"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#333"/>
<text x="${(W - m.r + m.l) / 2}" y="${H - 10}" text-anchor="middle" font-size="12">day (path 1 of ${r.config.pathCount})</text>
<text x="${m.l - 6}" y="${m.t + 4}" font-size="10" text-anchor="end">$${Math.round(hi).toLocaleString("en-US")}</text>
<text x="${m.l - 6}" y="${H - m.b}" font-size="10" text-anchor="end">$${Math.round(lo).toLocaleString("en-US")}</text>
${paths}</svg>`;
}

export function html(r: SimulationResult): string {
  const c = r.config;
  const rows = r.policies
    .map((p) => `<tr><td>${esc(p.name)}</td><td>${pm(p.trackingErrorBps)}</td><td>${p.rebalancesPerYear.mean.toFixed(1)}</td><td>${pm(p.costBpsPerYear, 1)}</td><td>${pm(p.premiumBps, 1)}</td><td>${(p.maxDrawdown.mean * 100).toFixed(1)}%</td></tr>`)
    .join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>Ballast strategy simulation</title>
<style>body{font-family:sans-serif;max-width:960px;margin:24px auto;color:#222}td,th{padding:2px 10px;text-align:right}td:first-child,th:first-child{text-align:left}table{border-collapse:collapse}tr:nth-child(even){background:#f4f4f4}</style></head><body>
<h1>Ballast strategy simulation</h1>
<p>${c.pathCount} paths of ${c.paths.days} days, a keeper check every ${c.paths.stepHours} h, scenario <b>${esc(c.paths.scenario)}</b>, seed ${c.paths.seed};
NAV $${c.navUsd.toLocaleString("en-US")}; ${c.costs === null ? "no costs" : `gas ${c.costs.gasPriceGwei} gwei at $${c.costs.nativePriceUsd}, ${c.costs.gasBase.toLocaleString("en-US")} + ${c.costs.gasPerSwap.toLocaleString("en-US")} gas per swap`}.
Basket: ${c.basket.tokens.map((t, i) => `${esc(t.symbol)} ${(c.basket.targets[i] * 100).toFixed(0)}% (σ ${(t.volatility * 100).toFixed(0)}%)`).join(", ")}.
Theory (½(Σwσ² − wᵀΣw)): ${r.theoryExcessGrowthBps.toFixed(1)} bps/yr of excess growth for a constant mix.</p>
<h2>Tracking error against cost</h2>${scatter(r)}
<h2>NAV along one path</h2>${lines(r)}
<h2>Every policy (mean ± standard error over paths)</h2>
<table><tr><th>policy</th><th>tracking error (bps)</th><th>rebalances/yr</th><th>cost (bps/yr)</th><th>premium vs B&amp;H (bps/yr)</th><th>mean max drawdown</th></tr>
${rows}</table></body></html>
`;
}
