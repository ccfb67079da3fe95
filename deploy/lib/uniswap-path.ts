import { solidityPacked } from "ethers";

/** Encodes a Uniswap V3 path: tokens[0], fees[0], tokens[1], ... as SwapRouter's exactInput takes it. */
export function encodePath(tokens: string[], fees: number[]): string {
  if (tokens.length !== fees.length + 1 || fees.length === 0) {
    throw new Error(`a path needs one more token than fees (got ${tokens.length} tokens, ${fees.length} fees)`);
  }
  const types: string[] = [];
  const values: (string | number)[] = [];
  tokens.forEach((token, i) => {
    types.push("address");
    values.push(token);
    if (i < fees.length) {
      types.push("uint24");
      values.push(fees[i]);
    }
  });
  return solidityPacked(types, values);
}

/** The same route walked the other way (`exactInput` sells along a path; to buy, reverse it). */
export function reversePath(path: string): string {
  const hex = path.startsWith("0x") ? path.slice(2) : path;
  const ADDR = 40;
  const HOP = ADDR + 6;
  if (hex.length < ADDR + HOP || (hex.length - ADDR) % HOP !== 0) {
    throw new Error(`not a Uniswap V3 path: ${path}`);
  }
  let reversed = hex.slice(hex.length - ADDR);
  for (let offset = hex.length - ADDR - HOP; offset >= 0; offset -= HOP) {
    reversed += hex.slice(offset + ADDR, offset + HOP) + hex.slice(offset, offset + ADDR);
  }
  return "0x" + reversed;
}

/** The tokens and fee tiers of a Uniswap V3 path. */
export function decodePath(path: string): { tokens: string[]; fees: number[] } {
  const hex = path.startsWith("0x") ? path.slice(2) : path;
  const ADDR = 40;
  const HOP = ADDR + 6;
  if (hex.length < ADDR + HOP || (hex.length - ADDR) % HOP !== 0) {
    throw new Error(`not a Uniswap V3 path: ${path}`);
  }
  const tokens = [`0x${hex.slice(0, ADDR)}`];
  const fees: number[] = [];
  for (let offset = ADDR; offset < hex.length; offset += HOP) {
    fees.push(parseInt(hex.slice(offset, offset + 6), 16));
    tokens.push(`0x${hex.slice(offset + 6, offset + HOP)}`);
  }
  return { tokens, fees };
}
