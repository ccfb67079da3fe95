// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TestBase} from "forge-std/Base.sol";
import {StdAssertions} from "forge-std/StdAssertions.sol";
import {StdChains} from "forge-std/StdChains.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdInvariant} from "forge-std/StdInvariant.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

/// @notice forge-std's `Test`, without the console libraries it imports. Hardhat compiles every
/// Solidity test in one job whose input inlines all their sources, and the WebAssembly build of solc
/// that compiles offline crashes on an input above about 1.25 MB; `safeconsole.sol` alone is 428 KB
/// of it. Solidity tests inherit this instead of `Test`.
abstract contract BallastTest is TestBase, StdAssertions, StdChains, StdCheats, StdInvariant, StdUtils {
    // forge-std's marker of a test contract.
    bool public IS_TEST = true;
}
