// `deploy check`: the pre-flight of a parameters file, printed.
import { readDeploymentParameters } from "@nomicfoundation/hardhat-ignition/helpers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { checkBallastParameters } from "../deploy/lib/check-parameters.js";
import { chainOf, connect, OperatorError, out, taskAction } from "./lib/context.js";

export const check = taskAction(async (args: { parameters: string }, hre: HardhatRuntimeEnvironment) => {
  if (args.parameters === "") throw new OperatorError("--parameters is required, e.g. --parameters deploy/parameters/mainnet.json5");
  let file;
  try {
    file = (await readDeploymentParameters(args.parameters)) as Record<string, Record<string, unknown>>;
  } catch (error) {
    throw new OperatorError(`cannot read ${args.parameters}: ${(error as Error).message.split("\n")[0]}`);
  }
  if (file.Ballast === undefined) throw new OperatorError(`${args.parameters} has no "Ballast" section`);
  const connection = await connect(hre);
  const { label } = await chainOf(connection);
  const notes: string[] = [];
  const problems = await checkBallastParameters(connection.ethers.provider, file.Ballast, notes);
  if (problems.length > 0) {
    for (const problem of problems) out.line(`  - ${problem}`);
    throw new OperatorError(`${args.parameters} has ${problems.length} problem(s) on ${label} (listed above); fix them before deploying`);
  }
  out.line(`${args.parameters}: every check passed on ${label}`);
  for (const note of notes) out.line(`  ${note}`);
  return problems;
});
