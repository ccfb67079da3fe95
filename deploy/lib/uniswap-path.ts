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
