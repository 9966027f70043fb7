// phys-shared reads the page tables backwards: a page is owned by a domain exactly while one of
// the domain's leaves translates to it, whatever rewrote the leaves.
import { describe, expect, it } from 'vitest';
import { type IommuEvent, PgtableTableFreed } from '../../domain-events/index.js';
import { runChecks } from '../index.js';
import { domain, map, P, unmap } from '../test-support/scenarios.js';

const BLOCK = 0x40000000n;

function shared(events: IommuEvent[]): { seq: number; message: string }[] {
  const stamped = events.map((e, i) => ({ ...e, seq: i }) as IommuEvent);
  return runChecks([stamped], { only: ['iommu/phys-shared'] }).findings.map((f) => ({ seq: f.seq, message: f.message }));
}

const two = [domain(1, { group: 1 }), domain(2, { group: 2 })];

describe('iommu/phys-shared follows the page tables', () => {
  it('a page mapped over in its domain is no longer owned there (the new leaf replaced it)', () => {
    expect(shared([...two, map(0x10000n, P, 0x1000n, 1), map(0x10000n, P + 0x1000n, 0x1000n, 1), map(0x20000n, P, 0x1000n, 2)])).toEqual([]);
    expect(shared([...two, map(0x10000n, P, 0x1000n, 1), map(0x10000n, P + 0x1000n, 0x1000n, 1), map(0x20000n, P + 0x1000n, 0x1000n, 2)])).toEqual([
      { seq: 4, message: 'physical page 0x4a001000 mapped at 0x20000 in domain 2 (DMA) is also mapped in domain 1 (DMA)' },
    ]);
  });

  it('a 2 MiB block cut by an unmap keeps the rest of its pages owned', () => {
    const cut = [...two, map(0x200000n, BLOCK, 0x200000n, 1), unmap(0x201000n, 0x1000n, 0x1000n, 1)];
    expect(shared([...cut, map(0x10000n, BLOCK + 0x1000n, 0x1000n, 2)])).toEqual([]);
    expect(shared([...cut, map(0x10000n, BLOCK + 0x5000n, 0x1000n, 2)])).toEqual([
      { seq: 4, message: 'physical page 0x40005000 mapped at 0x10000 in domain 2 (DMA) is also mapped in domain 1 (DMA)' },
    ]);
  });

  it('a freed page-table page takes the pages of its leaves with it', () => {
    const freed = PgtableTableFreed.make({ domain: 1, level: 2, iova: 0n, size: 0x200000n });
    expect(shared([...two, map(0x10000n, P, 0x1000n, 1), freed, map(0x20000n, P, 0x1000n, 2)])).toEqual([]);
  });

  it('a page mapped twice in a domain stays owned until both are unmapped', () => {
    const twice = [...two, map(0x10000n, P, 0x1000n, 1), map(0x30000n, P, 0x1000n, 1), unmap(0x10000n, 0x1000n, 0x1000n, 1)];
    expect(shared([...twice, map(0x20000n, P, 0x1000n, 2)])).toHaveLength(1);
    expect(shared([...twice, unmap(0x30000n, 0x1000n, 0x1000n, 1), map(0x20000n, P, 0x1000n, 2)])).toEqual([]);
  });

  it('a run too large to walk (512 MiB of 2 MiB blocks) is not counted', () => {
    expect(shared([...two, map(0x40000000n, BLOCK, 0x20000000n, 1), map(0x10000n, BLOCK + 0x200000n, 0x1000n, 2)])).toEqual([]);
  });
});
