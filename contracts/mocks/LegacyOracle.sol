// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";

/// @notice An oracle from before `quoteBoundsSum`: it answers every other call as `TARGET` does and has no
/// such function (the call reverts without data, as a contract without it would). For the vault's tests
/// that it values a basket through such an oracle, holding by holding.
contract LegacyOracle {
    address public immutable TARGET;

    constructor(address target) {
        TARGET = target;
    }

    // solhint-disable-next-line no-complex-fallback
    fallback(bytes calldata data) external returns (bytes memory) {
        // solhint-disable-next-line reason-string, gas-custom-errors
        if (msg.sig == IPriceOracle.quoteBoundsSum.selector) revert();
        // Forwarding every other call is this mock's purpose.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory answer) = TARGET.staticcall(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(answer, 32), mload(answer))
            }
        }
        return answer;
    }
}
