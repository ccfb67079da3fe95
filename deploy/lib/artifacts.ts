// A contract's build artifact as its npm package publishes it, in the shape Ignition and ethers take.
import { createRequire } from "node:module";

import type { Artifact } from "@nomicfoundation/ignition-core";

const require = createRequire(import.meta.url);

export function published(path: string): Artifact {
  const a = require(path);
  return {
    _format: a._format ?? "truffle",
    contractName: a.contractName,
    sourceName: a.sourceName ?? `${a.contractName}.sol`,
    abi: a.abi,
    bytecode: a.bytecode,
    deployedBytecode: a.deployedBytecode,
    linkReferences: a.linkReferences ?? {},
    deployedLinkReferences: a.deployedLinkReferences ?? {},
  };
}
