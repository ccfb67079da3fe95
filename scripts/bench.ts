// Gas benchmark: what every user action costs, for baskets of 2, 4, 8 and 16 tokens, each next to a
// baseline measured in the same run on the same state:
//   deposit, mint, withdraw, redeem  vs OpenZeppelin's plain ERC4626 over the same USDC;
//   redeemInKind                     vs the plain vault's redeem of the same shares;
//   the router's redeemToBase        vs redeemInKind and one swap per slice made by the holder;
//   totalAssets()                    vs the bare reads (each balance, and observe() on each pool);
//   deposit and redeem, also         vs the plain vault plus the bare reads of both prices the vault
//                                    reads per pool (observe(), and slot0() with the newest observation);
//   deposit and totalAssets() with a Chainlink feed beside each TWAP (CompositeOracle) vs TWAP only;
//   deposit, redeem, redeemInKind and rebalance with fees (and keeper pay) on vs off;
//   checkUpkeep and rebalance with the volatility-scaled threshold vs the static one;
//   rebalance()                      vs the same swaps made bare through SwapRouter (same paths,
//                                    same amounts, from an account holding the tokens), and vs
//                                    those swaps plus the bare TWAP reads, or plus the bare reads
//                                    of both prices (the honest baseline);
//   checkUpkeep()                    vs the bare reads, of the TWAP or of both prices, when due and when not.
// Then the ratios against the goals of the gas work, saying which fall short.
// The vault holds $1M at its targets, then every token moves 8% (half up, half down) and the TWAP
// window passes; each action starts from that state. A TWAP-only valuation would price the same.
// With 16 tokens, the basket is measured again with its 12 added tokens two hops from USDC, through
// their WETH pools and the one USDC/WETH pool (the heaviest rebalance, for keepers' gas limits).
//
// Run with `npm run bench`: the default compiler profile, whose settings are the production profile's
// (production also builds each contract in isolation, for verification: the same code, minutes slower
// with solc-js). Prints a table, writes bench/out/gas.json,
// and rewrites the committed snapshot bench/gas-snapshot.json (printing what changed), so that a
// change in gas shows up in review. BALLAST_BENCH_SIZES=2,4 measures fewer baskets. With
// BALLAST_BENCH_CHECK=1 (`npm run bench:check`, in CI) it rewrites nothing and exits 1 when any figure differs from the
// snapshot: a change in gas must come with its updated snapshot. It also prints the contracts' runtime
// sizes (in the snapshot too) and exits 1 when the vault keeps less than 2 KB of headroom under EIP-170.
// With BALLAST_BENCH_PROFILE=1 (`npm run bench:profile`, baskets of 2 and 4 tokens) it also traces the
// rebalance and the not-due check and prints where their gas goes, per contract and by kind (accounts
// touched, storage read and written, events, computation), against what each goal leaves over the
// baseline; a profiling run rewrites nothing.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

import Table from "cli-table3";
import { id as ethersId, MaxUint256, ZeroAddress, type ContractTransactionReceipt, type ContractTransactionResponse, type TransactionResponse } from "ethers";
import hre, { network } from "hardhat";

import { deployLocalBallast, fundLocal, LOCAL_PARAMETERS, LOCAL_TWAP_WINDOW_SECONDS } from "../deploy/lib/local-ballast.js";
import { decodePath, reversePath } from "../deploy/lib/uniswap-path.js";
import { PARAMETERS } from "../tasks/lib/governance.js";
import { type CostRow, profileTrace, sumRows, totalOf, type TraceStep } from "./lib/trace-profile.js";

const SIZES = (process.env.BALLAST_BENCH_SIZES ?? "2,4,8,16").split(",").map(Number);
const CHECK = process.env.BALLAST_BENCH_CHECK === "1";
const PROFILE = process.env.BALLAST_BENCH_PROFILE === "1";
const USD = (n: bigint) => n * 10n ** 6n;
const DEPOSIT = USD(1_000_000n);
/** The size of the depositor actions measured: $10k. */
const ACTION = USD(10_000n);

const HONEST_REBALANCE_BASELINE = "bare swaps + bare reads of both prices";

/** A traced transaction: where its gas went, per contract and by kind (BALLAST_BENCH_PROFILE=1). */
interface Profile {
  action: string;
  tokens: string;
  baseline: string;
  gas: number;
  baselineGas: number;
  rows: Map<string, CostRow>;
}
const profiles: Profile[] = [];

interface Row {
  action: string;
  /** The basket: "16", or "16 (12 via WETH)" when the added tokens route through WETH. */
  tokens: string;
  gas: number | null;
  baseline: string;
  baselineGas: number | null;
  note?: string;
}

/**
 * Measures a basket of `basketSize` tokens. With `extraTokensVia: "weth"`, the tokens past the first
 * four trade through their WETH pool and on through the USDC/WETH pool (two hops, every route through
 * one shared pool, as on mainnet): the heaviest rebalance a basket can ask for, measured for the
 * depositor's and the keeper's entry points only.
 */
async function measure(basketSize: number, extraTokensVia: "usdc" | "weth" = "usdc"): Promise<Row[]> {
  const twoHop = extraTokensVia === "weth";
  const label = twoHop ? `${basketSize} (${Math.max(0, basketSize - 4)} via WETH)` : `${basketSize}`;
  const connection = await network.create({ network: "default", chainType: "l1" });
  const { ethers, networkHelpers } = connection;
  const [deployer, guardian, keeper, alice, trader] = await ethers.getSigners();
  const b = await deployLocalBallast(connection, {
    proposers: [deployer.address],
    guardian: guardian.address,
    keeper: keeper.address,
    basketSize,
    extraTokensVia,
    // Every moved token trades: a threshold and band of 10 bps (in a 16-token basket an 8% move shifts a weight by 50 bps).
    parameters: { ...LOCAL_PARAMETERS, driftThresholdBps: 10, minDriftBps: 10, maxTradeBps: 10_000, cooldownSeconds: 60 },
  });
  const vault = b.vault.connect(keeper) as typeof b.vault;
  const asAlice = b.vault.connect(alice) as typeof b.vault;
  const plain = await ethers.deployContract("PlainVault", [await b.usdc.getAddress()]);
  const plainAlice = plain.connect(alice) as typeof plain;
  const probe = await ethers.deployContract("GasProbe");
  const router = await b.router.getAddress();
  const routerAs = b.router.connect(trader) as typeof b.router;
  const weth = await b.weth.getAddress();
  const fund = (token: string, amount: bigint) => fundLocal(connection, weth, trader, token, amount, router);
  const gasOf = async (sent: Promise<ContractTransactionResponse>) => Number(((await (await sent).wait()) as ContractTransactionReceipt).gasUsed);

  // Alice's $1M in each vault; Ballast's held at its targets: she deposits the base asset's share, and
  // the tokens' shares are put in as if rebalances had bought them (buying them through rebalances
  // would take dozens of calls, each slice sized to its pool, for the same state).
  await b.usdc.mint(alice.address, 3n * DEPOSIT);
  for (const v of [b.vault, plain]) await (b.usdc.connect(alice) as typeof b.usdc).approve(await v.getAddress(), MaxUint256);
  const [targetTokens, targetsBps] = await b.vault.targets();
  await asAlice.deposit((DEPOSIT * BigInt(targetsBps[0])) / 10_000n, alice.address);
  for (let i = 1; i < targetTokens.length; i++) {
    const usd = (DEPOSIT * BigInt(targetsBps[i])) / 10_000n;
    const amount = (usd * 10n ** 30n) / (await b.oracle.quote(targetTokens[i], 10n ** 30n));
    await fund(targetTokens[i], amount);
    await (await ethers.getContractAt("DemoToken", targetTokens[i], trader)).transfer(await b.vault.getAddress(), amount);
  }
  await plainAlice.deposit(DEPOSIT, alice.address);
  // The exits to the base asset: Alice approves the Ballast router for her shares, and (for the baseline,
  // the same exit made by hand) Uniswap's router for every token; approvals are not measured.
  const ballastRouter = b.ballastRouter.connect(alice) as typeof b.ballastRouter;
  await asAlice.approve(await b.ballastRouter.getAddress(), MaxUint256);
  for (const token of b.basket.slice(1)) await (await ethers.getContractAt("DemoToken", token, alice)).approve(router, MaxUint256);

  // A realistic move: each token 8% up or down against USD in turn, by swaps in its USDC pool.
  const [usdc, ...others] = b.basket;
  for (const [i, token] of others.entries()) {
    const up = i % 2 === 0;
    const usd = 2_350_000n; // about 8% of price on a $60M-a-side full-range pool
    const amountIn = up ? USD(usd) : (USD(usd) * 10n ** 30n) / (await b.oracle.quote(token, 10n ** 30n));
    await fund(up ? usdc : token, amountIn);
    await routerAs.exactInput({ path: up ? reversePath(b.paths[i]) : b.paths[i], recipient: trader.address, deadline: 2n ** 40n, amountIn, amountOutMinimum: 0n });
  }
  await networkHelpers.time.increase(LOCAL_TWAP_WINDOW_SECONDS + 60);
  const plan = await vault.previewRebalance();
  for (const t of plan) await fund(t.tokenIn, t.amountIn);
  // Chainlink feeds beside the TWAP (CompositeOracle, Chainlink's MockV3Aggregator at each pool's price,
  // the TWAP primary), for the vault to switch to in the measurements that compare the two.
  const noFeeds = { ethUsdFeed: ZeroAddress, ethUsdHeartbeat: 0, baseFeed: ZeroAddress, baseHeartbeat: 0, maxDepegBps: 100, feeds: [] };
  const composite = await ethers.deployContract("CompositeOracle", [await b.oracle.getAddress(), ZeroAddress, 3600, 500, deployer.address, noFeeds]);
  for (const token of b.basket.slice(1)) {
    const decimals = BigInt(await (await ethers.getContractAt("DemoToken", token)).decimals());
    const usd8 = (await b.oracle.quote(token, 10n ** decimals)) * 100n; // USDC's 6 decimals to a feed's 8
    const feed = await ethers.deployContract("MockV3Aggregator", [8, usd8]);
    await composite.setFeed(token, await feed.getAddress(), 3600, false, true, 0);
  }
  const timelockAddress = await b.timelock.getAddress();
  await networkHelpers.impersonateAccount(timelockAddress);
  await networkHelpers.setBalance(timelockAddress, 10n ** 20n);
  const asTimelock = await ethers.getSigner(timelockAddress);
  const state = await networkHelpers.takeSnapshot();

  const rows: Row[] = [];
  const row = (action: string, gas: number | null, baseline: string, baselineGas: number | null, note?: string) =>
    rows.push({ action, tokens: label, gas, baseline, baselineGas, note });
  const fromState = async <T>(fn: () => Promise<T>) => {
    await state.restore();
    return fn();
  };

  // totalAssets() against the bare reads it cannot avoid.
  const vaultAddress = await b.vault.getAddress();
  const factory = b.factory;
  const pools: string[] = [];
  for (const path of b.paths) {
    const { tokens, fees } = decodePath(path);
    for (let h = 0; h < fees.length; h++) pools.push(await factory.getPool(tokens[h], tokens[h + 1], fees[h]));
  }
  const totalAssetsGas = Number(await probe.gasOf(vaultAddress, b.vault.interface.encodeFunctionData("totalAssets")));
  const bareReads = Number(await probe.bareTwapReads(vaultAddress, b.basket, pools, LOCAL_TWAP_WINDOW_SECONDS));
  const referenceReads = Number(await probe.bareReferenceReads(vaultAddress, b.basket, pools, LOCAL_TWAP_WINDOW_SECONDS));
  row("totalAssets()", totalAssetsGas, "bare balance + TWAP reads", bareReads);

  // Depositors. Each ERC-4626 entry point values the basket (at the higher or lower of TWAP and
  // spot), which the plain vault need not: the second baseline adds the bare reads to it.
  const plainOZ = "OZ ERC4626";
  const depositGas = await fromState(() => gasOf(asAlice.deposit(ACTION, alice.address)));
  const plainDepositGas = await fromState(() => gasOf(plainAlice.deposit(ACTION, alice.address)));
  row("deposit", depositGas, plainOZ, plainDepositGas);
  row("deposit", depositGas, `${plainOZ} + bare reads`, plainDepositGas + bareReads);
  // Deposits and exits read two prices per pool no transaction can move in its block: the TWAP and the
  // tick the pool opened the block at. This baseline reads both, bare.
  row("deposit", depositGas, `${plainOZ} + bare reads of both prices`, plainDepositGas + referenceReads);
  // The same deposit and totalAssets() with each token's Chainlink feed read beside its TWAP.
  const onFeeds = async <T>(fn: () => Promise<T>) =>
    fromState(async () => {
      await (b.vault.connect(asTimelock) as typeof b.vault).setOracle(await composite.getAddress());
      return fn();
    });
  const feedsNote = "a Chainlink feed beside each TWAP (CompositeOracle)";
  row("deposit, feeds beside the TWAP", await onFeeds(() => gasOf(asAlice.deposit(ACTION, alice.address))), "deposit, TWAP only", depositGas, feedsNote);
  row("totalAssets(), feeds beside the TWAP", await onFeeds(async () => Number(await probe.gasOf(vaultAddress, b.vault.interface.encodeFunctionData("totalAssets")))), "totalAssets(), TWAP only", totalAssetsGas, feedsNote);
  // The other entry points cost the same whatever the routes: measured on one-hop baskets.
  if (!twoHop) {
    const mintShares = await asAlice.previewDeposit(ACTION);
    const plainMintShares = await plain.previewDeposit(ACTION);
    row("mint", await fromState(() => gasOf(asAlice.mint(mintShares, alice.address))), plainOZ, await fromState(() => gasOf(plainAlice.mint(plainMintShares, alice.address))));
    row("withdraw (within idle base)", await fromState(() => gasOf(asAlice.withdraw(ACTION, alice.address, alice.address))), plainOZ, await fromState(() => gasOf(plainAlice.withdraw(ACTION, alice.address, alice.address))));
    const shares = await asAlice.previewWithdraw(ACTION);
    const plainShares = await plain.previewWithdraw(ACTION);
    const redeemGas = await fromState(() => gasOf(asAlice.redeem(shares, alice.address, alice.address)));
    const plainRedeemGas = await fromState(() => gasOf(plainAlice.redeem(plainShares, alice.address, alice.address)));
    row("redeem (within idle base)", redeemGas, plainOZ, plainRedeemGas);
    row("redeem (within idle base)", redeemGas, `${plainOZ} + bare reads`, plainRedeemGas + bareReads);
    row("redeem (within idle base)", redeemGas, `${plainOZ} + bare reads of both prices`, plainRedeemGas + referenceReads);
    row("withdraw/redeem beyond idle base", null, plainOZ, null, "reverts by design (ERC4626ExceededMax*): standard exits never swap; use redeemInKind, or the router's redeemToBase");
    row("redeemInKind", await fromState(() => gasOf(asAlice.redeemInKind(shares, alice.address, alice.address))), "OZ ERC4626 redeem", await fromState(() => gasOf(plainAlice.redeem(plainShares, alice.address, alice.address))), `pays ${basketSize} tokens, the baseline 1`);
  }

  // Fees: a 2% management and 20% performance fee, a day after they were last accrued and after a gain
  // (a donation of 0.1% of NAV), so that both mint; against the same state with both off (one storage
  // read). Keeper pay: on, at the block's base fee, against off.
  if (!twoHop) {
    const after = (on: boolean) => async <T>(fn: () => Promise<T>) =>
      fromState(async () => {
        const asGov = b.vault.connect(asTimelock) as typeof b.vault;
        if (on) {
          await asGov.setParameter(PARAMETERS.indexOf("ManagementFeeBps"), 200);
          await asGov.setParameter(PARAMETERS.indexOf("PerformanceFeeBps"), 2_000);
          await asGov.setParameter(PARAMETERS.indexOf("KeeperBaseFeeCapGwei"), 100);
          await asGov.setParameter(PARAMETERS.indexOf("KeeperTipBps"), 1_000);
          await asGov.setParameter(PARAMETERS.indexOf("KeeperMaxGas"), 10_000_000);
          await asGov.setParameter(PARAMETERS.indexOf("KeeperMaxGasPerDay"), 100_000_000);
        }
        await networkHelpers.time.increase(86_400);
        await fund(usdc, USD(1_000n));
        await (await ethers.getContractAt("DemoToken", usdc, trader)).transfer(vaultAddress, USD(1_000n));
        return fn();
      });
    const [feesOn, feesOff] = [after(true), after(false)];
    const note = "2%/yr management + 20% performance fee, both minting (a day and a 0.1% gain since the last accrual)";
    const feeRow = async (action: string, fn: () => Promise<number>) => row(`${action}, fees on`, await feesOn(fn), `${action}, fees off`, await feesOff(fn), note);
    await feeRow("deposit", () => gasOf(asAlice.deposit(ACTION, alice.address)));
    await feeRow("redeem (within idle base)", async () => gasOf(asAlice.redeem(await asAlice.previewWithdraw(ACTION), alice.address, alice.address)));
    await feeRow("redeemInKind", async () => gasOf(asAlice.redeemInKind(await asAlice.previewWithdraw(ACTION), alice.address, alice.address)));
    // An explicit limit: a node estimates at a zero base fee, where keeper pay has nothing to pay.
    const rebalance = () => gasOf(vault.rebalance({ gasLimit: 15_000_000 }));
    const [payOn, payOff] = [await feesOn(rebalance), await feesOff(rebalance)];
    row("rebalance(), fees and keeper pay on", payOn, "rebalance(), both off", payOff, `${plan.length} swaps; the keeper repaid at the base fee plus 10%`);
  }

  // The exit in the base asset for any size (BallastRouter.redeemToBase) against the same exit made by
  // hand: redeemInKind, then one swap per slice on the same path from the holder's own account.
  const exitShares = await asAlice.previewWithdraw(ACTION);
  const toBaseGas = await fromState(() => gasOf(ballastRouter.redeemToBase(vaultAddress, exitShares, alice.address, 0n)));
  const byHandGas = await fromState(async () => {
    const slices = await asAlice.redeemInKind.staticCall(exitShares, alice.address, alice.address);
    let gas = await gasOf(asAlice.redeemInKind(exitShares, alice.address, alice.address));
    const aliceRouter = b.router.connect(alice) as typeof b.router;
    for (const [i, path] of b.paths.entries()) {
      if (slices[i + 1] === 0n) continue;
      gas += await gasOf(aliceRouter.exactInput({ path, recipient: alice.address, deadline: 2n ** 40n, amountIn: slices[i + 1], amountOutMinimum: 0n }));
    }
    return gas;
  });
  row("redeemToBase (router)", toBaseGas, "redeemInKind + the holder's own swaps", byHandGas, `sells ${basketSize - 1} slice${basketSize === 2 ? "" : "s"} in one transaction`);

  // rebalance() against the same swaps made bare.
  const bareSwaps = await fromState(async () => {
    let gas = 0;
    for (const t of plan) {
      gas += await gasOf(routerAs.exactInput({ path: t.path, recipient: trader.address, deadline: 2n ** 40n, amountIn: t.amountIn, amountOutMinimum: t.minAmountOut }));
    }
    return gas;
  });
  // What a keeper's check costs (Chainlink Automation simulates checkUpkeep off chain, under its own gas
  // limit), from the common state like every other figure.
  const checkGas = await fromState(async () => Number(await probe.gasOf(vaultAddress, b.vault.interface.encodeFunctionData("checkUpkeep", ["0x"]))));
  row("checkUpkeep() (a view)", checkGas, "bare balance + TWAP reads", bareReads);
  row("checkUpkeep() (a view)", checkGas, "bare reads of both prices", referenceReads);
  // The check a keeper makes most often: drift under the threshold, nothing due. It values the basket for
  // the drift and stops there. (Here governance raised the threshold to 50% and turned the calendar off.)
  const notDue = async () => {
    const asGov = b.vault.connect(asTimelock) as typeof b.vault;
    await asGov.setParameter(PARAMETERS.indexOf("DriftThresholdBps"), 5_000);
    await asGov.setParameter(PARAMETERS.indexOf("RebalanceIntervalSeconds"), 0);
  };
  const checkCall = b.vault.interface.encodeFunctionData("checkUpkeep", ["0x"]);
  const idleCheckGas = await fromState(async () => {
    await notDue();
    return Number(await probe.gasOf(vaultAddress, checkCall));
  });
  row("checkUpkeep(), not due (a view)", idleCheckGas, "bare reads of both prices", referenceReads, "drift under the threshold");
  const rebalanceGas = await fromState(() => gasOf(vault.rebalance()));
  row("rebalance()", rebalanceGas, "bare swaps", bareSwaps, `${plan.length} swaps`);
  row("rebalance()", rebalanceGas, "bare swaps + bare reads", bareSwaps + bareReads, `${plan.length} swaps`);
  // The honest baseline: the same swaps, plus both references of every token and the price every pool
  // opened the block at, read bare.
  row("rebalance()", rebalanceGas, HONEST_REBALANCE_BASELINE, bareSwaps + referenceReads, `${plan.length} swaps`);

  // The derived return point (ResidualCeilingBps on), as it runs once a rebalance has recorded its gas: the
  // oracle's value of that gas in WETH9 and the routes' fees, read by every check and rebalance while it is
  // on, and its record written. Both sides return to ResidualDriftBps = MinDriftBps, which is where the
  // derived point lands too (its floor: this benchmark's threshold leaves it no room above), so that both
  // make the same trades; the simulator charges the difference to every rebalance with the rule on.
  const triggerWord = async () => {
    const field = async (name: (typeof PARAMETERS)[number]) => BigInt(await b.vault.parameter(PARAMETERS.indexOf(name)));
    const layout: [(typeof PARAMETERS)[number], bigint][] = [
      ["VolReferenceBps", 0n], ["VolMinThresholdBps", 16n], ["VolMaxThresholdBps", 32n], ["VolIntervalSeconds", 48n],
      ["VolIntervals", 80n], ["ExecutionMode", 88n], ["ResidualCeilingBps", 96n],
    ];
    let word = 0n;
    for (const [name, shift] of layout) word |= (await field(name)) << shift;
    return word;
  };
  // TriggerSettings.lastRebalanceGas (bits 128 to 159 of the trigger settings' slot) is the vault's own
  // record, with no setter: written here as a rebalance with the rule on would have left it.
  const recordRebalanceGas = async (gas: number) => {
    const word = await triggerWord();
    const slots: number[] = [];
    for (let slot = 0; slot < 256; slot++) if (BigInt(await ethers.provider.getStorage(vaultAddress, slot)) === word) slots.push(slot);
    if (slots.length !== 1) throw new Error(`the trigger settings' slot: ${slots.length} candidates`);
    await networkHelpers.setStorageAt(vaultAddress, slots[0], word | (BigInt(gas) << 128n));
  };
  const atFloor = async <T>(derived: boolean, fn: () => Promise<T>) =>
    fromState(async () => {
      const asGov = b.vault.connect(asTimelock) as typeof b.vault;
      await asGov.setParameter(PARAMETERS.indexOf("ResidualDriftBps"), await b.vault.parameter(PARAMETERS.indexOf("MinDriftBps")));
      if (derived) {
        await asGov.setParameter(PARAMETERS.indexOf("ResidualCeilingBps"), 5_000);
        await recordRebalanceGas(rebalanceGas);
      }
      return fn();
    });
  const tradesNow = async () => JSON.stringify(await b.vault.previewRebalance(), (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  if ((await atFloor(true, tradesNow)) !== (await atFloor(false, tradesNow))) throw new Error("the derived return point changed the trades");
  const derivedNote = "ResidualCeilingBps on, after a rebalance recorded its gas: the same trades";
  // An explicit limit, as for keeper pay: a node estimates at a zero base fee, where the gas is worth nothing.
  const rebalanceAtFloor = () => gasOf(vault.rebalance({ gasLimit: 15_000_000 }));
  row("rebalance(), derived return point", await atFloor(true, rebalanceAtFloor), "rebalance(), fixed return point", await atFloor(false, rebalanceAtFloor), derivedNote);

  if (PROFILE) {
    // The same two transactions again, traced: the rebalance, and the not-due check made through the
    // probe (only the probe's call counts, as in its figure).
    const names = new Map<string, string>([
      [vaultAddress, "RebalancingVault"],
      [await b.oracle.getAddress(), "UniswapV3TwapOracle"],
      [router, "SwapRouter"],
      ...b.basket.map((token): [string, string] => [token, "tokens"]),
      ...pools.map((pool): [string, string] => [pool, "Uniswap pools"]),
    ]);
    const libraries = { RebalanceLogic: b.rebalanceLogic, ValuationLogic: b.valuationLogic, FeeLogic: b.feeLogic, BasketConfig: b.basketConfig };
    for (const [name, library] of Object.entries(libraries)) names.set(await library.getAddress(), name);
    const lowerNames = new Map([...names].map(([address, name]) => [address.toLowerCase(), name]));
    const traced = async (sent: Promise<TransactionResponse>) => {
      const tx = await sent;
      await tx.wait();
      const trace = (await connection.provider.request({
        method: "debug_traceTransaction",
        params: [tx.hash, { disableStack: false, disableMemory: true, disableStorage: true }],
      })) as { structLogs: TraceStep[] };
      return { from: tx.from, steps: trace.structLogs };
    };
    await fromState(async () => {
      const { from, steps } = await traced(vault.rebalance());
      profiles.push({ action: "rebalance()", tokens: label, baseline: HONEST_REBALANCE_BASELINE, gas: rebalanceGas, baselineGas: bareSwaps + referenceReads, rows: profileTrace(steps, vaultAddress, lowerNames, [from]) });
    });
    await fromState(async () => {
      await notDue();
      const probeAddress = await probe.getAddress();
      const { from, steps } = await traced(trader.sendTransaction({ to: probeAddress, data: probe.interface.encodeFunctionData("gasOf", [vaultAddress, checkCall]) }));
      profiles.push({ action: "checkUpkeep(), not due (a view)", tokens: label, baseline: "bare reads of both prices", gas: idleCheckGas, baselineGas: referenceReads, rows: profileTrace(steps, probeAddress, lowerNames, [from], 2) });
    });
  }

  // The volatility-scaled threshold: each check and each rebalance reads every listed token's pools at
  // five points (four stretches of five minutes, within the pools' history since the move, so measured:
  // a calm record, which scales the threshold down to MinDriftBps and the same rebalance runs).
  const onVol = async <T>(fn: () => Promise<T>) =>
    fromState(async () => {
      const asGov = b.vault.connect(asTimelock) as typeof b.vault;
      await asGov.setParameter(PARAMETERS.indexOf("VolReferenceBps"), 50_000);
      await asGov.setParameter(PARAMETERS.indexOf("VolIntervalSeconds"), 300);
      await asGov.setParameter(PARAMETERS.indexOf("VolIntervals"), 4);
      // Each token's volatility must be measurable, or the vault would fall back and read nothing more.
      for (const token of b.basket.slice(1)) await b.oracle.volatility(token, 300, 4);
      return fn();
    });
  const volNote = "the volatility-scaled threshold on: 4 stretches of 5 minutes read from every token's pools";
  row("checkUpkeep(), volatility-scaled threshold", await onVol(async () => Number(await probe.gasOf(vaultAddress, b.vault.interface.encodeFunctionData("checkUpkeep", ["0x"])))), "checkUpkeep(), static threshold", checkGas, volNote);
  row("rebalance(), volatility-scaled threshold", await onVol(() => gasOf(vault.rebalance())), "rebalance(), static threshold", rebalanceGas, volNote);

  // Dutch auctions (ExecutionMode 2, AUCTION_ROLE granted): opening one, and one fill of the planner's
  // first trade by a filler paying from its own inventory, each against that trade made as one bare swap.
  const first = plan[0];
  const oneSwap = await fromState(() =>
    gasOf(routerAs.exactInput({ path: first.path, recipient: trader.address, deadline: 2n ** 40n, amountIn: first.amountIn, amountOutMinimum: first.minAmountOut })),
  );
  const auctions = b.auctions.connect(trader) as typeof b.auctions;
  const withAuction = async <T>(fn: () => Promise<T>) =>
    fromState(async () => {
      const asGov = b.vault.connect(asTimelock) as typeof b.vault;
      await asGov.grantRole(ethersId("AUCTION_ROLE"), await b.auctions.getAddress());
      await asGov.setParameter(PARAMETERS.indexOf("ExecutionMode"), 2);
      const bought = (await b.oracle.quote(first.tokenIn, first.amountIn)) * 2n; // ample, in base units
      const amountOut = first.tokenOut === usdc ? bought : (bought * 10n ** 30n) / (await b.oracle.quote(first.tokenOut, 10n ** 30n));
      await fund(first.tokenOut, amountOut);
      await (await ethers.getContractAt("DemoToken", first.tokenOut, trader)).approve(vaultAddress, MaxUint256);
      return fn();
    });
  const openGas = await withAuction(() => gasOf(auctions.open()));
  const fillGas = await withAuction(async () => {
    await auctions.open();
    return gasOf(auctions.fill(first.tokenIn, first.tokenOut, first.amountIn, MaxUint256, "0x"));
  });
  row("auction open()", openGas, "a bare swap", oneSwap);
  row("auction fill, from inventory", fillGas, "a bare swap", oneSwap, "one pair, the planner's first trade");
  return rows;
}

const rows: Row[] = [];
for (const size of SIZES) {
  console.error(`measuring a basket of ${size} tokens...`);
  rows.push(...(await measure(size)));
}
if (SIZES.includes(16)) {
  console.error("measuring a basket of 16 tokens, 12 of them two hops from USDC...");
  rows.push(...(await measure(16, "weth")));
}

// Runtime code sizes against EIP-170's limit: the vault must keep headroom for what comes next.
const SIZE_LIMIT = 24_576;
const MIN_VAULT_HEADROOM = 2_048;
const sizes: Record<string, number> = {};
for (const name of ["RebalancingVault", "RebalanceLogic", "ReturnPoint", "BasketConfig", "FeeLogic", "InKindLogic", "AuctionSettlement", "ValuationLogic", "RebalanceAuctions", "UniswapV3TwapOracle", "CompositeOracle", "BallastRouter"]) {
  sizes[name] = ((await hre.artifacts.readArtifact(name)).deployedBytecode.length - 2) / 2;
}

const fmt = (n: number | null) => (n === null ? "-" : n.toLocaleString("en-US"));
const ratioOf = (r: Row) => (r.gas === null || r.baselineGas === null ? null : r.gas / r.baselineGas);
const table = new Table({ head: ["action", "tokens", "Ballast gas", "baseline", "baseline gas", "ratio", "note"], style: { head: [], border: [] } });
for (const r of rows) {
  const ratio = ratioOf(r);
  table.push([r.action, r.tokens, fmt(r.gas), r.baseline, fmt(r.baselineGas), ratio === null ? "-" : `${ratio.toFixed(2)}x`, r.note ?? ""]);
}
console.log(`Gas per action, $1M at targets after an 8% move of every token; depositor actions of $${Number(ACTION / 10n ** 6n).toLocaleString("en-US")}.`);
console.log("Transactions include the 21,000 every transaction pays; totalAssets() is measured inside the EVM.");
console.log(table.toString());

// The goals of the gas work, against the honest baselines: which figures meet them and which fall short.
const GOALS: { action: string; baseline: string; goal: (tokens: string) => number; note?: string }[] = [
  { action: "rebalance()", baseline: HONEST_REBALANCE_BASELINE, goal: (tokens) => (tokens === "2" ? 1.25 : 1.1) },
  { action: "deposit", baseline: "OZ ERC4626 + bare reads of both prices", goal: () => 1.5 },
  { action: "redeem (within idle base)", baseline: "OZ ERC4626 + bare reads of both prices", goal: () => 1.5 },
  { action: "checkUpkeep(), not due (a view)", baseline: "bare reads of both prices", goal: () => 1.5 },
];
const goalTable = new Table({ head: ["action", "tokens", "ratio", "goal", "", "note"], style: { head: [], border: [] } });
let short = 0;
for (const g of GOALS) {
  for (const r of rows.filter((x) => x.action === g.action && x.baseline === g.baseline)) {
    const ratio = ratioOf(r);
    if (ratio === null) continue;
    const goal = g.goal(r.tokens);
    const meets = ratio <= goal;
    if (!meets) short++;
    goalTable.push([g.action, r.tokens, `${ratio.toFixed(2)}x`, `<= ${goal.toFixed(2)}x`, meets ? "meets it" : `short: ${(((ratio - goal) / goal) * 100).toFixed(0)}% over`, g.note ?? ""]);
  }
}
console.log(`Against the gas goals (${short} figure${short === 1 ? "" : "s"} short of them):`);
console.log(goalTable.toString());

// Where the traced figures' gas goes (BALLAST_BENCH_PROFILE=1). The vault's side is the vault, its
// libraries and its oracle: everything the baseline does not run. Its state (accounts first touched,
// slots first read, writes, events) is what the design reads and records; the rest is its code.
const VAULT_SIDE = ["RebalancingVault", "RebalanceLogic", "ValuationLogic", "FeeLogic", "BasketConfig", "UniswapV3TwapOracle"];
const stateOf = (row: CostRow) => row.accounts + row.coldReads + row.writes + row.events;
for (const p of profiles) {
  const goal = GOALS.find((g) => g.action === p.action && g.baseline === p.baseline)?.goal(p.tokens);
  const names = [...p.rows.keys()].sort((a, b) => (VAULT_SIDE.indexOf(a) + 1 || 99) - (VAULT_SIDE.indexOf(b) + 1 || 99) || a.localeCompare(b));
  const profileTable = new Table({ head: ["contract", "accounts", "cold reads", "warm reads", "writes", "events", "computation", "total"], style: { head: [], border: [] } });
  const line = (name: string, r: CostRow) => [name, fmt(r.accounts), fmt(r.coldReads), fmt(r.warmReads), fmt(r.writes), fmt(r.events), fmt(r.computation), fmt(totalOf(r))];
  for (const name of names) profileTable.push(line(name, p.rows.get(name) as CostRow));
  const vaultSide = sumRows(names.filter((n) => VAULT_SIDE.includes(n)).map((n) => p.rows.get(n) as CostRow));
  profileTable.push(line("the vault's side", vaultSide));
  const traced = totalOf(sumRows([...p.rows.values()]));
  console.log(`Where the gas of ${p.action} goes, ${p.tokens} tokens: ${fmt(p.gas)} measured, ${fmt(traced)} traced (the rest: a transaction's 21,000 and calldata less refunds, or the probe's call around a view).`);
  console.log(profileTable.toString());
  const over = p.gas - p.baselineGas;
  // What the rest of the transaction (swaps, token and pool reads) costs beyond the baseline's same work:
  // negative when one transaction saves what the baseline's separate ones pay again.
  const rest = over - totalOf(vaultSide);
  console.log(
    `  Over the baseline (${p.baseline}, ${fmt(p.baselineGas)}): ${fmt(over)}: the vault's side ${fmt(totalOf(vaultSide))} ` +
      `(state ${fmt(stateOf(vaultSide))}, warm reads ${fmt(vaultSide.warmReads)}, computation ${fmt(vaultSide.computation)}), ` +
      `and the rest of the transaction ${fmt(rest)} against the baseline's same work.`,
  );
  if (goal !== undefined) {
    const budget = Math.floor(p.baselineGas * (goal - 1)) - rest;
    const forCode = budget - stateOf(vaultSide) - vaultSide.warmReads;
    console.log(
      `  The goal (<= ${goal.toFixed(2)}x) leaves the vault's side ${fmt(budget)}: after its state and warm reads, ` +
        (forCode < 0 ? `${fmt(-forCode)} short before any computation.` : `${fmt(forCode)} for computation (${((forCode / vaultSide.computation) * 100).toFixed(0)}% of today's).`),
    );
  }
}

const sizeTable = new Table({ head: ["contract", "runtime bytes", `headroom to ${fmt(SIZE_LIMIT)}`], style: { head: [], border: [] } });
for (const [name, size] of Object.entries(sizes)) sizeTable.push([name, fmt(size), fmt(SIZE_LIMIT - size)]);
console.log(sizeTable.toString());

// The snapshot: one line per figure, compared with the committed one.
const SNAPSHOT = "bench/gas-snapshot.json";
const snapshot: Record<string, number> = {};
for (const [name, size] of Object.entries(sizes)) snapshot[`runtime size | ${name}`] = size;
for (const r of rows) {
  if (r.gas !== null) snapshot[`${r.action} | ${r.tokens} tokens`] = r.gas;
  if (r.baselineGas !== null) snapshot[`${r.action} | ${r.tokens} tokens | baseline: ${r.baseline}`] = r.baselineGas;
}
const previous = existsSync(SNAPSHOT) ? (JSON.parse(readFileSync(SNAPSHOT, "utf8")) as Record<string, number>) : {};
const changes = Object.entries(snapshot)
  .filter(([k, v]) => previous[k] !== v)
  .map(([k, v]) =>
    previous[k] === undefined
      ? `  ${k}: new, ${fmt(v)}`
      : `  ${k}: ${fmt(previous[k])} -> ${fmt(v)} (${v > previous[k] ? "+" : ""}${(((v - previous[k]) / previous[k]) * 100).toFixed(2)}%)`,
  );
const gone = Object.keys(previous).filter((k) => snapshot[k] === undefined).map((k) => `  ${k}: no longer measured`);
const differences = [...changes, ...gone];
console.log(differences.length === 0 ? `No change against ${SNAPSHOT}.` : `Changes against ${SNAPSHOT}:\n${differences.join("\n")}`);
mkdirSync("bench/out", { recursive: true });
if (!PROFILE) writeFileSync("bench/out/gas.json", JSON.stringify(rows.map((r) => ({ ...r, ratio: ratioOf(r) })), null, 2) + "\n");
const tooBig = Object.entries(sizes).filter(([name, size]) => size > SIZE_LIMIT - (name === "RebalancingVault" ? MIN_VAULT_HEADROOM : 0));
if (tooBig.length > 0) {
  console.error(`error: ${tooBig.map(([n, b]) => `${n} is ${fmt(b)} bytes`).join(", ")}: the limit is ${fmt(SIZE_LIMIT)}, and the vault keeps ${fmt(MIN_VAULT_HEADROOM)} of headroom`);
  process.exitCode = 1;
}
if (PROFILE) {
  console.log("A profiling run rewrites nothing.");
} else if (CHECK) {
  if (differences.length > 0) {
    console.error(`error: gas differs from ${SNAPSHOT} (above): run \`npm run bench\` and commit the updated snapshot with the change`);
    process.exit(1);
  }
  console.log(`Gas matches ${SNAPSHOT}.`);
} else {
  writeFileSync(SNAPSHOT, JSON.stringify(snapshot, null, 2) + "\n");
  console.log(`Wrote bench/out/gas.json and ${SNAPSHOT}.`);
}
