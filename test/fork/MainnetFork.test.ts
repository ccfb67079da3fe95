// The scenarios against Ethereum mainnet's state at a pinned block, when MAINNET_RPC_URL is set:
// Ballast deployed with deploy/parameters/mainnet.json5 (USDC base; WETH, WBTC, LINK priced by the
// real pools' TWAPs and traded on them), holders funded by writing their token
// balances. Without the variable the suite is skipped, with one line saying so.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { readDeploymentParameters } from "@nomicfoundation/hardhat-ignition/helpers";
import { expect } from "chai";
import hre, { network } from "hardhat";

import { checkBallastParameters } from "../../deploy/lib/check-parameters.js";
import { decodePath } from "../../deploy/lib/uniswap-path.js";
import Ballast from "../../deploy/modules/Ballast.js";
import type { Connection } from "../helpers/market.js";
import { ensureTwapHistory, writeBalance } from "./chain-state.js";
import { probeRpc } from "./rpc.js";
import { scenarios, type World } from "./scenarios.js";

const VARIABLE = "MAINNET_RPC_URL";
const forking = (hre.config.networks.mainnetFork as { forking?: { blockNumber?: bigint } }).forking;
const BLOCK = forking?.blockNumber ?? 0n;

describe(`Scenarios on forked mainnet (block ${BLOCK.toLocaleString("en-US")})`, function () {
  this.timeout(900_000);
  let world: World;

  before(async function () {
    const url = process.env[VARIABLE];
    if (url === undefined || url === "") {
      console.log(`    skipped: ${VARIABLE} is not set (an Ethereum mainnet RPC URL runs these scenarios on mainnet state at block ${BLOCK})`);
      this.skip();
    }
    await probeRpc(VARIABLE, url, 1n);
    // The URL from the environment, as checked: the network's configuration variable could also come
    // from the keystore, which would ask for its password in the middle of a test run.
    const connection = (await network.create({
      network: "mainnetFork",
      chainType: "l1",
      override: { forking: { url, blockNumber: BLOCK } },
    })) as Connection;
    const { ethers } = connection;
    const [, governance, guardian, keeper, alice, bob, trader] = await ethers.getSigners();
    const file = (await readDeploymentParameters("deploy/parameters/mainnet.json5")) as { Ballast: Record<string, unknown> };
    const parameters: Record<string, unknown> = { ...file.Ballast, proposers: [governance.address], guardian: guardian.address, keeper: keeper.address };
    const fund = (who: HardhatEthersSigner, token: string, amount: bigint) => writeBalance(connection, token, who.address, amount);

    // Every pool on the oracle's routes must keep the observations its window needs at 12-second blocks.
    const window = Number(parameters.twapWindowSeconds);
    const required = Math.ceil(window / Number(parameters.blockTimeSeconds)) + 1;
    for (const route of parameters.oracleRoutes as string[]) {
      const { tokens, fees } = decodePath(route);
      for (let h = 0; h < fees.length; h++) {
        const market = { factory: parameters.factory as string, router: parameters.router as string };
        await ensureTwapHistory(connection, market, tokens[h], tokens[h + 1], fees[h], trader, fund, required, window);
      }
    }
    const b = await connection.ignition.deploy(Ballast, { parameters: { Ballast: parameters as never } });
    world = {
      connection,
      vault: await ethers.getContractAt("RebalancingVault", await b.vault.getAddress()),
      oracle: await ethers.getContractAt("UniswapV3TwapOracle", await b.oracle.getAddress()),
      timelock: await ethers.getContractAt("TimelockController", await b.timelock.getAddress()),
      router: parameters.router as string,
      basket: parameters.tokens as string[],
      paths: parameters.swapPaths as string[],
      signers: { governance, keeper, alice, bob, trader },
      fund,
      moveUsd: 20_000_000n,
    };
  });

  scenarios(() => world);
});

describe(`Chainlink feeds on forked mainnet (block ${BLOCK.toLocaleString("en-US")})`, function () {
  this.timeout(300_000);

  it("reads ETH/USD, BTC/USD, LINK/USD and USDC/USD at the pinned block: fresh, positive, named as mainnet.json5 says", async function () {
    const url = process.env[VARIABLE];
    if (url === undefined || url === "") {
      console.log(`    skipped: ${VARIABLE} is not set`);
      this.skip();
    }
    await probeRpc(VARIABLE, url, 1n);
    const connection = (await network.create({ network: "mainnetFork", chainType: "l1", override: { forking: { url, blockNumber: BLOCK } } })) as Connection;
    const [governance] = await connection.ethers.getSigners();
    const file = (await readDeploymentParameters("deploy/parameters/mainnet.json5")) as { Ballast: Record<string, unknown> };
    const roles = { proposers: [governance.address], guardian: governance.address, keeper: governance.address };
    const notes: string[] = [];
    const problems = await checkBallastParameters(connection.ethers.provider, { ...file.Ballast, ...roles }, notes);
    expect(problems.filter((p) => p.startsWith("feedInit"))).to.deep.equal([]);
    const read = notes.filter((n) => n.startsWith("feedInit"));
    // ETH/USD twice (the ETH/USD feed, and WETH's), USDC/USD, BTC/USD, LINK/USD.
    expect(read).to.have.length(5);
    expect(read.join("\n")).to.match(/"ETH \/ USD"/).and.to.match(/"BTC \/ USD"/).and.to.match(/"LINK \/ USD"/).and.to.match(/"USDC \/ USD"/);
  });
});

describe("Forked-mainnet RPC check", function () {
  let server: Server;
  let base: string;
  let answer: (body: string) => { status: number; body: string } | null;

  before(async function () {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const a = answer(body);
        if (a === null) return; // never answers
        res.writeHead(a.status, { "content-type": "application/json" }).end(a.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  async function failure(url: string, timeoutMs = 2000) {
    const started = Date.now();
    const error = await probeRpc(VARIABLE, url, 1n, timeoutMs).then(() => null, (e: Error) => e);
    expect(error, "the probe should fail").to.not.equal(null);
    expect(Date.now() - started).to.be.lessThan(timeoutMs + 1000);
    expect(error!.message).to.not.include("secret-key");
    return error!.message;
  }

  it("names the variable, and only the URL's origin, when the endpoint is wrong, refuses, or does not answer", async function () {
    answer = () => ({ status: 200, body: JSON.stringify({ jsonrpc: "2.0", id: 1, result: "0xaa36a7" }) });
    expect(await failure(`${base}/v2/secret-key`)).to.equal(`${VARIABLE} (${base}) is chain 11155111, not 1`);
    answer = () => ({ status: 401, body: "{}" });
    expect(await failure(`${base}/v2/secret-key`)).to.equal(`${VARIABLE} (${base}) answered HTTP 401; check the URL and its API key`);
    answer = () => null;
    expect(await failure(`${base}/v2/secret-key`, 500)).to.equal(`${VARIABLE} (${base}) is unreachable: no answer within 0.5 s; check the variable`);
    // A port nobody listens on: the one a server just released.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await failure(`http://127.0.0.1:${port}/v2/secret-key`)).to.equal(`${VARIABLE} (http://127.0.0.1:${port}) is unreachable: ECONNREFUSED; check the variable`);
    expect(await failure("not a url")).to.equal(`${VARIABLE} is not a URL`);
  });

  it("accepts an endpoint of the right chain", async function () {
    answer = () => ({ status: 200, body: JSON.stringify({ jsonrpc: "2.0", id: 1, result: "0x1" }) });
    await probeRpc(VARIABLE, `${base}/v2/secret-key`, 1n, 2000);
  });
});
