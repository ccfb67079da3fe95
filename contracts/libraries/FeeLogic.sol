// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";
import {VaultState} from "../types/VaultState.sol";
import {FeeMath} from "./FeeMath.sol";
import {Transfers} from "./Transfers.sol";
import {Valuation} from "./Valuation.sol";

/// @title FeeLogic
/// @notice The vault's fees and keeper pay: what is due, and its bookkeeping. An external library run
/// by the vault with DELEGATECALL, on the vault's storage; the vault mints the fee shares and pays the
/// keeper, since only it can.
/// @dev The performance fee is measured at NAV at the lowest of the oracle's bounds, the price base-asset
/// exits are paid at. It charges only while every listed token is anchored (a feed beside its pools): then
/// the lowest bound is at most the feed, which no push, however long held, moves, and with the feed's
/// token a real move counts at once (the pools' average is no bound beside a feed), so that a gain is
/// charged before the next entry pays for it. It charges only on gains above a mark that never falls: while
/// it does not charge (off, on a pool-only price, or an empty vault) the mark follows the highest price
/// seen, so that a fee switched on or raised later charges only gains made after it, whenever the change
/// executes. An entry moves the mark to the share-weighted average of the old mark and the price it paid,
/// so that pooling one mark charges the new shares only on their own gains. An in-kind exit that cannot be
/// priced pays its own share of the fee pending, at the lowest figure the oracle reads without refusing,
/// and leaves everyone else's to be charged when the vault can price.
library FeeLogic {
    /// @notice Gas that paying a keeper needs at most (the transfer, the day's record; and, for an auction's
    /// opener, the oracle's quote of WETH): with less left, the keeper is not paid.
    uint256 public constant KEEPER_PAY_GAS = 150_000;

    /// @notice Records an accrual until now and returns whom to mint how many shares. `supply` is the real
    /// supply, `virtualShares` the vault's offset; without `priced` (the oracle cannot price now) only the
    /// management fee accrues and the performance fee waits, its mark unchanged.
    function accrue(VaultState storage s, uint256 supply, uint256 virtualShares, bool priced, uint256 navLow)
        external
        returns (address recipient, uint256 shares)
    {
        (uint256 management, uint256 performance, uint256 mark) = _due(s, supply, virtualShares, priced, navLow);
        s.fees.lastAccrualAt = uint64(block.timestamp);
        if (mark != s.highWaterMark) s.highWaterMark = mark;
        recipient = s.fees.recipient;
        shares = management + performance;
        if (shares != 0) emit IRebalancingVault.FeesAccrued(recipient, management, performance, mark);
    }

    /// @notice See {IRebalancingVault-pendingFees}: `accrue`'s shares now, priced when the oracle can.
    function pending(VaultState storage s, uint256 supply, uint256 virtualShares)
        external
        view
        returns (uint256 management, uint256 performance)
    {
        (bool priced, uint256 navLow,) = Valuation.bounds(s, false);
        (management, performance,) = _due(s, supply, virtualShares, priced, navLow);
    }

    /// @notice The supply after the fees an accrual now would mint, for the vault's previews and limits;
    /// `priced` as for `accrue`, and when it is false the oracle is read here if the performance fee needs
    /// it. Returns whether it was priced.
    function pendingSupply(VaultState storage s, uint256 supply, uint256 virtualShares, bool priced, uint256 navLow)
        external
        view
        returns (bool, uint256)
    {
        IRebalancingVault.Fees memory f = s.fees;
        if (f.managementFeeBps == 0 && f.performanceFeeBps == 0) return (priced, supply);
        if (!priced && f.performanceFeeBps != 0) (priced, navLow,) = Valuation.bounds(s, false);
        (uint256 management, uint256 performance,) = _due(s, supply, virtualShares, priced, navLow);
        return (priced, supply + management + performance);
    }

    /// @notice Moves the mark for an entry of `shares` for `assets` into `supplyV` shares (virtual ones
    /// included, before the entry): see FeeMath.markAfterEntry.
    function markEntry(VaultState storage s, uint256 supplyV, uint256 assets, uint256 shares) external {
        uint256 mark = s.highWaterMark;
        uint256 after_ = FeeMath.markAfterEntry(mark, supplyV, assets, shares);
        if (after_ != mark) s.highWaterMark = after_;
    }

    /// @notice Of `shares` leaving in kind while the oracle cannot price the exit, how many are the
    /// performance fee pending on them: their share of the fee the vault's gain above the mark owes, measured
    /// at the lowest of each holding's primary reference and its references as the oracle reads them without
    /// refusing (for a pool: its average and the price it opened the block at, which no push within the block
    /// moves). 0 while the fee does not charge, or when the oracle cannot value a holding at all. `supply` is
    /// after the management fee.
    function exitShares(VaultState storage s, uint256 supply, uint256 virtualShares, uint256 shares)
        external
        view
        returns (uint256)
    {
        IRebalancingVault.Fees memory f = s.fees;
        if (!_charging(s, f, supply)) return 0;
        (bool ok, uint256 nav) = _lowestUnrefused(s);
        if (!ok) return 0;
        uint256 supplyV = supply + virtualShares;
        (uint256 fee,) = FeeMath.performanceShares(nav, supplyV, s.highWaterMark, f.performanceFeeBps);
        // The exiter's part of a mint of `fee` shares to everyone: what it would have given up.
        return Math.mulDiv(shares, fee, supplyV + fee);
    }

    /// @notice What one WETH (`weth`, 1e18 wei, what gas is paid in) is worth in base units at the oracle: the
    /// price keeper pay values gas at; 0 when the oracle cannot price it. A rebalance reads it before it
    /// trades, so that its own swaps neither touch the price its keeper is paid at nor make the read search
    /// the pool observations they write (a read after them costs about 20,000 gas more).
    function wethValue(VaultState storage s, address weth) public view returns (uint256) {
        try s.oracle.quote(weth, 1 ether) returns (uint256 value) {
            return value;
        } catch {
            return 0;
        }
    }

    /// @notice Repays `keeper` for a rebalance that used `gasUsed` gas: the gas (capped per rebalance
    /// and by what is left of today's cap) at the lesser of the block's base fee and the cap, plus the
    /// tip, valued at `value` base units a WETH (see `wethValue`) and paid in the base asset from the
    /// idle balance, as far as it goes. Nothing when the day's cap is spent, `value` is 0 (the oracle could
    /// not price WETH) or less than KEEPER_PAY_GAS is left; a keeper that cannot receive it is not paid.
    /// Either way the rebalance stands.
    function payKeeper(VaultState storage s, uint256 gasUsed, uint256 value, address keeper) external {
        // A keeper that sent too little gas to be paid is not paid, rather than lose the rebalance (a gas
        // estimate made at a zero base fee does not take this path).
        if (gasleft() < KEEPER_PAY_GAS) return;
        IRebalancingVault.KeeperPay memory k = s.keeperPay;
        uint32 today = uint32(block.timestamp / 1 days);
        uint256 paidToday = k.day == today ? k.gasPaidToday : 0;
        uint256 gas = FeeMath.keeperGas(gasUsed, k.maxGas, k.maxGasPerDay, paidToday);
        (uint256 amountWei, uint256 baseFee) = FeeMath.keeperWei(gas, block.basefee, k.baseFeeCapGwei, k.tipBps);
        if (amountWei == 0) return;
        address base = s.holdings[0].token;
        uint256 amount = Math.min(Math.mulDiv(amountWei, value, 1 ether), Valuation.heldOf(s, base));
        if (amount == 0 || !Transfers.tryTransfer(base, keeper, amount)) return;
        // Bounded by maxGasPerDay, a uint32.
        // forge-lint: disable-next-line(unsafe-typecast)
        (s.keeperPay.day, s.keeperPay.gasPaidToday) = (today, uint32(paidToday + gas));
        emit IRebalancingVault.KeeperPaid(keeper, gas, baseFee, amount);
    }

    function _due(VaultState storage s, uint256 supply, uint256 virtualShares, bool priced, uint256 navLow)
        private
        view
        returns (uint256 management, uint256 performance, uint256 mark)
    {
        IRebalancingVault.Fees memory f = s.fees;
        management = FeeMath.managementShares(supply, f.managementFeeBps, block.timestamp - f.lastAccrualAt);
        mark = s.highWaterMark;
        if (!priced) return (management, 0, mark);
        uint256 supplyV = supply + management + virtualShares;
        if (!_charging(s, f, supply)) return (management, 0, Math.max(mark, FeeMath.sharePrice(navLow, supplyV)));
        (performance, mark) = FeeMath.performanceShares(navLow, supplyV, mark, f.performanceFeeBps);
    }

    /// @dev NAV at the lowest of each holding's `quoteDetailed` figures (its primary reference and the low of
    /// its references, read without the refusals); false when a holding cannot be valued at all.
    function _lowestUnrefused(VaultState storage s) private view returns (bool, uint256 nav) {
        uint256 n = s.holdings.length;
        IPriceOracle oracle = s.oracle;
        bool owing = s.owingTokens != 0;
        for (uint256 i; i < n; ++i) {
            address token = s.holdings[i].token;
            uint256 balance = Valuation.heldOf(s, token, owing);
            if (i == 0 || balance == 0) {
                nav += balance;
                continue;
            }
            try oracle.quoteDetailed(token, balance) returns (uint256 average, uint256 low, uint256) {
                nav += Math.min(average, low);
            } catch {
                return (false, 0);
            }
        }
        return (true, nav);
    }

    /// @dev Whether the performance fee charges now: it is on, there are shares to charge, and every listed
    /// token is anchored (see IPriceOracle.anchored).
    function _charging(VaultState storage s, IRebalancingVault.Fees memory f, uint256 supply)
        private
        view
        returns (bool)
    {
        if (f.performanceFeeBps == 0 || supply == 0) return false;
        IPriceOracle oracle = s.oracle;
        uint256 n = s.holdings.length;
        for (uint256 i = 1; i < n; ++i) {
            if (!oracle.anchored(s.holdings[i].token)) return false;
        }
        return true;
    }
}
