import { expect } from "chai";

import { DEFAULT_PARAMETERS } from "../../deploy/modules/Ballast.js";
import { signedBy } from "../helpers/assertions.js";
import { listNewToken, USDC, useBallast, vaultFactory } from "../helpers/vault.js";

describe("RebalancingVault: hostile tokens", function () {
  const suite = useBallast();
  const load = () => suite.load();

  it("refuses a fee-on-transfer base asset's deposit instead of crediting what did not arrive", async function () {
    const f = await load();
    const { alice } = f.signers;
    const fot = await suite.connection.ethers.deployContract("FeeOnTransferToken");
    const fotAddress = await fot.getAddress();
    const oracle = await suite.connection.ethers.deployContract("UniswapV3TwapOracle", [
      fotAddress, await f.factory.getAddress(), 1800, await f.timelock.getAddress(), [], [],
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

  it("blocks a token's transfer hook from re-entering the vault, or reading its NAV mid-exit", async function () {
    const f = await load();
    const { alice } = f.signers;
    const hook = await suite.connection.ethers.deployContract("HookToken");
    await listNewToken(suite.connection, f, hook, 1n);
    const vaultAddress = await f.vault.getAddress();
    await signedBy(f.vault, alice).deposit(USDC(10_000), alice.address);
    await hook.mint(vaultAddress, 1_000n * 10n ** 18n);
    const guardSelector = f.vault.interface.getError("ReentrancyGuardReentrantCall")!.selector;

    const attempts = [
      f.vault.interface.encodeFunctionData("deposit", [USDC(1), alice.address]),
      f.vault.interface.encodeFunctionData("redeemInKind", [1, alice.address, alice.address]),
      f.vault.interface.encodeFunctionData("redeem", [1, alice.address, alice.address]),
      f.vault.interface.encodeFunctionData("totalAssets"),
      f.vault.interface.encodeFunctionData("previewRedeem", [10n ** 12n]),
    ];
    for (const data of attempts) {
      await hook.arm(vaultAddress, vaultAddress, data);
      // Alice exits in kind; paying her HOOK fires the hook, which calls back into the vault.
      await signedBy(f.vault, alice).redeemInKind(10n ** 12n, alice.address, alice.address);
      expect(await hook.armed(), "the hook fired").to.equal(false);
      expect(await hook.lastCallSucceeded(), data.slice(0, 10)).to.equal(false);
      expect((await hook.lastReturnData()).slice(0, 10)).to.equal(guardSelector);
    }
  });
});
