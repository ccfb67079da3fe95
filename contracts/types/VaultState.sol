// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IRebalancingVault} from "../interfaces/IRebalancingVault.sol";
import {Holding} from "./Holding.sol";

/// @notice Everything the vault stores beyond its ERC-20 shares and roles, in one place, so that the
/// external libraries that configure and trade the basket take it as one storage pointer.
struct VaultState {
    /// @dev The basket. The base asset sits at index 0, always.
    Holding[] holdings;
    mapping(address token => uint256) indexPlusOne;
    /// @dev Each token's Uniswap V3 path to the base asset.
    mapping(address token => bytes) swapPaths;
    /// @dev Direct routes between two tokens, stored both ways.
    mapping(address tokenIn => mapping(address tokenOut => bytes)) pairPaths;
    /// @dev Balances the vault holds for holders whose in-kind payment of a token failed: in total per
    /// token (not part of NAV or anyone's slice), and per account. `owingTokens` counts the tokens with
    /// something owed, kept beside every write of `owed`, so that valuation reads `owed` only while it is
    /// not zero (it shares a slot that entries and exits read anyway).
    mapping(address token => uint256) owed;
    mapping(address token => mapping(address account => uint256)) claims;
    IRebalancingVault.Parameters params;
    uint256 depositCap;
    /// @dev One slot: the oracle, the pause and `owingTokens`, which every valuation reads together
    /// (the guardian, which only its own actions read, in the next); and three switches: whether a fee
    /// rate is set, whether keeper pay is on (KeeperBaseFeeCapGwei), and whether any trigger setting is
    /// (TriggerSettings). BasketConfig sets them with every write of those settings, so that a rebalance and
    /// the keeper's check, which read this slot for the pause, read the other slots only when on.
    /// `pausedUntil` fits a timestamp as `lastRebalanceAt` does; `owingTokens` counts at most MAX_TOKENS.
    IPriceOracle oracle;
    uint40 pausedUntil;
    uint16 owingTokens;
    bool feesOn;
    bool keeperPayOn;
    bool triggersOn;
    address guardian;
    IRebalancingVault.Fees fees;
    /// @dev Value per share (see IRebalancingVault.FeesAccrued) above which the performance fee is due.
    uint256 highWaterMark;
    IRebalancingVault.KeeperPay keeperPay;
    IRebalancingVault.TriggerSettings triggers;
    IRebalancingVault.AuctionSettings auctions;
}
