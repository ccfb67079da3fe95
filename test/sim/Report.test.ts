// The simulator's HTML report, looked at in a real browser: the tracking-error-against-cost chart is
// readable (log axes, a legend instead of labels on the dots, the efficient frontier drawn), and a
// screenshot of it is written to sim/out/report-chart.png.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";
import type { Browser, Page } from "playwright-core";

import { DEFAULT_COSTS } from "../../sim/costs.js";
import { DEFAULT_BASKET } from "../../sim/market.js";
import { defaultPolicies } from "../../sim/policies.js";
import { frontier, html } from "../../sim/report.js";
import { simulate, type SimulationResult } from "../../sim/simulate.js";
import { browserOrSkip } from "../helpers/browser.js";

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe("The simulator's report in a browser", function () {
  this.timeout(120_000);
  let browser: Browser;
  let page: Page;
  let result: SimulationResult;

  before(async function () {
    browser = await browserOrSkip(this);
    result = simulate({
      basket: DEFAULT_BASKET,
      paths: { days: 120, stepHours: 4, seed: 3, scenario: "regimes" },
      pathCount: 4,
      settings: { navUsd: 1_000_000, stepHours: 4, costs: DEFAULT_COSTS },
      policies: defaultPolicies(),
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.setContent(html(result));
  });

  after(async function () {
    await browser?.close();
  });

  it("names every policy once in a legend whose entries do not overlap, and numbers every dot", async function () {
    const names = await page.locator("#frontier text.legend").allTextContents();
    expect(names.map((n) => n.replace(/^\d+\. /, "").replace(/ ◆$/, ""))).to.deep.equal(result.policies.map((p) => p.name));
    const boxes = (await Promise.all((await page.locator("#frontier text.legend").all()).map((l) => l.boundingBox()))) as Box[];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlap(boxes[i], boxes[j]), `${names[i]} / ${names[j]}`).to.equal(false);
    // The legend sits beside the plot, not over it, and within the chart.
    const plot = (await page.locator("#frontier rect").boundingBox())!;
    const svg = (await page.locator("#frontier").boundingBox())!;
    for (const b of boxes) {
      expect(overlap(b, plot)).to.equal(false);
      expect(b.x + b.width).to.be.at.most(svg.x + svg.width);
    }
    expect(await page.locator("#frontier g.policy circle").count()).to.equal(result.policies.length);
    // Every dot's number appears once among the labels on the plot, and no two labels overlap.
    const labels = await page.locator("#frontier text.dot-label").allTextContents();
    expect(labels.flatMap((l) => l.split("·").map(Number)).sort((a, b) => a - b)).to.deep.equal(result.policies.map((_, i) => i + 1));
    const labelBoxes = (await Promise.all((await page.locator("#frontier text.dot-label").all()).map((l) => l.boundingBox()))) as Box[];
    for (let i = 0; i < labelBoxes.length; i++) for (let j = i + 1; j < labelBoxes.length; j++) expect(overlap(labelBoxes[i], labelBoxes[j]), `${labels[i]} / ${labels[j]}`).to.equal(false);
  });

  it("puts every dot inside the plot on log axes, with the free policy on the zero line below it", async function () {
    const plot = (await page.locator("#frontier rect").boundingBox())!;
    const dots = await page.locator("#frontier g.policy").all();
    for (const [i, dot] of dots.entries()) {
      const b = (await dot.locator("circle").boundingBox())!;
      const cx = b.x + b.width / 2;
      const cy = b.y + b.height / 2;
      expect(cx).to.be.within(plot.x, plot.x + plot.width);
      if (result.policies[i].costBpsPerYear.mean === 0) expect(cy).to.be.greaterThan(plot.y + plot.height);
      else expect(cy).to.be.within(plot.y, plot.y + plot.height);
    }
    // Log scale: the policies a factor of ten apart in tracking error are as far apart at any level.
    const tick = async (label: string) => {
      const t = page.locator("#frontier text", { hasText: new RegExp(`^${label}$`) }).first();
      return (await t.boundingBox())!;
    };
    const [t10, t100] = [await tick("10"), await tick("100")];
    expect(t10.x).to.be.lessThan(t100.x);
  });

  it("draws the efficient frontier through the policies nothing beats on both counts", async function () {
    const pts = result.policies.map((p) => ({ x: p.trackingErrorBps.mean, y: p.costBpsPerYear.mean }));
    const front = frontier(pts);
    for (const i of front) {
      // Nothing is both closer and cheaper than a frontier policy...
      expect(pts.some((q) => q.x < pts[i].x && q.y < pts[i].y)).to.equal(false);
    }
    // ...and every other policy is beaten on both counts by one on it.
    for (const [i, p] of pts.entries()) if (!front.includes(i)) expect(front.some((j) => pts[j].x <= p.x && pts[j].y <= p.y)).to.equal(true);
    const d = await page.locator("#frontier path.frontier").getAttribute("d");
    expect(d!.match(/[ML]/g)).to.have.length(front.length);
    expect(front.length).to.be.greaterThan(1);
  });

  it("gives every policy its own colour, however many there are", async function () {
    const fills = await page.locator("#frontier g.policy circle").evaluateAll((cs) => cs.map((c) => c.getAttribute("fill")));
    expect(result.policies.length).to.be.greaterThan(10);
    expect(new Set(fills).size, fills.join(" ")).to.equal(result.policies.length);
  });

  it("draws one path's NAV against buy-and-hold's, with buy-and-hold as the zero line, and explains the premium beside the theory", async function () {
    expect(await page.getByText("buy-and-hold (0)").count()).to.equal(1);
    expect(await page.locator("h2", { hasText: "NAV against buy-and-hold along one path" }).count()).to.equal(1);
    expect(await page.locator("p.note").textContent()).to.match(/It can be negative under a positive theory figure/);
  });

  it("reads on a phone: no horizontal scroll at 390 px, the charts shrunk to the width", async function () {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.setContent(html(result));
    const widths = (await phone.evaluate("({ page: document.documentElement.scrollWidth, view: window.innerWidth })")) as { page: number; view: number };
    expect(widths.page).to.be.at.most(widths.view);
    const chart = (await phone.locator("#frontier").boundingBox())!;
    expect(chart.x + chart.width).to.be.at.most(widths.view);
    await phone.close();
  });

  it("writes a screenshot of the chart", async function () {
    const out = path.join("sim", "out");
    mkdirSync(out, { recursive: true });
    const png = await page.locator("#frontier").screenshot();
    writeFileSync(path.join(out, "report-chart.png"), png);
    expect(png.subarray(1, 4).toString()).to.equal("PNG");
    expect(png.length).to.be.greaterThan(10_000);
  });
});
