// iommufd: several devices on one IOAS share one automatic hw_pagetable (device.c
// iommufd_device_auto_get_domain, hw_pagetable.c, 6.12.117).
import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../../domain-events/index.js';
import { KernelModel } from '../machine/machine.js';
import { ARM_SMMU_V3 } from '../machine/platform.js';
import { linux612 } from '../profiles/linux-6.12.js';
import { linux73 } from '../profiles/linux-7.3.js';
import { maps as pageMaps, scattered, steps, unmaps, world } from './test-support.js';

const A = '0000:00:0a.0';
const B = '0000:00:0b.0';
const ITS = 0x8090040n;

const attaches = (ev: readonly IommuEvent[]) => ev.filter((e): e is Extract<IommuEvent, { type: 'DeviceAttached' }> => e.type === 'DeviceAttached').map((e) => [e.device, e.domain]);
const maps = (ev: readonly IommuEvent[]) => ev.filter((e) => e.type === 'Mapped').length;

function twoDevicesOnOneIoas(profile = linux612) {
  const m = new KernelModel(profile, ARM_SMMU_V3);
  const defA = m.run({ op: 'probe', device: A }).value as number;
  const defB = m.run({ op: 'probe', device: B }).value as number;
  const ioas = m.run({ op: 'ioas_alloc' }).value as number;
  m.run({ op: 'iommufd_bind', device: A });
  const a = m.run({ op: 'iommufd_attach', device: A, ioas });
  const bindB = m.run({ op: 'iommufd_bind', device: B });
  const b = m.run({ op: 'iommufd_attach', device: B, ioas });
  return { m, defA, defB, a, bindB, b };
}

describe('iommufd: an IOAS with several devices attached to one hw_pagetable (6.12)', () => {
  it('the second device (another group) attaches to the IOAS automatic domain: no new domain, no second MSI cookie', () => {
    const { m, a, bindB, b } = twoDevicesOnOneIoas();
    const hwpt = (a.value as { domain: number }).domain;
    expect(m.state.topology.domains[hwpt]).toMatchObject({ type: 'UNMANAGED', owner: 'iommufd' });
    expect(a.events.filter((e) => e.type === 'MsiCookieGot')).toMatchObject([{ domain: hwpt, base: 0x8000000n }]);
    // bind: the group's blocking domain; attach: straight into the shared domain
    expect(attaches(bindB.events)).toHaveLength(1);
    expect(attaches(b.events)).toEqual([[B, hwpt]]);
    expect(b.value).toEqual({ domain: hwpt, errno: null });
    expect(b.events.some((e) => e.type === 'DomainAllocated' || e.type === 'MsiCookieGot')).toBe(false);
    // one MSI cookie: the doorbell page mapped for A is found for B
    expect(maps(m.run({ op: 'msi_enable', device: A, doorbell: ITS }).events)).toBe(1);
    const r = m.run({ op: 'msi_enable', device: B, doorbell: ITS });
    expect([r.value, maps(r.events)]).toEqual([{ iova: 0x8000040n, errno: null }, 0]);
  });

  it('detach: each group to its blocking domain, the hw_pagetable destroyed with its last device; unbind: the default domain', () => {
    const { m, defA, defB, a } = twoDevicesOnOneIoas();
    const hwpt = (a.value as { domain: number }).domain;
    expect(m.run({ op: 'iommufd_detach', device: A }).events.some((e) => e.type === 'DomainFreed')).toBe(false);
    expect(m.run({ op: 'iommufd_detach', device: B }).events.filter((e) => e.type === 'DomainFreed')).toMatchObject([{ domain: hwpt }]);
    m.run({ op: 'iommufd_unbind', device: A });
    m.run({ op: 'iommufd_unbind', device: B });
    expect([m.state.topology.devices[A].domain, m.state.topology.devices[B].domain]).toEqual([defA, defB]);
  });

  it('7.3: the same sharing, with the fd-global doorbell table instead of a cookie', () => {
    const { m, a, b } = twoDevicesOnOneIoas(linux73);
    expect((b.value as { domain: number }).domain).toBe((a.value as { domain: number }).domain);
    expect(a.events.some((e) => e.type === 'MsiCookieGot')).toBe(false);
    expect(maps(m.run({ op: 'msi_enable', device: A, doorbell: ITS }).events)).toBe(1);
    expect(maps(m.run({ op: 'msi_enable', device: B, doorbell: ITS }).events)).toBe(0);
  });

  it('an area mapped after both devices attached is mapped once, into the one hw_pagetable both translate through (iopt_map_pages, 6.12.117)', () => {
    const { m, attach, map, phys } = world();
    const hwpt = attach(A).domain!;
    expect(attach(B).domain).toBe(hwpt);
    // a transparent huge page at a 2 MiB-aligned IOVA: one iommu_map, one 2 MiB block
    const r = map(0x40000000n, [{ phys: 0x48600000n, length: 0x200000n }]);
    expect(pageMaps(r.events)).toEqual([[hwpt, 0x40000000n, 0x48600000n, 0x200000n]]);
    expect(r.events.find((e) => e.type === 'Mapped')).toMatchObject({ leaves: [{ pgsize: 0x200000n, count: 1 }] });
    for (const d of [A, B]) expect(phys(m.state.topology.devices[d].domain!, 0x40123000n)).toBe(0x48723000n);
  });

  it('the first device of an IOAS gets a hw_pagetable filled with every area after its group is attached (immediate attach, then iopt_table_add_domain)', () => {
    const { attach, map } = world();
    map(0x100000n, scattered(3, 0x41000000n));
    map(0x10000n, [{ phys: 0x42000000n, length: 0x2000n }]);
    const r = attach(A);
    const hwpt = r.domain!;
    expect(steps(r.events).filter((s) => !s.startsWith('DomainAllocated'))).toEqual([`DeviceAttached:${A}>${hwpt}`, ...Array(4).fill(`Mapped:${hwpt}`)]);
    // in IOVA order; one iommu_map per run of contiguous pages
    expect(pageMaps(r.events)).toEqual([
      [hwpt, 0x10000n, 0x42000000n, 0x2000n],
      [hwpt, 0x100000n, 0x41000000n, 0x1000n],
      [hwpt, 0x101000n, 0x41002000n, 0x1000n],
      [hwpt, 0x102000n, 0x41004000n, 0x1000n],
    ]);
  });

  it('the last device to detach takes the hw_pagetable out of the IOAS: every area is unmapped from it before it is freed, its doorbell page aside (iopt_table_remove_domain)', () => {
    const { m, ioas, attach, map } = world();
    const hwpt = attach(A).domain!;
    attach(B);
    map(0x10000n, [{ phys: 0x42000000n, length: 0x2000n }]);
    map(0x100000n, scattered(2, 0x41000000n));
    m.run({ op: 'msi_enable', device: A, doorbell: 0x8090040n });
    expect(m.run({ op: 'iommufd_detach', device: A }).events.some((e) => e.type === 'Unmapped')).toBe(false);
    const r = m.run({ op: 'iommufd_detach', device: B });
    expect(unmaps(r.events)).toEqual([
      [hwpt, 0x10000n, 0x2000n],
      [hwpt, 0x100000n, 0x2000n],
    ]);
    expect(steps(r.events).at(-1)).toBe(`DomainFreed:${hwpt}`);
    expect(steps(r.events).indexOf(`DeviceAttached:${B}>${hwpt}`)).toBe(-1);
    // the areas stay in the IOAS: the next device's new hw_pagetable gets them again
    expect(m.state.ioas.spaces[ioas].areas.map((a) => a.iova)).toEqual([0x10000n, 0x100000n]);
    const again = attach(A);
    expect(pageMaps(again.events).map(([d, iova]) => [d, iova])).toEqual([
      [again.domain, 0x10000n],
      [again.domain, 0x100000n],
      [again.domain, 0x101000n],
    ]);
  });
});

