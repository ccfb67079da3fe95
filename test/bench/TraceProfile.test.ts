// The benchmark's trace profile (scripts/lib/trace-profile.ts): what it charges to whom, on a trace made
// by hand and on a real transaction's trace, whose parts must add up to the gas the chain charged.
import { expect } from "chai";
import { network } from "hardhat";

import { profileTrace, sumRows, totalOf, type TraceStep } from "../../scripts/lib/trace-profile.js";

const VAULT = "0x00000000000000000000000000000000000000aa";
const LIBRARY = "0x00000000000000000000000000000000000000bb";
const TOKEN = "0x00000000000000000000000000000000000000cc";
const PROBE = "0x00000000000000000000000000000000000000dd";
const SENDER = "0x00000000000000000000000000000000000000ee";
const names = new Map([
  [VAULT, "vault"],
  [LIBRARY, "library"],
  [TOKEN, "token"],
]);
// A call's stack: gas, then the target under it (the top is the end of the array).
const call = (op: string, depth: number, target: string): TraceStep => ({ op, gasCost: 1_000_000, depth, stack: [target, "0x0"] });
const step = (op: string, gasCost: number, depth: number, stack?: string[]): TraceStep => ({ op, gasCost, depth, stack });

describe("The benchmark's trace profile", function () {
  it("charges first touches to the account touched, later calls and code to the caller, a library's code to the library", function () {
    const steps = [
      step("PUSH1", 3, 1),
      call("DELEGATECALL", 1, LIBRARY),
      step("SLOAD", 2_100, 2),
      step("SLOAD", 100, 2),
      call("STATICCALL", 2, TOKEN),
      step("SLOAD", 2_100, 3),
      step("RETURN", 0, 3),
      call("STATICCALL", 2, TOKEN),
      step("SLOAD", 100, 3),
      step("RETURN", 0, 3),
      step("SSTORE", 2_900, 2),
      step("LOG3", 1_756, 2),
      step("EXTCODESIZE", 2_600, 2, ["0x00000000000000000000000000000000000000ff"]),
      step("EXTCODESIZE", 100, 2, ["0x00000000000000000000000000000000000000ff"]),
      step("RETURN", 0, 2),
      step("TLOAD", 100, 1),
      step("STOP", 0, 1),
    ];
    const rows = profileTrace(steps, VAULT, names, [SENDER]);
    expect(rows.get("vault")).to.deep.equal({ accounts: 0, coldReads: 0, warmReads: 100, writes: 0, events: 0, computation: 3 });
    // The library's first touch is its own; its second call to the token costs it 100 of computation.
    expect(rows.get("library")).to.deep.equal({ accounts: 2_600, coldReads: 2_100, warmReads: 100, writes: 2_900, events: 1_756, computation: 100 + 100 });
    expect(rows.get("token")).to.deep.equal({ accounts: 2_600, coldReads: 2_100, warmReads: 100, writes: 0, events: 0, computation: 0 });
    // An account touched by EXTCODESIZE is charged its first touch too, shown as itself.
    expect(rows.get("0x00000000000000000000000000000000000000ff")?.accounts).to.equal(2_600);
    expect(totalOf(sumRows([...rows.values()]))).to.equal(steps.filter((s) => !s.op.endsWith("CALL")).reduce((a, s) => a + s.gasCost, 0) + 2 * 2_600 + 100);
  });

  it("leaves out the probe's own steps, but not the first touch of what it calls", function () {
    const steps = [step("GAS", 2, 1), call("STATICCALL", 1, VAULT), step("SLOAD", 2_100, 2), step("RETURN", 0, 2), step("GAS", 2, 1)];
    const rows = profileTrace(steps, PROBE, names, [SENDER], 2);
    expect([...rows.keys()]).to.deep.equal(["vault"]);
    expect(rows.get("vault")).to.deep.equal({ accounts: 2_600, coldReads: 2_100, warmReads: 0, writes: 0, events: 0, computation: 0 });
  });

  it("adds up to what the chain charged for a real token transfer", async function () {
    const { ethers, provider } = await network.create();
    const [owner, other] = await ethers.getSigners();
    const token = await ethers.deployContract("DemoToken", ["Demo", "DMO", 18]);
    await (await token.mint(owner.address, 10n ** 18n)).wait();
    const tx = await token.transfer(other.address, 1n);
    const receipt = await tx.wait();
    const trace = (await provider.request({
      method: "debug_traceTransaction",
      params: [tx.hash, { disableStack: false, disableMemory: true, disableStorage: true }],
    })) as { structLogs: TraceStep[] };
    const address = (await token.getAddress()).toLowerCase();
    const rows = profileTrace(trace.structLogs, address, new Map([[address, "token"]]), [owner.address]);
    const row = rows.get("token");
    // Two balances read cold, both written, one Transfer event; the token itself is warm (the recipient).
    expect(row?.coldReads).to.equal(2 * 2_100);
    expect(row?.accounts).to.equal(0);
    expect(row?.writes).to.be.greaterThan(2 * 2_900 - 1);
    expect(row?.events).to.be.greaterThan(1_500);
    const data = ethers.getBytes(tx.data);
    const calldata = data.reduce((gas, byte) => gas + (byte === 0 ? 4 : 16), 0);
    expect(totalOf(row!) + 21_000 + calldata).to.equal(Number(receipt!.gasUsed));
  });
});
