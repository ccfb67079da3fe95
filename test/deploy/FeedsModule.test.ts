// The BallastWithFeeds Ignition module on the local market: the vault prices through a CompositeOracle
// that the timelock owns from the start, with Chainlink's MockV3Aggregator as the feeds.
import { expect } from "chai";
import { MaxUint256, ZeroAddress } from "ethers";
import { network } from "hardhat";

import { deployLocalBallast } from "../../deploy/lib/local-ballast.js";

describe("Deploying with feeds beside the TWAP (BallastWithFeeds)", function () {
  it("wires a CompositeOracle, owned by the timelock, as the vault's oracle, and the vault prices through it", async function () {
    const connection = await network.create({ network: "default", chainType: "l1" });
    const { ethers } = connection;
    const [deployer, guardian, keeper, alice] = await ethers.getSigners();
    let feeds: Record<string, string> = {};
    const b = await deployLocalBallast(connection, {
      proposers: [deployer.address],
      guardian: guardian.address,
      keeper: keeper.address,
      feeds: async ({ weth, wbtc, link }) => {
        const feed = async (decimals: number, answer: bigint) => (await ethers.deployContract("MockV3Aggregator", [decimals, answer])).getAddress();
        feeds = { ethUsd: await feed(8, 3_000n * 10n ** 8n), btcUsd: await feed(8, 100_000n * 10n ** 8n), linkEth: await feed(18, 5n * 10n ** 15n), usdcUsd: await feed(8, 10n ** 8n) };
        return {
          feedMaxDivergenceBps: 300,
          feedInit: {
            ethUsdFeed: feeds.ethUsd,
            ethUsdHeartbeat: 3600,
            baseFeed: feeds.usdcUsd,
            baseHeartbeat: 86_400,
            maxDepegBps: 100,
            feeds: [
              { token: weth, feed: feeds.ethUsd, heartbeat: 3600, inEth: false, twap: true, primary: 0 },
              { token: wbtc, feed: feeds.btcUsd, heartbeat: 3600, inEth: false, twap: true, primary: 0 },
              { token: link, feed: feeds.linkEth, heartbeat: 3600, inEth: true, twap: true, primary: 0 },
            ],
          },
        };
      },
    });
    const composite = await ethers.getContractAt("CompositeOracle", await b.vault.oracle());
    expect(await composite.getAddress()).to.equal(await b.priceOracle.getAddress());
    expect(await composite.owner()).to.equal(await b.timelock.getAddress());
    expect(await composite.TWAP()).to.equal(await b.oracle.getAddress());
    expect(await composite.SEQUENCER()).to.equal(ZeroAddress);
    expect(await composite.maxDivergenceBps()).to.equal(300n);
    expect(await composite.fedTokens()).to.deep.equal(b.basket.slice(1));
    // A deposit, priced through both sources.
    await b.usdc.mint(alice.address, 10n ** 12n);
    await (b.usdc.connect(alice) as typeof b.usdc).approve(await b.vault.getAddress(), MaxUint256);
    await (b.vault.connect(alice) as typeof b.vault).deposit(10n ** 11n, alice.address);
    expect(await b.vault.totalAssets()).to.equal(10n ** 11n);
    // The vault holds some WETH (as if a rebalance bought it), then the feed stands 10% off the pools:
    // the vault takes no deposit.
    const weth = await ethers.getContractAt("DemoToken", b.basket[1], alice);
    await (await ethers.getContractAt(["function deposit() payable"], b.basket[1], alice)).deposit({ value: 10n ** 18n });
    await weth.transfer(await b.vault.getAddress(), 10n ** 18n);
    expect(await b.vault.maxDeposit(alice.address)).to.be.greaterThan(0n);
    await (await ethers.getContractAt("MockV3Aggregator", feeds.ethUsd)).updateAnswer(3_300n * 10n ** 8n);
    expect(await b.vault.maxDeposit(alice.address)).to.equal(0n);
  });
});
