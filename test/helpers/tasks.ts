// Runs a Hardhat task through Hardhat's task manager, capturing what it prints (lines, one-line errors,
// stack traces) and what it returns: for the tests of the tasks.
import hre from "hardhat";

import { out } from "../../tasks/lib/context.js";

export type TaskResult = { success: boolean; value?: unknown; error?: Error };

/** Runs a task, capturing what it prints. */
export async function runTask(id: string[], args: Record<string, unknown>) {
  const lines: string[] = [];
  const errors: string[] = [];
  const saved = { ...out };
  const traces: string[] = [];
  out.line = (text) => void lines.push(text);
  out.error = (text) => void errors.push(text);
  out.trace = (text) => void traces.push(text);
  try {
    const result = (await hre.tasks.getTask(id).run(args)) as TaskResult;
    return { result, lines, errors, traces, text: lines.join("\n") };
  } finally {
    Object.assign(out, saved);
  }
}

/** What a keeper task logged: one JSON object per line. */
export const logEvents = (run: { lines: string[] }) => run.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
