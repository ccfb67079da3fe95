// The genuine Safe 1.4.1 contracts, loaded from the artifacts `@safe-global/safe-contracts` publishes:
// the singleton every Safe proxy delegates to, the factory that creates the proxies, and the fallback
// handler the Safe's apps expect. Nothing here is compiled by this project.
import { published } from "./artifacts.js";

const ARTIFACTS = "@safe-global/safe-contracts/build/artifacts/contracts";

export const safeArtifact = published(`${ARTIFACTS}/Safe.sol/Safe.json`);
export const safeProxyFactoryArtifact = published(`${ARTIFACTS}/proxies/SafeProxyFactory.sol/SafeProxyFactory.json`);
export const fallbackHandlerArtifact = published(`${ARTIFACTS}/handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json`);
