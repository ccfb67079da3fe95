// Strategy simulator: compares rebalancing policies over simulated price paths under realistic
// costs, checks the simulation against theory, and recommends parameters. `npm run simulate -- --help`.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import Table from "cli-table3";
import { Command, InvalidArgumentError, Option } from "commander";

import { DEFAULT_COSTS, gasFromBenchmark } from "../sim/costs.js";
import { DEFAULT_BASKET, SCENARIOS, type Scenario } from "../sim/market.js";
import { defaultPolicies } from "../sim/policies.js";
import { recommend } from "../sim/recommend.js";
import { refusalRates } from "../sim/refusals.js";
import { frontierHtml, frontierTable, html, table, theoryNote } from "../sim/report.js";
import { simulate } from "../sim/simulate.js";
import { EXECUTION_MODES, restoreAfterDrift } from "../sim/by-size.js";
import { SWEEP_NAVS, SWEEP_NETWORKS, sweepCell, type SweepCell } from "../sim/sweep.js";
import { defaultFillers } from "../sim/engine.js";

const integer = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
};
const positive = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
  return n;
};

const program = new Command()
  .name("npm run simulate --")
  .description("Simulate Ballast's rebalancing policies over correlated price paths, with gas, pool fees and price impact.")
  .option("--days <n>", "length of each path in days", integer("--days", 1, 3650), 365)
  .option("--step-hours <n>", "hours between keeper checks (a divisor of 24)", integer("--step-hours", 1, 24), 1)
  .option("--paths <n>", "number of price paths", integer("--paths", 1, 10_000), 100)
  .option("--seed <n>", "seed of the paths", integer("--seed", 0, 2 ** 31), 1)
  .addOption(new Option("--scenario <name>", "market scenario").choices(SCENARIOS as unknown as string[]).default("regimes"))
  .option("--nav <usd>", "vault NAV in USD", positive("--nav"), 1_000_000)
  .option("--gas-price <gwei>", "gas price in gwei", positive("--gas-price"), DEFAULT_COSTS.gasPriceGwei)
  .addOption(new Option("--gas-gwei <gwei>", "the same as --gas-price").argParser(positive("--gas-gwei")).hideHelp())
  .option("--native-price <usd>", "price of the native coin (gas) in USD", positive("--native-price"), DEFAULT_COSTS.nativePriceUsd)
  .option("--depth-scale <x>", "multiplies every pool's depth", positive("--depth-scale"), 1)
  .option("--no-costs", "make trading free (for comparing with theory)")
  .option("--recommend", "search the contract's parameters for the cheapest way to a tracking-error budget")
  .option("--frontier", "run every policy in the gbm, regimes and crash scenarios; print each scenario's efficient frontier and write frontier.html")
  .option("--refusals", "measure, block by block in the gbm, regimes and crash scenarios, how often the oracle's rules refuse an honest entry or exit (--days per path, 12-second blocks)")
  .option("--management-fee-bps <n>", "the vault's management fee, bps a year (as ManagementFeeBps)", integer("--management-fee-bps", 0, 500), 0)
  .option("--performance-fee-bps <n>", "the vault's performance fee, bps of gains above the high-water mark (as PerformanceFeeBps)", integer("--performance-fee-bps", 0, 3_000), 0)
  .option("--sweep", "by NAV ($100k to $100M) and network (5, 20, 50 gwei, an L2, pools 10x deeper): the cost of a trigger with a return point against trading back to target, at equal tracking error")
  .option("--at-tracking-error <bps>", "the tracking error --sweep compares costs at", integer("--at-tracking-error", 1, 10_000), 250)
  .option("--by-size", "time back to target and its cost after governance moves 10% of target, at NAV $1M, $10M and $100M, for slices, auctions and hybrid")
  .option("--auction-premium-bps <n>", "auctions start this far above the oracle's reference (AuctionPremiumBps)", integer("--auction-premium-bps", 0, 1_000), 200)
  .option("--auction-discount-bps <n>", "and fall to this far below it, where fills stop (AuctionMaxDiscountBps)", integer("--auction-discount-bps", 0, 500), 100)
  .option("--auction-minutes <n>", "over this many minutes (AuctionDurationSeconds / 60)", integer("--auction-minutes", 5, 1_440), 60)
  .option("--filler-fee-bps <n>", "fillers source on a venue with this fee (default: the vault's own pools, as keeper fill does)")
  .option("--filler-depth-scale <x>", "the fillers' venue is this many times deeper than the vault's pools", positive("--filler-depth-scale"), 1)
  .option("--filler-margin-bps <n>", "the least profit a filler fills for, bps of the value filled", integer("--filler-margin-bps", 0, 1_000), 10)
  .option("--max-tracking-error <bps>", "the tracking-error budget for --recommend", integer("--max-tracking-error", 1, 10_000), 300)
  .option("--out <dir>", "where to write results.json and report.html", "sim/out")
  .showHelpAfterError("(run with --help for the options)");

program.parse();
const o = program.opts<{
  days: number;
  stepHours: number;
  paths: number;
  seed: number;
  scenario: Scenario;
  nav: number;
  gasPrice: number;
  gasGwei?: number;
  nativePrice: number;
  depthScale: number;
  costs: boolean;
  recommend?: boolean;
  frontier?: boolean;
  refusals?: boolean;
  bySize?: boolean;
  sweep?: boolean;
  atTrackingError: number;
  auctionPremiumBps: number;
  auctionDiscountBps: number;
  auctionMinutes: number;
  fillerFeeBps?: string;
  fillerDepthScale: number;
  fillerMarginBps: number;
  maxTrackingError: number;
  managementFeeBps: number;
  performanceFeeBps: number;
  out: string;
}>();
if (o.gasGwei !== undefined) o.gasPrice = o.gasGwei;
if (24 % o.stepHours !== 0) program.error("error: --step-hours must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24)", { exitCode: 1 });

const gas = gasFromBenchmark();
const basket = { ...DEFAULT_BASKET, tokens: DEFAULT_BASKET.tokens.map((t) => ({ ...t, depthUsd: t.depthUsd * o.depthScale })) };
const paths = { days: o.days, stepHours: o.stepHours, seed: o.seed, scenario: o.scenario };
if (o.fillerFeeBps !== undefined && !(Number(o.fillerFeeBps) >= 0 && Number(o.fillerFeeBps) <= 1_000)) program.error("error: --filler-fee-bps must be a number from 0 to 1000", { exitCode: 1 });
const costs = o.costs ? { gasPriceGwei: o.gasPrice, nativePriceUsd: o.nativePrice, gasBase: gas.gasBase, gasPerSwap: gas.gasPerSwap, gasAuctionOpen: gas.gasAuctionOpen, gasAuctionFill: gas.gasAuctionFill, gasDerivedReturnPoint: gas.gasDerivedReturnPoint } : null;
const terms = { premium: o.auctionPremiumBps / 10_000, maxDiscount: o.auctionDiscountBps / 10_000, durationHours: o.auctionMinutes / 60 };
const fillers = defaultFillers(costs, {
  venueFee: o.fillerFeeBps === undefined ? null : Number(o.fillerFeeBps) / 10_000,
  depthScale: o.fillerDepthScale,
  margin: o.fillerMarginBps / 10_000,
});
const settings = {
  navUsd: o.nav,
  stepHours: o.stepHours,
  costs,
  fees: o.managementFeeBps + o.performanceFeeBps === 0 ? undefined : { managementBps: o.managementFeeBps, performanceBps: o.performanceFeeBps },
  fillers: fillers ?? undefined,
};
if (!o.bySize && !o.sweep) console.error(
  `Simulating ${o.paths} paths of ${o.days} days (${o.scenario}, seed ${o.seed}), a check every ${o.stepHours} h, NAV $${o.nav.toLocaleString("en-US")}; ` +
    (settings.costs === null ? "no costs." : `gas ${gas.gasBase.toLocaleString("en-US")} + ${gas.gasPerSwap.toLocaleString("en-US")}/swap (+${gas.gasDerivedReturnPoint.toLocaleString("en-US")} with the derived return point) from ${gas.source}, ${o.gasPrice} gwei, $${o.nativePrice}.`) +
    (settings.fees === undefined ? "" : ` Fees: ${o.managementFeeBps} bps a year and ${o.performanceFeeBps} bps of gains above the high-water mark.`),
);
mkdirSync(o.out, { recursive: true });

if (o.sweep) {
  const started = Date.now();
  console.log(
    `Cost a year (bps of NAV) at ${o.atTrackingError} bps of tracking error, ${o.paths} paths of ${o.days} days (${o.scenario}): ` +
      `with a fixed return point / trading back to target = share; the same with the return point the vault derives; then the cheapest single policy within it. Gas ${gas.gasBase.toLocaleString("en-US")} + ${gas.gasPerSwap.toLocaleString("en-US")}/swap (+${gas.gasDerivedReturnPoint.toLocaleString("en-US")} with the derived return point) from ${gas.source}, $${o.nativePrice}.`,
  );
  const table = new Table({ head: ["NAV", ...SWEEP_NETWORKS.map((n) => n.name)], style: { head: [], border: [] } });
  for (const navUsd of SWEEP_NAVS) {
    const cells = SWEEP_NETWORKS.map((network) => sweepCell(basket, paths, o.paths, navUsd, network, gas, o.nativePrice, o.atTrackingError));
    const derived = (c: SweepCell) => (c.derivedShare === null ? "" : `\nderived ${(c.derivedShare * 100).toFixed(0)}% (${c.derivedBps!.toFixed(1)})`);
    const text = (c: SweepCell) =>
      c.share === null ? `${c.returnPointBps?.toFixed(1) ?? "-"} / ${c.toTargetBps?.toFixed(1) ?? "-"}` : `${(c.share * 100).toFixed(0)}% (${c.returnPointBps!.toFixed(1)} / ${c.toTargetBps!.toFixed(1)})${derived(c)}\n${c.best ?? ""}`;
    table.push([`$${(navUsd / 1e6).toLocaleString("en-US")}M`, ...cells.map(text)]);
    console.error(`  $${(navUsd / 1e6).toLocaleString("en-US")}M done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  console.log(table.toString());
} else if (o.bySize) {
  const table = new Table({ head: ["NAV", "mode", "back under 50 bps", "drift left", "value traded", "cost, bps of the 10% moved", "rebalances", "auctions", "fills"], style: { head: [], border: [] } });
  for (const navUsd of [1e6, 1e7, 1e8]) {
    for (const mode of EXECUTION_MODES) {
      const r = restoreAfterDrift(basket, settings, navUsd, mode, terms);
      table.push([`$${(navUsd / 1e6).toLocaleString("en-US")}M`, mode, r.hours === null ? "not in 96 h" : `${r.hours.toFixed(2)} h`, `${r.driftAfterBps.toFixed(0)} bps`, `$${Math.round(r.movedUsd).toLocaleString("en-US")}`, r.costBps.toFixed(1), r.rebalances, r.auctions, r.fills]);
    }
  }
  console.log(table.toString());
  console.log(
    `Auctions: ${o.auctionPremiumBps} bps above the reference down to ${o.auctionDiscountBps} below over ${o.auctionMinutes} min; fillers source on ` +
      (o.fillerFeeBps === undefined ? "the vault's own pools" : `a venue charging ${o.fillerFeeBps} bps`) +
      `${o.fillerDepthScale === 1 ? "" : ` ${o.fillerDepthScale}x as deep`}, for ${o.fillerMarginBps} bps and their gas. Slices: MaxTradeBps 100% and each pool's budget, one an hour.`,
  );
} else if (o.refusals) {
  const started = Date.now();
  const table = new Table({ head: ["scenario", "pricing rule", "blocks refused", "by the breaker", "longest refusal"], style: { head: [], border: [] } });
  for (const scenario of ["gbm", "regimes", "crash"] as const) {
    const rates = refusalRates(basket, { paths: o.paths, days: o.days, seed: o.seed, scenario, blockSeconds: 12, windowBlocks: 150, maxDivergence: 0.05 });
    for (const r of rates) {
      table.push([scenario, r.rule.name, `${(r.refused * 100).toFixed(2)}%`, `${(r.byBreaker * 100).toFixed(2)}%`, `${r.longestSeconds} s`]);
    }
  }
  console.log(table.toString());
  console.log(`Blocks of 12 s; each pool arbitraged to its fee's band at the top of every block; ${o.paths} paths of ${o.days} days. ${((Date.now() - started) / 1000).toFixed(1)} s.`);
} else if (o.frontier) {
  const started = Date.now();
  const results = (["gbm", "regimes", "crash"] as const).map((scenario) =>
    simulate({ basket, paths: { ...paths, scenario }, pathCount: o.paths, settings, policies: defaultPolicies() }),
  );
  console.log(frontierTable(results));
  writeFileSync(path.join(o.out, "frontier.html"), frontierHtml(results));
  console.log(`Wrote ${path.join(o.out, "frontier.html")} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
} else if (o.recommend) {
  const r = recommend(basket, paths, o.paths, settings, o.maxTrackingError, terms);
  console.log(`Candidates ranked by cost per basis point of tracking error removed (budget: ${o.maxTrackingError} bps):`);
  for (const c of r.ranked.slice(0, 10)) {
    console.log(`  ${c.feasible ? " " : "x"} ${c.name.padEnd(30)} tracking ${c.trackingErrorBps.toFixed(0).padStart(5)} bps, cost ${c.costBpsPerYear.toFixed(2).padStart(7)} bps/yr, ${Number.isFinite(c.score) ? c.score.toFixed(4) : "inf"} per bps removed`);
  }
  if (r.best === null) {
    console.log(`No candidate keeps tracking error under ${o.maxTrackingError} bps: raise --max-tracking-error.`);
    process.exitCode = 1;
  } else {
    const against = r.againstToTarget;
    console.log(
      `\nRecommended: ${r.best.name}: ${r.best.costBpsPerYear.mean.toFixed(2)} bps a year at ${r.best.trackingErrorBps.mean.toFixed(0)} bps of tracking error` +
        (against.share === null
          ? "."
          : `, ${(against.share * 100).toFixed(0)}% of what trading back to target costs at the same tracking error (${against.costBpsPerYear!.toFixed(2)}).`),
    );
    console.log("For deploy/parameters/<network>.json5:");
    console.log(`"parameters": ${JSON.stringify(r.parameters, null, 2)}`);
    if (r.governance !== null) {
      console.log("then, through governance (the timelock):");
      if (r.governance.ExecutionMode !== undefined) console.log("  npm run hardhat -- gov propose-auction-house --house <RebalanceAuctions address> --network <network>");
      for (const [name, value] of Object.entries(r.governance)) console.log(`  npm run hardhat -- gov propose-parameter --network <network> --name ${name} --value ${value}`);
    }
    // The strategy's own parameters, for a vault already deployed: the same figures through the timelock.
    const strategy = { DriftThresholdBps: r.parameters!.driftThresholdBps, MinDriftBps: r.parameters!.minDriftBps, RebalanceIntervalSeconds: r.parameters!.rebalanceIntervalSeconds, MaxTradeBps: r.parameters!.maxTradeBps, ResidualDriftBps: r.parameters!.residualDriftBps };
    console.log("On a vault already deployed, the strategy's parameters through the timelock:");
    for (const [name, value] of Object.entries(strategy)) console.log(`  npm run hardhat -- gov propose-parameter --network <network> --name ${name} --value ${value}`);
    if (r.keeper !== null) console.log(`and run the keeper as: ${r.keeper}`);
  }
  writeFileSync(path.join(o.out, "recommendation.json"), JSON.stringify(r, null, 2) + "\n");
  console.log(`Wrote ${path.join(o.out, "recommendation.json")}.`);
} else {
  const started = Date.now();
  const result = simulate({ basket, paths, pathCount: o.paths, settings, policies: defaultPolicies() });
  console.log(table(result));
  console.log(`Theory: a constant mix at the targets grows ${result.theoryExcessGrowthBps.toFixed(1)} bps/yr faster than the weighted average of its tokens (½(Σwσ² − wᵀΣw)): ${theoryNote(result.config)}.`);
  const constantMix = result.policies.find((p) => p.name === "calendar 1d");
  if (constantMix !== undefined) console.log(`Simulated (daily calendar): ${constantMix.excessGrowthBps.mean.toFixed(1)} ± ${constantMix.excessGrowthBps.stderr.toFixed(1)} bps/yr.`);
  writeFileSync(path.join(o.out, "results.json"), JSON.stringify(result, null, 2) + "\n");
  writeFileSync(path.join(o.out, "report.html"), html(result));
  console.log(`Wrote ${path.join(o.out, "results.json")} and ${path.join(o.out, "report.html")} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}
