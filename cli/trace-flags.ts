// --kernel, --lazy / --strict, --arch, --groups: on every command that takes a trace. Each
// overrides what the trace and its capture folder say (a contradiction is a warning naming both);
// what is assumed or unknown is said on stderr and kept in the journal.
import { type Command, Option } from 'commander';
import { InputError } from '../domain-events/index.js';
import { type Arch, type AssumeFlags, SYSFS_GROUPS_COMMAND } from '../ingest/facts/index.js';
import { majorMinor } from '../ingest/facts/release.js';
import { warn } from './output.js';

export interface TraceFlagOptions {
  readonly kernel?: string;
  readonly lazy?: boolean;
  readonly strict?: boolean;
  readonly arch?: string;
  readonly groups?: string;
}

const ARCHES: Readonly<Record<string, Arch>> = { x86: 'x86_64', x86_64: 'x86_64', amd64: 'x86_64', arm64: 'arm64', aarch64: 'arm64' };

export const GROUPS_HELP = `
--groups FILE takes the IOMMU groups of the machine the trace came from (each group's domain
type, reserved regions and devices) as this command prints them there:
  ${SYSFS_GROUPS_COMMAND}
(save all it prints: ( … ) > groups.txt)
`;

/** Adds the four flags (and their help) to a command that takes a trace. */
export function withTraceFlags(cmd: Command): Command {
  return cmd
    .option('--kernel <version>', 'kernel release of the traced machine (6.12, 6.12.117): chooses the profile')
    .addOption(new Option('--lazy', 'the traced domains were lazy (DMA-FQ, iommu.strict=0)').conflicts('strict'))
    .addOption(new Option('--strict', 'the traced domains were strict (DMA, iommu.strict=1)').conflicts('lazy'))
    .option('--arch <arch>', "x86 or arm64: the platform's reserved regions apply")
    .option('--groups <file>', 'IOMMU groups of the traced machine (the sysfs listing below)')
    .addHelpText('after', GROUPS_HELP);
}

/** The flags as the importer takes them; a value that names nothing is bad input. */
export function assumeFrom(o: TraceFlagOptions): AssumeFlags {
  let arch: Arch | undefined;
  if (o.arch !== undefined) {
    arch = ARCHES[o.arch.toLowerCase()];
    if (arch === undefined) throw new InputError(`--arch ${JSON.stringify(o.arch)}: expected x86 or arm64`);
  }
  if (o.kernel !== undefined && majorMinor(o.kernel) === null) throw new InputError(`--kernel ${JSON.stringify(o.kernel)}: not a kernel release (expected e.g. 6.12 or 6.12.117)`);
  if (o.lazy && o.strict) throw new InputError('--lazy and --strict exclude each other');
  return {
    ...(o.kernel !== undefined ? { kernel: o.kernel } : {}),
    ...(o.lazy ? { fq: 'lazy' as const } : o.strict ? { fq: 'strict' as const } : {}),
    ...(arch !== undefined ? { arch } : {}),
    ...(o.groups !== undefined ? { groups: o.groups } : {}),
  };
}

export function anyFlag(a: AssumeFlags | undefined): boolean {
  return a !== undefined && Object.keys(a).length > 0;
}

/** What an import assumed, could not know, or found against a flag: on stderr, each once, naming the trace. */
export function warnFacts(s: { readonly trace: string; readonly assumed: readonly string[]; readonly unknown: readonly string[]; readonly factWarnings: readonly string[] }): void {
  for (const w of s.factWarnings) warn(`${s.trace}: warning: ${w}`);
  for (const a of s.assumed) warn(`${s.trace}: assumed: ${a}`);
  for (const u of s.unknown) warn(`${s.trace}: unknown: ${u}`);
}
