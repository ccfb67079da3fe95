// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test token: burns a fee (1% unless set otherwise) of every transfer, as some real tokens do.
/// The fee comes out of what the recipient gets, or, with `senderPays`, on top of it from the sender.
contract FeeOnTransferToken is ERC20 {
    uint256 public feeBps = 100;
    bool public senderPays;

    constructor() ERC20("Fee On Transfer", "FOT") {}

    /// @notice Lets a test switch the fee off (to seed a pool) and on again.
    function setFeeBps(uint256 newFeeBps) external {
        feeBps = newFeeBps;
    }

    function setSenderPays(bool newSenderPays) external {
        senderPays = newSenderPays;
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value * feeBps / 10_000;
            super._update(from, address(0), fee);
            if (!senderPays) value -= fee;
        }
        super._update(from, to, value);
    }
}
