// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPriceOracle} from "./IPriceOracle.sol";

/// @title IRebalancingVault
/// @notice An ERC-4626 vault over a base asset whose holdings are a basket of ERC-20 tokens kept at
/// target weights. Depositors bring the base asset; governance (a timelock) sets targets and risk
/// parameters within on-chain bounds; a guardian pauses and vetoes; keepers rebalance.
///
/// Who can do what, and for how long:
/// - Holders can always leave in kind (`redeemInKind`), paused or not, whatever the oracle says, and
///   whatever one token does: a slice that cannot be paid stays claimable by its holder (`claim`).
///   Deposits and base-asset exits are priced by the oracle's references, deposits at the highest and
///   exits at the lowest, and stop while a holding cannot be priced or while the guardian pauses.
/// - Governance (the timelock, behind its delay) changes the basket, paths, parameters within their
///   bounds, the oracle and the guardian; removes or writes off tokens; sweeps tokens the basket does
///   not hold. It cannot move holders' funds otherwise, and every change waits out the delay in the
///   open, so that holders can leave first.
/// - The guardian pauses deposits, base-asset exits and rebalances for at most `PauseSeconds` at a
///   time (renewable), and cancels pending timelock operations through the vault, except one that
///   replaces the guardian: governance can always replace it, after the delay.
/// - Keepers rebalance, within the oracle's bounds and the sizing that keeps a sandwich from paying.
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
        /// Largest loss, in basis points, a swap may take against the oracle's protective value.
        MaxSlippageBps,
        /// Largest trade per token per rebalance, in basis points of NAV (pools may allow less).
        MaxTradeBps,
        /// Largest gap, in basis points, between a traded pool's price and the one it opened the block
        /// at, or between a traded token's oracle references, before the vault refuses to trade.
        MaxSpotDeviationBps,
        /// Longest a guardian's pause lasts, in seconds, unless renewed.
        PauseSeconds,
        /// Largest NAV, in base units, up to which deposits are accepted.
        DepositCap,
        /// How far short of its target, in basis points of NAV, a rebalance leaves each token it trades
        /// (0: all the way to target; MinDriftBps: to the edge of the no-trade band). Rebalancing only
        /// partway trades less for the same tracking (tokens zero-weighted are still sold whole).
        ResidualDriftBps,
        /// Management fee, basis points of the vault a year, accrued every second as shares minted to the
        /// fee recipient (holders keep exp(-rate * years)). Changing it first accrues at the old rate.
        ManagementFeeBps,
        /// Performance fee, basis points of the growth of value per share (at the lowest of the oracle's
        /// references) above the high-water mark, paid as shares. Changing it first accrues at the old rate.
        PerformanceFeeBps,
        /// Keeper pay (0: off): the highest base fee, in gwei, at which a rebalance's gas is repaid.
        KeeperBaseFeeCapGwei,
        /// Keeper pay: what a keeper earns on top of the repaid gas, in basis points of it.
        KeeperTipBps,
        /// Keeper pay: the most gas repaid for one rebalance.
        KeeperMaxGas,
        /// Keeper pay: the most gas repaid over one UTC day, across rebalances.
        KeeperMaxGasPerDay,
        /// Volatility-scaled threshold (0: off): the basket's realised volatility, annualised, in basis
        /// points, at which the effective threshold is DriftThresholdBps; it scales in proportion.
        VolReferenceBps,
        /// The effective threshold's floor, in basis points (0: none beyond MinDriftBps).
        VolMinThresholdBps,
        /// The effective threshold's ceiling, in basis points (0: none).
        VolMaxThresholdBps,
        /// Volatility is measured from the changes between the mean prices of consecutive stretches of
        /// this many seconds (0: off)...
        VolIntervalSeconds,
        /// ... over this many stretches (at least 2 to be on): every traded pool must keep
        /// VolIntervals * VolIntervalSeconds of history, or the static threshold applies.
        VolIntervals,
        /// How a due rebalance trades (see ExecutionMode): 0 AMM slices only, 1 hybrid (slices, then
        /// the rest by Dutch auction), 2 auctions only (`rebalance()` refuses).
        ExecutionMode,
        /// A Dutch auction's opening price, in basis points above the oracle's reference.
        AuctionPremiumBps,
        /// A Dutch auction's closing price, in basis points below the oracle's reference: no fill is
        /// ever below it.
        AuctionMaxDiscountBps,
        /// How long a Dutch auction's price takes to fall from its opening to its closing price.
        AuctionDurationSeconds,
        /// The return point's ceiling, in basis points (0: off, the return point is the larger of
        /// ResidualDriftBps and MinDriftBps). When set, a rebalance stops where its gas against its routes'
        /// fees says is cheapest (see the ReturnPoint library), between that floor and this ceiling.
        ResidualCeilingBps
    }

    /// @notice How a due rebalance trades.
    enum ExecutionMode {
        /// Swaps on Uniswap V3 only, each pool's slice per rebalance.
        Slices,
        /// Slices by `rebalance()`, and what they leave by Dutch auction.
        Hybrid,
        /// Dutch auctions only: `rebalance()` refuses with VaultAuctionsOnly.
        Auctions
    }

    /// @notice The Dutch auctions' terms, in one storage slot (see Parameter). The execution mode lives in
    /// TriggerSettings, whose slot every trigger evaluation reads anyway.
    struct AuctionSettings {
        uint16 premiumBps;
        uint16 maxDiscountBps;
        uint32 durationSeconds;
    }

    /// @notice Parameters packed into one storage slot, with what the last rebalance left: when it ran, and
    /// whether its caps cut it short of its return point (see Trigger.Unfinished). Both are the vault's to
    /// write: the constructor ignores them.
    struct Parameters {
        uint16 driftThresholdBps;
        uint16 minDriftBps;
        uint16 maxSlippageBps;
        uint16 maxTradeBps;
        uint16 maxSpotDeviationBps;
        uint32 rebalanceIntervalSeconds;
        uint32 cooldownSeconds;
        uint32 pauseSeconds;
        uint40 lastRebalanceAt;
        uint16 residualDriftBps;
        bool lastRebalanceUnfinished;
    }

    /// @notice The fees, in one storage slot: rates (bounded by parameterBounds), when they were last
    /// accrued, and who receives the shares they mint.
    struct Fees {
        uint16 managementFeeBps;
        uint16 performanceFeeBps;
        uint64 lastAccrualAt;
        address recipient;
    }

    /// @notice Keeper pay, in one storage slot: the parameters, and the gas repaid so far on `day`
    /// (days since the epoch, UTC).
    struct KeeperPay {
        uint32 baseFeeCapGwei;
        uint16 tipBps;
        uint32 maxGas;
        uint32 maxGasPerDay;
        uint32 day;
        uint32 gasPaidToday;
    }

    /// @notice What decides whether and how a rebalance runs, in one storage slot that `rebalance()` and the
    /// keeper views read once: the volatility-scaled threshold's parameters and the ExecutionMode (see
    /// Parameter).
    struct TriggerSettings {
        uint16 referenceBps;
        uint16 minThresholdBps;
        uint16 maxThresholdBps;
        uint32 intervalSeconds;
        uint8 intervals;
        uint8 executionMode;
        uint16 residualCeilingBps;
        /// The vault's to write: the return point its last rebalance aimed at, and the gas it used (while
        /// ResidualCeilingBps is set).
        uint16 lastReturnPointBps;
        uint32 lastRebalanceGas;
    }

    /// @notice Why a rebalance is due.
    enum Trigger {
        /// Not due: drift below the threshold (or below MinDriftBps) and the interval not passed.
        None,
        /// Drift reached DriftThresholdBps.
        Threshold,
        /// RebalanceIntervalSeconds passed since the last rebalance, with drift at least MinDriftBps.
        Calendar,
        /// The last rebalance was cut short by its caps (its pools' budgets, MaxTradeBps) and drift still
        /// stands above its return point (the larger of ResidualDriftBps and MinDriftBps): it carries on,
        /// from the end of its cooldown for as long again (after that, only the other triggers fire).
        Unfinished
    }

    /// @notice One swap of a rebalance. `expectedOut` is `amountIn` valued at the oracle's reference
    /// that protects the vault (the highest for what it sells, the lowest for what it buys), and
    /// `minAmountOut` that less MaxSlippageBps: from the oracle, never from a caller. `value` is the
    /// oracle value of `amountIn` in base units; `amountOut` is what arrived (0 in a preview); `path`
    /// is the Uniswap V3 route taken.
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

    /// @notice An amount of zero was given, or an exit would pay nothing.
    error VaultZeroAmount();
    /// @notice The zero address was given where an account or contract is needed.
    error VaultZeroAddress();
    /// @notice Arrays that must have the basket's length (or each other's) do not.
    error VaultLengthMismatch(uint256 expected, uint256 actual);
    /// @notice The token is not in the basket.
    error VaultUnknownToken(address token);
    /// @notice Target weights sum to `sumBps`, not 10,000.
    error VaultTargetsSum(uint256 sumBps);
    /// @notice The token appears twice, or is already in the basket.
    error VaultDuplicateToken(address token);
    /// @notice The token is in the basket: it cannot be swept.
    error VaultListedToken(address token);
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
    /// @notice A token to remove still holds more than dust (its value in base units): sell it first
    /// (a rebalance sells a zero-target holding whatever its size), or write it off.
    error VaultHoldingNotDust(address token, uint256 value, uint256 maxDust);
    /// @notice A parameter value outside its bounds.
    error VaultParameterOutOfBounds(Parameter parameter, uint256 value, uint256 min, uint256 max);
    /// @notice The token moved a different amount than asked (fee-on-transfer or similar).
    error VaultTransferMismatch(address token, uint256 expected, uint256 received);
    /// @notice The caller is not the guardian.
    error VaultNotGuardian(address caller);
    /// @notice Deposits, base-asset exits and rebalances are paused until `until` (a timestamp); in-kind
    /// exits and claims keep working.
    error VaultPaused(uint256 until);
    /// @notice The guardian cannot cancel the operation that replaces it.
    error VaultGuardianReplacementNotCancellable();
    /// @notice The account is not a governor of this vault (the timelock the guardian cancels on).
    error VaultNotGovernor(address account);
    /// @notice The caller has nothing to claim of the token.
    error VaultNothingToClaim(address token, address account);
    /// @notice The vault could not pay a claim now (the token refuses the transfer): try later.
    error VaultClaimFailed(address token, address to, uint256 amount);

    /// @notice The route between two tokens is not a path from one to the other through existing pools,
    /// or names the base asset or an unlisted token.
    error VaultBadPairPath(address tokenA, address tokenB, bytes path);
    /// @notice A pool of a swap path or direct route keeps `cardinality` observations, fewer than two: a swap
    /// earlier in a block would erase the price it opened the block at, which every rebalance through it
    /// reads. Grow it (`increaseObservationCardinalityNext`) and let a swap write the new slot first.
    error VaultPoolWithoutHistory(address pool, uint16 cardinality);
    /// @notice A rebalance is not due: drift is below the threshold (`thresholdBps`, 0 when that
    /// trigger is off, never below MinDriftBps) and the calendar trigger fires only at `calendarDueAt`
    /// (0 when off).
    error VaultRebalanceNotDue(uint256 driftBps, uint256 thresholdBps, uint256 calendarDueAt);
    /// @notice The cooldown since the last rebalance has `secondsLeft` to run.
    error VaultCooldownActive(uint256 secondsLeft);
    /// @notice A pool the rebalance would trade through stands `deviationBps` from the price it opened
    /// the block at, more than MaxSpotDeviationBps: it is being pushed within this block (a sandwich or
    /// a manipulation), and the vault does not trade into it.
    error VaultSpotDeviation(address pool, uint256 deviationBps, uint256 maxBps);
    /// @notice A traded token's oracle references (its average and the price its pools opened the block
    /// at) disagree by `divergenceBps`, more than MaxSpotDeviationBps: its price is moving faster than
    /// the average follows, and the vault waits rather than trade at either.
    error VaultPricesUnsettled(address token, uint256 divergenceBps, uint256 maxBps);
    /// @notice The vault's own trades moved `pool`'s price by `moveBps`, more than `maxBps` (its fee
    /// tier's round trip): enough to pay a sandwich. The slices are sized to stay well within it; a
    /// pool whose liquidity thinned under the trade fails here.
    error VaultPriceImpact(address pool, uint256 moveBps, uint256 maxBps);
    /// @notice A rebalance is due but has nothing it can trade: every out-of-band token is frozen, or
    /// its pools are too thin for a slice above dust.
    error VaultNothingToTrade();
    /// @notice The base asset cannot be transferred by the vault: nothing can be traded.
    error VaultTokenFrozen(address token);
    /// @notice A swap failed, typically because it would have paid less than `minAmountOut` (too
    /// little liquidity, or a price pushed against the vault). `reason` is a pool's revert data
    /// (PoolSwapPaymentFailed(token) when the vault could not pay it), and empty when the pools swapped but
    /// paid less than `minAmountOut`. The rebalance was tried twice: the second time with every token probed.
    error VaultSwapFailed(address tokenIn, address tokenOut, uint256 amountIn, uint256 minAmountOut, bytes reason);
    /// @notice After trading, drift (in 1e18ths of NAV) did not decrease.
    error VaultDriftNotReduced(uint256 driftBeforeWad, uint256 driftAfterWad);
    /// @notice After trading, NAV fell by `lost` base units, more than MaxSlippageBps of what was traded.
    error VaultRebalanceLoss(uint256 lost, uint256 maxLoss);

    /// @notice The vault itself cannot receive its fees: shares it held would be stuck.
    error VaultBadFeeRecipient(address recipient);
    /// @notice An auction fill names a token twice, or pays out more than the holding.
    error VaultBadSettlement(address tokenOut, address tokenIn, uint256 amountOut);
    /// @notice `rebalance()` while ExecutionMode is Auctions: the basket trades by Dutch auction only.
    error VaultAuctionsOnly();

    // ------------------------------------------------------------------ events

    /// @notice Fees accrued: `managementShares` and `performanceShares` minted to `recipient`.
    /// `highWaterMark` is the value per share (1e18ths of a base unit per share unit, at the lowest of
    /// the oracle's references) above which the performance fee is charged from now on.
    event FeesAccrued(
        address indexed recipient, uint256 managementShares, uint256 performanceShares, uint256 highWaterMark
    );
    /// @notice Governance changed who receives the fees; what accrued before went to `oldRecipient`.
    event FeeRecipientSet(address indexed oldRecipient, address indexed newRecipient);
    /// @notice A rebalance that reduced drift repaid its keeper `gasPaid` gas at `baseFee` (the lesser of
    /// the block's and the cap) plus the tip: `amount` of the base asset.
    event KeeperPaid(address indexed keeper, uint256 gasPaid, uint256 baseFee, uint256 amount);

    /// @notice `owner` redeemed `shares` for a pro-rata slice of every holding, for `receiver`:
    /// `amounts` in the order of `targets()`, each paid or, where its transfer failed, owed (`ClaimOwed`).
    event RedeemedInKind(
        address indexed caller,
        address indexed receiver,
        address indexed owner,
        uint256 shares,
        address[] tokens,
        uint256[] amounts
    );
    /// @notice Paying `amount` of `token` to `account` failed; it is held for `account` to claim.
    event ClaimOwed(address indexed token, address indexed account, uint256 amount);
    /// @notice `account` claimed `amount` of `token`, paid to `to`.
    event Claimed(address indexed token, address indexed account, address to, uint256 amount);
    /// @notice `token` joined the basket at a target of zero, traded along `swapPath` to the base asset.
    event TokenAdded(address indexed token, bytes swapPath);
    /// @notice `token` left the basket holding dust: `leftoverBalance` stays in the vault, sweepable.
    event TokenRemoved(address indexed token, uint256 leftoverBalance);
    /// @notice `token` left the basket whatever it held: `balance` (worth `value` base units by the
    /// oracle, 0 when it could not price it) no longer counts in NAV and stays in the vault, sweepable.
    event TokenWrittenOff(address indexed token, uint256 balance, uint256 value);
    /// @notice `amount` of `token`, which the basket does not hold, was sent to `to`.
    event Swept(address indexed token, address indexed to, uint256 amount);
    /// @notice The vault trades `token` to the base asset along `newPath` (before: `oldPath`).
    event SwapPathSet(address indexed token, bytes oldPath, bytes newPath);
    /// @notice The basket's target weights, in targets() order, changed from `oldTargetsBps`.
    event TargetsSet(address[] tokens, uint16[] oldTargetsBps, uint16[] newTargetsBps);
    /// @notice A risk parameter changed, within its bounds (parameterBounds).
    event ParameterSet(Parameter indexed parameter, uint256 oldValue, uint256 newValue);
    /// @notice The vault prices its holdings with `newOracle` from now on.
    event OracleSet(address indexed oldOracle, address indexed newOracle);
    /// @notice Governance replaced the guardian (the zero address: none).
    event GuardianSet(address indexed oldGuardian, address indexed newGuardian);
    /// @notice The guardian paused deposits, base-asset exits and rebalances until `until`.
    event Paused(address indexed guardian, uint256 until);
    /// @notice The guardian ended a pause before it expired.
    event Unpaused(address indexed guardian);
    /// @notice A direct route between two basket tokens was set (`newPath` from `tokenA` to `tokenB`)
    /// or, with an empty path, removed.
    event PairPathSet(address indexed tokenA, address indexed tokenB, bytes oldPath, bytes newPath);
    /// @notice One swap of a rebalance: what went in and came out (measured by balances), what the
    /// oracle said should come out and the least it accepted, along `path`.
    event RebalanceTrade(
        address indexed tokenIn,
        address indexed tokenOut,
        uint256 amountIn,
        uint256 amountOut,
        uint256 expectedOut,
        uint256 minAmountOut,
        bytes path
    );
    /// @notice A rebalance could not trade `token` (the vault cannot transfer it) and traded the rest
    /// of the basket toward its targets as if the token were not there.
    event FrozenTokenSkipped(address indexed token);
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

    /// @notice Burns `shares` of `owner` and gives `receiver` the pro-rata slice of every holding, in the
    /// order of `targets()`. Needs no oracle and works while paused. A token whose transfer fails (it
    /// froze the vault or the receiver, or it is paused) does not block the rest: its slice is held for
    /// `receiver` to `claim`, never given to others.
    /// @return amounts Each token's slice, paid or owed.
    function redeemInKind(uint256 shares, address receiver, address owner) external returns (uint256[] memory amounts);

    /// @notice What `redeemInKind(shares, ...)` would give now: each holding's pro-rata slice, in the order
    /// of `targets()`, rounded down. Needs no oracle.
    function previewRedeemInKind(uint256 shares) external view returns (uint256[] memory amounts);

    /// @notice Pays the caller what the vault owes it of `token` (a slice an in-kind exit could not
    /// pay), to `to`.
    function claim(address token, address to) external returns (uint256 amount);

    /// @notice What the vault owes `account` of `token`.
    function claimable(address token, address account) external view returns (uint256);

    /// @notice What the vault owes, in all, of `token`: held apart from the basket.
    function owed(address token) external view returns (uint256);

    // ------------------------------------------------------------------ keepers

    /// @notice Trades the basket back toward its targets when a rebalance is due. Callable by the
    /// keeper role, or by anyone when that role is held by the zero address. Each token trades at most
    /// MaxTradeBps of NAV and at most what keeps every pool's move under half its round-trip fee; a
    /// token the vault cannot transfer is left out and the rest rebalanced. Reverts when paused, within
    /// the cooldown, when not due, when a traded pool is being pushed or a traded token's references
    /// disagree, when a swap would lose more than MaxSlippageBps, when the trades moved a pool by its
    /// round-trip fee, or when, after trading, drift did not decrease or NAV fell by more than the bound.
    /// @return trades The swaps made, with `amountIn` as executed.
    function rebalance() external returns (Trade[] memory trades);

    /// @notice Whether a rebalance is due by its triggers, and when the cooldown lets the next one run.
    /// `due` is false while paused, within the cooldown, or while the oracle cannot price a holding.
    /// `thresholdBps` is the drift at which the threshold trigger fires now (0: off), and
    /// `volatilityBps` the basket's realised volatility, a year, it was scaled by (0 when the scaling is
    /// off or cannot be measured: the static DriftThresholdBps applies). `returnPointBps` is the return point
    /// a rebalance would plan with now: ResidualDriftBps, or the one derived while ResidualCeilingBps is set
    /// (a rebalance carrying on keeps the one it aimed at). It leaves every holding it trades within that of
    /// its target, and drift at most the larger of it and MinDriftBps.
    function rebalanceStatus()
        external
        view
        returns (
            bool due,
            Trigger trigger,
            uint256 driftBps,
            uint256 readyAt,
            uint256 thresholdBps,
            uint256 volatilityBps,
            uint256 returnPointBps
        );

    /// @notice The swaps a rebalance would make now, by the oracle's prices. Reverts like `rebalance()`
    /// would on a pushed pool or unsettled prices; does not check the triggers, and does not know which
    /// tokens are frozen (finding that out takes a transfer).
    function previewRebalance() external view returns (Trade[] memory trades);

    /// @notice For resolver-style keepers (Gelato, Yearn): whether to call, and the call to make.
    /// True only when a rebalance is due and its plan trades and passes the price checks now.
    function rebalanceTrigger() external view returns (bool canExec, bytes memory execPayload);

    /// @notice Chainlink Automation: as `rebalanceTrigger`; `performData` is empty.
    function checkUpkeep(bytes calldata checkData) external view returns (bool upkeepNeeded, bytes memory performData);

    /// @notice Chainlink Automation: `rebalance()`. The argument is ignored; everything is re-checked.
    function performUpkeep(bytes calldata performData) external;

    /// @notice The auction house's settlement of one Dutch-auction fill (callable only by an account
    /// governance granted AUCTION_ROLE, keccak256("AUCTION_ROLE"), which prices and sizes the fill): sends
    /// `filler` `amountOut` of `tokenOut`, calls `filler`'s IAuctionFiller.onAuctionFill when `data` is
    /// not empty (to source the payment anywhere), then takes `amountIn` of `tokenIn` from `filler` (which
    /// approved the vault), refusing unless it all arrived. Both tokens must be listed and `amountOut` at
    /// most the holding (never what is owed to claimants). Under the vault's lock, so that nothing
    /// (a deposit, an exit, a view) sees the basket between the two transfers; stops while paused. An
    /// order with both tokens zero is the house repaying `filler` for opening an auction: `amountOut` gas,
    /// paid as keeper pay is (KeeperPaid; the same caps per call and per day, from the same budget).
    function settleAuction(bytes calldata order) external;

    // ------------------------------------------------------------------ governance

    /// @notice Lists `token` with a target of zero, traded along `swapPath` (token ... base asset).
    function addToken(address token, bytes calldata swapPath) external;

    /// @notice Delists `token`, whose target must be zero and whose holding must be dust: at most one
    /// basis point of NAV (and at least one whole base unit). What is left stays in the vault, sweepable.
    function removeToken(address token) external;

    /// @notice Delists `token`, whose target must be zero, whatever it holds: for a token the vault can
    /// no longer sell or value. NAV drops by its value, which every holder bears pro rata; holders who
    /// want their slice leave in kind before the change executes (what cannot be paid stays claimable).
    /// The balance stays in the vault, sweepable.
    function writeOffToken(address token) external;

    /// @notice Sends `to` the vault's whole balance of `token`, which must not be listed, less what is
    /// owed to claimants: a removed token's leftovers, airdrops, mistaken transfers.
    function sweep(address token, address to) external returns (uint256 amount);

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

    /// @notice Replaces the guardian (the zero address: none). The guardian cannot cancel this change.
    function setGuardian(address newGuardian) external;

    /// @notice Governance: sends the fees to `newRecipient` from now on, after accruing what is due to
    /// the current one. Like a fee rate's change, it reverts with the oracle's error while the oracle
    /// cannot price (the accrual at the old terms needs a price).
    function setFeeRecipient(address newRecipient) external;

    /// @notice Mints the fees accrued until now (anyone; every deposit, exit and rebalance does it too).
    /// The performance fee waits while the oracle cannot price. Returns the shares minted.
    function accrueFees() external returns (uint256 shares);

    // ------------------------------------------------------------------ guardian

    /// @notice Pauses deposits, base-asset exits and rebalances for PauseSeconds from now (renewing a
    /// running pause). In-kind exits, claims and governance keep working.
    function pause() external;

    /// @notice Ends a pause.
    function unpause() external;

    /// @notice Cancels a pending operation of `timelock` (a governor of this vault, on which the vault
    /// holds the canceller role), given in full so that the vault can refuse the one that replaces the
    /// guardian.
    function cancel(
        address timelock,
        address target,
        uint256 value,
        bytes calldata data,
        bytes32 predecessor,
        bytes32 salt
    ) external;

    /// @notice As `cancel`, for an operation scheduled as a batch.
    function cancelBatch(
        address timelock,
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata payloads,
        bytes32 predecessor,
        bytes32 salt
    ) external;

    // ------------------------------------------------------------------ views

    /// @notice The basket, base asset first, with each token's target weight.
    function targets() external view returns (address[] memory tokens, uint16[] memory targetsBps);

    /// @notice Each holding's weight of NAV at oracle values, in the order of `targets()`.
    function currentWeights() external view returns (uint256[] memory weightsBps);

    /// @notice The largest absolute gap between a holding's weight and its target, in basis points.
    function driftBps() external view returns (uint256);

    /// @notice Holdings (balances less what is owed to claimants) and their oracle values (base units),
    /// in the order of `targets()`.
    function holdings()
        external
        view
        returns (address[] memory tokens, uint256[] memory balances, uint256[] memory values);

    /// @notice The risk and trigger parameters.
    function parameters() external view returns (Parameters memory);

    /// @notice The fee rates, recipient and last accrual, and the high-water mark (see `FeesAccrued`).
    function fees() external view returns (Fees memory, uint256 highWaterMark);

    /// @notice The shares the next accrual would mint now; the performance part is 0 while the oracle
    /// cannot price. Previews and max* count them.
    function pendingFees() external view returns (uint256 managementShares, uint256 performanceShares);

    /// @notice Keeper pay's parameters and today's use.
    function keeperPay() external view returns (KeeperPay memory);

    /// @notice Any parameter's current value, as `setParameter` sets it.
    function parameter(Parameter parameter) external view returns (uint256);


    /// @notice The oracle that values the basket.
    function oracle() external view returns (IPriceOracle);

    /// @notice The account that may pause and cancel (the zero address: none).
    function guardian() external view returns (address);

    /// @notice Whether deposits, base-asset exits and rebalances are paused now.
    function paused() external view returns (bool);

    /// @notice When the current pause ends (0 or a past time: not paused).
    function pausedUntil() external view returns (uint256);

    /// @notice The Uniswap V3 SwapRouter of the deployment the vault trades on: its factory (every swap path
    /// is checked against it) and WETH9 come from it, and periphery (BallastRouter, auction fillers) swaps
    /// through it. The vault itself swaps on the pools directly and approves no router.
    // solhint-disable-next-line func-name-mixedcase
    function ROUTER() external view returns (address);

    /// @notice A listed token's path to the base asset.
    function swapPath(address token) external view returns (bytes memory);

    /// @notice The direct route from `tokenIn` to `tokenOut`, empty when none is set.
    function pairPath(address tokenIn, address tokenOut) external view returns (bytes memory);

    /// @notice [min, max] bounds of a parameter.
    function parameterBounds(Parameter parameter) external pure returns (uint256 min, uint256 max);
}
