import { describe, expect, it } from 'vitest';
import { domainAllocated, journalOf, mapped, unmapped } from '../domain-events/test-events.js';
import { type IommuEvent } from '../domain-events/index.js';
import { leavesIn } from '../projections/index.js';
import { evolveBatch, initialState } from '../reducers/index.js';
import { REDACT_BASE, Redactor } from './redact.js';

describe('Redactor', () => {
  it('gives the same pseudonym to the same address, and keeps the offset inside a 2 MiB region', () => {
    const r = new Redactor();
    const a = r.phys(0x8_1234_5678n);
    expect(r.phys(0x8_1234_5678n)).toBe(a);
    expect(r.phys(0x8_1234_5000n)).toBe(a - 0x678n);
    expect(a & 0x1f_ffffn).toBe(0x8_1234_5678n & 0x1f_ffffn);
    expect(a >= REDACT_BASE).toBe(true);
  });

  it('hides the real layout: regions get pseudonyms in order of first use', () => {
    const r = new Redactor();
    const hi = r.phys(0xffff_0000_0000n);
    const lo = r.phys(0x4000_0000n);
    expect(lo - hi).toBe(0x20_0000n);
    expect(r.size).toBe(2);
  });

  it('keeps a buffer that crosses a 2 MiB line contiguous', () => {
    const r = new Redactor();
    const p = r.physRange(0x1_001f_f000n, 0x2000n);
    expect(r.phys(0x1_0020_0000n)).toBe(p + 0x1000n);
  });

  it('redacts Mapped paddrs so the page table translates to the pseudonyms, and leaves IOVAs alone', () => {
    const r = new Redactor();
    const evs = journalOf([domainAllocated(1), mapped(1, 0xffff0000n, 0x9_8765_4000n, 0x2000n), unmapped(1, 0xffff0000n, 0x1000n)]);
    const red = [...r.blocks([evs])][0];
    expect((evs[1] as Extract<IommuEvent, { type: 'Mapped' }>).paddr).toBe(0x9_8765_4000n);
    const m = red[1] as Extract<IommuEvent, { type: 'Mapped' }>;
    expect(m.iova).toBe(0xffff0000n);
    expect(m.paddr).toBe(r.phys(0x9_8765_4000n));
    const s = evolveBatch(initialState(), red);
    const leaves = leavesIn(s.pageTables.domains.get(1)!, 0n, 1n << 48n);
    expect(leaves.map((l) => l.paddr)).toEqual([r.phys(0x9_8765_5000n)]);
  });
});
