// Exits and changes that no token can block: a basket token that blacklists the vault (as USDC and
// USDT can), blacklists a receiver, pauses, or spends all the gas it is given.
import { expect } from "chai";
import { id, ZeroAddress, ZeroHash } from "ethers";

import { encodePath } from "../../deploy/lib/uniswap-path.js";
import { signedBy } from "../helpers/assertions.js";
import {
  donateBasket,
  listFeeOnTransferToken,
  listFreezableToken,
  Parameter,
  rebalanceEvents,
  timelockSigner,
  TIMELOCK_DELAY,
  USDC,
  useBallast,
  type BallastFixture,
} from "../helpers/vault.js";

describe("RebalancingVault: frozen tokens", function () {
  const suite = useBallast();
  const time = () => suite.connection.networkHelpers.time;

  /**
   * A $2M vault: USDC 40%, WETH 25%, WBTC 15%, LINK 10% and FRZ 10%, a token that can freeze
   * accounts ($1, with its own $60M pool). Alice and Bob hold half each.
   */
  async function frozenVault() {
    const f = await suite.load();
    const { alice, bob } = f.signers;
    const { frz, frzAddress, gov } = await listFreezableToken(suite.connection, f);
    await signedBy(f.vault, alice).deposit(USDC(400_000), alice.address);
    await signedBy(f.vault, bob).deposit(USDC(400_000), bob.address);
    // The rest arrives as holdings, as if rebalances had bought them: WETH, WBTC and LINK at 40% of
    // $1.8M-worth-of-baskets shares... in dollars: $500k, $300k, $200k, and FRZ $200k.
    const vault = await f.vault.getAddress();
    await holdTokens(f, vault, 500_000n, 300_000n, 200_000n);
    await frz.mint(vault, USDC(200_000));
    return { f, frz, frzAddress, vault, gov };
  }

  /** Puts WETH, WBTC and LINK worth the given dollars in `to`, as if rebalances had bought them. */
  async function holdTokens(f: BallastFixture, to: string, wethUsd: bigint, wbtcUsd: bigint, linkUsd: bigint) {
    const weth = (wethUsd * 10n ** 18n) / 3_000n;
    await signedBy(f.weth, f.signers.deployer).deposit({ value: weth });
    await f.weth.transfer(to, weth);
    await f.wbtc.mint(to, (wbtcUsd * 10n ** 8n) / 100_000n);
    await f.link.mint(to, (linkUsd * 10n ** 18n) / 15n);
  }

  /** Each holding's pro-rata slice for `shares`, as the vault computes it (virtual shares included). */
  async function slices(f: BallastFixture, tokens: string[], shares: bigint) {
    const [, balances] = await f.vault.holdings();
    const supply = (await f.vault.totalSupply()) + 10n ** 6n;
    return tokens.map((_, i) => (balances[i] * shares) / supply);
  }

  describe("exits in kind", function () {
    // Old design: one reverting transfer reverted the whole exit, for every holder; they then left first
    // come, first served through the idle base, and the last was left holding all of the frozen token.
    it("pay every other slice while a token blacklists the vault, and hold the frozen slice for its holder alone", async function () {
      const { f, frz, frzAddress, vault } = await frozenVault();
      const { alice, bob } = f.signers;
      await frz.setBlacklisted(vault, true);
      const [tokens] = await f.vault.targets();
      const aliceShares = await f.vault.balanceOf(alice.address);
      const expected = await slices(f, [...tokens], aliceShares);
      const frozenSlice = expected[4];
      expect(frozenSlice).to.be.closeTo(USDC(100_000), USDC(1));

      await expect(signedBy(f.vault, alice).redeemInKind(aliceShares, alice.address, alice.address))
        .to.emit(f.vault, "ClaimOwed")
        .withArgs(frzAddress, alice.address, frozenSlice)
        .and.to.emit(f.vault, "RedeemedInKind")
        .withArgs(alice.address, alice.address, alice.address, aliceShares, tokens, expected);
      for (const [i, token] of [f.usdc, f.weth, f.wbtc, f.link].entries()) {
        expect(await token.balanceOf(alice.address), `token ${i} paid`).to.equal(expected[i] + (i === 0 ? USDC(10_000_000) - USDC(400_000) : 0n));
      }
      expect(await frz.balanceOf(alice.address)).to.equal(0n);
      expect(await f.vault.claimable(frzAddress, alice.address)).to.equal(frozenSlice);
      expect(await f.vault.owed(frzAddress)).to.equal(frozenSlice);
      // What is owed is not the basket's: NAV and the holdings leave it out, and Bob's slice is his half.
      const [, held] = await f.vault.holdings();
      expect(held[4]).to.equal((await frz.balanceOf(vault)) - frozenSlice);
      const bobShares = await f.vault.balanceOf(bob.address);
      const bobSlice = (await slices(f, [...tokens], bobShares))[4];
      expect(bobSlice).to.be.closeTo(frozenSlice, USDC(1));
      await signedBy(f.vault, bob).redeemInKind(bobShares, bob.address, bob.address);
      expect(await f.vault.claimable(frzAddress, bob.address)).to.equal(bobSlice);

      // While the token still refuses, a claim fails and stays owed; once it lets go, each holder gets theirs.
      await expect(signedBy(f.vault, alice).claim(frzAddress, alice.address))
        .to.be.revertedWithCustomError(f.vault, "VaultClaimFailed")
        .withArgs(frzAddress, alice.address, frozenSlice);
      await frz.setBlacklisted(vault, false);
      await expect(signedBy(f.vault, alice).claim(frzAddress, alice.address))
        .to.emit(f.vault, "Claimed")
        .withArgs(frzAddress, alice.address, alice.address, frozenSlice);
      expect(await frz.balanceOf(alice.address)).to.equal(frozenSlice);
      await signedBy(f.vault, bob).claim(frzAddress, bob.address);
      expect(await frz.balanceOf(bob.address)).to.equal(bobSlice);
      expect(await f.vault.owed(frzAddress)).to.equal(0n);
      await expect(signedBy(f.vault, bob).claim(frzAddress, bob.address))
        .to.be.revertedWithCustomError(f.vault, "VaultNothingToClaim")
        .withArgs(frzAddress, bob.address);
    });

    it("hold a slice for a blacklisted receiver, who claims it to another address", async function () {
      const { f, frz, frzAddress } = await frozenVault();
      const { alice, carol, deployer } = f.signers;
      await frz.setBlacklisted(carol.address, true);
      const shares = (await f.vault.balanceOf(alice.address)) / 2n;
      await signedBy(f.vault, alice).redeemInKind(shares, carol.address, alice.address);
      const owed = await f.vault.claimable(frzAddress, carol.address);
      expect(owed).to.be.greaterThan(0n);
      expect(await f.vault.claimable(frzAddress, alice.address), "owed to the receiver, not the owner").to.equal(0n);
      await expect(signedBy(f.vault, carol).claim(frzAddress, ZeroAddress)).to.be.revertedWithCustomError(f.vault, "VaultZeroAddress");
      await signedBy(f.vault, carol).claim(frzAddress, deployer.address);
      expect(await frz.balanceOf(deployer.address)).to.equal(owed);
    });

    it("pay the rest when a token's transfer spends all its gas, and hold that slice for a claim given enough gas", async function () {
      const { f, frz, frzAddress } = await frozenVault();
      const { alice } = f.signers;
      await frz.setDrainGas(true);
      const shares = await f.vault.balanceOf(alice.address);
      const tx = await signedBy(f.vault, alice).redeemInKind(shares, alice.address, alice.address, { gasLimit: 3_000_000 });
      const receipt = await tx.wait();
      expect(receipt!.status).to.equal(1);
      expect(receipt!.gasUsed, "the drained transfer was held to its limit").to.be.lessThan(1_000_000n);
      expect(await f.weth.balanceOf(alice.address)).to.be.greaterThan(0n);
      const owed = await f.vault.claimable(frzAddress, alice.address);
      expect(owed).to.be.greaterThan(0n);
      await frz.setDrainGas(false);
      await signedBy(f.vault, alice).claim(frzAddress, alice.address);
      expect(await frz.balanceOf(alice.address)).to.equal(owed);
    });

    it("keep working while the token is paused, and the base asset's slice is owed like any other", async function () {
      const { f, frz, frzAddress } = await frozenVault();
      const { alice } = f.signers;
      await frz.setPaused(true);
      await signedBy(f.vault, f.signers.guardian).pause();
      const shares = (await f.vault.balanceOf(alice.address)) / 4n;
      await signedBy(f.vault, alice).redeemInKind(shares, alice.address, alice.address);
      expect(await f.vault.claimable(frzAddress, alice.address)).to.be.greaterThan(0n);
    });
  });

  describe("rebalancing", function () {
    /**
     * Rebalances (with `overrides`) while FRZ is frozen, and checks that FRZ was left out: skipped, the rest
     * rebalanced, FRZ unmoved. Returns the receipt and how much WETH the vault gained (less than 0: sold).
     */
    async function rebalanceWithoutFrz({ f, frz, frzAddress, vault }: Awaited<ReturnType<typeof frozenVault>>, overrides = {}) {
      const frzBefore = await frz.balanceOf(vault);
      const wethBefore = await f.weth.balanceOf(vault);
      const tx = await signedBy(f.vault, f.signers.keeper).rebalance(overrides);
      await expect(tx).to.emit(f.vault, "FrozenTokenSkipped").withArgs(frzAddress);
      await expect(tx).to.emit(f.vault, "Rebalanced");
      expect(await frz.balanceOf(vault), "FRZ did not move").to.equal(frzBefore);
      return { receipt: await tx.wait(), wethGained: (await f.weth.balanceOf(vault)) - wethBefore };
    }

    // Old design: the rebalance failed with VaultSwapFailed(STF), and so did every one after it.
    it("trades the rest of the basket toward its targets when one token blacklists the vault", async function () {
      const frozen = await frozenVault();
      const { f, frz, frzAddress, vault, gov } = frozen;
      // FRZ is to be cut to 3% and WETH raised to 32%: both out of band.
      await signedBy(f.vault, gov).setTargets([...f.basket, frzAddress], [4_000, 3_200, 1_500, 1_000, 300]);
      const plan = await f.vault.previewRebalance();
      expect(plan.some((t: { tokenIn: string }) => t.tokenIn === frzAddress), "the plan without the freeze sells FRZ").to.equal(true);
      await frz.setBlacklisted(vault, true);
      const frzBefore = await frz.balanceOf(vault);
      expect((await rebalanceWithoutFrz(frozen)).wethGained, "WETH was bought").to.be.greaterThan(0n);
      // Once the token lets go, the next rebalance trades it again.
      await frz.setBlacklisted(vault, false);
      await time().increase(3600);
      await expect(signedBy(f.vault, f.signers.keeper).rebalance()).to.not.emit(f.vault, "FrozenTokenSkipped");
      expect(await frz.balanceOf(vault)).to.be.lessThan(frzBefore);
    });

    // A token the plan sells is not probed first: its swap pays it out, and the vault runs the whole
    // rebalance again, probing every token, when a swap fails. A token the plan only receives is probed
    // first, as every token was before.
    it("never buys a token that would not let it send (a blacklist of senders only, as USDT's): it is probed before any swap", async function () {
      const frozen = await frozenVault();
      const { f, frz, frzAddress, vault, gov } = frozen;
      // FRZ is to be raised to 15% and WETH cut to 20%: the plan buys FRZ.
      await signedBy(f.vault, gov).setTargets([...f.basket, frzAddress], [4_000, 2_000, 1_500, 1_000, 1_500]);
      const plan = await f.vault.previewRebalance();
      expect(plan.some((t: { tokenOut: string }) => t.tokenOut === frzAddress), "the plan buys FRZ").to.equal(true);
      await frz.setSendersOnly(true);
      await frz.setBlacklisted(vault, true);
      expect((await rebalanceWithoutFrz(frozen)).wethGained, "WETH was sold").to.be.lessThan(0n);
    });

    it("runs the rebalance again without a sold token that spends all the gas it is given: the pool's payment is capped as the probe is", async function () {
      const frozen = await frozenVault();
      const { f, frz, frzAddress, gov } = frozen;
      await signedBy(f.vault, gov).setTargets([...f.basket, frzAddress], [4_000, 3_200, 1_500, 1_000, 300]);
      await frz.setDrainGas(true);
      const { receipt, wethGained } = await rebalanceWithoutFrz(frozen, { gasLimit: 5_000_000 });
      // Two attempts and the drained payment and probe, each held to Transfers.GAS_LIMIT (300,000).
      expect(receipt!.gasUsed, "the drained transfers were held to their limit").to.be.lessThan(2_500_000n);
      expect(wethGained, "WETH was bought").to.be.greaterThan(0n);
    });

    it("fails with VaultSwapFailed naming PoolSwapPaymentFailed when a token lets the vault move it but refuses its pool", async function () {
      const { f, frz, frzAddress, vault, gov } = await frozenVault();
      await signedBy(f.vault, gov).setTargets([...f.basket, frzAddress], [4_000, 3_200, 1_500, 1_000, 300]);
      const [sale] = (await f.vault.previewRebalance()).filter((t: { tokenIn: string }) => t.tokenIn === frzAddress);
      // The probe (a transfer to itself) passes; paying the pool does not, in either attempt.
      await frz.setBlacklisted(await f.factory.getPool(f.tokens.usdc, frzAddress, 3000), true);
      const frzBefore = await frz.balanceOf(vault);
      const reason = f.vault.interface.encodeErrorResult("PoolSwapPaymentFailed", [frzAddress]);
      await expect(signedBy(f.vault, f.signers.keeper).rebalance())
        .to.be.revertedWithCustomError(f.vault, "VaultSwapFailed")
        .withArgs(frzAddress, f.tokens.usdc, sale.amountIn, sale.minAmountOut, reason);
      expect(await frz.balanceOf(vault)).to.equal(frzBefore);
    });

    it("checks that the traded basket's drift fell, not the whole basket's, when the frozen token is the furthest off", async function () {
      const { f, frz, frzAddress, vault, gov } = await frozenVault();
      // FRZ is 9% over its 1% target, the widest gap; WETH 5% and LINK 4% under theirs.
      await signedBy(f.vault, gov).setTargets([...f.basket, frzAddress], [4_000, 3_000, 1_500, 1_400, 100]);
      await frz.setBlacklisted(vault, true);
      const driftBefore = await f.vault.driftBps();
      expect(driftBefore).to.be.closeTo(900n, 1n);
      const wethBefore = await f.weth.balanceOf(vault);
      const receipt = await (await signedBy(f.vault, f.signers.keeper).rebalance()).wait();
      const { rebalanced } = rebalanceEvents(f, receipt);
      expect(await f.weth.balanceOf(vault), "WETH was bought").to.be.greaterThan(wethBefore);
      // The whole basket's drift, which the event reports, is still FRZ's gap (a little wider, for the
      // swaps' fees): only the basket without FRZ came closer to its targets, and that is what is checked.
      expect(rebalanced.driftBeforeBps).to.equal(driftBefore);
      expect(rebalanced.driftAfterBps).to.be.greaterThanOrEqual(driftBefore);
      expect(await frz.balanceOf(vault)).to.equal(USDC(200_000), "FRZ did not move");
    });

    it("refuses, with VaultDriftNotReduced, a rebalance that takes the traded basket further off while a token is frozen", async function () {
      const { f, frz, frzAddress, vault, gov } = await frozenVault();
      // FOT, $1M of it: the vault is worth $3M. FRZ (frozen, 6.7%) is to go; without it, FOT stands
      // at 36% of the rest against a 30% target, and USDC at 29% against 37%: a sale of FOT, sized to its pool.
      const { fot, fotAddress } = await listFeeOnTransferToken(suite.connection, f, USDC(1_000_000));
      const tokens = [...f.basket, frzAddress, fotAddress];
      await signedBy(f.vault, gov).setTargets(tokens, [3_667, 1_667, 1_000, 666, 0, 3_000]);
      await signedBy(f.vault, gov).setParameter(Parameter.MaxTradeBps, 10_000);
      await frz.setBlacklisted(vault, true);
      // Each transfer now also burns six times the amount from the sender: the sale leaves FOT further
      // under its target than it stood over.
      await fot.setFeeBps(60_000);
      await fot.setSenderPays(true);
      const plan = await f.vault.previewRebalance();
      expect(plan.some((t: { tokenIn: string }) => t.tokenIn === fotAddress), "the plan sells FOT").to.equal(true);
      expect(await f.vault.driftBps(), "the whole basket's drift: USDC's 10% gap").to.be.closeTo(1_000n, 1n);
      const [, held] = await f.vault.holdings();
      // The drift compared is the traded basket's, without FRZ: USDC's gap there, 36.67% - 28.57%.
      const withoutFrz = (drift: bigint) => drift / 10n ** 14n >= 809n && drift / 10n ** 14n <= 811n;
      await expect(signedBy(f.vault, f.signers.keeper).rebalance())
        .to.be.revertedWithCustomError(f.vault, "VaultDriftNotReduced")
        .withArgs(withoutFrz, (after: bigint) => after > 810n * 10n ** 14n);
      expect((await f.vault.holdings())[1], "nothing moved").to.deep.equal(held);
    });

    it("says there is nothing to trade when every out-of-band token is frozen", async function () {
      const { f, frz, vault } = await frozenVault();
      // Only FRZ is off target ($200k more of it: 18% against 10%); the rest stands at its targets
      // among themselves. Frozen, there is nothing to do.
      await frz.mint(vault, USDC(200_000));
      expect((await f.vault.rebalanceStatus()).due).to.equal(true);
      await frz.setBlacklisted(vault, true);
      await expect(signedBy(f.vault, f.signers.keeper).rebalance()).to.be.revertedWithCustomError(f.vault, "VaultNothingToTrade");
    });
  });

  describe("writing off and removing", function () {
    it("writes off a frozen token through the timelock: NAV drops by its value for every holder alike, claims survive, the balance is sweepable", async function () {
      const { f, frz, frzAddress, vault } = await frozenVault();
      const { alice, bob, carol } = f.signers;
      await frz.setBlacklisted(vault, true);
      // Alice leaves in kind before the change executes: her FRZ slice is held for her.
      await signedBy(f.vault, alice).redeemInKind(await f.vault.balanceOf(alice.address), alice.address, alice.address);
      const aliceOwed = await f.vault.claimable(frzAddress, alice.address);
      const navBefore = await f.vault.totalAssets();
      const bobBefore = await f.vault.previewRedeem(await f.vault.balanceOf(bob.address));
      const [, held, values] = await f.vault.holdings();
      const frzValue = values[4];
      expect(frzValue).to.be.closeTo(USDC(100_000), USDC(100));

      // Target to zero and write-off, in one operation through the timelock.
      const timelock = signedBy(f.timelock, f.signers.governance);
      const data = [
        f.vault.interface.encodeFunctionData("setTargets", [[...f.basket, frzAddress], [5_000, 2_500, 1_500, 1_000, 0]]),
        f.vault.interface.encodeFunctionData("writeOffToken", [frzAddress]),
      ];
      await timelock.scheduleBatch([vault, vault], [0, 0], data, ZeroHash, id("write off"), TIMELOCK_DELAY);
      await time().increase(TIMELOCK_DELAY);
      await expect(timelock.executeBatch([vault, vault], [0, 0], data, ZeroHash, id("write off")))
        .to.emit(f.vault, "TokenWrittenOff")
        .withArgs(frzAddress, held[4], frzValue);
      expect((await f.vault.targets())[0]).to.not.include(frzAddress);
      const navAfter = await f.vault.totalAssets();
      expect(navBefore - navAfter, "NAV lost the token's value").to.be.closeTo(frzValue, USDC(100));
      const bobAfter = await f.vault.previewRedeem(await f.vault.balanceOf(bob.address));
      expect(bobBefore - bobAfter, "Bob bears his share of it").to.be.closeTo(frzValue, USDC(100));

      // Sweepable once it moves again, less what Alice is owed; her claim is still good.
      await expect(signedBy(f.vault, await timelockSigner(suite.connection, f)).sweep(frzAddress, carol.address))
        .to.be.revertedWithCustomError(frz, "FreezableBlacklisted")
        .withArgs(vault);
      await frz.setBlacklisted(vault, false);
      const sweep = signedBy(f.vault, await timelockSigner(suite.connection, f)).sweep(frzAddress, carol.address);
      await expect(sweep).to.emit(f.vault, "Swept").withArgs(frzAddress, carol.address, held[4]);
      await signedBy(f.vault, alice).claim(frzAddress, alice.address);
      expect(await frz.balanceOf(alice.address)).to.equal(aliceOwed);
      expect(await frz.balanceOf(vault)).to.equal(0n);
    });

    // Second review: listing a written-off token again recreated its holding without the claims it owed, so
    // NAV counted Alice's held slice ($100k of FRZ at $2M) and Bob left in kind with $200k of FRZ; her claim
    // then reverted VaultClaimFailed.
    it("keeps a token's claims apart from the basket when it is listed again after a write-off, or a removal", async function () {
      const { f, frz, frzAddress, vault, gov } = await frozenVault();
      const { alice, bob } = f.signers;
      await frz.setBlacklisted(vault, true);
      await signedBy(f.vault, alice).redeemInKind(await f.vault.balanceOf(alice.address), alice.address, alice.address);
      const aliceOwed = await f.vault.claimable(frzAddress, alice.address);
      expect(aliceOwed).to.be.closeTo(USDC(100_000), USDC(1));
      const govVault = signedBy(f.vault, gov);
      await govVault.setTargets([...f.basket, frzAddress], [5_000, 2_500, 1_500, 1_000, 0]);
      await govVault.writeOffToken(frzAddress);
      // FRZ lets the vault go again, and governance lists it again.
      await frz.setBlacklisted(vault, false);
      await govVault.addToken(frzAddress, encodePath([frzAddress, f.tokens.usdc], [3000]));
      const [tokens, balances, values] = await f.vault.holdings();
      expect(tokens[4]).to.equal(frzAddress);
      expect(balances[4], "the basket holds FRZ less Alice's claim").to.equal((await frz.balanceOf(vault)) - aliceOwed);
      expect(values[4]).to.be.closeTo(USDC(100_000), USDC(100));
      // Bob, the only holder, leaves in kind: he takes the basket's FRZ, not Alice's.
      const [, paid] = await (async () => {
        const amounts = await f.vault.previewRedeemInKind(await f.vault.balanceOf(bob.address));
        await signedBy(f.vault, bob).redeemInKind(await f.vault.balanceOf(bob.address), bob.address, bob.address);
        return [null, amounts[4]] as const;
      })();
      expect(paid, "Bob's FRZ slice is the basket's, about $100k").to.be.closeTo(USDC(100_000), USDC(1));
      await expect(signedBy(f.vault, alice).claim(frzAddress, alice.address)).to.emit(f.vault, "Claimed").withArgs(frzAddress, alice.address, alice.address, aliceOwed);
      // Removed (dust) and listed again: the same.
      await frz.setBlacklisted(vault, true);
      await f.usdc.mint(bob.address, USDC(1_000));
      await signedBy(f.vault, bob).deposit(USDC(1_000), bob.address);
      await frz.mint(vault, USDC(1));
      await signedBy(f.vault, bob).redeemInKind((await f.vault.balanceOf(bob.address)) * 99n / 100n, bob.address, bob.address);
      const bobOwed = await f.vault.claimable(frzAddress, bob.address);
      expect(bobOwed).to.be.greaterThan(0n);
      await govVault.setTargets([...f.basket, frzAddress], [5_000, 2_500, 1_500, 1_000, 0]);
      await frz.setBlacklisted(vault, false);
      await govVault.removeToken(frzAddress);
      await govVault.addToken(frzAddress, encodePath([frzAddress, f.tokens.usdc], [3000]));
      const [, again] = await f.vault.holdings();
      expect(again[4]).to.equal((await frz.balanceOf(vault)) - bobOwed);
      await signedBy(f.vault, bob).claim(frzAddress, bob.address);
      expect(await f.vault.owed(frzAddress)).to.equal(0n);
    });

    it("writes off a token the oracle cannot price, whatever it holds, reporting its value as 0", async function () {
      const { f, frzAddress, gov } = await frozenVault();
      await signedBy(f.oracle, gov).removeRoute(frzAddress);
      await expect(f.vault.totalAssets()).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
      await signedBy(f.vault, gov).setTargets([...f.basket, frzAddress], [5_000, 2_500, 1_500, 1_000, 0]);
      await expect(signedBy(f.vault, gov).removeToken(frzAddress)).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
      await expect(signedBy(f.vault, gov).writeOffToken(frzAddress)).to.emit(f.vault, "TokenWrittenOff").withArgs(frzAddress, USDC(200_000), 0n);
      expect(await f.vault.totalAssets(), "the rest can be valued again").to.be.greaterThan(USDC(1_500_000));
      await expect(signedBy(f.vault, gov).writeOffToken(f.tokens.usdc)).to.be.revertedWithCustomError(f.vault, "VaultBaseAsset");
      await expect(signedBy(f.vault, gov).writeOffToken(f.tokens.weth)).to.be.revertedWithCustomError(f.vault, "VaultTargetNotZero");
      await expect(signedBy(f.vault, f.signers.governance).writeOffToken(f.tokens.link)).to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount");
    });

    // Old design: the dust limit was one base unit, so 0.07 LINK donated just before `execute` blocked
    // the removal, and a rebalance never sold a zero-target holding below MinDriftBps of NAV.
    it("removes a zero-target token despite a donation: small ones are dust, larger ones a rebalance sells", async function () {
      const f = await suite.load();
      const { alice, attacker, carol } = f.signers;
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      await signedBy(f.vault, alice).deposit(USDC(400_000), alice.address);
      await donateBasket(f, 600_000n);
      await gov.setParameter(Parameter.MinDriftBps, 1);
      await gov.setParameter(Parameter.DriftThresholdBps, 1);
      await gov.setTargets([...f.basket], [4_000, 3_500, 2_500, 0]);
      await expect(gov.removeToken(f.tokens.link)).to.be.revertedWithCustomError(f.vault, "VaultHoldingNotDust");
      // Rebalances sell the zero-target LINK in slices, down to the last dust, whatever MinDriftBps says.
      for (let i = 0; i < 30 && (await f.link.balanceOf(await f.vault.getAddress())) > 10n ** 15n; i++) {
        await signedBy(f.vault, f.signers.keeper).rebalance();
        await time().increase(3600);
      }
      // A donor front-runs the removal with $1 of LINK (0.07): dust under a basis point of NAV.
      await f.link.mint(attacker.address, 7n * 10n ** 16n);
      await signedBy(f.link, attacker).transfer(await f.vault.getAddress(), 7n * 10n ** 16n);
      await expect(gov.removeToken(f.tokens.link)).to.emit(f.vault, "TokenRemoved");
      // What was left, and what arrives later, is swept rather than stranded.
      await f.link.mint(await f.vault.getAddress(), 10n ** 18n);
      await expect(gov.sweep(f.tokens.link, carol.address)).to.emit(f.vault, "Swept");
      expect(await f.link.balanceOf(await f.vault.getAddress())).to.equal(0n);
      await expect(gov.sweep(f.tokens.weth, carol.address)).to.be.revertedWithCustomError(f.vault, "VaultListedToken");
      await expect(gov.sweep(f.tokens.link, carol.address)).to.be.revertedWithCustomError(f.vault, "VaultZeroAmount");
      await expect(gov.sweep(f.tokens.link, ZeroAddress)).to.be.revertedWithCustomError(f.vault, "VaultZeroAddress");
    });

    it("makes a removal-blocking donation cost its donor more than a basis point of NAV, which holders keep", async function () {
      const f = await suite.load();
      const { alice, attacker } = f.signers;
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      await signedBy(f.vault, alice).deposit(USDC(1_000_000), alice.address);
      await gov.setTargets([...f.basket], [4_000, 3_500, 2_500, 0]);
      // $150 of LINK against a limit of one basis point of $1M ($100): blocked, for now.
      await f.link.mint(attacker.address, 10n * 10n ** 18n);
      await signedBy(f.link, attacker).transfer(await f.vault.getAddress(), 10n * 10n ** 18n);
      const nav = await f.vault.totalAssets();
      await expect(gov.removeToken(f.tokens.link))
        .to.be.revertedWithCustomError(f.vault, "VaultHoldingNotDust")
        .withArgs(f.tokens.link, (v: bigint) => v > USDC(140), nav / 10_000n);
      expect(await f.vault.totalAssets(), "the donation is the holders'").to.be.greaterThan(USDC(1_000_100));
    });
  });
});
