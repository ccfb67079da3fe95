// Deploys the genuine local Uniswap V3 market and Ballast to a local node (`hardhat node`), so that
// the tasks can be tried against a chain that outlives one command:
//
//   npm run hardhat -- node --network default                                 (one terminal)
//   npm run hardhat -- run scripts/deploy-local.ts --network localhost        (another)
//   npm run hardhat -- vault status --network localhost
//
// Parameters come from deploy/parameters/local.json5; Ignition records the deployment under
// deploy/deployments/chain-31337, where the tasks find the vault. Roles: the node's account #1
// proposes (governance), and so does a 2-of-3 Safe of accounts #5 to #7; #2 is the guardian, #3 the
// keeper. Accounts #0 to #4 get 1,000,000 USDC.
import { rmSync } from "node:fs";
import path from "node:path";

import hre from "hardhat";

import { deployLocalBallast, deployLocalSafe } from "../deploy/lib/local-ballast.js";

const connection = await hre.network.getOrCreate();
const { ethers } = connection;
const chainId = (await ethers.provider.getNetwork()).chainId;
if (chainId !== 31337n) {
  console.error(`error: the local market is for a local node (chain 31337), not chain ${chainId}; deploy elsewhere with deploy/modules/Ballast.ts`);
  process.exit(1);
}
// A record left by an earlier node (gone since) would make Ignition try to resume it: start afresh.
const recordDir = path.join(hre.config.paths.ignition, "deployments", "chain-31337");
rmSync(recordDir, { recursive: true, force: true });

const signers = await ethers.getSigners();
const [, governance, guardian, keeper] = signers;
// A curator's Safe (the genuine Safe 1.4.1), 2 of 3 of accounts #5, #6 and #7, proposes beside account #1.
const safe = await deployLocalSafe(connection as never, signers.slice(5, 8).map((s) => s.address), 2);
const safeAddress = await safe.getAddress();
const b = await deployLocalBallast(connection as never, { proposers: [governance.address, safeAddress], guardian: guardian.address, keeper: keeper.address });
for (const signer of (await ethers.getSigners()).slice(0, 5)) await b.usdc.mint(signer.address, 1_000_000n * 10n ** 6n);

console.log(`Ballast on ${connection.networkName} (chain ${chainId}):`);
console.log(`  vault     ${await b.vault.getAddress()}`);
console.log(`  timelock  ${await b.timelock.getAddress()} (proposer ${governance.address}, guardian ${guardian.address})`);
console.log(`  keeper    ${keeper.address}`);
console.log(`  Safe      ${safeAddress} (2 of ${signers.slice(5, 8).map((s) => s.address).join(", ")}; a proposer: gov tasks take --safe ${safeAddress})`);
const symbols = await Promise.all(b.basket.map(async (token) => (await ethers.getContractAt("DemoToken", token)).symbol()));
console.log(`  basket    ${b.basket.map((token, i) => `${symbols[i]} ${token}`).join(", ")}`);
console.log(`Try: npm run hardhat -- vault status --network ${connection.networkName}`);
