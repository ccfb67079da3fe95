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

    /// @notice Why a rebalance is due.
    enum Trigger {
        /// Not due: drift below the threshold (or below MinDriftBps) and the interval not passed.
        None,
        /// Drift reached DriftThresholdBps.
        Threshold,
        /// RebalanceIntervalSeconds passed since the last rebalance, with drift at least MinDriftBps.
        Calendar
    }

    /// @notice One swap of a rebalance. `minAmountOut` is the oracle's value of `amountIn` in
    /// `tokenOut` (`expectedOut`) less MaxSlippageBps: it comes from the oracle, never from a caller.
    /// `value` is the oracle value of `amountIn` in base units; `amountOut` is what arrived (0 in a
    /// preview); `path` is the Uniswap V3 route taken.
    struct Trade {
        address tokenIn;
        address tokenOut;
        uint256 value;
        uint256 amountIn;
        uint256 expectedOut;
        uint256 minAmountOut;
        uint256 amountOut;
        bytes path;
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

    /// @notice The route between two tokens is not a path from one to the other through existing pools,
    /// or names the base asset or an unlisted token.
    error VaultBadPairPath(address tokenA, address tokenB, bytes path);
    /// @notice A rebalance is not due: drift is below the threshold (`thresholdBps`, 0 when that
    /// trigger is off, never below MinDriftBps) and the calendar trigger fires only at `calendarDueAt`
    /// (0 when off).
    error VaultRebalanceNotDue(uint256 driftBps, uint256 thresholdBps, uint256 calendarDueAt);
    /// @notice The cooldown since the last rebalance has `secondsLeft` to run.
    error VaultCooldownActive(uint256 secondsLeft);
    /// @notice A pool's spot price stands `deviationBps` from the oracle's, more than MaxSpotDeviationBps:
    /// the market is being moved (a sandwich or a manipulation) and the vault does not trade into it.
    error VaultSpotDeviation(address token, uint256 deviationBps, uint256 maxBps);
    /// @notice A swap failed, typically because it would have paid less than `minAmountOut` (too
    /// little liquidity, or a price pushed against the vault). `reason` is the router's revert data.
    error VaultSwapFailed(address tokenIn, address tokenOut, uint256 amountIn, uint256 minAmountOut, bytes reason);
    /// @notice After trading, drift (in 1e18ths of NAV) did not decrease.
    error VaultDriftNotReduced(uint256 driftBeforeWad, uint256 driftAfterWad);
    /// @notice After trading, NAV fell by `lost` base units, more than MaxSlippageBps of what was traded.
    error VaultRebalanceLoss(uint256 lost, uint256 maxLoss);

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
    /// @notice A direct route between two basket tokens was set (`path` from `tokenA` to `tokenB`) or,
    /// with an empty path, removed.
    event PairPathSet(address indexed tokenA, address indexed tokenB, bytes path);
    /// @notice One swap of a rebalance: what went in and came out (measured by balances), and what the
    /// oracle said should come out.
    event RebalanceTrade(
        address indexed tokenIn, address indexed tokenOut, uint256 amountIn, uint256 amountOut, uint256 expectedOut
    );
    /// @notice A rebalance by `caller`, fired by `trigger`, with NAV (oracle value, base units) and
    /// drift before and after. Its trades are the RebalanceTrade events just before it.
    event Rebalanced(
        address indexed caller,
        Trigger trigger,
        uint256 navBefore,
        uint256 navAfter,
        uint256 driftBeforeBps,
        uint256 driftAfterBps,
        uint256 trades
    );

    // ------------------------------------------------------------------ depositors

    /// @notice Burns `shares` of `owner` and pays `receiver` the pro-rata slice of every holding,
    /// in the order of `targets()`. Needs no oracle and works while paused: nobody can be trapped.
    /// @return amounts What was paid of each token.
    function redeemInKind(uint256 shares, address receiver, address owner) external returns (uint256[] memory amounts);

    // ------------------------------------------------------------------ keepers

    /// @notice Trades the basket back toward its targets when a rebalance is due. Callable by the
    /// keeper role, or by anyone once governance grants that role to the zero address (safe: every
    /// price is bounded by the oracle). Reverts when paused, within the cooldown, when not due, when
    /// a pool's spot price stands too far from the oracle, when a swap would lose more than
    /// MaxSlippageBps, or when, after trading, drift did not decrease or NAV fell by more than the bound.
    /// @return trades The swaps made, with `amountIn` as executed.
    function rebalance() external returns (Trade[] memory trades);

    /// @notice Whether a rebalance is due by its triggers, and when the cooldown lets the next one run.
    /// `due` is false while paused, within the cooldown, or while the oracle cannot price a holding.
    function rebalanceStatus()
        external
        view
        returns (bool due, Trigger trigger, uint256 driftBps, uint256 readyAt);

    /// @notice The swaps a rebalance would make now, by the oracle's prices. Reverts like
    /// `rebalance()` would on a spot price too far from the oracle; does not check the triggers.
    function previewRebalance() external view returns (Trade[] memory trades);

    /// @notice For resolver-style keepers (Gelato, Yearn): whether to call, and the call to make.
    /// True only when a rebalance is due and its plan trades and passes the spot checks now.
    function rebalanceTrigger() external view returns (bool canExec, bytes memory execPayload);

    /// @notice Chainlink Automation: as `rebalanceTrigger`; `performData` is empty.
    function checkUpkeep(bytes calldata checkData) external view returns (bool upkeepNeeded, bytes memory performData);

    /// @notice Chainlink Automation: `rebalance()`. The argument is ignored; everything is re-checked.
    function performUpkeep(bytes calldata performData) external;

    // ------------------------------------------------------------------ governance

    /// @notice Lists `token` with a target of zero, traded along `swapPath` (token ... base asset).
    function addToken(address token, bytes calldata swapPath) external;

    /// @notice Delists `token`, whose target must be zero and whose holding must be dust.
    function removeToken(address token) external;

    /// @notice Sets the swap path of a listed token.
    function setSwapPath(address token, bytes calldata swapPath) external;

    /// @notice Sets (or, with an empty `path`, removes) a direct route between two listed tokens other
    /// than the base asset: `path` leads from `tokenA` to `tokenB`; the reverse is used the other way.
    function setPairPath(address tokenA, address tokenB, bytes calldata path) external;

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

    /// @notice The direct route from `tokenIn` to `tokenOut`, empty when none is set.
    function pairPath(address tokenIn, address tokenOut) external view returns (bytes memory);

    /// @notice [min, max] bounds of a parameter.
    function parameterBounds(Parameter parameter) external pure returns (uint256 min, uint256 max);
}
