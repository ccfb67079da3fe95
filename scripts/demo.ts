// The main job: runs Ballast's whole loop on the in-process network.
//
// NOT BUILT YET: the vault and the rebalance engine do not exist yet, so for now this deploys the
// genuine local Uniswap V3 market that everything else stands on and prints what it deployed.
import { network } from "hardhat";

import LocalMarket from "../deploy/modules/LocalMarket.js";

const connection = await network.create();
const market = await connection.ignition.deploy(LocalMarket);

console.log("Ballast demo: the vault is not built yet; this deploys the local Uniswap V3 market only.\n");
for (const [name, contract] of Object.entries(market)) {
  console.log(`  ${name.padEnd(16)} ${await contract.getAddress()}`);
}
