import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInputError } from '../../domain-events/index.js';
import { type CaptureGroup, parseIommuGroups } from '../capture.js';
import { parseSysfsGroups, readSysfsGroups, SYSFS_GROUPS_COMMAND } from './sysfs-groups.js';
import { scratchDir } from '../test-support/scratch.js';

// what the sysfs listing can say: no driver, vendor or class (the capture's own file has them)
const bare = (gs: CaptureGroup[]) => gs.map((g) => ({ ...g, devices: g.devices.map((d) => ({ name: d.name, driver: '', vendor: '', device: '', class: '' })) }));

describe('--groups: the sysfs listing of the traced machine', () => {
  it.each(['x86-q35-vtd-vfio-612', 'arm64-virt-smmuv3-vfio-612'])('gives the groups the capture %s lists (ids, types, regions, devices)', (name) => {
    const listing = readFileSync(`fixtures/groups/${name}.sysfs.txt`, 'utf8');
    const { groups, problems } = parseSysfsGroups(listing, `${name}.sysfs.txt`);
    expect(problems).toEqual([]);
    expect(groups).toEqual(bare(parseIommuGroups(readFileSync(`fixtures/traces/${name}/guest/iommu_groups.txt`, 'utf8'))));
  });

  it('reads platform devices, groups past 9 in glob order, a group with no reserved region and types other than DMA', () => {
    const text = [
      '/sys/kernel/iommu_groups/10/type:DMA-FQ',
      '/sys/kernel/iommu_groups/2/type:identity',
      '/sys/kernel/iommu_groups/10/reserved_regions:0x0000000008000000 0x00000000080fffff msi',
      '/sys/kernel/iommu_groups/10/devices:',
      'total 0',
      'lrwxrwxrwx 1 root root 0 Jan  1 00:00 a003e00.virtio_mmio -> ../../../../devices/platform/a003e00.virtio_mmio',
      '',
      '/sys/kernel/iommu_groups/2/devices:',
      'total 0',
      'lrwxrwxrwx 1 root root 0 Jan  1 00:00 0000:00:02.0 -> ../../../../devices/pci0000:00/0000:00:02.0',
    ].join('\n');
    const { groups, problems } = parseSysfsGroups(text, 'g.txt');
    expect(problems).toEqual([]);
    expect(groups.map((g) => [g.id, g.type, g.regions.length, g.devices.map((d) => d.name)])).toEqual([
      [2, 'identity', 0, ['0000:00:02.0']],
      [10, 'DMA-FQ', 1, ['a003e00.virtio_mmio']],
    ]);
    expect(groups[1].regions[0]).toEqual({ start: 0x8000000n, end: 0x80fffffn, kind: 'msi' });
  });

  it('takes the links of `ls -l` on a single group, which prints no header', () => {
    const text = '/sys/kernel/iommu_groups/0/type:DMA\n/sys/kernel/iommu_groups/0/reserved_regions:0x00000000fee00000 0x00000000feefffff msi\ntotal 0\nlrwxrwxrwx 1 root root 0 Jan  1 00:00 0000:00:04.0 -> ../../../../devices/pci0000:00/0000:00:04.0\n';
    expect(parseSysfsGroups(text, 'g.txt').groups[0].devices.map((d) => d.name)).toEqual(['0000:00:04.0']);
  });

  it('takes a capture folder’s guest/iommu_groups.txt as it is', () => {
    const text = readFileSync('fixtures/traces/x86-q35-vtd-strict-612/guest/iommu_groups.txt', 'utf8');
    expect(parseSysfsGroups(text, 'iommu_groups.txt').groups).toEqual(parseIommuGroups(text));
  });

  it('names file, line and what was expected for every line it cannot read', () => {
    const text = [
      '/sys/kernel/iommu_groups/0/type:DMA',
      '/sys/kernel/iommu_groups/0/type:paging',
      '/sys/kernel/iommu_groups/0/reserved_regions:0xfee00000-0xfeefffff msi',
      'grep: /sys/kernel/iommu_groups/*/type: No such file or directory',
      'lrwxrwxrwx 1 root root 0 Jan  1 00:00 0000:00:04.0 -> ../../../../devices/pci0000:00/0000:00:04.0',
    ].join('\n');
    const { problems } = parseSysfsGroups(text, 'groups.txt');
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^groups\.txt:2: expected a domain type \(DMA, DMA-FQ, identity, blocked, unmanaged, unknown\) after "type:", got "paging"$/);
    expect(problems[1]).toMatch(/^groups\.txt:3: expected "0x<start> 0x<end> <direct\|direct-relaxable\|reserved\|msi>" after "reserved_regions:", got "0xfee00000-0xfeefffff msi"$/);
    expect(problems[2]).toMatch(/^groups\.txt:4: expected a line of `grep -r \. …\/type …\/reserved_regions` \(PATH:VALUE\) or of `ls -l …\/devices`, got "grep: /);
  });

  it('refuses, as bad input, a file that is not the listing (naming the command)', () => {
    const dir = scratchDir('ij-groups-');
    const bad = join(dir, 'g.txt');
    writeFileSync(bad, 'hello\n');
    const err = (() => {
      try {
        readSysfsGroups(bad);
      } catch (e) {
        return e;
      }
    })();
    expect(isInputError(err)).toBe(true);
    expect((err as Error).message).toContain(`${bad}:1: expected`);
    expect((err as Error).message).toContain(SYSFS_GROUPS_COMMAND);
    writeFileSync(bad, '\n');
    expect(() => readSysfsGroups(bad)).toThrow(/no IOMMU group in it/);
    expect(() => readSysfsGroups(join(dir, 'none.txt'))).toThrow(/cannot read \(ENOENT\)/);
  });
});
