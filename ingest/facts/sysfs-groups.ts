// `--groups FILE`: the IOMMU groups of the machine a bare trace came from, as this command prints
// them (SYSFS_GROUPS_COMMAND): each group's default domain type and reserved regions, one
// `path:value` line each from grep, then the devices of each group as `ls -l` lists their links.
// drivers/iommu/iommu.c (6.1, 6.12): iommu_group_show_type prints the type ("DMA", "DMA-FQ",
// "identity", "blocked", "unmanaged"), iommu_group_show_resv_regions prints
// "0x%016llx 0x%016llx %s" per region (start, end inclusive, "direct", "direct-relaxable",
// "reserved", "msi"), and each device is a symlink named after the device
// (devices/0000:00:04.0 -> ../../../../devices/pci0000:00/0000:00:04.0). A capture's own
// guest/iommu_groups.txt is taken as well. The result is the same CaptureGroup[] a capture gives.
import { readFileSync } from 'node:fs';
import { InputError } from '../../domain-events/index.js';
import { type CaptureGroup, type CaptureRegion, parseIommuGroups } from '../capture.js';

export const SYSFS_GROUPS_COMMAND =
  'grep -r . /sys/kernel/iommu_groups/*/type /sys/kernel/iommu_groups/*/reserved_regions; ls -l /sys/kernel/iommu_groups/*/devices';

const TYPES = new Set(['DMA', 'DMA-FQ', 'identity', 'blocked', 'unmanaged', 'unknown']);
const KINDS = new Set(['direct', 'direct-relaxable', 'reserved', 'msi']);
const ATTR = /(?:^|\/)iommu_groups\/(\d+)\/(type|reserved_regions):(.*)$/;
const DEVICES_HEADER = /(?:^|\/)iommu_groups\/(\d+)\/devices:$/;
const REGION = /^0x([0-9a-f]{1,16}) 0x([0-9a-f]{1,16}) (\S+)$/;
const LINK = /^l\S*\s.*\s(\S+) -> (\S+)$/;

interface Building {
  type: string;
  regions: CaptureRegion[];
  devices: CaptureGroup['devices'][number][];
}

export interface GroupsParse {
  readonly groups: CaptureGroup[];
  /** "FILE:LINE: expected …, got …" */
  readonly problems: string[];
}

/** Parses the command's output; every line it cannot read is a problem naming file and line. */
export function parseSysfsGroups(text: string, file: string): GroupsParse {
  const lines = text.split(/\r\n|\r|\n/);
  const first = lines.find((l) => l.trim() !== '');
  if (first !== undefined && /^group \d+: type=/.test(first)) return { groups: parseIommuGroups(text), problems: [] };
  const groups = new Map<number, Building>();
  const problems: string[] = [];
  const group = (id: number): Building => {
    let g = groups.get(id);
    if (g === undefined) groups.set(id, (g = { type: 'unknown', regions: [], devices: [] }));
    return g;
  };
  let listing: number | null = null;
  const bad = (n: number, expected: string, got: string) => problems.push(`${file}:${n}: expected ${expected}, got ${JSON.stringify(got.length > 80 ? got.slice(0, 80) + '…' : got)}`);
  lines.forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trimEnd();
    if (line.trim() === '' || /^total \d+$/.test(line)) return;
    const a = ATTR.exec(line);
    if (a) {
      const g = group(Number(a[1]));
      if (a[2] === 'type') {
        if (TYPES.has(a[3])) g.type = a[3];
        else bad(n, `a domain type (${[...TYPES].join(', ')}) after "type:"`, a[3]);
        return;
      }
      const r = REGION.exec(a[3]);
      if (r && KINDS.has(r[3])) g.regions.push({ start: BigInt('0x' + r[1]), end: BigInt('0x' + r[2]), kind: r[3] });
      else bad(n, `"0x<start> 0x<end> <${[...KINDS].join('|')}>" after "reserved_regions:"`, a[3]);
      return;
    }
    const h = DEVICES_HEADER.exec(line);
    if (h) {
      listing = Number(h[1]);
      group(listing);
      return;
    }
    const l = LINK.exec(line);
    if (l) {
      // `ls -l` of one folder prints no header: then there is one group
      const id = listing ?? (groups.size === 1 ? [...groups.keys()][0] : null);
      if (id === null) return void bad(n, 'a "/sys/kernel/iommu_groups/N/devices:" line before the device links', line);
      group(id).devices.push({ name: l[1], driver: '', vendor: '', device: '', class: '' });
      return;
    }
    bad(n, 'a line of `grep -r . …/type …/reserved_regions` (PATH:VALUE) or of `ls -l …/devices`', line);
  });
  const out = [...groups.entries()].sort((x, y) => x[0] - y[0]).map(([id, g]) => ({ id, type: g.type, regions: g.regions, devices: g.devices }));
  return { groups: out, problems };
}

/** Reads `--groups FILE`: a file that is not what the command prints is bad input. */
export function readSysfsGroups(file: string): CaptureGroup[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`--groups ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const { groups, problems } = parseSysfsGroups(text, file);
  if (problems.length) {
    const more = problems.length > 5 ? `\n  … and ${problems.length - 5} more` : '';
    throw new InputError(`--groups ${file}: ${problems.length} line${problems.length === 1 ? '' : 's'} not as \`${SYSFS_GROUPS_COMMAND}\` prints them:\n  ${problems.slice(0, 5).join('\n  ')}${more}`);
  }
  if (groups.length === 0) throw new InputError(`--groups ${file}: no IOMMU group in it (expected the output of \`${SYSFS_GROUPS_COMMAND}\`)`);
  return groups;
}
