// `gov propose-targets`, `gov propose-parameter` (fees and keeper pay among them), `gov propose-fee-recipient`,
// `gov execute`, `gov cancel`: changes to a vault
// through its timelock, checked before anything is sent.
import { getAddress, id, isAddress, isHexString, ZeroAddress, ZeroHash } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import type { RebalancingVault, TimelockController } from "../types/ethers-contracts/index.js";
import {
  connect,
  describeRevert,
  logScan,
  OperatorError,
  out,
  resolveSigner,
  resolveVault,
  taskAction,
  type Connection,
} from "./lib/context.js";
import { basketOf, describeCall, PARAMETERS, scheduledCalls, timelockOf, type LogScan } from "./lib/governance.js";
import { NEXT_BLOCK } from "./lib/vault-terms.js";

interface CommonArgs {
  vault: string;
  from: string;
  fromBlock: number;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

/** Parses `USDC=4000,WETH=3000,...` (symbols or addresses, basis points) against the basket. */
export async function parseTargets(connection: Connection, vault: RebalancingVault, text: string) {
  const basket = await basketOf(connection, vault);
  const names = basket.map((b) => b.symbol).join(", ");
  const weights = new Map<string, number>();
  for (const part of text.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const match = /^([^=\s]+)\s*=\s*(\d+)$/.exec(part);
    if (match === null) throw new OperatorError(`--targets: "${part}" is not TOKEN=BPS (e.g. USDC=4000)`);
    const [, name, bps] = match;
    const entry = basket.find((b) => b.symbol.toLowerCase() === name.toLowerCase() || b.token.toLowerCase() === name.toLowerCase());
    if (entry === undefined) throw new OperatorError(`--targets: ${name} is not in the basket (${names})`);
    if (weights.has(entry.token)) throw new OperatorError(`--targets: ${name} is given twice`);
    const value = Number(bps);
    if (value > 10_000) throw new OperatorError(`--targets: ${name}=${bps} is more than 10000 bps`);
    weights.set(entry.token, value);
  }
  const missing = basket.filter((b) => !weights.has(b.token)).map((b) => b.symbol);
  if (missing.length > 0) throw new OperatorError(`--targets must give every token of the basket a weight; missing ${missing.join(", ")}`);
  const sum = [...weights.values()].reduce((a, b) => a + b, 0);
  if (sum !== 10_000) throw new OperatorError(`--targets weights sum to ${sum} bps, not 10000`);
  return { tokens: basket.map((b) => b.token), targetsBps: basket.map((b) => weights.get(b.token)!) };
}

/** Schedules `data` on the vault through its timelock after simulating it as the timelock would run it. */
async function schedule(connection: Connection, hre: HardhatRuntimeEnvironment, args: CommonArgs & { delay: number; salt: string }, vault: RebalancingVault, data: string) {
  const timelock = await timelockOf(connection, vault, await logScan(hre, connection, args.fromBlock));
  const signer = await resolveSigner(connection, args.from);
  if (!(await timelock.hasRole(await timelock.PROPOSER_ROLE(), signer.address))) {
    throw new OperatorError(`${signer.address} is not a proposer on the timelock ${await timelock.getAddress()}: run with a proposer's account (--from)`);
  }
  const minDelay = Number(await timelock.getMinDelay());
  const delay = args.delay < 0 ? minDelay : args.delay;
  if (!Number.isInteger(delay) || delay < minDelay) throw new OperatorError(`--delay must be at least the timelock's minimum of ${minDelay} s, not ${args.delay}`);
  const vaultAddress = await vault.getAddress();
  const timelockAddress = await timelock.getAddress();
  // The call as the timelock will make it, today: bounds, known tokens and roles are all checked.
  try {
    await connection.ethers.provider.call({ from: timelockAddress, to: vaultAddress, data });
  } catch (error) {
    throw new OperatorError(`the vault would reject this change: ${describeRevert(error, [vault.interface])}; nothing was sent`);
  }
  const salt = args.salt === "" ? id(`ballast:${data}:${Date.now()}`) : args.salt;
  if (!isHexString(salt, 32)) throw new OperatorError(`--salt must be 32 bytes of hex, not ${args.salt}`);
  const opId = await timelock.hashOperation(vaultAddress, 0, data, ZeroHash, salt);
  if ((await timelock.getTimestamp(opId)) !== 0n) throw new OperatorError(`operation ${opId} is already scheduled: pass another --salt`);
  const tx = await (timelock.connect(signer) as TimelockController).schedule(vaultAddress, 0, data, ZeroHash, salt, delay);
  await tx.wait();
  const eta = Number(await timelock.getTimestamp(opId));
  const what = await describeCall(connection, vault, data);
  out.line(`scheduled ${what}`);
  out.line(`  operation ${opId}`);
  out.line(`  ETA ${iso(eta)} (after a ${delay} s delay); then: npm run hardhat -- gov execute --id ${opId}${hre.globalOptions.network ? ` --network ${hre.globalOptions.network}` : ""}`);
  return { id: opId, eta, hash: tx.hash, call: what };
}

export const proposeTargets = taskAction(async (args: CommonArgs & { targets: string; delay: number; salt: string }, hre: HardhatRuntimeEnvironment) => {
  const connection = await connect(hre);
  const vault = await resolveVault(hre, connection, args.vault);
  const { tokens, targetsBps } = await parseTargets(connection, vault, args.targets);
  return schedule(connection, hre, args, vault, vault.interface.encodeFunctionData("setTargets", [tokens, targetsBps]));
});

export const proposeParameter = taskAction(async (args: CommonArgs & { name: string; value: string; delay: number; salt: string }, hre: HardhatRuntimeEnvironment) => {
  const connection = await connect(hre);
  const vault = await resolveVault(hre, connection, args.vault);
  const index = PARAMETERS.findIndex((p) => p.toLowerCase() === args.name.toLowerCase());
  if (index < 0) throw new OperatorError(`--name ${args.name} is not a parameter; one of ${PARAMETERS.join(", ")}`);
  if (!/^\d+$/.test(args.value)) throw new OperatorError(`--value must be a whole number, not "${args.value}"`);
  const value = BigInt(args.value);
  const [min, max] = await vault.parameterBounds(index);
  if (value < min || value > max) throw new OperatorError(`--value ${value} is outside ${PARAMETERS[index]}'s bounds [${min}, ${max}]`);
  return schedule(connection, hre, args, vault, vault.interface.encodeFunctionData("setParameter", [index, value]));
});

export const proposeFeeRecipient = taskAction(async (args: CommonArgs & { recipient: string; delay: number; salt: string }, hre: HardhatRuntimeEnvironment) => {
  const connection = await connect(hre);
  const vault = await resolveVault(hre, connection, args.vault);
  if (!isAddress(args.recipient) || args.recipient === ZeroAddress) throw new OperatorError(`--recipient must be a non-zero address, not "${args.recipient}"`);
  return schedule(connection, hre, args, vault, vault.interface.encodeFunctionData("setFeeRecipient", [getAddress(args.recipient)]));
});

async function scheduledOperation(connection: Connection, vault: RebalancingVault, opId: string, scan: LogScan) {
  if (!isHexString(opId, 32)) throw new OperatorError(`--id must be an operation id (32 bytes of hex), not "${opId}"`);
  const timelock = await timelockOf(connection, vault, scan);
  const [call] = await scheduledCalls(timelock, scan.fromBlock, opId);
  if (call === undefined) {
    throw new OperatorError(`no operation ${opId} was scheduled on the timelock ${await timelock.getAddress()} since block ${scan.fromBlock}`);
  }
  const state = Number(await timelock.getOperationState(opId));
  if (state === 0) throw new OperatorError(`operation ${opId} was cancelled`);
  if (state === 3) throw new OperatorError(`operation ${opId} was already executed`);
  return { timelock, call, ready: state === 2, eta: Number(await timelock.getTimestamp(opId)) };
}

export const execute = taskAction(async (args: CommonArgs & { id: string }, hre: HardhatRuntimeEnvironment) => {
  const connection = await connect(hre);
  const vault = await resolveVault(hre, connection, args.vault);
  const { timelock, call, ready, eta } = await scheduledOperation(connection, vault, args.id, await logScan(hre, connection, args.fromBlock));
  if (!ready) throw new OperatorError(`operation ${args.id} is not ready: its ETA is ${iso(eta)}`);
  const signer = await resolveSigner(connection, args.from);
  const role = await timelock.EXECUTOR_ROLE();
  const [mine, open] = await Promise.all([timelock.hasRole(role, signer.address), timelock.hasRole(role, "0x0000000000000000000000000000000000000000")]);
  if (!mine && !open) throw new OperatorError(`${signer.address} is not an executor on the timelock: run with an executor's account (--from)`);
  const asSigner = timelock.connect(signer) as TimelockController;
  try {
    await asSigner.execute.staticCall(call.target, call.value, call.data, call.predecessor, call.salt, NEXT_BLOCK);
  } catch (error) {
    throw new OperatorError(`executing ${args.id} would revert: ${describeRevert(error, [vault.interface, timelock.interface])}; nothing was sent`);
  }
  const tx = await asSigner.execute(call.target, call.value, call.data, call.predecessor, call.salt);
  await tx.wait();
  const what = await describeCall(connection, vault, call.data);
  out.line(`executed ${what} (operation ${args.id}, tx ${tx.hash})`);
  return { id: args.id, hash: tx.hash, call: what };
});

export const cancel = taskAction(async (args: CommonArgs & { id: string }, hre: HardhatRuntimeEnvironment) => {
  const connection = await connect(hre);
  const vault = await resolveVault(hre, connection, args.vault);
  const { timelock, call } = await scheduledOperation(connection, vault, args.id, await logScan(hre, connection, args.fromBlock));
  const signer = await resolveSigner(connection, args.from);
  const what = await describeCall(connection, vault, call.data);
  let tx;
  if (await timelock.hasRole(await timelock.CANCELLER_ROLE(), signer.address)) {
    // A proposer cancels on the timelock itself.
    tx = await (timelock.connect(signer) as TimelockController).cancel(args.id);
  } else if ((await vault.guardian()).toLowerCase() === signer.address.toLowerCase()) {
    // The guardian cancels through the vault, which holds the canceller role and refuses to cancel the
    // guardian's own replacement.
    const asGuardian = vault.connect(signer) as RebalancingVault;
    const timelockAddress = await timelock.getAddress();
    try {
      await asGuardian.cancel.staticCall(timelockAddress, call.target, call.value, call.data, call.predecessor, call.salt, NEXT_BLOCK);
    } catch (error) {
      throw new OperatorError(`cancelling ${args.id} (${what}) would revert with ${describeRevert(error, [vault.interface, timelock.interface])}; nothing was sent`);
    }
    tx = await asGuardian.cancel(timelockAddress, call.target, call.value, call.data, call.predecessor, call.salt);
  } else {
    throw new OperatorError(`${signer.address} can cancel neither on the timelock (a proposer) nor through the vault (its guardian): run with one of those accounts (--from)`);
  }
  await tx.wait();
  out.line(`cancelled ${what} (operation ${args.id}, tx ${tx.hash})`);
  return { id: args.id, hash: tx.hash, call: what };
});
