// Shared fixture: the local market plus Ballast as its Ignition module deploys it, with named
// signers for every role, and helpers to act as governance through the timelock.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { id, MaxUint256, ZeroHash, type BaseContract } from "ethers";

import Ballast, { DEFAULT_PARAMETERS } from "../../deploy/modules/Ballast.js";
import { LOCAL_MARKET_FEES } from "../../deploy/modules/LocalMarket.js";
import { encodePath } from "../../deploy/lib/uniswap-path.js";
import { signedBy } from "./assertions.js";
import { deployLocalMarket, type Connection } from "./market.js";

export const TIMELOCK_DELAY = 2 * 24 * 3600;
export const TWAP_WINDOW = 1800;
/** USDC 40%, WETH 30%, WBTC 20%, LINK 10%. */
export const TARGETS = [4000, 3000, 2000, 1000];

export async function deployBallast(connection: Connection, overrides: Record<string, unknown> = {}) {
  const { ethers, networkHelpers } = connection;
  const [deployer, governance, guardian, keeper, alice, bob, carol, attacker] = await ethers.getSigners();
  const market = await deployLocalMarket(connection);
  // The oracle proves at deployment that every route answers over the window: give the new pools
  // that much history first.
  await networkHelpers.time.increase(TWAP_WINDOW + 60);

  const [usdc, weth, wbtc, link] = await Promise.all(
    [market.usdc, market.weth, market.wbtc, market.link].map((c) => c.getAddress()),
  );
  const paths = [
    encodePath([weth, usdc], [LOCAL_MARKET_FEES.usdcWeth]),
    encodePath([wbtc, usdc], [LOCAL_MARKET_FEES.usdcWbtc]),
    encodePath([link, usdc], [LOCAL_MARKET_FEES.usdcLink]),
  ];
  const parameters = {
    asset: usdc,
    router: await market.router.getAddress(),
    factory: await market.factory.getAddress(),
    twapWindowSeconds: TWAP_WINDOW,
    tokens: [usdc, weth, wbtc, link],
    targetsBps: TARGETS,
    swapPaths: ["0x", ...paths],
    oracleTokens: [weth, wbtc, link],
    oracleRoutes: paths,
    parameters: DEFAULT_PARAMETERS,
    timelockMinDelaySeconds: TIMELOCK_DELAY,
    proposers: [governance.address],
    guardian: guardian.address,
    keeper: keeper.address,
    ...overrides,
  };
  const ballast = await connection.ignition.deploy(Ballast, { parameters: { Ballast: parameters as never } });

  // Depositors hold USDC and have approved the vault.
  const vaultAddress = await ballast.vault.getAddress();
  for (const user of [alice, bob, carol, attacker]) {
    await market.usdc.mint(user.address, 10_000_000n * 10n ** 6n);
    await signedBy(market.usdc, user).approve(vaultAddress, MaxUint256);
  }
  return {
    ...market,
    ...ballast,
    tokens: { usdc, weth, wbtc, link },
    paths,
    signers: { deployer, governance, guardian, keeper, alice, bob, carol, attacker },
  };
}

export type BallastFixture = Awaited<ReturnType<typeof deployBallast>>;

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
