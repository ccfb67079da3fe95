// A project plugin that drops one compiler warning known to be benign, and nothing else.
//
// solc warns (2394) wherever `tstore` appears. The only place it appears in what Ballast compiles is
// OpenZeppelin's `TransientSlot`, which backs `ReentrancyGuardTransient`: a lock set and cleared within
// one call, the use solc's own warning calls safe. The same warning from any other file, ours
// included, is still printed.
import type { HardhatPlugin } from "hardhat/types/plugins";

/** solc's error code for "Transient storage as defined by EIP-1153 can break the composability...". */
export const TRANSIENT_STORAGE_WARNING = "2394";
/** The one source allowed to use transient storage without a warning, as the warning's `-->` line names it. */
const TRANSIENT_SLOT_SOURCE = /-->\s+\S*@openzeppelin\/contracts(@[^/\s]+)?\/utils\/TransientSlot\.sol:/;

/** Whether `error` is the benign transient-storage warning from OpenZeppelin's TransientSlot. */
export function isBenignWarning(error: { severity: string; errorCode?: string; formattedMessage?: string }): boolean {
  return error.severity === "warning" && error.errorCode === TRANSIENT_STORAGE_WARNING && TRANSIENT_SLOT_SOURCE.test(error.formattedMessage ?? "");
}

const benignWarnings: HardhatPlugin = {
  id: "ballast-benign-warnings",
  hookHandlers: {
    solidity: async () => ({
      default: async () => ({
        getCompilationJobErrors: async (context, job, output, next) => (await next(context, job, output)).filter((e) => !isBenignWarning(e)),
      }),
    }),
  },
};

export default benignWarnings;
