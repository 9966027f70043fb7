import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evolveBatch, initialState } from '../../reducers/index.js';
import { linux61 } from '../profiles/linux-6.1.js';
import { linux612 } from '../profiles/linux-6.12.js';
import { iovaSpec } from '../testing/iova-spec.js';
import { allocIova, allocIovaFast, depotTick, freeIova, freeIovaFast, initIovaDomain, IovaCtx, reserveIova } from './index.js';

const on61 = iovaSpec(linux61);
const on612 = iovaSpec(linux612);
const D32 = 0x100000;

describe('iova.c allocator rules (6.1.192 = 6.12.117 core)', () => {
  it('allocates top-down from the 32-bit limit and leaves alignment holes behind (iova.c __alloc_and_insert_iova_range)', () => {
    on61((c) => {
      initIovaDomain(c, 4096, 1, 1, false);
      allocIova(c, 1, D32 - 1, true);
    })
      .when((c) => allocIova(c, 2, D32 - 1, true))
      .then([{ type: 'IovaAllocated', pfnLo: 0xffffc, pfnHi: 0xffffd, cached32Node: 0xffffc, cachedNode: null }]);
  });

  it('a failed 32-bit size fails again at once (max32_alloc_size fast fail, iova.c 6.1)', () => {
    const spec = on61((c) => {
      initIovaDomain(c, 4096, 1, 1, false);
      allocIova(c, 16, 15, true); // [0..15] does not fit above start_pfn 1
    });
    spec.when((c) => allocIova(c, 16, 0xfffff, true)).then([{ type: 'IovaAllocFailed', fastFail: true, max32AllocSize: 16 }]);
  });

  it('finds space above the cached node only through the retry pass (iova.c, v5.11+)', () => {
    const given = (c: IovaCtx) => {
      initIovaDomain(c, 4096, 1, 1, false);
      allocIova(c, 8, 0xff, true); // [0xf8, 0xff]
      allocIova(c, 0xf0, 0xf7, false); // fills [0x8, 0xf7]
      freeIova(c, 0xf8); // cached32 moves to the anchor… then refill below
      allocIova(c, 4, 0x7, false);
    };
    const withRetry = on61(given).when((c) => allocIova(c, 8, 0xff, true));
    expect(withRetry.result).toBe(0xf8);
    const noRetry = iovaSpec({ ...linux61, iova: { ...linux61.iova, retry: false } })(given).when((c) => allocIova(c, 8, 0xff, true));
    expect(noRetry.events[0].type).toBe('IovaAllocFailed');
  });

  it('reserve_iova stretches an overlapped node down and inserts only the remainder above it', () => {
    on61((c) => {
      initIovaDomain(c, 4096, 1, 1, false);
      reserveIova(c, 100, 200, 'explicit');
    })
      .when((c) => reserveIova(c, 50, 300, 'explicit'))
      .then([{ type: 'IovaRangeReserved', resultLo: 201, resultHi: 300, extended: [{ from: 100, to: 50 }], inserted: { pfnLo: 201, pfnHi: 300 } }]);
  });

  it('free_iova_fast parks small ranges in the CPU magazine and alloc_iova_fast reuses them LIFO', () => {
    const spec = on61((c) => {
      initIovaDomain(c, 4096, 1, 2, true);
      const a = allocIovaFast(c, 1, D32 - 1, true);
      const b = allocIovaFast(c, 1, D32 - 1, true);
      freeIovaFast(c, a, 1);
      freeIovaFast(c, b, 1);
    });
    const r = spec.when((c) => allocIovaFast(c, 1, D32 - 1, true));
    expect(r.result).toBe(0xffffe);
    expect(r.events).toHaveLength(1);
    // another CPU's magazine is empty: it goes to the rbtree
    expect(spec.when((c) => allocIovaFast(c, 1, D32 - 1, true), 1).result).toBe(0xffffd);
  });

  it('6.1 frees the 33rd full magazine at once; 6.12 keeps it in the depot until depot_tick trims', () => {
    const fill = (c: IovaCtx) => {
      initIovaDomain(c, 4096, 1, 1, true);
      const pfns: number[] = [];
      for (let i = 0; i < 127 * 35; i++) pfns.push(allocIovaFast(c, 1, 2 ** 36 - 1, true));
      for (const p of pfns) freeIovaFast(c, p, 1);
    };
    const s61 = on61(fill).when(() => 0).state.iova.domains.get(1)!;
    const s612 = on612(fill).when(() => 0).state.iova.domains.get(1)!;
    expect(s61.rcaches![0].depot.length).toBe(32);
    expect(s612.rcaches![0].depot.length).toBe(33);
    expect(s61.nodes.size).toBeLessThan(s612.nodes.size);
    const tick = on612(fill).when((c) => depotTick(c));
    expect(tick.result).toBe(1);
    expect(tick.state.iova.domains.get(1)!.rcaches![0].depot.length).toBe(32);
  });

  it('6.12 keeps every allocation in [start, limit], aligned, without overlap (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.integer({ min: 1, max: 300 }), limit: fc.integer({ min: 0x100, max: 0x3000 }), free: fc.boolean(), fast: fc.boolean() }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 64 }),
        (ops, start) => {
          let state = initialState();
          const run = (fn: (c: IovaCtx) => unknown) => {
            const c = IovaCtx.forDomain(state.iova, 1, linux612, { cpu: 0 });
            const r = fn(c);
            state = evolveBatch(state, c.events);
            return r;
          };
          run((c) => initIovaDomain(c, 4096, start, 1, true));
          const live: { lo: number; size: number; fast: boolean }[] = [];
          for (const op of ops) {
            if (op.free && live.length) {
              const x = live.splice(op.size % live.length, 1)[0];
              run((c) => (x.fast ? freeIovaFast(c, x.lo, x.size) : freeIova(c, x.lo)));
              continue;
            }
            const lo = run((c) => (op.fast ? allocIovaFast(c, op.size, op.limit, true) : allocIova(c, op.size, op.limit, true))) as number | null;
            if (!lo) continue;
            const rounded = op.fast && op.size < 32 ? 2 ** Math.ceil(Math.log2(op.size)) : op.size;
            const align = 2 ** Math.ceil(Math.log2(rounded));
            expect(lo).toBeGreaterThanOrEqual(start);
            expect(lo + rounded - 1).toBeLessThanOrEqual(op.limit);
            expect(lo % align).toBe(0);
            live.push({ lo, size: op.size, fast: op.fast });
          }
          // the rbtree never holds overlapping nodes, and nodes + gaps tile the space
          const nodes = state.iova.domains.get(1)!.nodes.entries();
          for (let i = 1; i < nodes.length; i++) expect(nodes[i][0]).toBeGreaterThan(nodes[i - 1][1]);
          let covered = 0;
          for (const [lo, hi] of nodes) covered += hi - lo + 1;
          expect(covered).toBeGreaterThanOrEqual(live.length);
        },
      ),
      { seed: 2005, numRuns: 120 },
    );
  });
});
