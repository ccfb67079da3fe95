// Reading governance from the chain: which timelock governs a vault, the operations it has pending
// for the vault, and what each would do, in words.
import { Contract, ZeroHash, type Interface } from "ethers";

import { ERC20_ABI } from "../../deploy/lib/erc20.js";
import type { RebalancingVault, TimelockController } from "../../types/ethers-contracts/index.js";
import { OperatorError, vaultOracles, type Connection } from "./context.js";
import { describeVaultCall } from "./vault-terms.js";

export { PARAMETERS } from "./vault-terms.js";

/** The basket with each token's symbol, base asset first. */
export async function basketOf(connection: Connection, vault: RebalancingVault) {
  const [tokens, targetsBps] = await vault.targets();
  const meta = await Promise.all(
    tokens.map(async (t) => {
      const erc20 = new Contract(t, ERC20_ABI, connection.ethers.provider);
      const decimals = Number(await erc20.decimals());
      try {
        return { symbol: (await erc20.symbol()) as string, decimals };
      } catch {
        return { symbol: t.slice(0, 10), decimals };
      }
    }),
  );
  return tokens.map((token, i) => ({ token, ...meta[i], targetBps: Number(targetsBps[i]) }));
}

/**
 * Where governance reads start: the block from which to read events (providers that limit
 * `eth_getLogs` ranges want the vault's deployment block), and the timelock Ignition recorded, if any.
 */
export interface LogScan {
  fromBlock: number;
  timelockHint?: string;
}

/**
 * The timelock that holds the vault's governor role: the one Ignition recorded when it still holds
 * the role, else the one the vault's RoleGranted events name.
 */
export async function timelockOf(connection: Connection, vault: RebalancingVault, scan: LogScan): Promise<TimelockController> {
  const role = await vault.GOVERNOR_ROLE();
  const asTimelock = async (account: string) => {
    if (!(await vault.hasRole(role, account))) return null;
    if ((await connection.ethers.provider.getCode(account)) === "0x") return null;
    const timelock = await connection.ethers.getContractAt("TimelockController", account);
    return timelock.getMinDelay().then(
      () => timelock,
      () => null, // a governor that is not a timelock
    );
  };
  if (scan.timelockHint !== undefined) {
    const recorded = await asTimelock(scan.timelockHint);
    if (recorded !== null) return recorded;
  }
  const grants = await vault.queryFilter(vault.filters.RoleGranted(role), scan.fromBlock);
  for (const grant of grants.reverse()) {
    const timelock = await asTimelock(grant.args.account);
    if (timelock !== null) return timelock;
  }
  throw new OperatorError(`no TimelockController holds the governor role of vault ${await vault.getAddress()} (events read from block ${scan.fromBlock})`);
}

export interface ScheduledCall {
  id: string;
  target: string;
  value: bigint;
  data: string;
  predecessor: string;
  salt: string;
  delay: bigint;
}

/** Every call the timelock scheduled (from its CallScheduled and CallSalt events), by operation id. */
export async function scheduledCalls(timelock: TimelockController, fromBlock: number, id?: string): Promise<ScheduledCall[]> {
  const scheduled = await timelock.queryFilter(timelock.filters.CallScheduled(id), fromBlock);
  const salts = await timelock.queryFilter(timelock.filters.CallSalt(id), fromBlock);
  const saltOf = new Map(salts.map((e) => [e.args.id, e.args.salt]));
  // Single calls only (index 0 of a one-call batch); Ballast's tasks never schedule batches.
  return scheduled
    .filter((e) => e.args.index === 0n)
    .map((e) => ({
      id: e.args.id,
      target: e.args.target,
      value: e.args.value,
      data: e.args.data,
      predecessor: e.args.predecessor,
      salt: saltOf.get(e.args.id) ?? ZeroHash,
      delay: e.args.delay,
    }));
}

export type OperationState = "unset" | "waiting" | "ready" | "done";
const STATES: OperationState[] = ["unset", "waiting", "ready", "done"];

/**
 * The contracts governance changes through the timelock: the vault, its oracle, the TWAP oracle (the
 * oracle itself, or the one a CompositeOracle reads) and the CompositeOracle where there is one.
 */
export async function governedContracts(connection: Connection, vault: RebalancingVault) {
  const { address: oracle, composite, twap } = await vaultOracles(connection, vault);
  const twapAddress = await twap.getAddress();
  const feeds = composite === null ? null : oracle;
  const twapInterface = twap.interface as Interface;
  const feedsInterface = (await connection.ethers.getContractAt("CompositeOracle", oracle)).interface as Interface;
  return {
    oracle,
    feeds,
    twap: twapAddress,
    twapInterface,
    feedsInterface,
    addresses: [await vault.getAddress(), twapAddress, ...(feeds === null ? [] : [feeds])].map((a) => a.toLowerCase()),
  };
}

/** The operations pending on the timelock for `vault` and its oracles, with their ETA and what they do. */
export async function pendingOperations(connection: Connection, vault: RebalancingVault, timelock: TimelockController, fromBlock: number) {
  const { addresses } = await governedContracts(connection, vault);
  const calls = (await scheduledCalls(timelock, fromBlock)).filter((c) => addresses.includes(c.target.toLowerCase()));
  const pending = [];
  for (const call of calls) {
    const state = STATES[Number(await timelock.getOperationState(call.id))];
    if (state !== "waiting" && state !== "ready") continue;
    const eta = await timelock.getTimestamp(call.id);
    pending.push({ id: call.id, state, eta: Number(eta), call: await describeCall(connection, vault, call.data, call.target) });
  }
  return pending;
}

/**
 * What calldata for the vault (or, with `target`, for one of its oracles) does, in words:
 * `setTargets(USDC 40%, WETH 30%, ...)`, `oracle.setWindow(3600)`.
 */
export async function describeCall(connection: Connection, vault: RebalancingVault, data: string, target?: string): Promise<string> {
  const basket = await basketOf(connection, vault);
  const symbol = (t: string) => basket.find((b) => b.token.toLowerCase() === t.toLowerCase())?.symbol ?? t;
  const vaultAddress = (await vault.getAddress()).toLowerCase();
  if (target === undefined || target.toLowerCase() === vaultAddress) return describeVaultCall(vault.interface, data, symbol);
  const contracts = await governedContracts(connection, vault);
  const [label, iface] = target.toLowerCase() === contracts.twap.toLowerCase() ? ["oracle", contracts.twapInterface] : ["feeds", contracts.feedsInterface];
  return `${label}.${describeVaultCall(iface, data, symbol)}`;
}
