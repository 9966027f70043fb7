// The architecture, the IOMMU groups and the reserved regions: --arch / --groups, else what the
// trace file's header or the capture says, else what the trace shows; the platform's own
// reserved regions once the architecture is known.
import { type CaptureGroup, type CaptureRegion } from '../capture.js';
import { type ArchClue } from './arch-evidence.js';
import { type Notes } from './notes.js';
import { describeRegions, platformRegions } from './platform.js';
import { type Arch, archFlag, type Fact, fact } from './types.js';

export interface ArchInputs {
  readonly flag?: Arch;
  readonly header: { readonly arch: Arch; readonly source: string } | null;
  readonly capture: Arch | null;
  readonly shown: { readonly arch: Arch | null; readonly clue: ArchClue | null; readonly conflict: string | null };
}

export function resolveArch(i: ArchInputs, notes: Notes): Fact<Arch> {
  const stated = i.header ?? (i.capture !== null ? { arch: i.capture, source: 'guest/uname.txt' } : null);
  if (i.flag !== undefined) {
    const f = `--arch ${archFlag(i.flag)}`;
    if (stated && stated.arch !== i.flag) notes.contradiction(f, `${stated.source} (${archFlag(stated.arch)})`);
    if (i.shown.clue && i.shown.arch !== i.flag) notes.contradiction(f, `the trace: ${i.shown.clue.why}, which shows ${archFlag(i.shown.clue.arch)}`);
    return fact(i.flag, 'given', '--arch');
  }
  if (stated) return fact(stated.arch, 'read', stated.source);
  if (i.shown.arch !== null && i.shown.clue) return fact(i.shown.arch, 'inferred', i.shown.clue.why);
  if (i.shown.conflict) notes.warn(`the trace shows clues of both architectures (${i.shown.conflict}): pass --arch`);
  notes.unknownFact('the architecture (the trace shows no doorbell map, identity map or device name that tells: pass --arch x86|arm64; the checks that need it are skipped)');
  return fact<Arch>(null, 'unknown', 'nothing shows it');
}

export interface GroupsResolution {
  readonly groups: Fact<string>;
  readonly regions: Fact<string>;
  readonly list: readonly CaptureGroup[];
  /** the regions of a group no sysfs listing names */
  readonly platform: readonly CaptureRegion[];
}

const count = (gs: readonly CaptureGroup[]) => `${gs.length} group${gs.length === 1 ? '' : 's'}`;

/** Two listings that say the same: ids, types, regions and device names. */
function sameGroups(a: readonly CaptureGroup[], b: readonly CaptureGroup[]): boolean {
  const key = (gs: readonly CaptureGroup[]) =>
    JSON.stringify(gs.map((g) => [g.id, g.type, g.regions.map((r) => `${r.start}-${r.end}-${r.kind}`), g.devices.map((d) => d.name).sort()]));
  return key(a) === key(b);
}

export function resolveGroups(flag: { file: string; groups: CaptureGroup[] } | undefined, capture: readonly CaptureGroup[], arch: Arch | null, notes: Notes): GroupsResolution {
  let list: readonly CaptureGroup[] = capture;
  let groups: Fact<string> = capture.length ? fact(count(capture), 'read', 'guest/iommu_groups.txt') : fact<string>(null, 'unknown', 'no sysfs listing');
  if (flag) {
    if (capture.length && !sameGroups(flag.groups, capture)) notes.contradiction(`--groups ${flag.file}`, `guest/iommu_groups.txt (${count(capture)}, other types, regions or devices)`);
    list = flag.groups;
    groups = fact(count(flag.groups), 'given', `--groups ${flag.file}`);
  }
  const p = arch !== null ? platformRegions(arch) : null;
  let regions: Fact<string>;
  if (list.length) regions = fact('sysfs reserved_regions', groups.how, groups.source);
  else if (p) {
    regions = fact(p.platform, 'assumed', p.source);
    notes.assume(`the reserved regions of an ${p.platform} platform for every group (${describeRegions(p)}); firmware regions (RMRRs, IORT RMRs) are not shown: pass --groups FILE`);
  } else {
    regions = fact<string>(null, 'unknown', 'no sysfs listing and no architecture');
    notes.unknownFact('the reserved regions (no sysfs listing and no architecture: pass --groups FILE or --arch; the reserved-region check is skipped)');
  }
  return { groups, regions, list, platform: p ? p.regions : [] };
}
