// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @notice Test vault whose `previewMint` asks one unit more than `mint` takes (the EIP allows a preview
/// to overstate), for the router's refund of what a mint did not use.
contract OverpricedMintVault is ERC4626 {
    constructor(IERC20 asset_) ERC20("Overpriced mint", "OPM") ERC4626(asset_) {}

    function previewMint(uint256 shares) public view override returns (uint256) {
        return super.previewMint(shares) + 1;
    }

    function mint(uint256 shares, address receiver) public override returns (uint256 assets) {
        assets = super.previewMint(shares);
        _deposit(_msgSender(), receiver, assets, shares);
    }
}
