// Shaping a forked chain's state for a test: token balances written into storage, and pools given
// enough observations for a TWAP.
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { AbiCoder, Contract, keccak256, MaxUint256, toBeHex, zeroPadValue } from "ethers";

import { ERC20_ABI } from "../../deploy/lib/erc20.js";
import { swapRouterArtifact, uniswapFactoryArtifact, uniswapPoolArtifact } from "../../deploy/lib/uniswap-artifacts.js";
import type { Connection } from "../helpers/market.js";

/**
 * Gives `holder` a balance of `amount` by writing the token's balance mapping, whose slot it finds by
 * trying the first slots of a Solidity `mapping(address => uint256)`.
 */
export async function writeBalance(connection: Connection, token: string, holder: string, amount: bigint) {
  const { ethers, networkHelpers } = connection;
  const erc20 = new Contract(token, ERC20_ABI, ethers.provider);
  const value = zeroPadValue(toBeHex(amount), 32);
  for (let slot = 0; slot < 64; slot++) {
    const key = keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [holder, slot]));
    const previous = await ethers.provider.getStorage(token, key);
    await networkHelpers.setStorageAt(token, key, value);
    if ((await erc20.balanceOf(holder)) === amount) return;
    await networkHelpers.setStorageAt(token, key, previous);
  }
  throw new Error(`cannot find the balance slot of ${token}`);
}

/**
 * Makes sure a pool keeps `required` observations now and can answer a TWAP over `windowSeconds`: raises
 * its cardinality if needed, then swaps back and forth a block apart until the array has grown to it
 * (a pool grows only when it next writes at the end of its current array) and a window of history is there.
 */
export async function ensureTwapHistory(
  connection: Connection,
  market: { factory: string; router: string },
  tokenA: string,
  tokenB: string,
  fee: number,
  trader: HardhatEthersSigner,
  fund: (who: HardhatEthersSigner, token: string, amount: bigint) => Promise<void>,
  required = 151,
  windowSeconds = 1800,
) {
  const { ethers, networkHelpers } = connection;
  const factory = new Contract(market.factory, uniswapFactoryArtifact.abi, ethers.provider);
  const pool = new Contract((await factory.getPool(tokenA, tokenB, fee)) as string, uniswapPoolArtifact.abi, trader);
  const ready = async () => {
    const cardinality = Number((await pool.slot0())[3]);
    return cardinality >= required && (await pool.observe([windowSeconds, 0]).then(() => true, () => false));
  };
  if (await ready()) return;
  if (Number((await pool.slot0())[4]) < required) await pool.increaseObservationCardinalityNext(required);
  const router = new Contract(market.router, swapRouterArtifact.abi, trader);
  for (const token of [tokenA, tokenB]) {
    await fund(trader, token, 10n ** 30n);
    await new Contract(token, ERC20_ABI, trader).approve(await router.getAddress(), MaxUint256);
  }
  // Swaps big enough to move the tick (a swap writes an observation only then), 12 s apart until the
  // array grows, then a minute apart until a window of history is kept.
  const step = (await pool.liquidity()) / 10n ** 3n + 10n ** 6n;
  for (let i = 0; i < required + windowSeconds / 60 + 10 && !(await ready()); i++) {
    const [tokenIn, tokenOut] = i % 2 === 0 ? [tokenA, tokenB] : [tokenB, tokenA];
    await router.exactInputSingle([tokenIn, tokenOut, fee, trader.address, 2n ** 40n, step, 0n, 0n]);
    const grown = Number((await pool.slot0())[3]) >= required;
    await networkHelpers.time.increase(grown ? 60 : 11);
  }
  if (!(await ready())) throw new Error(`pool ${await pool.getAddress()} still keeps too few observations for a ${windowSeconds} s TWAP`);
}
