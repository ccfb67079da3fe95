// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";
import {Holding} from "../types/Holding.sol";
import {VaultState} from "../types/VaultState.sol";
import {FeeMath} from "./FeeMath.sol";
import {Transfers} from "./Transfers.sol";
import {Valuation} from "./Valuation.sol";

/// @title FeeLogic
/// @notice The vault's fees and keeper pay: what is due, and its bookkeeping. An external library run
/// by the vault with DELEGATECALL, on the vault's storage; the vault mints the fee shares and pays the
/// keeper, since only it can.
/// @dev The performance fee is measured at NAV at the lowest of the oracle's references, the price
/// base-asset exits are paid at: no transaction moves it within its block, a fresh rise counts only
/// once the average has followed it, and a fresh fall counts at once. A gain nobody could exit at is
/// never charged.
library FeeLogic {
    /// @notice Gas that paying a keeper needs at most (the oracle's quote of WETH, the transfer, the
    /// day's record): with less left, the keeper is not paid.
    uint256 public constant KEEPER_PAY_GAS = 150_000;

    /// @notice Records an accrual until now and returns whom to mint how many shares. `supply` is the
    /// real supply, `virtualShares` the vault's offset; without `priced` (the oracle cannot price now)
    /// only the management fee accrues and the performance fee waits, its mark unchanged.
    function accrue(VaultState storage s, uint256 supply, uint256 virtualShares, bool priced, uint256 navLow)
        external
        returns (address recipient, uint256 shares)
    {
        IRebalancingVault.Fees memory f = s.fees;
        (uint256 management, uint256 performance, uint256 mark) =
            _due(s, f, supply, virtualShares, priced, navLow);
        s.fees.lastAccrualAt = uint64(block.timestamp);
        if (mark != s.highWaterMark) s.highWaterMark = mark;
        recipient = f.recipient;
        shares = management + performance;
        if (shares != 0) emit IRebalancingVault.FeesAccrued(recipient, management, performance, mark);
    }

    /// @notice `accrue`'s shares, without recording anything.
    function pending(VaultState storage s, uint256 supply, uint256 virtualShares, bool priced, uint256 navLow)
        external
        view
        returns (uint256 management, uint256 performance)
    {
        (management, performance,) = _due(s, s.fees, supply, virtualShares, priced, navLow);
    }

    /// @notice Raises the mark to value per share after a deposit (`navLow` and `supply` after it), when
    /// the deposit itself raised it: a depositor who paid more than the lowest references gave the
    /// holders that premium, and it is not performance.
    function markDeposit(VaultState storage s, uint256 supplyV, uint256 navLow) external {
        uint256 price = FeeMath.sharePrice(navLow, supplyV);
        if (price > s.highWaterMark) s.highWaterMark = price;
    }

    /// @notice Repays `keeper` for a rebalance that used `gasUsed` gas: the gas (capped per rebalance
    /// and by what is left of today's cap) at the lesser of the block's base fee and the cap, plus the
    /// tip, valued by the oracle as `weth` (what gas is paid in) and paid in the base asset from the idle
    /// balance, as far as it goes. Nothing when the day's cap is spent, the oracle cannot price `weth` or
    /// less than KEEPER_PAY_GAS is left; a keeper that cannot receive it is not paid. Either way the
    /// rebalance stands.
    function payKeeper(VaultState storage s, uint256 gasUsed, address weth, address keeper) external {
        // A keeper that sent too little gas to be paid is not paid, rather than lose the rebalance (a gas
        // estimate made at a zero base fee does not take this path).
        if (gasleft() < KEEPER_PAY_GAS) return;
        IRebalancingVault.KeeperPay memory k = s.keeperPay;
        uint32 today = uint32(block.timestamp / 1 days);
        uint256 paidToday = k.day == today ? k.gasPaidToday : 0;
        uint256 gas = FeeMath.keeperGas(gasUsed, k.maxGas, k.maxGasPerDay, paidToday);
        (uint256 amountWei, uint256 baseFee) = FeeMath.keeperWei(gas, block.basefee, k.baseFeeCapGwei, k.tipBps);
        if (amountWei == 0) return;
        uint256 amount;
        try s.oracle.quote(weth, amountWei) returns (uint256 value) {
            amount = value;
        } catch {
            return;
        }
        Holding memory base = s.holdings[0];
        amount = Math.min(amount, Valuation.held(s, base));
        if (amount == 0 || !Transfers.tryTransfer(base.token, keeper, amount)) return;
        // Bounded by maxGasPerDay, a uint32.
        // forge-lint: disable-next-line(unsafe-typecast)
        (s.keeperPay.day, s.keeperPay.gasPaidToday) = (today, uint32(paidToday + gas));
        emit IRebalancingVault.KeeperPaid(keeper, gas, baseFee, amount);
    }

    function _due(
        VaultState storage s,
        IRebalancingVault.Fees memory f,
        uint256 supply,
        uint256 virtualShares,
        bool priced,
        uint256 navLow
    ) private view returns (uint256 management, uint256 performance, uint256 mark) {
        management = FeeMath.managementShares(supply, f.managementFeeBps, block.timestamp - f.lastAccrualAt);
        mark = s.highWaterMark;
        // An empty vault has no gain to charge: its mark follows the price.
        if (priced) {
            (performance, mark) = FeeMath.performanceShares(
                navLow, supply + management + virtualShares, mark, supply == 0 ? 0 : f.performanceFeeBps
            );
        }
    }
}
