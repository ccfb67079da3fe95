// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test token that can refuse transfers as real ones do: an address on its blacklist can neither
/// send nor receive (as USDC can do to any account, a vault included), or, with `sendersOnly`, can receive
/// but not send (as USDT's blacklist works), the whole token can be
/// paused, and, with `drainGas`, every transfer spends all the gas it is given (a token upgraded into a
/// trap).
contract FreezableToken is ERC20 {
    error FreezableBlacklisted(address account);
    error FreezablePaused();

    mapping(address account => bool) public blacklisted;
    bool public paused;
    bool public sendersOnly;
    bool public drainGas;
    uint8 private immutable _DECIMALS;

    constructor(uint8 decimals_) ERC20("Freezable", "FRZ") {
        _DECIMALS = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _DECIMALS;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlacklisted(address account, bool value) external {
        blacklisted[account] = value;
    }

    function setSendersOnly(bool value) external {
        sendersOnly = value;
    }

    function setPaused(bool value) external {
        paused = value;
    }

    function setDrainGas(bool value) external {
        drainGas = value;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            if (paused) revert FreezablePaused();
            if (blacklisted[from]) revert FreezableBlacklisted(from);
            if (blacklisted[to] && !sendersOnly) revert FreezableBlacklisted(to);
            if (drainGas) {
                // Spends whatever it was given: the caller's gas limit is all that stops it.
                for (uint256 i; gasleft() > 0; ++i) {}
            }
        }
        super._update(from, to, value);
    }
}
