// The domains and reserved IOVA of an IOAS (drivers/iommu/iommufd/io_pagetable.c, device.c,
// hw_pagetable.c, 6.12.117).
import { describe, expect, it } from 'vitest';
import { INTEL_VTD } from '../machine/platform.js';
import { A, B, scattered, steps, unmaps, world } from './test-support.js';

describe('iommufd: domains joining and leaving an IOAS', () => {
  it('a hw_pagetable allocated on an IOAS is filled at once with every area, in IOVA order (iopt_table_add_domain → iopt_fill_domain)', () => {
    const { map, hwptAlloc, phys } = world();
    map(0x200000n, scattered(2, 0x41000000n));
    map(0x10000n, [{ phys: 0x42000000n, length: 0x1000n }]);
    const r = hwptAlloc();
    expect(r.errno).toBeNull();
    expect(phys(r.domain, 0x10000n)).toBe(0x42000000n);
    expect(phys(r.domain, 0x201000n)).toBe(0x41002000n);
    expect(phys(r.domain, 0x202000n)).toBeNull();
  });

  it('a domain that leaves while another stays is unmapped with one call per area, and the areas it stored move to the other (iopt_unfill_domain)', () => {
    const { m, map, unmap, attach, hwptAlloc } = world();
    const d0 = attach(A).domain!;
    const d1 = hwptAlloc().domain;
    map(0x40000000n, scattered(3, 0x41000000n));
    const gone = m.run({ op: 'iommufd_detach', device: A });
    expect(unmaps(gone.events)).toEqual([[d0, 0x40000000n, 0x3000n]]);
    expect(steps(gone.events).at(-1)).toBe(`DomainFreed:${d0}`);
    // a third domain joins; an unmap still reaches both: the newcomer whole, then the new storage domain
    const d2 = hwptAlloc(B).domain;
    expect(unmaps(m.run({ op: 'iommufd_hwpt_destroy', hwpt: d2 }).events)).toEqual([[d2, 0x40000000n, 0x3000n]]);
    const d3 = hwptAlloc(B).domain;
    expect(unmaps(unmap(0x40000000n, 0x3000n).events)).toEqual([
      [d3, 0x40000000n, 0x3000n],
      [d1, 0x40000000n, 0x3000n],
    ]);
  });

  it('a hw_pagetable a device is attached through cannot be destroyed (-EBUSY); destroyed, it leaves the IOAS emptied', () => {
    const { m, map, attach, hwptAlloc } = world();
    const d = hwptAlloc().domain;
    attach(A, d);
    map(0x10000n, scattered(2, 0x41000000n));
    expect(m.run({ op: 'iommufd_hwpt_destroy', hwpt: d }).value).toBe('EBUSY');
    m.run({ op: 'iommufd_detach', device: A });
    const r = m.run({ op: 'iommufd_hwpt_destroy', hwpt: d });
    expect(r.value).toBeNull();
    expect(unmaps(r.events)).toEqual([[d, 0x10000n, 0x2000n]]);
    expect(steps(r.events).at(-1)).toBe(`DomainFreed:${d}`);
  });

  it('a domain whose aperture misses an area cannot join: -EADDRINUSE, the group goes back to its blocking domain and the domain is freed', () => {
    const { m, map, attach } = world();
    // before any domain the whole 64-bit space is usable
    expect(map(1n << 48n, [{ phys: 0x42000000n, length: 0x1000n }]).errno).toBeNull();
    const blocking = m.state.topology.devices[A].domain!;
    const r = attach(A);
    expect(r.errno).toBe('EADDRINUSE');
    const fresh = Number(steps(r.events)[0].split(':')[1]);
    expect(steps(r.events)).toEqual([`DomainAllocated:${fresh}`, `DeviceAttached:${A}>${fresh}`, `DeviceAttached:${A}>${blocking}`, `DomainFreed:${fresh}`]);
  });
});

describe('iommufd: the reserved IOVA of the devices of an IOAS (iopt_table_enforce_dev_resv_regions)', () => {
  it('each attached device holds its reserved regions in the IOAS until it detaches', () => {
    const { m, map, attach } = world();
    attach(A);
    attach(B);
    const overMsi = () => map(0x8000000n, [{ phys: 0x42000000n, length: 0x1000n }]).errno;
    expect(overMsi()).toBe('EINVAL');
    m.run({ op: 'iommufd_detach', device: A });
    // B still reserves the same SW_MSI window
    expect(overMsi()).toBe('EINVAL');
    // B's detach frees the automatic hw_pagetable, its aperture reservation with it
    m.run({ op: 'iommufd_detach', device: B });
    expect(overMsi()).toBeNull();
  });

  it('VT-d: the interrupt window 0xfee00000-0xfeefffff is reserved (IOMMU_RESV_MSI)', () => {
    const { map, attach } = world({ platform: INTEL_VTD });
    expect(attach(A).errno).toBeNull();
    expect(map(0xfee00000n, [{ phys: 0x42000000n, length: 0x1000n }]).errno).toBe('EINVAL');
    expect(map(0xfef00000n, [{ phys: 0x42000000n, length: 0x1000n }]).errno).toBeNull();
  });

  it('relaxable direct regions are not reserved; direct ones are', () => {
    const { m, ioas, attach } = world({ devices: [] });
    m.run({ op: 'probe', device: A, regions: [{ start: 0x10000n, end: 0x1ffffn, kind: 'direct-relaxable' }, { start: 0x30000n, end: 0x3ffffn, kind: 'direct' }] });
    m.run({ op: 'iommufd_bind', device: A });
    attach(A);
    const at = (iova: bigint) => (m.run({ op: 'ioas_map', ioas, size: 0x1000n, iova, pages: [{ phys: 0x42000000n, length: 0x1000n }] }).value as { errno: string | null }).errno;
    expect([at(0x10000n), at(0x30000n)]).toEqual([null, 'EINVAL']);
  });
});
