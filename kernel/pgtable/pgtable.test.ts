import { describe, expect, it } from 'vitest';
import { DomainAllocated, type IommuEvent, PgtableConfigured, PgtableTableAllocated } from '../../domain-events/index.js';
import { evolveBatch, initialState, type State, translate } from '../../reducers/index.js';
import { type CoreDomain, iommuMap, iommuUnmap } from '../core/iommu-map.js';
import { type Profile } from '../profile.js';
import { linux61 } from '../profiles/linux-6.1.js';
import { PgtableCtx } from './ctx.js';

const RW = 3;

function domainOf(fmt: string, bitmap = 0x40201000n, ias = 48): IommuEvent[] {
  return [
    DomainAllocated.make({ domain: 1, domainType: 'UNMANAGED', apertureStart: 0n, apertureEnd: (1n << BigInt(ias)) - 1n, forceAperture: true, pgsizeBitmap: bitmap, fmt, group: null, parent: null, owner: 'test' }),
    PgtableConfigured.make({ domain: 1, fmt, ias, oas: 48, granule: 4096, pgsizeBitmap: bitmap, startLevel: 0, pgdBits: 9 }),
    PgtableTableAllocated.make({ domain: 1, level: 0, iova: 0n, size: 1n << BigInt(ias) }),
  ];
}

const dom: CoreDomain = { type: 'UNMANAGED', pgsizeBitmap: 0x40201000n, hasMapOps: true };

function run(state: State, profile: Profile, fn: (c: PgtableCtx) => unknown): { state: State; events: IommuEvent[]; result: unknown; warn: number } {
  const c = new PgtableCtx(state.pageTables, 1, profile, { cmd: 'test' });
  const result = fn(c);
  return { state: evolveBatch(state, c.events), events: c.events, result, warn: c.warn };
}

describe('io-pgtable-arm through the iommu core', () => {
  const given = (fmt = 'ARM_64_LPAE_S1') => evolveBatch(initialState(), domainOf(fmt));

  it('a partial unmap of a 2M block splits it: 4K gone, 511 × 4K left with the block attributes (≤ 6.13)', () => {
    let s = run(given(), linux61, (c) => iommuMap(c, dom, 0x200000n, 0x40000000n, 0x200000n, RW)).state;
    const r = run(s, linux61, (c) => iommuUnmap(c, dom, 0x201000n, 0x1000n));
    expect(r.result).toBe(0x1000n);
    s = r.state;
    const pt = s.pageTables.domains.get(1)!;
    expect(translate(pt.runs, 0x201000n)).toBeNull();
    expect(translate(pt.runs, 0x3ff000n)).toBe(0x401ff000n);
    const leaves = pt.runs.entries().map(([, x]) => [x.pgsize, x.count]);
    expect(leaves).toEqual([
      [4096, 1],
      [4096, 510],
    ]);
  });

  it('refuses the same unmap on kernels without split-on-unmap (WARN, 0 bytes, the block stays)', () => {
    const refuse: Profile = { ...linux61, pgtable: { ...linux61.pgtable, splitOnUnmap: 'refuse' } };
    const s = run(given(), refuse, (c) => iommuMap(c, dom, 0x200000n, 0x40000000n, 0x200000n, RW)).state;
    const r = run(s, refuse, (c) => iommuUnmap(c, dom, 0x201000n, 0x1000n));
    expect(r.result).toBe(0n);
    expect(r.warn).toBe(1);
    expect(translate(r.state.pageTables.domains.get(1)!.runs, 0x201000n)).toBe(0x40001000n);
    expect(r.events.find((e) => e.type === 'Unmapped')).toMatchObject({ size: 0x1000n, unmappedSize: 0n });
  });

  it('a map over a live leaf fails with -EEXIST and unrolls what it had mapped (one unmap line, no map line)', () => {
    const s = run(given(), linux61, (c) => iommuMap(c, dom, 0x200000n, 0x9000n, 0x1000n, RW)).state;
    // the first map_pages stops at the end of its table (one 4K page), the second hits the live leaf
    const r = run(s, linux61, (c) => iommuMap(c, dom, 0x1ff000n, 0x7ff000n, 0x2000n, RW));
    expect(r.result).toEqual({ errno: 'EEXIST', mapped: 0x1000n });
    // one new level-3 table for [0, 2M); the unroll's cleared leaf is queued for invalidation
    expect(r.events.map((e) => e.type)).toEqual(['PgtableTableAllocated', 'MapFailed', 'Unmapped', 'IotlbFlushed']);
    expect(r.events[2]).toMatchObject({ iova: 0x1ff000n, size: 0x1000n, unmappedSize: 0x1000n });
    expect(translate(r.state.pageTables.domains.get(1)!.runs, 0x1ff000n)).toBeNull();
    expect(translate(r.state.pageTables.domains.get(1)!.runs, 0x200000n)).toBe(0x9000n);
  });

  it('a single map_pages run that meets a live leaf writes nothing: the unroll unmaps 0 bytes and is still traced', () => {
    const s = run(given(), linux61, (c) => iommuMap(c, dom, 0x3000n, 0x9000n, 0x1000n, RW)).state;
    const r = run(s, linux61, (c) => iommuMap(c, dom, 0x1000n, 0x7000n, 0x3000n, RW));
    expect(r.result).toEqual({ errno: 'EEXIST', mapped: 0n });
    expect(r.events.map((e) => e.type)).toEqual(['MapFailed', 'Unmapped']);
    expect(r.events[1]).toMatchObject({ size: 0n, unmappedSize: 0n });
  });

  it('rejects an IOVA beyond the 48-bit input size with -ERANGE (io-pgtable-arm.c WARN)', () => {
    const r = run(given(), linux61, (c) => iommuMap(c, dom, 0xfffffffffffff000n, 0x1000n, 0x1000n, RW));
    expect(r.result).toEqual({ errno: 'ERANGE', mapped: 0n });
  });
});

describe('Intel VT-d second stage (intel/iommu.c 6.1)', () => {
  const vtd = () => evolveBatch(initialState(), domainOf('VTD_SL', 0x40201000n, 57));

  it('mapping over a present PTE keeps the old one, WARNs and succeeds', () => {
    const s = run(vtd(), linux61, (c) => iommuMap(c, dom, 0x1000n, 0x5000n, 0x1000n, RW)).state;
    const r = run(s, linux61, (c) => iommuMap(c, dom, 0x1000n, 0x9000n, 0x2000n, RW));
    expect(r.result).toEqual({ errno: null, mapped: 0x2000n });
    expect(r.warn).toBe(1);
    const runs = r.state.pageTables.domains.get(1)!.runs;
    expect(translate(runs, 0x1000n)).toBe(0x5000n);
    expect(translate(runs, 0x2000n)).toBe(0xa000n);
  });

  it('an unmap of 4K inside a 2M superpage removes and reports the whole 2M', () => {
    const s = run(vtd(), linux61, (c) => iommuMap(c, dom, 0x200000n, 0x40000000n, 0x200000n, RW)).state;
    const r = run(s, linux61, (c) => iommuUnmap(c, dom, 0x200000n, 0x1000n));
    expect(r.result).toBe(0x200000n);
    expect(r.state.pageTables.domains.get(1)!.mappedPages).toBe(0);
  });

  it('keeps 64-bit addresses exact through map and translation', () => {
    const r = run(vtd(), linux61, (c) => iommuMap(c, dom, 0x1_0000_0000_0000n, 0xfffffffffffff000n - 0x1000n, 0x1000n, RW));
    expect(translate(r.state.pageTables.domains.get(1)!.runs, 0x1_0000_0000_0123n)).toBe(0xffffffffffffe123n);
  });
});
