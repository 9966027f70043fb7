import { describe, expect, it } from 'vitest';
import { type Located } from '../records.js';
import { DECIDE_AT, describeReuse, PAIRS, ReuseTest } from './fq-reuse.js';

let line = 0;
const at = (cpu: number, ts: number) => ({ line: ++line, ts, cpu, task: 'dd', pid: 100, irq: null });
const map = (cpu: number, ts: number, iova: bigint, size = 0x1000n, paddr = 0x40000000n): Located => ({ kind: 'map', iova, paddr, size, at: at(cpu, ts) });
const unmap = (cpu: number, ts: number, iova: bigint, size = 0x1000n): Located => ({ kind: 'unmap', iova, size, unmapped: size, at: at(cpu, ts) });

/** n unmap→map pairs 10 µs apart, the map taking the unmapped IOVA when `reuse(i)` */
function pairs(n: number, reuse: (i: number) => boolean, cpu = 0, gapNs = 10_000): Located[] {
  const out: Located[] = [];
  for (let i = 0; i < n; i++) {
    const t = i * 1_000_000;
    const iova = 0xfff00000n - BigInt(i) * 0x1000n;
    out.push(unmap(cpu, t, iova), map(cpu, t + gapNs, reuse(i) ? iova : iova - 0x100000n));
  }
  return out;
}

function run(records: Located[]): ReturnType<ReuseTest['verdict']> {
  const t = new ReuseTest();
  for (const r of records) t.push(r);
  return t.verdict();
}

describe('lazy or strict from when IOVAs come back (dma-iommu.c 6.1/6.12 __iommu_dma_unmap, queue_iova)', () => {
  it('an IOVA that comes back at once to the next map on its CPU is strict', () => {
    const v = run(pairs(PAIRS, () => true));
    expect(v).toMatchObject({ pairs: PAIRS, reused: PAIRS, mode: 'strict' });
  });

  it('an IOVA that stays in the flush queue is lazy', () => {
    const v = run(pairs(PAIRS, () => false));
    expect(v).toMatchObject({ pairs: PAIRS, reused: 0, mode: 'lazy' });
  });

  it('strict still wins when another domain takes every other allocation on the CPU', () => {
    expect(run(pairs(PAIRS, (i) => i % 2 === 0)).mode).toBe('strict');
  });

  it('lazy still wins when the flush timer fired inside one pair in ten', () => {
    expect(run(pairs(PAIRS, (i) => i % 10 === 0)).mode).toBe('lazy');
  });

  it('a few pairs leave it undecided, and say so', () => {
    const v = run(pairs(3, () => false));
    expect(v.mode).toBeNull();
    expect(Math.abs(v.llr)).toBeLessThan(DECIDE_AT);
    expect(describeReuse(v)).toMatch(/too few or too mixed to tell/);
  });

  it('a map more than 1 ms after the unmap says nothing (the 10 ms flush timer may have fired)', () => {
    expect(run(pairs(PAIRS, () => true, 0, 2_000_000)).pairs).toBe(0);
  });

  it('pairs only an unmap with the next map of its CPU and size class', () => {
    const t = new ReuseTest();
    // other CPU: no pair
    t.push(unmap(0, 0, 0xfff00000n));
    t.push(map(1, 1000, 0xfff00000n));
    // 1 page vs 4 pages: other size class, and the unmap is used up
    t.push(map(0, 2000, 0xffe00000n, 0x4000n));
    t.push(map(0, 3000, 0xfff00000n));
    // 3 pages round up to 4 (iova.c alloc_iova_fast): same class
    t.push(unmap(0, 4000, 0xffd00000n, 0x4000n));
    t.push(map(0, 5000, 0xffd00000n, 0x3000n));
    expect(t.verdict()).toMatchObject({ pairs: 1, reused: 1 });
  });

  it('an identity map (a direct region) is not an allocation', () => {
    const t = new ReuseTest();
    t.push(unmap(0, 0, 0x1000n));
    t.push(map(0, 10, 0x1000n, 0x1000n, 0x1000n));
    expect(t.verdict().pairs).toBe(0);
  });

  it('stops after the first PAIRS pairs', () => {
    const t = new ReuseTest();
    for (const r of [...pairs(PAIRS, () => true), ...pairs(PAIRS, () => false)]) t.push(r);
    expect(t.done).toBe(true);
    expect(t.verdict()).toMatchObject({ pairs: PAIRS, reused: PAIRS });
  });
});
