// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test token with a transfer hook (as ERC-777 and some callback tokens have): on every
/// transfer out of `watched`, it calls `target` with `data`, and records whether that call
/// succeeded and what it returned.
contract HookToken is ERC20 {
    address public watched;
    address public target;
    bytes public data;
    bool public armed;
    bool public lastCallSucceeded;
    bytes public lastReturnData;

    constructor() ERC20("Hook", "HOOK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the hook for the next transfer out of `watched_`.
    function arm(address watched_, address target_, bytes calldata data_) external {
        (watched, target, data, armed) = (watched_, target_, data_, true);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (armed && from == watched) {
            armed = false; // once
            (lastCallSucceeded, lastReturnData) = target.call(data);
        }
    }
}
