// A real headless browser for page tests: the system's Chromium (Debian's `chromium` package, which
// `.ci/run` installs when it is missing) driven by playwright-core, which downloads no browser itself.
import { existsSync } from "node:fs";

import { chromium, type Browser } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"];

/** The browser to drive: BALLAST_CHROMIUM, else the first system Chromium or Chrome found; null when there is none. */
export function chromiumPath(): string | null {
  const configured = process.env.BALLAST_CHROMIUM;
  if (configured !== undefined && configured !== "") return configured;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export async function launchBrowser(executablePath: string): Promise<Browser> {
  // As root (CI containers) Chromium's sandbox cannot start; the pages it opens are our own files.
  return chromium.launch({ executablePath, args: ["--no-sandbox"], headless: true });
}

/**
 * For a suite's `before`: the system browser, launched; or, when the machine has none, says so and
 * skips the suite.
 */
export async function browserOrSkip(context: Mocha.Context): Promise<Browser> {
  const executable = chromiumPath();
  if (executable === null) {
    console.warn("    (no Chromium found: set BALLAST_CHROMIUM, or install Debian's chromium; .ci/run installs it)");
    context.skip();
  }
  return launchBrowser(executable!);
}
