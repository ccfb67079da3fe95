// `npm test`: every test, with the coverage gate on the production contracts.
//
// The invariant suite runs on the normal build, outside the coverage run: instrumented, its compilation
// (the handler creates the vault, the auction house, the router and both oracles, each with a hit
// counter on every line) aborts the solc-js compiler ("memory access out of bounds", with its heap near
// 90 MB of its 2 GB: most likely its fixed stack, which no setting raises). Every other suite runs
// instrumented, and its coverage is what the gate reads.
//
// Usage: tsx scripts/test.ts   (run by `npm test` under Node >= 22.13)
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

const INVARIANTS = "test/invariants/VaultInvariants.t.sol";

/** Every file under `dir`, as a path relative to the project root. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

// What Hardhat would run with no files named: mocha takes every script under test/, the Solidity runner
// every `.t.sol`. Named here, so that the invariant suite can be left to its own run.
const tests = filesUnder("test").filter((f) => /\.(ts|js)$/.test(f) || (f.endsWith(".t.sol") && f !== INVARIANTS));

/** Runs a project command; stops `npm test` with its status when it fails. */
function run(command: string, ...args: string[]): void {
  const result = spawnSync(command, args, { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// The normal build first: the instrumented build keeps its own directories, and the dashboard's test
// bundles the page's ABIs from the normal artifacts.
run("hardhat", "build", "--quiet");
// The tests compile apart from the contracts (`splitTestsCompilation`), so this builds only the tests named.
run("hardhat", "test", "--coverage", ...tests);
run("hardhat", "test", "solidity", INVARIANTS);
run("tsx", "scripts/coverage-floor.ts", "--floor", "95");
