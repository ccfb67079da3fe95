// The Ballast dashboard: reads a vault through any JSON-RPC endpoint and, with an injected wallet
// (EIP-1193), deposits and exits through the slippage-protected router.
import { BrowserProvider, Contract, JsonRpcProvider, MaxUint256, formatUnits, parseUnits, type Provider, type Signer } from "ethers";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { ABIS } from "virtual:ballast-abis";

import { depositQuote, inWords, NEXT_BLOCK, type QuotedVault } from "../../tasks/lib/vault-terms.js";
import { describeError, PRICE_DECIMALS, readAuctions, readHistory, readPending, readRebalances, readVault, type VaultView } from "./chain.js";
import "./style.css";

interface Config {
  rpc: string;
  vault: string;
  router: string | null;
  fromBlock: number;
}

/** Tolerance below a preview that a transaction accepts, in basis points. */
const SLIPPAGE_BPS = 50n;

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector(selector) as T;
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
/** `value` with `decimals`, at most `digits` after the point, grouped by thousands. */
function fmt(value: bigint, decimals: number, digits = 2): string {
  const [whole, frac = ""] = formatUnits(value, decimals).split(".");
  const grouped = BigInt(whole).toLocaleString("en-US");
  const cut = frac.slice(0, digits).replace(/0+$/, "");
  return cut === "" ? grouped : `${grouped}.${cut}`;
}
const pct = (bps: number) => `${(bps / 100).toFixed(2)}%`;
/** A parameter's value for people: durations (the parameters in seconds) in words, other figures grouped. */
const amount = (name: string, value: bigint) => (name.endsWith("Seconds") && value < 10n ** 12n ? inWords(Number(value)) : value.toLocaleString("en-US"));

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z").replace("T", " ");
const price8 = (scaled: bigint, assetDecimals: number) => Number(formatUnits(scaled, BigInt(assetDecimals) + PRICE_DECIMALS)).toFixed(8);

async function loadConfig(): Promise<Config> {
  const fromFile = (await fetch("./config.json").then((r) => (r.ok ? r.json() : {})).catch(() => ({}))) as Partial<Config>;
  const q = new URLSearchParams(location.search);
  const rpc = q.get("rpc") ?? fromFile.rpc ?? "";
  const vault = q.get("vault") ?? fromFile.vault ?? "";
  if (rpc === "" || vault === "") throw new Error("No vault to show: open the page with ?rpc=<url>&vault=<address>, or start it with `npm run dashboard`.");
  return {
    rpc: new URL(rpc, location.href).href,
    vault,
    router: q.get("router") ?? fromFile.router ?? null,
    fromBlock: Number(q.get("fromBlock") ?? fromFile.fromBlock ?? 0),
  };
}

let config: Config;
let provider: Provider;
let view: VaultView;
let signer: Signer | null = null;
let account: string | null = null;

async function render() {
  view = await readVault(provider, config.vault);
  const v = view;
  const d = v.asset.decimals;
  const money = (x: bigint | null) => (x === null ? "n/a" : `${fmt(x, d)} ${v.asset.symbol}`);
  document.title = `${v.name} (${v.symbol}) · Ballast`;
  $("#title").textContent = `${v.name} (${v.symbol})`;
  $("#subtitle").textContent = `vault ${v.address} · block ${v.blockNumber} at ${iso(v.time)}${v.paused ? " · PAUSED until " + iso(v.pausedUntil) : ""}`;
  $("#figures").innerHTML = [
    ["NAV", money(v.nav), "nav"],
    ["one share", v.sharePrice === null ? "n/a" : `${price8(v.sharePrice, d)} ${v.asset.symbol}`, "share-price"],
    ["shares", fmt(v.totalSupply, v.shareDecimals, 4), "supply"],
    ["idle base asset", money(v.idle), "idle"],
  ]
    .map(([label, value, id]) => `<div class="figure"><div class="label">${label}</div><div class="value" data-testid="${id}">${esc(value)}</div></div>`)
    .join("");
  $("#oracle-error").textContent = v.oracleError === null ? "" : `The oracle cannot price the basket now: ${v.oracleError}. Exits in kind still work.`;

  // Weights against targets: two bars a token, the drift and the trigger.
  const max = Math.max(10_000 / 2, ...v.holdings.map((h) => Math.max(h.weightBps ?? 0, h.targetBps)));
  $("#weights").innerHTML =
    `<table class="weights"><tr><th>token</th><th>balance</th><th>value</th><th>weight / target</th><th></th></tr>` +
    v.holdings
      .map(
        (h) => `<tr data-testid="holding-${h.symbol}"><td>${esc(h.symbol)}</td><td>${fmt(h.balance, h.decimals, 4)}</td><td>${money(h.value)}</td>
        <td data-testid="weight-${h.symbol}">${h.weightBps === null ? "n/a" : pct(h.weightBps)} / ${pct(h.targetBps)}</td>
        <td class="bars"><div class="bar weight" style="width:${((h.weightBps ?? 0) / max) * 100}%"></div><div class="bar target" style="width:${(h.targetBps / max) * 100}%"></div></td></tr>`,
      )
      .join("") +
    `</table><p class="legend"><span class="swatch weight"></span>weight <span class="swatch target"></span>target</p>`;
  const r = v.rebalance;
  const ready = r.readyAt > v.time ? `; the cooldown ends ${iso(r.readyAt)}` : "";
  const scaled = r.volatilityBps === 0 ? "" : ` (scaled from ${r.staticThresholdBps} bps by the basket's volatility, ${r.volatilityBps.toLocaleString("en-US")} bps a year)`;
  $("#drift").innerHTML = `<p data-testid="drift">Drift <b>${r.driftBps} bps</b> against a threshold of <b>${r.thresholdBps} bps</b>${scaled}: ${
    r.due ? `a rebalance is <b>due</b> (${r.trigger})` : "no rebalance is due"
  }${ready}.${r.lastRebalanceAt === 0 ? "" : ` Last rebalance ${iso(r.lastRebalanceAt)}.`}</p>`;

  // Fees and parameters.
  const f = v.fees;
  const mark = price8((f.highWaterMark * 10n ** (BigInt(v.shareDecimals) + PRICE_DECIMALS)) / 10n ** 18n, d);
  $("#fees").innerHTML = `<p data-testid="fees">${
    f.managementFeeBps === 0 && f.performanceFeeBps === 0
      ? "No fees."
      : `Management ${pct(f.managementFeeBps)} a year; performance ${pct(f.performanceFeeBps)} of gains above the high-water mark (a share at ${mark} ${v.asset.symbol}); ${fmt(f.pendingShares, v.shareDecimals, 6)} shares accrued, not yet minted, for ${f.recipient}.`
  } Keeper pay: ${v.keeperPay.on ? `gas repaid up to ${v.keeperPay.baseFeeCapGwei} gwei plus ${pct(v.keeperPay.tipBps)}` : "off"}.</p>
  <table class="parameters"><tr><th>parameter</th><th>value</th><th>bounds</th></tr>${v.parameters
    .map((p) => `<tr><td>${p.name}</td><td data-testid="param-${p.name}">${p.value === MaxUint256 ? "none" : amount(p.name, p.value)}</td><td>${amount(p.name, p.min)} to ${p.max === MaxUint256 ? "any" : amount(p.name, p.max)}</td></tr>`)
    .join("")}</table>`;

  await Promise.all([renderHistory(), renderRebalances(), renderAuctions(), renderGovernance()]);
  await renderAccount();
  document.body.dataset.ready = String(v.blockNumber);
}

let chart: uPlot | null = null;
async function renderHistory() {
  const points = await readHistory(provider, view, config.fromBlock);
  const d = view.asset.decimals;
  const data: uPlot.AlignedData = [points.map((p) => p.time), points.map((p) => Number(formatUnits(p.sharePrice!, BigInt(d) + PRICE_DECIMALS)))];
  const el = $("#chart");
  el.dataset.points = String(points.length);
  chart?.destroy();
  chart = new uPlot(
    {
      width: el.clientWidth || 860,
      height: 240,
      scales: { x: { time: true } },
      // The hover shows the time as the tables do (UTC) and the value at the header's eight decimals.
      series: [
        { value: (_u, t) => (t == null ? "" : iso(t)) },
        { label: `one share (${view.asset.symbol})`, stroke: "#1f77b4", width: 2, points: { show: points.length < 40 }, value: (_u, v) => (v == null ? "" : v.toFixed(8)) },
      ],
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => t.toFixed(4)), size: 70 }],
    },
    data,
    el,
  );
}

// The chart follows its container's width (a phone turned, a window resized).
window.addEventListener("resize", () => chart?.setSize({ width: $("#chart").clientWidth || 860, height: 240 }));

async function renderRebalances() {
  const rebalances = await readRebalances(provider, view, config.fromBlock);
  const d = view.asset.decimals;
  $("#rebalances").innerHTML =
    rebalances.length === 0
      ? "<p>No rebalance yet.</p>"
      : `<table data-testid="rebalances"><tr><th>when</th><th>trigger</th><th>drift (bps)</th><th>swaps</th><th>cost against the oracle</th></tr>${rebalances
          .map((r) => {
            const cost = r.navBefore - r.navAfter;
            const bps = r.navBefore === 0n ? 0 : Number((cost * 1_000_000n) / r.navBefore) / 100;
            const swaps = r.swaps.map((s) => `${esc(s.from)} → ${esc(s.to)}`).join(", ");
            return `<tr><td>${iso(r.time)}</td><td>${r.trigger}</td><td>${r.driftBeforeBps} → ${r.driftAfterBps}</td><td>${swaps}</td><td>${fmt(cost, d)} ${view.asset.symbol} (${bps.toFixed(2)} bps)</td></tr>`;
          })
          .join("")}</table>`;
}

const MODES = { slices: "AMM slices only", hybrid: "hybrid: slices by rebalance(), the rest by Dutch auction", auctions: "Dutch auctions only" } as const;

async function renderAuctions() {
  const a = await readAuctions(provider, view, config.fromBlock);
  const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;
  const live = a.live === null ? "No auction is open." : `Auction ${a.live.id} is open: the ask is ${(a.live.askBps / 100).toFixed(2)}% of the oracle's reference, until ${iso(a.live.endsAt)}.`;
  const table =
    a.auctions.length === 0
      ? ""
      : `<table data-testid="auctions"><tr><th>auction</th><th>opened</th><th>fills: who, what, at what price against the oracle</th><th>closed</th></tr>${a.auctions
          .map((x) => {
            const fills = x.fills
              .map((f) => `<div data-testid="fill">${short(f.filler)}: ${fmt(f.amountOut, view.holdings.find((h) => h.symbol === f.out)?.decimals ?? 18, 4)} ${esc(f.out)} (${fmt(f.valueOut, view.asset.decimals)} ${view.asset.symbol}) for ${fmt(f.amountIn, view.holdings.find((h) => h.symbol === f.in)?.decimals ?? 18, 4)} ${esc(f.in)} at <b>${(f.priceBps / 100).toFixed(2)}%</b></div>`)
              .join("");
            return `<tr><td>${x.id}</td><td>${iso(x.openedAt)} at drift ${x.driftBps} bps; ask +${pct(x.premiumBps)} to -${pct(x.maxDiscountBps)}</td><td>${fills || "none"}</td><td data-testid="auction-closed">${x.closed === null ? "open" : `${iso(x.closed.time)}: ${x.closed.reason}`}</td></tr>`;
          })
          .join("")}</table>`;
  $("#auctions").innerHTML = `<p data-testid="auction-mode">Execution: ${MODES[a.mode]}. ${live}</p>${table}`;
}

async function renderGovernance() {
  const g = await readPending(provider, view, config.fromBlock);
  $("#governance").innerHTML =
    g.timelock === null
      ? "<p>No timelock governs this vault.</p>"
      : `<p>Timelock ${g.timelock}, delay ${(g.minDelay / 3600).toFixed(0)} h.</p>` +
        (g.pending.length === 0
          ? "<p data-testid='pending'>Nothing pending.</p>"
          : `<table data-testid="pending"><tr><th>change</th><th>executable</th></tr>${g.pending
              .map((p) => `<tr><td>${esc(p.call)}</td><td>${p.ready ? "now" : iso(p.eta)}</td></tr>`)
              .join("")}</table>`);
}

// ------------------------------------------------------------------ the wallet

async function renderAccount() {
  const panel = $("#account");
  if (signer === null || account === null) {
    panel.innerHTML = window.ethereum === undefined ? "<p>Read-only: no wallet in this browser.</p>" : "<p>Connect a wallet to deposit and exit.</p>";
    $("#actions").hidden = true;
    return;
  }
  const vault = new Contract(config.vault, ABIS.vault, provider);
  const asset = new Contract(view.asset.address, ABIS.erc20, provider);
  const [shares, assets] = await Promise.all([vault.balanceOf(account) as Promise<bigint>, asset.balanceOf(account) as Promise<bigint>]);
  panel.innerHTML = `<p>Account <span data-testid="account">${account}</span>: <b data-testid="my-shares">${fmt(shares, view.shareDecimals, 6)}</b> shares, <b data-testid="my-assets">${fmt(assets, view.asset.decimals)}</b> ${view.asset.symbol}.</p>`;
  $("#actions").hidden = false;
}

async function connect() {
  if (window.ethereum === undefined) return;
  const browser = new BrowserProvider(window.ethereum);
  await browser.send("eth_requestAccounts", []);
  signer = await browser.getSigner();
  account = await signer.getAddress();
  await renderAccount();
}

function status(text: string, kind: "info" | "error" | "done" = "info") {
  const el = $("#status");
  el.textContent = text;
  el.className = kind;
  el.dataset.kind = kind;
}

/** Runs an action, showing its progress and any error in words. */
async function act(name: string, body: () => Promise<string>) {
  try {
    status(`${name}: waiting for the wallet...`);
    const done = await body();
    await render();
    status(done, "done");
  } catch (error) {
    status(`${name} failed: ${describeError(error)}`, "error");
  }
}

const amountOf = (id: string, decimals: number) => {
  const text = $<HTMLInputElement>(id).value.trim();
  if (!/^\d+(\.\d+)?$/.test(text)) throw new Error(`"${text}" is not an amount`);
  return parseUnits(text, decimals);
};
const floor = (x: bigint) => (x * (10_000n - SLIPPAGE_BPS)) / 10_000n;

async function ensureAllowance(token: string, spender: string, amount: bigint) {
  const erc20 = new Contract(token, ABIS.erc20, signer!);
  if ((await erc20.allowance(account, spender)) >= amount) return;
  status("approving...");
  await (await erc20.approve(spender, amount)).wait();
}

async function preview(kind: "deposit" | "redeem" | "inkind") {
  const vault = new Contract(config.vault, ABIS.vault, provider);
  const out = $(`#preview-${kind}`);
  try {
    if (kind === "deposit") {
      const q = await depositQuote(vault as unknown as QuotedVault, amountOf("#deposit-amount", view.asset.decimals), SLIPPAGE_BPS);
      const premium = q.premiumBps === 0n ? "" : `; ${q.premiumBps} bps above the vault's lowest prices`;
      out.textContent =
        q.shares < q.minShares
          ? `≈ ${fmt(q.shares, view.shareDecimals, 6)} shares${premium}: more than the ${SLIPPAGE_BPS} bps accepted. Prices moved recently: wait for them to settle.`
          : `≈ ${fmt(q.shares, view.shareDecimals, 6)} shares (at least ${fmt(q.minShares, view.shareDecimals, 6)} accepted${premium})`;
    } else if (kind === "redeem") {
      const assets = await vault.previewRedeem(amountOf("#redeem-shares", view.shareDecimals), NEXT_BLOCK);
      out.textContent = `≈ ${fmt(assets, view.asset.decimals)} ${view.asset.symbol} (at least ${fmt(floor(assets), view.asset.decimals)} accepted)`;
    } else {
      const amounts = (await vault.previewRedeemInKind(amountOf("#inkind-shares", view.shareDecimals), NEXT_BLOCK)) as bigint[];
      out.textContent = view.holdings.map((h, i) => `${fmt(amounts[i], h.decimals, 6)} ${h.symbol}`).join(", ");
    }
    out.dataset.kind = "preview";
  } catch (error) {
    out.textContent = describeError(error);
    out.dataset.kind = "error";
  }
}

async function deposit() {
  await act("deposit", async () => {
    const assets = amountOf("#deposit-amount", view.asset.decimals);
    const vault = new Contract(config.vault, ABIS.vault, provider);
    const { minShares } = await depositQuote(vault as unknown as QuotedVault, assets, SLIPPAGE_BPS);
    if (config.router === null) {
      await ensureAllowance(view.asset.address, config.vault, assets);
      await (await new Contract(config.vault, ABIS.vault, signer!).deposit(assets, account)).wait();
    } else {
      await ensureAllowance(view.asset.address, config.router, assets);
      status("depositing...");
      await (await new Contract(config.router, ABIS.router, signer!).deposit(config.vault, assets, account, minShares)).wait();
    }
    return `Deposited ${fmt(assets, view.asset.decimals)} ${view.asset.symbol}.`;
  });
}

async function redeem() {
  await act("redeem", async () => {
    const shares = amountOf("#redeem-shares", view.shareDecimals);
    const vault = new Contract(config.vault, ABIS.vault, provider);
    const minAssets = floor(await vault.previewRedeem(shares, NEXT_BLOCK));
    if (config.router === null) {
      await (await new Contract(config.vault, ABIS.vault, signer!).redeem(shares, account, account)).wait();
    } else {
      await ensureAllowance(config.vault, config.router, shares);
      status("redeeming...");
      await (await new Contract(config.router, ABIS.router, signer!).redeem(config.vault, shares, account, minAssets)).wait();
    }
    return `Redeemed ${fmt(shares, view.shareDecimals, 6)} shares for at least ${fmt(minAssets, view.asset.decimals)} ${view.asset.symbol}.`;
  });
}

async function redeemInKind() {
  await act("redeem in kind", async () => {
    const shares = amountOf("#inkind-shares", view.shareDecimals);
    // A pro-rata slice of every holding: nothing is priced, so nothing can be pushed; paid directly.
    status("redeeming in kind...");
    await (await new Contract(config.vault, ABIS.vault, signer!).redeemInKind(shares, account, account)).wait();
    return `Redeemed ${fmt(shares, view.shareDecimals, 6)} shares in kind.`;
  });
}

async function main() {
  try {
    config = await loadConfig();
  } catch (error) {
    $("#title").textContent = "Ballast";
    $("#subtitle").textContent = (error as Error).message;
    return;
  }
  provider = new JsonRpcProvider(config.rpc, undefined, { polling: false });
  $("#connect").addEventListener("click", () => void connect().catch((e) => status(describeError(e), "error")));
  $("#refresh").addEventListener("click", () => void render());
  $("#deposit").addEventListener("click", () => void deposit());
  $("#redeem").addEventListener("click", () => void redeem());
  $("#inkind").addEventListener("click", () => void redeemInKind());
  for (const kind of ["deposit", "redeem", "inkind"] as const) {
    $(`#preview-${kind}-button`).addEventListener("click", () => void preview(kind));
  }
  try {
    await render();
  } catch (error) {
    $("#subtitle").textContent = `Cannot read the vault: ${describeError(error)}`;
  }
}

void main();
