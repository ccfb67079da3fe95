// `gov propose-*` (targets, parameters, the fee recipient, and every other change: see
// lib/gov-actions.ts), `gov pending`, `gov execute`, `gov cancel`: changes to a vault and its oracles
// through their timelock, each checked as the timelock will make it before anything is sent; sent from
// a key, made by a Safe (`--safe`: the Transaction Builder's batch file, and on a local network the
// owners' signatures and the Safe's execution), or printed (`--calldata`).
import { writeFileSync } from "node:fs";

import { getAddress, id, isAddress, isHexString, ZeroAddress, ZeroHash, type Interface } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import type { RebalancingVault, TimelockController } from "../types/ethers-contracts/index.js";
import {
  connect,
  describeRevert,
  errorInterfaces,
  logScan,
  OperatorError,
  out,
  resolveSigner,
  resolveVault,
  taskAction,
  type Connection,
} from "./lib/context.js";
import { GOV_ACTIONS, type GovTarget } from "./lib/gov-actions.js";
import { basketOf, describeCall, governedContracts, PARAMETERS, pendingOperations, scheduledCalls, timelockOf, type LogScan } from "./lib/governance.js";
import { signAndExecute, transactionBuilderBatch } from "./lib/safe.js";
import { encodePath } from "../deploy/lib/uniswap-path.js";
import { inWords, iso, NEXT_BLOCK } from "./lib/vault-terms.js";

/** How a governance call is sent: from a key (`from`), made by a Safe (`safe`, its batch file `out`), or printed. */
interface SendArgs {
  from: string;
  safe: string;
  out: string;
  calldata: boolean;
}

interface CommonArgs extends Partial<SendArgs> {
  vault: string;
  from: string;
  fromBlock: number;
}

const LOCAL_CHAIN_ID = 31337n;

/** The account that acts: the Safe with --safe, else the signer (--from); null with --calldata and neither. */
async function actorOf(connection: Connection, args: CommonArgs): Promise<string | null> {
  if ((args.safe ?? "") !== "") {
    if (!isAddress(args.safe)) throw new OperatorError(`--safe "${args.safe}" is not an address`);
    return getAddress(args.safe!);
  }
  if (args.calldata === true && args.from === "") return null;
  return (await resolveSigner(connection, args.from)).address;
}

/**
 * Sends `data` to `to` as the operator chose. With --calldata: prints it, sends nothing. With --safe:
 * writes the Transaction Builder's batch file and, on a local network whose accounts hold enough of the
 * Safe's owners, has them sign and the Safe execute it. Otherwise: sends it from the signer. Returns
 * the transaction's hash, or null when nothing was sent here.
 */
async function sendAs(connection: Connection, args: CommonArgs, to: string, data: string, what: string, label: string): Promise<string | null> {
  if (args.calldata === true) {
    out.line(`to:   ${to}`);
    out.line(`data: ${data}`);
    out.line(`(${what}; nothing was sent)`);
    return null;
  }
  if ((args.safe ?? "") !== "") {
    const { chainId } = await connection.ethers.provider.getNetwork();
    const batch = transactionBuilderBatch(chainId, args.safe!, [{ to, value: 0n, data }], `Ballast: ${what}`, what);
    const file = (args.out ?? "") !== "" ? args.out! : `safe-batch-${label.slice(0, 10)}.json`;
    writeFileSync(file, `${JSON.stringify(batch, null, 2)}\n`);
    out.line(`wrote the Safe's batch to ${file}: load it in the Safe's Transaction Builder, and its owners sign it there`);
    if (chainId !== LOCAL_CHAIN_ID) return null;
    const done = await signAndExecute(connection, args.safe!, { to, value: 0n, data });
    if (done === null) {
      out.line("  the local accounts hold fewer of the Safe's owners than its threshold: nothing was sent");
      return null;
    }
    out.line(`  signed by ${done.signers.join(", ")}; the Safe executed it (Safe nonce ${done.nonce}, tx ${done.receipt.hash}, ${done.receipt.gasUsed} gas)`);
    return done.receipt.hash as string;
  }
  const signer = await resolveSigner(connection, args.from);
  const tx = await signer.sendTransaction({ to, data });
  await tx.wait();
  return tx.hash;
}

/** Simulates `data` on `to` from `from`; a revert fails the task, naming the error, before anything is sent. */
async function simulate(connection: Connection, from: string, to: string, data: string, interfaces: Interface[], failure: string) {
  try {
    await connection.ethers.provider.call({ from, to, data, ...NEXT_BLOCK });
  } catch (error) {
    throw new OperatorError(`${failure} ${describeRevert(error, interfaces)}; nothing was sent`);
  }
}


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

/**
 * Schedules `data` on `target` (the vault or one of its oracles) through the timelock, after simulating
 * it as the timelock would make it today (bounds, known tokens, routes that answer, cardinality, depth
 * floors, feeds within their heartbeat: whatever the contract checks) and the schedule call as the actor
 * would send it.
 */
async function schedule(
  connection: Connection,
  hre: HardhatRuntimeEnvironment,
  args: CommonArgs & { delay: number; salt: string },
  vault: RebalancingVault,
  data: string,
  target?: { address: string; iface: Interface },
) {
  const timelock = await timelockOf(connection, vault, await logScan(hre, connection, args.fromBlock));
  const actor = await actorOf(connection, args);
  if (actor !== null && !(await timelock.hasRole(await timelock.PROPOSER_ROLE(), actor))) {
    throw new OperatorError(`${actor} is not a proposer on the timelock ${await timelock.getAddress()}: run with a proposer's account (--from) or its Safe (--safe)`);
  }
  const minDelay = Number(await timelock.getMinDelay());
  const delay = args.delay < 0 ? minDelay : args.delay;
  if (!Number.isInteger(delay) || delay < minDelay) throw new OperatorError(`--delay must be at least the timelock's minimum of ${minDelay} s, not ${args.delay}`);
  const to = target?.address ?? (await vault.getAddress());
  const timelockAddress = await timelock.getAddress();
  // The call as the timelock will make it, today.
  const interfaces = [vault.interface, ...(target === undefined ? [] : [target.iface])];
  const onVault = to.toLowerCase() === (await vault.getAddress()).toLowerCase();
  await simulate(connection, timelockAddress, to, data, interfaces, `the ${onVault ? "vault" : "oracle"} would reject this change:`);
  const salt = args.salt === "" ? id(`ballast:${data}:${Date.now()}`) : args.salt;
  if (!isHexString(salt, 32)) throw new OperatorError(`--salt must be 32 bytes of hex, not ${args.salt}`);
  const opId = await timelock.hashOperation(to, 0, data, ZeroHash, salt);
  if ((await timelock.getTimestamp(opId)) !== 0n) throw new OperatorError(`operation ${opId} is already scheduled: pass another --salt`);
  const scheduleData = timelock.interface.encodeFunctionData("schedule", [to, 0, data, ZeroHash, salt, delay]);
  if (actor !== null) await simulate(connection, actor, timelockAddress, scheduleData, [timelock.interface], "the timelock would refuse to schedule it:");
  const what = await describeCall(connection, vault, data, to);
  const hash = await sendAs(connection, args, timelockAddress, scheduleData, `schedule ${what}`, opId);
  const network = hre.globalOptions.network ? ` --network ${hre.globalOptions.network}` : "";
  if (hash === null) {
    out.line(`  operation ${opId} (once scheduled: executable ${delay} s after)`);
    return { id: opId, eta: null, hash: null, call: what, data: scheduleData };
  }
  const eta = Number(await timelock.getTimestamp(opId));
  out.line(`scheduled ${what}`);
  out.line(`  operation ${opId}`);
  out.line(`  ETA ${iso(eta)} (after a ${delay} s delay); then: npm run hardhat -- gov execute --id ${opId}${network}`);
  return { id: opId, eta, hash, call: what, data: scheduleData };
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
  const actor = await actorOf(connection, args);
  const role = await timelock.EXECUTOR_ROLE();
  const open = await timelock.hasRole(role, ZeroAddress);
  if (actor !== null && !open && !(await timelock.hasRole(role, actor))) {
    throw new OperatorError(`${actor} is not an executor on the timelock: run with an executor's account (--from) or its Safe (--safe)`);
  }
  const timelockAddress = await timelock.getAddress();
  const data = timelock.interface.encodeFunctionData("execute", [call.target, call.value, call.data, call.predecessor, call.salt]);
  await simulate(connection, actor ?? ZeroAddress, timelockAddress, data, [...(await errorInterfaces(connection, vault)), timelock.interface], `executing ${args.id} would revert:`);
  const what = await describeCall(connection, vault, call.data, call.target);
  const hash = await sendAs(connection, args, timelockAddress, data, `execute ${what}`, args.id);
  if (hash !== null) out.line(`executed ${what} (operation ${args.id}, tx ${hash})`);
  return { id: args.id, hash, call: what };
});

export const cancel = taskAction(async (args: CommonArgs & { id: string }, hre: HardhatRuntimeEnvironment) => {
  const connection = await connect(hre);
  const vault = await resolveVault(hre, connection, args.vault);
  const { timelock, call } = await scheduledOperation(connection, vault, args.id, await logScan(hre, connection, args.fromBlock));
  const actor = await actorOf(connection, args);
  if (actor === null) throw new OperatorError("--calldata for a cancel needs --from or --safe: who cancels decides the call (a proposer on the timelock, the guardian through the vault)");
  const what = await describeCall(connection, vault, call.data, call.target);
  const timelockAddress = await timelock.getAddress();
  let to: string;
  let data: string;
  if (await timelock.hasRole(await timelock.CANCELLER_ROLE(), actor)) {
    // A proposer (or its Safe) cancels on the timelock itself.
    to = timelockAddress;
    data = timelock.interface.encodeFunctionData("cancel", [args.id]);
  } else if ((await vault.guardian()).toLowerCase() === actor.toLowerCase()) {
    // The guardian cancels through the vault, which holds the canceller role and refuses to cancel the
    // guardian's own replacement.
    to = await vault.getAddress();
    data = vault.interface.encodeFunctionData("cancel", [timelockAddress, call.target, call.value, call.data, call.predecessor, call.salt]);
  } else {
    throw new OperatorError(`${actor} can cancel neither on the timelock (a proposer) nor through the vault (its guardian): run with one of those accounts (--from) or their Safe (--safe)`);
  }
  await simulate(connection, actor, to, data, [vault.interface, timelock.interface], `cancelling ${args.id} (${what}) would revert with`);
  const hash = await sendAs(connection, args, to, data, `cancel ${what}`, args.id);
  if (hash !== null) out.line(`cancelled ${what} (operation ${args.id}, tx ${hash})`);
  return { id: args.id, hash, call: what };
});

/** `guardian pause` / `guardian unpause`: the guardian's pause, from its key or its Safe, checked before it is sent. */
export function guardianAction(action: "pause" | "unpause") {
  return taskAction(async (args: { vault: string } & SendArgs, hre: HardhatRuntimeEnvironment) => {
    const connection = await connect(hre);
    const vault = await resolveVault(hre, connection, args.vault);
    const actor = await actorOf(connection, { ...args, fromBlock: 0 });
    const guardian = await vault.guardian();
    if (actor !== null && actor.toLowerCase() !== guardian.toLowerCase()) {
      throw new OperatorError(`${actor} is not the vault's guardian (${guardian}): run with its account (--from) or its Safe (--safe)`);
    }
    const data = action === "pause" ? vault.interface.encodeFunctionData("pause") : vault.interface.encodeFunctionData("unpause");
    const to = await vault.getAddress();
    await simulate(connection, actor ?? guardian, to, data, [vault.interface], `${action} would revert:`);
    const hash = await sendAs(connection, { ...args, fromBlock: 0 }, to, data, `${action}()`, action);
    if (hash !== null) {
      const until = Number(await vault.pausedUntil());
      out.line(action === "pause" ? `paused until ${iso(until)}: deposits, base-asset exits and rebalances stop; in-kind exits go on (tx ${hash})` : `unpaused (tx ${hash})`);
    }
    return { hash, pausedUntil: Number(await vault.pausedUntil()) };
  });
}

/** `gov pending`: every operation waiting on the timelock for the vault or its oracles, in words, with who can execute and cancel it. */
export const pending = taskAction(async (args: { vault: string; fromBlock: number }, hre: HardhatRuntimeEnvironment) => {
  const connection = await connect(hre);
  const vault = await resolveVault(hre, connection, args.vault);
  const scan = await logScan(hre, connection, args.fromBlock);
  const timelock = await timelockOf(connection, vault, scan);
  const ops = await pendingOperations(connection, vault, timelock, scan.fromBlock);
  const open = await timelock.hasRole(await timelock.EXECUTOR_ROLE(), ZeroAddress);
  const guardian = await vault.guardian();
  const now = Number((await connection.ethers.provider.getBlock("latest"))!.timestamp);
  if (ops.length === 0) out.line(`no operation pending on the timelock ${await timelock.getAddress()}`);
  const listed = ops.map((op) => {
    const executor = open ? "anyone" : "an executor of the timelock";
    const canceller = op.call.startsWith("setGuardian(") ? "a proposer of the timelock (not the guardian: it is its own replacement)" : `the guardian ${guardian} (through the vault) or a proposer of the timelock`;
    const when = op.state === "ready" ? "ready now" : `ETA ${iso(op.eta)} (in ${inWords(op.eta - now)})`;
    out.line(`${op.id}: ${op.call}`);
    out.line(`  ${when}; executed by ${executor}; cancelled by ${canceller}`);
    return { ...op, executor, canceller };
  });
  return listed;
});

// ------------------------------------------------------------------ the other actions

type ActionArgs = CommonArgs & { delay: number; salt: string } & Record<string, string | number | boolean>;

/** A token named by its basket symbol or its address. */
async function tokenArg(connection: Connection, vault: RebalancingVault, text: string, option = "--token"): Promise<string> {
  if (isAddress(text)) return getAddress(text);
  const name = String(text).toLowerCase();
  const entry = (await basketOf(connection, vault)).find((b) => b.symbol.toLowerCase() === name);
  if (entry === undefined) throw new OperatorError(`${option} ${text === "" ? "is required" : `"${text}" is neither a basket symbol nor an address`}`);
  return entry.token;
}

function addressArg(text: string, option: string): string {
  if (!isAddress(text)) throw new OperatorError(`--${option} must be an address, not "${text}"`);
  return getAddress(text);
}

function wholeArg(text: string, option: string): bigint {
  if (!/^\d+$/.test(text.trim())) throw new OperatorError(`--${option} must be a whole number, not "${text}"`);
  return BigInt(text.trim());
}

/** `WETH,500,USDC`: tokens (symbols or addresses) and fee tiers, from the token to the base asset. */
async function pathArg(connection: Connection, vault: RebalancingVault, text: string): Promise<string> {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length < 3 || parts.length % 2 === 0) throw new OperatorError(`--path must be TOKEN,FEE,TOKEN[,FEE,TOKEN...], not "${text}"`);
  const tokens: string[] = [];
  const fees: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (i % 2 === 0) tokens.push(await tokenArg(connection, vault, part, "--path"));
    else fees.push(Number(wholeArg(part, "path's fee")));
  }
  return encodePath(tokens, fees);
}

/** The contract a change is made on, and its interface. */
async function targetContract(connection: Connection, vault: RebalancingVault, target: GovTarget) {
  const contracts = await governedContracts(connection, vault);
  if (target === "vault") return { address: await vault.getAddress(), iface: vault.interface as Interface };
  if (target === "twap") return { address: contracts.twap, iface: contracts.twapInterface };
  if (contracts.feeds === null) throw new OperatorError(`the vault's oracle ${contracts.oracle} has no feeds (it is not a CompositeOracle): feed changes go to a CompositeOracle`);
  return { address: contracts.feeds, iface: contracts.feedsInterface };
}

/** Each action's arguments, from the task's options. */
const ENCODERS: Record<string, (c: Connection, v: RebalancingVault, a: ActionArgs) => Promise<unknown[]>> = {
  "add-token": async (c, v, a) => [await tokenArg(c, v, String(a.token)), await pathArg(c, v, String(a.path))],
  "remove-token": async (c, v, a) => [await tokenArg(c, v, String(a.token))],
  "write-off": async (c, v, a) => [await tokenArg(c, v, String(a.token))],
  sweep: async (c, v, a) => [await tokenArg(c, v, String(a.token)), addressArg(String(a.to), "to")],
  guardian: async (_c, _v, a) => [addressArg(String(a.guardian), "guardian")],
  oracle: async (_c, _v, a) => [addressArg(String(a.oracle), "oracle")],
  "auction-house": async (_c, _v, a) => [id("AUCTION_ROLE"), addressArg(String(a.house), "house")],
  route: async (c, v, a) => [await tokenArg(c, v, String(a.token)), await pathArg(c, v, String(a.path)), wholeArg(String(a.minDepth), "min-depth")],
  "remove-route": async (c, v, a) => [await tokenArg(c, v, String(a.token))],
  window: async (_c, _v, a) => [wholeArg(String(a.seconds), "seconds")],
  "max-divergence": async (_c, _v, a) => [wholeArg(String(a.bps), "bps")],
  feed: async (c, v, a) => {
    const primary = String(a.primary === "" ? "twap" : a.primary).toLowerCase();
    if (primary !== "twap" && primary !== "feed") throw new OperatorError(`--primary must be twap or feed, not "${a.primary}"`);
    return [await tokenArg(c, v, String(a.token)), addressArg(String(a.feed), "feed"), wholeArg(String(a.heartbeat), "heartbeat"), a.inEth === true, a.withoutTwap !== true, primary === "feed" ? 1 : 0];
  },
  "remove-feed": async (c, v, a) => [await tokenArg(c, v, String(a.token))],
  "eth-usd-feed": async (_c, _v, a) => [addressArg(String(a.feed), "feed"), wholeArg(String(a.heartbeat), "heartbeat")],
  "base-feed": async (_c, _v, a) => [addressArg(String(a.feed), "feed"), wholeArg(String(a.heartbeat), "heartbeat"), wholeArg(String(a.maxDepegBps), "max-depeg-bps")],
  "feed-divergence": async (_c, _v, a) => [wholeArg(String(a.bps), "bps")],
  "grace-period": async (_c, _v, a) => [wholeArg(String(a.seconds), "seconds")],
};

/** The task body of `gov propose-<name>` for an action of GOV_ACTIONS. */
export function proposeAction(name: string) {
  const action = GOV_ACTIONS.find((a) => a.name === name);
  if (action === undefined || ENCODERS[name] === undefined) throw new Error(`no governance action ${name}`);
  return taskAction(async (args: ActionArgs, hre: HardhatRuntimeEnvironment) => {
    const connection = await connect(hre);
    const vault = await resolveVault(hre, connection, args.vault);
    const target = await targetContract(connection, vault, action.target);
    const data = target.iface.encodeFunctionData(action.fn, await ENCODERS[name](connection, vault, args));
    return schedule(connection, hre, args, vault, data, target);
  });
}
