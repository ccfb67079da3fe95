// Shared set-up for tests: the genuine local Uniswap V3 market, deployed by its Ignition module.
import type { NetworkConnection } from "hardhat/types/network";

import LocalMarket from "../../deploy/modules/LocalMarket.js";

export type Connection = NetworkConnection<"l1">;

export async function deployLocalMarket(connection: Connection) {
  return connection.ignition.deploy(LocalMarket);
}

export type LocalMarketContracts = Awaited<ReturnType<typeof deployLocalMarket>>;
