// The forked-mainnet scenarios against the genuine local Uniswap V3 market, in every test run: USDC
// (6 decimals), WETH (18), WBTC (8) and LINK (18) at realistic prices, pools $60M a side.
import { expect } from "chai";
import { Contract } from "ethers";
import { network } from "hardhat";

import { deployLocalBallast, fundLocal } from "../../deploy/lib/local-ballast.js";
import { uniswapPoolArtifact } from "../../deploy/lib/uniswap-artifacts.js";
import { deployLocalMarket, type Connection } from "../helpers/market.js";
import { ensureTwapHistory, writeBalance } from "./chain-state.js";
import { scenarios, type World } from "./scenarios.js";

describe("Scenarios on the local market (the twin of the forked-mainnet suite)", function () {
  let world: World;

  before(async function () {
    const connection = (await network.create()) as Connection;
    const { ethers } = connection;
    const [, governance, guardian, keeper, alice, bob, trader] = await ethers.getSigners();
    const b = await deployLocalBallast(connection, { proposers: [governance.address], guardian: guardian.address, keeper: keeper.address });
    const weth = await b.weth.getAddress();
    const router = await b.router.getAddress();
    world = {
      connection,
      vault: await ethers.getContractAt("RebalancingVault", await b.vault.getAddress()),
      oracle: await ethers.getContractAt("UniswapV3TwapOracle", await b.oracle.getAddress()),
      timelock: await ethers.getContractAt("TimelockController", await b.timelock.getAddress()),
      router,
      basket: b.basket,
      paths: ["0x", ...b.paths],
      signers: { governance, keeper, alice, bob, trader },
      fund: (who, token, amount) => fundLocal(connection, weth, who, token, amount, router),
      moveUsd: 3_000_000n, // about 10% on a $60M-a-side full-range pool
    };
  });

  scenarios(() => world);
});

// The forked suite's state helpers cannot meet mainnet here; they meet the same kinds of contracts
// on the local market: OpenZeppelin and WETH9 balance mappings, and a pool born with one observation.
describe("Forked-suite helpers on the local market", function () {
  it("write any ERC-20 balance, and give a new pool a TWAP's worth of observations", async function () {
    const connection = (await network.create()) as Connection;
    const { ethers } = connection;
    const [deployer, , , , , , trader] = await ethers.getSigners();
    const market = await deployLocalMarket(connection);
    for (const token of [market.usdc, market.wbtc, market.weth]) {
      await writeBalance(connection, await token.getAddress(), trader.address, 123_456_789n);
      expect(await token.balanceOf(trader.address)).to.equal(123_456_789n);
    }

    const young = await ethers.deployContract("DemoToken", ["Young", "YNG", 18]);
    const usdc = await market.usdc.getAddress();
    await market.seeder.seed(usdc, 10n ** 12n, await young.getAddress(), 10n ** 24n, 3000, 1, deployer.address);
    const factory = await market.factory.getAddress();
    const pool = new Contract(await market.factory.getPool(usdc, await young.getAddress(), 3000), uniswapPoolArtifact.abi, ethers.provider);
    expect(await pool.observe([1800, 0]).then(() => "answers", () => "reverts")).to.equal("reverts");
    const fund = (who: typeof trader, token: string, amount: bigint) => writeBalance(connection, token, who.address, amount);
    await ensureTwapHistory(connection, { factory, router: await market.router.getAddress() }, usdc, await young.getAddress(), 3000, trader, fund);
    expect((await pool.slot0())[3], "keeps the observations a 30-minute window needs at 12-second blocks").to.be.greaterThanOrEqual(151n);
    await pool.observe([1800, 0]); // answers now
  });
});
