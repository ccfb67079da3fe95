// Gas benchmark: what `rebalance()` costs after a realistic price move, for baskets of 2, 4 and 8
// tokens, next to the bare SwapRouter swaps it makes (same paths, same amounts, same state, from an
// account that already holds the tokens and has approved the router), measured in the same run.
//
// Run with `npm run bench` (production compiler profile). Prints a table and writes
// bench/out/rebalance.json. The other user actions (deposit, redeem, ...) are not benchmarked yet.
import { mkdirSync, writeFileSync } from "node:fs";

import Table from "cli-table3";
import { MaxUint256, type ContractTransactionReceipt } from "ethers";
import { network } from "hardhat";

import { deployLocalBallast, fundLocal, LOCAL_PARAMETERS, LOCAL_TWAP_WINDOW_SECONDS } from "../deploy/lib/local-ballast.js";
import { reversePath } from "../deploy/lib/uniswap-path.js";

const SIZES = [2, 4, 8];
const DEPOSIT_USD = 1_000_000n;
/** Intrinsic cost of a transaction: paid once by `rebalance()`, once per swap by the bare baseline. */
const TX_BASE_GAS = 21_000n;

interface Row {
  tokens: number;
  swaps: number;
  rebalanceGas: bigint;
  bareSwapsGas: bigint;
}

async function measure(basketSize: number): Promise<Row> {
  const connection = await network.create({ network: "default", chainType: "l1" });
  const { ethers, networkHelpers } = connection;
  const [deployer, guardian, keeper, depositor, trader] = await ethers.getSigners();
  const b = await deployLocalBallast(connection, {
    proposers: [deployer.address],
    guardian: guardian.address,
    keeper: keeper.address,
    basketSize,
    parameters: { ...LOCAL_PARAMETERS, driftThresholdBps: 100, maxTradeBps: 10_000, cooldownSeconds: 60 },
  });
  const vault = b.vault.connect(keeper) as typeof b.vault;
  const routerAs = (who: typeof trader) => b.router.connect(who) as typeof b.router;
  const router = await b.router.getAddress();

  const weth = await b.weth.getAddress();
  const fund = (token: string, amount: bigint) => fundLocal(connection, weth, trader, token, amount, router);

  // A depositor's $1M, bought into the basket at its targets.
  await b.usdc.mint(depositor.address, DEPOSIT_USD * 10n ** 6n);
  await (b.usdc.connect(depositor) as typeof b.usdc).approve(await b.vault.getAddress(), MaxUint256);
  await (b.vault.connect(depositor) as typeof b.vault).deposit(DEPOSIT_USD * 10n ** 6n, depositor.address);
  for (let i = 0; (await vault.rebalanceStatus()).due && i < 10; i++) {
    await vault.rebalance();
    await networkHelpers.time.increase(120);
  }

  // A realistic move: each token 8% up or down against USD in turn, by swaps in its USDC pool.
  const [usdc, ...others] = b.basket;
  for (const [i, token] of others.entries()) {
    const path = b.paths[i];
    const up = i % 2 === 0;
    const usd = 2_350_000n; // about 8% of price on a $60M-a-side full-range pool
    const oracle = b.oracle;
    const amountIn = up ? usd * 10n ** 6n : (usd * 10n ** 6n * 10n ** 30n) / (await oracle.quote(token, 10n ** 30n));
    await fund(up ? usdc : token, amountIn);
    const swapPath = up ? reversePath(path) : path;
    await routerAs(trader).exactInput({ path: swapPath, recipient: trader.address, deadline: 2n ** 40n, amountIn, amountOutMinimum: 0n });
  }
  await networkHelpers.time.increase(LOCAL_TWAP_WINDOW_SECONDS + 60);

  const plan = await vault.previewRebalance();
  for (const t of plan) await fund(t.tokenIn, t.amountIn);
  const snapshot = await networkHelpers.takeSnapshot();
  let bareSwapsGas = 0n;
  for (const t of plan) {
    const tx = await routerAs(trader).exactInput({
      path: t.path,
      recipient: trader.address,
      deadline: 2n ** 40n,
      amountIn: t.amountIn,
      amountOutMinimum: t.minAmountOut,
    });
    bareSwapsGas += ((await tx.wait()) as ContractTransactionReceipt).gasUsed;
  }
  await snapshot.restore();
  const receipt = (await (await vault.rebalance()).wait()) as ContractTransactionReceipt;
  return { tokens: basketSize, swaps: plan.length, rebalanceGas: receipt.gasUsed, bareSwapsGas };
}

const rows: Row[] = [];
for (const size of SIZES) {
  console.error(`measuring a basket of ${size} tokens...`);
  rows.push(await measure(size));
}

const ratio = (a: bigint, b: bigint) => (Number(a) / Number(b)).toFixed(2);
const table = new Table({
  head: ["tokens", "swaps", "rebalance() gas", "bare swaps gas", "ratio", "ratio, execution only"],
  style: { head: [], border: [] },
});
for (const r of rows) {
  const swaps = BigInt(r.swaps);
  table.push([
    r.tokens,
    r.swaps,
    r.rebalanceGas.toLocaleString("en-US"),
    r.bareSwapsGas.toLocaleString("en-US"),
    ratio(r.rebalanceGas, r.bareSwapsGas),
    ratio(r.rebalanceGas - TX_BASE_GAS, r.bareSwapsGas - TX_BASE_GAS * swaps),
  ]);
}
console.log("rebalance() after an 8% move of every token, against the same swaps made bare through SwapRouter");
console.log(table.toString());
console.log(`"execution only" leaves out the ${TX_BASE_GAS.toLocaleString("en-US")} gas every transaction pays: once for rebalance(), once per bare swap.`);

mkdirSync("bench/out", { recursive: true });
writeFileSync(
  "bench/out/rebalance.json",
  JSON.stringify(rows, (_, v) => (typeof v === "bigint" ? Number(v) : v), 2) + "\n",
);
