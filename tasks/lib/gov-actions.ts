// Every governance action that has its own `gov propose-*` task beyond targets, parameters and the fee
// recipient: what it calls, on which contract, with which options. Data only, so that defining the
// tasks loads nothing; `tasks/gov.ts` encodes and checks each.

/** Which contract a change is made on: the vault, its TWAP oracle, or the composite oracle (feeds). */
export type GovTarget = "vault" | "twap" | "feeds";

export interface GovOption {
  name: string;
  description: string;
  flag?: boolean;
}

export interface GovAction {
  /** The task is `gov propose-<name>`. */
  name: string;
  description: string;
  target: GovTarget;
  /** The function called on the target. */
  fn: string;
  options: GovOption[];
}

const token = (what: string): GovOption => ({ name: "token", description: `${what} (a basket symbol or an address)` });
const path: GovOption = { name: "path", description: "Uniswap path from the token to the base asset, tokens (symbols or addresses) and fee tiers: WETH,500,USDC or LINK,3000,WETH,500,USDC" };
const feed: GovOption = { name: "feed", description: "The Chainlink aggregator's address" };
const heartbeat: GovOption = { name: "heartbeat", description: "Seconds after which the feed's answer is stale (its heartbeat)" };

export const GOV_ACTIONS: GovAction[] = [
  { name: "add-token", description: "Schedule listing a token at a zero target (its oracle route must already answer)", target: "vault", fn: "addToken", options: [token("The token to list"), path] },
  { name: "remove-token", description: "Schedule delisting a zero-target token whose holding is dust", target: "vault", fn: "removeToken", options: [token("The token to delist")] },
  { name: "write-off", description: "Schedule writing off a token that cannot be sold or valued (its holders keep their claims)", target: "vault", fn: "writeOffToken", options: [token("The token to write off")] },
  { name: "sweep", description: "Schedule sending a token the vault does not account for (not a listed or owed one) to an address", target: "vault", fn: "sweep", options: [token("The stray token"), { name: "to", description: "Who receives it" }] },
  { name: "guardian", description: "Schedule replacing the guardian (the guardian cannot cancel this)", target: "vault", fn: "setGuardian", options: [{ name: "guardian", description: "The new guardian's address" }] },
  { name: "auction-house", description: "Schedule granting a RebalanceAuctions contract AUCTION_ROLE, so that it can settle Dutch-auction fills (then propose ExecutionMode 1 or 2 with propose-parameter)", target: "vault", fn: "grantRole", options: [{ name: "house", description: "The RebalanceAuctions contract's address (Ignition deploys one with the vault)" }] },
  { name: "oracle", description: "Schedule switching the vault's price oracle (fees due are settled on the old one first)", target: "vault", fn: "setOracle", options: [{ name: "oracle", description: "The new oracle's address" }] },
  { name: "route", description: "Schedule setting a token's route on the TWAP oracle, with its pools' depth floor", target: "twap", fn: "setRoute", options: [token("The token priced"), path, { name: "minDepth", description: "The floor on each pool's depth over the window, in whole base units" }] },
  { name: "remove-route", description: "Schedule removing a token's route from the TWAP oracle", target: "twap", fn: "removeRoute", options: [token("The token")] },
  { name: "window", description: "Schedule changing the TWAP oracle's window", target: "twap", fn: "setWindow", options: [{ name: "seconds", description: "The new window in seconds" }] },
  { name: "max-divergence", description: "Schedule changing how far the TWAP and the opening price may disagree (the circuit breaker)", target: "twap", fn: "setMaxDivergence", options: [{ name: "bps", description: "The bound in basis points" }] },
  {
    name: "feed",
    description: "Schedule pricing a token with a Chainlink feed beside (or instead of) its TWAP, on the composite oracle",
    target: "feeds",
    fn: "setFeed",
    options: [
      token("The token priced"),
      feed,
      heartbeat,
      { name: "inEth", description: "The feed quotes the token in ETH (read through the ETH/USD feed)", flag: true },
      { name: "withoutTwap", description: "The feed alone prices the token (the TWAP no longer does)", flag: true },
      { name: "primary", description: "The source of NAV and rebalance min-outs: twap or feed (default twap)" },
    ],
  },
  { name: "remove-feed", description: "Schedule removing a token's feed from the composite oracle (the TWAP alone prices it)", target: "feeds", fn: "removeFeed", options: [token("The token")] },
  { name: "eth-usd-feed", description: "Schedule setting the composite oracle's ETH/USD feed", target: "feeds", fn: "setEthUsdFeed", options: [feed, heartbeat] },
  { name: "base-feed", description: "Schedule setting (or, with the zero address, removing) the base asset's own feed and its depeg bound", target: "feeds", fn: "setBaseFeed", options: [feed, heartbeat, { name: "maxDepegBps", description: "How far from $1 the base asset may stand, in basis points" }] },
  { name: "feed-divergence", description: "Schedule changing how far a token's sources may disagree on the composite oracle", target: "feeds", fn: "setMaxDivergence", options: [{ name: "bps", description: "The bound in basis points" }] },
  { name: "grace-period", description: "Schedule changing how long feeds stay untrusted after an L2 sequencer comes back", target: "feeds", fn: "setGracePeriod", options: [{ name: "seconds", description: "The grace period in seconds" }] },
];
