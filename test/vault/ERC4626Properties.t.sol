// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BallastTest} from "../helpers/BallastTest.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";

import {RebalancingVault} from "../../contracts/RebalancingVault.sol";
import {IRebalancingVault} from "../../contracts/interfaces/IRebalancingVault.sol";
import {IPriceOracle} from "../../contracts/interfaces/IPriceOracle.sol";
import {BasketConfig} from "../../contracts/libraries/BasketConfig.sol";
import {DemoToken} from "../../contracts/local/DemoToken.sol";
import {UniswapV3TwapOracle} from "../../contracts/oracles/UniswapV3TwapOracle.sol";

/// @notice ERC-4626 properties of the vault under fuzzing: previews match what calls do, round trips
/// never create value, max* limits hold, rounding favours the vault. The vault holds its base asset
/// plus a donated balance of it (the TypeScript suites cover baskets priced by live pools).
contract ERC4626PropertiesTest is BallastTest {
    RebalancingVault private vault;
    DemoToken private usdc;
    address private alice = makeAddr("alice");
    address private bob = makeAddr("bob");

    function setUp() public {
        usdc = new DemoToken("USD Coin (demo)", "USDC", 6);
        // The genuine Uniswap V3 factory and router, from their published artifacts.
        address factory = _deployPublished("node_modules/@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json", "");
        address router = _deployPublished(
            "node_modules/@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json",
            abi.encode(factory, makeAddr("weth"))
        );
        UniswapV3TwapOracle oracle = new UniswapV3TwapOracle(
            address(usdc),
            IUniswapV3Factory(factory),
            12,
            1800,
            500,
            address(this),
            new address[](0),
            new bytes[](0),
            new uint80[](0)
        );
        address[] memory tokens = new address[](1);
        tokens[0] = address(usdc);
        uint16[] memory targets = new uint16[](1);
        targets[0] = 10_000;
        vault = new RebalancingVault(
            usdc,
            "Ballast",
            "BLST",
            BasketConfig.InitialConfig({
                oracle: IPriceOracle(address(oracle)),
                router: router,
                governor: address(this),
                guardian: address(this),
                keeper: address(this),
                tokens: tokens,
                targetsBps: targets,
                swapPaths: new bytes[](1),
                parameters: IRebalancingVault.Parameters(500, 100, 100, 1000, 200, 7 days, 1 hours, 3 days, 0),
                depositCap: type(uint256).max
            })
        );
        for (uint256 i; i < 2; ++i) {
            address user = i == 0 ? alice : bob;
            usdc.mint(user, 1e30);
            vm.prank(user);
            usdc.approve(address(vault), type(uint256).max);
        }
    }

    /// @dev Deploys the bytecode of a published Hardhat artifact with constructor arguments `args`.
    function _deployPublished(string memory artifact, bytes memory args) private returns (address deployed) {
        bytes memory code = abi.encodePacked(vm.parseJsonBytes(vm.readFile(artifact), ".bytecode"), args);
        assembly ("memory-safe") {
            deployed := create(0, add(code, 32), mload(code))
        }
        require(deployed != address(0), "deploy failed");
    }

    function _seed(uint256 first, uint256 donation) private {
        vm.prank(bob);
        vault.deposit(first, bob);
        usdc.mint(address(vault), donation);
    }

    function testFuzz_depositMatchesPreviewAndRoundTripLosesNothingForOthers(uint96 first, uint96 donation, uint96 assets)
        public
    {
        first = uint96(bound(first, 1, 1e24));
        assets = uint96(bound(assets, 1, 1e24));
        _seed(first, donation);
        uint256 preview = vault.previewDeposit(assets);
        vm.assume(preview > 0);
        vm.prank(alice);
        uint256 shares = vault.deposit(assets, alice);
        assertEq(shares, preview, "deposit mints previewDeposit");
        uint256 bobBefore = vault.previewRedeem(vault.balanceOf(bob));
        uint256 out = vault.previewRedeem(shares);
        vm.assume(out > 0);
        vm.prank(alice);
        uint256 redeemed = vault.redeem(shares, alice, alice);
        assertEq(redeemed, out, "redeem pays previewRedeem");
        assertLe(redeemed, assets, "a round trip never creates value");
        assertGe(vault.previewRedeem(vault.balanceOf(bob)), bobBefore, "nor takes any from others");
    }

    function testFuzz_mintAndWithdrawRoundUpForTheVault(uint96 first, uint96 donation, uint96 shares) public {
        first = uint96(bound(first, 1, 1e24));
        _seed(first, donation);
        shares = uint96(bound(shares, 1, 1e30));
        uint256 assetsIn = vault.previewMint(shares);
        vm.assume(assetsIn <= usdc.balanceOf(alice));
        vm.prank(alice);
        assertEq(vault.mint(shares, alice), assetsIn, "mint takes previewMint");
        uint256 withdrawable = vault.maxWithdraw(alice);
        assertLe(withdrawable, assetsIn, "cannot withdraw more than was paid");
        vm.assume(withdrawable > 0);
        uint256 sharesOut = vault.previewWithdraw(withdrawable);
        vm.prank(alice);
        assertEq(vault.withdraw(withdrawable, alice, alice), sharesOut, "withdraw burns previewWithdraw");
        assertLe(sharesOut, shares);
    }

    function testFuzz_maxLimitsAreExactBoundaries(uint96 first, uint96 assets) public {
        first = uint96(bound(first, 1, 1e24));
        assets = uint96(bound(assets, 1e6, 1e24));
        _seed(first, 0);
        vault.setParameter(IRebalancingVault.Parameter.DepositCap, uint256(first) + assets);
        uint256 max = vault.maxDeposit(alice);
        assertEq(max, assets);
        vm.prank(alice);
        vm.expectRevert();
        vault.deposit(max + 1, alice);
        vm.prank(alice);
        vault.deposit(max, alice);
        assertEq(vault.maxDeposit(alice), 0);
        assertEq(vault.maxMint(alice), 0);
    }

    function testFuzz_redeemInKindPaysNoMoreThanTheShare(uint96 first, uint96 donation, uint96 assets) public {
        first = uint96(bound(first, 1, 1e24));
        assets = uint96(bound(assets, 1, 1e24));
        _seed(first, donation);
        if (vault.previewDeposit(assets) == 0) {
            // Too small to buy one share at this price: refused, not swallowed.
            vm.prank(alice);
            vm.expectRevert(IRebalancingVault.VaultZeroAmount.selector);
            vault.deposit(assets, alice);
            return;
        }
        vm.prank(alice);
        uint256 shares = vault.deposit(assets, alice);
        uint256 value = vault.convertToAssets(shares);
        vm.prank(alice);
        uint256[] memory amounts = vault.redeemInKind(shares, alice, alice);
        assertLe(amounts[0], value + 1, "in kind pays at most the share's value");
        assertLe(amounts[0], assets, "and never more than was put in");
    }
}
