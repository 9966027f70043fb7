// An area's pages into and out of every domain of its IOAS (drivers/iommu/iommufd/pages.c,
// io_pagetable.c, 6.12.117): iopt_area_fill_domains, batch_to_domain, iopt_area_unfill_domains.
import { describe, expect, it } from 'vitest';
import { BATCH_MAX_RUNS } from './pages.js';
import { A, B, mapFailures, maps, scattered, steps, unmaps, world } from './test-support.js';

/** Two domains on one IOAS: A's automatic hw_pagetable (index 0) and one from IOMMU_HWPT_ALLOC (index 1) that B is attached to. */
function twoDomains() {
  const w = world();
  const d0 = w.attach(A).domain!;
  const d1 = w.hwptAlloc(B).domain;
  expect(w.attach(B, d1).errno).toBeNull();
  return { ...w, d0, d1 };
}

describe('iommufd: an area is mapped into every domain of its IOAS', () => {
  it('each run of contiguous pages is one iommu_map, into every domain in index order (batch_to_domain per domain)', () => {
    const { map, d0, d1, phys } = twoDomains();
    const pages = [{ phys: 0x48600000n, length: 0x200000n }, ...scattered(2, 0x41000000n)];
    const r = map(0x40000000n, pages);
    expect(r.errno).toBeNull();
    expect(maps(r.events)).toEqual([
      [d0, 0x40000000n, 0x48600000n, 0x200000n],
      [d0, 0x40200000n, 0x41000000n, 0x1000n],
      [d0, 0x40201000n, 0x41002000n, 0x1000n],
      [d1, 0x40000000n, 0x48600000n, 0x200000n],
      [d1, 0x40200000n, 0x41000000n, 0x1000n],
      [d1, 0x40201000n, 0x41002000n, 0x1000n],
    ]);
    for (const d of [d0, d1]) expect(phys(d, 0x40201800n)).toBe(0x41002800n);
  });

  it('pages that happen to be contiguous join one run, whatever the user gave as separate pieces (batch_add_pfn)', () => {
    const { map, d0 } = twoDomains();
    const r = map(0x40000000n, [
      { phys: 0x41000000n, length: 0x1000n },
      { phys: 0x41001000n, length: 0x3000n },
    ]);
    expect(maps(r.events).filter(([d]) => d === d0)).toEqual([[d0, 0x40000000n, 0x41000000n, 0x4000n]]);
  });

  it(`more than ${BATCH_MAX_RUNS} runs: each batch goes to both domains before the next batch is read (TEMP_MEMORY_LIMIT)`, () => {
    const { map, unmap, d0, d1 } = twoDomains();
    const n = Number(BATCH_MAX_RUNS) + 1;
    const r = map(0x100000000n, scattered(n, 0x40000000n));
    const order = maps(r.events).map(([d]) => d);
    const first = Number(BATCH_MAX_RUNS);
    expect(order).toEqual([...Array(first).fill(d0), ...Array(first).fill(d1), d0, d1]);
    // unmap: the other domain with one call; the storage domain (index 0) batch by batch
    const u = unmap(0x100000000n, BigInt(n) * 0x1000n);
    expect(unmaps(u.events)).toEqual([
      [d1, 0x100000000n, BigInt(n) * 0x1000n],
      [d0, 0x100000000n, BATCH_MAX_RUNS * 0x1000n],
      [d0, 0x100000000n + BATCH_MAX_RUNS * 0x1000n, 0x1000n],
    ]);
  });

  it('a failure in the second domain unmaps the batch from the first: both domains are left as they were, the area is not created (iopt_area_fill_domains)', () => {
    const { m, ioas, map, d0, d1, phys } = twoDomains();
    // something mapped the page at 0x40002000 into the second domain behind the IOAS
    m.run({ op: 'iommu_map', domain: d1, iova: 0x40002000n, paddr: 0x7000000n, size: 0x1000n, prot: 3 });
    const r = map(0x40000000n, scattered(3, 0x41000000n));
    expect(r.errno).toBe('EEXIST');
    expect(steps(r.events)).toEqual([
      `Mapped:${d0}`, `Mapped:${d0}`, `Mapped:${d0}`,
      `Mapped:${d1}`, `Mapped:${d1}`, `MapFailed:${d1}`,
      // the MapFailed's own unroll of 0 bytes, then batch_to_domain's unmap of what it mapped in d1
      `Unmapped:${d1}`, `Unmapped:${d1}`,
      // the first domain: one unmap of the whole batch
      `Unmapped:${d0}`,
    ]);
    expect(mapFailures(r.events)).toEqual([[d1, 0x40002000n, 'EEXIST']]);
    expect(unmaps(r.events).slice(1)).toEqual([
      [d1, 0x40000000n, 0x2000n],
      [d0, 0x40000000n, 0x3000n],
    ]);
    expect([phys(d0, 0x40000000n), phys(d1, 0x40000000n), phys(d1, 0x40002000n)]).toEqual([null, null, 0x7000000n]);
    expect(m.state.ioas.spaces[ioas].areas).toEqual([]);
  });

  it('a failure on the first page of the first domain unmaps nothing (iopt_area_unfill_partial_domain of an empty range)', () => {
    const { m, map, d0 } = twoDomains();
    m.run({ op: 'iommu_map', domain: d0, iova: 0x40000000n, paddr: 0x7000000n, size: 0x1000n, prot: 3 });
    const r = map(0x40000000n, scattered(2, 0x41000000n));
    expect(steps(r.events)).toEqual([`MapFailed:${d0}`, `Unmapped:${d0}`]);
    expect(unmaps(r.events)).toEqual([[d0, 0x40000000n, 0n]]);
  });

  it('unmapping an area unmaps it from every domain: the others whole, the storage domain last (iopt_area_unfill_domains)', () => {
    const { map, unmap, d0, d1 } = twoDomains();
    map(0x40000000n, scattered(2, 0x41000000n));
    map(0x50000000n, [{ phys: 0x48600000n, length: 0x200000n }]);
    const u = unmap(0x40000000n, 0x10200000n);
    expect(unmaps(u.events)).toEqual([
      [d1, 0x40000000n, 0x2000n],
      [d0, 0x40000000n, 0x2000n],
      [d1, 0x50000000n, 0x200000n],
      [d0, 0x50000000n, 0x200000n],
    ]);
    expect(u.value).toEqual({ unmapped: 0x202000n, errno: null });
  });
});
