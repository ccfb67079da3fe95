#!/usr/bin/env node
// Runs a project command under Node >= 22.13 with the project's dependencies installed.
//
// Hardhat 3 refuses to start on older Node. On a machine whose Node is older and that has no
// other, this script fetches the Node 22 binary that the npm registry publishes as a package
// (`node-<platform>-<arch>`) and runs itself again under it; on a machine that already has Node
// 22.13 or later it runs the command directly. Either way it first makes sure that `npm ci` has
// run under that Node for the current lock file (under Node 20, npm skips Hardhat's native
// platform package, whose engines ask for Node 22).
//
// Usage: node scripts/node22.mjs <command> [args...]   e.g. `node scripts/node22.mjs hardhat test`
//
// Written for any Node >= 18 on purpose: it is the one file that must run before Node 22 exists.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const NODE_PACKAGE_VERSION = "22.23.3";
const MIN = [22, 13];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);

if (args.length === 0) {
  console.error("usage: node scripts/node22.mjs <command> [args...]");
  process.exit(2);
}

function run(cmd, cmdArgs, env) {
  const res = spawnSync(cmd, cmdArgs, { cwd: root, stdio: "inherit", env });
  if (res.error) {
    console.error(`could not start ${cmd}: ${res.error.message}`);
    return 127;
  }
  return res.status ?? (res.signal ? 128 + 1 : 1);
}

const [major, minor] = process.versions.node.split(".").map(Number);
const recentEnough = major > MIN[0] || (major === MIN[0] && minor >= MIN[1]);

if (!recentEnough) {
  const pkg = `node-${process.platform}-${process.arch}`;
  if (!(process.platform === "linux" && (process.arch === "x64" || process.arch === "arm64"))) {
    console.error(
      `Ballast needs Node >= ${MIN.join(".")} (this is ${process.version}). ` +
        "Install Node 22 LTS (for example with nvm or your package manager) and run the command again.",
    );
    process.exit(1);
  }
  // Said once per checkout (and never with BALLAST_QUIET_NODE): every command after the first runs the same way.
  const said = path.join(root, "cache", "node22-notice");
  if (!process.env.BALLAST_QUIET_NODE && !existsSync(said)) {
    console.error(`[ballast] Node ${process.version} is too old for Hardhat 3; every command runs under ${pkg}@${NODE_PACKAGE_VERSION} from npm (said once).`);
    try {
      mkdirSync(path.dirname(said), { recursive: true });
      writeFileSync(said, `${process.version} -> ${NODE_PACKAGE_VERSION}\n`);
    } catch {
      // a read-only checkout says it every time
    }
  }
  const self = fileURLToPath(import.meta.url);
  process.exit(run("npx", ["-y", "-p", `${pkg}@${NODE_PACKAGE_VERSION}`, "--", "node", self, ...args], process.env));
}

// From here on we run under a recent enough Node. Put it first on PATH so that every `node`
// a child process starts (npm, the hardhat bin script) is this one.
const env = {
  ...process.env,
  PATH: [path.dirname(process.execPath), path.join(root, "node_modules", ".bin"), process.env.PATH].join(path.delimiter),
};

// Install when the lock file changed since the last install made by this script (or never ran).
const lockFile = path.join(root, "package-lock.json");
const stampFile = path.join(root, "node_modules", ".ballast-install-stamp");
const lockHash = createHash("sha256").update(readFileSync(lockFile)).digest("hex");
const stamp = `${lockHash} node${major}`;
const installed = existsSync(stampFile) && readFileSync(stampFile, "utf8").trim() === stamp;
if (!installed) {
  console.error("[ballast] installing dependencies (npm ci)...");
  const code = run("npm", ["ci", "--no-audit", "--no-fund"], env);
  if (code !== 0) process.exit(code);
  writeFileSync(stampFile, stamp + "\n");
}

process.exit(run(args[0], args.slice(1), env));
