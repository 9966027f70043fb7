import { describe, expect, it } from 'vitest';
import { FlushQueued, IovaAllocated } from '../../domain-events/index.js';
import { restamp } from './restamp.js';

describe('an allocator event restamped with the trace line that implied it', () => {
  it('gets the new provenance and keeps every other field, in the constructor key order', () => {
    // given an event the mirror decided, with its own time and no provenance
    const e = IovaAllocated.make({ domain: 3, size: 2, limitPfn: 0xfffff, sizeAligned: true, pfnLo: 0xffffe, pfnHi: 0xfffff, fromRcache: false, magIndex: null, cachedNode: 0xffffe, cached32Node: null }, { ts: 5, cpu: 1, task: 'kworker' });
    (e as { seq: number }).seq = 7;
    // when it is restamped
    const r = restamp(e, 42, 'trace.txt', 9, 'allocator-model', 0.9);
    // then it is the spread it replaces, field for field and key for key
    const spread = { ...e, ts: 42, src: 'trace.txt', line: 9, how: 'allocator-model', conf: 0.9 };
    expect(r).toEqual(spread);
    expect(Object.keys(r)).toEqual(Object.keys(spread));
    expect(r).not.toBe(e);
    expect(e.ts).toBe(5);
  });

  it('works per event type (another type, other payload fields)', () => {
    const e = FlushQueued.make({ domain: 1, pfn: 0x100, pages: 1, counter: 4, timerDeadline: null }, { ts: 1, cpu: 0 });
    const r = restamp(e, null, null, null, 'allocator-model', 0.6);
    expect(r).toEqual({ ...e, ts: null, src: null, line: null, how: 'allocator-model', conf: 0.6 });
  });
});
