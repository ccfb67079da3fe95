// The parameters files under deploy/parameters and the pre-flight that checks one against a chain.
import { readDeploymentParameters } from "@nomicfoundation/hardhat-ignition/helpers";
import { readFileSync } from "node:fs";

import { expect } from "chai";
import { getAddress, ZeroAddress } from "ethers";

import { checkBallastParameters, MEASURED_REBALANCE, PARAMETER_BOUNDS } from "../../deploy/lib/check-parameters.js";
import { decodePath, encodePath } from "../../deploy/lib/uniswap-path.js";
import { TWAP_WINDOW, useBallast } from "../helpers/vault.js";

const MAINNET = {
  USDC: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
  WETH: "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
  WBTC: "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599",
  LINK: "0x514910771AF9Ca656af840dff83E8264EcF986CA",
};

async function mainnetParameters() {
  return ((await readDeploymentParameters("deploy/parameters/mainnet.json5")) as { Ballast: Record<string, unknown> }).Ballast;
}

describe("Deploy parameters", function () {
  describe("mainnet.json5", function () {
    it("routes each token to USDC through the documented pools, and prices it over the same route", async function () {
      const p = await mainnetParameters();
      const { USDC, WETH, WBTC, LINK } = MAINNET;
      expect(p.tokens).to.deep.equal([USDC, WETH, WBTC, LINK]);
      expect(p.asset).to.equal(USDC);
      expect(p.targetsBps).to.deep.equal([4000, 3000, 2000, 1000]);
      expect(p.swapPaths).to.deep.equal([
        "0x",
        encodePath([WETH, USDC], [500]).toLowerCase(),
        encodePath([WBTC, WETH, USDC], [500, 500]).toLowerCase(),
        encodePath([LINK, WETH, USDC], [3000, 500]).toLowerCase(),
      ]);
      expect(p.oracleTokens).to.deep.equal([WETH, WBTC, LINK]);
      expect(p.oracleRoutes).to.deep.equal((p.swapPaths as string[]).slice(1));
      expect(p.depositCap).to.equal(10n ** 12n); // $1M: "…n" strings are bigints to Ignition
      expect([p.blockTimeSeconds, p.maxDivergenceBps, p.oracleMinDepths]).to.deep.equal([12, 500, [1_000_000, 1_000_000, 1_000_000]]);
      expect((p.parameters as Record<string, number>).pauseSeconds).to.equal(3 * 24 * 3600);
      expect(decodePath((p.swapPaths as string[])[3]).fees).to.deep.equal([3000, 500]);
    });

    it("puts the real Chainlink feeds beside the TWAPs: ETH/USD, BTC/USD, LINK/USD, and USDC/USD for the peg", async function () {
      const p = await mainnetParameters();
      const { USDC: _usdc, WETH, WBTC, LINK } = MAINNET;
      const init = p.feedInit as { ethUsdFeed: string; baseFeed: string; maxDepegBps: number; feeds: { token: string; feed: string; inEth: boolean; twap: boolean; primary: number }[] };
      expect(init.ethUsdFeed).to.equal("0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419");
      expect(init.baseFeed).to.equal("0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6");
      expect(init.maxDepegBps).to.equal(100);
      expect(init.feeds.map((f) => [f.token, f.feed])).to.deep.equal([
        [WETH, "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419"],
        [WBTC, "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c"],
        [LINK, "0x2c1d072e956AFFC0D435Cb7AC38EF18d24d9127c"],
      ]);
      expect(init.feeds.every((f) => f.twap && f.primary === 0 && !f.inEth)).to.equal(true);
      expect(p.sequencerUptimeFeed).to.equal("0x0000000000000000000000000000000000000000");
    });

    it("has an Arbitrum twin, with its tokens, its feeds and its sequencer uptime feed", async function () {
      const a = ((await readDeploymentParameters("deploy/parameters/arbitrum.json5")) as { Ballast: Record<string, unknown> }).Ballast;
      const ARB = { USDC: "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", WETH: "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1", WBTC: "0x2f2a2543B76A4166549F7aaB2e75Bef0aefC5B0f", LINK: "0xf97f4df75117a78c1A5a0DBb814Af92458539FB4" };
      expect(a.tokens).to.deep.equal([ARB.USDC, ARB.WETH, ARB.WBTC, ARB.LINK]);
      expect(a.swapPaths).to.deep.equal([
        "0x",
        encodePath([ARB.WETH, ARB.USDC], [500]).toLowerCase(),
        encodePath([ARB.WBTC, ARB.WETH, ARB.USDC], [500, 500]).toLowerCase(),
        encodePath([ARB.LINK, ARB.WETH, ARB.USDC], [3000, 500]).toLowerCase(),
      ]);
      expect(a.blockTimeSeconds).to.equal(1);
      expect(a.sequencerUptimeFeed).to.equal("0xFdB631F5EE196F0ed6FAa767959853A9F217697D");
      const init = a.feedInit as { ethUsdFeed: string; baseFeed: string; feeds: { token: string; feed: string }[] };
      expect(init.ethUsdFeed).to.equal("0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612");
      expect(init.baseFeed).to.equal("0x50834F3163758fcC1Df9973b6e91f0F0F0434aD3");
      expect(init.feeds.map((f) => f.token)).to.deep.equal([ARB.WETH, ARB.WBTC, ARB.LINK]);
    });

    it("cannot pass the pre-flight until its roles are set", async function () {
      const { ethers } = await (await import("hardhat")).network.create();
      const problems = await checkBallastParameters(ethers.provider, await mainnetParameters());
      expect(problems).to.have.length(3);
      expect(problems[0]).to.match(/^proposers\[0\] is not an address: "SET-ME/);
      expect(problems[1]).to.match(/^guardian is not an address: "SET-ME/);
      expect(problems[2]).to.match(/^keeper is not an address: "SET-ME/);
    });
  });

  describe("the pre-flight", function () {
    const suite = useBallast();

    it("passes the parameters the local deployment used, on the chain it used them", async function () {
      const f = await suite.load();
      expect(await checkBallastParameters(suite.connection.ethers.provider, f.parameters)).to.deep.equal([]);
    });

    it("names every problem it finds", async function () {
      const f = await suite.load();
      const p = f.parameters;
      const provider = suite.connection.ethers.provider;
      const [usdc, weth, wbtc] = f.basket;
      const check = (changes: Record<string, unknown>) => checkBallastParameters(provider, { ...p, ...changes });

      expect(await check({ targetsBps: [4000, 3000, 2000, 999] })).to.deep.equal(["targetsBps sum to 9999, not 10000"]);
      expect(await check({ guardian: "0x0000000000000000000000000000000000000000" })).to.deep.equal([
        "guardian is the zero address: nobody could pause the vault or cancel a change",
      ]);
      expect(await check({ tokens: [weth, usdc, wbtc, f.basket[3]] })).to.include("tokens[0] must be the base asset");
      expect(await check({ proposers: [] })).to.deep.equal(["proposers is empty: nobody could propose a change"]);
      const { router: _router, ...noRouter } = p;
      expect(await checkBallastParameters(provider, noRouter)).to.deep.equal(["router is missing"]);

      // A fee tier without a pool, and a route that ends elsewhere.
      const noPool = encodePath([weth, usdc], [10000]);
      expect(await check({ swapPaths: ["0x", noPool, ...p.swapPaths.slice(2)] })).to.deep.equal(["swapPaths[1] hop 1 (fee 10000): no pool"]);
      const elsewhere = encodePath([wbtc, weth], [3000]);
      expect(await check({ oracleRoutes: [p.oracleRoutes[0], elsewhere, p.oracleRoutes[2]] })).to.deep.equal([
        "oracleRoutes[1] does not end at the base asset",
      ]);
      // A router of another factory, and a token that is not a contract.
      expect(await check({ factory: await f.usdc.getAddress() })).to.deep.equal([`the router's factory is ${getAddress(await f.factory.getAddress())}, not ${await f.usdc.getAddress()}`]);
      const eoa = f.signers.alice.address;
      expect(await check({ tokens: [usdc, weth, wbtc, eoa], oracleTokens: [weth, wbtc, eoa] })).to.include(`no contract at tokens[3] ${eoa} on this network`);
    });

    it("checks every feed of a deployment with feeds: a contract, a fresh positive answer, a description naming its token", async function () {
      const f = await suite.load();
      const { ethers, networkHelpers } = suite.connection;
      const provider = ethers.provider;
      const [, weth, wbtc] = f.basket;
      const mock = async (decimals: number, answer: bigint) => (await ethers.deployContract("MockV3Aggregator", [decimals, answer])).getAddress();
      const ethUsd = await mock(8, 3_000n * 10n ** 8n);
      const btcUsd = await mock(8, 100_000n * 10n ** 8n);
      const feedInit = {
        ethUsdFeed: ethUsd,
        ethUsdHeartbeat: 3600,
        baseFeed: ZeroAddress,
        baseHeartbeat: 0,
        maxDepegBps: 100,
        feeds: [
          { token: weth, feed: ethUsd, heartbeat: 3600, inEth: false, twap: true, primary: 0 },
          { token: wbtc, feed: btcUsd, heartbeat: 30, inEth: true, twap: true, primary: 0 },
        ],
      };
      const problems = await checkBallastParameters(provider, { ...f.parameters, feedInit, sequencerUptimeFeed: await mock(0, 1n) });
      // Chainlink's test aggregator describes itself by its file name: not a feed for the token.
      expect(problems).to.include(`feedInit.ethUsdFeed ${ethUsd} is "v0.8/tests/MockV3Aggregator.sol", not a ETH / USD feed`);
      expect(problems).to.include(`feedInit.feeds[1] ${btcUsd} is "v0.8/tests/MockV3Aggregator.sol", not a WBTC / ETH feed`);
      expect(problems).to.include("feedInit.feeds[1]'s heartbeat 30 s is outside [60, 172800]");
      expect(problems.some((x) => x.startsWith("the sequencer uptime feed") && x.endsWith("reads down"))).to.equal(true);
      await networkHelpers.time.increase(3_601);
      const later = await checkBallastParameters(provider, { ...f.parameters, feedInit: { ...feedInit, feeds: [{ ...feedInit.feeds[0], token: f.signers.alice.address }] } });
      expect(later).to.include(`feedInit.feeds[0].token ${f.signers.alice.address} is not in the basket`);
      expect(later.some((x) => new RegExp(`^feedInit.ethUsdFeed ${ethUsd} last updated 36\\d\\d s ago, longer than its heartbeat of 3600 s$`).test(x))).to.equal(true);
      expect(await checkBallastParameters(provider, { ...f.parameters, feedInit: { ...feedInit, ethUsdFeed: f.signers.alice.address, feeds: [] } })).to.include(
        `no contract at feedInit.ethUsdFeed ${f.signers.alice.address} on this network`,
      );
    });

    it("refuses a pool that keeps too few observations now, or too little history, saying how to fix it", async function () {
      const f = await suite.load();
      const token = await suite.connection.ethers.deployContract("DemoToken", ["Young", "YNG", 18]);
      const young = await token.getAddress();
      // Asked for 200 observations, but not grown to them yet, and without a window of history.
      await f.seeder.seed(f.basket[0], 10n ** 12n, young, 10n ** 24n, 3000, 200, f.signers.deployer.address);
      const route = encodePath([young, f.basket[0]], [3000]);
      const p = f.parameters;
      const problems = await checkBallastParameters(suite.connection.ethers.provider, {
        ...p,
        tokens: [...p.tokens, young],
        targetsBps: [4000, 3000, 2000, 500, 500],
        swapPaths: [...p.swapPaths, route],
        oracleTokens: [...p.oracleTokens, young],
        oracleRoutes: [...p.oracleRoutes, route],
        oracleMinDepths: [...p.oracleMinDepths, 0],
      });
      expect(problems).to.have.length(3);
      expect(problems[0]).to.match(new RegExp(`^swapPaths\\[4\\] hop 1 \\(fee 3000\\): the pool 0x[0-9a-fA-F]{40} cannot answer a ${TWAP_WINDOW} s TWAP yet`));
      expect(problems[1]).to.match(/^oracleRoutes\[3\] hop 1 \(fee 3000\): the pool 0x[0-9a-fA-F]{40} keeps 1 observations, fewer than the 151 a 1800 s window needs \(call increaseObservationCardinalityNext\(151\)/);
    });

    it("checks every bound the contracts enforce, the same as the vault's own table", async function () {
      const f = await suite.load();
      const names = Object.keys(PARAMETER_BOUNDS);
      expect(names).to.have.length(9);
      for (const [i, name] of names.entries()) {
        // The vault numbers its parameters with DepositCap (8, unbounded) between PauseSeconds and ResidualDriftBps.
        const index = name === "residualDriftBps" ? 9 : i;
        expect(await f.vault.parameterBounds(index), name).to.deep.equal(PARAMETER_BOUNDS[name]);
      }
      const provider = suite.connection.ethers.provider;
      const p = f.parameters;
      const check = (changes: Record<string, unknown>) => checkBallastParameters(provider, { ...p, ...changes });
      expect(await check({ parameters: { ...p.parameters, maxSlippageBps: 600, pauseSeconds: 60 } })).to.deep.equal([
        "parameters.maxSlippageBps is 600, outside its bounds [1, 500]",
        "parameters.pauseSeconds is 60, outside its bounds [3600, 1209600]",
      ]);
      expect(await check({ twapWindowSeconds: 60, blockTimeSeconds: 0, maxDivergenceBps: 9_000 })).to.deep.equal([
        "twapWindowSeconds is 60, outside its bounds [600, 86400]",
        "blockTimeSeconds is 0, outside its bounds [1, 60]",
        "maxDivergenceBps is 9000, outside its bounds [50, 5000]",
      ]);
      expect(await check({ oracleMinDepths: [0, 0] })).to.deep.equal(["oracleTokens (3), oracleRoutes (3) and oracleMinDepths (2) must have the same length"]);
      // The oracle stores a floor in 32 bits: more is refused here, before the deployment reverts on it.
      expect(await check({ oracleMinDepths: [2 ** 32, 0, -1] })).to.deep.equal([
        "oracleMinDepths[0] must be a whole number of base units from 0 to 2^32 - 1 (what the oracle stores), not 4294967296",
        "oracleMinDepths[2] must be a whole number of base units from 0 to 2^32 - 1 (what the oracle stores), not -1",
      ]);
    });

    it("refuses a route whose pools hold less depth than its floor, and notes each pool's depth and the slice it allows", async function () {
      const f = await suite.load();
      const provider = suite.connection.ethers.provider;
      const p = f.parameters;
      // $60M a side: a floor of $100M on WETH's route is not met.
      const [tooThin] = await checkBallastParameters(provider, { ...p, oracleMinDepths: [100_000_000, 0, 0] });
      expect(tooThin).to.match(new RegExp(`^oracleRoutes\\[0\\] hop 1 \\(fee 500\\): the pool ${await f.usdcWethPool.getAddress()} held 59,99\\d,\\d{3} of depth over the window, under the route's floor of 100,000,000$`));
      const notes: string[] = [];
      expect(await checkBallastParameters(provider, { ...p, depositCap: 10n ** 12n }, notes)).to.deep.equal([]);
      const note = (re: RegExp) => expect(notes.some((n) => re.test(n)), `${re} in ${notes.join(" | ")}`).to.equal(true);
      // Half the round-trip fee's worth of $60M: $15,000 on the 0.05% pool, $90,000 on the 0.3% ones.
      note(/^swapPaths\[1\] hop 1 \(fee 500\): a slice moves it by half its round-trip fee at about 1[45],\d{3} now$/);
      note(/^swapPaths\[2\] hop 1 \(fee 3000\): a slice moves it by half its round-trip fee at about (89|90),\d{3} now$/);
      note(/^oracleRoutes\[0\] hop 1 \(fee 500\): depth (59|60),\d{3},\d{3} over the window \(floor 1,000,000\)$/);
      expect(notes.at(-1)).to.equal("MaxTradeBps allows slices of up to 100,000 at the deposit cap; the vault cuts each to the least its pools allow (above)");
      // The figure itself is held to the benchmark's snapshot below.
      const measured = MEASURED_REBALANCE.gas.toLocaleString("en-US");
      expect(notes).to.include(`a rebalance trading every token swaps through 3 pools; the heaviest measured (27 pools) cost ${measured} gas, within Chainlink Automation's 5,000,000 perform limit`);
      expect(notes.some((n) => n.startsWith("cooldownSeconds"))).to.equal(false);
    });

    it("notes the gas a rebalance may need past what was measured, and a cooldown shorter than the window", async function () {
      const f = await suite.load();
      const p = f.parameters;
      const { usdc, weth, wbtc } = f.tokens;
      // WBTC to USDC by way of the WBTC/WETH pool 27 times and the USDC/WETH pool: with WETH's and LINK's
      // one hop each, 30 pools, past the 27 the benchmark measured.
      const long = encodePath([wbtc, ...Array<string[]>(13).fill([weth, wbtc]).flat(), weth, usdc], [...Array<number>(27).fill(3000), 500]);
      const notes: string[] = [];
      const parameters = { ...p.parameters, cooldownSeconds: 600 };
      expect(await checkBallastParameters(suite.connection.ethers.provider, { ...p, swapPaths: ["0x", p.swapPaths[1], long, p.swapPaths[3]], parameters }, notes)).to.deep.equal([]);
      expect(notes).to.include(
        `a rebalance trading every token swaps through 30 pools, more than the 27 measured (${MEASURED_REBALANCE.gas.toLocaleString("en-US")} gas): measure it on a fork before registering an upkeep with a 5,000,000 gas limit`,
      );
      expect(notes).to.include(
        `cooldownSeconds (600) is shorter than the TWAP window (${p.twapWindowSeconds}): a slice can follow one the TWAP has not taken in yet; its minimum outputs are measured from the price that protects the vault, so it is refused (VaultPricesUnsettled) or priced no worse, never sandwiched wider`,
      );
    });

    it("states the heaviest rebalance as the benchmark measured it (bench/gas-snapshot.json)", function () {
      const snapshot = JSON.parse(readFileSync("bench/gas-snapshot.json", "utf8")) as Record<string, number>;
      expect(snapshot["rebalance() | 16 (12 via WETH) tokens"]).to.equal(MEASURED_REBALANCE.gas);
    });
  });
});
