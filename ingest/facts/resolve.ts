// Everything an import depends on, decided once before the events are read: the flags first,
// then what the trace file's header and the capture folder state, then what the start of the
// trace shows; whatever is left is assumed (and said) or unknown (and what needs it says so).
import { type Profile, applySwitches } from '../../kernel/profile.js';
import { type CaptureInfo } from '../capture.js';
import { Notes } from './notes.js';
import { type TraceObservations } from './observe.js';
import { resolveFq } from './resolve-fq.js';
import { resolveKernel } from './resolve-kernel.js';
import { resolveArch, resolveGroups } from './resolve-platform.js';
import { readSysfsGroups } from './sysfs-groups.js';
import { type Arch, type AssumeFlags, fact, type Fact, type ImportFacts } from './types.js';

/** What the trace file itself states before its events (trace.dat options), when it does. */
export interface TraceHeaderFacts {
  readonly kernel: string | null;
  readonly arch: Arch | null;
  readonly cpus: number | null;
  /** where: "trace.dat uname" */
  readonly source: string;
}

export interface ResolvedFacts {
  readonly facts: ImportFacts;
  /** the capture as the import follows it (facts filled in) */
  readonly capture: CaptureInfo;
  readonly profile: Profile;
  /** facts nothing stated, assumed: one sentence each, with the flag that would state it */
  readonly assumed: readonly string[];
  /** facts nothing stated and nothing assumed */
  readonly unknown: readonly string[];
  /** flags against what the input says, clues that disagree */
  readonly warnings: readonly string[];
}

function resolveCpus(c: CaptureInfo, header: TraceHeaderFacts | null, obs: TraceObservations, notes: Notes): Fact<number> {
  if (c.cpus !== null) return fact(c.cpus, 'read', 'guest/per_cpu_stats.txt');
  if (header?.cpus) return fact(header.cpus, 'read', header.source);
  if (obs.headerCpus !== null) return fact(obs.headerCpus, 'read', 'the trace header (#P:N / cpus=N)');
  if (obs.cpusSeen > 0) {
    notes.assume(`${obs.cpusSeen} CPU${obs.cpusSeen === 1 ? '' : 's'} (the highest CPU a line names; the header does not say)`);
    return fact(obs.cpusSeen, 'inferred', 'the CPU numbers of the lines');
  }
  notes.assume('1 CPU (nothing says how many)');
  return fact(1, 'assumed', 'default');
}

function resolveDma(obs: TraceObservations): Fact<boolean> {
  const k = obs.kernel;
  if (k.dma !== null) return fact(true, 'read', `dma:* events from line ${k.dmaLine}`);
  return obs.whole ? fact(false, 'read', 'the trace has no dma:* event') : fact(false, 'inferred', `no dma:* event in the first ${obs.records} records`);
}

export function resolveFacts(capture: CaptureInfo, flags: AssumeFlags, obs: TraceObservations, header: TraceHeaderFacts | null = null): ResolvedFacts {
  const notes = new Notes();
  const sidecar = flags.groups !== undefined ? { file: flags.groups, groups: readSysfsGroups(flags.groups) } : undefined;
  const k = resolveKernel(
    { flag: flags.kernel, header: header?.kernel ? { kernel: header.kernel, source: header.source } : null, capture: capture.kernel, clue: obs.kernel },
    notes,
  );
  const arch = resolveArch({ flag: flags.arch, header: header?.arch ? { arch: header.arch, source: header.source } : null, capture: capture.arch, shown: obs.arch }, notes);
  const g = resolveGroups(sidecar, capture.groups, arch.value, notes);
  const fq = resolveFq(flags.fq, { ...capture, groups: g.list }, g.groups.source, obs.reuse, notes);
  const cpus = resolveCpus(capture, header, obs, notes);
  const dmaEvents = resolveDma(obs);
  if (capture.pciWindows.length === 0 && capture.folder === null)
    notes.assume('no PCI host-bridge window is reserved in the DMA domains (they are in the guest dmesg a capture folder brings): IOVAs the kernel placed around them may be mispredicted');
  const effective: CaptureInfo = {
    ...capture,
    kernel: k.release,
    arch: arch.value,
    strict: fq.strict,
    forcedStrict: fq.forcedStrict,
    groups: g.list,
    cpus: cpus.value,
    platformRegions: g.platform,
    doorbellPages: capture.ram.length ? capture.doorbellPages : obs.doorbellPages,
  };
  const lazy = fq.fact.value === 'lazy';
  const profile = applySwitches(k.profile, { lazy, strict: !lazy && fq.fact.how !== 'assumed', forcedac: capture.forcedac });
  return {
    facts: { kernel: k.fact, fq: fq.fact, arch, groups: g.groups, reservedRegions: g.regions, cpus, dmaEvents },
    capture: effective,
    profile,
    assumed: notes.assumed,
    unknown: notes.unknown,
    warnings: notes.warnings,
  };
}
