// Ballast's Hardhat tasks. Each action's module loads only when its task runs.
import { emptyTask, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

import { GOV_ACTIONS } from "./lib/gov-actions.js";

const vaultOption = { name: "vault", description: "The vault's address; if not given, the one Ignition deployed on this network", defaultValue: "" } as const;
const fromOption = { name: "from", description: "The account that signs; if not given, the network's first account", defaultValue: "" } as const;
const delayOption = { name: "delay", description: "Seconds before it can execute; if not given, the timelock's minimum", type: ArgumentType.INT, defaultValue: -1 } as const;
const saltOption = { name: "salt", description: "32-byte salt; if not given, derived from the call and the time", defaultValue: "" } as const;
const fromBlockOption = {
  name: "fromBlock",
  description: "Read governance events from this block (the vault's deployment block, where the RPC limits log ranges)",
  type: ArgumentType.INT,
  defaultValue: 0,
} as const;
const safeOption = { name: "safe", description: "Make the call from this Safe: write the Transaction Builder's batch file (and on a local network sign it with the owners' accounts and execute it)", defaultValue: "" } as const;
const outOption = { name: "out", description: "With --safe: where to write the batch file; if not given, safe-batch-<operation>.json", defaultValue: "" } as const;
const calldataFlag = { name: "calldata", description: "Print the call (to, data) instead of sending it" } as const;
const receiverOption = { name: "receiver", description: "Who receives; if not given, the signer", defaultValue: "" } as const;
const routerOption = { name: "router", description: "The slippage-protected router; if not given, the one Ignition deployed with the vault", defaultValue: "" } as const;
const slippageOption = {
  name: "slippageBps",
  description: "How far below the quote (in basis points) the shares, assets or slices received may fall",
  type: ArgumentType.INT,
  defaultValue: 50,
} as const;

export const ballastTasks = [
  emptyTask("vault", "Look at a Ballast vault, deposit into it, redeem from it").build(),
  task(["vault", "status"], "NAV, holdings vs targets, drift, whether a rebalance is due, pending governance")
    .addOption(vaultOption)
    .addFlag({ name: "json", description: "Print JSON instead of a table" })
    .addOption(fromBlockOption)
    .setInlineAction(async (args, hre) => (await import("./vault.js")).status(args, hre))
    .build(),
  task(["vault", "deposit"], "Deposit the base asset through the slippage-protected router (approving it for the amount if needed)")
    .addOption(vaultOption)
    .addOption(routerOption)
    .addOption(slippageOption)
    .addOption(fromOption)
    .addOption(receiverOption)
    .addOption({ name: "amount", description: "How much of the base asset, e.g. 1000.5", defaultValue: "" })
    .setInlineAction(async (args, hre) => (await import("./vault.js")).deposit(args, hre))
    .build(),
  task(["vault", "redeem"], "Redeem shares for the base asset through the router (up to the idle base; any number with --to-base)")
    .addOption(vaultOption)
    .addOption(routerOption)
    .addOption(slippageOption)
    .addOption(fromOption)
    .addOption(receiverOption)
    .addOption({ name: "shares", description: "How many shares, e.g. 100.5, or all", defaultValue: "" })
    .addFlag({ name: "toBase", description: "Any number of shares: take a slice of every holding and sell it for the base asset in the same call" })
    .addFlag({ name: "quote", description: "With --to-base: print what each slice would fetch and the cost against leaving in kind; send nothing" })
    .setInlineAction(async (args, hre) => (await import("./vault.js")).redeem(args, hre))
    .build(),
  task(["vault", "redeem-in-kind"], "Redeem shares for a pro-rata slice of every holding through the router (works while paused)")
    .addOption(vaultOption)
    .addOption(routerOption)
    .addOption(slippageOption)
    .addOption(fromOption)
    .addOption(receiverOption)
    .addOption({ name: "shares", description: "How many shares, e.g. 100.5, or all", defaultValue: "" })
    .setInlineAction(async (args, hre) => (await import("./vault.js")).redeemInKind(args, hre))
    .build(),

  emptyTask("keeper", "Keep a Ballast vault on its targets").build(),
  task(["keeper", "run"], "Check whether a rebalance is due and send it when it is; one JSON line per event")
    .addOption(vaultOption)
    .addOption(fromOption)
    .addOption({ name: "interval", description: "Seconds between passes; 0 runs one pass", type: ArgumentType.INT, defaultValue: 0 })
    .addOption({ name: "maxPasses", description: "With --interval, stop after this many passes (0: until stopped)", type: ArgumentType.INT, defaultValue: 0 })
    .addFlag({ name: "dryRun", description: "Simulate, print the planned trades and the gas estimate; send nothing" })
    .addOption({ name: "maxBaseFeeGwei", description: "Skip a pass while the base fee is above this (gwei)", defaultValue: "" })
    .addOption({ name: "maxPriorityFeeGwei", description: "The most priority fee to pay (gwei)", defaultValue: "" })
    .addOption({ name: "maxCostBps", description: "Skip a rebalance costing more than this many bps of the value it restores to target (fees, impact, gas)", defaultValue: "" })
    .addOption({ name: "nativePrice", description: "The native coin's price in the base asset, when the oracle cannot price it", defaultValue: "" })
    .addOption({ name: "retries", description: "Retries of an RPC call that fails transiently", type: ArgumentType.INT, defaultValue: 3 })
    .addOption({ name: "retryDelayMs", description: "First retry delay; doubles each time", type: ArgumentType.INT, defaultValue: 1000 })
    .addOption({ name: "markBps", description: "While the performance fee is off, call accrueFees() when the share price stands this many bps above the fee's high-water mark, so a fee switched on in a dip cannot charge the rebound; off to leave it", defaultValue: "25" })
    .addFlag({ name: "markWhileCharging", description: "Follow the mark while the performance fee charges too (each call charges it at the high): for the window in which a raise is pending" })
    .setInlineAction(async (args, hre) => (await import("./keeper.js")).run(args, hre))
    .build(),

  task(["keeper", "fill"], "Open the vault's Dutch auction when due and fill it through Uniswap when that pays gas and a margin")
    .addOption(vaultOption)
    .addOption({ name: "auctions", description: "The auction house; if not given, the one Ignition deployed with the vault", defaultValue: "" })
    .addOption({ name: "filler", description: "Your UniswapAuctionFiller; if not given, one is deployed, owned by --from", defaultValue: "" })
    .addOption(fromOption)
    .addOption({ name: "marginBps", description: "The least profit to fill for, in bps of what the fill pays, on top of gas", type: ArgumentType.INT, defaultValue: 10 })
    .addOption({ name: "maxCostBps", description: "Open an auction only when the floor's discount on the value it restores, plus the opening's gas, is at most this many bps of that value", defaultValue: "" })
    .addOption({ name: "interval", description: "Seconds between passes; 0 runs one pass", type: ArgumentType.INT, defaultValue: 0 })
    .addOption({ name: "maxPasses", description: "With --interval, stop after this many passes (0: until stopped)", type: ArgumentType.INT, defaultValue: 0 })
    .addFlag({ name: "dryRun", description: "Say what would be opened and filled; send nothing" })
    .setInlineAction(async (args, hre) => (await import("./fill.js")).fill(args, hre))
    .build(),

  emptyTask("chain", "A local chain's clock").build(),
  task(["chain", "advance"], "Move a local chain's clock forward by --seconds and mine a block (e.g. past a timelock's delay)")
    .addOption({ name: "seconds", description: "How far, in seconds (172800: two days)", type: ArgumentType.INT, defaultValue: 0 })
    .setInlineAction(async (args, hre) => (await import("./chain.js")).advance(args, hre))
    .build(),
  emptyTask("deploy", "Before deploying Ballast").build(),
  task(["deploy", "check"], "Check a parameters file against the network it is for, read-only, before deploying")
    .addOption({ name: "parameters", description: "The Ignition parameters file, e.g. deploy/parameters/mainnet.json5", defaultValue: "" })
    .setInlineAction(async (args, hre) => (await import("./deploy-check.js")).check(args, hre))
    .build(),

  emptyTask("gov", "Change a Ballast vault through its timelock").build(),
  task(["gov", "propose-targets"], "Schedule new target weights through the timelock")
    .addOption(vaultOption)
    .addOption(fromOption)
    .addOption(fromBlockOption)
    .addOption({ name: "targets", description: "Every basket token's weight in bps, e.g. USDC=4000,WETH=3000,WBTC=2000,LINK=1000", defaultValue: "" })
    .addOption(delayOption)
    .addOption(saltOption)
    .addOption(safeOption)
    .addOption(outOption)
    .addFlag(calldataFlag)
    .setInlineAction(async (args, hre) => (await import("./gov.js")).proposeTargets(args, hre))
    .build(),
  task(["gov", "propose-parameter"], "Schedule a parameter change through the timelock")
    .addOption(vaultOption)
    .addOption(fromOption)
    .addOption(fromBlockOption)
    .addOption({ name: "name", description: "The parameter, e.g. DriftThresholdBps or ManagementFeeBps", defaultValue: "" })
    .addOption({ name: "value", description: "Its new value (a whole number)", defaultValue: "" })
    .addOption(delayOption)
    .addOption(saltOption)
    .addOption(safeOption)
    .addOption(outOption)
    .addFlag(calldataFlag)
    .setInlineAction(async (args, hre) => (await import("./gov.js")).proposeParameter(args, hre))
    .build(),
  task(["gov", "propose-fee-recipient"], "Schedule a change of who receives the fees through the timelock")
    .addOption(vaultOption)
    .addOption(fromOption)
    .addOption(fromBlockOption)
    .addOption({ name: "recipient", description: "The new fee recipient's address", defaultValue: "" })
    .addOption(delayOption)
    .addOption(saltOption)
    .addOption(safeOption)
    .addOption(outOption)
    .addFlag(calldataFlag)
    .setInlineAction(async (args, hre) => (await import("./gov.js")).proposeFeeRecipient(args, hre))
    .build(),
  task(["gov", "execute"], "Execute a scheduled change once its delay has passed")
    .addOption(vaultOption)
    .addOption(fromOption)
    .addOption(fromBlockOption)
    .addOption({ name: "id", description: "The operation id that propose printed", defaultValue: "" })
    .addOption(safeOption)
    .addOption(outOption)
    .addFlag(calldataFlag)
    .setInlineAction(async (args, hre) => (await import("./gov.js")).execute(args, hre))
    .build(),
  task(["gov", "cancel"], "Cancel a scheduled change (guardian or proposer)")
    .addOption(vaultOption)
    .addOption(fromOption)
    .addOption(fromBlockOption)
    .addOption({ name: "id", description: "The operation id", defaultValue: "" })
    .addOption(safeOption)
    .addOption(outOption)
    .addFlag(calldataFlag)
    .setInlineAction(async (args, hre) => (await import("./gov.js")).cancel(args, hre))
    .build(),
  ...GOV_ACTIONS.map((action) => {
    let t = task(["gov", `propose-${action.name}`], action.description).addOption(vaultOption).addOption(fromOption).addOption(fromBlockOption);
    for (const o of action.options) {
      // The options differ per action: the builder's type cannot follow them, and the action reads them by name.
      t = (o.flag === true ? t.addFlag({ name: o.name, description: o.description }) : t.addOption({ name: o.name, description: o.description, defaultValue: "" })) as unknown as typeof t;
    }
    return t
      .addOption(delayOption)
      .addOption(saltOption)
      .addOption(safeOption)
      .addOption(outOption)
      .addFlag(calldataFlag)
      .setInlineAction(async (args, hre) => (await import("./gov.js")).proposeAction(action.name)(args as never, hre))
      .build();
  }),
  task(["gov", "pending"], "List every operation pending on the timelock for the vault and its oracles, in words, with its ETA and who can execute or cancel it")
    .addOption(vaultOption)
    .addOption(fromBlockOption)
    .setInlineAction(async (args, hre) => (await import("./gov.js")).pending(args, hre))
    .build(),
  emptyTask("guardian", "The guardian's pause").build(),
  ...(
    [
      ["pause", "Pause deposits, base-asset exits and rebalances for PauseSeconds (in-kind exits go on)"],
      ["unpause", "End the guardian's pause before it runs out"],
    ] as const
  ).map(([action, description]) =>
    task(["guardian", action], description)
      .addOption(vaultOption)
      .addOption(fromOption)
      .addOption(safeOption)
      .addOption(outOption)
      .addFlag(calldataFlag)
      .setInlineAction(async (args, hre) => (await import("./gov.js")).guardianAction(action)(args, hre))
      .build(),
  ),
];
