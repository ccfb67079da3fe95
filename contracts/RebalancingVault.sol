// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IPriceOracle} from "./interfaces/IPriceOracle.sol";
import {IRebalancingVault} from "./interfaces/IRebalancingVault.sol";
import {BasketConfig} from "./libraries/BasketConfig.sol";
import {BasketMath} from "./libraries/BasketMath.sol";
import {RebalanceLogic} from "./libraries/RebalanceLogic.sol";
import {Transfers} from "./libraries/Transfers.sol";
import {Valuation} from "./libraries/Valuation.sol";
import {Holding} from "./types/Holding.sol";
import {VaultState} from "./types/VaultState.sol";

/// @dev The part of SwapRouter the vault reads at construction.
interface IPeripheryImmutableState {
    function factory() external view returns (address);
}

/// @title RebalancingVault
/// @notice See {IRebalancingVault}. Sections by caller: depositors, keepers, governance, guardian,
/// views, then the internals. Configuration lives in {BasketConfig} and trading in {RebalanceLogic},
/// external libraries that run on this contract's storage.
/// @dev Accounting reads balances (`balanceOf`), never an internal ledger, so a token that rebases or a
/// donation changes NAV for every holder alike. Deposits are priced at the highest of the oracle's
/// references of each holding and base-asset exits at the lowest; none of them can be moved within a
/// block, so neither a push in the same transaction nor a lagging average lets anyone enter cheap or
/// leave rich at other holders' expense. Every function that moves tokens or changes configuration is
/// `nonReentrant`; every view that reads balances or NAV reverts inside a vault call (`max*`, which must
/// not revert, say 0), so a token's transfer hook sees no half-updated state.
contract RebalancingVault is IRebalancingVault, ERC4626, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE");

    /// @dev Virtual shares: 10^6 shares per base unit before the first deposit. Makes the donation
    /// ("inflation") attack cost the attacker about a million times what it steals.
    uint8 private constant _DECIMALS_OFFSET = 6;

    address public immutable ROUTER;
    address public immutable FACTORY;

    VaultState private _s;

    constructor(
        IERC20Metadata baseAsset,
        string memory name_,
        string memory symbol_,
        BasketConfig.InitialConfig memory config
    ) ERC20(name_, symbol_) ERC4626(baseAsset) {
        if (config.router == address(0) || config.governor == address(0)) revert VaultZeroAddress();
        ROUTER = config.router;
        FACTORY = IPeripheryImmutableState(config.router).factory();
        _grantRole(DEFAULT_ADMIN_ROLE, config.governor);
        _grantRole(GOVERNOR_ROLE, config.governor);
        // The zero address as keeper opens rebalancing to anyone, as the role's check reads it.
        _grantRole(KEEPER_ROLE, config.keeper);
        BasketConfig.init(_s, address(baseAsset), config, FACTORY);
    }

    modifier whenNotPaused() {
        if (paused()) revert VaultPaused(_s.pausedUntil);
        _;
    }

    modifier onlyGuardian() {
        address guardian_ = _s.guardian;
        if (guardian_ == address(0) || _msgSender() != guardian_) revert VaultNotGuardian(_msgSender());
        _;
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
        uint256 nav = Valuation.nav(_s, Valuation.Pricing.High);
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
        uint256 nav = Valuation.nav(_s, Valuation.Pricing.High);
        uint256 max = _maxMintAt(nav);
        if (shares > max) revert ERC4626ExceededMaxMint(receiver, shares, max);
        assets = _toAssets(shares, nav, Math.Rounding.Ceil);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @inheritdoc ERC4626
    /// @dev Paid from the idle base asset only, never by swapping: a standard exit doesn't move the
    /// other holdings. Larger exits use {redeemInKind}. Stops while paused.
    function withdraw(uint256 assets, address receiver, address owner)
        public
        override
        nonReentrant
        whenNotPaused
        returns (uint256 shares)
    {
        if (assets == 0) revert VaultZeroAmount();
        uint256 nav = Valuation.nav(_s, Valuation.Pricing.Low);
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
        whenNotPaused
        returns (uint256 assets)
    {
        if (shares == 0) revert VaultZeroAmount();
        uint256 nav = Valuation.nav(_s, Valuation.Pricing.Low);
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

        address[] memory tokens;
        (tokens, amounts) = _slices(shares);
        uint256 n = tokens.length;
        // Burn before paying, so that a token's transfer hook sees the post-exit state.
        _burn(owner, shares);
        for (uint256 i; i < n; ++i) {
            // A token that refuses (it froze the vault or the receiver, it is paused, it runs out of
            // gas) does not block the others: its slice is held for the receiver.
            if (amounts[i] != 0 && !Transfers.tryTransfer(tokens[i], receiver, amounts[i])) {
                _owe(i, tokens[i], receiver, amounts[i]);
            }
        }
        emit RedeemedInKind(caller, receiver, owner, shares, tokens, amounts);
    }

    /// @inheritdoc IRebalancingVault
    function previewRedeemInKind(uint256 shares) external view returns (uint256[] memory amounts) {
        (, amounts) = _slices(shares);
    }

    /// @inheritdoc IRebalancingVault
    function claim(address token, address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert VaultZeroAddress();
        address account = _msgSender();
        amount = _s.claims[token][account];
        if (amount == 0) revert VaultNothingToClaim(token, account);
        _s.claims[token][account] = 0;
        uint256 remaining = _s.owed[token] - amount;
        _s.owed[token] = remaining;
        uint256 indexPlusOne = _s.indexPlusOne[token];
        if (remaining == 0 && indexPlusOne != 0) _s.holdings[indexPlusOne - 1].owes = false;
        // With all the gas the caller gives: a claim is the way out for a token too costly for the
        // capped transfer of an in-kind exit.
        if (!IERC20(token).trySafeTransfer(to, amount)) revert VaultClaimFailed(token, to, amount);
        emit Claimed(token, account, to, amount);
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
    function rebalanceStatus()
        public
        view
        nonReentrantView
        returns (bool due, Trigger trigger, uint256 drift, uint256 readyAt)
    {
        Parameters memory p = _s.params;
        readyAt = _readyAt(p);
        (bool ok,, uint256[] memory values, uint256 nav) = Valuation.values(_s, Valuation.Pricing.Mid, false);
        if (!ok) return (false, Trigger.None, 0, readyAt);
        drift = BasketMath.driftBps(values, Valuation.targets(_s), nav);
        trigger = RebalanceLogic.firedTrigger(p, drift);
        due = trigger != Trigger.None && block.timestamp >= readyAt && !paused();
    }

    /// @inheritdoc IRebalancingVault
    function previewRebalance() external view nonReentrantView returns (Trade[] memory) {
        return RebalanceLogic.preview(_s, FACTORY, _s.params);
    }

    /// @inheritdoc IRebalancingVault
    function rebalanceTrigger() public view returns (bool canExec, bytes memory execPayload) {
        (bool due,,,) = rebalanceStatus();
        if (!due) return (false, "");
        // The plan reverts on a pushed pool or unsettled prices: then a call would revert too.
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
    function addToken(address token, bytes calldata path) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        BasketConfig.addToken(_s, token, path, FACTORY, ROUTER);
    }

    /// @inheritdoc IRebalancingVault
    function removeToken(address token) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        BasketConfig.removeToken(_s, token, ROUTER);
    }

    /// @inheritdoc IRebalancingVault
    function writeOffToken(address token) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        BasketConfig.writeOffToken(_s, token, ROUTER);
    }

    /// @inheritdoc IRebalancingVault
    function sweep(address token, address to) external onlyRole(GOVERNOR_ROLE) nonReentrant returns (uint256) {
        return BasketConfig.sweep(_s, token, to);
    }

    /// @inheritdoc IRebalancingVault
    function setSwapPath(address token, bytes calldata path) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        BasketConfig.setSwapPath(_s, token, path, FACTORY);
    }

    /// @inheritdoc IRebalancingVault
    function setPairPath(address tokenA, address tokenB, bytes calldata path)
        external
        onlyRole(GOVERNOR_ROLE)
        nonReentrant
    {
        BasketConfig.setPairPath(_s, tokenA, tokenB, path, FACTORY);
    }

    /// @inheritdoc IRebalancingVault
    function setTargets(address[] calldata tokens, uint16[] calldata targetsBps)
        external
        onlyRole(GOVERNOR_ROLE)
        nonReentrant
    {
        BasketConfig.setTargets(_s, tokens, targetsBps);
    }

    /// @inheritdoc IRebalancingVault
    function setParameter(Parameter parameter, uint256 value) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        BasketConfig.setParameter(_s, uint256(parameter), value);
    }

    /// @inheritdoc IRebalancingVault
    function setOracle(IPriceOracle newOracle) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        BasketConfig.setOracle(_s, newOracle);
    }

    /// @inheritdoc IRebalancingVault
    function setGuardian(address newGuardian) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        BasketConfig.setGuardian(_s, newGuardian);
    }

    // ================================================================== guardian

    /// @inheritdoc IRebalancingVault
    function pause() external onlyGuardian {
        uint256 until = block.timestamp + _s.params.pauseSeconds;
        _s.pausedUntil = uint64(until);
        emit Paused(_msgSender(), until);
    }

    /// @inheritdoc IRebalancingVault
    function unpause() external onlyGuardian {
        _s.pausedUntil = 0;
        emit Unpaused(_msgSender());
    }

    /// @inheritdoc IRebalancingVault
    function cancel(
        address timelock,
        address target,
        uint256 value,
        bytes calldata data,
        bytes32 predecessor,
        bytes32 salt
    ) external onlyGuardian {
        if (_replacesGuardian(target, data)) revert VaultGuardianReplacementNotCancellable();
        TimelockController t = _governor(timelock);
        t.cancel(t.hashOperation(target, value, data, predecessor, salt));
    }

    /// @inheritdoc IRebalancingVault
    function cancelBatch(
        address timelock,
        address[] calldata targets_,
        uint256[] calldata values,
        bytes[] calldata payloads,
        bytes32 predecessor,
        bytes32 salt
    ) external onlyGuardian {
        // A batch that only replaces the guardian is that change; one that bundles it with anything
        // else stays cancellable, so that bundling cannot shield another change from the veto.
        if (targets_.length == 1 && payloads.length == 1 && _replacesGuardian(targets_[0], payloads[0])) {
            revert VaultGuardianReplacementNotCancellable();
        }
        TimelockController t = _governor(timelock);
        t.cancel(t.hashOperationBatch(targets_, values, payloads, predecessor, salt));
    }

    // ================================================================== ERC-4626 views

    /// @inheritdoc ERC4626
    /// @dev The oracle's reference value of every holding. Reverts while the oracle cannot price a
    /// holding (the EIP asks it not to: no sound value exists then), and inside a vault call.
    function totalAssets() public view override nonReentrantView returns (uint256) {
        return Valuation.nav(_s, Valuation.Pricing.Mid);
    }

    /// @inheritdoc ERC4626
    /// @dev 0 while paused, inside a vault call, or while the oracle cannot price a holding.
    function maxDeposit(address) public view override returns (uint256) {
        (bool ok, uint256 nav) = _tryNav(Valuation.Pricing.High);
        return ok ? _maxDepositAt(nav) : 0;
    }

    /// @inheritdoc ERC4626
    function maxMint(address) public view override returns (uint256) {
        (bool ok, uint256 nav) = _tryNav(Valuation.Pricing.High);
        return ok ? _maxMintAt(nav) : 0;
    }

    /// @inheritdoc ERC4626
    /// @dev Bounded by the idle base asset; 0 while paused, inside a vault call, or while the oracle
    /// cannot price a holding (then, and beyond the idle base, `redeemInKind`).
    function maxWithdraw(address owner) public view override returns (uint256) {
        (bool ok, uint256 nav) = _tryNav(Valuation.Pricing.Low);
        return ok ? _maxWithdrawAt(owner, nav) : 0;
    }

    /// @inheritdoc ERC4626
    function maxRedeem(address owner) public view override returns (uint256) {
        (bool ok, uint256 nav) = _tryNav(Valuation.Pricing.Low);
        return ok ? _maxRedeemAt(owner, nav) : 0;
    }

    /// @inheritdoc ERC4626
    function previewDeposit(uint256 assets) public view override nonReentrantView returns (uint256) {
        return _toShares(assets, Valuation.nav(_s, Valuation.Pricing.High), Math.Rounding.Floor);
    }

    /// @inheritdoc ERC4626
    function previewMint(uint256 shares) public view override nonReentrantView returns (uint256) {
        return _toAssets(shares, Valuation.nav(_s, Valuation.Pricing.High), Math.Rounding.Ceil);
    }

    /// @inheritdoc ERC4626
    function previewWithdraw(uint256 assets) public view override nonReentrantView returns (uint256) {
        return _toShares(assets, Valuation.nav(_s, Valuation.Pricing.Low), Math.Rounding.Ceil);
    }

    /// @inheritdoc ERC4626
    function previewRedeem(uint256 shares) public view override nonReentrantView returns (uint256) {
        return _toAssets(shares, Valuation.nav(_s, Valuation.Pricing.Low), Math.Rounding.Floor);
    }

    // ================================================================== views

    /// @inheritdoc IRebalancingVault
    function targets() external view returns (address[] memory tokens, uint16[] memory targetsBps) {
        return (Valuation.tokens(_s), Valuation.targets(_s));
    }

    /// @inheritdoc IRebalancingVault
    function currentWeights() external view nonReentrantView returns (uint256[] memory) {
        (,, uint256[] memory values, uint256 nav) = Valuation.values(_s, Valuation.Pricing.Mid, true);
        return BasketMath.weightsBps(values, nav);
    }

    /// @inheritdoc IRebalancingVault
    function driftBps() external view nonReentrantView returns (uint256) {
        (,, uint256[] memory values, uint256 nav) = Valuation.values(_s, Valuation.Pricing.Mid, true);
        return BasketMath.driftBps(values, Valuation.targets(_s), nav);
    }

    /// @inheritdoc IRebalancingVault
    function holdings()
        external
        view
        nonReentrantView
        returns (address[] memory tokens, uint256[] memory balances, uint256[] memory values)
    {
        (, balances, values,) = Valuation.values(_s, Valuation.Pricing.Mid, true);
        tokens = Valuation.tokens(_s);
    }

    /// @inheritdoc IRebalancingVault
    function claimable(address token, address account) external view returns (uint256) {
        return _s.claims[token][account];
    }

    /// @inheritdoc IRebalancingVault
    function owed(address token) external view returns (uint256) {
        return _s.owed[token];
    }

    /// @inheritdoc IRebalancingVault
    function parameters() external view returns (Parameters memory) {
        return _s.params;
    }

    /// @inheritdoc IRebalancingVault
    function depositCap() external view returns (uint256) {
        return _s.depositCap;
    }

    /// @inheritdoc IRebalancingVault
    function oracle() external view returns (IPriceOracle) {
        return _s.oracle;
    }

    /// @inheritdoc IRebalancingVault
    function guardian() external view returns (address) {
        return _s.guardian;
    }

    /// @inheritdoc IRebalancingVault
    function paused() public view returns (bool) {
        return block.timestamp < _s.pausedUntil;
    }

    /// @inheritdoc IRebalancingVault
    function pausedUntil() external view returns (uint256) {
        return _s.pausedUntil;
    }

    /// @inheritdoc IRebalancingVault
    function swapPath(address token) external view returns (bytes memory) {
        return _s.swapPaths[token];
    }

    /// @inheritdoc IRebalancingVault
    function pairPath(address tokenIn, address tokenOut) external view returns (bytes memory) {
        return _s.pairPaths[tokenIn][tokenOut];
    }

    /// @inheritdoc IRebalancingVault
    function parameterBounds(Parameter parameter) external pure returns (uint256 min, uint256 max) {
        return BasketConfig.parameterBounds(uint256(parameter));
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IRebalancingVault).interfaceId || super.supportsInterface(interfaceId);
    }

    // ================================================================== internal: pricing

    /// @dev Each holding's token and the pro-rata slice `shares` own of it, rounded down.
    function _slices(uint256 shares) private view returns (address[] memory tokens, uint256[] memory amounts) {
        // The virtual shares own their slice too, so that rounding never favours the exiter.
        uint256 supply = totalSupply() + 10 ** _DECIMALS_OFFSET;
        uint256 n = _s.holdings.length;
        tokens = new address[](n);
        amounts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            Holding memory h = _s.holdings[i];
            tokens[i] = h.token;
            amounts[i] = Math.mulDiv(Valuation.held(_s, h), shares, supply);
        }
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return _DECIMALS_OFFSET;
    }

    function _toShares(uint256 assets, uint256 nav, Math.Rounding rounding) private view returns (uint256) {
        return Math.mulDiv(assets, totalSupply() + 10 ** _DECIMALS_OFFSET, nav + 1, rounding);
    }

    function _toAssets(uint256 shares, uint256 nav, Math.Rounding rounding) private view returns (uint256) {
        return Math.mulDiv(shares, nav + 1, totalSupply() + 10 ** _DECIMALS_OFFSET, rounding);
    }

    /// @dev NAV at `pricing` for the max* views, which must not revert: false while paused (every
    /// entry and exit they describe stops then), inside a vault call, or when the oracle cannot price
    /// a holding.
    function _tryNav(Valuation.Pricing pricing) private view returns (bool ok, uint256 nav) {
        if (paused() || _reentrancyGuardEntered()) return (false, 0);
        (ok,,, nav) = Valuation.values(_s, pricing, false);
    }

    function _maxDepositAt(uint256 nav) private view returns (uint256) {
        uint256 cap = _s.depositCap;
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

    /// @dev The owner's shares, limited to what the idle base asset pays for; 0 when that would pay
    /// nothing, as `redeem` refuses an exit that pays nothing.
    function _maxRedeemAt(address owner, uint256 nav) private view returns (uint256 shares) {
        shares = Math.min(balanceOf(owner), _toShares(_idle(), nav, Math.Rounding.Floor));
        if (_toAssets(shares, nav, Math.Rounding.Floor) == 0) return 0;
    }

    /// @dev The base asset the vault holds for the basket (not what it owes to claimants).
    function _idle() private view returns (uint256) {
        return Valuation.held(_s, _s.holdings[0]);
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

    /// @dev Holds `amount` of the holding at `index` for `account` to claim.
    function _owe(uint256 index, address token, address account, uint256 amount) private {
        _s.owed[token] += amount;
        _s.claims[token][account] += amount;
        _s.holdings[index].owes = true;
        emit ClaimOwed(token, account, amount);
    }

    // ================================================================== internal: rebalancing and roles

    function _rebalance() private nonReentrant whenNotPaused returns (Trade[] memory trades) {
        if (!hasRole(KEEPER_ROLE, address(0))) _checkRole(KEEPER_ROLE);
        Parameters memory p = _s.params;
        uint256 readyAt = _readyAt(p);
        if (block.timestamp < readyAt) revert VaultCooldownActive(readyAt - block.timestamp);
        RebalanceLogic.Outcome memory outcome;
        (trades, outcome) = RebalanceLogic.run(_s, ROUTER, FACTORY, p);
        _s.params.lastRebalanceAt = uint64(block.timestamp);
        emit Rebalanced(
            _msgSender(),
            outcome.trigger,
            outcome.navBefore,
            outcome.navAfter,
            outcome.driftBeforeBps,
            outcome.driftAfterBps,
            trades.length
        );
    }

    /// @dev When the cooldown since the last rebalance ends.
    function _readyAt(Parameters memory p) private pure returns (uint256) {
        return uint256(p.lastRebalanceAt) + p.cooldownSeconds;
    }

    /// @dev Whether an operation's call is this vault's `setGuardian`.
    function _replacesGuardian(address target, bytes calldata data) private view returns (bool) {
        return target == address(this) && data.length >= 4 && bytes4(data[:4]) == this.setGuardian.selector;
    }

    /// @dev `timelock`, which must hold this vault's governor role.
    function _governor(address timelock) private view returns (TimelockController) {
        if (!hasRole(GOVERNOR_ROLE, timelock)) revert VaultNotGovernor(timelock);
        return TimelockController(payable(timelock));
    }
}
