import { describe, expect, it } from 'vitest';
import { type IommuEvent } from '../../domain-events/index.js';
import { evolveBatch, initialState, stateHash } from '../../reducers/index.js';
import { KernelModel } from '../machine/machine.js';
import { ARM_SMMU_V3 } from '../machine/platform.js';
import { applySwitches, type Profile } from '../profile.js';
import { auger2016v6, auger2016v7 } from '../profiles/auger-2016.js';
import { linux61 } from '../profiles/linux-6.1.js';

const DEV = '0000:00:08.0';
const ITS = 0x8090040n;
const WIN = { iova: 0x8000000n, size: 0x100000n };

function vfio(p: Profile): { m: KernelModel; d: number; all: IommuEvent[] } {
  const m = new KernelModel(p, ARM_SMMU_V3);
  const all: IommuEvent[] = [];
  const run = (c: Parameters<KernelModel['run']>[0]) => {
    const r = m.run(c);
    all.push(...r.events);
    return r.value;
  };
  run({ op: 'probe', device: DEV });
  const d = run({ op: 'alloc_domain', type: 'UNMANAGED', owner: 'vfio' }) as number;
  run({ op: 'attach', device: DEV, domain: d });
  run({ op: 'vfio_msi_window', domain: d, ...WIN });
  return { m, d, all };
}

function mappedIovas(events: readonly IommuEvent[]): bigint[] {
  return events.flatMap((e) => (e.type === 'Mapped' ? [e.iova] : []));
}

describe('2016 dma-reserved-iommu series (reference §3)', () => {
  it('a doorbell is bound top-down in the window (alloc_iova size-aligned under the window top), merged 6.1 bumps from the base', () => {
    const a = vfio(auger2016v7);
    expect(a.m.run({ op: 'msi_enable', device: DEV, doorbell: ITS }).value).toEqual({ iova: 0x80ff040n, errno: null });
    const b = vfio(linux61);
    expect(b.m.run({ op: 'msi_enable', device: DEV, doorbell: ITS }).value).toEqual({ iova: 0x8000040n, errno: null });
  });

  it('bindings are refcounted: the second get reuses, a put keeps it, the last put unmaps and frees the IOVA', () => {
    const { m, d } = vfio(auger2016v7);
    m.run({ op: 'msi_enable', device: DEV, doorbell: ITS });
    const again = m.run({ op: 'msi_enable', device: DEV, doorbell: ITS + 4n });
    expect(mappedIovas(again.events)).toEqual([]);
    expect(m.state.cookies.byDomain[d].msiPages[0].refcount).toBe(2);
    const put1 = m.run({ op: 'msi_disable', device: DEV, doorbell: ITS });
    expect(put1.events.map((e) => e.type)).toEqual(['MsiPagePut']);
    const put2 = m.run({ op: 'msi_disable', device: DEV, doorbell: ITS });
    expect(put2.events.map((e) => e.type).filter((t) => t !== 'IotlbFlushed')).toEqual(['Unmapped', 'IovaFreed', 'MsiPagePut']);
    expect(m.state.cookies.byDomain[d].msiPages).toEqual([]);
    expect(m.state.iova.domains.get(d)!.nodes.size).toBe(0);
  });

  it('v6 puts by the IOVA the get returned (translated back with iommu_iova_to_phys)', () => {
    const { m, d } = vfio(auger2016v6);
    const got = m.run({ op: 'msi_enable', device: DEV, doorbell: ITS }).value as { iova: bigint };
    m.run({ op: 'msi_disable', device: DEV, doorbell: 0n, iova: got.iova });
    expect(m.state.cookies.byDomain[d].msiPages).toEqual([]);
  });

  it('iommu_unmap_reserved at VFIO release tears every binding down whatever its refcount', () => {
    const { m, d } = vfio(auger2016v7);
    m.run({ op: 'msi_enable', device: DEV, doorbell: ITS });
    m.run({ op: 'msi_enable', device: DEV, doorbell: ITS });
    m.run({ op: 'msi_enable', device: DEV, doorbell: 0x9090000n });
    expect(m.run({ op: 'vfio_release', domain: d }).value).toBe(2);
    expect(m.state.pageTables.domains.get(d)!.runs.size).toBe(0);
    expect(m.state.cookies.byDomain[d]).toBeUndefined();
  });

  it('merged 6.1: release leaves the doorbell mapped (pages live until the cookie is put)', () => {
    const { m, d } = vfio(linux61);
    m.run({ op: 'msi_enable', device: DEV, doorbell: ITS });
    m.run({ op: 'vfio_release', domain: d });
    expect(m.state.pageTables.domains.get(d)!.runs.size).toBe(1);
  });

  it('window checks: -EINVAL unaligned or empty, -EEXIST for a second window; v7 refuses a get the window prot forbids', () => {
    const m = new KernelModel(auger2016v7, ARM_SMMU_V3);
    m.run({ op: 'probe', device: DEV });
    const d = m.run({ op: 'alloc_domain', type: 'UNMANAGED', owner: 'vfio' }).value as number;
    m.run({ op: 'attach', device: DEV, domain: d });
    expect(m.run({ op: 'reserved_domain_alloc', domain: d, iova: 0x8000800n, size: 0x100000n }).value).toBe('EINVAL');
    expect(m.run({ op: 'reserved_domain_alloc', domain: d, iova: 0x8000000n, size: 0n }).value).toBe('EINVAL');
    expect(m.run({ op: 'reserved_domain_alloc', domain: d, iova: 0x8000000n, size: 0x100000n, prot: 1 }).value).toBeNull();
    expect(m.run({ op: 'reserved_domain_alloc', domain: d, iova: 0x8000000n, size: 0x100000n }).value).toBe('EEXIST');
    expect(m.run({ op: 'msi_enable', device: DEV, doorbell: ITS }).value).toEqual({ iova: null, errno: 'EINVAL' });
  });

  it('rbtree or list (the v7 review question): the same outcomes on a seeded random get/put sequence', () => {
    const outcome = (index: 'rbtree' | 'list') => {
      const { m, d, all } = vfio(applySwitches(auger2016v7, { reservedIndex: index }));
      let x = 12345;
      const rand = (n: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % n);
      const values: unknown[] = [];
      for (let i = 0; i < 300; i++) {
        const doorbell = 0x8090000n + BigInt(rand(24)) * 0x10000n + BigInt(rand(4) * 4);
        const r = m.run(rand(3) === 0 ? { op: 'msi_disable', device: DEV, doorbell } : { op: 'msi_enable', device: DEV, doorbell });
        values.push(r.value);
        all.push(...r.events);
      }
      const pages = [...m.state.cookies.byDomain[d].msiPages].sort((a, b) => (a.doorbell < b.doorbell ? -1 : 1)).map((p) => [p.doorbell, p.iova, p.refcount]);
      expect(stateHash(evolveBatch(initialState(), all))).toBe(stateHash(m.state));
      return { values, pages, mapped: m.state.pageTables.domains.get(d)!.runs.size };
    };
    expect(outcome('list')).toEqual(outcome('rbtree'));
  });
});

describe('murphy-2015 (seed 003): plain alloc_iova, unmap by find_iova', () => {
  it('no rcache: a freed IOVA goes back to the tree with __free_iova and the next map takes it from the tree', async () => {
    const { murphy2015 } = await import('../profiles/murphy-2015.js');
    const m = new KernelModel(murphy2015, ARM_SMMU_V3);
    m.run({ op: 'probe', device: DEV });
    const a = m.run({ op: 'dma_map_page', device: DEV, phys: 0x40000000n, size: 0x3000n, dir: 'TO_DEVICE' });
    // size-aligned under the DMA limit, no PCI 32-bit-first: the top of the 48-bit space, 4-page aligned
    expect(a.value).toBe(0xffffffffc000n);
    const un = m.run({ op: 'dma_unmap_page', device: DEV, dmaAddr: a.value as bigint, size: 0x3000n, dir: 'TO_DEVICE' });
    expect(un.events.filter((e) => e.type === 'IovaFreed').map((e) => (e as { via: string }).via)).toEqual(['__free_iova']);
    const b = m.run({ op: 'dma_map_page', device: DEV, phys: 0x40004000n, size: 0x3000n, dir: 'TO_DEVICE' });
    expect(b.events.some((e) => e.type === 'RcacheChanged' || (e.type === 'IovaAllocated' && e.fromRcache))).toBe(false);
    expect(b.value).toBe(a.value);
  });
});
