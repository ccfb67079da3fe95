// The genuine Safe 1.4.1 on a local network, from `@safe-global/safe-contracts`' published artifacts:
// `SafeContracts` deploys the singleton every Safe proxy delegates to, the proxy factory and the
// fallback handler; `LocalSafe` creates one Safe through that factory, as the Safe's own interface
// does, set up by `initializer` (see `safeSetupData`). On a real network the Safe already exists
// (create it in the Safe's interface): only its address goes into the parameters file, as `proposers`
// and, where the curator wants them, `executors` and `guardian`.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { Interface, ZeroAddress } from "ethers";

import { fallbackHandlerArtifact, safeArtifact, safeProxyFactoryArtifact } from "../lib/safe-artifacts.js";

/** `Safe.setup(...)` for `owners` and `threshold`, with the fallback handler and nothing else. */
export function safeSetupData(owners: string[], threshold: number, fallbackHandler: string): string {
  return new Interface(safeArtifact.abi).encodeFunctionData("setup", [owners, threshold, ZeroAddress, "0x", fallbackHandler, ZeroAddress, 0, ZeroAddress]);
}

export const SafeContracts = buildModule("SafeContracts", (m) => {
  const singleton = m.contract("Safe", safeArtifact, []);
  const factory = m.contract("SafeProxyFactory", safeProxyFactoryArtifact, []);
  const handler = m.contract("CompatibilityFallbackHandler", fallbackHandlerArtifact, []);
  return { singleton, factory, handler };
});

export default buildModule("LocalSafe", (m) => {
  const { singleton, factory } = m.useModule(SafeContracts);
  // Encoded by the caller: Ignition cannot put a future's address inside another call's calldata.
  const initializer = m.getParameter<string>("initializer");
  const saltNonce = m.getParameter<number>("saltNonce", 0);
  const created = m.call(factory, "createProxyWithNonce", [singleton, initializer, saltNonce]);
  const proxy = m.readEventArgument(created, "ProxyCreation", "proxy");
  const safe = m.contractAt("Safe", safeArtifact, proxy, { id: "SafeProxy" });
  return { safe };
});
