// Ballast on any EVM chain: the TWAP oracle, the TimelockController that governs, and the vault
// (`BallastWithFeeds.ts`: the same, with Chainlink feeds beside the TWAP).
//
// Parameters per network live in deploy/parameters/<network>.json5 (see docs/operators.md). Everything
// the vault trusts is wired here: the timelock holds the governor and admin roles of the vault and
// owns the oracle; the vault holds the timelock's canceller role, which the guardian uses through it
// (so that the guardian can veto any pending change except its own replacement); the keeper may
// rebalance (the zero address: anyone may).
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

export const DEFAULT_PARAMETERS = {
  driftThresholdBps: 500,
  minDriftBps: 100,
  rebalanceIntervalSeconds: 7 * 24 * 3600,
  cooldownSeconds: 3600,
  maxSlippageBps: 100,
  maxTradeBps: 1000,
  maxSpotDeviationBps: 200,
  pauseSeconds: 3 * 24 * 3600,
  lastRebalanceAt: 0,
  residualDriftBps: 0,
  lastRebalanceUnfinished: false,
};

/**
 * Every future of a Ballast deployment. With `feeds`, a CompositeOracle (Chainlink feeds beside the
 * TWAP oracle, owned by the timelock from the start) is what the vault prices with; its parameters:
 * `sequencerUptimeFeed` (the zero address on L1), `sequencerGracePeriodSeconds`, `feedMaxDivergenceBps`,
 * and `feedInit` (the ETH/USD and base-asset feeds, the depeg bound and each token's feed: see
 * CompositeOracle.Init).
 */
export function ballastFutures(m: IgnitionModuleBuilder, options: { feeds: boolean }) {
  const asset = m.getParameter<string>("asset");
  const router = m.getParameter<string>("router");
  const factory = m.getParameter<string>("factory");
  const name = m.getParameter<string>("name", "Ballast Basket");
  const symbol = m.getParameter<string>("symbol", "BLST");
  const twapWindowSeconds = m.getParameter<number>("twapWindowSeconds", 1800);
  // The network's seconds between blocks: pools must keep window / blockTime + 1 observations.
  const blockTimeSeconds = m.getParameter<number>("blockTimeSeconds", 12);
  // How far a token's TWAP and the price its pools opened the block at may disagree before it cannot
  // be priced for deposits and base-asset exits.
  const maxDivergenceBps = m.getParameter<number>("maxDivergenceBps", 500);

  // The basket, base asset included; each other token's swap path and oracle route (hex-encoded
  // Uniswap paths from the token to the base asset), in the same order. The base asset's are "0x".
  const tokens = m.getParameter<string[]>("tokens");
  const targetsBps = m.getParameter<number[]>("targetsBps");
  const swapPaths = m.getParameter<string[]>("swapPaths");
  const oracleTokens = m.getParameter<string[]>("oracleTokens");
  const oracleRoutes = m.getParameter<string[]>("oracleRoutes");
  // Each route's floor on its pools' depth over the window, in whole base units (dollars for USDC).
  const oracleMinDepths = m.getParameter<number[]>("oracleMinDepths");

  const parameters = m.getParameter("parameters", DEFAULT_PARAMETERS);
  const depositCap = m.getParameter<bigint>("depositCap", 2n ** 256n - 1n);

  const minDelaySeconds = m.getParameter<number>("timelockMinDelaySeconds", 2 * 24 * 3600);
  const proposers = m.getParameter<string[]>("proposers");
  // The zero address as executor lets anyone execute an operation once its delay has passed.
  const executors = m.getParameter<string[]>("executors", ["0x0000000000000000000000000000000000000000"]);
  const guardian = m.getParameter<string>("guardian");
  const keeper = m.getParameter<string>("keeper");

  // The deployer administers the timelock only long enough to give the vault its cancel role (the
  // guardian cancels through the vault), then renounces: from then on the timelock administers itself.
  const deployer = m.getAccount(0);
  const timelock = m.contract("TimelockController", [minDelaySeconds, proposers, executors, deployer]);
  const cancellerRole = m.staticCall(timelock, "CANCELLER_ROLE", [], 0, { id: "cancellerRole" });
  const adminRole = m.staticCall(timelock, "DEFAULT_ADMIN_ROLE", [], 0, { id: "adminRole" });

  const oracle = m.contract("UniswapV3TwapOracle", [
    asset,
    factory,
    blockTimeSeconds,
    twapWindowSeconds,
    maxDivergenceBps,
    timelock,
    oracleTokens,
    oracleRoutes,
    oracleMinDepths,
  ]);

  // The vault's configuration and trading logic are external libraries (they keep the vault under
  // the size limit).
  const priceOracle = options.feeds
    ? m.contract("CompositeOracle", [
        oracle,
        m.getParameter<string>("sequencerUptimeFeed", "0x0000000000000000000000000000000000000000"),
        m.getParameter<number>("sequencerGracePeriodSeconds", 3600),
        m.getParameter<number>("feedMaxDivergenceBps", 300),
        timelock,
        m.getParameter("feedInit"),
      ])
    : oracle;

  // What values the basket when the oracle refuses a holding (see Valuation.bounds): the vault, its
  // configuration and its fees all value it.
  const valuationLogic = m.library("ValuationLogic");
  const basketConfig = m.library("BasketConfig", { libraries: { ValuationLogic: valuationLogic } });
  // Trading derives its return point through ReturnPoint (when ResidualCeilingBps is set).
  const returnPoint = m.library("ReturnPoint");
  const rebalanceLogic = m.library("RebalanceLogic", { libraries: { ReturnPoint: returnPoint } });
  const feeLogic = m.library("FeeLogic", { libraries: { ValuationLogic: valuationLogic } });
  const inKindLogic = m.library("InKindLogic");
  // The settlement repays openers through keeper pay (FeeLogic).
  const auctionSettlement = m.library("AuctionSettlement", { libraries: { FeeLogic: feeLogic } });
  const vault = m.contract("RebalancingVault", [
    asset,
    name,
    symbol,
    {
      oracle: priceOracle,
      router,
      governor: timelock,
      guardian,
      keeper,
      tokens,
      targetsBps,
      swapPaths,
      parameters,
      depositCap,
    },
  ], {
    libraries: { BasketConfig: basketConfig, RebalanceLogic: rebalanceLogic, FeeLogic: feeLogic, InKindLogic: inKindLogic, AuctionSettlement: auctionSettlement, ValuationLogic: valuationLogic },
  });

  const grantCancel = m.call(timelock, "grantRole", [cancellerRole, vault], { id: "grantVaultCancel" });
  m.call(timelock, "renounceRole", [adminRole, deployer], { id: "renounceTimelockAdmin", after: [grantCancel] });

  // Slippage-protected entry points (stateless, for any ERC-4626 vault): what the tasks deposit and exit through.
  const ballastRouter = m.contract("BallastRouter");

  // The vault's Dutch auctions. Deployed with it, idle until governance grants it AUCTION_ROLE and sets
  // ExecutionMode (`gov propose-auctions`), in the open like every change.
  const auctions = m.contract("RebalanceAuctions", [vault]);

  return { timelock, oracle, priceOracle, valuationLogic, basketConfig, rebalanceLogic, feeLogic, inKindLogic, auctionSettlement, vault, ballastRouter, auctions };
}

/** Ballast priced by the TWAP oracle alone. */
export default buildModule("Ballast", (m) => {
  const { priceOracle: _priceOracle, ...futures } = ballastFutures(m, { feeds: false });
  return futures;
});
