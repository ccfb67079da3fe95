// What the tasks and the dashboard both say about a vault, with no Node or Hardhat import, so that the
// browser bundle can share it: parameter names, calls in words, and the share price net of fees.
import type { Interface } from "ethers";

/** The vault's parameters, as `IRebalancingVault.Parameter` numbers them. */
export const PARAMETERS = [
  "DriftThresholdBps",
  "MinDriftBps",
  "RebalanceIntervalSeconds",
  "CooldownSeconds",
  "MaxSlippageBps",
  "MaxTradeBps",
  "MaxSpotDeviationBps",
  "PauseSeconds",
  "DepositCap",
  "ResidualDriftBps",
  "ManagementFeeBps",
  "PerformanceFeeBps",
  "KeeperBaseFeeCapGwei",
  "KeeperTipBps",
  "KeeperMaxGas",
  "KeeperMaxGasPerDay",
  "VolReferenceBps",
  "VolMinThresholdBps",
  "VolMaxThresholdBps",
  "VolIntervalSeconds",
  "VolIntervals",
] as const;

/** What calldata for the vault does, in words: `setTargets(USDC 40%, WETH 30%, ...)`; `symbolOf` names a token. */
export function describeVaultCall(vault: Interface, data: string, symbolOf: (token: string) => string): string {
  const parsed = vault.parseTransaction({ data });
  if (parsed === null) return data.slice(0, 10);
  if (parsed.name === "setTargets") {
    const tokens = parsed.args[0] as string[];
    const weights = parsed.args[1] as bigint[];
    return `setTargets(${tokens.map((t, i) => `${symbolOf(t)} ${Number(weights[i]) / 100}%`).join(", ")})`;
  }
  if (parsed.name === "setParameter") {
    return `setParameter(${PARAMETERS[Number(parsed.args[0])] ?? parsed.args[0]} = ${parsed.args[1]})`;
  }
  return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
}

/**
 * `gross` (what `convertToAssets` gives for some shares) net of the fees accrued and not yet minted:
 * the price the next deposit or exit sees. `virtualShares` is the vault's offset (10^6).
 */
export function netOfPendingFees(gross: bigint, supply: bigint, virtualShares: bigint, pendingShares: bigint): bigint {
  return (gross * (supply + virtualShares)) / (supply + virtualShares + pendingShares);
}
