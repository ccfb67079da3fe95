// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// The external functions below take memory on purpose: the vault passes its constructor's
// configuration and calldata alike.
// solhint-disable gas-calldata-parameters

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";
import {Holding} from "../types/Holding.sol";
import {VaultState} from "../types/VaultState.sol";
import {BasketMath} from "./BasketMath.sol";
import {FeeMath} from "./FeeMath.sol";
import {SwapPath} from "./SwapPath.sol";
import {Valuation} from "./Valuation.sol";

/// @title BasketConfig
/// @notice What governance changes in the vault: the basket (listing, removing, writing off, sweeping
/// what it no longer holds), swap paths and direct routes, targets, parameters and the oracle. An
/// external library run by the vault with DELEGATECALL, in the vault's context, so that the vault stays
/// within the contract size limit; it checks every input and emits every change with its old value.
library BasketConfig {
    using SafeERC20 for IERC20;
    using SwapPath for bytes;

    uint256 public constant MAX_TOKENS = 16;
    /// @notice A holding worth at most this many basis points of NAV (and at least one whole base unit)
    /// is dust that `removeToken` may leave behind: a hundred times what a rebalance leaves unsold
    /// (RebalancePlanner.DUST_PPM), so that governance can remove a wound-down token, while a donation
    /// that blocks removal costs its donor one basis point of NAV each time, paid to the holders.
    uint256 public constant REMOVAL_DUST_BPS = 1;

    /// @notice The vault's configuration at deployment.
    struct InitialConfig {
        IPriceOracle oracle;
        address router;
        address governor;
        address guardian;
        address keeper;
        address[] tokens;
        uint16[] targetsBps;
        bytes[] swapPaths;
        IRebalancingVault.Parameters parameters;
        uint256 depositCap;
    }

    // ================================================================== deployment

    /// @notice Lists the base asset and the configured tokens, sets targets, every parameter and the
    /// oracle, each checked as governance's own changes are.
    function init(VaultState storage s, address base, InitialConfig memory config, address factory) external {
        uint256 n = config.tokens.length;
        if (config.targetsBps.length != n) revert IRebalancingVault.VaultLengthMismatch(n, config.targetsBps.length);
        if (config.swapPaths.length != n) revert IRebalancingVault.VaultLengthMismatch(n, config.swapPaths.length);
        _addHolding(s, base, "", factory);
        bool hasBase;
        for (uint256 i; i < n; ++i) {
            if (config.tokens[i] == base) {
                if (hasBase) revert IRebalancingVault.VaultDuplicateToken(base);
                hasBase = true;
            } else {
                _addHolding(s, config.tokens[i], config.swapPaths[i], factory);
            }
        }
        if (!hasBase) revert IRebalancingVault.VaultBaseNotInBasket(base);
        setTargets(s, config.tokens, config.targetsBps);
        // Fees and keeper pay start off; governance turns them on through the timelock, in the open.
        for (uint256 p; p <= uint256(IRebalancingVault.Parameter.ResidualDriftBps); ++p) {
            setParameter(s, p, _parameterValue(config.parameters, config.depositCap, IRebalancingVault.Parameter(p)));
        }
        s.fees.recipient = config.governor;
        s.fees.lastAccrualAt = uint64(block.timestamp);
        // Auctions start off (slices only), with terms ready for governance to switch them on: open 2%
        // above the reference, fall to 1% below it over an hour.
        s.auctions = IRebalancingVault.AuctionSettings({
            premiumBps: 200,
            maxDiscountBps: 100,
            durationSeconds: 1 hours
        });
        setOracle(s, config.oracle, 0);
        setGuardian(s, config.guardian);
    }

    // ================================================================== the basket

    /// @notice See {IRebalancingVault-addToken}.
    function addToken(VaultState storage s, address token, bytes memory path, address factory)
        external
    {
        uint8 decimals = _addHolding(s, token, path, factory);
        // The oracle must be able to value the token before anyone can hold it.
        s.oracle.quote(token, 10 ** decimals);
    }

    /// @notice See {IRebalancingVault-removeToken}.
    function removeToken(VaultState storage s, address token) external {
        (uint256 index, Holding memory h) = _zeroTarget(s, token);
        uint256 balance = Valuation.held(s, h);
        uint256 value = balance == 0 ? 0 : s.oracle.quote(token, balance);
        uint256 maxDust = _maxDust(s);
        if (value > maxDust) revert IRebalancingVault.VaultHoldingNotDust(token, value, maxDust);
        _delist(s, index);
        emit IRebalancingVault.TokenRemoved(token, balance);
    }

    /// @notice See {IRebalancingVault-writeOffToken}.
    function writeOffToken(VaultState storage s, address token) external {
        (uint256 index, Holding memory h) = _zeroTarget(s, token);
        uint256 balance = Valuation.held(s, h);
        uint256 value;
        if (balance != 0) {
            // Written off because it may not be priceable: its value is reported when it is, 0 otherwise.
            try s.oracle.quote(token, balance) returns (uint256 v) {
                value = v;
            } catch {}
        }
        _delist(s, index);
        emit IRebalancingVault.TokenWrittenOff(token, balance, value);
    }

    /// @notice See {IRebalancingVault-sweep}.
    function sweep(VaultState storage s, address token, address to) external returns (uint256 amount) {
        if (to == address(0)) revert IRebalancingVault.VaultZeroAddress();
        if (s.indexPlusOne[token] != 0) revert IRebalancingVault.VaultListedToken(token);
        amount = Valuation.heldOf(s, token);
        if (amount == 0) revert IRebalancingVault.VaultZeroAmount();
        IERC20(token).safeTransfer(to, amount);
        emit IRebalancingVault.Swept(token, to, amount);
    }

    /// @notice See {IRebalancingVault-setSwapPath}.
    function setSwapPath(VaultState storage s, address token, bytes memory path, address factory) external {
        if (_indexOf(s, token) == 0) revert IRebalancingVault.VaultBaseAsset(token);
        _checkSwapPath(s, token, path, factory);
        emit IRebalancingVault.SwapPathSet(token, s.swapPaths[token], path);
        s.swapPaths[token] = path;
        s.holdings[_indexOf(s, token)].directFee = _directFee(path);
    }

    /// @notice See {IRebalancingVault-setPairPath}.
    function setPairPath(VaultState storage s, address tokenA, address tokenB, bytes memory path, address factory)
        external
    {
        uint256 a = _indexOf(s, tokenA);
        uint256 b = _indexOf(s, tokenB);
        if (a == 0 || b == 0 || a == b) revert IRebalancingVault.VaultBadPairPath(tokenA, tokenB, path);
        if (path.length != 0 && !_leadsThroughPools(factory, path, tokenA, tokenB)) {
            revert IRebalancingVault.VaultBadPairPath(tokenA, tokenB, path);
        }
        _setPairPath(s, tokenA, tokenB, path);
        _rebuildPairMasks(s);
    }

    /// @notice See {IRebalancingVault-setTargets}.
    function setTargets(VaultState storage s, address[] memory tokens, uint16[] memory targetsBps) public {
        uint256 n = s.holdings.length;
        if (tokens.length != n) revert IRebalancingVault.VaultLengthMismatch(n, tokens.length);
        if (targetsBps.length != n) revert IRebalancingVault.VaultLengthMismatch(n, targetsBps.length);
        uint256 sum = BasketMath.sum(targetsBps);
        if (sum != BasketMath.BPS) revert IRebalancingVault.VaultTargetsSum(sum);
        uint16[] memory old = Valuation.targets(s);
        // Every basket token exactly once: n distinct listed tokens cover the basket.
        uint256 seen;
        for (uint256 i; i < n; ++i) {
            uint256 index = _indexOf(s, tokens[i]);
            if (seen & (1 << index) != 0) revert IRebalancingVault.VaultDuplicateToken(tokens[i]);
            seen |= 1 << index;
            s.holdings[index].targetBps = targetsBps[i];
        }
        emit IRebalancingVault.TargetsSet(Valuation.tokens(s), old, Valuation.targets(s));
    }

    /// @notice What the basket holds and how it stands against its targets, for the vault's views: every
    /// token (base asset first), its holding, its reference value, its weight (basis points of NAV), and
    /// drift. Reverts with the oracle's own error when it cannot price a holding.
    function basket(VaultState storage s)
        external
        view
        returns (
            address[] memory tokens,
            uint256[] memory balances,
            uint256[] memory values,
            uint256[] memory weightsBps,
            uint256 drift
        )
    {
        uint256 nav;
        uint16[] memory targetsBps;
        (, balances, values, nav, targetsBps) = Valuation.values(s, true);
        tokens = Valuation.tokens(s);
        weightsBps = BasketMath.weightsBps(values, nav);
        drift = BasketMath.driftBps(values, targetsBps, nav);
    }

    /// @notice See {IRebalancingVault-targets}.
    function targets(VaultState storage s) external view returns (address[] memory, uint16[] memory) {
        return (Valuation.tokens(s), Valuation.targets(s));
    }

    // ================================================================== parameters and roles

    /// @notice See {IRebalancingVault-setParameter}. `index` is the `Parameter`'s number: an enum in an
    /// external library function's ABI is a type name that ABI tools cannot read.
    function setParameter(VaultState storage s, uint256 index, uint256 value) public {
        IRebalancingVault.Parameter parameter = IRebalancingVault.Parameter(index);
        (uint256 min, uint256 max) = parameterBounds(index);
        if (value < min || value > max) revert IRebalancingVault.VaultParameterOutOfBounds(parameter, value, min, max);
        if (index > uint256(IRebalancingVault.Parameter.ResidualDriftBps)) return _setFeeParameter(s, parameter, value);
        uint256 old = _parameterValue(s.params, s.depositCap, parameter);
        // The bounds above fit every field's width, so the casts below cannot truncate.
        IRebalancingVault.Parameters storage p = s.params;
        if (parameter == IRebalancingVault.Parameter.DriftThresholdBps) p.driftThresholdBps = uint16(value);
        else if (parameter == IRebalancingVault.Parameter.MinDriftBps) p.minDriftBps = uint16(value);
        else if (parameter == IRebalancingVault.Parameter.RebalanceIntervalSeconds) {
            p.rebalanceIntervalSeconds = uint32(value);
        }
        else if (parameter == IRebalancingVault.Parameter.CooldownSeconds) p.cooldownSeconds = uint32(value);
        else if (parameter == IRebalancingVault.Parameter.MaxSlippageBps) p.maxSlippageBps = uint16(value);
        else if (parameter == IRebalancingVault.Parameter.MaxTradeBps) p.maxTradeBps = uint16(value);
        else if (parameter == IRebalancingVault.Parameter.MaxSpotDeviationBps) p.maxSpotDeviationBps = uint16(value);
        else if (parameter == IRebalancingVault.Parameter.PauseSeconds) p.pauseSeconds = uint32(value);
        else if (parameter == IRebalancingVault.Parameter.ResidualDriftBps) p.residualDriftBps = uint16(value);
        else s.depositCap = value;
        emit IRebalancingVault.ParameterSet(parameter, old, value);
    }

    /// @notice See {IRebalancingVault-parameter}; `index` as for `setParameter`.
    function parameterValue(VaultState storage s, uint256 index) external view returns (uint256) {
        IRebalancingVault.Parameter parameter = IRebalancingVault.Parameter(index);
        if (index <= uint256(IRebalancingVault.Parameter.ResidualDriftBps)) {
            return _parameterValue(s.params, s.depositCap, parameter);
        }
        IRebalancingVault.Fees memory f = s.fees;
        IRebalancingVault.KeeperPay memory k = s.keeperPay;
        IRebalancingVault.TriggerSettings memory v = s.triggers;
        IRebalancingVault.AuctionSettings memory a = s.auctions;
        uint256[16] memory values = [
            uint256(f.managementFeeBps),
            f.performanceFeeBps,
            k.baseFeeCapGwei,
            k.tipBps,
            k.maxGas,
            k.maxGasPerDay,
            v.referenceBps,
            v.minThresholdBps,
            v.maxThresholdBps,
            v.intervalSeconds,
            v.intervals,
            v.executionMode,
            a.premiumBps,
            a.maxDiscountBps,
            a.durationSeconds,
            v.residualCeilingBps
        ];
        return values[index - uint256(IRebalancingVault.Parameter.ManagementFeeBps)];
    }

    /// @notice See {IRebalancingVault-parameterBounds}; `index` as for `setParameter`.
    function parameterBounds(uint256 index) public pure returns (uint256 min, uint256 max) {
        IRebalancingVault.Parameter parameter = IRebalancingVault.Parameter(index);
        if (parameter == IRebalancingVault.Parameter.DriftThresholdBps) return (0, 5_000);
        if (parameter == IRebalancingVault.Parameter.MinDriftBps) return (1, 5_000);
        if (parameter == IRebalancingVault.Parameter.RebalanceIntervalSeconds) return (0, 365 days);
        if (parameter == IRebalancingVault.Parameter.CooldownSeconds) return (1 minutes, 7 days);
        if (parameter == IRebalancingVault.Parameter.MaxSlippageBps) return (1, 500);
        if (parameter == IRebalancingVault.Parameter.MaxTradeBps) return (10, 10_000);
        if (parameter == IRebalancingVault.Parameter.MaxSpotDeviationBps) return (10, 2_000);
        if (parameter == IRebalancingVault.Parameter.PauseSeconds) return (1 hours, 14 days);
        if (parameter == IRebalancingVault.Parameter.ResidualDriftBps) return (0, 2_500);
        if (parameter == IRebalancingVault.Parameter.ManagementFeeBps) return (0, 500);
        if (parameter == IRebalancingVault.Parameter.PerformanceFeeBps) return (0, 3_000);
        if (parameter == IRebalancingVault.Parameter.KeeperBaseFeeCapGwei) return (0, 1_000);
        if (parameter == IRebalancingVault.Parameter.KeeperTipBps) return (0, 5_000);
        if (parameter == IRebalancingVault.Parameter.KeeperMaxGas) return (0, 15_000_000);
        if (parameter == IRebalancingVault.Parameter.KeeperMaxGasPerDay) return (0, 150_000_000);
        if (parameter == IRebalancingVault.Parameter.VolReferenceBps) return (0, 50_000);
        if (parameter == IRebalancingVault.Parameter.VolMinThresholdBps) return (0, 5_000);
        if (parameter == IRebalancingVault.Parameter.VolMaxThresholdBps) return (0, 5_000);
        if (parameter == IRebalancingVault.Parameter.VolIntervalSeconds) return (0, 1 days);
        if (parameter == IRebalancingVault.Parameter.VolIntervals) return (0, 24);
        if (parameter == IRebalancingVault.Parameter.ExecutionMode) return (0, 2);
        if (parameter == IRebalancingVault.Parameter.AuctionPremiumBps) return (0, 1_000);
        if (parameter == IRebalancingVault.Parameter.AuctionMaxDiscountBps) return (0, 500);
        if (parameter == IRebalancingVault.Parameter.AuctionDurationSeconds) return (5 minutes, 1 days);
        if (parameter == IRebalancingVault.Parameter.ResidualCeilingBps) return (0, 5_000);
        return (0, type(uint256).max); // DepositCap
    }

    /// @notice See {IRebalancingVault-setFeeRecipient}. The vault accrues what is due first.
    function setFeeRecipient(VaultState storage s, address newRecipient) external {
        if (newRecipient == address(0)) revert IRebalancingVault.VaultZeroAddress();
        // Shares minted to the vault itself could never be redeemed by anyone.
        if (newRecipient == address(this)) revert IRebalancingVault.VaultBadFeeRecipient(newRecipient);
        emit IRebalancingVault.FeeRecipientSet(s.fees.recipient, newRecipient);
        s.fees.recipient = newRecipient;
    }

    /// @notice See {IRebalancingVault-setOracle}. The vault accrued the fees due on the old oracle's prices
    /// first; the mark then rises to the share price at the new oracle's (`supplyV` shares, virtual ones
    /// included), so that the change of source is never charged as a gain.
    function setOracle(VaultState storage s, IPriceOracle newOracle, uint256 supplyV) public {
        if (address(newOracle) == address(0)) revert IRebalancingVault.VaultZeroAddress();
        address base = s.holdings[0].token;
        address oracleBase = newOracle.BASE();
        if (oracleBase != base) revert IRebalancingVault.VaultOracleBaseMismatch(base, oracleBase);
        // The new oracle must price every holding now; its own error says which cannot.
        for (uint256 i = 1; i < s.holdings.length; ++i) {
            Holding memory h = s.holdings[i];
            newOracle.quote(h.token, 10 ** h.decimals);
        }
        emit IRebalancingVault.OracleSet(address(s.oracle), address(newOracle));
        s.oracle = newOracle;
        // At deployment (supplyV 0) the vault sets the mark itself.
        (bool ok, uint256 low,) = supplyV == 0 ? (false, 0, 0) : Valuation.bounds(s, false);
        if (ok) {
            uint256 price = FeeMath.sharePrice(low, supplyV);
            if (price > s.highWaterMark) s.highWaterMark = price;
        }
    }

    /// @notice See {IRebalancingVault-setGuardian}.
    function setGuardian(VaultState storage s, address newGuardian) public {
        emit IRebalancingVault.GuardianSet(s.guardian, newGuardian);
        s.guardian = newGuardian;
    }

    // ================================================================== the guardian's veto

    /// @notice See {IRebalancingVault-cancel}; the vault checked the caller is the guardian. `args` are
    /// the call's arguments as the guardian encoded them.
    function cancel(bytes calldata args) external {
        (address timelock, address target, uint256 value, bytes memory data, bytes32 predecessor, bytes32 salt) =
            abi.decode(args, (address, address, uint256, bytes, bytes32, bytes32));
        if (_replacesGuardian(data)) revert IRebalancingVault.VaultGuardianReplacementNotCancellable();
        TimelockController t = _governor(timelock);
        t.cancel(t.hashOperation(target, value, data, predecessor, salt));
    }

    /// @notice See {IRebalancingVault-cancelBatch}; as `cancel`.
    function cancelBatch(bytes calldata args) external {
        (
            address timelock,
            address[] memory callTargets,
            uint256[] memory values,
            bytes[] memory payloads,
            bytes32 predecessor,
            bytes32 salt
        ) = abi.decode(args, (address, address[], uint256[], bytes[], bytes32, bytes32));
        // A batch that only replaces the guardian is that change; one that bundles it with anything
        // else stays cancellable, so that bundling cannot shield another change from the veto.
        if (callTargets.length == 1 && payloads.length == 1 && _replacesGuardian(payloads[0])) {
            revert IRebalancingVault.VaultGuardianReplacementNotCancellable();
        }
        TimelockController t = _governor(timelock);
        t.cancel(t.hashOperationBatch(callTargets, values, payloads, predecessor, salt));
    }

    // ================================================================== internal

    /// @dev Whether an operation's call replaces a guardian: `setGuardian` on any target, not only this
    /// vault, since the canceller role is the timelock's: with one timelock governing two vaults, neither
    /// vault's guardian may veto the other's replacement.
    function _replacesGuardian(bytes memory data) private pure returns (bool) {
        return data.length >= 4 && bytes4(data) == IRebalancingVault.setGuardian.selector;
    }

    /// @dev `timelock`, which must hold the vault's governor role.
    function _governor(address timelock) private view returns (TimelockController) {
        if (!IAccessControl(address(this)).hasRole(keccak256("GOVERNOR_ROLE"), timelock)) {
            revert IRebalancingVault.VaultNotGovernor(timelock);
        }
        return TimelockController(payable(timelock));
    }

    function _indexOf(VaultState storage s, address token) private view returns (uint256) {
        uint256 i = s.indexPlusOne[token];
        if (i == 0) revert IRebalancingVault.VaultUnknownToken(token);
        return i - 1;
    }

    /// @dev A listed token other than the base asset, whose target is zero: its index and holding.
    function _zeroTarget(VaultState storage s, address token) private view returns (uint256 index, Holding memory h) {
        index = _indexOf(s, token);
        if (index == 0) revert IRebalancingVault.VaultBaseAsset(token);
        h = s.holdings[index];
        if (h.targetBps != 0) revert IRebalancingVault.VaultTargetNotZero(token, h.targetBps);
    }

    /// @dev REMOVAL_DUST_BPS of NAV, and at least one whole base unit; one whole unit while the basket
    /// cannot be valued.
    function _maxDust(VaultState storage s) private view returns (uint256) {
        uint256 unit = 10 ** s.holdings[0].decimals;
        (bool ok,,, uint256 nav,) = Valuation.values(s, false);
        return ok ? Math.max(unit, Math.mulDiv(nav, REMOVAL_DUST_BPS, BasketMath.BPS)) : unit;
    }

    /// @dev Adds `token` to the basket with a target of zero. Returns its decimals.
    function _addHolding(VaultState storage s, address token, bytes memory path, address factory)
        private
        returns (uint8 decimals)
    {
        if (token == address(0)) revert IRebalancingVault.VaultZeroAddress();
        if (s.indexPlusOne[token] != 0) revert IRebalancingVault.VaultDuplicateToken(token);
        uint256 count = s.holdings.length;
        if (count == MAX_TOKENS) revert IRebalancingVault.VaultTooManyTokens(count + 1, MAX_TOKENS);
        try IERC20Metadata(token).decimals() returns (uint8 d) {
            if (d > 36) revert IRebalancingVault.VaultBadToken(token);
            decimals = d;
        } catch {
            revert IRebalancingVault.VaultBadToken(token);
        }
        // The base asset is listed first and needs no path.
        if (s.holdings.length != 0) {
            _checkSwapPath(s, token, path, factory);
            s.swapPaths[token] = path;
        }
        s.holdings.push(Holding(token, 0, 0, decimals, _directFee(path)));
        s.indexPlusOne[token] = s.holdings.length;
        emit IRebalancingVault.TokenAdded(token, path);
    }

    /// @dev The fee tier of `path`'s pool when it is one hop (to the base asset, as every swap path ends), else
    /// 0: what `Holding.directFee` keeps beside the stored path (none for the base asset).
    function _directFee(bytes memory path) private pure returns (uint24 fee) {
        if (path.length != 0 && path.hops() == 1) (, fee,) = path.hop(0);
    }

    /// @dev Removes the holding at `index` (not the base asset): its routes and its path.
    function _delist(VaultState storage s, uint256 index) private {
        address token = s.holdings[index].token;
        uint256 last = s.holdings.length - 1;
        for (uint256 j = 1; j <= last; ++j) {
            address other = s.holdings[j].token;
            if (s.pairPaths[token][other].length != 0) _setPairPath(s, token, other, "");
        }
        Holding memory moved = s.holdings[last];
        s.holdings[index] = moved;
        s.indexPlusOne[moved.token] = index + 1;
        s.holdings.pop();
        delete s.indexPlusOne[token];
        delete s.swapPaths[token];
        // The moved holding changed index: every route bit that named it must follow.
        _rebuildPairMasks(s);
    }

    /// @dev A path must run from `token` to the base asset through pools that exist.
    function _checkSwapPath(VaultState storage s, address token, bytes memory path, address factory) private view {
        if (!_leadsThroughPools(factory, path, token, s.holdings[0].token)) {
            revert IRebalancingVault.VaultBadSwapPath(token, path);
        }
    }

    /// @dev Whether `path` is well formed, leads from `from` to `to`, and every pool on it exists where
    /// its address says (the vault finds pools by address when it sizes and checks trades). Reverts for a
    /// pool that keeps fewer than two observations.
    function _leadsThroughPools(address factory, bytes memory path, address from, address to)
        private
        view
        returns (bool)
    {
        if (!path.isWellFormed() || path.first() != from || path.last() != to) return false;
        uint256 n = path.hops();
        for (uint256 i; i < n; ++i) {
            (address tokenIn, uint24 fee, address tokenOut) = path.hop(i);
            address pool = IUniswapV3Factory(factory).getPool(tokenIn, tokenOut, fee);
            if (pool == address(0) || pool != SwapPath.pool(factory, tokenIn, tokenOut, fee)) return false;
            // A rebalance reads the price each traded pool opened the block at from its two newest
            // observations: a pool that keeps one loses it to any swap earlier in the block.
            (,,, uint16 cardinality,,,) = IUniswapV3Pool(pool).slot0();
            if (cardinality < 2) revert IRebalancingVault.VaultPoolWithoutHistory(pool, cardinality);
        }
        return true;
    }

    /// @dev Stores a direct route both ways (an empty path deletes both) and emits PairPathSet. The
    /// caller rebuilds the masks.
    function _setPairPath(VaultState storage s, address tokenA, address tokenB, bytes memory path) private {
        emit IRebalancingVault.PairPathSet(tokenA, tokenB, s.pairPaths[tokenA][tokenB], path);
        if (path.length == 0) {
            delete s.pairPaths[tokenA][tokenB];
            delete s.pairPaths[tokenB][tokenA];
        } else {
            s.pairPaths[tokenA][tokenB] = path;
            s.pairPaths[tokenB][tokenA] = path.reverse();
        }
    }

    /// @dev Recomputes every holding's `pairMask` from the stored routes (n^2 reads: governance only).
    /// Masks are derived state: PairPathSet and the basket's events say everything they encode.
    function _rebuildPairMasks(VaultState storage s) private {
        uint256 n = s.holdings.length;
        for (uint256 i = 1; i < n; ++i) {
            address token = s.holdings[i].token;
            uint16 mask;
            for (uint256 j = 1; j < n; ++j) {
                if (j != i && s.pairPaths[token][s.holdings[j].token].length != 0) mask |= uint16(1 << j);
            }
            s.holdings[i].pairMask = mask;
        }
    }

    /// @dev Fees (the vault accrues at the old rates first), keeper pay, the volatility-scaled threshold,
    /// the auctions and the return point's ceiling, within bounds checked.
    function _setFeeParameter(VaultState storage s, IRebalancingVault.Parameter parameter, uint256 value) private {
        IRebalancingVault.Fees storage f = s.fees;
        IRebalancingVault.KeeperPay storage k = s.keeperPay;
        IRebalancingVault.TriggerSettings storage v = s.triggers;
        uint256 old;
        if (parameter == IRebalancingVault.Parameter.ManagementFeeBps) {
            (old, f.managementFeeBps) = (f.managementFeeBps, uint16(value));
        } else if (parameter == IRebalancingVault.Parameter.PerformanceFeeBps) {
            (old, f.performanceFeeBps) = (f.performanceFeeBps, uint16(value));
        } else if (parameter == IRebalancingVault.Parameter.KeeperBaseFeeCapGwei) {
            (old, k.baseFeeCapGwei) = (k.baseFeeCapGwei, uint32(value));
        } else if (parameter == IRebalancingVault.Parameter.KeeperTipBps) {
            (old, k.tipBps) = (k.tipBps, uint16(value));
        } else if (parameter == IRebalancingVault.Parameter.KeeperMaxGas) {
            (old, k.maxGas) = (k.maxGas, uint32(value));
        } else if (parameter == IRebalancingVault.Parameter.KeeperMaxGasPerDay) {
            (old, k.maxGasPerDay) = (k.maxGasPerDay, uint32(value));
        } else if (parameter == IRebalancingVault.Parameter.VolReferenceBps) {
            (old, v.referenceBps) = (v.referenceBps, uint16(value));
        } else if (parameter == IRebalancingVault.Parameter.VolMinThresholdBps) {
            (old, v.minThresholdBps) = (v.minThresholdBps, uint16(value));
        } else if (parameter == IRebalancingVault.Parameter.VolMaxThresholdBps) {
            (old, v.maxThresholdBps) = (v.maxThresholdBps, uint16(value));
        } else if (parameter == IRebalancingVault.Parameter.VolIntervalSeconds) {
            (old, v.intervalSeconds) = (v.intervalSeconds, uint32(value));
        } else if (parameter == IRebalancingVault.Parameter.VolIntervals) {
            (old, v.intervals) = (v.intervals, uint8(value));
        } else if (parameter == IRebalancingVault.Parameter.ExecutionMode) {
            (old, v.executionMode) = (v.executionMode, uint8(value));
        } else if (parameter == IRebalancingVault.Parameter.AuctionPremiumBps) {
            (old, s.auctions.premiumBps) = (s.auctions.premiumBps, uint16(value));
        } else if (parameter == IRebalancingVault.Parameter.AuctionMaxDiscountBps) {
            (old, s.auctions.maxDiscountBps) = (s.auctions.maxDiscountBps, uint16(value));
        } else if (parameter == IRebalancingVault.Parameter.AuctionDurationSeconds) {
            (old, s.auctions.durationSeconds) = (s.auctions.durationSeconds, uint32(value));
        } else {
            (old, v.residualCeilingBps) = (v.residualCeilingBps, uint16(value));
        }
        _setSwitches(s, f, k, v);
        emit IRebalancingVault.ParameterSet(parameter, old, value);
    }

    /// @dev The switches the vault keeps beside the pause (see VaultState), from the settings as they now stand.
    function _setSwitches(
        VaultState storage s,
        IRebalancingVault.Fees storage f,
        IRebalancingVault.KeeperPay storage k,
        IRebalancingVault.TriggerSettings storage v
    ) private {
        s.feesOn = f.managementFeeBps | f.performanceFeeBps != 0;
        s.keeperPayOn = k.baseFeeCapGwei != 0;
        s.triggersOn = v.referenceBps | v.minThresholdBps | v.maxThresholdBps | v.intervalSeconds | v.intervals
            | v.executionMode | v.residualCeilingBps != 0;
    }

    function _parameterValue(IRebalancingVault.Parameters memory p, uint256 cap, IRebalancingVault.Parameter parameter)
        private
        pure
        returns (uint256)
    {
        if (parameter == IRebalancingVault.Parameter.DriftThresholdBps) return p.driftThresholdBps;
        if (parameter == IRebalancingVault.Parameter.MinDriftBps) return p.minDriftBps;
        if (parameter == IRebalancingVault.Parameter.RebalanceIntervalSeconds) return p.rebalanceIntervalSeconds;
        if (parameter == IRebalancingVault.Parameter.CooldownSeconds) return p.cooldownSeconds;
        if (parameter == IRebalancingVault.Parameter.MaxSlippageBps) return p.maxSlippageBps;
        if (parameter == IRebalancingVault.Parameter.MaxTradeBps) return p.maxTradeBps;
        if (parameter == IRebalancingVault.Parameter.MaxSpotDeviationBps) return p.maxSpotDeviationBps;
        if (parameter == IRebalancingVault.Parameter.PauseSeconds) return p.pauseSeconds;
        if (parameter == IRebalancingVault.Parameter.ResidualDriftBps) return p.residualDriftBps;
        return cap;
    }
}
