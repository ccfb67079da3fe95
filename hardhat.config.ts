import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";

import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

import benignWarnings from "./plugins/benign-warnings.js";
import { ballastTasks } from "./tasks/index.js";

// Compile offline with the solc-js build that the npm `solc` package ships. Its version must be
// the one pinned in package.json, and every build profile needs the path (Ignition builds with
// `production`): a profile without it would try to download a compiler.
const SOLC_VERSION = "0.8.28";
const solcPath = createRequire(import.meta.url).resolve("solc/soljson.js");
/** One set of compiler settings for every profile: what is tested and benchmarked is what is deployed. */
const SOLC_SETTINGS = { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" };

// Fuzz and invariant depth: fast for everyday runs, deep when BALLAST_FUZZ=deep (CI nightly, audits).
const deep = process.env.BALLAST_FUZZ === "deep";
// The fuzzer's seed: fixed for everyday runs (the same inputs every time), fresh for each deep run, and
// always printed, so that any failure can be replayed with BALLAST_FUZZ_SEED=<seed>.
const FAST_SEED = "0x" + "ba11a57".padStart(64, "0");
const fuzzSeed = process.env.BALLAST_FUZZ_SEED ?? (deep ? "0x" + randomBytes(32).toString("hex") : FAST_SEED);
if (process.argv.includes("test")) {
  console.error(`[ballast] ${deep ? "deep" : "fast"} fuzz and invariant profile, seed ${fuzzSeed} (replay: BALLAST_FUZZ_SEED=${fuzzSeed})`);
}

// Coverage on: the --coverage flag, or HARDHAT_COVERAGE, which the test task passes on to the Hardhat
// commands a test runs (so they read the instrumented build, not a second one of their own).
const coverage = process.argv.includes("--coverage") || process.env.HARDHAT_COVERAGE === "true";

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers, benignWarnings],
  tasks: ballastTasks,
  solidity: {
    // The tests compile apart from the contracts, each run building only the tests it runs: `hardhat run`
    // builds no test, and `npm test` can leave the invariant suite out of the instrumented build (its
    // compilation, instrumented, aborts solc-js: see scripts/test.ts).
    splitTestsCompilation: true,
    // Deployed as they are published: governance's timelock.
    npmFilesToBuild: [
      "@openzeppelin/contracts/governance/TimelockController.sol",
      // Chainlink's own test aggregator, for the feed tests and the local network.
      "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol",
    ],
    profiles: {
      default: {
        version: SOLC_VERSION,
        path: solcPath,
        settings: SOLC_SETTINGS,
      },
      // What is deployed: the default profile's settings, each contract built in isolation (Hardhat's
      // default for this profile), as verification wants. 200 runs, not more: at 1,000 the vault's
      // runtime code would pass the 24,576-byte limit (EIP-170). The benchmark runs on the default
      // profile: the same code, without isolated builds' minutes of compiling.
      production: {
        version: SOLC_VERSION,
        path: solcPath,
        settings: SOLC_SETTINGS,
      },
    },
  },
  // Coverage instruments the production contracts only: the gate (scripts/coverage-floor.ts) counts
  // nothing else. (`npm test` runs the invariant suite uninstrumented: see splitTestsCompilation above.)
  coverage: {
    skipFiles: ["contracts/mocks/**", "contracts/bench/**", "contracts/local/**"],
  },
  // An instrumented build keeps its own artifacts and cache: sharing them, every `npm test` left the
  // normal build stale, and the next `npm run demo` or `dashboard` recompiled every contract.
  paths: {
    ignition: "deploy",
    artifacts: coverage ? "artifacts-coverage" : "artifacts",
    cache: coverage ? "cache-coverage" : "cache",
  },
  test: {
    mocha: { timeout: 120_000 },
    solidity: {
      // Solidity tests deploy the genuine Uniswap V3 contracts from their published artifacts.
      fsPermissions: { readDirectory: ["node_modules/@uniswap"] },
      fuzz: { runs: deep ? 5_000 : 256, seed: fuzzSeed },
      // Invariant runs are call sequences of `depth` calls each against the genuine Uniswap market.
      invariant: deep ? { runs: 10_000, depth: 20 } : { runs: 32, depth: 25 },
    },
  },
  networks: {
    // The in-process network: tests, benchmarks and the demo. Accounts hold enough ETH to seed
    // WETH pools as deep as mainnet's.
    default: {
      type: "edr-simulated",
      chainType: "l1",
      accounts: { accountsBalance: 10n ** 9n * 10n ** 18n },
    },
    // Ethereum mainnet as of a pinned block, in process: the forked-mainnet suite (test/fork/).
    // Pinned, so that repeated runs reuse Hardhat's fork cache instead of refetching state.
    mainnetFork: {
      type: "edr-simulated",
      chainType: "l1",
      forking: { url: configVariable("MAINNET_RPC_URL"), blockNumber: 21_500_000 },
      accounts: { accountsBalance: 10n ** 6n * 10n ** 18n },
    },
    // A node on this machine (`hardhat node`), with its default accounts.
    localhost: { type: "http", chainType: "l1", url: "http://127.0.0.1:8545" },
    // Real networks. Secrets are configuration variables: kept in Hardhat's encrypted keystore
    // (`hardhat keystore set MAINNET_RPC_URL`) or read from the environment; never in this repository.
    // BALLAST_PRIVATE_KEY signs: the deployer's key to deploy, the keeper's to run the keeper.
    mainnet: {
      type: "http",
      chainType: "l1",
      url: configVariable("MAINNET_RPC_URL"),
      accounts: [configVariable("BALLAST_PRIVATE_KEY")],
    },
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("BALLAST_PRIVATE_KEY")],
    },
    // Arbitrum One (deploy/parameters/arbitrum.json5): an L2, so its Chainlink feeds are read behind the
    // sequencer uptime feed.
    arbitrum: {
      type: "http",
      chainType: "generic",
      url: configVariable("ARBITRUM_RPC_URL"),
      accounts: [configVariable("BALLAST_PRIVATE_KEY")],
    },
  },
  verify: {
    etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") },
  },
});
