// A local vault with some history for the dashboard: the genuine local Uniswap V3 market and Ballast
// deployed through their Ignition modules, fees set through the timelock, three depositors, a day of
// price moves with a keeper rebalancing whenever a rebalance is due, a change of targets traded in hybrid
// mode (the keeper's slice, then a Dutch auction filled by a filler bot), and a change of targets pending.
import { id, MaxUint256, ZeroHash } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import { pino } from "pino";

import { deployLocalBallast, fundLocal, LOCAL_TIMELOCK_DELAY_SECONDS } from "../deploy/lib/local-ballast.js";
import { LOCAL_MARKET_FEES } from "../deploy/modules/LocalMarket.js";
import { fillUntilClosed } from "../tasks/fill.js";
import { PARAMETERS } from "../tasks/lib/vault-terms.js";

export async function demoVault(connection: NetworkConnection<"l1">) {
  const { ethers, networkHelpers } = connection;
  const [deployer, governance, guardian, keeper, alice, bob, carol, market] = await ethers.getSigners();
  // Where the vault's events start: its deployment (and its roles' grants) included.
  const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
  const b = await deployLocalBallast(connection, { proposers: [governance.address], guardian: guardian.address, keeper: keeper.address });
  const vault = await b.vault.getAddress();
  const router = await b.ballastRouter.getAddress();
  const timelock = b.timelock.connect(governance) as typeof b.timelock;
  const vaultAs = (who: typeof alice) => b.vault.connect(who) as typeof b.vault;

  // Governance sets fees before anyone deposits: 1% a year, 10% of gains above the high-water mark.
  const fees = [["ManagementFeeBps", 100], ["PerformanceFeeBps", 1_000]] as const;
  const calls = fees.map(([name, value]) => b.vault.interface.encodeFunctionData("setParameter", [PARAMETERS.indexOf(name), value]));
  const targets = calls.map(() => vault);
  await timelock.scheduleBatch(targets, calls.map(() => 0n), calls, ZeroHash, id("dashboard: fees"), LOCAL_TIMELOCK_DELAY_SECONDS);
  await networkHelpers.time.increase(LOCAL_TIMELOCK_DELAY_SECONDS);
  await (b.timelock.connect(deployer) as typeof b.timelock).executeBatch(targets, calls.map(() => 0n), calls, ZeroHash, id("dashboard: fees"));

  // Depositors come in through the router; accounts #0 to #6 hold USDC to try the page's wallet with.
  for (const who of (await ethers.getSigners()).slice(0, 7)) await b.usdc.mint(who.address, 1_000_000n * 10n ** 6n);
  for (const [who, usd] of [[alice, 400_000n], [bob, 350_000n], [carol, 250_000n]] as const) {
    await (b.usdc.connect(who) as typeof b.usdc).approve(router, MaxUint256);
    const assets = usd * 10n ** 6n;
    const minShares = ((await b.vault.previewDeposit(assets)) * 995n) / 1000n;
    await (b.ballastRouter.connect(who) as typeof b.ballastRouter).deposit(vault, assets, who.address, minShares);
  }

  // A day: WETH rises, LINK falls; the keeper rebalances each hour a rebalance is due.
  const swapRouter = await b.router.getAddress();
  const [usdc, weth, , link] = b.basket;
  await fundLocal(connection, weth, market, usdc, 10n ** 15n, swapRouter);
  await fundLocal(connection, weth, market, link, 10n ** 27n, swapRouter);
  const swap = async (tokenIn: string, tokenOut: string, fee: number, amountIn: bigint) =>
    (b.router.connect(market) as typeof b.router).exactInputSingle({ tokenIn, tokenOut, fee, recipient: market.address, deadline: 2n ** 40n, amountIn, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n });
  for (let hour = 0; hour < 24; hour++) {
    if (hour % 4 === 0) {
      await swap(usdc, weth, LOCAL_MARKET_FEES.usdcWeth, 600_000n * 10n ** 6n);
      await swap(link, usdc, LOCAL_MARKET_FEES.usdcLink, 20_000n * 10n ** 18n);
    }
    await networkHelpers.time.increase(3600);
    const [due] = await b.vault.rebalanceStatus();
    if (due) await vaultAs(keeper).rebalance().catch(() => undefined);
  }
  // Governance switches to hybrid execution and moves 15 points of target from WETH to WBTC; the keeper's
  // slice trades what the pools allow, and carol's filler bot opens and fills the auction of the rest.
  const [, current] = await b.vault.targets();
  const moved = current.map(Number);
  moved[1] -= 1_500;
  moved[2] += 1_500;
  const auctions = await b.auctions.getAddress();
  const batch = [
    b.vault.interface.encodeFunctionData("grantRole", [id("AUCTION_ROLE"), auctions]),
    b.vault.interface.encodeFunctionData("setParameter", [PARAMETERS.indexOf("ExecutionMode"), 1]),
    b.vault.interface.encodeFunctionData("setTargets", [b.basket, moved]),
  ];
  await timelock.scheduleBatch(batch.map(() => vault), batch.map(() => 0n), batch, ZeroHash, id("dashboard: auctions"), LOCAL_TIMELOCK_DELAY_SECONDS);
  await networkHelpers.time.increase(LOCAL_TIMELOCK_DELAY_SECONDS);
  await (b.timelock.connect(deployer) as typeof b.timelock).executeBatch(batch.map(() => vault), batch.map(() => 0n), batch, ZeroHash, id("dashboard: auctions"));
  if ((await b.vault.rebalanceStatus())[0]) await vaultAs(keeper).rebalance();
  const filler = await ethers.deployContract("UniswapAuctionFiller", [swapRouter, carol.address], carol);
  const house = await ethers.getContractAt("RebalanceAuctions", auctions, carol);
  const typedVault = await ethers.getContractAt("RebalancingVault", vault);
  const fillArgs = { vault, auctions, filler: await filler.getAddress(), from: carol.address, marginBps: 10, interval: 0, maxPasses: 0, dryRun: false };
  const errors = [typedVault.interface, house.interface, filler.interface];
  await fillUntilClosed(connection, typedVault, house, filler as never, fillArgs, pino({ level: "silent" }), errors);

  // Bob takes some out; a change of targets waits in the timelock.
  await vaultAs(bob).redeemInKind(10n ** 17n, bob.address, bob.address);
  const setTargets = b.vault.interface.encodeFunctionData("setTargets", [b.basket, [3_000, 3_000, 3_000, 1_000]]);
  await timelock.schedule(vault, 0, setTargets, ZeroHash, id("dashboard: targets"), LOCAL_TIMELOCK_DELAY_SECONDS);
  return { vault, router, fromBlock, ballast: b };
}
