// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";

import {IPriceOracle} from "./interfaces/IPriceOracle.sol";
import {IRebalancingVault} from "./interfaces/IRebalancingVault.sol";
import {BasketMath} from "./libraries/BasketMath.sol";
import {RebalanceLogic} from "./libraries/RebalanceLogic.sol";
import {Holding} from "./types/Holding.sol";

/// @dev The part of SwapRouter the vault reads at construction.
interface IPeripheryImmutableState {
    function factory() external view returns (address);
}

/// @title RebalancingVault
/// @notice See {IRebalancingVault}. Sections by caller: depositors, keepers, governance, guardian,
/// views, then the internals: valuation, rebalancing, configuration.
/// @dev Accounting reads balances (`balanceOf`), never an internal ledger, so a token that rebases or
/// a donation changes NAV for every holder alike and cannot desynchronise anything. Deposits are
/// priced at the higher of the oracle's two values of each holding and exits at the lower, so that
/// neither a manipulated spot price nor a lagging TWAP lets anyone enter cheap or leave rich at other
/// holders' expense.
contract RebalancingVault is IRebalancingVault, ERC4626, AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE");

    uint256 public constant MAX_TOKENS = 16;
    /// @dev Virtual shares: 10^6 shares per base unit before the first deposit. Makes the donation
    /// ("inflation") attack cost the attacker about a million times what it steals.
    uint8 private constant _DECIMALS_OFFSET = 6;

    /// @dev Which of the oracle's values prices a valuation.
    enum Pricing {
        Mid,
        Low,
        High
    }

    address public immutable ROUTER;
    IUniswapV3Factory public immutable FACTORY;

    /// @dev Base asset at index 0, always.
    Holding[] private _basket;
    mapping(address token => uint256) private _indexPlusOne;
    mapping(address token => bytes) private _swapPaths;
    mapping(address tokenIn => mapping(address tokenOut => bytes)) private _pairPaths;
    Parameters private _params;
    uint256 private _depositCap;
    IPriceOracle private _oracle;

    struct InitialConfig {
        IPriceOracle oracle;
        address router;
        address governor;
        address guardian;
        address keeper;
        address[] tokens;
        uint16[] targetsBps;
        bytes[] swapPaths;
        Parameters parameters;
        uint256 depositCap;
    }

    constructor(IERC20Metadata baseAsset, string memory name_, string memory symbol_, InitialConfig memory config)
        ERC20(name_, symbol_)
        ERC4626(baseAsset)
    {
        if (config.router == address(0) || config.governor == address(0)) revert VaultZeroAddress();
        ROUTER = config.router;
        FACTORY = IUniswapV3Factory(IPeripheryImmutableState(config.router).factory());
        _grantRole(DEFAULT_ADMIN_ROLE, config.governor);
        _grantRole(GOVERNOR_ROLE, config.governor);
        if (config.guardian != address(0)) _grantRole(GUARDIAN_ROLE, config.guardian);
        if (config.keeper != address(0)) _grantRole(KEEPER_ROLE, config.keeper);

        uint256 n = config.tokens.length;
        if (config.targetsBps.length != n) revert VaultLengthMismatch(n, config.targetsBps.length);
        if (config.swapPaths.length != n) revert VaultLengthMismatch(n, config.swapPaths.length);
        _list(address(baseAsset), "");
        bool hasBase;
        for (uint256 i; i < n; ++i) {
            if (config.tokens[i] == address(baseAsset)) {
                if (hasBase) revert VaultDuplicateToken(address(baseAsset));
                hasBase = true;
            } else {
                _list(config.tokens[i], config.swapPaths[i]);
            }
        }
        if (!hasBase) revert VaultBaseNotInBasket(address(baseAsset));
        _setTargets(config.tokens, config.targetsBps);

        for (uint256 p; p <= uint256(type(Parameter).max); ++p) {
            _setParameter(Parameter(p), _parameterValue(config.parameters, config.depositCap, Parameter(p)));
        }
        _setOracle(config.oracle);
    }

    // ================================================================== depositors

    /// @inheritdoc ERC4626
    function deposit(uint256 assets, address receiver)
        public
        override
        nonReentrant
        whenNotPaused
        returns (uint256 shares)
    {
        if (assets == 0) revert VaultZeroAmount();
        uint256 nav = _nav(Pricing.High);
        uint256 max = _maxDepositAt(nav);
        if (assets > max) revert ERC4626ExceededMaxDeposit(receiver, assets, max);
        shares = _toShares(assets, nav, Math.Rounding.Floor);
        if (shares == 0) revert VaultZeroAmount();
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc ERC4626
    function mint(uint256 shares, address receiver)
        public
        override
        nonReentrant
        whenNotPaused
        returns (uint256 assets)
    {
        if (shares == 0) revert VaultZeroAmount();
        uint256 nav = _nav(Pricing.High);
        uint256 max = _maxMintAt(nav);
        if (shares > max) revert ERC4626ExceededMaxMint(receiver, shares, max);
        assets = _toAssets(shares, nav, Math.Rounding.Ceil);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc ERC4626
    /// @dev Paid from the idle base asset only, never by swapping: a standard exit can't be
    /// sandwiched and doesn't move the other holdings. Larger exits use {redeemInKind}.
    function withdraw(uint256 assets, address receiver, address owner)
        public
        override
        nonReentrant
        returns (uint256 shares)
    {
        if (assets == 0) revert VaultZeroAmount();
        uint256 nav = _nav(Pricing.Low);
        uint256 max = _maxWithdrawAt(owner, nav);
        if (assets > max) revert ERC4626ExceededMaxWithdraw(owner, assets, max);
        shares = _toShares(assets, nav, Math.Rounding.Ceil);
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @inheritdoc ERC4626
    function redeem(uint256 shares, address receiver, address owner)
        public
        override
        nonReentrant
        returns (uint256 assets)
    {
        if (shares == 0) revert VaultZeroAmount();
        uint256 nav = _nav(Pricing.Low);
        uint256 max = _maxRedeemAt(owner, nav);
        if (shares > max) revert ERC4626ExceededMaxRedeem(owner, shares, max);
        assets = _toAssets(shares, nav, Math.Rounding.Floor);
        if (assets == 0) revert VaultZeroAmount();
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @inheritdoc IRebalancingVault
    function redeemInKind(uint256 shares, address receiver, address owner)
        external
        nonReentrant
        returns (uint256[] memory amounts)
    {
        if (shares == 0) revert VaultZeroAmount();
        if (receiver == address(0)) revert VaultZeroAddress();
        address caller = _msgSender();
        if (caller != owner) _spendAllowance(owner, caller, shares);

        // The virtual shares own their slice too, so that rounding never favours the exiter.
        uint256 supply = totalSupply() + 10 ** _DECIMALS_OFFSET;
        address[] memory tokens = _tokens();
        uint256 n = tokens.length;
        amounts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            amounts[i] = Math.mulDiv(IERC20(tokens[i]).balanceOf(address(this)), shares, supply);
        }
        // Burn before paying, so that a token's transfer hook sees the post-exit state.
        _burn(owner, shares);
        for (uint256 i; i < n; ++i) {
            if (amounts[i] != 0) IERC20(tokens[i]).safeTransfer(receiver, amounts[i]);
        }
        emit RedeemedInKind(caller, receiver, owner, shares, tokens, amounts);
    }

    // ================================================================== keepers

    /// @inheritdoc IRebalancingVault
    function rebalance() external returns (Trade[] memory trades) {
        return _rebalance();
    }

    /// @inheritdoc IRebalancingVault
    function performUpkeep(bytes calldata) external {
        _rebalance();
    }

    /// @inheritdoc IRebalancingVault
    function rebalanceStatus() public view returns (bool due, Trigger trigger, uint256 drift, uint256 readyAt) {
        Parameters memory p = _params;
        readyAt = _readyAt(p);
        (bool ok, uint256[] memory values, uint256 nav) = _tryValues(Pricing.Mid, false);
        if (!ok) return (false, Trigger.None, 0, readyAt);
        drift = BasketMath.driftBps(values, _targets(), nav);
        trigger = RebalanceLogic.trigger(p, drift);
        due = trigger != Trigger.None && block.timestamp >= readyAt && !paused();
    }

    /// @inheritdoc IRebalancingVault
    function previewRebalance() external view nonReentrantView returns (Trade[] memory) {
        return RebalanceLogic.preview(_basket, _swapPaths, _pairPaths, _oracle, _params);
    }

    /// @inheritdoc IRebalancingVault
    function rebalanceTrigger() public view returns (bool canExec, bytes memory execPayload) {
        (bool due,,,) = rebalanceStatus();
        if (!due) return (false, "");
        // The plan reverts on a spot price too far from the oracle: then a call would revert too.
        try this.previewRebalance() returns (Trade[] memory trades) {
            if (trades.length != 0) return (true, abi.encodeCall(this.rebalance, ()));
        } catch {
            return (false, "");
        }
    }

    /// @inheritdoc IRebalancingVault
    function checkUpkeep(bytes calldata) external view returns (bool upkeepNeeded, bytes memory performData) {
        (upkeepNeeded,) = rebalanceTrigger();
        performData = "";
    }

    // ================================================================== governance

    /// @inheritdoc IRebalancingVault
    function addToken(address token, bytes calldata path) external onlyRole(GOVERNOR_ROLE) {
        _list(token, path);
        // The oracle must be able to value the token before anyone can hold it.
        _oracle.quote(token, 10 ** IERC20Metadata(token).decimals());
    }

    /// @inheritdoc IRebalancingVault
    function removeToken(address token) external onlyRole(GOVERNOR_ROLE) {
        uint256 index = _indexOf(token);
        if (index == 0) revert VaultBaseAsset(token);
        Holding memory h = _basket[index];
        if (h.targetBps != 0) revert VaultTargetNotZero(token, h.targetBps);
        uint256 balance = IERC20(token).balanceOf(address(this));
        uint256 value = balance == 0 ? 0 : _oracle.quote(token, balance);
        uint256 maxDust = 10 ** decimals() / 10 ** _DECIMALS_OFFSET; // one whole base unit
        if (value > maxDust) revert VaultHoldingNotDust(token, value, maxDust);

        for (uint256 j = 1; j < _basket.length; ++j) {
            address other = _basket[j].token;
            if (_pairPaths[token][other].length != 0) RebalanceLogic.setPairPath(_pairPaths, token, other, "");
        }
        Holding memory moved = _basket[_basket.length - 1];
        _basket[index] = moved;
        _indexPlusOne[moved.token] = index + 1;
        _basket.pop();
        delete _indexPlusOne[token];
        delete _swapPaths[token];
        // The moved holding changed index: every route bit that named it must follow.
        RebalanceLogic.rebuildPairMasks(_basket, _pairPaths);
        IERC20(token).forceApprove(ROUTER, 0);
        emit TokenRemoved(token, balance);
    }

    /// @inheritdoc IRebalancingVault
    function setSwapPath(address token, bytes calldata path) external onlyRole(GOVERNOR_ROLE) {
        if (_indexOf(token) == 0) revert VaultBaseAsset(token);
        _checkSwapPath(token, path);
        emit SwapPathSet(token, _swapPaths[token], path);
        _swapPaths[token] = path;
    }

    /// @inheritdoc IRebalancingVault
    function setPairPath(address tokenA, address tokenB, bytes calldata path) external onlyRole(GOVERNOR_ROLE) {
        uint256 a = _indexOf(tokenA);
        uint256 b = _indexOf(tokenB);
        if (a == 0 || b == 0 || a == b) revert VaultBadPairPath(tokenA, tokenB, path);
        if (path.length != 0 && !RebalanceLogic.leadsThroughPools(address(FACTORY), path, tokenA, tokenB)) {
            revert VaultBadPairPath(tokenA, tokenB, path);
        }
        RebalanceLogic.setPairPath(_pairPaths, tokenA, tokenB, path);
        RebalanceLogic.rebuildPairMasks(_basket, _pairPaths);
    }

    /// @inheritdoc IRebalancingVault
    function setTargets(address[] calldata tokens, uint16[] calldata targetsBps) external onlyRole(GOVERNOR_ROLE) {
        _setTargets(tokens, targetsBps);
    }

    /// @inheritdoc IRebalancingVault
    function setParameter(Parameter parameter, uint256 value) external onlyRole(GOVERNOR_ROLE) {
        _setParameter(parameter, value);
    }

    /// @inheritdoc IRebalancingVault
    function setOracle(IPriceOracle newOracle) external onlyRole(GOVERNOR_ROLE) {
        _setOracle(newOracle);
    }

    // ================================================================== guardian

    /// @inheritdoc IRebalancingVault
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @inheritdoc IRebalancingVault
    function unpause() external onlyRole(GUARDIAN_ROLE) {
        _unpause();
    }

    // ================================================================== ERC-4626 views

    /// @inheritdoc ERC4626
    /// @dev Oracle (TWAP) value of every holding. Reverts while a vault call is under way, so that
    /// no integrator can read a half-updated NAV from inside a token's transfer hook.
    function totalAssets() public view override nonReentrantView returns (uint256) {
        return _nav(Pricing.Mid);
    }

    /// @inheritdoc ERC4626
    /// @dev 0 while the oracle cannot price a holding, as `deposit` would revert then, whatever the cap.
    function maxDeposit(address) public view override returns (uint256) {
        (bool ok, uint256 nav) = _tryNav(Pricing.High);
        return ok ? _maxDepositAt(nav) : 0;
    }

    /// @inheritdoc ERC4626
    function maxMint(address) public view override returns (uint256) {
        (bool ok, uint256 nav) = _tryNav(Pricing.High);
        return ok ? _maxMintAt(nav) : 0;
    }

    /// @inheritdoc ERC4626
    function maxWithdraw(address owner) public view override returns (uint256) {
        (bool ok, uint256 nav) = _tryNav(Pricing.Low);
        return ok ? _maxWithdrawAt(owner, nav) : 0;
    }

    /// @inheritdoc ERC4626
    function maxRedeem(address owner) public view override returns (uint256) {
        (bool ok, uint256 nav) = _tryNav(Pricing.Low);
        return ok ? _maxRedeemAt(owner, nav) : 0;
    }

    /// @inheritdoc ERC4626
    function previewDeposit(uint256 assets) public view override nonReentrantView returns (uint256) {
        return _toShares(assets, _nav(Pricing.High), Math.Rounding.Floor);
    }

    /// @inheritdoc ERC4626
    function previewMint(uint256 shares) public view override nonReentrantView returns (uint256) {
        return _toAssets(shares, _nav(Pricing.High), Math.Rounding.Ceil);
    }

    /// @inheritdoc ERC4626
    function previewWithdraw(uint256 assets) public view override nonReentrantView returns (uint256) {
        return _toShares(assets, _nav(Pricing.Low), Math.Rounding.Ceil);
    }

    /// @inheritdoc ERC4626
    function previewRedeem(uint256 shares) public view override nonReentrantView returns (uint256) {
        return _toAssets(shares, _nav(Pricing.Low), Math.Rounding.Floor);
    }

    // ================================================================== views

    /// @inheritdoc IRebalancingVault
    function targets() external view returns (address[] memory tokens, uint16[] memory targetsBps) {
        return (_tokens(), _targets());
    }

    /// @inheritdoc IRebalancingVault
    function currentWeights() external view returns (uint256[] memory) {
        (uint256[] memory values, uint256 total) = _values(Pricing.Mid);
        return BasketMath.weightsBps(values, total);
    }

    /// @inheritdoc IRebalancingVault
    function driftBps() public view returns (uint256) {
        (uint256[] memory values, uint256 total) = _values(Pricing.Mid);
        return BasketMath.driftBps(values, _targets(), total);
    }

    /// @inheritdoc IRebalancingVault
    function holdings()
        external
        view
        returns (address[] memory tokens, uint256[] memory balances, uint256[] memory values)
    {
        tokens = _tokens();
        balances = new uint256[](tokens.length);
        for (uint256 i; i < tokens.length; ++i) {
            balances[i] = IERC20(tokens[i]).balanceOf(address(this));
        }
        (values,) = _values(Pricing.Mid);
    }

    /// @inheritdoc IRebalancingVault
    function parameters() external view returns (Parameters memory) {
        return _params;
    }

    /// @inheritdoc IRebalancingVault
    function depositCap() external view returns (uint256) {
        return _depositCap;
    }

    /// @inheritdoc IRebalancingVault
    function oracle() external view returns (IPriceOracle) {
        return _oracle;
    }

    /// @inheritdoc IRebalancingVault
    function swapPath(address token) external view returns (bytes memory) {
        return _swapPaths[token];
    }

    /// @inheritdoc IRebalancingVault
    function pairPath(address tokenIn, address tokenOut) external view returns (bytes memory) {
        return _pairPaths[tokenIn][tokenOut];
    }

    /// @inheritdoc IRebalancingVault
    function parameterBounds(Parameter parameter) public pure returns (uint256 min, uint256 max) {
        if (parameter == Parameter.DriftThresholdBps) return (0, 5_000);
        if (parameter == Parameter.MinDriftBps) return (1, 5_000);
        if (parameter == Parameter.RebalanceIntervalSeconds) return (0, 365 days);
        if (parameter == Parameter.CooldownSeconds) return (1 minutes, 7 days);
        if (parameter == Parameter.MaxSlippageBps) return (1, 500);
        if (parameter == Parameter.MaxTradeBps) return (10, 10_000);
        if (parameter == Parameter.MaxSpotDeviationBps) return (10, 2_000);
        return (0, type(uint256).max); // DepositCap
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IRebalancingVault).interfaceId || super.supportsInterface(interfaceId);
    }

    // ================================================================== internal: valuation

    function _decimalsOffset() internal pure override returns (uint8) {
        return _DECIMALS_OFFSET;
    }

    function _toShares(uint256 assets, uint256 nav, Math.Rounding rounding) private view returns (uint256) {
        return Math.mulDiv(assets, totalSupply() + 10 ** _DECIMALS_OFFSET, nav + 1, rounding);
    }

    function _toAssets(uint256 shares, uint256 nav, Math.Rounding rounding) private view returns (uint256) {
        return Math.mulDiv(shares, nav + 1, totalSupply() + 10 ** _DECIMALS_OFFSET, rounding);
    }

    function _maxDepositAt(uint256 nav) private view returns (uint256) {
        if (paused()) return 0;
        uint256 cap = _depositCap;
        if (cap == type(uint256).max) return cap;
        return nav >= cap ? 0 : cap - nav;
    }

    function _maxMintAt(uint256 nav) private view returns (uint256) {
        uint256 maxAssets = _maxDepositAt(nav);
        return maxAssets == type(uint256).max ? maxAssets : _toShares(maxAssets, nav, Math.Rounding.Floor);
    }

    /// @dev The owner's shares at the low NAV, limited by the idle base asset.
    function _maxWithdrawAt(address owner, uint256 nav) private view returns (uint256) {
        return Math.min(_toAssets(balanceOf(owner), nav, Math.Rounding.Floor), _idle());
    }

    function _maxRedeemAt(address owner, uint256 nav) private view returns (uint256) {
        return Math.min(balanceOf(owner), _toShares(_idle(), nav, Math.Rounding.Floor));
    }

    function _idle() private view returns (uint256) {
        return IERC20(asset()).balanceOf(address(this));
    }

    /// @dev NAV in base units. Reverts with the oracle's own error when it cannot price a holding.
    function _nav(Pricing pricing) private view returns (uint256 total) {
        (, total) = _values(pricing);
    }

    function _values(Pricing pricing) private view returns (uint256[] memory values, uint256 total) {
        (, values, total) = _tryValues(pricing, true);
    }

    /// @dev `_nav` for the ERC-4626 max* views, which must not revert: false when the oracle cannot
    /// price a holding.
    function _tryNav(Pricing pricing) private view returns (bool ok, uint256 total) {
        (ok,, total) = _tryValues(pricing, false);
    }

    /// @dev Value of every holding in base units at `pricing`. When the oracle fails on a holding:
    /// with `strict`, re-raises its error; without, returns `ok = false`.
    function _tryValues(Pricing pricing, bool strict)
        private
        view
        returns (bool ok, uint256[] memory values, uint256 total)
    {
        uint256 n = _basket.length;
        values = new uint256[](n);
        IPriceOracle o = _oracle;
        for (uint256 i; i < n; ++i) {
            address token = _basket[i].token;
            uint256 balance = IERC20(token).balanceOf(address(this));
            if (i == 0 || balance == 0) {
                values[i] = balance; // the base asset is worth its amount
            } else if (pricing == Pricing.Mid) {
                try o.quote(token, balance) returns (uint256 v) {
                    values[i] = v;
                } catch (bytes memory reason) {
                    _oracleFailed(strict, reason);
                    return (false, values, 0);
                }
            } else {
                try o.quoteBounds(token, balance) returns (uint256 low, uint256 high) {
                    values[i] = pricing == Pricing.Low ? low : high;
                } catch (bytes memory reason) {
                    _oracleFailed(strict, reason);
                    return (false, values, 0);
                }
            }
            total += values[i];
        }
        ok = true;
    }

    function _oracleFailed(bool strict, bytes memory reason) private pure {
        if (strict) {
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason))
            }
        }
    }

    function _tokens() private view returns (address[] memory t) {
        uint256 n = _basket.length;
        t = new address[](n);
        for (uint256 i; i < n; ++i) {
            t[i] = _basket[i].token;
        }
    }

    function _targets() private view returns (uint16[] memory t) {
        uint256 n = _basket.length;
        t = new uint16[](n);
        for (uint256 i; i < n; ++i) {
            t[i] = _basket[i].targetBps;
        }
    }

    /// @dev Transfers in, then mints. Credits only what arrived: a base asset that takes a fee on
    /// transfer is refused rather than allowed to dilute holders.
    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        IERC20 base = IERC20(asset());
        uint256 before = base.balanceOf(address(this));
        base.safeTransferFrom(caller, address(this), assets);
        uint256 received = base.balanceOf(address(this)) - before;
        if (received != assets) revert VaultTransferMismatch(address(base), assets, received);
        _mint(receiver, shares);
        emit Deposit(caller, receiver, assets, shares);
    }

    // ================================================================== internal: rebalancing

    function _rebalance() private nonReentrant whenNotPaused returns (Trade[] memory trades) {
        if (!hasRole(KEEPER_ROLE, address(0))) _checkRole(KEEPER_ROLE);
        Parameters memory p = _params;
        {
            uint256 readyAt = _readyAt(p);
            if (block.timestamp < readyAt) revert VaultCooldownActive(readyAt - block.timestamp);
        }
        RebalanceLogic.Outcome memory o;
        (trades, o) = RebalanceLogic.run(_basket, _swapPaths, _pairPaths, _oracle, ROUTER, p);
        _params.lastRebalanceAt = uint64(block.timestamp);
        emit Rebalanced(
            _msgSender(), o.trigger, o.navBefore, o.navAfter, o.driftBeforeBps, o.driftAfterBps, trades.length
        );
    }

    /// @dev When the cooldown since the last rebalance ends.
    function _readyAt(Parameters memory p) private pure returns (uint256) {
        return uint256(p.lastRebalanceAt) + p.cooldownSeconds;
    }

    // ================================================================== internal: configuration

    function _indexOf(address token) private view returns (uint256) {
        uint256 i = _indexPlusOne[token];
        if (i == 0) revert VaultUnknownToken(token);
        return i - 1;
    }

    function _list(address token, bytes memory path) private {
        if (token == address(0)) revert VaultZeroAddress();
        if (_indexPlusOne[token] != 0) revert VaultDuplicateToken(token);
        if (_basket.length == MAX_TOKENS) revert VaultTooManyTokens(_basket.length + 1, MAX_TOKENS);
        uint8 decimals_;
        try IERC20Metadata(token).decimals() returns (uint8 d) {
            if (d > 36) revert VaultBadToken(token);
            decimals_ = d;
        } catch {
            revert VaultBadToken(token);
        }
        if (token != asset()) {
            _checkSwapPath(token, path);
            _swapPaths[token] = path;
        }
        _basket.push(Holding(token, 0, 0, decimals_));
        _indexPlusOne[token] = _basket.length;
        // The router is the genuine, immutable SwapRouter: it pulls tokens only from the account that
        // calls it, within that call. One approval at listing saves one per swap.
        IERC20(token).forceApprove(ROUTER, type(uint256).max);
        emit TokenAdded(token, path);
    }

    /// @dev A path must run from `token` to the base asset through pools that exist.
    function _checkSwapPath(address token, bytes memory path) private view {
        if (!RebalanceLogic.leadsThroughPools(address(FACTORY), path, token, asset())) {
            revert VaultBadSwapPath(token, path);
        }
    }

    function _setTargets(address[] memory tokens, uint16[] memory targetsBps) private {
        uint256 n = _basket.length;
        if (tokens.length != n) revert VaultLengthMismatch(n, tokens.length);
        if (targetsBps.length != n) revert VaultLengthMismatch(n, targetsBps.length);
        BasketMath.checkWeights(targetsBps);
        uint16[] memory old = _targets();
        // Every basket token exactly once: n distinct listed tokens cover the basket.
        uint256 seen;
        for (uint256 i; i < n; ++i) {
            uint256 index = _indexOf(tokens[i]);
            if (seen & (1 << index) != 0) revert VaultDuplicateToken(tokens[i]);
            seen |= 1 << index;
            _basket[index].targetBps = targetsBps[i];
        }
        emit TargetsSet(_tokens(), old, _targets());
    }

    function _setParameter(Parameter parameter, uint256 value) private {
        (uint256 min, uint256 max) = parameterBounds(parameter);
        if (value < min || value > max) revert VaultParameterOutOfBounds(parameter, value, min, max);
        uint256 old = _parameterValue(_params, _depositCap, parameter);
        // Bounds above fit every field's width, so the casts below cannot truncate.
        Parameters storage p = _params;
        if (parameter == Parameter.DriftThresholdBps) p.driftThresholdBps = uint16(value);
        else if (parameter == Parameter.MinDriftBps) p.minDriftBps = uint16(value);
        else if (parameter == Parameter.RebalanceIntervalSeconds) p.rebalanceIntervalSeconds = uint32(value);
        else if (parameter == Parameter.CooldownSeconds) p.cooldownSeconds = uint32(value);
        else if (parameter == Parameter.MaxSlippageBps) p.maxSlippageBps = uint16(value);
        else if (parameter == Parameter.MaxTradeBps) p.maxTradeBps = uint16(value);
        else if (parameter == Parameter.MaxSpotDeviationBps) p.maxSpotDeviationBps = uint16(value);
        else _depositCap = value;
        emit ParameterSet(parameter, old, value);
    }

    function _parameterValue(Parameters memory p, uint256 cap, Parameter parameter) private pure returns (uint256) {
        if (parameter == Parameter.DriftThresholdBps) return p.driftThresholdBps;
        if (parameter == Parameter.MinDriftBps) return p.minDriftBps;
        if (parameter == Parameter.RebalanceIntervalSeconds) return p.rebalanceIntervalSeconds;
        if (parameter == Parameter.CooldownSeconds) return p.cooldownSeconds;
        if (parameter == Parameter.MaxSlippageBps) return p.maxSlippageBps;
        if (parameter == Parameter.MaxTradeBps) return p.maxTradeBps;
        if (parameter == Parameter.MaxSpotDeviationBps) return p.maxSpotDeviationBps;
        return cap;
    }

    function _setOracle(IPriceOracle newOracle) private {
        if (address(newOracle) == address(0)) revert VaultZeroAddress();
        address base = newOracle.BASE();
        if (base != asset()) revert VaultOracleBaseMismatch(asset(), base);
        // The new oracle must price every holding now; its own error says which cannot.
        for (uint256 i = 1; i < _basket.length; ++i) {
            address token = _basket[i].token;
            newOracle.quote(token, 10 ** IERC20Metadata(token).decimals());
        }
        emit OracleSet(address(_oracle), address(newOracle));
        _oracle = newOracle;
    }
}
