// Governance from a Safe: the Transaction Builder's batch file for a call the Safe must make, and, on
// a local network whose accounts include enough of its owners, the owners' signatures and the Safe's
// execution of it, as the Safe's interface would do.
import { Contract, getAddress, Signature, ZeroAddress, type TypedDataField } from "ethers";

import { safeArtifact } from "../../deploy/lib/safe-artifacts.js";
import { OperatorError, type Connection } from "./context.js";

/** One call the Safe makes (never a delegatecall). */
export interface SafeCall {
  to: string;
  value: bigint;
  data: string;
}

/** The Transaction Builder's batch file (its JSON format 1.0), for the Safe's interface to load. */
export function transactionBuilderBatch(chainId: bigint, safe: string, calls: SafeCall[], name: string, description: string) {
  return {
    version: "1.0",
    chainId: chainId.toString(),
    createdAt: Date.now(),
    meta: { name, description, txBuilderVersion: "1.16.5", createdFromSafeAddress: getAddress(safe), createdFromOwnerAddress: "", checksum: "" },
    transactions: calls.map((c) => ({ to: getAddress(c.to), value: c.value.toString(), data: c.data, contractMethod: null, contractInputsValues: null })),
  };
}

/** The Safe at `address`, checked to be one (a contract answering `getThreshold`). */
export async function safeAt(connection: Connection, address: string) {
  const safe = new Contract(address, safeArtifact.abi, connection.ethers.provider);
  try {
    const [owners, threshold] = await Promise.all([safe.getOwners() as Promise<string[]>, safe.getThreshold() as Promise<bigint>]);
    return { safe, owners, threshold: Number(threshold) };
  } catch {
    throw new OperatorError(`--safe ${address} is not a Safe on this network (no getOwners()/getThreshold() there)`);
  }
}

const SAFE_TX_TYPES: Record<string, TypedDataField[]> = {
  SafeTx: [
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "data", type: "bytes" },
    { name: "operation", type: "uint8" },
    { name: "safeTxGas", type: "uint256" },
    { name: "baseGas", type: "uint256" },
    { name: "gasPrice", type: "uint256" },
    { name: "gasToken", type: "address" },
    { name: "refundReceiver", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

/**
 * Has the Safe make `call`: `threshold` of its owners among the network's accounts sign the Safe
 * transaction (EIP-712, as the Safe's interface asks its owners to), and the first of them executes it.
 * Returns the receipt, or null when the network's accounts hold fewer owners than the threshold.
 */
export async function signAndExecute(connection: Connection, safeAddress: string, call: SafeCall) {
  const { safe, owners, threshold } = await safeAt(connection, safeAddress);
  const accounts = await connection.ethers.getSigners();
  const signers = accounts.filter((a) => owners.some((o) => o.toLowerCase() === a.address.toLowerCase())).slice(0, threshold);
  if (signers.length < threshold) return null;
  const { chainId } = await connection.ethers.provider.getNetwork();
  const tx = {
    to: call.to,
    value: call.value,
    data: call.data,
    operation: 0,
    safeTxGas: 0n,
    baseGas: 0n,
    gasPrice: 0n,
    gasToken: ZeroAddress,
    refundReceiver: ZeroAddress,
    nonce: (await safe.nonce()) as bigint,
  };
  const domain = { chainId, verifyingContract: safeAddress };
  // The Safe checks signatures in ascending order of their owners' addresses.
  signers.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const signatures = await Promise.all(signers.map(async (s) => Signature.from(await s.signTypedData(domain, SAFE_TX_TYPES, tx)).serialized));
  const packed = `0x${signatures.map((s) => s.slice(2)).join("")}`;
  const asOwner = safe.connect(signers[0]) as Contract;
  const args = [tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, packed] as const;
  // execTransaction does not revert when the inner call fails (it emits ExecutionFailure): the inner call
  // was simulated before; here the Safe's own checks are, and a failure is said.
  const sent = await asOwner.execTransaction(...args);
  const receipt = await sent.wait();
  const failed = receipt.logs.some((l: { topics: string[] }) => l.topics[0] === safe.interface.getEvent("ExecutionFailure")!.topicHash);
  if (failed) throw new Error(`the Safe's transaction ${receipt.hash} ran, but the call it made failed (ExecutionFailure)`);
  return { receipt, signers: signers.map((s) => s.address), nonce: tx.nonce };
}
