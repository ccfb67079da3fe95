// The dashboard, end to end in a real headless Chromium: the page served against a chain in this
// process, its figures against the contract's views, and a deposit and exits through a test wallet.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";

import { expect } from "chai";
import { formatUnits } from "ethers";
import { network } from "hardhat";
import type { Browser, Page } from "playwright-core";

import { demoVault } from "../../dashboard/demo-vault.js";
import { buildDashboard, serveDashboard } from "../../dashboard/server.js";
import { sharePriceOf } from "../../tasks/lib/context.js";
import { CLOSE_REASONS, NEXT_BLOCK } from "../../tasks/lib/vault-terms.js";
import { browserOrSkip } from "../helpers/browser.js";
import type { Connection } from "../helpers/market.js";

// The README shows these screenshots: every run takes them again, so they show the page as it is.
const OUT = "docs/dashboard";

/** Asserts |actual - expected| <= tolerance (chai's closeTo is taken over by Hardhat's bigint matchers). */
function near(actual: number, expected: number, tolerance: number, what: string) {
  expect(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`).to.equal(true);
}

/** A figure on the page as a number ("1,234.5 USDC" -> 1234.5). */
const numberIn = (text: string) => Number(text.replace(/[^\d.-]/g, ""));

/** An EIP-1193 wallet for `account`, an unlocked account of the node behind `rpc`, injected before the page loads. */
function testWallet(rpc: string, account: string) {
  return `window.ethereum = {
    async request({ method, params }) {
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [${JSON.stringify(account)}];
      const res = await fetch(${JSON.stringify(rpc)}, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params ?? [] }) });
      const json = await res.json();
      if (json.error) throw Object.assign(new Error(json.error.message), { code: json.error.code, data: json.error.data });
      return json.result;
    },
  };`;
}

describe("Dashboard (headless Chromium)", function () {
  this.timeout(300_000);
  let connection: Connection;
  let demo: Awaited<ReturnType<typeof demoVault>>;
  let server: Awaited<ReturnType<typeof serveDashboard>>;
  let browser: Browser;

  before(async function () {
    browser = await browserOrSkip(this);
    connection = (await network.create()) as Connection;
    demo = await demoVault(connection);
    await buildDashboard();
    server = await serveDashboard({ provider: connection.provider, vault: demo.vault, router: demo.router, fromBlock: demo.fromBlock });
    mkdirSync(OUT, { recursive: true });
  });

  after(async function () {
    await browser?.close();
    await server?.close();
  });

  async function open(init?: string, viewport = { width: 1280, height: 1000 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    if (init !== undefined) await page.addInitScript(init);
    await page.goto(server.url);
    await page.waitForSelector("body[data-ready]", { timeout: 60_000 });
    expect(errors).to.deep.equal([]);
    return page;
  }
  const text = async (page: Page, testId: string) => (await page.getByTestId(testId).first().textContent())!.trim();

  it("shows the vault's figures as its views give them: NAV, the share price, weights, drift, fees, rebalances and what governance has pending", async function () {
    const page = await open();
    const vault = demo.ballast.vault;
    near(numberIn(await text(page, "nav")), Number(formatUnits(await vault.totalAssets(), 6)), 0.01, "nav");
    const price = await sharePriceOf((await connection.ethers.getContractAt("RebalancingVault", demo.vault)) as never, 6);
    expect(await text(page, "share-price")).to.equal(`${Number(price!.sharePrice).toFixed(8)} USDC`);
    near(numberIn(await text(page, "supply")), Number(formatUnits(await vault.totalSupply(), 12)), 0.0001, "supply");
    const weights = await vault.currentWeights();
    const [, targets] = await vault.targets();
    for (const [i, symbol] of ["USDC", "WETH", "WBTC", "LINK"].entries()) {
      expect(await text(page, `weight-${symbol}`)).to.equal(`${(Number(weights[i]) / 100).toFixed(2)}% / ${(Number(targets[i]) / 100).toFixed(2)}%`);
    }
    expect(await text(page, "drift")).to.include(`Drift ${await vault.driftBps()} bps against a threshold of 500 bps`);
    expect(await text(page, "fees")).to.match(/^Management 1\.00% a year; performance 10\.00% of gains above the high-water mark/);
    expect(await text(page, "param-ManagementFeeBps")).to.equal("100");
    expect(await text(page, "param-MaxTradeBps")).to.equal((await vault.parameters()).maxTradeBps.toLocaleString("en-US"));
    // Durations in words, not seconds.
    expect(await text(page, "param-RebalanceIntervalSeconds")).to.equal("7 days");
    expect(await text(page, "param-CooldownSeconds")).to.equal("1 h");
    expect(await text(page, "pending")).to.include("setTargets(USDC 30%, WETH 30%, WBTC 30%, LINK 10%)");
    const rebalances = await vault.queryFilter(vault.filters.Rebalanced(), demo.fromBlock);
    expect(rebalances.length).to.be.greaterThan(0);
    expect(await page.locator("[data-testid=rebalances] tr").count()).to.equal(rebalances.length + 1);
    expect(Number(await page.locator("#chart").getAttribute("data-points"))).to.be.greaterThan(rebalances.length);
    expect(await page.locator("#chart canvas").count()).to.equal(1);
    expect(await page.locator("[data-testid=account]").count()).to.equal(0);
    // The auction of the hybrid change: its fills by whom, at the price the events give, and why it closed.
    const house = await connection.ethers.getContractAt("RebalanceAuctions", await demo.ballast.auctions.getAddress());
    const fills = await house.queryFilter(house.filters.AuctionFilled(), demo.fromBlock);
    const closes = await house.queryFilter(house.filters.AuctionClosed(), demo.fromBlock);
    expect(fills.length, "the demo's auction was filled").to.be.greaterThan(0);
    expect(await text(page, "auction-mode")).to.equal("Execution: hybrid: slices by rebalance(), the rest by Dutch auction. No auction is open.");
    const shown = await page.getByTestId("fill").allTextContents();
    expect(shown.length).to.equal(fills.length);
    for (const [i, e] of fills.entries()) {
      const bps = Number((e.args.valueIn * 1_000_000n) / e.args.valueOut) / 100;
      expect(shown[i]).to.match(new RegExp(`^${e.args.filler.slice(0, 6)}…${e.args.filler.slice(-4)}: [\\d.,]+ WETH \\([\\d,.]+ USDC\\) for [\\d.,]+ (WBTC|USDC|LINK) at ${(bps / 100).toFixed(2).replace(".", "\\.")}%$`));
    }
    expect(closes.length, "closed once").to.equal(1);
    expect(await text(page, "auction-closed")).to.match(new RegExp(`: ${CLOSE_REASONS[Number(closes[0].args.reason)]}$`));
    await page.screenshot({ path: `${OUT}/overview.png`, fullPage: true });
  });

  it("fits a phone's width (390 px): no horizontal scroll, one column, every section on screen", async function () {
    const page = await open(testWallet(`${server.url}rpc`, (await connection.ethers.getSigners())[0].address), { width: 390, height: 844 });
    await page.click("#connect");
    await page.waitForSelector("[data-testid=account]");
    // (Evaluated in the page, as text: the tests' TypeScript has no DOM types.)
    const widths = (await page.evaluate("({ page: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth })")) as { page: number; body: number; view: number };
    expect(widths.page, "the page is no wider than the phone").to.be.at.most(widths.view);
    expect(widths.body).to.be.at.most(widths.view);
    // Every section (the figures, "Your position", the tables' containers) starts and ends within the screen.
    const boxes = (await page.evaluate(`[...document.querySelectorAll("section, section.columns > div, #figures .figure")].map((e) => e.getBoundingClientRect()).map((r) => [r.left, r.right])`)) as [number, number][];
    for (const [left, right] of boxes) {
      expect(left).to.be.at.least(0);
      expect(right).to.be.at.most(widths.view);
    }
    expect(await page.locator("#chart canvas").boundingBox().then((b) => b!.x + b!.width)).to.be.at.most(widths.view);
    await page.screenshot({ path: `${OUT}/phone.png`, fullPage: true });
  });

  it("deposits, redeems and redeems in kind through an injected wallet, and says in words why a deposit fails", async function () {
    const [user] = await connection.ethers.getSigners();
    const page = await open(testWallet(`${server.url}rpc`, user.address));
    await page.click("#connect");
    await page.waitForSelector("[data-testid=account]");
    expect(await text(page, "account")).to.equal(user.address);
    const vault = demo.ballast.vault;
    const shares0 = await vault.balanceOf(user.address);

    const done = async () => {
      await page.waitForSelector("#status[data-kind=done], #status[data-kind=error]");
      const kind = await page.getAttribute("#status", "data-kind");
      const message = await page.textContent("#status");
      await page.evaluate("document.querySelector('#status').setAttribute('data-kind', 'info')");
      return { kind, message: message! };
    };

    // Deposit: the preview, then the deposit through the router, at least the preview less 0.5%.
    await page.fill("#deposit-amount", "1000");
    const preview = await vault.previewDeposit(1_000n * 10n ** 6n, NEXT_BLOCK);
    await page.click("#preview-deposit-button");
    await page.waitForFunction("document.querySelector('#preview-deposit').textContent !== ''");
    expect(await page.textContent("#preview-deposit")).to.include(`${formatUnits(preview, 12).slice(0, 8)}`);
    await page.click("#deposit");
    expect(await done()).to.deep.include({ kind: "done", message: "Deposited 1,000 USDC." });
    const shares1 = await vault.balanceOf(user.address);
    expect(shares1 - shares0).to.be.greaterThanOrEqual((preview * 995n) / 1000n);
    near(numberIn(await text(page, "my-shares")), Number(formatUnits(shares1, 12)), 0.000001, "my-shares");

    // Redeem 100 shares in USDC, then 100 in kind.
    const usdc0 = await demo.ballast.usdc.balanceOf(user.address);
    await page.fill("#redeem-shares", "100");
    await page.click("#redeem");
    expect((await done()).kind).to.equal("done");
    expect(await demo.ballast.usdc.balanceOf(user.address)).to.be.greaterThan(usdc0);
    const weth0 = await demo.ballast.weth.balanceOf(user.address);
    await page.fill("#inkind-shares", "100");
    await page.click("#preview-inkind-button");
    await page.waitForFunction("/WETH/.test(document.querySelector('#preview-inkind').textContent)");
    await page.click("#inkind");
    expect((await done()).kind).to.equal("done");
    expect(await demo.ballast.weth.balanceOf(user.address)).to.be.greaterThan(weth0);
    expect(await vault.balanceOf(user.address)).to.equal(shares1 - 200n * 10n ** 12n);

    // More than the wallet holds: refused, and said in words.
    await page.fill("#deposit-amount", "50000000");
    await page.click("#deposit");
    const refused = await done();
    expect(refused.kind).to.equal("error");
    expect(refused.message).to.match(/^deposit failed: Your balance is too small for this amount\. \[ERC20InsufficientBalance\(/);
    await page.screenshot({ path: `${OUT}/actions.png`, fullPage: true });
  });

  it("reads any deployment through its RPC endpoint, read-only without a wallet", async function () {
    const remote = await serveDashboard({ rpc: `${server.url}rpc`, vault: demo.vault, router: null, fromBlock: demo.fromBlock });
    try {
      const page = await browser.newPage();
      await page.goto(remote.url);
      await page.waitForSelector("body[data-ready]", { timeout: 60_000 });
      expect(await page.textContent("#account")).to.equal("Read-only: no wallet in this browser.");
      expect(await page.locator("#actions").isHidden()).to.equal(true);
      near(numberIn(await text(page, "nav")), Number(formatUnits(await demo.ballast.vault.totalAssets(), 6)), 0.01, "nav");
      // A page opened on nothing says how to point it at a vault.
      const empty = await browser.newPage();
      await empty.goto(`${remote.url}?vault=`);
      await empty.waitForFunction("/No vault to show|Cannot read/.test(document.querySelector('#subtitle').textContent)");
    } finally {
      await remote.close();
    }
  });

  it("refuses, from the command line, an endpoint without a vault and a vault that is not an address", function () {
    const run = (...args: string[]) => spawnSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/dashboard.ts", ...args], { encoding: "utf8" });
    const lone = run("--rpc", "http://127.0.0.1:1");
    expect(lone.status).to.equal(1);
    expect(lone.stderr).to.match(/error: --rpc and --vault go together/);
    const bad = run("--rpc", "http://127.0.0.1:1", "--vault", "0x1234");
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.match(/error: --vault must be an address, not "0x1234"/);
  });
});
