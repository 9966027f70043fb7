import { describe, expect, it } from 'vitest';
import { domainAllocated, journalOf } from '../domain-events/test-events.js';
import { Mapped, PgtableConfigured } from '../domain-events/index.js';
import { evolveBatch, initialState } from '../reducers/index.js';
import { leafPte, pageTableTable } from './pagetable-tree.js';

const R = 1, W = 2, CACHE = 4, NOEXEC = 8;

function lpaeState() {
  const evs = journalOf([
    domainAllocated(1),
    PgtableConfigured.make({ domain: 1, fmt: 'ARM_64_LPAE_S1', ias: 48, oas: 48, granule: 4096, pgsizeBitmap: 0x40201000n, startLevel: 0, pgdBits: 9 }),
    // a 2 MiB block and three 4 KiB pages in the next 2 MiB, all below 1 GiB
    Mapped.make({ domain: 1, iova: 0x20_0000n, paddr: 0x8000_0000n, size: 0x20_0000n, prot: R | W | CACHE, leaves: [{ iova: 0x20_0000n, paddr: 0x8000_0000n, pgsize: 0x20_0000n, count: 1 }], warn: 0 }),
    Mapped.make({ domain: 1, iova: 0x40_1000n, paddr: 0x9000_0000n, size: 0x3000n, prot: R, leaves: [{ iova: 0x40_1000n, paddr: 0x9000_0000n, pgsize: 0x1000n, count: 3 }], warn: 0 }),
  ]);
  return evolveBatch(initialState(), evs);
}

describe('page-table tree', () => {
  it('walks LPAE levels: tables carry what is mapped below them, leaves their output address', () => {
    const s = lpaeState();
    const l0 = pageTableTable(s, 1, null, 0n);
    expect(l0.levels.map((l) => [l.level, l.shift, l.entries])).toEqual([[0, 39, 512], [1, 30, 512], [2, 21, 512], [3, 12, 512]]);
    expect(l0.entries).toMatchObject([{ index: 0, kind: 'table', pages: 512 + 3, leaves: 4 }]);
    const l2 = pageTableTable(s, 1, 2, 0x40_1000n);
    expect(l2.base).toBe(0n);
    expect(l2.entries.map((e) => [e.index, e.kind, e.paddr])).toEqual([[1, 'block', 0x8000_0000n], [2, 'table', null]]);
    const l3 = pageTableTable(s, 1, 3, 0x40_1000n);
    expect(l3.base).toBe(0x40_0000n);
    expect(l3.entries.map((e) => [e.index, e.kind, e.iova, e.paddr])).toEqual([
      [1, 'page', 0x40_1000n, 0x9000_0000n],
      [2, 'page', 0x40_2000n, 0x9000_1000n],
      [3, 'page', 0x40_3000n, 0x9000_2000n],
    ]);
  });

  it('writes the descriptor bits of io-pgtable-arm arm_lpae_prot_to_pte (6.1/6.12)', () => {
    // nG | AF | SH_IS | AttrIndx=CACHE | AP_UNPRIV | TYPE_PAGE
    expect(leafPte('ARM_64_LPAE_S1', R | W | CACHE, 0x8000_0000n, true)).toBe(0x8000_0000n | 0x800n | 0x400n | 0x300n | 0x4n | 0x40n | 0x3n);
    // read-only, non-cacheable, no-exec block: AP_RDONLY, SH_OS, XN, TYPE_BLOCK
    expect(leafPte('ARM_64_LPAE_S1', R | NOEXEC, 0n, false)).toBe(0x800n | 0x80n | 0x40n | 0x200n | (3n << 53n) | 0x400n | 0x1n);
    // stage 2: HAP read+write, MemAttr OIWB, SH_IS
    expect(leafPte('ARM_64_LPAE_S2', R | W | CACHE, 0n, true)).toBe(0xc0n | 0x3cn | 0x300n | 0x400n | 0x3n);
    expect(leafPte('VTD_SL', R | W, 0x1000n, false)).toBe(0x1000n | 0x3n | 0x80n);
    expect(leafPte('unknown', R, 0n, true)).toBeNull();
    expect(leafPte('ARM_64_LPAE_S1', null, 0n, true)).toBeNull();
  });

  it('refuses a level the table does not have', () => {
    expect(() => pageTableTable(lpaeState(), 1, 7, 0n)).toThrow(/level 7/);
  });
});
