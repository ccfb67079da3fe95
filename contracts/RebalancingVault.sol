// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
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
import {AuctionSettlement} from "./libraries/AuctionSettlement.sol";
import {FeeLogic} from "./libraries/FeeLogic.sol";
import {FeeMath} from "./libraries/FeeMath.sol";
import {InKindLogic} from "./libraries/InKindLogic.sol";
import {PoolSwap} from "./libraries/PoolSwap.sol";
import {RebalanceLogic} from "./libraries/RebalanceLogic.sol";
import {Valuation} from "./libraries/Valuation.sol";
import {VaultState} from "./types/VaultState.sol";

/// @dev The part of SwapRouter the vault reads at construction.
interface IPeripheryImmutableState {
    function factory() external view returns (address);
    function WETH9() external view returns (address);
}

/// @title RebalancingVault
/// @notice See {IRebalancingVault}. Sections by caller: depositors, keepers, governance, guardian,
/// views, then the internals. Configuration lives in {BasketConfig}, trading in {RebalanceLogic} and
/// fees in {FeeLogic}, external libraries that run on this contract's storage; Dutch auctions are priced
/// in their own contract (RebalanceAuctions), and settled here by {AuctionSettlement}.
/// @dev Accounting reads balances (`balanceOf`), never an internal ledger, so a token that rebases or a
/// donation changes NAV for every holder alike. Deposits are priced at the highest of the oracle's
/// references of each holding and base-asset exits at the lowest; none of them can be moved within a
/// block, so neither a push in the same transaction nor a lagging average lets anyone enter cheap or
/// leave rich at other holders' expense. Every function that moves tokens or changes configuration is
/// `nonReentrant`; every view that reads balances or NAV reverts inside a vault call (`max*`, which must
/// not revert, say 0), so a token's transfer hook sees no half-updated state. Fees are minted as shares
/// before every action that reads the share price; previews and max* count the shares pending.
contract RebalancingVault is IRebalancingVault, ERC4626, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE");
    /// @dev The auction house's role (see settleAuction); not a getter, to keep the vault small.
    bytes32 private constant _AUCTION_ROLE = keccak256("AUCTION_ROLE");

    /// @dev Virtual shares: 10^6 shares per base unit before the first deposit. Makes the donation
    /// ("inflation") attack cost the attacker about a million times what it steals.
    uint8 private constant _DECIMALS_OFFSET = 6;
    uint256 private constant _VIRTUAL_SHARES = 10 ** _DECIMALS_OFFSET;

    /// @dev See IRebalancingVault.ROUTER: the vault swaps on the pools directly (PoolSwap).
    address public immutable ROUTER;
    address public immutable FACTORY;
    /// @notice What gas is paid in, valued by the oracle to repay keepers (the router's WETH9).
    address public immutable WETH9;

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
        WETH9 = IPeripheryImmutableState(config.router).WETH9();
        _grantRole(DEFAULT_ADMIN_ROLE, config.governor);
        _grantRole(GOVERNOR_ROLE, config.governor);
        // The zero address as keeper opens rebalancing to anyone, as the role's check reads it.
        _grantRole(KEEPER_ROLE, config.keeper);
        BasketConfig.init(_s, address(baseAsset), config, FACTORY);
        _s.highWaterMark = FeeMath.sharePrice(0, _VIRTUAL_SHARES);
    }

    modifier whenNotPaused() {
        _requireNotPaused();
        _;
    }

    modifier onlyGuardian() {
        _checkGuardian();
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
        // Nothing, or too little to buy a share, is refused once priced (shares == 0 below).
        (, uint256 high, uint256 supply) = _accrue();
        uint256 max = _maxDepositAt(high);
        if (assets > max) revert ERC4626ExceededMaxDeposit(receiver, assets, max);
        shares = _toShares(assets, high, supply + _VIRTUAL_SHARES, Math.Rounding.Floor);
        if (shares == 0) revert VaultZeroAmount();
        _enter(receiver, assets, shares, supply);
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
        (, uint256 high, uint256 supply) = _accrue();
        uint256 max = _maxMintAt(high, supply);
        if (shares > max) revert ERC4626ExceededMaxMint(receiver, shares, max);
        assets = _toAssets(shares, high, supply + _VIRTUAL_SHARES, Math.Rounding.Ceil);
        _enter(receiver, assets, shares, supply);
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
        (uint256 low,, uint256 supply) = _accrue();
        uint256 max = _maxWithdrawAt(balanceOf(owner), low, supply);
        if (assets > max) revert ERC4626ExceededMaxWithdraw(owner, assets, max);
        shares = _toShares(assets, low, supply + _VIRTUAL_SHARES, Math.Rounding.Ceil);
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
        // Nothing, or too little to pay a unit, is refused once priced (assets == 0 below).
        (uint256 low,, uint256 supply) = _accrue();
        uint256 max = _maxRedeemAt(balanceOf(owner), low, supply);
        if (shares > max) revert ERC4626ExceededMaxRedeem(owner, shares, max);
        assets = _toAssets(shares, low, supply + _VIRTUAL_SHARES, Math.Rounding.Floor);
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
        (bool priced, uint256 supply) = _accrueFees(false, 0);
        // Unpriced, the performance fee waits for everyone but the exiter, who pays its share in shares.
        uint256 fee = _exitFee(priced, supply, shares);
        if (fee != 0) _transfer(owner, _s.fees.recipient, fee);
        // Burn before paying, so that a token's transfer hook sees the post-exit state.
        _burn(owner, shares - fee);
        return InKindLogic.pay(_s, shares - fee, supply + _VIRTUAL_SHARES, receiver, caller, owner);
    }

    /// @inheritdoc IRebalancingVault
    function previewRedeemInKind(uint256 shares) external view returns (uint256[] memory amounts) {
        (bool priced, uint256 supply) = _pendingFees(false, 0);
        shares -= _exitFee(priced, supply, shares);
        return InKindLogic.slices(_s, shares, supply + _VIRTUAL_SHARES);
    }

    /// @inheritdoc IRebalancingVault
    function claim(address token, address to) external nonReentrant returns (uint256) {
        return InKindLogic.claim(_s, token, _msgSender(), to);
    }

    // ================================================================== keepers

    /// @inheritdoc IRebalancingVault
    function rebalance() external returns (Trade[] memory) {
        _return(_rebalance());
    }

    /// @inheritdoc IRebalancingVault
    function performUpkeep(bytes calldata) external {
        _rebalance();
    }

    /// @notice Pays the Uniswap V3 pool a rebalance is swapping on, from within that swap; reverts for any
    /// other caller (see PoolSwap).
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        PoolSwap.pay(amount0Delta, amount1Delta);
    }

    /// @inheritdoc IRebalancingVault
    function settleAuction(bytes calldata order) external onlyRole(_AUCTION_ROLE) nonReentrant whenNotPaused {
        AuctionSettlement.settle(_s, order, WETH9);
    }

    /// @inheritdoc IRebalancingVault
    function rebalanceStatus()
        public
        view
        nonReentrantView
        returns (
            bool due,
            Trigger trigger,
            uint256 drift,
            uint256 readyAt,
            uint256 thresholdBps,
            uint256 volatilityBps,
            uint256 returnPointBps
        )
    {
        uint8 fired;
        (due, fired, drift, readyAt, thresholdBps, volatilityBps, returnPointBps) =
            RebalanceLogic.status(_s);
        trigger = Trigger(fired);
    }

    /// @inheritdoc IRebalancingVault
    function previewRebalance() external view nonReentrantView returns (Trade[] memory) {
        _return(RebalanceLogic.preview(_s, FACTORY));
    }

    /// @inheritdoc IRebalancingVault
    function rebalanceTrigger() public view nonReentrantView returns (bool canExec, bytes memory execPayload) {
        if (RebalanceLogic.executable(_s)) return (true, abi.encodeCall(this.rebalance, ()));
    }

    /// @inheritdoc IRebalancingVault
    function checkUpkeep(bytes calldata) external view returns (bool upkeepNeeded, bytes memory performData) {
        (upkeepNeeded,) = rebalanceTrigger();
        performData = "";
    }

    // ================================================================== governance

    /// @inheritdoc IRebalancingVault
    function addToken(address token, bytes calldata path) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        BasketConfig.addToken(_s, token, path, FACTORY);
    }

    /// @inheritdoc IRebalancingVault
    function removeToken(address token) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        BasketConfig.removeToken(_s, token);
    }

    /// @inheritdoc IRebalancingVault
    function writeOffToken(address token) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        BasketConfig.writeOffToken(_s, token);
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
    function setParameter(Parameter which, uint256 value) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        // A new rate applies from now on, never to the time before it.
        // (It needs a price: the mark follows the price while the performance fee does not charge.)
        if (which == Parameter.ManagementFeeBps || which == Parameter.PerformanceFeeBps) _accrue();
        BasketConfig.setParameter(_s, uint256(which), value);
    }

    /// @inheritdoc IRebalancingVault
    function setFeeRecipient(address newRecipient) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        _accrue();
        BasketConfig.setFeeRecipient(_s, newRecipient);
    }

    /// @inheritdoc IRebalancingVault
    function accrueFees() external nonReentrant returns (uint256) {
        uint256 supply = totalSupply();
        // Priced whenever the oracle can, fees on or off: the mark follows the price while they do not charge.
        (bool ok, uint256 low,) = Valuation.bounds(_s, false);
        (, uint256 after_) = _accrueFees(ok, low);
        return after_ - supply;
    }

    /// @inheritdoc IRebalancingVault
    function setOracle(IPriceOracle newOracle) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        // The fees due on the old source's prices first, as far as it can price them.
        _accrueFees(false, 0);
        BasketConfig.setOracle(_s, newOracle, totalSupply() + _VIRTUAL_SHARES);
    }

    /// @inheritdoc IRebalancingVault
    function setGuardian(address newGuardian) external onlyRole(GOVERNOR_ROLE) nonReentrant {
        BasketConfig.setGuardian(_s, newGuardian);
    }

    // ================================================================== guardian

    /// @inheritdoc IRebalancingVault
    function pause() external onlyGuardian {
        uint256 until = block.timestamp + _s.params.pauseSeconds;
        _s.pausedUntil = uint40(until);
        emit Paused(_msgSender(), until);
    }

    /// @inheritdoc IRebalancingVault
    function unpause() external onlyGuardian {
        _s.pausedUntil = 0;
        emit Unpaused(_msgSender());
    }

    /// @inheritdoc IRebalancingVault
    /// @dev The arguments go to the library as the caller encoded them (`msg.data`), once validated by the
    /// signature: re-encoding an operation's calls here would cost the vault bytes it does not have.
    function cancel(address, address, uint256, bytes calldata, bytes32, bytes32) external onlyGuardian {
        BasketConfig.cancel(msg.data[4:]);
    }

    /// @inheritdoc IRebalancingVault
    function cancelBatch(address, address[] calldata, uint256[] calldata, bytes[] calldata, bytes32, bytes32)
        external
        onlyGuardian
    {
        BasketConfig.cancelBatch(msg.data[4:]);
    }

    // ================================================================== ERC-4626 views

    /// @inheritdoc ERC4626
    /// @dev The oracle's reference value of every holding. Reverts while the oracle cannot price a
    /// holding (the EIP asks it not to: no sound value exists then), and inside a vault call.
    function totalAssets() public view override nonReentrantView returns (uint256) {
        return Valuation.nav(_s);
    }

    /// @inheritdoc ERC4626
    /// @dev 0 while paused, inside a vault call, or while the oracle cannot price a holding.
    function maxDeposit(address) public view override returns (uint256) {
        (bool ok,, uint256 high,) = _tryPending();
        return ok ? _maxDepositAt(high) : 0;
    }

    /// @inheritdoc ERC4626
    function maxMint(address) public view override returns (uint256) {
        (bool ok,, uint256 high, uint256 supply) = _tryPending();
        return ok ? _maxMintAt(high, supply) : 0;
    }

    /// @inheritdoc ERC4626
    /// @dev Bounded by the idle base asset; 0 while paused, inside a vault call, or while the oracle
    /// cannot price a holding (then, and beyond the idle base, `redeemInKind`).
    function maxWithdraw(address owner) public view override returns (uint256) {
        (bool ok, uint256 low,, uint256 supply) = _tryPending();
        return ok ? _maxWithdrawAt(_sharesAfterFees(owner, supply), low, supply) : 0;
    }

    /// @inheritdoc ERC4626
    function maxRedeem(address owner) public view override returns (uint256) {
        (bool ok, uint256 low,, uint256 supply) = _tryPending();
        return ok ? _maxRedeemAt(_sharesAfterFees(owner, supply), low, supply) : 0;
    }

    /// @inheritdoc ERC4626
    function previewDeposit(uint256 assets) public view override nonReentrantView returns (uint256) {
        (, uint256 high, uint256 supply) = _pending();
        return _toShares(assets, high, supply + _VIRTUAL_SHARES, Math.Rounding.Floor);
    }

    /// @inheritdoc ERC4626
    function previewMint(uint256 shares) public view override nonReentrantView returns (uint256) {
        (, uint256 high, uint256 supply) = _pending();
        return _toAssets(shares, high, supply + _VIRTUAL_SHARES, Math.Rounding.Ceil);
    }

    /// @inheritdoc ERC4626
    function previewWithdraw(uint256 assets) public view override nonReentrantView returns (uint256) {
        (uint256 low,, uint256 supply) = _pending();
        return _toShares(assets, low, supply + _VIRTUAL_SHARES, Math.Rounding.Ceil);
    }

    /// @inheritdoc ERC4626
    function previewRedeem(uint256 shares) public view override nonReentrantView returns (uint256) {
        (uint256 low,, uint256 supply) = _pending();
        return _toAssets(shares, low, supply + _VIRTUAL_SHARES, Math.Rounding.Floor);
    }

    // ================================================================== views

    /// @inheritdoc IRebalancingVault
    function targets() external view returns (address[] memory tokens, uint16[] memory targetsBps) {
        return BasketConfig.targets(_s);
    }

    /// @inheritdoc IRebalancingVault
    function currentWeights() external view nonReentrantView returns (uint256[] memory weightsBps) {
        (,,, weightsBps,) = _basket();
    }

    /// @inheritdoc IRebalancingVault
    function driftBps() external view nonReentrantView returns (uint256 drift) {
        (,,,, drift) = _basket();
    }

    /// @inheritdoc IRebalancingVault
    function holdings()
        external
        view
        nonReentrantView
        returns (address[] memory tokens, uint256[] memory balances, uint256[] memory values)
    {
        (tokens, balances, values,,) = _basket();
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
    function fees() external view returns (Fees memory, uint256 highWaterMark) {
        return (_s.fees, _s.highWaterMark);
    }

    /// @inheritdoc IRebalancingVault
    function pendingFees() external view nonReentrantView returns (uint256, uint256) {
        return FeeLogic.pending(_s, totalSupply(), _VIRTUAL_SHARES);
    }

    /// @inheritdoc IRebalancingVault
    function keeperPay() external view returns (KeeperPay memory) {
        return _s.keeperPay;
    }

    /// @inheritdoc IRebalancingVault
    function parameter(Parameter which) external view returns (uint256) {
        return BasketConfig.parameterValue(_s, uint256(which));
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
    function parameterBounds(Parameter which) external pure returns (uint256 min, uint256 max) {
        return BasketConfig.parameterBounds(uint256(which));
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IRebalancingVault).interfaceId || super.supportsInterface(interfaceId);
    }

    // ================================================================== internal: pricing and fees

    function _decimalsOffset() internal pure override returns (uint8) {
        return _DECIMALS_OFFSET;
    }

    /// @dev `assets` in shares at `nav` over `supplyV` (the supply after the fees due, virtual shares included).
    function _toShares(uint256 assets, uint256 nav, uint256 supplyV, Math.Rounding rounding)
        private
        pure
        returns (uint256)
    {
        return Math.mulDiv(assets, supplyV, nav + 1, rounding);
    }

    function _toAssets(uint256 shares, uint256 nav, uint256 supplyV, Math.Rounding rounding)
        private
        pure
        returns (uint256)
    {
        return Math.mulDiv(shares, nav + 1, supplyV, rounding);
    }

    /// @dev NAV at the lowest and highest of the oracle's bounds (reverting with the oracle's error when it
    /// cannot price), after minting the fees due, and the supply after them.
    function _accrue() private returns (uint256 low, uint256 high, uint256 supply) {
        (, low, high) = Valuation.bounds(_s, true);
        (, supply) = _accrueFees(true, low);
    }

    /// @dev `_accrue` as a view: the supply counts the fees pending.
    function _pending() private view returns (uint256 low, uint256 high, uint256 supply) {
        (, low, high) = Valuation.bounds(_s, true);
        (, supply) = _pendingFees(true, low);
    }

    /// @dev `_pending` for the max* views, which must not revert: false while paused (every entry and
    /// exit they describe stops then), inside a vault call, or when the oracle cannot price a holding.
    function _tryPending() private view returns (bool ok, uint256 low, uint256 high, uint256 supply) {
        if (paused() || _reentrancyGuardEntered()) return (false, 0, 0, 0);
        (ok, low, high) = Valuation.bounds(_s, false);
        if (ok) (, supply) = _pendingFees(true, low);
    }

    /// @dev Mints the fees due; returns whether they were priced and the supply after. `low` is NAV at the
    /// oracle's lowest bounds when the caller has it (`priced`); else it is read here when the performance
    /// fee needs it, and that fee waits when the oracle cannot price. With both fees off only the mark
    /// moves, to follow the price.
    function _accrueFees(bool priced, uint256 low) private returns (bool, uint256 supply) {
        supply = totalSupply();
        (uint256 managementFeeBps, uint256 performanceFeeBps) = (_s.fees.managementFeeBps, _s.fees.performanceFeeBps);
        if (managementFeeBps == 0 && performanceFeeBps == 0) {
            if (priced) {
                uint256 price = FeeMath.sharePrice(low, supply + _VIRTUAL_SHARES);
                if (price > _s.highWaterMark) _s.highWaterMark = price;
            }
            return (priced, supply);
        }
        if (!priced && performanceFeeBps != 0) (priced, low,) = Valuation.bounds(_s, false);
        (address recipient, uint256 shares) = FeeLogic.accrue(_s, supply, _VIRTUAL_SHARES, priced, low);
        if (shares != 0) _mint(recipient, shares);
        return (priced, supply + shares);
    }

    /// @dev `_accrueFees` as a view, pricing as lazily: see FeeLogic.pendingSupply.
    function _pendingFees(bool priced, uint256 low) private view returns (bool, uint256) {
        return FeeLogic.pendingSupply(_s, totalSupply(), _VIRTUAL_SHARES, priced, low);
    }

    /// @dev Of `shares` leaving in kind, those that pay the performance fee pending on them when the exit
    /// could not be priced (`priced` false).
    function _exitFee(bool priced, uint256 supply, uint256 shares) private view returns (uint256) {
        if (priced || _s.fees.performanceFeeBps == 0) return 0;
        return FeeLogic.exitShares(_s, supply, _VIRTUAL_SHARES, shares);
    }

    /// @dev `owner`'s shares once the fees pending (the supply beyond the minted one) are minted.
    function _sharesAfterFees(address owner, uint256 supply) private view returns (uint256 shares) {
        shares = balanceOf(owner);
        if (owner == _s.fees.recipient) shares += supply - totalSupply();
    }

    function _maxDepositAt(uint256 nav) private view returns (uint256) {
        uint256 cap = _s.depositCap;
        if (cap == type(uint256).max) return cap;
        return nav >= cap ? 0 : cap - nav;
    }

    function _maxMintAt(uint256 nav, uint256 entryV) private view returns (uint256) {
        uint256 maxAssets = _maxDepositAt(nav);
        return maxAssets == type(uint256).max ? maxAssets : _toShares(maxAssets, nav, entryV, Math.Rounding.Floor);
    }

    /// @dev `shares`' value at the low NAV, limited by the idle base asset.
    function _maxWithdrawAt(uint256 shares, uint256 nav, uint256 supply) private view returns (uint256) {
        return Math.min(_toAssets(shares, nav, supply + _VIRTUAL_SHARES, Math.Rounding.Floor), _idle());
    }

    /// @dev `owned` shares, limited to what the idle base asset pays for; 0 when that would pay nothing,
    /// as `redeem` refuses an exit that pays nothing.
    function _maxRedeemAt(uint256 owned, uint256 nav, uint256 supply) private view returns (uint256 shares) {
        uint256 supplyV = supply + _VIRTUAL_SHARES;
        shares = Math.min(owned, _toShares(_idle(), nav, supplyV, Math.Rounding.Floor));
        if (_toAssets(shares, nav, supplyV, Math.Rounding.Floor) == 0) return 0;
    }

    /// @dev See BasketConfig.basket.
    function _basket()
        private
        view
        returns (address[] memory, uint256[] memory, uint256[] memory, uint256[] memory, uint256)
    {
        return BasketConfig.basket(_s);
    }

    /// @dev The base asset the vault holds for the basket (not what it owes to claimants).
    function _idle() private view returns (uint256) {
        return Valuation.heldOf(_s, asset());
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

    /// @dev Takes the deposit in, and moves the mark by what the new shares paid (`supply` before them), so
    /// that they never bear the performance fee on a gain made before them.
    function _enter(address receiver, uint256 assets, uint256 shares, uint256 supply) private {
        _deposit(_msgSender(), receiver, assets, shares);
        if (_s.fees.performanceFeeBps != 0) FeeLogic.markEntry(_s, supply + _VIRTUAL_SHARES, assets, shares);
    }

    // ================================================================== internal: rebalancing and roles

    function _requireNotPaused() private view {
        if (paused()) revert VaultPaused(_s.pausedUntil);
    }

    /// @dev Runs the rebalance (RebalanceLogic.run) probing only the tokens it receives; if one of its swaps
    /// fails (a token it sends may be frozen), runs it again, the first attempt undone, probing every token.
    function _run() private returns (bytes memory trades, bool reduced) {
        (bool ok, bytes memory result) = _runLogic(0);
        if (!ok && bytes4(result) == VaultSwapFailed.selector) (ok, result) = _runLogic(1);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
        // `result` is run's return data, abi.encode(reduced, trades): reduced, 64 (where the trades begin),
        // then the trades' encoding, whose offsets count from its own start. Rewritten in place into the
        // bytes abi.encode(trades) (its length, 32, then that encoding), rather than decoded and encoded again.
        assembly ("memory-safe") {
            reduced := mload(add(result, 32))
            trades := add(result, 32)
            mstore(trades, sub(mload(result), 32))
            mstore(add(trades, 32), 32)
        }
    }

    /// @dev One `attempt` (0, the first; 1, the second: see `RebalanceLogic.run`) on the vault's state, and
    /// whether it succeeded, with its return or revert data.
    function _runLogic(uint256 attempt) private returns (bool, bytes memory) {
        VaultState storage s = _s;
        uint256 slot;
        assembly ("memory-safe") {
            slot := s.slot
        }
        // The library's own call, made by hand so that its revert can be caught and the rebalance run again.
        // solhint-disable-next-line avoid-low-level-calls
        return address(RebalanceLogic).delegatecall(
            abi.encodeWithSelector(RebalanceLogic.run.selector, slot, FACTORY, attempt)
        );
    }

    /// @dev Ends the call returning `data`, already ABI-encoded (the trades the logic library returned):
    /// copied out once rather than decoded and encoded again.
    function _return(bytes memory data) private pure {
        assembly ("memory-safe") {
            return(add(data, 32), mload(data))
        }
    }

    function _checkGuardian() private view {
        address guardian_ = _s.guardian;
        if (guardian_ == address(0) || _msgSender() != guardian_) revert VaultNotGuardian(_msgSender());
    }

    function _rebalance() private nonReentrant returns (bytes memory trades) {
        uint256 gasAtStart = gasleft();
        // The pause, and whether fees and keeper pay are on, in one read of the slot they share.
        (uint256 until, bool feesOn, bool keeperPayOn) = (_s.pausedUntil, _s.feesOn, _s.keeperPayOn);
        if (block.timestamp < until) revert VaultPaused(until);
        // The caller's own grant first: a listed keeper, the usual case, costs one read, not two.
        if (!hasRole(KEEPER_ROLE, _msgSender()) && !hasRole(KEEPER_ROLE, address(0))) {
            revert AccessControlUnauthorizedAccount(_msgSender(), KEEPER_ROLE);
        }
        uint256 readyAt = RebalanceLogic.readyAt(_s.params.lastRebalanceAt, _s.params.cooldownSeconds);
        if (block.timestamp < readyAt) revert VaultCooldownActive(readyAt - block.timestamp);
        // Unpriced with both fees off, accrual does nothing: not calling it spares the supply's read.
        if (feesOn) _accrueFees(false, 0);
        // Keeper pay (off by default) is priced before the trades (see FeeLogic.wethValue).
        uint256 wethValue;
        if (keeperPayOn) wethValue = FeeLogic.wethValue(_s, WETH9);
        bool reduced;
        (trades, reduced) = _run();
        // Keeper pay repays a rebalance that reduced drift; one that reverts or does nothing pays nothing,
        // since it never gets here.
        if (wethValue != 0 && reduced) FeeLogic.payKeeper(_s, gasAtStart - gasleft(), wethValue, _msgSender());
    }

}
