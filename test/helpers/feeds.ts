// A vault anchored by price feeds: Chainlink's own MockV3Aggregator for WETH, WBTC and LINK (USD, 8
// decimals) beside the local pools, in a CompositeOracle owned by the vault's timelock, the TWAP primary.
// The performance fee charges only on such a vault (every listed token anchored). The feeds follow the
// market when told to (`follow`), as Chainlink's do on a real move; a push of a pool does not move them.
import { ZeroAddress } from "ethers";

import type { CompositeOracle, MockV3Aggregator } from "../../types/ethers-contracts/index.js";
import { signedBy } from "./assertions.js";
import type { Connection } from "./market.js";
import { timelockSigner, type BallastFixture } from "./vault.js";

/** A heartbeat long enough for the tests' warps of hours; `follow` renews every answer. */
export const FEED_HEARTBEAT = 2 * 86_400;
const TWAP_PRIMARY = 0;

export interface Anchored {
  composite: CompositeOracle;
  feeds: Record<"weth" | "wbtc" | "link", MockV3Aggregator>;
  /** Sets every feed to where its pool's window average stands now (or, with `spot`, its current price). */
  follow(options?: { spot?: boolean }): Promise<void>;
}

/** Puts `f`'s vault on a CompositeOracle with a feed beside every pool, each at its pool's average now. */
export async function anchorWithFeeds(connection: Connection, f: BallastFixture): Promise<Anchored> {
  const { ethers } = connection;
  const noFeeds = { ethUsdFeed: ZeroAddress, ethUsdHeartbeat: 0, baseFeed: ZeroAddress, baseHeartbeat: 0, maxDepegBps: 100, feeds: [] };
  const composite = (await ethers.deployContract("CompositeOracle", [
    await f.oracle.getAddress(),
    ZeroAddress,
    3_600,
    500,
    f.signers.deployer.address,
    noFeeds,
  ])) as unknown as CompositeOracle;
  const tokens = { weth: f.tokens.weth, wbtc: f.tokens.wbtc, link: f.tokens.link };
  const units = { weth: 10n ** 18n, wbtc: 10n ** 8n, link: 10n ** 18n };
  const answer = async (name: keyof typeof tokens, spot: boolean) =>
    // USDC (6 decimals) at $1: a USD answer of 8 decimals is the value in USDC times 100.
    ((spot ? await f.oracle.quoteSpot(tokens[name], units[name]) : await f.oracle.quote(tokens[name], units[name])) as bigint) * 100n;
  const feeds = {} as Anchored["feeds"];
  for (const name of Object.keys(tokens) as (keyof typeof tokens)[]) {
    feeds[name] = (await ethers.deployContract("MockV3Aggregator", [8, await answer(name, false)])) as unknown as MockV3Aggregator;
    await composite.setFeed(tokens[name], await feeds[name].getAddress(), FEED_HEARTBEAT, false, true, TWAP_PRIMARY);
  }
  const gov = await timelockSigner(connection, f);
  await composite.transferOwnership(gov.address);
  await signedBy(composite, gov).acceptOwnership();
  await signedBy(f.vault, gov).setOracle(await composite.getAddress());
  return {
    composite,
    feeds,
    async follow(options = {}) {
      for (const name of Object.keys(tokens) as (keyof typeof tokens)[]) {
        // A token whose pools no longer price keeps its last answer (renewed, as a live feed's would be).
        const value = await answer(name, options.spot === true).catch(async () => (await feeds[name].latestRoundData())[1] as bigint);
        await feeds[name].updateAnswer(value);
      }
    },
  };
}
