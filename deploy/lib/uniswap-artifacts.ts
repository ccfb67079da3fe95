// The genuine Uniswap V3 and WETH9 bytecode, loaded from the artifacts their npm packages publish.
// Nothing here is compiled by this project: what is deployed locally is what is deployed on mainnet.
import { published } from "./artifacts.js";

export const uniswapFactoryArtifact = published("@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json");
export const uniswapPoolArtifact = published("@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json");
export const swapRouterArtifact = published("@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json");
export const nftDescriptorArtifact = published("@uniswap/v3-periphery/artifacts/contracts/libraries/NFTDescriptor.sol/NFTDescriptor.json");
export const positionDescriptorArtifact = published(
  "@uniswap/v3-periphery/artifacts/contracts/NonfungibleTokenPositionDescriptor.sol/NonfungibleTokenPositionDescriptor.json",
);
export const positionManagerArtifact = published(
  "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
);
export const weth9Artifact = published("canonical-weth/build/contracts/WETH9.json");
