import { expect } from "chai";
import { id, ZeroAddress, ZeroHash } from "ethers";

import { DEFAULT_PARAMETERS } from "../../deploy/modules/Ballast.js";
import { encodePath } from "../../deploy/lib/uniswap-path.js";
import { signedBy } from "../helpers/assertions.js";
import {
  donateBasket,
  govern,
  listNewToken,
  TARGETS,
  TIMELOCK_DELAY,
  timelockSigner,
  USDC,
  Parameter,
  useBallast,
  vaultFactory,
  type BallastFixture,
} from "../helpers/vault.js";


describe("RebalancingVault: governance, guardian and construction", function () {
  const suite = useBallast();
  const load = () => suite.load();

  describe("wiring", function () {
    it("gives the timelock the governor and admin roles, the vault the timelock's cancel role, the guardian and the keeper theirs", async function () {
      const f = await load();
      const timelock = await f.timelock.getAddress();
      const { deployer, governance, guardian, keeper } = f.signers;
      expect(await f.vault.hasRole(await f.vault.GOVERNOR_ROLE(), timelock)).to.equal(true);
      expect(await f.vault.hasRole(await f.vault.DEFAULT_ADMIN_ROLE(), timelock)).to.equal(true);
      expect(await f.vault.hasRole(await f.vault.GOVERNOR_ROLE(), governance.address)).to.equal(false);
      expect(await f.vault.guardian()).to.equal(guardian.address);
      expect(await f.vault.hasRole(await f.vault.KEEPER_ROLE(), keeper.address)).to.equal(true);
      expect(await f.oracle.owner()).to.equal(timelock);
      // The guardian cancels through the vault, which can refuse to cancel the guardian's replacement.
      expect(await f.timelock.hasRole(await f.timelock.CANCELLER_ROLE(), await f.vault.getAddress())).to.equal(true);
      expect(await f.timelock.hasRole(await f.timelock.CANCELLER_ROLE(), guardian.address)).to.equal(false);
      expect(await f.timelock.hasRole(await f.timelock.PROPOSER_ROLE(), governance.address)).to.equal(true);
      expect(await f.timelock.hasRole(await f.timelock.DEFAULT_ADMIN_ROLE(), deployer.address), "deployer renounced").to.equal(false);
      expect(await f.timelock.getMinDelay()).to.equal(BigInt(TIMELOCK_DELAY));
    });

    it("starts with the configured basket, parameters and cap", async function () {
      const f = await load();
      const [tokens, targets] = await f.vault.targets();
      expect(tokens).to.deep.equal([f.tokens.usdc, f.tokens.weth, f.tokens.wbtc, f.tokens.link]);
      expect(targets.map(Number)).to.deep.equal(TARGETS);
      const p = await f.vault.parameters();
      expect(Number(p.driftThresholdBps)).to.equal(DEFAULT_PARAMETERS.driftThresholdBps);
      expect(Number(p.cooldownSeconds)).to.equal(DEFAULT_PARAMETERS.cooldownSeconds);
      expect(await f.vault.parameter(Parameter.DepositCap)).to.equal(2n ** 256n - 1n);
      expect(await f.vault.swapPath(f.tokens.weth)).to.equal(f.paths[0]);
      expect(await f.vault.decimals()).to.equal(12n); // USDC's 6 + a 6-decimal offset
    });
  });

  describe("changes go through the timelock", function () {
    it("refuses a governance change made directly, even by the timelock's proposer", async function () {
      const f = await load();
      const { governance } = f.signers;
      await expect(signedBy(f.vault, governance).setParameter(Parameter.MaxSlippageBps, 50))
        .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount")
        .withArgs(governance.address, await f.vault.GOVERNOR_ROLE());
      await expect(signedBy(f.oracle, governance).setWindow(3600)).to.be.revertedWithCustomError(f.oracle, "OwnableUnauthorizedAccount");
    });

    it("sets targets after the delay, not before, with old and new values in the event", async function () {
      const f = await load();
      const timelock = signedBy(f.timelock, f.signers.governance);
      const vault = await f.vault.getAddress();
      const tokens = [f.tokens.usdc, f.tokens.weth, f.tokens.wbtc, f.tokens.link];
      const data = f.vault.interface.encodeFunctionData("setTargets", [tokens, [2500, 2500, 2500, 2500]]);
      const salt = id("targets-1");
      await timelock.schedule(vault, 0, data, ZeroHash, salt, TIMELOCK_DELAY);
      await expect(timelock.execute(vault, 0, data, ZeroHash, salt)).to.be.revertedWithCustomError(
        f.timelock,
        "TimelockUnexpectedOperationState",
      );
      await suite.connection.networkHelpers.time.increase(TIMELOCK_DELAY);
      await expect(timelock.execute(vault, 0, data, ZeroHash, salt))
        .to.emit(f.vault, "TargetsSet")
        .withArgs(tokens, TARGETS, [2500, 2500, 2500, 2500]);
      expect((await f.vault.targets())[1].map(Number)).to.deep.equal([2500, 2500, 2500, 2500]);
    });

    it("lets the guardian cancel a pending change, which can then never execute", async function () {
      const f = await load();
      const timelock = signedBy(f.timelock, f.signers.governance);
      const vault = await f.vault.getAddress();
      const data = f.vault.interface.encodeFunctionData("setParameter", [Parameter.MaxSlippageBps, 500]);
      const salt = id("slippage-to-max");
      await timelock.schedule(vault, 0, data, ZeroHash, salt, TIMELOCK_DELAY);
      const opId = await f.timelock.hashOperation(vault, 0, data, ZeroHash, salt);
      await expect(signedBy(f.timelock, f.signers.alice).cancel(opId)).to.be.revertedWithCustomError(
        f.timelock,
        "AccessControlUnauthorizedAccount",
      );
      await expect(signedBy(f.vault, f.signers.alice).cancel(await f.timelock.getAddress(), vault, 0, data, ZeroHash, salt))
        .to.be.revertedWithCustomError(f.vault, "VaultNotGuardian");
      await expect(signedBy(f.vault, f.signers.guardian).cancel(await f.timelock.getAddress(), vault, 0, data, ZeroHash, salt))
        .to.emit(f.timelock, "Cancelled")
        .withArgs(opId);
      await suite.connection.networkHelpers.time.increase(TIMELOCK_DELAY);
      await expect(timelock.execute(vault, 0, data, ZeroHash, salt)).to.be.revertedWithCustomError(
        f.timelock,
        "TimelockUnexpectedOperationState",
      );
      expect((await f.vault.parameters()).maxSlippageBps).to.equal(BigInt(DEFAULT_PARAMETERS.maxSlippageBps));
    });

    it("changes the oracle's window within bounds only", async function () {
      const f = await load();
      await expect(govern(suite.connection, f, f.oracle, f.oracle.interface.encodeFunctionData("setWindow", [2_000])))
        .to.emit(f.oracle, "WindowSet")
        .withArgs(1800, 2_000);
      const gov = await timelockSigner(suite.connection, f);
      for (const bad of [599, 86_401]) {
        await expect(signedBy(f.oracle, gov).setWindow(bad))
          .to.be.revertedWithCustomError(f.oracle, "OracleWindowOutOfBounds")
          .withArgs(bad);
      }
    });
  });

  describe("parameters", function () {
    const bounds: [keyof typeof Parameter, bigint, bigint][] = [
      ["DriftThresholdBps", 0n, 5_000n],
      ["MinDriftBps", 1n, 5_000n],
      ["RebalanceIntervalSeconds", 0n, 365n * 24n * 3600n],
      ["CooldownSeconds", 60n, 7n * 24n * 3600n],
      ["MaxSlippageBps", 1n, 500n],
      ["MaxTradeBps", 10n, 10_000n],
      ["MaxSpotDeviationBps", 10n, 2_000n],
      ["PauseSeconds", 3600n, 14n * 24n * 3600n],
      ["ResidualDriftBps", 0n, 2_500n],
    ];
    for (const [name, min, max] of bounds) {
      it(`${name}: accepts [${min}, ${max}] and rejects what is outside`, async function () {
        const f = await load();
        const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
        const p = Parameter[name];
        expect(await f.vault.parameterBounds(p)).to.deep.equal([min, max]);
        if (min > 0n) {
          await expect(gov.setParameter(p, min - 1n))
            .to.be.revertedWithCustomError(f.vault, "VaultParameterOutOfBounds")
            .withArgs(p, min - 1n, min, max);
        }
        await expect(gov.setParameter(p, max + 1n))
          .to.be.revertedWithCustomError(f.vault, "VaultParameterOutOfBounds")
          .withArgs(p, max + 1n, min, max);
        await expect(gov.setParameter(p, max)).to.emit(f.vault, "ParameterSet");
        const atMax = await f.vault.parameters();
        await gov.setParameter(p, min);
        expect(await f.vault.parameters()).to.not.deep.equal(atMax);
      });
    }

    it("reads back every parameter as governance set it, the fees', keeper pay's and volatility trigger's included", async function () {
      const f = await load();
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      for (const [name, p] of Object.entries(Parameter)) {
        const [min, max] = await f.vault.parameterBounds(p);
        // The upper bound where it is finite, else a value above the lower one.
        const value = max < 2n ** 255n ? max : min + 12_345n;
        await gov.setParameter(p, value);
        expect(await f.vault.parameter(p), name).to.equal(value);
      }
    });

    it("DepositCap: any value, with old and new in the event", async function () {
      const f = await load();
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      await expect(gov.setParameter(Parameter.DepositCap, USDC(5)))
        .to.emit(f.vault, "ParameterSet")
        .withArgs(Parameter.DepositCap, 2n ** 256n - 1n, USDC(5));
      expect(await f.vault.parameter(Parameter.DepositCap)).to.equal(USDC(5));
    });
  });

  describe("the basket", function () {
    it("rejects targets that do not sum to 10,000, miss or repeat a token, or name an unknown one", async function () {
      const f = await load();
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      const { usdc, weth, wbtc, link } = f.tokens;
      await expect(gov.setTargets([usdc, weth, wbtc, link], [4000, 3000, 2000, 999]))
        .to.be.revertedWithCustomError(f.vault, "VaultTargetsSum")
        .withArgs(9999);
      await expect(gov.setTargets([usdc, weth, wbtc], [4000, 4000, 2000]))
        .to.be.revertedWithCustomError(f.vault, "VaultLengthMismatch")
        .withArgs(4, 3);
      await expect(gov.setTargets([usdc, weth, wbtc, link], [5000, 5000]))
        .to.be.revertedWithCustomError(f.vault, "VaultLengthMismatch")
        .withArgs(4, 2);
      await expect(gov.setTargets([usdc, weth, weth, link], [4000, 3000, 2000, 1000]))
        .to.be.revertedWithCustomError(f.vault, "VaultDuplicateToken")
        .withArgs(weth);
      const stranger = suite.connection.ethers.Wallet.createRandom().address;
      await expect(gov.setTargets([usdc, weth, stranger, link], [4000, 3000, 2000, 1000]))
        .to.be.revertedWithCustomError(f.vault, "VaultUnknownToken")
        .withArgs(stranger);
    });

    it("lists a new token once its oracle route and pool exist, and removes it when its target is 0 and holding dust", async function () {
      const f = await load();
      const uni = await suite.connection.ethers.deployContract("DemoToken", ["Uniswap (demo)", "UNI", 18]);
      const uniAddress = await uni.getAddress();
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      const path = encodePath([uniAddress, f.tokens.usdc], [3000]);
      // Without a pool: the path is refused.
      await expect(gov.addToken(uniAddress, path)).to.be.revertedWithCustomError(f.vault, "VaultBadSwapPath");

      await listNewToken(suite.connection, f, uni, 8n);
      const [tokens, targets] = await f.vault.targets();
      expect(tokens.at(-1)).to.equal(uniAddress);
      expect(targets.at(-1)).to.equal(0n);
      await expect(gov.addToken(uniAddress, path)).to.be.revertedWithCustomError(f.vault, "VaultDuplicateToken");

      // A holding worth more than one base unit blocks removal; dust does not.
      await uni.mint(await f.vault.getAddress(), 10n ** 18n); // $8
      await expect(gov.removeToken(uniAddress)).to.be.revertedWithCustomError(f.vault, "VaultHoldingNotDust");
      await gov.setTargets([...tokens], [4000, 3000, 2000, 500, 500]);
      await expect(gov.removeToken(uniAddress))
        .to.be.revertedWithCustomError(f.vault, "VaultTargetNotZero")
        .withArgs(uniAddress, 500);
      await gov.setTargets([...tokens], [4000, 3000, 2000, 1000, 0]);
      const vaultSigner = await suite.connection.ethers.getImpersonatedSigner(await f.vault.getAddress());
      await suite.connection.networkHelpers.setBalance(vaultSigner.address, 10n ** 18n);
      await signedBy(uni, vaultSigner).transfer(f.signers.alice.address, 10n ** 18n - 10n ** 17n); // leave $0.80
      await expect(gov.removeToken(uniAddress)).to.emit(f.vault, "TokenRemoved").withArgs(uniAddress, 10n ** 17n);
      expect((await f.vault.targets())[0]).to.have.length(4);
      await expect(gov.removeToken(f.tokens.usdc)).to.be.revertedWithCustomError(f.vault, "VaultBaseAsset");
      await expect(gov.removeToken(uniAddress)).to.be.revertedWithCustomError(f.vault, "VaultUnknownToken");
    });

    it("refuses a 17th token, and a token with more than 36 decimals", async function () {
      const f = await load();
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      // Twelve more tokens, each with its own pool: sixteen in all.
      for (let i = 0; i < 12; i++) {
        const token = await suite.connection.ethers.deployContract("DemoToken", [`Extra ${i}`, `X${i}`, 18]);
        await listNewToken(suite.connection, f, token, 10n);
      }
      expect((await f.vault.targets())[0]).to.have.length(16);
      const extra = await suite.connection.ethers.deployContract("DemoToken", ["Seventeenth", "X17", 18]);
      await expect(gov.addToken(await extra.getAddress(), "0x")).to.be.revertedWithCustomError(f.vault, "VaultTooManyTokens").withArgs(17, 16);
      await gov.setTargets([...(await f.vault.targets())[0]], [4000, 3000, 2000, 1000, ...Array(12).fill(0)]);
      await gov.removeToken((await f.vault.targets())[0][15]);
      const wide = await suite.connection.ethers.deployContract("DemoToken", ["Wide", "WIDE", 37]);
      await expect(gov.addToken(await wide.getAddress(), "0x")).to.be.revertedWithCustomError(f.vault, "VaultBadToken").withArgs(await wide.getAddress());
    });

    it("says which interfaces it implements", async function () {
      const f = await load();
      const ids = {
        // ERC-165 and AccessControl ids, as the standards define them.
        erc165: "0x01ffc9a7",
        accessControl: "0x7965db0b",
      };
      for (const id of Object.values(ids)) expect(await f.vault.supportsInterface(id), id).to.equal(true);
      expect(await f.vault.supportsInterface("0xffffffff")).to.equal(false);
      expect(await f.vault.supportsInterface("0x12345678")).to.equal(false);
    });

    it("refuses to list a token the oracle cannot price, the zero address, or one without decimals", async function () {
      const f = await load();
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      const uni = await suite.connection.ethers.deployContract("DemoToken", ["Uniswap (demo)", "UNI", 18]);
      const uniAddress = await uni.getAddress();
      await f.seeder.seed(f.tokens.usdc, USDC(1_000_000), uniAddress, 10n ** 23n, 3000, 200, f.signers.deployer.address);
      const path = encodePath([uniAddress, f.tokens.usdc], [3000]);
      // A pool that keeps one observation (its growth to 200 not yet written) would lose the price it opened
      // a block at to any swap in that block: refused, whatever the oracle says.
      const pool = await f.factory.getPool(f.tokens.usdc, uniAddress, 3000);
      await expect(gov.addToken(uniAddress, path)).to.be.revertedWithCustomError(f.vault, "VaultPoolWithoutHistory").withArgs(pool, 1);
      await f.seeder.grow(pool);
      await expect(gov.addToken(uniAddress, path))
        .to.be.revertedWithCustomError(f.oracle, "OracleNoRoute")
        .withArgs(uniAddress);
      await expect(gov.addToken(ZeroAddress, "0x")).to.be.revertedWithCustomError(f.vault, "VaultZeroAddress");
      // The timelock is a contract without decimals().
      await expect(gov.addToken(await f.timelock.getAddress(), "0x")).to.be.revertedWithCustomError(f.vault, "VaultBadToken");
    });

    it("validates swap paths: both ends and every pool", async function () {
      const f = await load();
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      const { usdc, weth, wbtc } = f.tokens;
      const good = encodePath([weth, wbtc, usdc], [3000, 3000]); // via the WBTC/WETH pool
      await expect(gov.setSwapPath(weth, good)).to.emit(f.vault, "SwapPathSet").withArgs(weth, f.paths[0], good);
      for (const bad of [
        encodePath([wbtc, usdc], [3000]), // starts at another token
        encodePath([weth, wbtc], [3000]), // does not end at the base asset
        encodePath([weth, usdc], [10000]), // no such pool
        "0x1234", // malformed
      ]) {
        await expect(gov.setSwapPath(weth, bad)).to.be.revertedWithCustomError(f.vault, "VaultBadSwapPath");
      }
      await expect(gov.setSwapPath(usdc, "0x")).to.be.revertedWithCustomError(f.vault, "VaultBaseAsset");
    });

    it("replaces the oracle only with one for the same base that prices every holding", async function () {
      const f = await load();
      const gov = signedBy(f.vault, await timelockSigner(suite.connection, f));
      const factory = await f.factory.getAddress();
      const timelock = await f.timelock.getAddress();
      const oracleOf = (base: string, tokens: string[], paths: string[]) =>
        suite.connection.ethers.deployContract("UniswapV3TwapOracle", [base, factory, 12, 1800, 500, timelock, tokens, paths, tokens.map(() => 0)]);
      const wrongBase = await oracleOf(f.tokens.weth, [], []);
      await expect(gov.setOracle(await wrongBase.getAddress()))
        .to.be.revertedWithCustomError(f.vault, "VaultOracleBaseMismatch")
        .withArgs(f.tokens.usdc, f.tokens.weth);
      const partial = await oracleOf(f.tokens.usdc, [f.tokens.weth], [f.paths[0]]);
      await expect(gov.setOracle(await partial.getAddress())).to.be.revertedWithCustomError(f.oracle, "OracleNoRoute");
      const full = await oracleOf(f.tokens.usdc, [f.tokens.weth, f.tokens.wbtc, f.tokens.link], f.paths);
      await expect(gov.setOracle(await full.getAddress()))
        .to.emit(f.vault, "OracleSet")
        .withArgs(await f.oracle.getAddress(), await full.getAddress());
      await expect(gov.setOracle(ZeroAddress)).to.be.revertedWithCustomError(f.vault, "VaultZeroAddress");
    });
  });

  describe("guardian", function () {
    it("pauses and unpauses; nobody else can, and with no guardian nobody can pause", async function () {
      const f = await load();
      const { guardian, alice, governance } = f.signers;
      for (const who of [alice, governance]) {
        await expect(signedBy(f.vault, who).pause()).to.be.revertedWithCustomError(f.vault, "VaultNotGuardian").withArgs(who.address);
      }
      await expect(signedBy(f.vault, guardian).pause()).to.emit(f.vault, "Paused");
      expect(await f.vault.paused()).to.equal(true);
      await expect(signedBy(f.vault, alice).unpause()).to.be.revertedWithCustomError(f.vault, "VaultNotGuardian");
      await expect(signedBy(f.vault, guardian).unpause()).to.emit(f.vault, "Unpaused").withArgs(guardian.address);
      await signedBy(f.vault, alice).deposit(USDC(1), alice.address);
      await govern(suite.connection, f, f.vault, f.vault.interface.encodeFunctionData("setGuardian", [ZeroAddress]));
      await expect(signedBy(f.vault, guardian).pause()).to.be.revertedWithCustomError(f.vault, "VaultNotGuardian");
    });

    // Old design: a pause lasted until the guardian lifted it.
    it("pauses for PauseSeconds at most, unless renewed", async function () {
      const f = await load();
      const { guardian, alice } = f.signers;
      const pauseSeconds = Number((await f.vault.parameters()).pauseSeconds);
      expect(pauseSeconds).to.equal(3 * 24 * 3600);
      await signedBy(f.vault, guardian).pause();
      const start = await suite.connection.networkHelpers.time.latest();
      expect(await f.vault.pausedUntil()).to.equal(BigInt(start + pauseSeconds));
      await suite.connection.networkHelpers.time.increase(pauseSeconds - 10);
      expect(await f.vault.paused()).to.equal(true);
      // Renewed before it ends: another PauseSeconds from now.
      await expect(signedBy(f.vault, guardian).pause()).to.emit(f.vault, "Paused");
      await suite.connection.networkHelpers.time.increase(pauseSeconds - 10);
      expect(await f.vault.paused()).to.equal(true);
      await suite.connection.networkHelpers.time.increase(20);
      expect(await f.vault.paused(), "expired").to.equal(false);
      await signedBy(f.vault, alice).deposit(USDC(1), alice.address);
    });

    // Old design: governance scheduled the guardian's removal, and the guardian cancelled it, every time.
    it("cannot cancel its own replacement, alone or as a one-call batch, but can cancel a batch that bundles it with more", async function () {
      const f = await load();
      const { governance, guardian, carol } = f.signers;
      const timelock = signedBy(f.timelock, governance);
      const timelockAddress = await f.timelock.getAddress();
      const vault = await f.vault.getAddress();
      const replace = f.vault.interface.encodeFunctionData("setGuardian", [carol.address]);
      const asGuardian = signedBy(f.vault, guardian);

      await timelock.schedule(vault, 0, replace, ZeroHash, id("replace"), TIMELOCK_DELAY);
      await expect(asGuardian.cancel(timelockAddress, vault, 0, replace, ZeroHash, id("replace")))
        .to.be.revertedWithCustomError(f.vault, "VaultGuardianReplacementNotCancellable");
      await timelock.scheduleBatch([vault], [0], [replace], ZeroHash, id("replace-batch"), TIMELOCK_DELAY);
      await expect(asGuardian.cancelBatch(timelockAddress, [vault], [0], [replace], ZeroHash, id("replace-batch")))
        .to.be.revertedWithCustomError(f.vault, "VaultGuardianReplacementNotCancellable");
      // Bundled with another change, the bundle stays cancellable: bundling cannot shield that change.
      const bundle = [replace, f.vault.interface.encodeFunctionData("setParameter", [Parameter.MaxSlippageBps, 500])];
      await timelock.scheduleBatch([vault, vault], [0, 0], bundle, ZeroHash, id("bundle"), TIMELOCK_DELAY);
      const bundleId = await f.timelock.hashOperationBatch([vault, vault], [0, 0], bundle, ZeroHash, id("bundle"));
      await expect(asGuardian.cancelBatch(timelockAddress, [vault, vault], [0, 0], bundle, ZeroHash, id("bundle")))
        .to.emit(f.timelock, "Cancelled")
        .withArgs(bundleId);
      // Only on a timelock that governs this vault.
      await expect(asGuardian.cancel(carol.address, vault, 0, replace, ZeroHash, id("x")))
        .to.be.revertedWithCustomError(f.vault, "VaultGuardianReplacementNotCancellable");
      const other = f.vault.interface.encodeFunctionData("setParameter", [Parameter.MaxSlippageBps, 500]);
      await expect(asGuardian.cancel(carol.address, vault, 0, other, ZeroHash, id("x")))
        .to.be.revertedWithCustomError(f.vault, "VaultNotGovernor")
        .withArgs(carol.address);

      // After the delay, anyone executes the replacement: the new guardian lifts the old one's pause.
      await asGuardian.pause();
      await suite.connection.networkHelpers.time.increase(TIMELOCK_DELAY);
      await expect(signedBy(f.timelock, f.signers.alice).execute(vault, 0, replace, ZeroHash, id("replace")))
        .to.emit(f.vault, "GuardianSet")
        .withArgs(guardian.address, carol.address);
      await expect(asGuardian.unpause()).to.be.revertedWithCustomError(f.vault, "VaultNotGuardian");
      await signedBy(f.vault, carol).unpause();
      expect(await f.vault.paused()).to.equal(false);
    });

    // Second review: with one timelock governing two vaults, each vault's guardian could cancel the other's
    // setGuardian (the veto guard looked only at its own vault; the canceller role is the timelock's).
    it("cannot cancel another vault's guardian replacement on the same timelock", async function () {
      const f = await load();
      const { governance, guardian, carol, bob } = f.signers;
      const timelockAddress = await f.timelock.getAddress();
      const factory = await vaultFactory(suite.connection, f);
      const second = await factory.deploy(f.tokens.usdc, "Second", "B2", {
        oracle: await f.oracle.getAddress(),
        router: await f.router.getAddress(),
        governor: timelockAddress,
        guardian: carol.address,
        keeper: f.signers.keeper.address,
        tokens: [f.tokens.usdc, f.tokens.weth],
        targetsBps: [5_000, 5_000],
        swapPaths: ["0x", f.paths[0]],
        parameters: DEFAULT_PARAMETERS,
        depositCap: 2n ** 256n - 1n,
      });
      const secondAddress = await second.getAddress();
      const replace = second.interface.encodeFunctionData("setGuardian", [bob.address]);
      await signedBy(f.timelock, governance).schedule(secondAddress, 0, replace, ZeroHash, id("replace second"), TIMELOCK_DELAY);
      await expect(signedBy(f.vault, guardian).cancel(timelockAddress, secondAddress, 0, replace, ZeroHash, id("replace second")))
        .to.be.revertedWithCustomError(f.vault, "VaultGuardianReplacementNotCancellable");
      await suite.connection.networkHelpers.time.increase(TIMELOCK_DELAY);
      await expect(signedBy(f.timelock, governance).execute(secondAddress, 0, replace, ZeroHash, id("replace second")))
        .to.emit(second, "GuardianSet")
        .withArgs(carol.address, bob.address);
    });

    it("replaces the guardian only through governance", async function () {
      const f = await load();
      await expect(signedBy(f.vault, f.signers.guardian).setGuardian(f.signers.alice.address))
        .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount");
      await expect(signedBy(f.vault, f.signers.governance).setGuardian(f.signers.alice.address))
        .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount");
    });
  });

  describe("construction", function () {
    async function config(f: BallastFixture, patch: Record<string, unknown>) {
      return {
        oracle: await f.oracle.getAddress(),
        router: await f.router.getAddress(),
        governor: f.signers.governance.address,
        guardian: f.signers.guardian.address,
        keeper: f.signers.keeper.address,
        tokens: [f.tokens.usdc, f.tokens.weth, f.tokens.wbtc, f.tokens.link],
        targetsBps: TARGETS,
        swapPaths: ["0x", ...f.paths],
        parameters: DEFAULT_PARAMETERS,
        depositCap: 2n ** 256n - 1n,
        ...patch,
      };
    }
    async function deployWith(f: BallastFixture, patch: Record<string, unknown>) {
      const factory = await vaultFactory(suite.connection, f);
      return factory.deploy(f.tokens.usdc, "B", "B", await config(f, patch));
    }

    it("deploys with a valid configuration", async function () {
      const f = await load();
      const vault = await deployWith(f, {});
      expect((await vault.targets())[0]).to.have.length(4);
    });

    // Old design: the constructor skipped the grant for the zero address, so nobody could rebalance until
    // a timelock operation granted the role, while the parameters file and the pre-flight said anyone could.
    it("opens rebalancing to anyone when deployed with the zero address as keeper", async function () {
      const f = await load();
      const vault = await deployWith(f, { keeper: ZeroAddress });
      expect(await vault.hasRole(await vault.KEEPER_ROLE(), ZeroAddress)).to.equal(true);
      const { alice } = f.signers;
      await signedBy(f.usdc, alice).approve(await vault.getAddress(), USDC(100_000));
      await signedBy(vault, alice).deposit(USDC(100_000), alice.address);
      await expect(signedBy(vault, alice).rebalance()).to.emit(vault, "Rebalanced");
    });

    const cases: [string, (f: BallastFixture) => Record<string, unknown>, string][] = [
      ["the base asset missing", (f) => ({ tokens: [f.tokens.weth], targetsBps: [10_000], swapPaths: [f.paths[0]] }), "VaultBaseNotInBasket"],
      ["the base asset twice", (f) => ({ tokens: [f.tokens.usdc, f.tokens.usdc], targetsBps: [5000, 5000], swapPaths: ["0x", "0x"] }), "VaultDuplicateToken"],
      ["a token twice", (f) => ({ tokens: [f.tokens.usdc, f.tokens.weth, f.tokens.weth], targetsBps: [4000, 3000, 3000], swapPaths: ["0x", f.paths[0], f.paths[0]] }), "VaultDuplicateToken"],
      ["weights not summing to 10,000", () => ({ targetsBps: [4000, 3000, 2000, 1001] }), "VaultTargetsSum"],
      ["fewer weights than tokens", () => ({ targetsBps: [4000, 3000, 3000] }), "VaultLengthMismatch"],
      ["fewer paths than tokens", (f) => ({ swapPaths: ["0x", f.paths[0]] }), "VaultLengthMismatch"],
      ["a path to the wrong token", (f) => ({ swapPaths: ["0x", f.paths[1], f.paths[1], f.paths[2]] }), "VaultBadSwapPath"],
      ["a zero governor", () => ({ governor: ZeroAddress }), "VaultZeroAddress"],
      ["a zero oracle", () => ({ oracle: ZeroAddress }), "VaultZeroAddress"],
      ["a slippage bound of 0", () => ({ parameters: { ...DEFAULT_PARAMETERS, maxSlippageBps: 0 } }), "VaultParameterOutOfBounds"],
      ["a cooldown of 0", () => ({ parameters: { ...DEFAULT_PARAMETERS, cooldownSeconds: 0 } }), "VaultParameterOutOfBounds"],
    ];
    for (const [what, patch, error] of cases) {
      it(`rejects ${what} with ${error}`, async function () {
        const f = await load();
        const factory = await vaultFactory(suite.connection, f);
        await expect(deployWith(f, patch(f))).to.be.revertedWithCustomError(factory, error);
      });
    }
  });

  it("NAV and drift views agree with the oracle and the targets", async function () {
    const f = await load();
    await donateBasket(f, 1_000_000n);
    const [tokens, balances, values] = await f.vault.holdings();
    expect(tokens).to.have.length(4);
    expect(values.reduce((a: bigint, b: bigint) => a + b, 0n)).to.equal(await f.vault.totalAssets());
    expect(await f.oracle.quote(f.tokens.wbtc, balances[2])).to.equal(values[2]);
    const weights = (await f.vault.currentWeights()).map(Number);
    weights.forEach((w: number, i: number) => expect(w).to.be.closeTo(TARGETS[i], 5));
    expect(await f.vault.driftBps()).to.be.lessThanOrEqual(5n);
    // Double the WBTC holding: WBTC's weight goes from 20% to 1/3, the largest drift.
    await f.wbtc.mint(await f.vault.getAddress(), balances[2]);
    expect(await f.vault.driftBps()).to.be.closeTo(3333n - 2000n, 10n);
  });
});
