// The project plugin that keeps the first run quiet drops one known-benign compiler warning only.
import { expect } from "chai";

import { isBenignWarning } from "../../plugins/benign-warnings.js";

const transient = (file: string) => ({
  severity: "warning",
  errorCode: "2394",
  formattedMessage: `Warning: Transient storage as defined by EIP-1153 can break the composability of smart contracts: ...\n   --> ${file}:108:13:\n    |\n108 |             tstore(slot, value)\n`,
});

describe("The benign-warnings plugin", function () {
  it("drops solc's transient-storage warning for OpenZeppelin's TransientSlot", function () {
    expect(isBenignWarning(transient("./node_modules/@openzeppelin/contracts/utils/TransientSlot.sol"))).to.equal(true);
    expect(isBenignWarning(transient("npm/@openzeppelin/contracts@5.7.0/utils/TransientSlot.sol"))).to.equal(true);
  });

  it("keeps the same warning from any other file, ours included, and every other warning or error", function () {
    expect(isBenignWarning(transient("contracts/RebalancingVault.sol"))).to.equal(false);
    expect(isBenignWarning(transient("./node_modules/@openzeppelin/contracts/utils/StorageSlot.sol"))).to.equal(false);
    expect(isBenignWarning({ ...transient("./node_modules/@openzeppelin/contracts/utils/TransientSlot.sol"), errorCode: "2072" })).to.equal(false);
    expect(isBenignWarning({ ...transient("./node_modules/@openzeppelin/contracts/utils/TransientSlot.sol"), severity: "error" })).to.equal(false);
  });
});
