// The dashboard's build: a static page (dashboard/dist) with the contracts' ABIs taken from the build's
// artifacts at bundle time (the `virtual:ballast-abis` module), never written by hand.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { defineConfig, type Plugin } from "vite";

const root = path.dirname(fileURLToPath(import.meta.url));
const artifacts = path.join(root, "..", "artifacts");

/** The ABIs the page calls, by name, from `hardhat build`'s artifacts. */
const CONTRACTS = {
  vault: "contracts/RebalancingVault.sol/RebalancingVault.json",
  router: "contracts/periphery/BallastRouter.sol/BallastRouter.json",
  auctions: "contracts/auctions/RebalanceAuctions.sol/RebalanceAuctions.json",
  oracle: "contracts/oracles/UniswapV3TwapOracle.sol/UniswapV3TwapOracle.json",
  composite: "contracts/oracles/CompositeOracle.sol/CompositeOracle.json",
  timelock: "@openzeppelin/contracts/governance/TimelockController.sol/TimelockController.json",
  erc20: "contracts/local/DemoToken.sol/DemoToken.json",
} as const;

function ballastAbis(): Plugin {
  const id = "virtual:ballast-abis";
  return {
    name: "ballast-abis",
    resolveId: (source) => (source === id ? `\0${id}` : null),
    load(resolved) {
      if (resolved !== `\0${id}`) return null;
      const abis = Object.fromEntries(
        Object.entries(CONTRACTS).map(([name, file]) => {
          const full = path.join(artifacts, file);
          this.addWatchFile(full);
          return [name, JSON.parse(readFileSync(full, "utf8")).abi];
        }),
      );
      return `export const ABIS = ${JSON.stringify(abis)};`;
    },
  };
}

export default defineConfig({
  root,
  base: "./",
  plugins: [ballastAbis()],
  build: { outDir: path.join(root, "dist"), emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1024 },
  logLevel: "warn",
});
