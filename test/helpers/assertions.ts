import { expect } from "chai";
import type { BaseContract, ContractRunner } from "ethers";

/** `contract.connect(signer)` keeping the contract's own type (ethers widens it to BaseContract). */
export function signedBy<T extends BaseContract>(contract: T, runner: ContractRunner): T {
  return contract.connect(runner) as T;
}

/** Asserts that `promise` rejects with an error whose message matches `pattern`. */
export async function expectRejection(promise: Promise<unknown>, pattern: string | RegExp): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    expect(message).to.match(typeof pattern === "string" ? new RegExp(pattern) : pattern);
    return error as Error;
  }
  expect.fail(`expected a rejection matching ${pattern}, but the promise resolved`);
}
