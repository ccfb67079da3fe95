// `chain advance`: moves a local chain's clock forward and mines a block, so that a governance
// walk-through (propose, wait the timelock's delay, execute) can be finished on a local node.
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { chainOf, connect, OperatorError, out, taskAction } from "./lib/context.js";
import { iso } from "./lib/vault-terms.js";

/** Hardhat's local chains: the in-process network and `hardhat node`. */
const LOCAL_CHAIN_ID = 31337n;

export interface AdvanceArgs {
  seconds: number;
}

export const advance = taskAction(async (args: AdvanceArgs, hre: HardhatRuntimeEnvironment) => {
  if (!Number.isInteger(args.seconds) || args.seconds < 1 || args.seconds > 10 * 365 * 24 * 3600) {
    throw new OperatorError(`--seconds must be a whole number from 1 to ${10 * 365 * 24 * 3600} (ten years), not ${args.seconds}`);
  }
  const connection = await connect(hre);
  const { chainId, label } = await chainOf(connection);
  if (chainId !== LOCAL_CHAIN_ID) throw new OperatorError(`${label} is not a local chain: its clock cannot be moved`);
  await connection.networkHelpers.time.increase(args.seconds);
  const block = await connection.ethers.provider.getBlock("latest");
  out.line(`advanced ${args.seconds} s: block ${block!.number} at ${iso(block!.timestamp)}`);
  return { block: block!.number, timestamp: block!.timestamp };
});
