// Every command block the docs mark runnable (`<!-- runnable: local node -->` before a ```sh block), run
// as written, in order, against a local node: the newcomer's walk-through must work, on any Node.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const MARKER = "<!-- runnable: local node -->";
const NODE_URL = "http://127.0.0.1:8545";
// Where Ignition records a local node's deployment, which the walk-through writes: put back as it was
// after, so that no later test (on the in-process network, the same chain id) finds a vault there.
const LOCAL_RECORD = path.join(ROOT, "deploy", "deployments", "chain-31337");

/** The runnable blocks of a Markdown file: each one's commands, comments stripped. */
export function runnableBlocks(markdown: string): string[][] {
  const blocks: string[][] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== MARKER) continue;
    if (!/^```(sh|bash)\s*$/.test(lines[i + 1] ?? "")) throw new Error(`${MARKER} must stand right before a sh block (line ${i + 1})`);
    const commands: string[] = [];
    for (let j = i + 2; j < lines.length && !lines[j].startsWith("```"); j++) {
      const command = lines[j].replace(/\s+#.*$/, "").trim();
      if (command !== "" && !command.startsWith("#")) commands.push(command);
    }
    blocks.push(commands);
  }
  return blocks;
}

function documents(): string[] {
  const docs = readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f));
  return ["README.md", ...docs];
}

async function chainAnswers(): Promise<boolean> {
  try {
    const res = await fetch(NODE_URL, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
    return res.ok;
  } catch {
    return false;
  }
}

describe("Documented commands", function () {
  this.timeout(15 * 60_000);
  let node: ChildProcess | undefined;
  let saved: string | undefined;
  // The Safe batch files the walk-through writes where it runs: removed after, others left as they were.
  const batches = () => readdirSync(ROOT).filter((f) => /^safe-batch-.*\.json$/.test(f));
  let batchesBefore: string[] = [];

  before(function () {
    batchesBefore = batches();
    if (!existsSync(LOCAL_RECORD)) return;
    saved = `${LOCAL_RECORD}.kept-during-docs-test`;
    renameSync(LOCAL_RECORD, saved);
  });

  after(function () {
    if (node?.pid !== undefined) process.kill(-node.pid, "SIGTERM");
    rmSync(LOCAL_RECORD, { recursive: true, force: true });
    for (const f of batches()) if (!batchesBefore.includes(f)) rmSync(path.join(ROOT, f));
    if (saved !== undefined) renameSync(saved, LOCAL_RECORD);
  });

  it("finds the runnable blocks, and only sh blocks are marked", function () {
    const all = documents().flatMap((file) => runnableBlocks(readFileSync(path.join(ROOT, file), "utf8")));
    expect(all.length).to.be.greaterThan(0);
    expect(runnableBlocks(`${MARKER}\n\`\`\`sh\nnpm run demo   # a comment\n# only a comment\n\n\`\`\`\n`)).to.deep.equal([["npm run demo"]]);
    expect(() => runnableBlocks(`${MARKER}\n\`\`\`ts\nx\n\`\`\`\n`)).to.throw(/must stand right before a sh block/);
  });

  it("runs every command of every runnable block, as written, against a local node", async function () {
    if (await chainAnswers()) throw new Error(`something already answers at ${NODE_URL}: stop it, so that the docs' walk-through runs on a fresh node`);
    // The node, as the docs start it, in its own process group (npm, the Node 22 launcher and Hardhat under it).
    node = spawn("npm", ["run", "-s", "hardhat", "--", "node", "--network", "default"], { cwd: ROOT, detached: true, stdio: "ignore", env: { ...process.env, BALLAST_QUIET_NODE: "1" } });
    for (let waited = 0; !(await chainAnswers()); waited += 500) {
      if (waited > 120_000) throw new Error("the local node did not answer within two minutes");
      await new Promise((r) => setTimeout(r, 500));
    }
    let lastOperation: string | undefined;
    let safe: string | undefined;
    let ran = 0;
    for (const file of documents()) {
      for (const block of runnableBlocks(readFileSync(path.join(ROOT, file), "utf8"))) {
        for (const written of block) {
          // The placeholders: the operation id the previous `gov propose-*` printed, and the Safe `deploy-local.ts` printed.
          const command = written
            .replace("<id>", () => {
              if (lastOperation === undefined) throw new Error(`${file}: "${written}" needs an operation id, and no command before it printed one`);
              return lastOperation;
            })
            .replace(/<safe>/g, () => {
              if (safe === undefined) throw new Error(`${file}: "${written}" needs the local Safe, and no command before it printed one`);
              return safe;
            });
          const run = spawnSync("sh", ["-c", command], { cwd: ROOT, encoding: "utf8", env: { ...process.env, BALLAST_QUIET_NODE: "1" }, timeout: 10 * 60_000 });
          const output = `${run.stdout}\n${run.stderr}`;
          expect(run.status, `${file}: ${command}\n${output}`).to.equal(0);
          expect(output, `${file}: ${command}`).to.not.match(/^error: /m);
          lastOperation = output.match(/operation (0x[0-9a-f]{64})/)?.[1] ?? lastOperation;
          safe = output.match(/^\s*Safe\s+(0x[0-9a-fA-F]{40})/m)?.[1] ?? safe;
          ran++;
        }
      }
    }
    console.log(`      ${ran} documented commands ran as written`);
    expect(ran).to.be.greaterThanOrEqual(11);
  });
});
