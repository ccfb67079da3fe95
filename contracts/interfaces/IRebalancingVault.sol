// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPriceOracle} from "./IPriceOracle.sol";

/// @title IRebalancingVault
/// @notice An ERC-4626 vault over a base asset whose holdings are a basket of ERC-20 tokens kept at
/// target weights. Depositors bring the base asset; governance (a timelock) sets targets and risk
/// parameters within on-chain bounds; a guardian pauses; keepers rebalance.
interface IRebalancingVault {
    /// @notice Risk and trigger parameters, each set by governance within [min, max] bounds.
    enum Parameter {
        /// Drift (basis points of NAV) at which a rebalance is due. 0 disables the threshold trigger.
        DriftThresholdBps,
        /// Drift below which the calendar trigger does nothing, so no-op trades never happen.
        MinDriftBps,
        /// Seconds after the last rebalance at which the calendar trigger fires. 0 disables it.
        RebalanceIntervalSeconds,
        /// Seconds that must pass between two rebalances.
        CooldownSeconds,
        /// Largest loss, in basis points, a swap may take against the oracle's value.
        MaxSlippageBps,
        /// Largest trade per token per rebalance, in basis points of NAV.
        MaxTradeBps,
        /// Largest gap, in basis points, between a pool's spot price and the oracle before trading.
        MaxSpotDeviationBps,
        /// Largest NAV, in base units, up to which deposits are accepted.
        DepositCap
    }

    /// @notice Parameters packed into one storage slot.
    struct Parameters {
        uint16 driftThresholdBps;
        uint16 minDriftBps;
        uint16 maxSlippageBps;
        uint16 maxTradeBps;
        uint16 maxSpotDeviationBps;
        uint32 rebalanceIntervalSeconds;
        uint32 cooldownSeconds;
        uint64 lastRebalanceAt;
    }

    // ------------------------------------------------------------------ errors

    /// @notice An amount of zero was given.
    error VaultZeroAmount();
    /// @notice The zero address was given where an account or contract is needed.
    error VaultZeroAddress();
    /// @notice Arrays that must have the basket's length (or each other's) do not.
    error VaultLengthMismatch(uint256 expected, uint256 actual);
    /// @notice The token is not in the basket.
    error VaultUnknownToken(address token);
    /// @notice The token appears twice, or is already in the basket.
    error VaultDuplicateToken(address token);
    /// @notice The basket must contain the base asset.
    error VaultBaseNotInBasket(address base);
    /// @notice The base asset cannot be removed, and needs no swap path.
    error VaultBaseAsset(address base);
    /// @notice The basket would hold more tokens than MAX_TOKENS.
    error VaultTooManyTokens(uint256 count, uint256 max);
    /// @notice The token's decimals cannot be read, or exceed 36.
    error VaultBadToken(address token);
    /// @notice The swap path does not lead from the token to the base asset through existing pools.
    error VaultBadSwapPath(address token, bytes path);
    /// @notice The oracle is for another base asset.
    error VaultOracleBaseMismatch(address expected, address actual);
    /// @notice A token to remove still has a target weight.
    error VaultTargetNotZero(address token, uint16 targetBps);
    /// @notice A token to remove still holds more than dust (its value in base units).
    error VaultHoldingNotDust(address token, uint256 value, uint256 maxDust);
    /// @notice A parameter value outside its bounds.
    error VaultParameterOutOfBounds(Parameter parameter, uint256 value, uint256 min, uint256 max);
    /// @notice The token moved a different amount than asked (fee-on-transfer or similar).
    error VaultTransferMismatch(address token, uint256 expected, uint256 received);

    // ------------------------------------------------------------------ events

    /// @notice `owner` redeemed `shares` for a pro-rata slice of every holding, paid to `receiver`.
    event RedeemedInKind(
        address indexed caller,
        address indexed receiver,
        address indexed owner,
        uint256 shares,
        address[] tokens,
        uint256[] amounts
    );
    event TokenAdded(address indexed token, bytes swapPath);
    event TokenRemoved(address indexed token, uint256 leftoverBalance);
    event SwapPathSet(address indexed token, bytes oldPath, bytes newPath);
    event TargetsSet(address[] tokens, uint16[] oldTargetsBps, uint16[] newTargetsBps);
    event ParameterSet(Parameter indexed parameter, uint256 oldValue, uint256 newValue);
    event OracleSet(address indexed oldOracle, address indexed newOracle);

    // ------------------------------------------------------------------ depositors

    /// @notice Burns `shares` of `owner` and pays `receiver` the pro-rata slice of every holding,
    /// in the order of `targets()`. Needs no oracle and works while paused: nobody can be trapped.
    /// @return amounts What was paid of each token.
    function redeemInKind(uint256 shares, address receiver, address owner) external returns (uint256[] memory amounts);

    // ------------------------------------------------------------------ governance

    /// @notice Lists `token` with a target of zero, traded along `swapPath` (token ... base asset).
    function addToken(address token, bytes calldata swapPath) external;

    /// @notice Delists `token`, whose target must be zero and whose holding must be dust.
    function removeToken(address token) external;

    /// @notice Sets the swap path of a listed token.
    function setSwapPath(address token, bytes calldata swapPath) external;

    /// @notice Sets every target at once: `tokens` is the basket in any order, weights sum to 10,000.
    function setTargets(address[] calldata tokens, uint16[] calldata targetsBps) external;

    /// @notice Sets one risk parameter within its bounds.
    function setParameter(Parameter parameter, uint256 value) external;

    /// @notice Replaces the oracle; the new one must price every listed token now.
    function setOracle(IPriceOracle newOracle) external;

    // ------------------------------------------------------------------ guardian

    /// @notice Stops deposits and rebalances. Withdrawals and in-kind exits keep working.
    function pause() external;

    function unpause() external;

    // ------------------------------------------------------------------ views

    /// @notice The basket, base asset first, with each token's target weight.
    function targets() external view returns (address[] memory tokens, uint16[] memory targetsBps);

    /// @notice Each holding's weight of NAV at oracle values, in the order of `targets()`.
    function currentWeights() external view returns (uint256[] memory weightsBps);

    /// @notice The largest absolute gap between a holding's weight and its target, in basis points.
    function driftBps() external view returns (uint256);

    /// @notice Balances and oracle values (base units) of every holding, in the order of `targets()`.
    function holdings()
        external
        view
        returns (address[] memory tokens, uint256[] memory balances, uint256[] memory values);

    function parameters() external view returns (Parameters memory);

    function depositCap() external view returns (uint256);

    function oracle() external view returns (IPriceOracle);

    function swapPath(address token) external view returns (bytes memory);

    /// @notice [min, max] bounds of a parameter.
    function parameterBounds(Parameter parameter) external pure returns (uint256 min, uint256 max);
}
