// The trace import's reading of VFIO ownership attach lines, on a synthetic 6.12 arm64 trace of
// two groups in one type1 container. The lines are those the kernel prints on that path
// (container.c vfio_container_attach_group, vfio_iommu_type1.c vfio_iommu_type1_attach_group /
// detach_group, iommu.c: every domain switch is one attach_device_to_domain per device, 6.12 has
// no detach_device_from_domain); the map/unmap lines follow the real capture
// arm64-virt-smmuv3-vfio-612 (fgsp probe at IOVA 0, MSI cookie doorbell at 0x8000000).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../../domain-events/index.js';
import { evolveBatch, initialState } from '../../reducers/index.js';
import { importTrace } from '../importer.js';
import { HEADER, line } from '../test-support/parse-text.js';
import { scratchDir } from '../test-support/scratch.js';

const A = '0000:00:08.0';
const B = '0000:00:09.0';
let t = 3.9;
const at = () => (t += 0.0001).toFixed(6);
const add = (g: number, dev: string) => line('init-1', 0, at(), 'add_device_to_group', `IOMMU: groupID=${g} device=${dev}`);
const attach = (dev: string) => line('vfio_probe-203', 0, at(), 'attach_device_to_domain', `IOMMU: device=${dev}`);
const hex = (v: bigint) => '0x' + v.toString(16).padStart(16, '0');
const map = (iova: bigint, pa: bigint, size: bigint) => line('vfio_probe-203', 0, at(), 'map', `IOMMU: iova=${hex(iova)} - ${hex(iova + size)} paddr=${hex(pa)} size=${size}`);
const unmap = (iova: bigint, size: bigint) => line('vfio_probe-203', 0, at(), 'unmap', `IOMMU: iova=${hex(iova)} - ${hex(iova + size)} size=${size} unmapped_size=${size}`);

function capture(lines: string[]): string {
  const dir = scratchDir('ij-vfio-');
  mkdirSync(join(dir, 'guest'));
  writeFileSync(join(dir, 'guest', 'uname.txt'), 'Linux (none) 6.12.117+deb12-arm64 #1 SMP Debian 6.12.117-1~deb12u1 (2026-11-14) aarch64 GNU/Linux\n');
  writeFileSync(join(dir, 'guest', 'cmdline.txt'), 'console=ttyAMA0 iommu.strict=1\n');
  const group = (g: number, dev: string) => `group ${g}: type=DMA\n  reserved_regions:\n    0x0000000008000000 0x00000000080fffff msi\n  device ${dev} vendor=0x8086 device=0x10d3 class=0x020000 driver=vfio-pci\n`;
  writeFileSync(join(dir, 'guest', 'iommu_groups.txt'), group(4, A) + group(5, B));
  writeFileSync(join(dir, 'trace.txt'), HEADER + lines.join('\n') + '\n');
  return dir;
}

/** Group 4 sets up the container, group 5 joins it, both use it, both close. */
function twoGroupsOneContainer(): string[] {
  return [
    add(4, A),
    attach(A), // default DMA domain
    add(5, B),
    attach(B),
    attach(A), // VFIO_GROUP_SET_CONTAINER: blocking domain
    attach(A), // VFIO_SET_IOMMU: new domain, fgsp probe
    map(0n, 0x4805e000n, 0x2000n),
    unmap(0n, 0x1000n),
    unmap(0x1000n, 0x1000n),
    map(0x100000000n, 0x48600000n, 0x200000n),
    attach(B), // group 5 VFIO_GROUP_SET_CONTAINER: blocking domain,
    attach(B), // its own new domain,
    attach(B), // back to the blocking domain (iommu_detach_group),
    attach(B), // the container's domain; the new one is freed
    map(0x200000n, 0x42852000n, 0x1000n),
    map(0x8000000n, 0x8090000n, 0x1000n), // MSI-X of either device: the cookie's first page
    unmap(0x100000000n, 0x200000n),
    unmap(0x200000n, 0x1000n),
    attach(A), // group 4 closed: blocking domain,
    attach(A), // default domain
    attach(B), // group 5 closed: blocking domain, the container's domain freed,
    attach(B), // default domain
  ];
}

type Of<T extends IommuEvent['type']> = Extract<IommuEvent, { type: T }>;

describe('domain book: a second group joins a VFIO container (6.12 attach lines)', () => {
  it('the joining group shares the container domain; the one it was given is freed; closing returns both to their default domains', async () => {
    const r = await importTrace(capture(twoGroupsOneContainer()), { output: null });
    const ev = r.events!;
    expect(r.summary.attribution.unattributed).toBe(0);
    expect(r.summary.attribution.conflicts).toBe(0);
    const att = ev.filter((e): e is Of<'DeviceAttached'> => e.type === 'DeviceAttached');
    const dom = (id: number) => ev.find((e): e is Of<'DomainAllocated'> => e.type === 'DomainAllocated' && e.domain === id)!;
    const of = (dev: string) => att.filter((e) => e.device === dev).map((e) => e.domain);
    const [defA, blockedA, vfio, , defAagain] = of(A);
    const [defB, blockedB, fresh, blockedB2, shared, blockedB3, defBagain] = of(B);
    expect([dom(blockedA).domainType, dom(vfio).domainType, dom(fresh).domainType]).toEqual(['BLOCKED', 'UNMANAGED', 'UNMANAGED']);
    expect(shared).toBe(vfio);
    expect([blockedB2, blockedB3]).toEqual([blockedB, blockedB]);
    expect([defAagain, defBagain]).toEqual([defA, defB]);
    expect(att.find((e) => e.device === B && e.domain === shared)?.how).toBe('vfio-container-join');
    // both user maps and the doorbell in the one domain
    const maps = ev.filter((e): e is Of<'Mapped'> => e.type === 'Mapped');
    expect(maps.filter((m) => m.iova === 0x200000n || m.iova === 0x8000000n || m.iova === 0x100000000n).map((m) => m.domain)).toEqual([vfio, vfio, vfio]);
    // the domain vfio_iommu_type1_attach_group gave group 5 is freed at once, the container's with its last group
    const freed = ev.filter((e): e is Of<'DomainFreed'> => e.type === 'DomainFreed').map((e) => e.domain);
    expect(freed).toEqual([fresh, vfio]);
    const s = evolveBatch(initialState(), ev);
    expect([s.topology.devices[A].domain, s.topology.devices[B].domain]).toEqual([defA, defB]);
  });

  it('one group alone: its domain (fgsp probe maps) is not taken for a join; the close frees it', async () => {
    t = 3.9;
    const lines = [add(4, A), attach(A), attach(A), attach(A), map(0n, 0x4805e000n, 0x2000n), unmap(0n, 0x1000n), unmap(0x1000n, 0x1000n), attach(A), attach(A)];
    const r = await importTrace(capture(lines), { output: null });
    const ev = r.events!;
    const att = ev.filter((e): e is Of<'DeviceAttached'> => e.type === 'DeviceAttached').map((e) => e.domain);
    expect(att[4]).toBe(att[0]);
    expect(att[3]).toBe(att[1]);
    expect(ev.filter((e): e is Of<'DomainFreed'> => e.type === 'DomainFreed').map((e) => e.domain)).toEqual([att[2]]);
  });
});
