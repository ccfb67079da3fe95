import { expect } from "chai";
import { id, ZeroHash } from "ethers";

import { DEFAULT_PARAMETERS } from "../../deploy/modules/Ballast.js";
import { signedBy } from "../helpers/assertions.js";
import { listNewToken, Parameter, TIMELOCK_DELAY, USDC, useBallast, vaultFactory } from "../helpers/vault.js";

describe("RebalancingVault: hostile tokens", function () {
  const suite = useBallast();
  const load = () => suite.load();

  it("refuses a fee-on-transfer base asset's deposit instead of crediting what did not arrive", async function () {
    const f = await load();
    const { alice } = f.signers;
    const fot = await suite.connection.ethers.deployContract("FeeOnTransferToken");
    const fotAddress = await fot.getAddress();
    const oracle = await suite.connection.ethers.deployContract("UniswapV3TwapOracle", [
      fotAddress, await f.factory.getAddress(), 12, 1800, 500, await f.timelock.getAddress(), [], [], [],
    ]);
    const vault = await (await vaultFactory(suite.connection, f)).deploy(
      fotAddress,
      "FOT vault",
      "vFOT",
      {
        oracle: await oracle.getAddress(),
        router: await f.router.getAddress(),
        governor: f.signers.governance.address,
        guardian: f.signers.guardian.address,
        keeper: f.signers.keeper.address,
        tokens: [fotAddress],
        targetsBps: [10_000],
        swapPaths: ["0x"],
        parameters: DEFAULT_PARAMETERS,
        depositCap: 2n ** 256n - 1n,
      },
    );
    await fot.mint(alice.address, USDC(1_000));
    await signedBy(fot, alice).approve(await vault.getAddress(), USDC(1_000));
    await expect(signedBy(vault, alice).deposit(USDC(1_000), alice.address))
      .to.be.revertedWithCustomError(vault, "VaultTransferMismatch")
      .withArgs(fotAddress, USDC(1_000), USDC(990));
  });

  it("follows a rebasing token's balance both ways, for every holder alike", async function () {
    const f = await load();
    const { alice, bob } = f.signers;
    const reb = await suite.connection.ethers.deployContract("RebasingToken");
    await listNewToken(suite.connection, f, reb, 10n); // $10 per REB
    await signedBy(f.vault, alice).deposit(USDC(10_000), alice.address);
    await signedBy(f.vault, bob).deposit(USDC(10_000), bob.address);
    const vaultAddress = await f.vault.getAddress();
    await reb.mint(vaultAddress, 1_000n * 10n ** 18n); // $10,000 of REB
    const before = await f.vault.totalAssets();
    const rebValue = await f.oracle.quote(await reb.getAddress(), await reb.balanceOf(vaultAddress));

    await reb.rebase(11, 10); // +10%
    const up = await f.vault.totalAssets();
    expect(up - before).to.be.closeTo(rebValue / 10n, USDC(1));
    await reb.rebase(8, 11); // down to 80% of the start
    const down = await f.vault.totalAssets();
    expect(before - down).to.be.closeTo(rebValue / 5n, USDC(1));

    // An in-kind exit pays half of what the vault holds now, not of a stale ledger.
    const held = await reb.balanceOf(vaultAddress);
    const shares = await f.vault.balanceOf(alice.address);
    const amounts = await signedBy(f.vault, alice).redeemInKind.staticCall(shares, alice.address, alice.address);
    expect(amounts[4]).to.be.closeTo(held / 2n, held / 1_000_000n);
  });

  /** A HOOK token listed in the basket, held by the vault, and Alice with shares to exit in kind. */
  async function withHookToken() {
    const f = await load();
    const { alice } = f.signers;
    const hook = await suite.connection.ethers.deployContract("HookToken");
    await listNewToken(suite.connection, f, hook, 1n);
    const vaultAddress = await f.vault.getAddress();
    await signedBy(f.vault, alice).deposit(USDC(10_000), alice.address);
    await hook.mint(vaultAddress, 1_000n * 10n ** 18n);
    /** Runs `data` against `target` from inside the vault: while paying Alice's in-kind exit its HOOK. */
    const fromInside = async (target: string, data: string) => {
      await hook.arm(vaultAddress, target, data);
      await signedBy(f.vault, alice).redeemInKind(10n ** 12n, alice.address, alice.address);
      expect(await hook.armed(), "the hook fired").to.equal(false);
      return { ok: await hook.lastCallSucceeded(), returned: await hook.lastReturnData() };
    };
    return { f, hook, vaultAddress, fromInside };
  }

  // Old design: maxWithdraw, maxRedeem, rebalanceStatus and driftBps answered from inside a hook, with
  // NAV half-updated, while the other views reverted.
  it("blocks a token's transfer hook from re-entering the vault, or reading its balances or NAV mid-exit", async function () {
    const { f, vaultAddress, fromInside } = await withHookToken();
    const { alice } = f.signers;
    const guard = f.vault.interface.getError("ReentrancyGuardReentrantCall")!.selector;
    const i = f.vault.interface;
    const reverting = [
      i.encodeFunctionData("deposit", [USDC(1), alice.address]),
      i.encodeFunctionData("mint", [10n ** 12n, alice.address]),
      i.encodeFunctionData("withdraw", [1, alice.address, alice.address]),
      i.encodeFunctionData("redeem", [1, alice.address, alice.address]),
      i.encodeFunctionData("redeemInKind", [1, alice.address, alice.address]),
      i.encodeFunctionData("claim", [f.tokens.usdc, alice.address]),
      i.encodeFunctionData("rebalance"),
      i.encodeFunctionData("totalAssets"),
      i.encodeFunctionData("convertToShares", [USDC(1)]),
      i.encodeFunctionData("convertToAssets", [10n ** 12n]),
      i.encodeFunctionData("previewDeposit", [USDC(1)]),
      i.encodeFunctionData("previewMint", [10n ** 12n]),
      i.encodeFunctionData("previewWithdraw", [USDC(1)]),
      i.encodeFunctionData("previewRedeem", [10n ** 12n]),
      i.encodeFunctionData("currentWeights"),
      i.encodeFunctionData("driftBps"),
      i.encodeFunctionData("holdings"),
      i.encodeFunctionData("rebalanceStatus"),
      i.encodeFunctionData("rebalanceTrigger"),
      i.encodeFunctionData("checkUpkeep", ["0x"]),
      i.encodeFunctionData("previewRebalance"),
    ];
    for (const data of reverting) {
      const { ok, returned } = await fromInside(vaultAddress, data);
      expect(ok, `${i.parseTransaction({ data })!.name} succeeded from inside`).to.equal(false);
      expect(returned.slice(0, 10), i.parseTransaction({ data })!.name).to.equal(guard);
    }
    // The ERC-4626 limits must not revert: they say nothing can be done now.
    for (const fn of ["maxDeposit", "maxMint", "maxWithdraw", "maxRedeem"]) {
      const { ok, returned } = await fromInside(vaultAddress, i.encodeFunctionData(fn, [alice.address]));
      expect(ok, fn).to.equal(true);
      expect(BigInt(returned), `${fn} from inside`).to.equal(0n);
    }
  });

  // Old design: governance setters were not nonReentrant: a ready timelock operation could run from a
  // token hook in the middle of a vault call.
  it("refuses a ready governance change executed from inside a vault call", async function () {
    const { f, fromInside } = await withHookToken();
    const timelock = signedBy(f.timelock, f.signers.governance);
    const vault = await f.vault.getAddress();
    const change = f.vault.interface.encodeFunctionData("setParameter", [Parameter.MaxSlippageBps, 500]);
    await timelock.schedule(vault, 0, change, ZeroHash, id("inside"), TIMELOCK_DELAY);
    await suite.connection.networkHelpers.time.increase(TIMELOCK_DELAY);
    const execute = f.timelock.interface.encodeFunctionData("execute", [vault, 0, change, ZeroHash, id("inside")]);
    const { ok, returned } = await fromInside(await f.timelock.getAddress(), execute);
    expect(ok).to.equal(false);
    expect(returned.slice(0, 10)).to.equal(f.vault.interface.getError("ReentrancyGuardReentrantCall")!.selector);
    // Outside a vault call, the same operation executes.
    await timelock.execute(vault, 0, change, ZeroHash, id("inside"));
    expect((await f.vault.parameters()).maxSlippageBps).to.equal(500n);
  });
});
