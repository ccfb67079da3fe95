// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

import {IRebalancingVault} from "../../contracts/interfaces/IRebalancingVault.sol";
import {BallastFixture} from "../helpers/BallastFixture.sol";

/// @notice ERC-4626 conformance of a vault that holds a real basket, priced by the genuine pools'
/// TWAPs while those prices move both ways: previews are exact and round against the caller, every
/// max* amount is accepted by its call and one more is refused, and round trips create no value.
contract ERC4626PropertiesTest is BallastFixture {
    address private alice = makeAddr("alice");
    address private bob = makeAddr("bob");

    function setUp() public {
        _deployMarket();
        address operator = makeAddr("operator");
        _deployVault(operator, operator, operator);
        // Bob's $1M, held at the targets: $400k deposited, the tokens' share as if bought.
        _give(bob, 400_000e6);
        vm.prank(bob);
        vault.deposit(400_000e6, bob);
        weth.mint(address(vault), uint256(300_000e18) / 3_000);
        wbtc.mint(address(vault), uint256(200_000e8) / 100_000);
        frz.mint(address(vault), 100_000e6);
        _give(alice, 0);
    }

    function _give(address who, uint256 amount) private {
        usdc.mint(who, amount);
        vm.prank(who);
        usdc.approve(address(vault), type(uint256).max);
    }

    /// @dev Moves WETH's pool by `bps` (a real swap), then lets `seconds_` pass: from one block (the
    /// average lags, the opening price has followed) to two windows (both have followed).
    function _move(int256 bps, uint256 seconds_) private {
        bps = bound(bps, int256(-400), int256(400));
        (, int24 tick,,,,,) = pools[0].slot0();
        _swapTo(pools[0], int24(int256(tick) + bps));
        _nextBlock(bound(seconds_, BLOCK, 2 * WINDOW));
    }

    function testFuzz_previewsAreExactAndRoundAgainstTheCaller(int256 bps, uint256 wait, uint96 assets) public {
        _move(bps, wait);
        uint256 amount = bound(assets, 1e6, 1_000_000e6);
        // Against the ideal conversion (at the average): entries cost at least it, exits pay at most it.
        assertLe(vault.previewDeposit(amount), vault.convertToShares(amount), "previewDeposit <= convertToShares");
        assertGe(vault.previewWithdraw(amount), vault.convertToShares(amount), "previewWithdraw >= convertToShares");
        uint256 shares = vault.convertToShares(amount);
        assertGe(vault.previewMint(shares), vault.convertToAssets(shares), "previewMint >= convertToAssets");
        assertLe(vault.previewRedeem(shares), vault.convertToAssets(shares), "previewRedeem <= convertToAssets");

        _give(alice, 2 * amount);
        uint256 preview = vault.previewDeposit(amount);
        vm.prank(alice);
        assertEq(vault.deposit(amount, alice), preview, "deposit mints previewDeposit");
        uint256 mintShares = preview / 2 + 1;
        uint256 mintPreview = vault.previewMint(mintShares);
        vm.prank(alice);
        assertEq(vault.mint(mintShares, alice), mintPreview, "mint takes previewMint");
        uint256 withdrawable = vault.maxWithdraw(alice) / 2 + 1;
        uint256 withdrawPreview = vault.previewWithdraw(withdrawable);
        vm.prank(alice);
        assertEq(vault.withdraw(withdrawable, alice, alice), withdrawPreview, "withdraw burns previewWithdraw");
        uint256 redeemable = vault.maxRedeem(alice);
        uint256 redeemPreview = vault.previewRedeem(redeemable);
        vm.prank(alice);
        assertEq(vault.redeem(redeemable, alice, alice), redeemPreview, "redeem pays previewRedeem");
    }

    function testFuzz_aRoundTripCreatesNoValueForTheCallerOrTakesAnyFromOthers(int256 bps, uint256 wait, uint96 assets)
        public
    {
        _move(bps, wait);
        uint256 amount = bound(assets, 1e6, 300_000e6);
        uint256 bobBefore = vault.convertToAssets(vault.balanceOf(bob));
        _give(alice, amount);
        vm.startPrank(alice);
        uint256 shares = vault.deposit(amount, alice);
        // Leave in the base asset, as far as the idle base asset allows, at once.
        uint256 out = vault.redeem(shares, alice, alice);
        vm.stopPrank();
        assertLe(out, amount, "a round trip never returns more than went in");
        assertGe(vault.convertToAssets(vault.balanceOf(bob)), bobBefore, "nor takes any value from others");
    }

    function testFuzz_everyMaxIsAcceptedAndOneMoreIsRefused(int256 bps, uint256 wait, uint96 room, uint96 idleLeft)
        public
    {
        _move(bps, wait);
        // A deposit cap a little above NAV: maxDeposit and maxMint are finite.
        uint256 nav = vault.totalAssets();
        vm.prank(address(timelock));
        vault.setParameter(IRebalancingVault.Parameter.DepositCap, nav + bound(room, 1e6, 500_000e6));
        uint256 maxDeposit = vault.maxDeposit(alice);
        _give(alice, 10 * maxDeposit + 1e12);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxDeposit.selector, alice, maxDeposit + 1, maxDeposit));
        vault.deposit(maxDeposit + 1, alice);
        if (vault.previewDeposit(maxDeposit) > 0) {
            vm.prank(alice);
            vault.deposit(maxDeposit, alice);
            // The cap is reached (at the price deposits pay): nothing more goes in.
            assertEq(vault.maxDeposit(alice), 0, "maxDeposit at the cap");
            assertEq(vault.maxMint(alice), 0, "maxMint at the cap");
        }

        // Bob redeems the idle base asset down to `idleLeft`: Alice's maxRedeem must still be accepted.
        uint256 idle = usdc.balanceOf(address(vault));
        uint256 left = bound(idleLeft, 0, idle / 2);
        uint256 bobShares = vault.previewWithdraw(idle - left);
        if (bobShares <= vault.maxRedeem(bob) && idle - left > 0) {
            vm.prank(bob);
            vault.withdraw(idle - left, bob, bob);
        }
        uint256 maxRedeem = vault.maxRedeem(alice);
        if (maxRedeem > 0) {
            assertGt(vault.previewRedeem(maxRedeem), 0, "maxRedeem pays something");
            vm.prank(alice);
            vault.redeem(maxRedeem, alice, alice);
        }
        uint256 maxWithdraw = vault.maxWithdraw(alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ERC4626.ERC4626ExceededMaxWithdraw.selector, alice, maxWithdraw + 1, maxWithdraw));
        vault.withdraw(maxWithdraw + 1, alice, alice);
        if (maxWithdraw > 0) {
            vm.prank(alice);
            vault.withdraw(maxWithdraw, alice, alice);
        }
    }

    function testFuzz_anInKindExitPaysNoMoreThanItsShare(int256 bps, uint256 wait, uint96 assets) public {
        _move(bps, wait);
        uint256 amount = bound(assets, 1e6, 1_000_000e6);
        _give(alice, amount);
        vm.prank(alice);
        uint256 shares = vault.deposit(amount, alice);
        uint256 supply = vault.totalSupply() + VIRTUAL_SHARES;
        (, uint256[] memory held,) = vault.holdings();
        vm.prank(alice);
        uint256[] memory out = vault.redeemInKind(shares, alice, alice);
        for (uint256 i; i < out.length; ++i) {
            assertLe(out[i], held[i] * shares / supply, "at most the pro-rata slice, rounded down");
        }
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, bob, 0, 1));
        vault.redeemInKind(1, bob, alice);
    }
    /// @notice EIP-4626: max* must not revert. Second review (with the public a16z properties): with fees
    /// pending and a donation near 2^255, four of them panicked on an arithmetic overflow.
    function testFuzz_maxViewsNeverRevertWithFeesPendingAndAnyBalance(uint256 donation, uint256 wait) public {
        vm.startPrank(address(timelock));
        vault.setParameter(IRebalancingVault.Parameter.ManagementFeeBps, 500);
        vault.setParameter(IRebalancingVault.Parameter.PerformanceFeeBps, 3_000);
        vm.stopPrank();
        _nextBlock(bound(wait, BLOCK, 3_650 days));
        donation = bound(donation, 0, type(uint256).max / 2 - usdc.totalSupply());
        usdc.mint(address(vault), donation);
        (uint256 management,) = vault.pendingFees();
        if (wait > BLOCK) assertGt(management, 0, "fees pending");
        vault.maxDeposit(alice);
        vault.maxMint(alice);
        vault.maxWithdraw(bob);
        vault.maxRedeem(bob);
        (IRebalancingVault.Fees memory fees,) = vault.fees();
        vault.maxWithdraw(fees.recipient);
        vault.maxRedeem(fees.recipient);
    }
}
