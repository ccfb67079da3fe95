// Where a transaction's gas goes, from its opcode trace (debug_traceTransaction's struct logs with the
// stack): per contract whose code ran, what it paid to touch accounts, to read and write storage, to
// emit events, and for everything else (computation: arithmetic, memory, hashing, ABI coding). The
// benchmark uses it to show what part of a figure is state the design must read and what part is code.

/** One step of a struct-log trace. */
export interface TraceStep {
  op: string;
  gasCost: number;
  depth: number;
  stack?: string[];
}

/** What one contract's code, or the accounts it was the first to touch, cost. */
export interface CostRow {
  /** First touches of accounts (2,600 each, EIP-2929), charged to the account touched. */
  accounts: number;
  /** Storage reads of slots not yet read in the transaction (2,100 each). */
  coldReads: number;
  /** Storage reads of slots already read (100 each), and transient storage. */
  warmReads: number;
  writes: number;
  events: number;
  /** Everything else the code ran, including calls to accounts already touched (100 each). */
  computation: number;
}

const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);
// Opcodes that touch the account named on top of the stack.
const TOUCHES = new Set(["BALANCE", "EXTCODESIZE", "EXTCODEHASH", "EXTCODECOPY"]);
const COLD_ACCOUNT = 2_600;
const WARM_ACCOUNT = 100;

const addressOf = (word: string) => `0x${BigInt(word).toString(16).padStart(40, "0").slice(-40)}`;

const emptyRow = (): CostRow => ({ accounts: 0, coldReads: 0, warmReads: 0, writes: 0, events: 0, computation: 0 });

/**
 * Splits a trace's gas by the contract whose code ran (a library reached by DELEGATECALL is its own
 * row) and by kind. `entry` is the account the trace starts in; `warm` the accounts warm before the
 * first step (the sender, the recipient, the precompiles). With `fromDepth`, only the steps at that
 * depth or deeper count (a view measured inside a probe contract: the probe's own steps do not).
 * Addresses missing from `names` are shown as themselves.
 */
export function profileTrace(
  steps: TraceStep[],
  entry: string,
  names: Map<string, string>,
  warm: string[],
  fromDepth = 1,
): Map<string, CostRow> {
  const label = (address: string) => names.get(address.toLowerCase()) ?? address.toLowerCase();
  const touched = new Set([...warm, entry].map((a) => a.toLowerCase()));
  for (let p = 1; p <= 10; p++) touched.add(addressOf(`0x${p.toString(16)}`));
  const rows = new Map<string, CostRow>();
  const rowOf = (name: string) => {
    let row = rows.get(name);
    if (row === undefined) rows.set(name, (row = emptyRow()));
    return row;
  };
  // Whose code runs at each depth (index 0 is depth 1).
  const frames = [entry.toLowerCase()];
  const touch = (address: string, counted: boolean) => {
    if (touched.has(address)) return WARM_ACCOUNT;
    touched.add(address);
    if (counted) rowOf(label(address)).accounts += COLD_ACCOUNT;
    return COLD_ACCOUNT;
  };
  for (const step of steps) {
    frames.length = step.depth;
    const counted = step.depth >= fromDepth;
    const stack = step.stack ?? [];
    if (CALLS.has(step.op)) {
      // The step's gasCost holds the gas passed on to the callee: only the access is its own.
      const target = addressOf(stack[stack.length - 2]);
      const access = touch(target, step.depth + 1 >= fromDepth);
      if (access === WARM_ACCOUNT && counted) rowOf(label(frames[step.depth - 1])).computation += WARM_ACCOUNT;
      // The callee's code runs next, a library's too (in the caller's storage).
      frames.push(target);
      continue;
    }
    if (!counted) {
      if (TOUCHES.has(step.op)) touch(addressOf(stack[stack.length - 1]), false);
      continue;
    }
    const here = rowOf(label(frames[step.depth - 1]));
    if (TOUCHES.has(step.op)) {
      const access = touch(addressOf(stack[stack.length - 1]), true);
      here.computation += step.gasCost - (access === COLD_ACCOUNT ? COLD_ACCOUNT : 0);
    } else if (step.op === "SLOAD") {
      if (step.gasCost >= 2_100) here.coldReads += step.gasCost;
      else here.warmReads += step.gasCost;
    } else if (step.op === "TLOAD" || step.op === "TSTORE") {
      here.warmReads += step.gasCost;
    } else if (step.op === "SSTORE") {
      here.writes += step.gasCost;
    } else if (step.op.startsWith("LOG")) {
      here.events += step.gasCost;
    } else {
      here.computation += step.gasCost;
    }
  }
  return rows;
}

/** A row's whole cost. */
export const totalOf = (row: CostRow) => row.accounts + row.coldReads + row.warmReads + row.writes + row.events + row.computation;

/** Rows added up. */
export function sumRows(rows: CostRow[]): CostRow {
  const sum = emptyRow();
  for (const row of rows) {
    for (const key of Object.keys(sum) as (keyof CostRow)[]) sum[key] += row[key];
  }
  return sum;
}
