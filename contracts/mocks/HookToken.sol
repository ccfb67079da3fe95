// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test token with a transfer hook (as ERC-777 and some callback tokens have): on every
/// transfer out of `watched`, it calls `hookTarget` with `hookData`, and records whether that call
/// succeeded and what it returned.
contract HookToken is ERC20 {
    address public watched;
    address public hookTarget;
    bytes public hookData;
    bool public armed;
    bool public lastCallSucceeded;
    bytes public lastReturnData;

    constructor() ERC20("Hook", "HOOK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the hook for the next transfer out of `watched_`.
    function arm(address watched_, address hookTarget_, bytes calldata hookData_) external {
        (watched, hookTarget, hookData, armed) = (watched_, hookTarget_, hookData_, true);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (armed && from == watched) {
            armed = false; // once
            // Calling arbitrary code is this mock's purpose.
            // solhint-disable-next-line avoid-low-level-calls
            (lastCallSucceeded, lastReturnData) = hookTarget.call(hookData);
        }
    }
}
