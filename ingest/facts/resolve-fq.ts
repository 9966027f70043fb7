// Lazy or strict: --lazy / --strict, else what the capture says (the command line, the driver's
// dmesg, the groups' sysfs type), else when the trace's IOVAs come back, else assumed strict.
import { type CaptureGroup, type CaptureInfo } from '../capture.js';
import { describeReuse, type ReuseVerdict } from './fq-reuse.js';
import { type Notes } from './notes.js';
import { type Fact, fact, type FqMode } from './types.js';

export interface FqResolution {
  readonly fact: Fact<FqMode>;
  /** CaptureInfo fields the importer follows */
  readonly strict: boolean | null;
  readonly forcedStrict: boolean;
}

/** What a capture states, if anything: dmesg's forced strict beats the command line. */
function stated(c: CaptureInfo): { mode: FqMode; source: string } | null {
  if (c.forcedStrict) return { mode: 'strict', source: 'guest/dmesg.txt ("IOMMU batching disallowed due to virtualization": VT-d caching mode forces strict)' };
  if (c.strict !== null) return { mode: c.strict ? 'strict' : 'lazy', source: c.cmdline && /iommu\.strict=/.test(c.cmdline) ? 'the kernel command line (iommu.strict)' : 'guest/dmesg.txt (TLB invalidation policy)' };
  return null;
}

/** The groups' default domain type, when every translating group has the same one. */
function fromGroups(groups: readonly CaptureGroup[], source: string): { mode: FqMode; source: string } | null {
  const types = new Set(groups.map((g) => g.type).filter((t) => t === 'DMA' || t === 'DMA-FQ'));
  if (types.size !== 1) return null;
  return { mode: types.has('DMA-FQ') ? 'lazy' : 'strict', source: `${source} (every DMA group is ${[...types][0]})` };
}

/** Identity default domains (iommu.passthrough=1, or every group identity): no flush queue to speak of. */
function passthrough(c: CaptureInfo, groupsSource: string): string | null {
  if (c.passthrough) return 'the kernel command line (iommu.passthrough=1: identity domains)';
  if (c.groups.length && c.groups.every((g) => g.type === 'identity')) return `${groupsSource} (every group is identity)`;
  return null;
}

export function resolveFq(flag: FqMode | undefined, c: CaptureInfo, groupsSource: string, reuse: ReuseVerdict, notes: Notes): FqResolution {
  const identity = passthrough(c, groupsSource);
  if (flag === undefined && identity !== null) return { fact: fact<FqMode>(null, 'read', identity), strict: c.strict, forcedStrict: c.forcedStrict };
  const says = stated(c) ?? fromGroups(c.groups, groupsSource);
  const shown = reuse.mode !== null ? { mode: reuse.mode, source: describeReuse(reuse) } : null;
  if (flag !== undefined) {
    if (says && says.mode !== flag) notes.contradiction(`--${flag}`, `${says.source}, which says ${says.mode}`);
    if (shown && shown.mode !== flag) notes.contradiction(`--${flag}`, `the trace: ${shown.source}, which shows ${shown.mode}`);
    return { fact: fact(flag, 'given', `--${flag}`), strict: flag === 'strict', forcedStrict: false };
  }
  if (says) {
    if (shown && shown.mode !== says.mode) notes.warn(`${says.source} says ${says.mode}, but the trace shows ${shown.mode}: ${shown.source}; following the capture (pass --${shown.mode} to follow the trace)`);
    return { fact: fact(says.mode, 'read', says.source), strict: says.mode === 'strict', forcedStrict: c.forcedStrict };
  }
  if (shown) return { fact: fact(shown.mode, 'inferred', shown.source), strict: shown.mode === 'strict', forcedStrict: false };
  notes.assume(`strict (${describeReuse(reuse)}: pass --lazy or --strict)`);
  return { fact: fact<FqMode>('strict', 'assumed', describeReuse(reuse)), strict: null, forcedStrict: false };
}
