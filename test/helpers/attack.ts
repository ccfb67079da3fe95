// Attacks measured as a searcher would measure them: what the attacker holds (every basket token and
// its vault shares) valued at the pools' spot prices after the attack, before against after. Pool fees
// and price impact are in the figures because the swaps are real.
import { type BaseContract, type ContractTransactionResponse } from "ethers";

import { fundLocal } from "../../deploy/lib/local-ballast.js";
import type { Attacker } from "../../types/ethers-contracts/index.js";
import { signedBy } from "./assertions.js";
import type { Connection } from "./market.js";
import { type BallastFixture, type Signer } from "./vault.js";

/** Ticks that move a token's USD price by `pct` percent in a pool whose other token is USDC. */
export function ticksFor(f: BallastFixture, token: string, pct: number) {
  const ticks = Math.round(Math.log(1 + pct / 100) / Math.log(1.0001));
  // The pool's tick is log1.0001(token1 / token0): with USDC as token0, the token's USD price is its inverse.
  return BigInt(f.tokens.usdc.toLowerCase() < token.toLowerCase() ? -ticks : ticks);
}

/** One call of an attack bundle. */
export interface Call {
  target: string;
  data: string;
}

/** `contract.fn(...args)` as a call for `Attacker.run`. */
export async function call(contract: BaseContract, fn: string, args: unknown[] = []): Promise<Call> {
  return { target: await contract.getAddress(), data: contract.interface.encodeFunctionData(fn, args) };
}

/** An attacker contract holding `usd` dollars' worth of every basket token (at the pools' first prices). */
export async function deployAttacker(connection: Connection, f: BallastFixture, owner: Signer, usd = 30_000_000n) {
  const attacker = (await connection.ethers.deployContract("Attacker", [await f.router.getAddress()], owner)) as unknown as Attacker;
  const address = await attacker.getAddress();
  await fund(connection, f, owner, address, usd);
  await signedBy(attacker, owner).approveAll([...f.basket], await f.vault.getAddress());
  return attacker;
}

/** Gives `to` `usd` dollars' worth of every basket token, through `via` (wrapping ETH, minting demo tokens). */
export async function fund(connection: Connection, f: BallastFixture, via: Signer, to: string, usd: bigint) {
  const amounts = [usd * 10n ** 6n, (usd * 10n ** 18n) / 3_000n, (usd * 10n ** 8n) / 100_000n, (usd * 10n ** 18n) / 15n];
  const router = await f.router.getAddress();
  for (const [i, token] of f.basket.slice(0, 4).entries()) {
    await fundLocal(connection, f.tokens.weth, via, token, amounts[i], router);
    const erc20 = await connection.ethers.getContractAt("DemoToken", token, via);
    await erc20.transfer(to, amounts[i]);
  }
}

/** What `who` holds (every basket token and its vault shares), with the vault's holdings and supply behind those shares. */
export async function holdingsOf(f: BallastFixture, who: string) {
  const vault = await f.vault.getAddress();
  const balances = (owner: string) => Promise.all(f.basket.map(async (t) => (await (await erc20(f, t)).balanceOf(owner)) as bigint));
  return {
    tokens: await balances(who),
    shares: await f.vault.balanceOf(who),
    vault: await balances(vault),
    // The virtual shares own their slice too.
    supply: (await f.vault.totalSupply()) + 10n ** 6n,
  };
}

export type Position = Awaited<ReturnType<typeof holdingsOf>>;

async function erc20(f: BallastFixture, token: string) {
  return f.usdc.attach(token) as typeof f.usdc;
}

/** `amount` of `token` at the pool's spot price now, in base units (a negative amount: a negative value). */
async function atSpot(f: BallastFixture, token: string, amount: bigint): Promise<bigint> {
  if (amount === 0n) return 0n;
  const value: bigint = await f.oracle.quoteSpot(token, amount < 0n ? -amount : amount);
  return amount < 0n ? -value : value;
}

/** A position's value at the pools' spot prices now: its tokens, and its shares' slice of the vault as it was. */
export async function valueAtSpot(f: BallastFixture, p: Position): Promise<bigint> {
  let value = 0n;
  for (const [i, token] of f.basket.entries()) {
    value += await atSpot(f, token, p.tokens[i]);
    value += await atSpot(f, token, (p.vault[i] * p.shares) / p.supply);
  }
  return value;
}

/** What a position gained, `before` against `after`, both valued at the pools' spot prices now. */
export async function valueChange(f: BallastFixture, before: Position, after: Position) {
  return (await valueAtSpot(f, after)) - (await valueAtSpot(f, before));
}

/** `shares`' pro-rata slice of every holding now, valued at the pools' spot prices. */
export async function shareValueAtSpot(f: BallastFixture, shares: bigint) {
  const p = await holdingsOf(f, await f.vault.getAddress());
  return valueAtSpot(f, { ...p, tokens: p.tokens.map(() => 0n), shares });
}

/**
 * Runs `send` with automining off, so that every transaction it sends lands in one block in the
 * order sent (a front-run, the victim, a back-run), then mines that block. Transactions need an
 * explicit gas limit. Returns the receipts' statuses.
 */
export async function inOneBlock(connection: Connection, send: () => Promise<ContractTransactionResponse[]>) {
  const provider = connection.provider;
  await provider.request({ method: "evm_setAutomine", params: [false] });
  let sent: ContractTransactionResponse[];
  try {
    sent = await send();
    await provider.request({ method: "evm_mine", params: [] });
  } finally {
    await provider.request({ method: "evm_setAutomine", params: [true] });
  }
  const receipts = await Promise.all(sent.map((tx) => connection.ethers.provider.getTransactionReceipt(tx.hash)));
  return receipts.map((r) => r?.status === 1);
}

/** Formats base units (6 decimals) as dollars, signed. */
export const usd = (raw: bigint) => `${raw < 0n ? "-" : "+"}$${(Number(raw < 0n ? -raw : raw) / 1e6).toLocaleString("en-US", { maximumFractionDigits: 0 })}`;
