// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPriceOracle
/// @notice Values tokens in one base token (the vault's asset). Implementations must be resistant
/// to manipulation within a block: a time-weighted average, a reference feed, or both. They revert,
/// rather than answer, when they cannot price a token.
interface IPriceOracle {
    /// @notice The token every quote is denominated in.
    function BASE() external view returns (address);

    /// @notice The manipulation-resistant value of `amount` of `token`, in base units, rounded down.
    /// The base token itself is worth its amount.
    function quote(address token, uint256 amount) external view returns (uint256 baseAmount);

    /// @notice A low and a high value of `amount` of `token`: the manipulation-resistant value and
    /// the market's current price, ordered. Callers use `low` where overvaluing would hurt other
    /// users (paying out) and `high` where undervaluing would (taking in); the gap is a measure of
    /// how far the market stands from the reference right now.
    function quoteBounds(address token, uint256 amount) external view returns (uint256 low, uint256 high);

    /// @notice The value of `amount` of `token` at the market's current price, in base units, rounded
    /// down. Not manipulation-resistant: for measuring how far the market stands from `quote`.
    function quoteSpot(address token, uint256 amount) external view returns (uint256 baseAmount);
}
