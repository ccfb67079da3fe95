// `keeper fill`, the filler bot, run through Hardhat's task manager against the in-process network: it
// opens the auction when due, waits while the price is above what Uniswap pays plus gas and a margin,
// fills through its UniswapAuctionFiller once it is not, and sends nothing that would revert.
import { expect } from "chai";
import { ContractFactory, id } from "ethers";

import { swapRouterArtifact } from "../../deploy/lib/uniswap-artifacts.js";
import { openingCostRule } from "../../tasks/fill.js";
import type { PassOutcome } from "../../tasks/keeper.js";
import { OperatorError } from "../../tasks/lib/context.js";
import type { RebalancingVault } from "../../types/ethers-contracts/index.js";
import { signedBy } from "../helpers/assertions.js";
import { logEvents, runTask } from "../helpers/tasks.js";
import { donateTokens, Parameter, timelockSigner, USDC, useBallast } from "../helpers/vault.js";

async function runFill(args: Record<string, unknown>) {
  const run = await runTask(["keeper", "fill"], args);
  return { ...run, outcomes: (run.result.value ?? []) as PassOutcome[] };
}

describe("keeper fill", function () {
  const suite = useBallast({ shared: true });

  /** A $1M vault in auctions-only mode, return point 25 bps, targets moved 10 points from WETH to WBTC; carol's fill arguments. */
  async function drifted() {
    const f = await suite.load();
    const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
    await gov.grantRole(id("AUCTION_ROLE"), await f.auctions.getAddress());
    await gov.setParameter(Parameter.ExecutionMode, 2);
    await gov.setParameter(Parameter.ResidualDriftBps, 25);
    await signedBy(f.vault, f.signers.alice).deposit(USDC(400_000), f.signers.alice.address);
    await donateTokens(f, 600_000n);
    await gov.setTargets([...f.basket], [4_000, 2_000, 3_000, 1_000]);
    const args = { vault: await f.vault.getAddress(), auctions: await f.auctions.getAddress(), filler: "", from: f.signers.carol.address, marginBps: 10, interval: 0, maxPasses: 0, dryRun: false };
    return { f, args };
  }

  it("opens when due, waits out the premium, fills at a profit near the floor, and leaves the basket within its return point", async function () {
    const { f, args } = await drifted();

    const first = await runFill(args);
    expect(first.result.success, String(first.result.error)).to.equal(true);
    expect((await f.auctions.current())[0].id, "opened").to.equal(1n);
    expect(first.outcomes[0].action, "at a 2% premium nothing pays").to.equal("skipped");
    expect(await f.vault.driftBps()).to.be.at.least(999n);

    // Near the floor (1% under the reference), selling WETH for WBTC through USDC pays two pool fees and a margin.
    await suite.connection.networkHelpers.time.increase(3_540);
    const second = await runFill(args);
    expect(second.result.success, String(second.result.error)).to.equal(true);
    expect(second.outcomes[0].action).to.equal("rebalanced");
    expect(await f.vault.driftBps()).to.be.at.most(25n);
    // The auction is done: the next pass closes it.
    const third = await runFill(args);
    expect((third.outcomes[0] as { reason: string }).reason).to.match(/closed/);
    expect((await f.auctions.current())[0].startedAt).to.equal(0n);
  });

  it("opens with the gas keeper pay needs on top of its estimate, where governance turned keeper pay on, and is paid", async function () {
    const { f, args } = await drifted();
    const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
    for (const [p, v] of [[Parameter.KeeperBaseFeeCapGwei, 100], [Parameter.KeeperTipBps, 1_000], [Parameter.KeeperMaxGas, 5_000_000], [Parameter.KeeperMaxGasPerDay, 20_000_000]]) {
      await gov.setParameter(p, v);
    }
    await gov.grantRole(await f.vault.KEEPER_ROLE(), f.signers.carol.address);
    const before = await f.usdc.balanceOf(f.signers.carol.address);
    const run = await runFill(args);
    expect(run.result.success, String(run.result.error)).to.equal(true);
    const opened = logEvents(run).find((l) => l.event === "opened")!;
    const receipt = await suite.connection.ethers.provider.getTransactionReceipt(opened.hash as string);
    const paid = receipt!.logs.map((l) => f.vault.interface.parseLog(l)).find((l) => l?.name === "KeeperPaid");
    // Sent as the bot's own account (the one paid), with the gas the payment needs on top of the estimate.
    const tx = await suite.connection.ethers.provider.getTransaction(opened.hash as string);
    expect(tx!.from).to.equal(f.signers.carol.address);
    expect(paid, "the opener was paid").to.not.equal(undefined);
    expect(paid!.args.keeper).to.equal(f.signers.carol.address);
    expect((await f.usdc.balanceOf(f.signers.carol.address)) - before).to.equal(paid!.args.amount);
  });

  it("with --max-cost-bps, opens only when the floor's discount and the opening's gas fit the cap", async function () {
    const { f, args } = await drifted();
    // The floor is 1% under the reference: an auction may cost 100 bps of the ~$97.5k it restores, and its opening's gas.
    const tight = await runFill({ ...args, maxCostBps: "100" });
    expect(tight.result.success, String(tight.result.error)).to.equal(true);
    expect((tight.outcomes[0] as { reason: string }).reason).to.match(/above --max-cost-bps 100/);
    expect((await f.auctions.current())[0].startedAt, "nothing opened").to.equal(0n);
    const loose = await runFill({ ...args, maxCostBps: "110" });
    expect(loose.result.success, String(loose.result.error)).to.equal(true);
    expect((await f.auctions.current())[0].id, "opened").to.equal(1n);
    const bad = await runFill({ ...args, maxCostBps: "lots" });
    expect(bad.errors[0]).to.match(/--max-cost-bps lots is not a number/);
  });

  it("with --max-cost-bps, refuses to guess when the oracle cannot value the opening's gas (the router's WETH9 unpriced)", async function () {
    const { f } = await drifted();
    // A router on the same factory whose WETH9 is a token the oracle has no route for.
    const unpriced = await suite.connection.ethers.deployContract("DemoToken", ["Wrapped native (unrouted)", "WNAT", 18]);
    const [deployer] = await suite.connection.ethers.getSigners();
    const factory = new ContractFactory(swapRouterArtifact.abi, swapRouterArtifact.bytecode, deployer);
    const router = await factory.deploy(await f.factory.getAddress(), await unpriced.getAddress());
    const routerAddress = await router.getAddress();
    const typed = f.vault as unknown as RebalancingVault;
    const vault = new Proxy(typed, { get: (target, key, receiver) => (key === "ROUTER" ? async () => routerAddress : Reflect.get(target, key, receiver)) });
    const refusal = await openingCostRule(suite.connection, vault, 300_000n, "100").then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).to.be.instanceOf(OperatorError);
    expect((refusal as Error).message).to.match(/cannot value the opening's gas in the base asset \(the oracle does not price the router's WETH9\)/);
    // The same rule on the vault's own router values the gas and answers.
    const verdict = await openingCostRule(suite.connection, typed, 300_000n, "100");
    expect(verdict!.gasCost).to.be.greaterThan(0n);
  });

  it("refuses a margin out of range and a filler it does not own, sending nothing", async function () {
    const f = await suite.load();
    const base = { vault: await f.vault.getAddress(), auctions: await f.auctions.getAddress(), from: f.signers.carol.address, interval: 0, maxPasses: 0, dryRun: false };
    const bad = await runFill({ ...base, filler: "", marginBps: 10_001 });
    expect(bad.result.success).to.equal(false);
    expect(bad.errors[0]).to.match(/--margin-bps 10001/);
    const others = await suite.connection.ethers.deployContract("UniswapAuctionFiller", [await f.router.getAddress(), f.signers.bob.address]);
    const before = await suite.connection.ethers.provider.getTransactionCount(f.signers.carol.address);
    const notMine = await runFill({ ...base, filler: await others.getAddress(), marginBps: 10 });
    expect(notMine.result.success).to.equal(false);
    expect(notMine.errors[0]).to.match(/is not owned by/);
    expect(await suite.connection.ethers.provider.getTransactionCount(f.signers.carol.address)).to.equal(before);
    // Slices only: nothing to do.
    const off = await runFill({ ...base, filler: "", marginBps: 10 });
    expect(off.outcomes[0].action).to.equal("not-due");
  });
});
