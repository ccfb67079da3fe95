// `npm run dashboard`: the web dashboard. Without options, a vault with some history on a chain in this
// process, served with the page; with --rpc and --vault, the page for a real deployment (read-only until
// a wallet connects). `npm run dashboard -- --help`.
import { Command, InvalidArgumentError } from "commander";
import { isAddress } from "ethers";
import { createServer } from "node:net";

import { buildDashboard, serveDashboard, type DashboardOptions } from "../dashboard/server.js";

const started = Date.now();
const program = new Command()
  .name("npm run dashboard --")
  .description("Serve the Ballast dashboard: a local vault with history, or any deployment through its RPC endpoint.")
  .option("--rpc <url>", "a JSON-RPC endpoint the browser can reach (with --vault); default: a local chain in this process")
  .option("--vault <address>", "the vault to show (with --rpc)")
  .option("--router <address>", "the BallastRouter deposits and exits go through (with --rpc; without it they go to the vault directly)")
  .option("--from-block <n>", "read the vault's events from this block (its deployment block)", (v) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError("--from-block must be a block number");
    return Number(v);
  }, 0)
  .option("--port <n>", "the port to serve on", (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError("--port must be a port number");
    return n;
  }, 5173)
  .showHelpAfterError("(run with --help for the options)");
program.parse();
const o = program.opts<{ rpc?: string; vault?: string; router?: string; fromBlock: number; port: number }>();
if ((o.rpc === undefined) !== (o.vault === undefined)) program.error("error: --rpc and --vault go together", { exitCode: 1 });
for (const [name, value] of [["--vault", o.vault], ["--router", o.router]] as const) {
  if (value !== undefined && !isAddress(value)) program.error(`error: ${name} must be an address, not "${value}"`, { exitCode: 1 });
}

// A busy port is said before anything is deployed, with the way out.
if (o.port !== 0) {
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer()
      .once("error", () => resolve(false))
      .listen(o.port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
  if (!free) program.error(`error: port ${o.port} is in use (another dashboard?): stop it, or choose another with --port, e.g. npm run dashboard -- --port ${o.port + 1}`, { exitCode: 1 });
}

let options: DashboardOptions;
if (o.rpc !== undefined) {
  options = { rpc: o.rpc, vault: o.vault!, router: o.router ?? null, fromBlock: o.fromBlock, port: o.port };
} else {
  const hre = (await import("hardhat")).default;
  await hre.tasks.getTask("build").run({ quiet: true });
  const connection = await hre.network.create({ network: "default", chainType: "l1" });
  console.log("Deploying the local market and a vault, and giving it a day of history...");
  const { demoVault } = await import("../dashboard/demo-vault.js");
  const demo = await demoVault(connection);
  options = { provider: connection.provider, vault: demo.vault, router: demo.router, fromBlock: demo.fromBlock, port: o.port };
  console.log(`  vault ${demo.vault}, router ${demo.router}; accounts #0 to #6 of the local chain hold USDC`);
}
const { bytes, gzipped, files } = await buildDashboard();
const server = await serveDashboard(options);
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log(`Bundle: ${files.map((f) => `${f.file} ${kb(f.bytes)}`).join(", ")}; ${kb(bytes)} in all, ${kb(gzipped)} gzipped.`);
console.log(`Ballast dashboard at ${server.url} (served ${((Date.now() - started) / 1000).toFixed(1)} s after start). Ctrl-C stops it.`);
