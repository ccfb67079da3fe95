// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @notice Test token whose balances all grow or shrink at once (like stETH or AMPL): holders own
/// internal shares, and `rebase` changes what a share is worth.
contract RebasingToken {
    // ERC-20's getter names, as constants.
    // solhint-disable-next-line const-name-snakecase
    string public constant name = "Rebasing";
    // solhint-disable-next-line const-name-snakecase
    string public constant symbol = "REB";
    // solhint-disable-next-line const-name-snakecase
    uint8 public constant decimals = 18;

    uint256 public totalShares;
    uint256 public totalSupply;
    mapping(address => uint256) public sharesOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    function balanceOf(address account) public view returns (uint256) {
        return totalShares == 0 ? 0 : Math.mulDiv(sharesOf[account], totalSupply, totalShares);
    }

    function mint(address to, uint256 amount) external {
        uint256 shares = totalShares == 0 ? amount : Math.mulDiv(amount, totalShares, totalSupply);
        totalShares += shares;
        totalSupply += amount;
        sharesOf[to] += shares;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Multiplies every balance by `numerator / denominator`.
    function rebase(uint256 numerator, uint256 denominator) external {
        totalSupply = Math.mulDiv(totalSupply, numerator, denominator);
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _transfer(from, to, amount);
        return true;
    }

    function _transfer(address from, address to, uint256 amount) private {
        uint256 shares = Math.mulDiv(amount, totalShares, totalSupply, Math.Rounding.Ceil);
        sharesOf[from] -= shares;
        sharesOf[to] += shares;
        emit Transfer(from, to, amount);
    }
}
