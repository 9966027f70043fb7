// Everything an import depends on, decided once before the events are read: the flags first,
// then what the trace file's header and the capture folder state, then what the start of the
// trace shows; whatever is left is assumed (and said) or unknown (and what needs it says so).
import { type Profile, applySwitches } from '../../kernel/profile.js';
import { type CaptureInfo } from '../capture.js';
import { type TraceHeader } from '../ftrace/parse.js';
import { Notes } from './notes.js';
import { type TraceObservations } from './observe.js';
import { resolveFq } from './resolve-fq.js';
import { resolveKernel } from './resolve-kernel.js';
import { resolveArch, resolveGroups } from './resolve-platform.js';
import { readSysfsGroups } from './sysfs-groups.js';
import { type Arch, type AssumeFlags, fact, type Fact, type ImportFacts } from './types.js';

/** What the trace file states about itself (a trace.dat's uname; the CPUs of any header). */
interface HeaderFacts {
  readonly kernel: string | null;
  readonly arch: Arch | null;
  readonly cpus: number | null;
  readonly source: string;
}

const MACHINES: Readonly<Record<string, Arch>> = { x86_64: 'x86_64', amd64: 'x86_64', aarch64: 'arm64', arm64: 'arm64' };

function headerFacts(h: TraceHeader): HeaderFacts {
  return {
    kernel: h.kernel,
    arch: h.machine !== null ? (MACHINES[h.machine] ?? null) : null,
    cpus: h.cpus,
    source: h.source === 'trace.dat' ? 'the trace.dat uname' : h.source === 'trace-cmd-report' ? 'the trace-cmd report header (cpus=N)' : 'the trace header (#P:N)',
  };
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

function resolveCpus(c: CaptureInfo, header: HeaderFacts, obs: TraceObservations, notes: Notes): Fact<number> {
  if (c.cpus !== null) return fact(c.cpus, 'read', 'guest/per_cpu_stats.txt');
  if (header.cpus) return fact(header.cpus, 'read', header.source);
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

export function resolveFacts(capture: CaptureInfo, flags: AssumeFlags, obs: TraceObservations): ResolvedFacts {
  const notes = new Notes();
  const header = headerFacts(obs.header);
  const sidecar = flags.groups !== undefined ? { file: flags.groups, groups: readSysfsGroups(flags.groups) } : undefined;
  const k = resolveKernel(
    { flag: flags.kernel, header: header.kernel ? { kernel: header.kernel, source: header.source } : null, capture: capture.kernel, clue: obs.kernel },
    notes,
  );
  const arch = resolveArch({ flag: flags.arch, header: header.arch ? { arch: header.arch, source: header.source } : null, capture: capture.arch, shown: obs.arch }, notes);
  const g = resolveGroups(sidecar, capture.groups, arch.value, notes);
  const fq = resolveFq(flags.fq, { ...capture, groups: g.list }, g.groups.source, obs.reuse, notes);
  const cpus = resolveCpus(capture, header, obs, notes);
  const dmaEvents = resolveDma(obs);
  // trace-cmd report prints some dma:* events with raw fields only; without the trace's formats,
  // the reader took their layout from the kernel's header (ingest/ftrace/dma-layouts.ts)
  for (const l of obs.header.assumedLayouts) {
    const [event, source] = l.split(/: (.*)/s);
    notes.assume(`the field layout of ${event} (from ${source}: the trace carries no format for it and prints its fields raw)`);
  }
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
  // an assumed mode names no switch in the profile (its default is strict)
  const profile = applySwitches(k.profile, { lazy, strict: fq.fact.value === 'strict' && fq.fact.how !== 'assumed', forcedac: capture.forcedac });
  return {
    facts: { kernel: k.fact, fq: fq.fact, arch, groups: g.groups, reservedRegions: g.regions, cpus, dmaEvents },
    capture: effective,
    profile,
    assumed: notes.assumed,
    unknown: notes.unknown,
    warnings: notes.warnings,
  };
}
