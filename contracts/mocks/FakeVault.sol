// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";

/// @notice A contract posing as a vault to the router: it takes nothing on deposit and claims, on an exit,
/// to have paid the router whatever the router holds of its asset. For the router's tests that it trusts
/// no address as a vault.
contract FakeVault {
    IERC20 public immutable ASSET;

    constructor(IERC20 asset_) {
        ASSET = asset_;
    }

    function asset() external view returns (address) {
        return address(ASSET);
    }

    function deposit(uint256, address) external pure returns (uint256) {
        return 0;
    }

    function targets() external view returns (address[] memory tokens, uint16[] memory targetsBps) {
        tokens = new address[](1);
        tokens[0] = address(ASSET);
        targetsBps = new uint16[](1);
        targetsBps[0] = 10_000;
    }

    function redeemInKind(uint256, address receiver, address) external view returns (uint256[] memory amounts) {
        amounts = new uint256[](1);
        amounts[0] = ASSET.balanceOf(receiver);
    }

    function oracle() external pure returns (IPriceOracle) {
        return IPriceOracle(address(0));
    }

    function parameters() external pure returns (IRebalancingVault.Parameters memory p) {
        return p;
    }

    // solhint-disable-next-line func-name-mixedcase
    function ROUTER() external pure returns (address) {
        return address(0);
    }
}
