// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @title PlainVault
/// @notice OpenZeppelin's ERC-4626 as it ships, over the same base asset: the gas benchmark's
/// baseline for the ERC-4626 entry points. Not deployed anywhere but the benchmark.
contract PlainVault is ERC4626 {
    constructor(IERC20 asset_) ERC20("Plain ERC4626", "PLAIN") ERC4626(asset_) {}
}
