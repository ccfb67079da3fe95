// The scenarios of the forked-mainnet suite, written once and run in two worlds: against real
// mainnet state (MainnetFork.test.ts, when an RPC URL is given) and against the genuine local
// Uniswap market with mainnet-like tokens (LocalTwin.test.ts, always). They tell one story, in
// order: holders deposit, the keeper buys the basket, the market moves, governance changes the
// targets, the keeper follows, holders leave.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { Contract, id, MaxUint256, ZeroHash, type ContractTransactionReceipt } from "ethers";

import { ERC20_ABI } from "../../deploy/lib/erc20.js";
import { swapRouterArtifact } from "../../deploy/lib/uniswap-artifacts.js";
import { reversePath } from "../../deploy/lib/uniswap-path.js";
import type { RebalancingVault, TimelockController, UniswapV3TwapOracle } from "../../types/ethers-contracts/index.js";
import type { Connection } from "../helpers/market.js";

export interface World {
  connection: Connection;
  vault: RebalancingVault;
  oracle: UniswapV3TwapOracle;
  timelock: TimelockController;
  router: string;
  /** The basket as the vault lists it: the base asset (USDC) first. */
  basket: string[];
  /** Each token's swap path from it to the base asset, "0x" for the base asset. */
  paths: string[];
  signers: { governance: HardhatEthersSigner; keeper: HardhatEthersSigner; alice: HardhatEthersSigner; bob: HardhatEthersSigner; trader: HardhatEthersSigner };
  /** Gives `who` `amount` of `token` (by the world's means: minting, wrapping, or writing its balance). */
  fund: (who: HardhatEthersSigner, token: string, amount: bigint) => Promise<void>;
  /** USD of USDC the market actor spends to move WETH's price. */
  moveUsd: bigint;
}

const USDC = (n: bigint) => n * 10n ** 6n;

/** Registers the story's tests in the calling `describe`; `world()` is set up by its `before`. */
export function scenarios(world: () => World) {
  const w = () => world();
  const time = () => w().connection.networkHelpers.time;
  const erc20 = (token: string, runner?: HardhatEthersSigner) => new Contract(token, ERC20_ABI, runner ?? w().connection.ethers.provider);

  /** NAV lies within the sum of the oracle's low and high values of every holding. */
  async function expectNavWithinOracleBounds() {
    const { vault, oracle, basket } = w();
    const vaultAddress = await vault.getAddress();
    let low = 0n;
    let high = 0n;
    for (const token of basket) {
      const balance = (await erc20(token).balanceOf(vaultAddress)) as bigint;
      const [l, h] = balance === 0n ? [0n, 0n] : await oracle.quoteBounds(token, balance);
      low += l;
      high += h;
    }
    const nav = await vault.totalAssets();
    expect(nav >= low && nav <= high, `NAV ${nav} outside [${low}, ${high}]`).to.equal(true);
    return nav;
  }

  /** Rebalances once per cooldown, letting the TWAP catch up, until no rebalance is due. */
  async function rebalanceUntilSettled() {
    const { vault, signers } = w();
    const p = await vault.parameters();
    const receipts: ContractTransactionReceipt[] = [];
    for (let round = 0; round < 30; round++) {
      const [due] = await vault.rebalanceStatus();
      if (!due) return receipts;
      const tx = await (vault.connect(signers.keeper) as RebalancingVault).rebalance();
      receipts.push((await tx.wait()) as ContractTransactionReceipt);
      await time().increase(Number(p.cooldownSeconds) + 1800);
    }
    expect.fail("still due after 30 rebalances");
  }

  /** Every swap of these rebalances paid at least its minimum, and lost at most MaxSlippageBps against the oracle. */
  async function expectSlippageWithinBound(receipts: ContractTransactionReceipt[]) {
    const { vault } = w();
    const maxSlippageBps = (await vault.parameters()).maxSlippageBps;
    let swaps = 0;
    for (const receipt of receipts) {
      for (const log of receipt.logs) {
        const parsed = vault.interface.parseLog(log);
        if (parsed?.name !== "RebalanceTrade") continue;
        swaps++;
        const { amountOut, expectedOut } = parsed.args;
        expect(amountOut * 10_000n >= expectedOut * (10_000n - maxSlippageBps), `${amountOut} < ${expectedOut} less ${maxSlippageBps} bps`).to.equal(true);
      }
    }
    return swaps;
  }

  it("real holders deposit USDC and get shares at NAV", async function () {
    const { vault, signers, basket, fund } = w();
    const vaultAddress = await vault.getAddress();
    for (const [who, usd] of [[signers.alice, 600_000n], [signers.bob, 400_000n]] as const) {
      await fund(who, basket[0], USDC(usd));
      await erc20(basket[0], who).approve(vaultAddress, MaxUint256);
      const expected = await vault.previewDeposit(USDC(usd));
      await (vault.connect(who) as RebalancingVault).deposit(USDC(usd), who.address);
      expect(await vault.balanceOf(who.address)).to.equal(expected);
    }
    expect(await vault.totalAssets()).to.equal(USDC(1_000_000n));
  });

  it("the keeper buys the basket on the pools, each swap within the slippage bound, until drift is inside the band", async function () {
    const { vault } = w();
    const receipts = await rebalanceUntilSettled();
    expect(receipts.length).to.be.greaterThan(0);
    expect(await expectSlippageWithinBound(receipts)).to.be.greaterThan(0);
    const p = await vault.parameters();
    expect(await vault.driftBps()).to.be.lessThan(p.driftThresholdBps);
    // Buying $600k of tokens cost fees and impact, within the slippage bound of what traded.
    const nav = await expectNavWithinOracleBounds();
    expect(nav >= (USDC(1_000_000n) * (10_000n - p.maxSlippageBps)) / 10_000n, `NAV ${nav} lost more than the bound`).to.equal(true);
  });

  it("a real swap moves WETH's price; the oracle follows over its window, and NAV stays within the oracle's bounds", async function () {
    const { oracle, basket, paths, signers, fund, router, moveUsd } = w();
    const weth = basket[1];
    const probe = 10n ** 18n;
    const before = await oracle.quote(weth, probe);
    await fund(signers.trader, basket[0], USDC(moveUsd));
    await erc20(basket[0], signers.trader).approve(router, MaxUint256);
    const swapRouter = new Contract(router, swapRouterArtifact.abi, signers.trader);
    await swapRouter.exactInput({ path: reversePath(paths[1]), recipient: signers.trader.address, deadline: 2n ** 40n, amountIn: USDC(moveUsd), amountOutMinimum: 0n });
    const spot = await oracle.quoteSpot(weth, probe);
    expect(spot).to.be.greaterThan(before); // the market moved at once...
    expect(await oracle.quote(weth, probe)).to.be.lessThan(spot); // ...the TWAP lags it...
    await time().increase(3600);
    const after = await oracle.quote(weth, probe);
    // ...and, with the window past, stands at the new price (within a tick's rounding).
    expect(after > before && (after > spot ? after - spot : spot - after) * 1000n <= spot, `TWAP ${after}, spot ${spot}`).to.equal(true);
    await expectNavWithinOracleBounds();
  });

  it("governance changes the targets through the timelock, not before the delay; the keeper follows", async function () {
    const { vault, timelock, signers, basket } = w();
    const vaultAddress = await vault.getAddress();
    const newTargets = [3000, 4000, 2000, 1000];
    const data = vault.interface.encodeFunctionData("setTargets", [basket, newTargets]);
    const salt = id("fork scenario: new targets");
    const asGov = timelock.connect(signers.governance) as TimelockController;
    const delay = await timelock.getMinDelay();
    await asGov.schedule(vaultAddress, 0, data, ZeroHash, salt, delay);
    await expect(asGov.execute(vaultAddress, 0, data, ZeroHash, salt)).to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState");
    await time().increase(delay);
    await asGov.execute(vaultAddress, 0, data, ZeroHash, salt);
    expect((await vault.targets())[1]).to.deep.equal(newTargets.map(BigInt));
    expect(await vault.driftBps()).to.be.greaterThanOrEqual((await vault.parameters()).driftThresholdBps);

    const receipts = await rebalanceUntilSettled();
    await expectSlippageWithinBound(receipts);
    expect(await vault.driftBps()).to.be.lessThan((await vault.parameters()).driftThresholdBps);
    await expectNavWithinOracleBounds();
  });

  it("holders leave: one to USDC from the idle balance, one in kind, pro rata", async function () {
    const { vault, signers, basket } = w();
    const vaultAddress = await vault.getAddress();
    // Alice takes what the idle USDC covers, at the previewed price.
    const maxShares = await vault.maxRedeem(signers.alice.address);
    expect(maxShares).to.be.greaterThan(0n);
    const idle = (await erc20(basket[0]).balanceOf(vaultAddress)) as bigint;
    const assets = await vault.previewRedeem(maxShares);
    expect(assets).to.be.lessThanOrEqual(idle);
    const aliceUsdc = (await erc20(basket[0]).balanceOf(signers.alice.address)) as bigint;
    await (vault.connect(signers.alice) as RebalancingVault).redeem(maxShares, signers.alice.address, signers.alice.address);
    expect((await erc20(basket[0]).balanceOf(signers.alice.address)) - aliceUsdc).to.equal(assets);

    // Bob takes his slice of every holding.
    const shares = await vault.balanceOf(signers.bob.address);
    const supply = (await vault.totalSupply()) + 10n ** 6n; // the virtual shares own their slice too
    const balances = await Promise.all(basket.map((t) => erc20(t).balanceOf(vaultAddress) as Promise<bigint>));
    const amounts = await (vault.connect(signers.bob) as RebalancingVault).redeemInKind.staticCall(shares, signers.bob.address, signers.bob.address);
    await (vault.connect(signers.bob) as RebalancingVault).redeemInKind(shares, signers.bob.address, signers.bob.address);
    basket.forEach((_, i) => expect(amounts[i]).to.equal((balances[i] * shares) / supply));
    expect(await vault.balanceOf(signers.bob.address)).to.equal(0n);
    await expectNavWithinOracleBounds();
  });
}
