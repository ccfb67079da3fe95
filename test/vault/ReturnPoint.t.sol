// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IRebalancingVault} from "../../contracts/interfaces/IRebalancingVault.sol";
import {ReturnPoint} from "../../contracts/libraries/ReturnPoint.sol";
import {DemoToken} from "../../contracts/local/DemoToken.sol";
import {BallastFixture} from "../helpers/BallastFixture.sol";

/// @notice The return point that follows the vault (Parameter.ResidualCeilingBps): derived from the gas the
/// vault's last rebalance used at this block's base fee, its NAV, its routes' fees and the threshold, within
/// governance's bounds; the fixed rule whenever an input is missing; kept by a rebalance that carries on.
contract ReturnPointVaultTest is BallastFixture {
    using Math for uint256;

    address private operator = makeAddr("operator");
    address private bob = makeAddr("bob");
    /// @dev The routes' fees weighted by target: WETH 0.05% at 30%, WBTC and FRZ 0.3% at 20% and 10%.
    uint256 private constant ROUTE_COST_PIPS = (500 * 3_000 + 3_000 * 2_000 + 3_000 * 1_000) / 6_000;
    /// @dev About what the measuring rebalance uses on the normal build (448,702). The coverage build's
    /// counters make it use half as much again, so base fees are scaled by this over the gas measured:
    /// the dollars of one rebalance's gas, which the rule reads, are those of the normal build either way.
    uint256 private constant REFERENCE_GAS = 450_000;
    uint256 private measuredGas;

    function setUp() public {
        _deployMarket();
        _deployVault(operator, operator, operator);
        _nextBlock(1 hours);
        vm.fee(20 gwei);
    }

    // ------------------------------------------------------------------ helpers

    function _set(IRebalancingVault.Parameter which, uint256 value) private {
        vm.prank(address(timelock));
        vault.setParameter(which, value);
    }

    /// @dev A $200,000 vault at its targets (Bob's USDC, the rest given at the pools' prices).
    function _atTargets() private {
        usdc.mint(bob, 80_000e6);
        vm.startPrank(bob);
        usdc.approve(address(vault), type(uint256).max);
        vault.deposit(80_000e6, bob);
        vm.stopPrank();
        weth.mint(address(vault), 20e18);
        wbtc.mint(address(vault), 0.4e8);
        frz.mint(address(vault), 20_000e6);
    }

    /// @dev `usd` dollars of WBTC given to the vault: drift past the 5% threshold for $14,000 on $200,000.
    function _pushWbtc(uint256 usd) private {
        wbtc.mint(address(vault), usd * 1e8 / 100_000);
    }

    function _status() private view returns (bool due, IRebalancingVault.Trigger trigger, uint256 drift, uint256 rp) {
        (due, trigger, drift,,,, rp) = vault.rebalanceStatus();
    }

    function _rebalance() private returns (uint256 driftAfter) {
        vm.prank(operator);
        vault.rebalance();
        driftAfter = vault.driftBps();
    }

    /// @dev The gas the vault recorded for its last rebalance, read from the slot `parameter(ResidualCeilingBps)`
    /// reads (TriggerSettings: the ceiling at bits 96..111, the gas at 128..159).
    function _recordedGas() private returns (uint256) {
        vm.record();
        uint256 ceiling = vault.parameter(IRebalancingVault.Parameter.ResidualCeilingBps);
        (bytes32[] memory reads,) = vm.accesses(address(vault));
        for (uint256 i; i < reads.length; ++i) {
            uint256 word = uint256(vm.load(address(vault), reads[i]));
            if ((word >> 96) & 0xffff == ceiling && word >> 128 != 0 && word >> 160 == 0) return (word >> 128) & 0xffffffff;
        }
        revert("no gas recorded");
    }

    /// @dev The return point the rule gives now, computed here from its inputs.
    function _expected(uint256 floorBps, uint256 ceilingBps) private returns (uint256) {
        uint256 fixedCost = oracle.quote(address(weth), (_recordedGas() + ReturnPoint.TX_GAS) * block.basefee);
        return ReturnPoint.bps(500, floorBps, ceilingBps, vault.totalAssets(), fixedCost, ROUTE_COST_PIPS);
    }

    /// @dev Rule on (floor 100: MinDriftBps; ceiling 400), one rebalance made to measure the gas, then
    /// drift pushed past the threshold again and the cooldown waited out.
    function _measured() private {
        _atTargets();
        _set(IRebalancingVault.Parameter.ResidualCeilingBps, 400);
        _pushWbtc(14_000);
        _rebalance();
        measuredGas = _recordedGas();
        _baseFee(20 gwei);
        _nextBlock(1 hours);
        _pushWbtc(14_000);
    }

    /// @dev A base fee worth `feePerGas` on the normal build's gas (see REFERENCE_GAS).
    function _baseFee(uint256 feePerGas) private {
        vm.fee(feePerGas * REFERENCE_GAS / measuredGas);
    }

    // ------------------------------------------------------------------ tests

    function test_offItIsTheFixedReturnPoint() public {
        _atTargets();
        (,,, uint256 rp) = _status();
        assertEq(rp, 0, "ResidualDriftBps");
        _set(IRebalancingVault.Parameter.ResidualDriftBps, 250);
        (,,, rp) = _status();
        assertEq(rp, 250);
    }

    function test_untilARebalanceIsMeasuredItIsTheFloor() public {
        _atTargets();
        _set(IRebalancingVault.Parameter.ResidualCeilingBps, 400);
        _pushWbtc(14_000);
        (bool due,, uint256 drift, uint256 rp) = _status();
        assertTrue(due);
        assertGt(drift, 500);
        assertEq(rp, 100, "no gas measured yet: the floor");
        uint256 landed = _rebalance();
        assertLe(landed, 100 + 5, "lands at the floor");
        assertGt(_recordedGas(), 100_000, "the rebalance's gas, measured");
    }

    function test_aMeasuredVaultStopsWhereTheRuleSays() public {
        _measured();
        (bool due,,, uint256 rp) = _status();
        assertTrue(due);
        uint256 expected = _expected(100, 400);
        assertEq(rp, expected, "rebalanceStatus shows the derived return point");
        // $200,000 at 20 gwei against routes at 0.175%: between the bounds, neither of them.
        assertGt(rp, 100);
        assertLt(rp, 400);
        uint256 landed = _rebalance();
        assertApproxEqAbs(landed, rp, 5, "the rebalance lands at it (within its fees)");
        (due,,,) = _status();
        assertFalse(due, "and is finished");
    }

    function test_itFollowsTheBaseFeeTheSizeAndGovernance() public {
        _measured();
        (,,, uint256 at20) = _status();
        _baseFee(0);
        (,,, uint256 free) = _status();
        assertEq(free, 400, "free gas: the ceiling");
        _baseFee(5 gwei);
        (,,, uint256 at5) = _status();
        _baseFee(200 gwei);
        (,,, uint256 at200) = _status();
        assertGt(at5, at20, "cheaper gas, a shorter trade");
        assertLt(at200, at20, "dearer gas, back further");
        _baseFee(1_000_000 gwei);
        (,,, uint256 dear) = _status();
        assertEq(dear, 100, "gas beyond any trade: the floor");
        // Ten times the vault at 20 gwei: trades less far, as 2 gwei did.
        _baseFee(20 gwei);
        usdc.mint(bob, 1_800_000e6);
        vm.prank(bob);
        vault.deposit(1_800_000e6, bob);
        (,,, uint256 larger) = _status();
        assertGt(larger, at20, "a larger vault stops nearer its threshold");
        assertEq(larger, _expected(100, 400));
        // Governance's bounds hold: the ceiling lowered under it, the floor raised over it.
        _set(IRebalancingVault.Parameter.ResidualCeilingBps, 150);
        (,,, uint256 capped) = _status();
        assertEq(capped, 150);
        _set(IRebalancingVault.Parameter.ResidualDriftBps, 300);
        (,,, uint256 floored) = _status();
        assertEq(floored, 300, "the floor wins over a ceiling under it");
        // A ceiling at the threshold is held MinDriftBps under it.
        _set(IRebalancingVault.Parameter.ResidualDriftBps, 0);
        _set(IRebalancingVault.Parameter.ResidualCeilingBps, 5_000);
        _baseFee(0);
        (,,, uint256 top) = _status();
        assertEq(top, 400, "threshold 500 less MinDriftBps 100");
    }

    function test_theFixedRuleWhenTheOracleCannotValueGas() public {
        _measured();
        DemoToken unrouted = new DemoToken("Wrapped native (unrouted)", "WNAT", 18);
        vm.mockCall(address(vault), abi.encodeWithSignature("WETH9()"), abi.encode(address(unrouted)));
        (bool due,,, uint256 rp) = _status();
        assertTrue(due);
        assertEq(rp, 100, "unpriced gas: the floor");
        assertLe(_rebalance(), 105, "and the rebalance goes there");
    }

    function test_aRebalanceCarriedOnKeepsItsReturnPointWhateverTheBaseFeeDoes() public {
        _measured();
        // $60,000 more WBTC: 29% of NAV against 20%, more than a call's caps (MaxTradeBps 10%) can sell.
        _pushWbtc(48_000);
        (,,, uint256 aimed) = _status();
        assertGt(aimed, 100);
        _rebalance();
        (, IRebalancingVault.Trigger trigger, uint256 drift, uint256 rp) = _status();
        // Cut short by its caps, still past the threshold: due again once the cooldown ends, by whichever
        // trigger, and it carries on to where it aimed.
        assertEq(uint256(trigger), uint256(IRebalancingVault.Trigger.Threshold));
        assertGt(drift, rp);
        assertEq(rp, aimed, "carries on to where it aimed");
        _baseFee(0);
        (,,, rp) = _status();
        assertEq(rp, aimed, "whatever the base fee does meanwhile");
        _baseFee(1_000_000 gwei);
        (,,, rp) = _status();
        assertEq(rp, aimed);
        // Governance's bounds still hold over it.
        _set(IRebalancingVault.Parameter.ResidualCeilingBps, aimed - 10);
        (,,, rp) = _status();
        assertEq(rp, aimed - 10);
        _set(IRebalancingVault.Parameter.ResidualCeilingBps, 400);
        _baseFee(20 gwei);
        // Slice by slice, each call a cooldown apart, to where it aimed.
        uint256 landed;
        for (uint256 calls;; ++calls) {
            _nextBlock(1 hours);
            bool due;
            (due,,, rp) = _status();
            if (!due) break;
            assertEq(rp, aimed, "every slice aims where the first did");
            assertLt(calls, 10, "finishes");
            landed = _rebalance();
        }
        assertApproxEqAbs(landed, aimed, 5, "lands where it aimed");
        // A cooldown past its window the carry-on is over, and the rule derives afresh.
        _nextBlock(2 hours);
        (,,, rp) = _status();
        assertEq(rp, _expected(100, 400));
    }

    function test_theCeilingsBounds() public {
        vm.prank(address(timelock));
        vm.expectRevert(
            abi.encodeWithSelector(
                IRebalancingVault.VaultParameterOutOfBounds.selector,
                IRebalancingVault.Parameter.ResidualCeilingBps,
                5_001,
                0,
                5_000
            )
        );
        vault.setParameter(IRebalancingVault.Parameter.ResidualCeilingBps, 5_001);
        vm.expectRevert();
        vault.setParameter(IRebalancingVault.Parameter.ResidualCeilingBps, 400);
        assertEq(vault.parameter(IRebalancingVault.Parameter.ResidualCeilingBps), 0);
    }
}
