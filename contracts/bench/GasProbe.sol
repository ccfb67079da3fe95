// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

/// @title GasProbe
/// @notice Measures the gas of view calls for the benchmark, from inside the EVM, so that figures
/// leave out what a transaction pays regardless (21,000 and calldata).
contract GasProbe {
    error ProbeCallFailed(bytes reason);

    /// @notice Gas that `target.staticcall(data)` used.
    function gasOf(address target, bytes calldata data) external view returns (uint256 used) {
        uint256 start = gasleft();
        (bool ok, bytes memory reason) = target.staticcall(data);
        used = start - gasleft();
        if (!ok) revert ProbeCallFailed(reason);
    }

    /// @notice Gas of the reads any TWAP-valued basket must make: each token's balance of `holder`
    /// and, per pool, a TWAP observation over `windowSeconds` (`observe([window, 0])`).
    function bareTwapReads(address holder, address[] calldata tokens, address[] calldata pools, uint32 windowSeconds)
        external
        view
        returns (uint256 used)
    {
        uint256 start = gasleft();
        for (uint256 i; i < tokens.length; ++i) {
            IERC20(tokens[i]).balanceOf(holder);
        }
        uint32[] memory secondsAgos = new uint32[](2);
        secondsAgos[0] = windowSeconds;
        for (uint256 i; i < pools.length; ++i) {
            IUniswapV3Pool(pools[i]).observe(secondsAgos);
        }
        used = start - gasleft();
    }

    /// @notice `bareTwapReads`, plus what a price no transaction can move within its block needs besides
    /// the TWAP: per pool, its `slot0` and its newest observation (the tick it opened the block at).
    function bareReferenceReads(
        address holder,
        address[] calldata tokens,
        address[] calldata pools,
        uint32 windowSeconds
    ) external
        view
        returns (uint256 used)
    {
        uint256 start = gasleft();
        for (uint256 i; i < tokens.length; ++i) {
            IERC20(tokens[i]).balanceOf(holder);
        }
        uint32[] memory secondsAgos = new uint32[](2);
        secondsAgos[0] = windowSeconds;
        for (uint256 i; i < pools.length; ++i) {
            IUniswapV3Pool(pools[i]).observe(secondsAgos);
            (,, uint16 index,,,,) = IUniswapV3Pool(pools[i]).slot0();
            IUniswapV3Pool(pools[i]).observations(index);
        }
        used = start - gasleft();
    }
}
