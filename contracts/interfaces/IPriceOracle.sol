// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPriceOracle
/// @notice Values tokens in one base token (the vault's asset). Implementations give prices that no
/// transaction can move within its own block; they revert, rather than answer, when they cannot price
/// a token soundly.
interface IPriceOracle {
    /// @notice The token every quote is denominated in.
    function BASE() external view returns (address);

    /// @notice The reference value of `amount` of `token`, in base units, rounded down: a long
    /// time-weighted average (or a reference feed). The base token itself is worth its amount. Used for
    /// NAV views, drift and rebalance planning.
    function quote(address token, uint256 amount) external view returns (uint256 baseAmount);

    /// @notice The lowest and highest value of `amount` of `token` across the oracle's references, none
    /// of which a transaction can move within its own block (for a Uniswap pool: its long TWAP and the
    /// price it opened the block at; a fresh reference beside a lagging one, and a feed where there is
    /// one), and the market's current price. Callers use `low` where overvaluing would hurt other users
    /// (paying out) and `high` where undervaluing would (taking in), so that neither a lagging average,
    /// nor a push within the block, nor a move the block has already made can be picked. Reverts while the
    /// references disagree by more than the oracle's bound (a move the average has not caught up with, or
    /// a manipulation held across blocks), and while the current price stands outside the references'
    /// range by more than arbitrage explains (a round trip through the pools' fees): the token cannot be
    /// priced for entries and exits then. Agreement is measured on prices, never on the rounded value of `amount`.
    function quoteBounds(address token, uint256 amount) external view returns (uint256 low, uint256 high);

    /// @notice The sums, over `tokens`, of `quoteBounds(tokens[i], amounts[i])`'s lowest and highest values:
    /// what a basket is worth at the lowest and highest bounds of each holding, in one call. Reverts as the
    /// first of those `quoteBounds` that refuses would (the caller learns which by asking each), and when
    /// the arrays differ in length. An amount of zero is worth zero and its token is not read: a holding of
    /// nothing cannot stop the sum.
    function quoteBoundsSum(address[] calldata tokens, uint256[] calldata amounts)
        external
        view
        returns (uint256 low, uint256 high);

    /// @notice Whether one of `token`'s references is independent of every pool (a price feed), so that
    /// no trade, however long held, can raise the lowest of `quoteBounds` above it. The vault charges a
    /// performance fee only on gains measured where every listed token is anchored so.
    function anchored(address token) external view returns (bool);

    /// @notice `quote`, and the lowest and highest value across the references as `quoteBounds` has
    /// them, in one read, without the refusal: for callers that check the references' agreement
    /// themselves (a rebalance, against its own bound).
    function quoteDetailed(address token, uint256 amount)
        external
        view
        returns (uint256 average, uint256 low, uint256 high);

    /// @notice `token`'s realised volatility against the base asset, annualised, in basis points, over the
    /// last `intervals` stretches of `intervalSeconds` of its pools' recorded prices (see
    /// TwapMath.annualisedVolatilityBps). Reverts when a pool's history is too short, or the token has no
    /// pool-based price.
    function volatility(address token, uint32 intervalSeconds, uint256 intervals) external view returns (uint256 bps);

    /// @notice The value of `amount` of `token` at the market's current price, in base units, rounded
    /// down. Anyone can move it within a block: for measuring how far the market stands from `quote`,
    /// never for pricing.
    function quoteSpot(address token, uint256 amount) external view returns (uint256 baseAmount);
}
