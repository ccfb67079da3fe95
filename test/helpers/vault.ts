// Shared fixture: the local market plus Ballast as its Ignition module deploys it, with named
// signers for every role, and helpers to act as governance through the timelock.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { id, MaxUint256, ZeroHash, type BaseContract, type ContractTransactionReceipt } from "ethers";
import { network } from "hardhat";

import {
  deployLocalBallast,
  fundLocal,
  LOCAL_TARGETS_BPS,
  LOCAL_TIMELOCK_DELAY_SECONDS,
  LOCAL_TWAP_WINDOW_SECONDS,
} from "../../deploy/lib/local-ballast.js";
import { encodePath } from "../../deploy/lib/uniswap-path.js";
import { signedBy } from "./assertions.js";
import type { Connection } from "./market.js";

export const TIMELOCK_DELAY = LOCAL_TIMELOCK_DELAY_SECONDS;
export const TWAP_WINDOW = LOCAL_TWAP_WINDOW_SECONDS;
/** USDC 40%, WETH 30%, WBTC 20%, LINK 10%. */
export const TARGETS = LOCAL_TARGETS_BPS;

export async function deployBallast(connection: Connection, overrides: Record<string, unknown> = {}) {
  const { ethers } = connection;
  const [deployer, governance, guardian, keeper, alice, bob, carol, attacker] = await ethers.getSigners();
  const ballast = await deployLocalBallast(connection, {
    proposers: [governance.address],
    guardian: guardian.address,
    keeper: keeper.address,
    overrides,
  });
  const [usdc, weth, wbtc, link] = ballast.basket;

  // Depositors hold USDC and have approved the vault.
  const vaultAddress = await ballast.vault.getAddress();
  for (const user of [alice, bob, carol, attacker]) {
    await ballast.usdc.mint(user.address, 10_000_000n * 10n ** 6n);
    await signedBy(ballast.usdc, user).approve(vaultAddress, MaxUint256);
  }
  return {
    ...ballast,
    tokens: { usdc, weth, wbtc, link },
    signers: { deployer, governance, guardian, keeper, alice, bob, carol, attacker },
  };
}

export type BallastFixture = Awaited<ReturnType<typeof deployBallast>>;

/** The vault's parameters, as `IRebalancingVault.Parameter` numbers them. */
export const Parameter = {
  DriftThresholdBps: 0,
  MinDriftBps: 1,
  RebalanceIntervalSeconds: 2,
  CooldownSeconds: 3,
  MaxSlippageBps: 4,
  MaxTradeBps: 5,
  MaxSpotDeviationBps: 6,
  PauseSeconds: 7,
  DepositCap: 8,
  ResidualDriftBps: 9,
  ManagementFeeBps: 10,
  PerformanceFeeBps: 11,
  KeeperBaseFeeCapGwei: 12,
  KeeperTipBps: 13,
  KeeperMaxGas: 14,
  KeeperMaxGasPerDay: 15,
  VolReferenceBps: 16,
  VolMinThresholdBps: 17,
  VolMaxThresholdBps: 18,
  VolIntervalSeconds: 19,
  VolIntervals: 20,
  ExecutionMode: 21,
  AuctionPremiumBps: 22,
  AuctionMaxDiscountBps: 23,
  AuctionDurationSeconds: 24,
  ResidualCeilingBps: 25,
} as const;

/** The vault's contract factory, linked to the libraries the fixture deployed. */
export async function vaultFactory(connection: Connection, f: BallastFixture) {
  const libraries = {
    BasketConfig: await f.basketConfig.getAddress(),
    RebalanceLogic: await f.rebalanceLogic.getAddress(),
    FeeLogic: await f.feeLogic.getAddress(),
    InKindLogic: await f.inKindLogic.getAddress(),
    AuctionSettlement: await f.auctionSettlement.getAddress(),
    ValuationLogic: await f.valuationLogic.getAddress(),
  };
  return connection.ethers.getContractFactory("RebalancingVault", { libraries });
}

/** Schedules `data` on `target` through the timelock as governance, waits out the delay, executes. */
export async function govern(
  connection: Connection,
  f: BallastFixture,
  target: BaseContract,
  data: string,
  salt = id(`${Date.now()}-${Math.random()}`),
) {
  const timelock = signedBy(f.timelock, f.signers.governance);
  const to = await target.getAddress();
  await timelock.schedule(to, 0, data, ZeroHash, salt, TIMELOCK_DELAY);
  await connection.networkHelpers.time.increase(TIMELOCK_DELAY);
  return timelock.execute(to, 0, data, ZeroHash, salt);
}

export type Signer = HardhatEthersSigner;

export const USDC = (n: number | bigint) => BigInt(n) * 10n ** 6n;

/**
 * Puts tokens straight into the vault (a donation), worth `usd` dollars at the pools' initial
 * prices and split by TARGETS, as if a rebalance had bought them: a basket without the swaps, for
 * tests of depositors and governance.
 */
export async function donateBasket(f: BallastFixture, usd: bigint) {
  const vault = await f.vault.getAddress();
  const share = (bps: number) => (usd * BigInt(bps)) / 10_000n;
  await f.usdc.mint(vault, share(TARGETS[0]) * 10n ** 6n);
  await signedBy(f.weth, f.signers.deployer).deposit({ value: (share(TARGETS[1]) * 10n ** 18n) / 3000n });
  await f.weth.transfer(vault, (share(TARGETS[1]) * 10n ** 18n) / 3000n);
  await f.wbtc.mint(vault, (share(TARGETS[2]) * 10n ** 8n) / 100_000n);
  await f.link.mint(vault, (share(TARGETS[3]) * 10n ** 18n) / 15n);
}

/**
 * Puts WETH, WBTC and LINK straight into the vault (a donation), worth `usd` dollars at the pools'
 * initial prices and split by their TARGETS (30 : 20 : 10), as if a rebalance had bought them. With
 * 40% of the total deposited in USDC first, the vault stands at its targets.
 */
export async function donateTokens(f: BallastFixture, usd: bigint) {
  const vault = await f.vault.getAddress();
  const tokensBps = BigInt(10_000 - TARGETS[0]);
  const share = (bps: number) => (usd * BigInt(bps)) / tokensBps;
  const weth = (share(TARGETS[1]) * 10n ** 18n) / 3000n;
  await signedBy(f.weth, f.signers.deployer).deposit({ value: weth });
  await f.weth.transfer(vault, weth);
  await f.wbtc.mint(vault, (share(TARGETS[2]) * 10n ** 8n) / 100_000n);
  await f.link.mint(vault, (share(TARGETS[3]) * 10n ** 18n) / 15n);
}

/** Swaps `amountIn` of `tokenIn` for `tokenOut` on the local market as `trader` (minted or wrapped first). */
export async function marketSwap(
  connection: Connection,
  f: BallastFixture,
  trader: Signer,
  tokenIn: string,
  tokenOut: string,
  fee: number,
  amountIn: bigint,
) {
  await fundLocal(connection, f.tokens.weth, trader, tokenIn, amountIn, await f.router.getAddress());
  return signedBy(f.router, trader).exactInputSingle({
    tokenIn,
    tokenOut,
    fee,
    recipient: trader.address,
    deadline: (await connection.networkHelpers.time.latest()) + 600,
    amountIn,
    amountOutMinimum: 0n,
    sqrtPriceLimitX96: 0n,
  });
}

/** A rebalance's swaps (its `RebalanceTrade` events' arguments) and its `Rebalanced` event's arguments. */
export function rebalanceEvents(f: BallastFixture, receipt: ContractTransactionReceipt | null) {
  const logs = receipt!.logs.map((l) => f.vault.interface.parseLog(l)).filter((l) => l !== null);
  return {
    trades: logs.filter((l) => l.name === "RebalanceTrade").map((l) => l.args),
    rebalanced: logs.find((l) => l.name === "Rebalanced")!.args,
  };
}

/** The timelock as a signer, for tests of governance's bad input (the real flow is in Governance.test.ts). */
export async function timelockSigner(connection: Connection, f: BallastFixture) {
  const address = await f.timelock.getAddress();
  await connection.networkHelpers.impersonateAccount(address);
  await connection.networkHelpers.setBalance(address, 10n ** 20n);
  return connection.ethers.getSigner(address);
}

/**
 * Creates a USDC pool for `token` (any token with an open `mint(address,uint256)`), seeded with
 * `usdSide` dollars a side ($10M unless given) at `usdPerToken`, routes the oracle to it (with a floor of
 * `minDepth` dollars on the pool's depth, none unless given) and lists it in the vault at target 0,
 * acting as the timelock. Returns the swap path.
 */
export async function listNewToken(
  connection: Connection,
  f: BallastFixture,
  token: BaseContract,
  usdPerToken: bigint,
  decimals = 18,
  usdSide = 10_000_000n,
  minDepth = 0n,
) {
  const address = await token.getAddress();
  await f.seeder.seed(f.tokens.usdc, USDC(usdSide), address, (usdSide * 10n ** BigInt(decimals)) / usdPerToken, 3000, 200, f.signers.deployer.address);
  await f.seeder.grow(await f.factory.getPool(f.tokens.usdc, address, 3000));
  await connection.networkHelpers.time.increase(TWAP_WINDOW + 60);
  const path = encodePath([address, f.tokens.usdc], [3000]);
  const gov = await timelockSigner(connection, f);
  await signedBy(f.oracle, gov).setRoute(address, path, minDepth);
  await signedBy(f.vault, gov).addToken(address, path);
  return path;
}

/**
 * Lists FOT, a $1 token of 6 decimals that burns a fee of every transfer, with its own $60M pool (seeded while
 * its fee is off: Uniswap V3 pools refuse liquidity that arrives short), and puts `holding` of it in the vault.
 * The fee and the targets are the caller's to set.
 */
export async function listFeeOnTransferToken(connection: Connection, f: BallastFixture, holding: bigint) {
  const fot = await connection.ethers.deployContract("FeeOnTransferToken");
  const fotAddress = await fot.getAddress();
  await fot.setFeeBps(0);
  await listNewToken(connection, f, fot, 1n, 6, 60_000_000n);
  if (holding > 0n) await fot.mint(await f.vault.getAddress(), holding);
  return { fot, fotAddress };
}

/**
 * Lists FRZ, a $1 token of 6 decimals that can blacklist accounts, with its own $60M pool, and sets
 * the targets to USDC 40%, WETH 25%, WBTC 15%, LINK 10%, FRZ 10% (through the timelock).
 */
export async function listFreezableToken(connection: Connection, f: BallastFixture) {
  const frz = await connection.ethers.deployContract("FreezableToken", [6]);
  const frzAddress = await frz.getAddress();
  await listNewToken(connection, f, frz, 1n, 6, 60_000_000n);
  const gov = await timelockSigner(connection, f);
  await signedBy(f.vault, gov).setTargets([...f.basket, frzAddress], [4_000, 2_500, 1_500, 1_000, 1_000]);
  return { frz, frzAddress, gov };
}

/**
 * Registers, in the calling `describe`, a connection (its own unless `shared`) and the Ballast fixture on it.
 * Tests call `suite.load()` for a fresh snapshot and use `suite.connection`.
 */
export function useBallast(options: { shared?: boolean } = {}) {
  const suite = {} as { connection: Connection; load: () => Promise<BallastFixture> };
  before(async function () {
    // `shared`: the network connection Hardhat tasks get (`network.getOrCreate()`), so that a test
    // can run a task against the fixture's chain.
    suite.connection = (options.shared ? await network.getOrCreate() : await network.create()) as Connection;
    const fixture = () => deployBallast(suite.connection);
    suite.load = () => suite.connection.networkHelpers.loadFixture(fixture);
  });
  return suite;
}

/** Asserts that governance cannot set each `[parameter, max]` one past its max (the min of each being 0). */
export async function expectRefusedPastMax(connection: Connection, f: BallastFixture, maxima: [number, number][]) {
  const gov = signedBy(f.vault, await timelockSigner(connection, f));
  for (const [parameter, max] of maxima) {
    await expect(gov.setParameter(parameter, max + 1))
      .to.be.revertedWithCustomError(f.vault, "VaultParameterOutOfBounds")
      .withArgs(parameter, max + 1, 0, max);
  }
}
