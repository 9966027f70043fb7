// The facts an import depends on: flags, then what the trace and capture state, then what the
// trace shows; what is left is assumed or unknown, and said (docs/bare-traces.md).
import { type CaptureInfo } from '../capture.js';
import { observeTrace } from './observe.js';
import { resolveFacts, type ResolvedFacts } from './resolve.js';
import { type AssumeFlags } from './types.js';

export { type ResolvedFacts } from './resolve.js';
export { type Arch, type AssumeFlags, type Fact, type FactHow, type FactName, type FqMode, type ImportFacts, archFlag } from './types.js';
export { parseSysfsGroups, readSysfsGroups, SYSFS_GROUPS_COMMAND } from './sysfs-groups.js';

/** Reads the start of the capture's trace and decides every fact the import depends on. */
export async function factsFor(capture: CaptureInfo, flags: AssumeFlags): Promise<ResolvedFacts> {
  return resolveFacts(capture, flags, await observeTrace(capture.trace, capture.folder, { kernel: capture.kernel !== null, arch: capture.arch !== null }));
}
