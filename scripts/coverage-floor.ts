// The coverage gate: reads the LCOV report `hardhat test --coverage` writes, prints the line coverage of
// every production contract (everything under contracts/ but the mocks, the benchmark's contracts and the
// local market's), and exits 1 when their lines together fall under the floor.
//
// Usage: tsx scripts/coverage-floor.ts [--floor 95] [--lcov coverage/lcov.info]
import { existsSync, readFileSync } from "node:fs";

import Table from "cli-table3";
import { Command } from "commander";

const NOT_PRODUCTION = /^contracts\/(mocks|bench|local)\//;

const options = new Command()
  .option("--floor <percent>", "the least line coverage the production contracts may have, together", "95")
  .option("--lcov <file>", "the LCOV report", "coverage/lcov.info")
  .parse()
  .opts<{ floor: string; lcov: string }>();

if (!existsSync(options.lcov)) {
  console.error(`error: no coverage report at ${options.lcov}: run the tests with --coverage first`);
  process.exit(1);
}

// LCOV: a record per file, "SF:<path>" ... "DA:<line>,<hits>" ... "end_of_record".
const files = new Map<string, Map<number, number>>();
let current: Map<number, number> | null = null;
for (const line of readFileSync(options.lcov, "utf8").split("\n")) {
  if (line.startsWith("SF:")) {
    const path = line.slice(3).replace(/^.*?(contracts\/)/, "$1");
    current = path.startsWith("contracts/") && !NOT_PRODUCTION.test(path) ? (files.get(path) ?? new Map()) : null;
    if (current !== null) files.set(path, current);
  } else if (line.startsWith("DA:") && current !== null) {
    const [number, hits] = line.slice(3).split(",").map(Number);
    current.set(number, Math.max(current.get(number) ?? 0, hits));
  }
}

let covered = 0;
let total = 0;
const table = new Table({ head: ["production contract", "lines", "covered", "line %", "uncovered lines"], style: { head: [], border: [] } });
for (const [path, lines] of [...files.entries()].sort()) {
  const hit = [...lines.values()].filter((h) => h > 0).length;
  covered += hit;
  total += lines.size;
  const missed = [...lines.entries()].filter(([, h]) => h === 0).map(([n]) => n);
  table.push([path, lines.size, hit, lines.size === 0 ? "-" : ((hit / lines.size) * 100).toFixed(2), missed.join(", ") || "-"]);
}
const percent = total === 0 ? 0 : (covered / total) * 100;
table.push(["all production contracts", total, covered, percent.toFixed(2), ""]);
console.log(table.toString());
const floor = Number(options.floor);
if (percent < floor) {
  console.error(`error: the production contracts' line coverage is ${percent.toFixed(2)}%, under the floor of ${floor}%`);
  process.exit(1);
}
console.log(`Line coverage of the production contracts: ${percent.toFixed(2)}% (floor ${floor}%).`);
