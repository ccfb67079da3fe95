import { expect } from "chai";
import { MaxUint256 } from "ethers";

import { LOCAL_MARKET_FEES } from "../../deploy/modules/LocalMarket.js";
import { signedBy } from "../helpers/assertions.js";
import { donateBasket, marketSwap, USDC, useBallast, type BallastFixture } from "../helpers/vault.js";

describe("BallastRouter: slippage-protected entry points", function () {
  const suite = useBallast();
  const time = () => suite.connection.networkHelpers.time;

  /** A $1M vault at its targets, Alice holding half; Bob about to enter, both having approved the router. */
  async function load() {
    const f = await suite.load();
    const { alice, bob } = f.signers;
    const router = await f.ballastRouter.getAddress();
    await signedBy(f.vault, alice).deposit(USDC(200_000), alice.address);
    await signedBy(f.vault, bob).deposit(USDC(200_000), bob.address);
    await donateBasket(f, 600_000n);
    for (const who of [alice, bob]) {
      await signedBy(f.usdc, who).approve(router, MaxUint256);
      await signedBy(f.vault, who).approve(router, MaxUint256);
    }
    return { f, router: f.ballastRouter, vault: await f.vault.getAddress() };
  }

  /** WETH moves about 4% up (a real swap, in a block of its own): shares cost more, exits pay more. */
  async function wethJumps(f: BallastFixture) {
    await marketSwap(suite.connection, f, f.signers.carol, f.tokens.usdc, f.tokens.weth, LOCAL_MARKET_FEES.usdcWeth, USDC(1_200_000));
    await time().increase(12);
  }

  it("deposits for at least minShares, and refuses when a move since the quote would mint fewer", async function () {
    const { f, router, vault } = await load();
    const { bob } = f.signers;
    const quoted = await f.vault.previewDeposit(USDC(10_000));
    const minShares = (quoted * 9_990n) / 10_000n; // 10 bps of tolerance
    await expect(signedBy(router, bob).deposit(vault, USDC(10_000), bob.address, minShares)).to.emit(f.vault, "Deposit");
    // The same deposit, quoted before WETH jumps and sent after: fewer shares than agreed.
    const before = await f.vault.previewDeposit(USDC(10_000));
    await wethJumps(f);
    const now = await f.vault.previewDeposit(USDC(10_000));
    await expect(signedBy(router, bob).deposit(vault, USDC(10_000), bob.address, (before * 9_990n) / 10_000n))
      .to.be.revertedWithCustomError(router, "RouterTooFewShares")
      .withArgs(now, (before * 9_990n) / 10_000n);
    expect(await f.usdc.balanceOf(await router.getAddress()), "the router holds nothing").to.equal(0n);
  });

  it("mints for at most maxAssets, pulling exactly what the vault takes", async function () {
    const { f, router, vault } = await load();
    const { bob } = f.signers;
    const shares = 10n ** 16n;
    const cost = await f.vault.previewMint(shares);
    const usdcBefore = await f.usdc.balanceOf(bob.address);
    await signedBy(router, bob).mint(vault, shares, bob.address, cost);
    expect(usdcBefore - (await f.usdc.balanceOf(bob.address))).to.equal(cost);
    await wethJumps(f);
    await expect(signedBy(router, bob).mint(vault, shares, bob.address, cost)).to.be.revertedWithCustomError(router, "RouterTooManyAssets");
    expect(await f.usdc.allowance(await router.getAddress(), vault), "no allowance left behind").to.equal(0n);
  });

  it("gives back what a mint did not use when a vault's preview overstates it", async function () {
    const { f, router } = await load();
    const { bob } = f.signers;
    const other = await suite.connection.ethers.deployContract("OverpricedMintVault", [f.tokens.usdc]);
    const shares = 10n ** 9n;
    const preview = await other.previewMint(shares);
    const usdcBefore = await f.usdc.balanceOf(bob.address);
    await signedBy(router, bob).mint(await other.getAddress(), shares, bob.address, preview);
    expect(await other.balanceOf(bob.address)).to.equal(shares);
    expect(usdcBefore - (await f.usdc.balanceOf(bob.address)), "the unit the preview overstated came back").to.equal(preview - 1n);
    expect(await f.usdc.balanceOf(await router.getAddress())).to.equal(0n);
  });

  it("withdraws burning at most maxShares, and redeems for at least minAssets, as the shares' owner", async function () {
    const { f, router, vault } = await load();
    const { alice, carol } = f.signers;
    const shares = await f.vault.previewWithdraw(USDC(1_000));
    await signedBy(router, alice).withdraw(vault, USDC(1_000), carol.address, shares);
    expect(await f.usdc.balanceOf(carol.address)).to.equal(USDC(10_000_000) + USDC(1_000));
    const redeemShares = 10n ** 15n;
    const assets = await f.vault.previewRedeem(redeemShares);
    await signedBy(router, alice).redeem(vault, redeemShares, alice.address, assets);
    // WETH drops: the same shares would fetch less than the caller agreed to.
    await marketSwap(suite.connection, f, f.signers.carol, f.tokens.weth, f.tokens.usdc, LOCAL_MARKET_FEES.usdcWeth, 400n * 10n ** 18n);
    await time().increase(12);
    await expect(signedBy(router, alice).redeem(vault, redeemShares, alice.address, assets)).to.be.revertedWithCustomError(router, "RouterTooFewAssets");
    const moreShares = await f.vault.previewWithdraw(USDC(1_000));
    await expect(signedBy(router, alice).withdraw(vault, USDC(1_000), alice.address, shares))
      .to.be.revertedWithCustomError(router, "RouterTooManyShares")
      .withArgs(moreShares, shares);
    // Only the owner's own shares: the router spends the caller's allowance, no one else's.
    await expect(signedBy(router, carol).redeem(vault, redeemShares, carol.address, 0)).to.be.revertedWithCustomError(f.vault, "ERC4626ExceededMaxRedeem").withArgs(carol.address, redeemShares, 0n);
  });

  it("redeems in kind for at least a minimum of each holding, in targets() order", async function () {
    const { f, router, vault } = await load();
    const { alice } = f.signers;
    const shares = (await f.vault.balanceOf(alice.address)) / 10n;
    const expected = await signedBy(f.vault, alice).redeemInKind.staticCall(shares, alice.address, alice.address);
    const asked = [...expected];
    asked[1] += 1n; // one wei of WETH more than the slice
    await expect(signedBy(router, alice).redeemInKind(vault, shares, alice.address, asked))
      .to.be.revertedWithCustomError(router, "RouterTooLittleInKind")
      .withArgs(1, expected[1], asked[1]);
    await expect(signedBy(router, alice).redeemInKind(vault, shares, alice.address, asked.slice(0, 3)))
      .to.be.revertedWithCustomError(router, "RouterLengthMismatch")
      .withArgs(4, 3);
    await expect(signedBy(router, alice).redeemInKind(vault, shares, alice.address, [...expected])).to.emit(f.vault, "RedeemedInKind");
  });
});
