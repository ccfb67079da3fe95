// The main job: Ballast's whole loop on the in-process network, against the genuine Uniswap V3
// contracts. Deploys the local market and a 4-token vault through their Ignition modules; three
// depositors come in; a market actor moves prices with real swaps over ten simulated days (a trend,
// a crash, a recovery); a keeper (the pass of `hardhat keeper run`) checks every simulated hour and
// rebalances when a simulated call succeeds; governance changes the targets through the timelock
// mid-way; one depositor leaves in kind, another in the base asset. Ends with a report.
//
// Deterministic: the only randomness is the market's intraday noise, drawn from BALLAST_SEED (default 1).
import Table from "cli-table3";
import { formatUnits, id, MaxUint256, ZeroAddress, ZeroHash, type ContractTransactionReceipt } from "ethers";
import { network } from "hardhat";
import { pino } from "pino";

import { deployLocalBallast, fundLocal, LOCAL_PARAMETERS, LOCAL_TIMELOCK_DELAY_SECONDS } from "../deploy/lib/local-ballast.js";
import { uniform } from "../sim/random.js";
import { fillUntilClosed } from "../tasks/fill.js";
import { KEEPER_DEFAULTS, keeperPass as runKeeperPass } from "../tasks/keeper.js";
import { changeBps, fmtBps, fmtPrice, sharePriceOf } from "../tasks/lib/context.js";
import { PARAMETERS } from "../tasks/lib/governance.js";
import { CLOSE_REASONS, TRIGGERS } from "../tasks/lib/vault-terms.js";
import type { MockV3Aggregator } from "../types/ethers-contracts/index.js";

const HOUR = 3600;
const DAYS = 10;
const SEED = Number(process.env.BALLAST_SEED ?? 1);
const NAMES = ["USDC", "WETH", "WBTC", "LINK"];
const DECIMALS = [6n, 18n, 8n, 18n];
const START_USD = [1, 3_000, 100_000, 15];

/** Daily price multipliers per token (WETH, WBTC, LINK): trend up, crash on day 5, recovery. */
function dailyMove(day: number): number[] {
  if (day < 4) return [1.03, 1.02, 1.04];
  if (day === 4) return [0.78, 0.8, 0.7];
  if (day < 7) return [1.0, 1.01, 0.99];
  return [1.04, 1.03, 1.05];
}

/** floor(sqrt(n)), by Newton's method from above. */
function sqrtBig(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

const usd = (raw: bigint) => Number(raw) / 1e6;
const fmtUsd = (raw: bigint) => `$${usd(raw).toLocaleString("en-US", { maximumFractionDigits: 0 })}`;

const connection = await network.create({ network: "default", chainType: "l1" });
const { ethers, networkHelpers } = connection;
const [deployer, governance, guardian, keeper, alice, bob, carol, market] = await ethers.getSigners();

console.log(`Ballast demo (seed ${SEED}): deploying the genuine local Uniswap V3 market and a 4-token vault, a Chainlink feed beside each pool...`);
// Chainlink's own MockV3Aggregator, one USD feed per token, beside each pool's TWAP (the TWAP primary): the vault
// prices through a CompositeOracle, and its performance fee, which charges only on prices anchored so, runs.
const feeds: Record<string, MockV3Aggregator> = {};
const b = await deployLocalBallast(connection, {
  proposers: [governance.address],
  guardian: guardian.address,
  keeper: keeper.address,
  parameters: { ...LOCAL_PARAMETERS, driftThresholdBps: 300 },
  feeds: async ({ weth, wbtc, link }) => {
    const usdFeed = async (token: string, usdPrice: number) => {
      feeds[token] = await ethers.deployContract("MockV3Aggregator", [8, BigInt(usdPrice) * 10n ** 8n]);
      return { token, feed: await feeds[token].getAddress(), heartbeat: 86_400, inEth: false, twap: true, primary: 0 };
    };
    const initial = [await usdFeed(weth, START_USD[1]), await usdFeed(wbtc, START_USD[2]), await usdFeed(link, START_USD[3])];
    return { feedMaxDivergenceBps: 300, feedInit: { ethUsdFeed: ZeroAddress, ethUsdHeartbeat: 0, baseFeed: ZeroAddress, baseHeartbeat: 0, maxDepegBps: 100, feeds: initial } };
  },
});
const vaultAddress = await b.vault.getAddress();
const typedVault = await ethers.getContractAt("RebalancingVault", vaultAddress);
const routerAddress = await b.router.getAddress();
const tokens = b.basket;
const pools = [null, b.usdcWethPool, b.usdcWbtcPool, b.usdcLinkPool];
console.log(`  vault ${vaultAddress}, timelock ${await b.timelock.getAddress()}`);

// --- governance sets the fees at launch, in the open: scheduled before anyone deposits, executed after the delay.
const timelock = b.timelock.connect(governance) as typeof b.timelock;
const FEES = { ManagementFeeBps: 100, PerformanceFeeBps: 1_000 } as const;
const feeCalls = Object.entries(FEES).map(([name, bps]) => b.vault.interface.encodeFunctionData("setParameter", [PARAMETERS.indexOf(name as keyof typeof FEES), bps]));
const feeSalt = id("demo: fees");
await timelock.scheduleBatch(feeCalls.map(() => vaultAddress), feeCalls.map(() => 0n), feeCalls, ZeroHash, feeSalt, LOCAL_TIMELOCK_DELAY_SECONDS);
await networkHelpers.time.increase(LOCAL_TIMELOCK_DELAY_SECONDS);
await timelock.executeBatch(feeCalls.map(() => vaultAddress), feeCalls.map(() => 0n), feeCalls, ZeroHash, feeSalt);
console.log(
  `  governance sets fees of ${FEES.ManagementFeeBps / 100}% a year and ${FEES.PerformanceFeeBps / 100}% of gains above the high-water mark ` +
    `(scheduled through the timelock, executed after its ${LOCAL_TIMELOCK_DELAY_SECONDS / 86_400}-day delay, before anyone deposits)`,
);

// --- depositors
const depositors = [
  { name: "alice", signer: alice, usd: 400_000n },
  { name: "bob", signer: bob, usd: 350_000n },
  { name: "carol", signer: carol, usd: 250_000n },
];
// Depositors come in through the slippage-protected router, each accepting at most 0.5% less than quoted.
const ballastRouter = b.ballastRouter;
const ballastRouterAddress = await ballastRouter.getAddress();
const SLIPPAGE_BPS = 50n;
const atLeast = (quoted: bigint) => (quoted * (10_000n - SLIPPAGE_BPS)) / 10_000n;
for (const d of depositors) {
  const assets = d.usd * 10n ** 6n;
  await b.usdc.mint(d.signer.address, assets);
  await (b.usdc.connect(d.signer) as typeof b.usdc).approve(ballastRouterAddress, MaxUint256);
  await (b.vault.connect(d.signer) as typeof b.vault).approve(ballastRouterAddress, MaxUint256);
  const minShares = atLeast(await b.vault.previewDeposit(assets));
  await (ballastRouter.connect(d.signer) as typeof ballastRouter).deposit(vaultAddress, assets, d.signer.address, minShares);
  console.log(`  ${d.name} deposits ${fmtUsd(assets)} (at least ${(Number(minShares) / 1e12).toLocaleString("en-US", { maximumFractionDigits: 0 })} shares agreed)`);
}

// --- the market actor: moves a pool's price to a target with one swap bounded by a price limit.
const wethAddress = await b.weth.getAddress();
for (const token of tokens) {
  // More than any move needs: each swap below stops at its price limit.
  const amount = token === wethAddress ? 5_000_000n * 10n ** 18n : 10n ** 36n;
  await fundLocal(connection, wethAddress, market, token, amount, routerAddress);
}
const marketRouter = b.router.connect(market) as typeof b.router;

async function setPrice(i: number, usdPrice: number) {
  const pool = pools[i]!;
  const [token0] = [await pool.token0()];
  // Raw USDC units per raw token unit, as a fraction scaled by 1e12.
  const num = BigInt(Math.round(usdPrice * 1e12)) * 10n ** 6n;
  const den = 10n ** 12n * 10n ** DECIMALS[i];
  const ratioX192 = token0 === tokens[i] ? (num << 192n) / den : (den << 192n) / num;
  const target = sqrtBig(ratioX192);
  const [current] = await pool.slot0();
  if (target === current) return;
  const zeroForOne = target < current;
  const tokenIn = zeroForOne ? token0 : await pool.token1();
  const tokenOut = tokenIn === tokens[i] ? tokens[0] : tokens[i];
  await marketRouter.exactInputSingle({
    tokenIn,
    tokenOut,
    fee: await pool.fee(),
    recipient: market.address,
    deadline: 2n ** 40n,
    amountIn: 10n ** 34n,
    amountOutMinimum: 0n,
    sqrtPriceLimitX96: target,
  });
  // The token's Chainlink feed reports the market's move (the market actor moves the wider market, which the
  // pool's arbitrage and the feed both follow).
  await feeds[tokens[i]].updateAnswer(BigInt(Math.round(usdPrice * 1e8)));
}

// --- the keeper: the pass that `hardhat keeper run` makes (check, simulate, price, send), quietly.
interface RebalanceRecord {
  at: string;
  trigger: string;
  trades: number;
  gas: bigint;
  slippageBps: number;
  driftBefore: bigint;
  driftAfter: bigint;
  /** NAV across the rebalance, at the oracle: its cost. */
  navChangeBps: number;
}
const rebalances: RebalanceRecord[] = [];
const quiet = pino({ level: "silent" });
const keeperSettings = { maxBaseFee: null, maxPriorityFee: null, maxCostBps: null, nativePrice: null, markBps: 25, markWhileCharging: false };
async function keeperPass(label: string) {
  const outcome = await runKeeperPass(connection, typedVault, keeper, KEEPER_DEFAULTS, keeperSettings, quiet);
  if (outcome.action !== "rebalanced") return;
  const receipt = (await ethers.provider.getTransactionReceipt(outcome.hash)) as unknown as ContractTransactionReceipt;
  const logs = receipt.logs.map((l) => b.vault.interface.parseLog(l)).filter((l) => l !== null);
  const trades = logs.filter((l) => l.name === "RebalanceTrade").map((l) => l.args);
  const done = logs.find((l) => l.name === "Rebalanced")!.args;
  let expected = 0;
  let shortfall = 0;
  for (const t of trades) {
    expected += Number(t.expectedOut);
    shortfall += Number(t.expectedOut) - Number(t.amountOut);
  }
  const record = {
    at: label,
    trigger: TRIGGERS[Number(done.trigger)],
    trades: trades.length,
    gas: receipt.gasUsed,
    slippageBps: expected === 0 ? 0 : (shortfall / expected) * 10_000,
    driftBefore: done.driftBeforeBps,
    driftAfter: done.driftAfterBps,
    navChangeBps: changeBps(done.navBefore, done.navAfter),
  };
  rebalances.push(record);
  console.log(
    `  ${label}  rebalance (${record.trigger}): ${record.trades} ${record.trades === 1 ? "swap" : "swaps"}, drift ${record.driftBefore} -> ${record.driftAfter} bps, ` +
      `${record.gas.toLocaleString("en-US")} gas, ${record.slippageBps.toFixed(1)} bps below the oracle, NAV ${fmtBps(record.navChangeBps)}`,
  );
}

// --- governance: new targets through the timelock, scheduled on day 4, executable on day 6.
const newTargets = [3000, 3000, 3000, 1000];
const setTargetsData = b.vault.interface.encodeFunctionData("setTargets", [tokens, newTargets]);
const salt = id("demo: new targets");
let scheduledAt = 0;

// --- the simulation
const rand = uniform(SEED);
const prices = [...START_USD];
const weightsByDay: string[][] = [];
let basketUnits: bigint[] = [];
// One share's worth in USDC with 18 extra decimals (see sharePriceOf): a basis point stays visible.
const SCALE_DECIMALS = 6 + 18;
const sharePrice = async () => (await sharePriceOf(typedVault, 6))!.scaled;
let startSharePrice = 0n;
let supplyAtStart = 0n;
let day1EndBlock = 0;

console.log(`\nSimulating ${DAYS} days, keeper every hour:`);
for (let day = 0; day < DAYS; day++) {
  const move = dailyMove(day);
  for (let hour = 0; hour < 24; hour++) {
    const label = `day ${day + 1} ${String(hour).padStart(2, "0")}:00`;
    if (hour % 6 === 0) {
      for (let i = 1; i < 4; i++) {
        const noise = 1 + (rand() - 0.5) * 0.01;
        prices[i] = prices[i] * Math.pow(move[i - 1], 6 / 24) * noise;
        await setPrice(i, prices[i]);
      }
    }
    await networkHelpers.time.increase(HOUR);
    await keeperPass(label);
    if (day === 0 && hour === 23) {
      const [, balances] = await b.vault.holdings();
      basketUnits = [...balances];
      supplyAtStart = await b.vault.totalSupply();
      day1EndBlock = await ethers.provider.getBlockNumber();
      startSharePrice = await sharePrice();
    }
    if (day === 3 && hour === 12) {
      await timelock.schedule(vaultAddress, 0, setTargetsData, ZeroHash, salt, LOCAL_TIMELOCK_DELAY_SECONDS);
      scheduledAt = await networkHelpers.time.latest();
      console.log(`  ${label}  governance schedules targets ${newTargets.join("/")} (executable in 2 days; depositors may leave first)`);
    }
    if (scheduledAt !== 0 && (await networkHelpers.time.latest()) >= scheduledAt + LOCAL_TIMELOCK_DELAY_SECONDS) {
      await (b.timelock.connect(deployer) as typeof b.timelock).execute(vaultAddress, 0, setTargetsData, ZeroHash, salt);
      scheduledAt = 0;
      console.log(`  ${label}  the timelock executes the new targets (anyone may execute once the delay has passed)`);
    }
  }
  const weights = await b.vault.currentWeights();
  const [, targets] = await b.vault.targets();
  weightsByDay.push([
    `day ${day + 1}`,
    ...weights.map((w: bigint, i: number) => `${(Number(w) / 100).toFixed(1)}% / ${Number(targets[i]) / 100}%`),
    `${await b.vault.driftBps()}`,
    prices.slice(1).map((p) => p.toLocaleString("en-US", { maximumFractionDigits: 0 })).join(" / "),
  ]);
}

// --- buy-and-hold of the basket held after day 1, valued at the oracle now, per share then.
let holdValue = 0n;
for (const [i, units] of basketUnits.entries()) {
  holdValue += i === 0 ? units : await b.oracle.quote(tokens[i], units);
}
const endSharePrice = await sharePrice();
// The fees of those days: minted and pending, as shares, and the share price they took.
const feeShares = { management: 0n, performance: 0n };
const sinceLaunch = { management: 0n, performance: 0n };
for (const e of await typedVault.queryFilter(typedVault.filters.FeesAccrued(), 0)) {
  const within = e.blockNumber > day1EndBlock ? feeShares : null;
  for (const sum of within === null ? [sinceLaunch] : [sinceLaunch, within]) {
    sum.management += e.args.managementShares;
    sum.performance += e.args.performanceShares;
  }
}
const [pendingManagement, pendingPerformance] = await b.vault.pendingFees();
for (const sum of [feeShares, sinceLaunch]) {
  sum.management += pendingManagement;
  sum.performance += pendingPerformance;
}
const supplyEnd = (await b.vault.totalSupply()) + pendingManagement + pendingPerformance;
// Before fees: the same NAV over the shares held by depositors only.
const grossSharePrice = (endSharePrice * (supplyEnd + 10n ** 6n)) / (supplyEnd - feeShares.management - feeShares.performance + 10n ** 6n);
const navEnd = await b.vault.totalAssets();

// --- exits
// --- Dutch auctions: governance grants the auction house and switches to hybrid mode, and moves 10 points of
// target from WETH to WBTC, in one batch through the timelock; then the keeper's slice, and the rest by
// auction, opened and filled by carol's filler bot (the pass `hardhat keeper fill` makes).
console.log("\nDutch auctions (hybrid): governance moves 10 points of target from WETH to WBTC, through the timelock:");
{
  const [, current] = await b.vault.targets();
  const moved = current.map(Number);
  moved[1] -= 1_000;
  moved[2] += 1_000;
  const calls = [
    b.vault.interface.encodeFunctionData("grantRole", [id("AUCTION_ROLE"), await b.auctions.getAddress()]),
    b.vault.interface.encodeFunctionData("setParameter", [PARAMETERS.indexOf("ExecutionMode"), 1]),
    b.vault.interface.encodeFunctionData("setTargets", [tokens, moved]),
  ];
  const batchSalt = id("demo: auctions");
  await timelock.scheduleBatch(calls.map(() => vaultAddress), calls.map(() => 0), calls, ZeroHash, batchSalt, LOCAL_TIMELOCK_DELAY_SECONDS);
  await networkHelpers.time.increase(LOCAL_TIMELOCK_DELAY_SECONDS);
  // The feeds report on their heartbeat meanwhile (prices held).
  for (let i = 1; i < 4; i++) await feeds[tokens[i]].updateAnswer(BigInt(Math.round(prices[i] * 1e8)));
  await (b.timelock.connect(deployer) as typeof b.timelock).executeBatch(calls.map(() => vaultAddress), calls.map(() => 0), calls, ZeroHash, batchSalt);
  console.log(`  executed: AUCTION_ROLE to the auction house, ExecutionMode hybrid, targets ${moved.join("/")}; drift ${await b.vault.driftBps()} bps`);
  await keeperPass("after the change");
  console.log(`  the keeper's slice: drift ${await b.vault.driftBps()} bps`);
  const filler = await ethers.deployContract("UniswapAuctionFiller", [routerAddress, carol.address], carol);
  const house = await ethers.getContractAt("RebalanceAuctions", await b.auctions.getAddress(), carol);
  const errors = [typedVault.interface, house.interface, filler.interface];
  const fillArgs = { vault: vaultAddress, auctions: await house.getAddress(), filler: await filler.getAddress(), from: carol.address, marginBps: 10, interval: 0, maxPasses: 0, dryRun: false };
  const fromBlock = await ethers.provider.getBlockNumber();
  // A pass every five minutes; between them, the market's arbitrage brings the pools the fills sold into back to its prices.
  await fillUntilClosed(connection, typedVault, house, filler as never, fillArgs, quiet, errors, {
    between: async () => {
      for (let i = 1; i < 4; i++) await setPrice(i, prices[i]);
    },
  });
  for (const e of await house.queryFilter(house.filters.AuctionOpened(), fromBlock)) {
    console.log(`  auction ${e.args.id} opened at drift ${e.args.driftBps} bps: +${e.args.premiumBps} bps falling to -${e.args.maxDiscountBps} bps over an hour`);
  }
  for (const e of await house.queryFilter(house.filters.AuctionFilled(), fromBlock)) {
    const name = (t: string) => NAMES[tokens.indexOf(t)];
    const priceBps = (Number(e.args.valueIn) / Number(e.args.valueOut)) * 10_000;
    console.log(`  filled by carol's filler: ${fmtUsd(e.args.valueOut)} of ${name(e.args.tokenOut)} for ${name(e.args.tokenIn)} at ${priceBps.toFixed(0)} bps of the oracle's reference`);
  }
  for (const e of await house.queryFilter(house.filters.AuctionClosed(), fromBlock)) {
    console.log(`  auction ${e.args.id} closed (${CLOSE_REASONS[Number(e.args.reason)]}); drift ${await b.vault.driftBps()} bps`);
  }
}

console.log("\nExits:");
const aliceRouter = ballastRouter.connect(alice) as typeof ballastRouter;
const aliceShares = await b.vault.balanceOf(alice.address);
const inKind = await (b.vault.connect(alice) as typeof b.vault).redeemInKind.staticCall(aliceShares, alice.address, alice.address);
await aliceRouter.redeemInKind(vaultAddress, aliceShares, alice.address, inKind.map((a: bigint) => atLeast(a)));
console.log(`  alice redeems in kind: ${inKind.map((a: bigint, i: number) => `${(Number(a) / 10 ** Number(DECIMALS[i])).toFixed(4)} ${NAMES[i]}`).join(", ")}`);
const bobRouter = ballastRouter.connect(bob) as typeof ballastRouter;
const bobMax = await b.vault.maxRedeem(bob.address);
const bobMin = atLeast(await b.vault.previewRedeem(bobMax));
const bobAssets = await bobRouter.redeem.staticCall(vaultAddress, bobMax, bob.address, bobMin);
await bobRouter.redeem(vaultAddress, bobMax, bob.address, bobMin);
const bobLeft = await b.vault.balanceOf(bob.address);
console.log(`  bob redeems for ${fmtUsd(bobAssets)} USDC${bobLeft === 0n ? ", all of his shares" : " (what the idle base asset covers)"}`);
if (bobLeft > 0n) {
  // The rest of his position in the base asset too: the router takes his slice of every holding and sells it.
  const [legs] = await ballastRouter.previewRedeemToBase(vaultAddress, bobLeft);
  const inKindValue = legs.reduce((a: bigint, l: { value: bigint }) => a + l.value, 0n);
  const [quoted] = await bobRouter.redeemToBase.staticCall(vaultAddress, bobLeft, bob.address, 0n);
  await bobRouter.redeemToBase(vaultAddress, bobLeft, bob.address, atLeast(quoted));
  const cost = Number(inKindValue - quoted) / Number(inKindValue) * 10_000;
  console.log(`  bob takes the rest in USDC through the router's redeemToBase: ${fmtUsd(quoted)} for a slice worth ${fmtUsd(inKindValue)} in kind (${cost.toFixed(1)} bps of pool fees and impact, his alone)`);
}

// --- report
console.log("\nWeights (current / target) at the end of each day, drift, and prices (WETH / WBTC / LINK):");
const wt = new Table({ head: ["", ...NAMES, "drift bps", "prices $"], style: { head: [], border: [] } });
weightsByDay.forEach((r) => wt.push(r));
console.log(wt.toString());

console.log(`\nRebalances: ${rebalances.length}`);
const rt = new Table({ head: ["when", "trigger", "swaps", "gas", "below oracle (bps)", "NAV across (bps)", "drift bps"], style: { head: [], border: [] } });
rebalances.forEach((r) =>
  rt.push([r.at, r.trigger, r.trades, r.gas.toLocaleString("en-US"), r.slippageBps.toFixed(1), r.navChangeBps.toFixed(2), `${r.driftBefore} -> ${r.driftAfter}`]),
);
console.log(rt.toString());

// The vault's own conversion (ERC-4626 with its virtual shares and asset), applied to the held basket.
const holdPerShare = (10n ** 30n * (holdValue + 1n)) / (supplyAtStart + 10n ** 6n);
console.log("\nValue of one share, from the end of day 1 to the end of day 10:");
const perShare = (scaled: bigint) => `$${fmtPrice(formatUnits(scaled, SCALE_DECIMALS))}`;
const change = (to: bigint) => `${fmtBps(changeBps(startSharePrice, to))}`;
const feeUsd = (shares: bigint) => fmtUsd((shares * endSharePrice) / 10n ** BigInt(SCALE_DECIMALS + 6));
console.log(`  Ballast, net of fees:        ${perShare(startSharePrice)} -> ${perShare(endSharePrice)} (${change(endSharePrice)})`);
console.log(`  Ballast, before fees:        ${perShare(startSharePrice)} -> ${perShare(grossSharePrice)} (${change(grossSharePrice)})`);
console.log(`  buy-and-hold of that basket: ${perShare(startSharePrice)} -> ${perShare(holdPerShare)} (${change(holdPerShare)})`);
const [, mark] = await b.vault.fees();
console.log(
  `  fees since launch: ${feeUsd(sinceLaunch.management)} management and ${feeUsd(sinceLaunch.performance)} performance ` +
    `(to the recipient as shares; high-water mark now $${fmtPrice(formatUnits(mark * 10n ** 12n, 6 + 18))} a share)`,
);
console.log(`  since the first deposit (one share = $1 exactly): ${fmtBps(changeBps(10n ** BigInt(SCALE_DECIMALS), endSharePrice))}`);
console.log(`  NAV at the end: ${fmtUsd(navEnd)} before exits`);
