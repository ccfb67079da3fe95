// The exit in the base asset for any number of shares (BallastRouter.redeemToBase): the vault pays the
// holder's slice of every holding in kind, the router sells the slices on the vault's swap paths, each
// sale bounded by the oracle, the total by the caller. Tested for what it pays, for what it leaves the
// holders who stay, and against the pricing attacks (pushes in the same block, a sandwich).
import { expect } from "chai";
import { MaxUint256 } from "ethers";

import { signedBy } from "../helpers/assertions.js";
import { call, deployAttacker, holdingsOf, inOneBlock, ticksFor, usd, valueChange } from "../helpers/attack.js";
import { donateTokens, listFreezableToken, Parameter, timelockSigner, USDC, useBallast, type BallastFixture } from "../helpers/vault.js";

interface Leg {
  token: string;
  amount: bigint;
  value: bigint;
  minOut: bigint;
  amountOut: bigint;
}

const figures: string[] = [];

describe("BallastRouter.redeemToBase: leave in the base asset, whatever the size", function () {
  const suite = useBallast();

  after(function () {
    if (figures.length > 0) console.log(`\n    exit to base:\n${figures.map((l) => `      ${l}`).join("\n")}`);
  });

  /** A $1M vault at its targets ($400k idle), Alice and Bob holding half each, both having approved the router. */
  async function load() {
    const f = await suite.load();
    const { alice, bob } = f.signers;
    await signedBy(f.vault, alice).deposit(USDC(200_000), alice.address);
    await signedBy(f.vault, bob).deposit(USDC(200_000), bob.address);
    await donateTokens(f, 600_000n);
    const router = f.ballastRouter;
    for (const who of [alice, bob]) await signedBy(f.vault, who).approve(await router.getAddress(), MaxUint256);
    return { f, router, vault: await f.vault.getAddress() };
  }

  /** What the basket's tokens a contract holds add up to: the router must hold nothing after a call. */
  async function held(f: BallastFixture, who: string) {
    return Promise.all([f.usdc, f.weth, f.wbtc, f.link].map((t) => t.balanceOf(who)));
  }

  it("pays the base asset for more shares than the idle base covers, every sale at least its oracle floor", async function () {
    const { f, router, vault } = await load();
    const { alice } = f.signers;
    const shares = await f.vault.balanceOf(alice.address);
    expect(await f.vault.maxRedeem(alice.address), "a plain redeem stops at the idle base").to.be.lessThan(shares);

    const [legs, floor] = await router.previewRedeemToBase(vault, shares);
    const inKind = await f.vault.previewRedeemInKind(shares);
    expect(legs.map((l: Leg) => l.amount)).to.deep.equal([...inKind]);
    const oracleValue: bigint = legs.reduce((a: bigint, l: Leg) => a + l.value, 0n);
    expect(oracleValue).to.be.closeTo(USDC(500_000), USDC(500));
    // Each sale's floor is its slice's value at the oracle's lower reference less MaxSlippageBps (1%).
    for (const l of legs.slice(1) as Leg[]) expect(l.minOut).to.equal((l.value * 9_900n) / 10_000n);
    expect(legs[0].minOut).to.equal(legs[0].amount);

    const [quoted] = await signedBy(router, alice).redeemToBase.staticCall(vault, shares, alice.address, floor);
    const before = await f.usdc.balanceOf(alice.address);
    await expect(signedBy(router, alice).redeemToBase(vault, shares, alice.address, quoted)).to.emit(f.vault, "RedeemedInKind");
    const paid: bigint = ((await f.usdc.balanceOf(alice.address)) as bigint) - (before as bigint);
    expect(paid).to.equal(quoted);
    expect(paid).to.be.greaterThanOrEqual(floor);
    // The cost against leaving in kind: the pools' fees (0.05% on WETH's $150k, 0.3% on $150k of WBTC and LINK) and impact.
    const cost: bigint = oracleValue - paid;
    figures.push(`$${Number(oracleValue / 10n ** 6n).toLocaleString("en-US")} exit (half the vault): paid ${usd(paid)}, cost against in kind ${usd(cost)} (${((Number(cost) / Number(oracleValue)) * 10_000).toFixed(1)} bps)`);
    expect(Number(cost)).to.be.within(Number(USDC(75 + 450)), Number(USDC(2_500)));
    expect(await f.vault.balanceOf(alice.address)).to.equal(0n);
    const routerAddress = await router.getAddress();
    expect(await held(f, routerAddress), "the router holds nothing").to.deep.equal([0n, 0n, 0n, 0n]);
    for (const t of [f.weth, f.wbtc, f.link]) expect(await t.allowance(routerAddress, await f.router.getAddress())).to.equal(0n);
  });

  it("leaves every remaining holder exactly what an in-kind exit of the same shares leaves them", async function () {
    const { f, router, vault } = await load();
    const { alice, bob } = f.signers;
    const shares = await f.vault.balanceOf(alice.address);
    const bobShares = await f.vault.balanceOf(bob.address);
    const bobBefore = await f.vault.previewRedeemInKind(bobShares);
    await signedBy(router, alice).redeemToBase(vault, shares, alice.address, 0);
    const afterToBase = await held(f, vault);
    const bobAfter = await f.vault.previewRedeemInKind(bobShares);
    for (const [i, amount] of bobAfter.entries()) expect(amount, `token ${i}`).to.be.greaterThanOrEqual(bobBefore[i]);

    // The same exit in kind, from the same state: the vault ends with the very same balances.
    const again = await load();
    await signedBy(again.f.vault, alice).redeemInKind(shares, alice.address, alice.address);
    expect(await held(again.f, again.vault)).to.deep.equal(afterToBase);
  });

  it("works while the vault is paused, as in-kind exits do", async function () {
    const { f, router, vault } = await load();
    const { alice } = f.signers;
    await signedBy(f.vault, f.signers.guardian).pause();
    const shares = await f.vault.balanceOf(alice.address);
    expect(await f.vault.maxRedeem(alice.address)).to.equal(0n);
    const [, floor] = await router.previewRedeemToBase(vault, shares);
    await signedBy(router, alice).redeemToBase(vault, shares, alice.address, floor);
    expect(await f.vault.balanceOf(alice.address)).to.equal(0n);
  });

  it("refuses below the caller's minimum, for shares it may not spend, and for nothing", async function () {
    const { f, router, vault } = await load();
    const { alice, carol } = f.signers;
    const shares = (await f.vault.balanceOf(alice.address)) / 2n;
    const [quoted] = await signedBy(router, alice).redeemToBase.staticCall(vault, shares, alice.address, 0);
    await expect(signedBy(router, alice).redeemToBase(vault, shares, alice.address, quoted + 1n))
      .to.be.revertedWithCustomError(router, "RouterTooFewAssets")
      .withArgs(quoted, quoted + 1n);
    await expect(signedBy(router, carol).redeemToBase(vault, shares, carol.address, 0)).to.be.revertedWithCustomError(f.vault, "ERC20InsufficientAllowance");
    await expect(signedBy(router, alice).redeemToBase(vault, 0n, alice.address, 0)).to.be.revertedWithCustomError(f.vault, "VaultZeroAmount");
    await expect(signedBy(router, alice).redeemToBase(vault, shares, "0x0000000000000000000000000000000000000000", 0)).to.be.revertedWithCustomError(f.usdc, "ERC20InvalidReceiver");
  });

  it("refuses an exit while a pool stands pushed beyond its round-trip fee in the same block, and a sale below its floor, naming the token", async function () {
    const { f, router, vault } = await load();
    const { alice } = f.signers;
    const attacker = await deployAttacker(suite.connection, f, f.signers.attacker);
    const pool = await f.usdcWethPool.getAddress();
    const shares = await f.vault.balanceOf(alice.address);
    const ok = await inOneBlock(suite.connection, async () => [
      await signedBy(attacker, f.signers.attacker).run([await call(attacker, "save", [pool]), await call(attacker, "pushBy", [pool, ticksFor(f, f.tokens.weth, -3)])], { gasLimit: 2_000_000 }),
      await signedBy(router, alice).redeemToBase(vault, shares, alice.address, 0, { gasLimit: 3_000_000 }),
      await signedBy(attacker, f.signers.attacker).pushBack(pool, { gasLimit: 2_000_000 }),
    ]);
    expect(ok, "the exit into WETH pushed 3% down reverts").to.deep.equal([true, false, true]);
    expect(await f.vault.balanceOf(alice.address)).to.equal(shares);
    // Its error, by a static call in the pushed state (a call runs in the latest block, the push's): the
    // oracle will not price WETH for the floor.
    await signedBy(attacker, f.signers.attacker).run([await call(attacker, "save", [pool]), await call(attacker, "pushBy", [pool, ticksFor(f, f.tokens.weth, -3)])]);
    await expect(signedBy(router, alice).redeemToBase.staticCall(vault, shares, alice.address, 0))
      .to.be.revertedWithCustomError(f.oracle, "OracleMovedInBlock")
      .withArgs(f.tokens.weth, (v: bigint) => v > 290n && v < 310n, 10n);
    await signedBy(attacker, f.signers.attacker).pushBack(pool);
    // A floor no sale can reach (MaxSlippageBps at one basis point, under the pool's fee): RouterLegUnsellable.
    await signedBy(f.vault, await timelockSigner(suite.connection, f)).setParameter(Parameter.MaxSlippageBps, 1);
    await expect(signedBy(router, alice).redeemToBase(vault, shares, alice.address, 0))
      .to.be.revertedWithCustomError(router, "RouterLegUnsellable")
      .withArgs(f.tokens.weth, (await f.vault.previewRedeemInKind(shares))[1], (v: bigint) => v > 0n, (r: string) => r.length > 2);
  });

  it("sells only what the vault paid: a stray balance in the router neither stands in for a held slice nor is sold, and no allowance outlives a call", async function () {
    const { f, router, vault } = await load();
    const { alice, bob, carol } = f.signers;
    const routerAddress = await router.getAddress();
    // Someone sends the router WETH and USDC by mistake.
    await signedBy(f.weth, carol).deposit({ value: 10n ** 18n });
    await signedBy(f.weth, carol).transfer(routerAddress, 10n ** 18n);
    await f.usdc.mint(routerAddress, USDC(500));
    const strays = await held(f, routerAddress);
    // Alice leaves to base: paid her slices' sales only, the strays untouched.
    const shares = await f.vault.balanceOf(alice.address);
    const [legs] = await router.previewRedeemToBase(vault, shares);
    const usdcBefore = await f.usdc.balanceOf(alice.address);
    await signedBy(router, alice).redeemToBase(vault, shares, alice.address, 0);
    const paid = (await f.usdc.balanceOf(alice.address)) - usdcBefore;
    expect(paid, "no stray USDC among what she is paid").to.be.lessThan((legs as Leg[]).reduce((a, l) => a + l.value, 0n) + 1n);
    expect(await held(f, routerAddress), "the strays are still there").to.deep.equal(strays);
    for (const token of [f.tokens.weth, f.tokens.wbtc, f.tokens.link]) {
      const erc20 = await suite.connection.ethers.getContractAt("DemoToken", token);
      expect(await erc20.allowance(routerAddress, await f.router.getAddress()), "no allowance left to the swap router").to.equal(0n);
    }
    // FRZ freezes the router: the vault holds Bob's FRZ slice back, and a stray FRZ balance in the router
    // cannot stand in for it; the exit reverts, so no claim is left in the router's name.
    const { frz, frzAddress } = await listFreezableToken(suite.connection, f);
    await frz.mint(await f.vault.getAddress(), USDC(100_000));
    await frz.mint(routerAddress, USDC(1_000_000));
    await frz.setBlacklisted(routerAddress, true);
    const bobShares = await f.vault.balanceOf(bob.address);
    await expect(signedBy(router, bob).redeemToBase(vault, bobShares, bob.address, 0))
      .to.be.revertedWithCustomError(router, "RouterLegNotReceived")
      .withArgs(frzAddress, (v: bigint) => v > 0n, 0n);
    expect(await f.vault.claimable(frzAddress, routerAddress)).to.equal(0n);
  });

  it("trusts no vault: a contract posing as one can neither take the router's strays nor leave an allowance behind", async function () {
    const { f, router } = await load();
    const routerAddress = await router.getAddress();
    await f.usdc.mint(routerAddress, USDC(1_000));
    const fake = await suite.connection.ethers.deployContract("FakeVault", [f.tokens.usdc]);
    // A deposit into a "vault" that takes nothing: the depositor's own assets stay with the router (its
    // mistake), and no allowance is left for the fake to pull them or the strays later.
    await f.usdc.mint(f.signers.bob.address, USDC(10));
    await signedBy(f.usdc, f.signers.bob).approve(routerAddress, MaxUint256);
    await signedBy(router, f.signers.bob).deposit(await fake.getAddress(), USDC(10), f.signers.bob.address, 0);
    expect(await f.usdc.allowance(routerAddress, await fake.getAddress())).to.equal(0n);
    // An exit through it claims to have paid the router the strays: nothing arrived, so nothing is paid out.
    await expect(signedBy(router, f.signers.bob).redeemToBase(await fake.getAddress(), 1n, f.signers.bob.address, 0))
      .to.be.revertedWithCustomError(router, "RouterLegNotReceived");
    expect(await f.usdc.balanceOf(routerAddress)).to.equal(USDC(1_010));
  });

  it("a sandwich pays the attacker nothing beyond what the exiting holder's own minimum gives up; the holders who stay lose nothing", async function () {
    const rows: string[] = [];
    let best = -(10n ** 30n);
    for (const pct of [0.1, 0.25, 0.5, 1, 2]) {
      const { f, router, vault } = await load();
      const { alice, bob } = f.signers;
      const attacker = await deployAttacker(suite.connection, f, f.signers.attacker);
      const attackerAddress = await attacker.getAddress();
      const pool = await f.usdcWethPool.getAddress();
      const shares = await f.vault.balanceOf(alice.address);
      // The exiting holder quotes, then accepts 50 bps less: the task's default.
      const [quoted]: [bigint] = await signedBy(router, alice).redeemToBase.staticCall(vault, shares, alice.address, 0);
      const minAssets = (quoted * 9_950n) / 10_000n;
      const bobSlice = await f.vault.previewRedeemInKind(await f.vault.balanceOf(bob.address));
      const before = await holdingsOf(f, attackerAddress);
      const aliceBefore = await f.usdc.balanceOf(alice.address);
      const ok = await inOneBlock(suite.connection, async () => [
        await signedBy(attacker, f.signers.attacker).run([await call(attacker, "save", [pool]), await call(attacker, "pushBy", [pool, ticksFor(f, f.tokens.weth, -pct)])], { gasLimit: 2_000_000 }),
        await signedBy(router, alice).redeemToBase(vault, shares, alice.address, minAssets, { gasLimit: 3_000_000 }),
        await signedBy(attacker, f.signers.attacker).pushBack(pool, { gasLimit: 2_000_000 }),
      ]);
      const profit = await valueChange(f, before, await holdingsOf(f, attackerAddress));
      const victimLoss: bigint = ok[1] ? quoted - (((await f.usdc.balanceOf(alice.address)) as bigint) - (aliceBefore as bigint)) : 0n;
      rows.push(`WETH -${pct}%: exit ${ok[1] ? "filled" : "refused"}, attacker ${usd(profit)}, exiting holder ${usd(-victimLoss)}`);
      if (profit > best) best = profit;
      // Bob, who stays, holds exactly his slice: the exit took nothing from him, whatever happened.
      const bobAfter = await f.vault.previewRedeemInKind(await f.vault.balanceOf(bob.address));
      for (const [i, a] of bobAfter.entries()) expect(a).to.be.greaterThanOrEqual(bobSlice[i]);
      // The exiting holder never gets less than the minimum she set.
      expect(victimLoss).to.be.at.most(quoted - minAssets);
    }
    figures.push(`sandwich of a $500k exit (min = quote - 50 bps), best push: ${usd(best)}`, ...rows.map((r) => `  ${r}`));
    // What remains is the exiting holder's own tolerance, less the attacker's pool fees: bounded by it.
    expect(best).to.be.lessThan(USDC(2_500));
  });

  it("a holder who pushes WETH up around its own exit to base takes nothing from the holders who stay: refused beyond the round-trip fee, and within it pays the round trip", async function () {
    const { f, router, vault } = await load();
    const { bob } = f.signers;
    const attacker = await deployAttacker(suite.connection, f, f.signers.attacker);
    const attackerAddress = await attacker.getAddress();
    const pool = await f.usdcWethPool.getAddress();
    // The attacker holds half the vault (Bob's shares, handed over) and wants its WETH slice sold dear.
    await signedBy(f.vault, bob).transfer(attackerAddress, await f.vault.balanceOf(bob.address));
    const shares = await f.vault.balanceOf(attackerAddress);
    const aliceSlice = await f.vault.previewRedeemInKind(await f.vault.balanceOf(f.signers.alice.address));
    const start = await suite.connection.networkHelpers.takeSnapshot();
    for (const pct of [10, 0.09]) {
      await start.restore();
      const before = await holdingsOf(f, attackerAddress);
      const ok = await inOneBlock(suite.connection, async () => [
        await signedBy(attacker, f.signers.attacker).run([
          await call(attacker, "save", [pool]),
          await call(attacker, "pushBy", [pool, ticksFor(f, f.tokens.weth, pct)]),
          await call(f.vault, "approve", [await router.getAddress(), shares]),
          await call(router, "redeemToBase", [vault, shares, attackerAddress, 0n]),
          await call(attacker, "pushBack", [pool]),
        ], { gasLimit: 4_000_000 }),
      ]);
      expect(ok, `WETH +${pct}%`).to.deep.equal([pct < 0.1]);
      const profit = await valueChange(f, before, await holdingsOf(f, attackerAddress));
      figures.push(`push WETH +${pct}% around one's own $500k exit to base: ${usd(profit)}${ok[0] ? "" : " (refused)"}`);
      expect(profit).to.be.lessThanOrEqual(0n);
      const aliceAfter = await f.vault.previewRedeemInKind(await f.vault.balanceOf(f.signers.alice.address));
      for (const [i, a] of aliceAfter.entries()) expect(a).to.be.greaterThanOrEqual(aliceSlice[i]);
    }
  });


  it("refuses, naming the token, a slice the vault cannot pay it (a frozen token); the holder still leaves in kind", async function () {
    const f = await suite.load();
    const { alice } = f.signers;
    const { frz, frzAddress } = await listFreezableToken(suite.connection, f);
    await signedBy(f.vault, alice).deposit(USDC(400_000), alice.address);
    const vault = await f.vault.getAddress();
    await frz.mint(vault, USDC(40_000));
    const router = f.ballastRouter;
    await signedBy(f.vault, alice).approve(await router.getAddress(), MaxUint256);
    const shares = await f.vault.balanceOf(alice.address);
    const slice = (await f.vault.previewRedeemInKind(shares))[4];
    // FRZ blacklists the router: the vault holds that slice for a claim, so the router cannot sell it.
    await frz.setBlacklisted(await router.getAddress(), true);
    await expect(signedBy(router, alice).redeemToBase(vault, shares, alice.address, 0))
      .to.be.revertedWithCustomError(router, "RouterLegNotReceived")
      .withArgs(frzAddress, slice, 0n);
    await expect(signedBy(f.vault, alice).redeemInKind(shares, alice.address, alice.address)).to.emit(f.vault, "RedeemedInKind");
    expect(await frz.balanceOf(alice.address)).to.equal(slice);
  });
});
