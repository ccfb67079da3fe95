// The parameters files under deploy/parameters and the pre-flight that checks one against a chain.
import { readDeploymentParameters } from "@nomicfoundation/hardhat-ignition/helpers";
import { expect } from "chai";
import { getAddress } from "ethers";

import { checkBallastParameters } from "../../deploy/lib/check-parameters.js";
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
      expect(decodePath((p.swapPaths as string[])[3]).fees).to.deep.equal([3000, 500]);
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

    it("refuses a pool too young for the TWAP window", async function () {
      const f = await suite.load();
      const token = await suite.connection.ethers.deployContract("DemoToken", ["Young", "YNG", 18]);
      const young = await token.getAddress();
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
      });
      expect(problems).to.have.length(2);
      expect(problems[0]).to.match(new RegExp(`^swapPaths\\[4\\] hop 1 \\(fee 3000\\): the pool 0x[0-9a-fA-F]{40} cannot answer a ${TWAP_WINDOW} s TWAP yet`));
    });
  });
});
