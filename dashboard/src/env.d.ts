declare module "virtual:ballast-abis" {
  import type { InterfaceAbi } from "ethers";
  export const ABIS: Record<"vault" | "router" | "auctions" | "oracle" | "composite" | "timelock" | "erc20", InterfaceAbi>;
}

interface Window {
  ethereum?: import("ethers").Eip1193Provider;
}
