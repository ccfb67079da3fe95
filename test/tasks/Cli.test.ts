// The tasks as an operator runs them: a separate `hardhat` process, its output and its exit code.
import { spawnSync } from "node:child_process";
import path from "node:path";

import { expect } from "chai";

import { isTransient, withRetry } from "../../tasks/lib/retry.js";

// The project's own `hardhat` command, run by the Node that runs the tests.
const hardhatCli = path.resolve("node_modules", "hardhat", "dist", "src", "cli.js");

function hardhat(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
  delete env.CI;
  const run = spawnSync(process.execPath, [hardhatCli, ...args], { encoding: "utf8", env, timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("npm warn")) };
}

describe("Tasks from the command line", function () {
  it("exit with 1 and one line naming the problem on bad input", function () {
    const noVault = hardhat("vault", "status", "--vault", "0x000000000000000000000000000000000000dEaD");
    expect(noVault.status).to.equal(1);
    expect(noVault.stderr).to.deep.equal([
      'error: no contract at 0x000000000000000000000000000000000000dEaD on network "default" (chain 31337): check --vault and --network',
    ]);
    const unrecorded = hardhat("keeper", "run");
    expect(unrecorded.status).to.equal(1);
    expect(unrecorded.stderr).to.deep.equal([
      'error: no --vault given and no Ballast deployment recorded on network "default" (chain 31337): pass --vault <address>',
    ]);
  });

  it("keep the one-line error first with --show-stack-traces (on by default on CI), the stack after it", function () {
    const traced = hardhat("--show-stack-traces", "vault", "status", "--vault", "0x000000000000000000000000000000000000dEaD");
    expect(traced.status).to.equal(1);
    expect(traced.stderr[0]).to.equal(
      'error: no contract at 0x000000000000000000000000000000000000dEaD on network "default" (chain 31337): check --vault and --network',
    );
    expect(traced.stderr[1]).to.match(/^OperatorError: no contract at/);
    expect(traced.stderr.slice(2).some((l) => /^\s+at /.test(l))).to.equal(true);
  });

  it("refuse to pass a parameters file whose roles are placeholders", function () {
    const check = hardhat("deploy", "check", "--parameters", "deploy/parameters/mainnet.json5");
    expect(check.status).to.equal(1);
    expect(check.stdout).to.match(/- proposers\[0\] is not an address: "SET-ME/);
    expect(check.stderr).to.deep.equal([
      'error: deploy/parameters/mainnet.json5 has 3 problem(s) on network "default" (chain 31337) (listed above); fix them before deploying',
    ]);
  });

  it("print help for every task", function () {
    const help = hardhat("gov", "--help");
    expect(help.status).to.equal(0);
    for (const sub of ["propose-targets", "propose-parameter", "execute", "cancel"]) expect(help.stdout).to.include(`gov ${sub}`);
  });
});

describe("Retrying RPC calls", function () {
  const noSleep = async () => {};

  it("retries a transient failure with doubling delays, then succeeds", async function () {
    const delays: number[] = [];
    let calls = 0;
    const value = await withRetry(
      async () => {
        if (++calls < 3) throw Object.assign(new Error("request timed out"), { code: "TIMEOUT" });
        return 42;
      },
      { retries: 3, baseDelayMs: 100, sleep: noSleep, onRetry: (_, delay) => delays.push(delay) },
    );
    expect(value).to.equal(42);
    expect(delays).to.deep.equal([100, 200]);
  });

  it("gives up after its retries, and never retries a revert", async function () {
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(Object.assign(new Error("503 Service Unavailable"), { code: "SERVER_ERROR" }));
    };
    await withRetry(failing, { retries: 2, baseDelayMs: 1, sleep: noSleep }).then(
      () => expect.fail("should have failed"),
      (error: Error) => expect(error.message).to.equal("503 Service Unavailable"),
    );
    expect(calls).to.equal(3);

    calls = 0;
    const revert = () => {
      calls++;
      return Promise.reject(Object.assign(new Error("execution reverted: VaultCooldownActive"), { code: "CALL_EXCEPTION" }));
    };
    await withRetry(revert, { retries: 5, baseDelayMs: 1, sleep: noSleep }).catch(() => undefined);
    expect(calls).to.equal(1);
    expect(isTransient(new Error("socket hang up"))).to.equal(true);
    expect(isTransient(new Error("insufficient funds"))).to.equal(false);
  });
});
