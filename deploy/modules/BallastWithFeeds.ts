// Ballast with Chainlink feeds beside the Uniswap TWAP: the futures of Ballast.ts, and a CompositeOracle
// (owned by the timelock) that the vault prices with. Same module id, so that the tasks find the
// deployment's vault, router and timelock wherever it was deployed from. Parameters: Ballast.ts's, and
// `feedInit`, `feedMaxDivergenceBps`, `sequencerUptimeFeed`, `sequencerGracePeriodSeconds` (see
// deploy/parameters/mainnet.json5 and arbitrum.json5).
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { ballastFutures } from "./Ballast.js";

export default buildModule("Ballast", (m) => ballastFutures(m, { feeds: true }));
