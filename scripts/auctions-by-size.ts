// Time back to target and cost, by vault size, for the three execution modes: Uniswap slices only,
// Dutch auctions only, and hybrid (one rebalance's slices, then the auction), on the in-process local
// market. Each run: a vault of NAV $1M, $10M or $100M at its targets, then governance moves 10 points of
// target from WETH to WBTC (10% of NAV to move). A market arbitrageur brings every USDC pool back to its
// fair price each minute (the market's price does not move; the vault's and fillers' trades are arbitraged
// away). Slices: the keeper rebalances whenever due (cooldown one hour). Auctions: a competing filler polls
// every minute and fills, through an UniswapAuctionFiller selling on the same pools, the largest part
// (the whole, or halves down to 1/64) that pays its gas (300,000 gas at 20 gwei) and nothing more; an
// auction that expires is reopened. Done at drift under 50 bps, or after 72 hours.
// Cost: what the vault gave against what it took, both at the oracle's reference, in bps of the value moved.
// Run with `npm run auctions:by-size` (BALLAST_SIZES=1,10 for fewer sizes, in $M).
import Table from "cli-table3";
import { id, MaxUint256, type ContractTransactionReceipt } from "ethers";
import { network } from "hardhat";

import { deployLocalBallast, fundLocal, LOCAL_PARAMETERS, LOCAL_TWAP_WINDOW_SECONDS } from "../deploy/lib/local-ballast.js";
import { pathBetween } from "../tasks/fill.js";
import { PARAMETERS } from "../tasks/lib/vault-terms.js";

const SIZES = (process.env.BALLAST_SIZES ?? "1,10,100").split(",").map((n) => BigInt(n));
const MODES = ["slices", "auctions", "hybrid"] as const;
const USD = (n: bigint) => n * 10n ** 6n;
const STEP = 60;
const LIMIT_HOURS = 72;
const DONE_BPS = 50n;
const FILL_GAS = 300_000n;
const GAS_PRICE = 20n * 10n ** 9n;

interface Outcome {
  nav: bigint;
  mode: (typeof MODES)[number];
  hours: number | null;
  driftAfter: bigint;
  moved: bigint;
  cost: bigint;
  calls: number;
}

async function run(navM: bigint, mode: (typeof MODES)[number]): Promise<Outcome> {
  const connection = await network.create({ network: "default", chainType: "l1" });
  const { ethers, networkHelpers } = connection;
  const [deployer, guardian, keeper, alice, trader, filler] = await ethers.getSigners();
  const b = await deployLocalBallast(connection, {
    proposers: [deployer.address],
    guardian: guardian.address,
    keeper: keeper.address,
    parameters: { ...LOCAL_PARAMETERS, driftThresholdBps: Number(DONE_BPS), minDriftBps: Number(DONE_BPS), residualDriftBps: 25 },
  });
  const weth = await b.weth.getAddress();
  const router = await b.router.getAddress();
  const vaultAddress = await b.vault.getAddress();
  for (const who of [trader, filler]) await networkHelpers.setBalance(who.address, 10n ** 30n);
  const nav = USD(navM * 1_000_000n);
  const [tokens, targets] = await b.vault.targets();
  await b.usdc.mint(alice.address, nav);
  await (b.usdc.connect(alice) as typeof b.usdc).approve(vaultAddress, MaxUint256);
  await (b.vault.connect(alice) as typeof b.vault).deposit((nav * BigInt(targets[0])) / 10_000n, alice.address);
  for (let i = 1; i < tokens.length; i++) {
    const usd = (nav * BigInt(targets[i])) / 10_000n;
    const amount = (usd * 10n ** 30n) / (await b.oracle.quote(tokens[i], 10n ** 30n));
    await fundLocal(connection, weth, trader, tokens[i], amount, router);
    await (await ethers.getContractAt("DemoToken", tokens[i], trader)).transfer(vaultAddress, amount);
  }
  // The arbitrageur: each USDC pool back to the tick it was seeded at.
  const pools = [b.usdcWethPool, b.usdcWbtcPool, b.usdcLinkPool];
  const fair = await Promise.all(pools.map(async (p) => (await p.slot0()).sqrtPriceX96 as bigint));
  const arbRouter = b.router.connect(trader) as typeof b.router;
  for (const t of tokens) await fundLocal(connection, weth, trader, t, 0n, router);
  const arbitrage = async () => {
    for (const [k, pool] of pools.entries()) {
      const now = (await pool.slot0()).sqrtPriceX96 as bigint;
      if (now === fair[k]) continue;
      const [t0, t1, fee] = await Promise.all([pool.token0(), pool.token1(), pool.fee()]);
      const zeroForOne = fair[k] < now;
      const tokenIn = zeroForOne ? t0 : t1;
      const big = tokenIn === weth ? 10n ** 24n : tokenIn === (await b.usdc.getAddress()) ? 10n ** 15n : 10n ** 20n;
      await fundLocal(connection, weth, trader, tokenIn, big, router);
      await arbRouter.exactInputSingle({ tokenIn, tokenOut: zeroForOne ? t1 : t0, fee, recipient: trader.address, deadline: 2n ** 40n, amountIn: big, amountOutMinimum: 0n, sqrtPriceLimitX96: fair[k] });
    }
  };
  await networkHelpers.time.increase(LOCAL_TWAP_WINDOW_SECONDS + 60);

  // Governance: auctions granted, the mode, then 10 points moved from WETH to WBTC.
  const timelockAddress = await b.timelock.getAddress();
  await networkHelpers.impersonateAccount(timelockAddress);
  await networkHelpers.setBalance(timelockAddress, 10n ** 20n);
  const asGov = b.vault.connect(await ethers.getSigner(timelockAddress)) as typeof b.vault;
  await asGov.grantRole(id("AUCTION_ROLE"), await b.auctions.getAddress());
  await asGov.setParameter(PARAMETERS.indexOf("ExecutionMode"), mode === "slices" ? 0 : mode === "auctions" ? 2 : 1);
  const moved = targets.map(Number);
  moved[1] -= 1_000;
  moved[2] += 1_000;
  await asGov.setTargets([...tokens], moved);

  const vault = b.vault.connect(keeper) as typeof b.vault;
  const auctions = b.auctions.connect(filler) as typeof b.auctions;
  const fillerContract = await ethers.deployContract("UniswapAuctionFiller", [router, filler.address], filler);
  const start = await networkHelpers.time.latest();
  let movedValue = 0n;
  let cost = 0n;
  let calls = 0;
  const usdc = await b.usdc.getAddress();
  const typedVault = await ethers.getContractAt("RebalancingVault", vaultAddress);
  const receiptOf = async (p: Promise<{ wait: () => Promise<unknown> }>) => (await (await p).wait()) as ContractTransactionReceipt;
  let slicedOnce = false;
  for (;;) {
    const drift = await vault.driftBps();
    const elapsed = (await networkHelpers.time.latest()) - start;
    if (drift < DONE_BPS) return { nav, mode, hours: elapsed / 3600, driftAfter: drift, moved: movedValue, cost, calls };
    if (elapsed > LIMIT_HOURS * 3600) return { nav, mode, hours: null, driftAfter: drift, moved: movedValue, cost, calls };
    const status = await vault.rebalanceStatus();
    if (status.due && (mode === "slices" || (mode === "hybrid" && !slicedOnce))) {
      // The trades' values at the reference (the call's return), from a static call of the same rebalance.
      for (const trade of await vault.rebalance.staticCall()) movedValue += BigInt(trade.value);
      const receipt = await receiptOf(vault.rebalance());
      calls++;
      slicedOnce = true;
      for (const log of receipt.logs) {
        const e = (() => { try { return b.vault.interface.parseLog(log); } catch { return null; } })();
        if (e?.name === "Rebalanced") cost += BigInt(e.args.navBefore) - BigInt(e.args.navAfter);
      }
    }
    if (mode !== "slices") {
      const [auction] = await auctions.current();
      if (auction.startedAt === 0n) {
        try { await auctions.open.staticCall(); await (await auctions.open()).wait(); calls++; } catch { /* not due */ }
      } else if ((await auctions.closable())[0]) {
        await (await auctions.close()).wait();
        calls++;
      } else {
        const [, , values] = await vault.holdings();
        const navNow = (values as bigint[]).reduce((x: bigint, y: bigint) => x + y, 0n);
        const [, t] = await vault.targets();
        const gap = (i: number) => BigInt(values[i]) * 10_000n - BigInt(t[i]) * navNow;
        for (let o = 0; o < tokens.length; o++) {
          for (let i = 0; i < tokens.length; i++) {
            if (gap(o) <= 0n || gap(i) >= 0n) continue;
            let q;
            try { q = await auctions.quoteFill(tokens[o], tokens[i], MaxUint256); } catch { continue; }
            const gasInBase = await b.oracle.quote(weth, FILL_GAS * GAS_PRICE);
            const minProfit = BigInt(q[3]) === 0n ? 0n : (BigInt(gasInBase) * BigInt(q[1])) / BigInt(q[3]);
            for (let part = 1n; part <= 64n; part *= 2n) {
              const amount = BigInt(q[0]) / part;
              try {
                await fillerContract.fill.staticCall(await auctions.getAddress(), tokens[o], tokens[i], amount, MaxUint256, await pathBetween(typedVault, usdc, tokens[o], tokens[i]), BigInt(minProfit) / part);
              } catch { continue; }
              const receipt = await receiptOf(fillerContract.fill(await auctions.getAddress(), tokens[o], tokens[i], amount, MaxUint256, await pathBetween(typedVault, usdc, tokens[o], tokens[i]), BigInt(minProfit) / part));
              calls++;
              for (const log of receipt.logs) {
                const e = (() => { try { return b.auctions.interface.parseLog(log); } catch { return null; } })();
                if (e?.name === "AuctionFilled") { movedValue += BigInt(e.args.valueOut); cost += BigInt(e.args.valueOut) - BigInt(e.args.valueIn); }
              }
              break;
            }
          }
        }
      }
    }
    await networkHelpers.time.increase(STEP);
    await arbitrage();
  }
}

const table = new Table({ head: ["NAV", "mode", "back under 50 bps", "drift after", "value moved", "cost, bps of it", "transactions"], style: { head: [], border: [] } });
for (const size of SIZES) {
  for (const mode of MODES) {
    console.error(`$${size}M, ${mode}...`);
    const o = await run(size, mode);
    const bps = o.moved === 0n ? "-" : (Number((o.cost * 1_000_000n) / o.moved) / 100).toFixed(1);
    const cells = [`$${size}M`, mode, o.hours === null ? `not in ${LIMIT_HOURS} h` : `${o.hours.toFixed(2)} h`, `${o.driftAfter} bps`, `$${(Number(o.moved) / 1e6).toLocaleString("en-US", { maximumFractionDigits: 0 })}`, bps, String(o.calls)];
    // Each row as it is measured (the larger sizes take minutes), then the table.
    console.error(`  ${cells.join(" | ")}`);
    table.push(cells);
  }
}
console.log(table.toString());
