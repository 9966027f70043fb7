import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type IommuEvent, INVALID_IOASID } from '../../domain-events/index.js';
import { activeIds, evolveBatch, initialState, PMap, type State, Tx } from '../../reducers/index.js';
import { decideGlobalPasidAlloc, decideGlobalPasidFree, decideIoasidAlloc, decideIoasidFree, decidePasidDevice, decideRegister, ioasidFind, type IoasidAllocatorOps, lowestFree } from './index.js';

const F1: IoasidAllocatorOps = { name: 'F1', fns: 'fixed', pool: null, alloc: (min, max) => ({ id: min > max ? INVALID_IOASID : min, taken: false }), freesFromPool: false };
/** a driver's top-down allocator over its own pool (like the oracle harness's T1) */
const TOP: IoasidAllocatorOps = {
  name: 'TOP',
  fns: 'topdown',
  pool: 'TOP',
  alloc: (min, max, pool) => {
    for (let id = max; id >= min; id--) if (!pool.includes(id)) return { id, taken: true };
    return { id: INVALID_IOASID, taken: false };
  },
  freesFromPool: true,
};
const ops = new Map([
  [F1.name, F1],
  [TOP.name, TOP],
]);

function given(fn: (s: State) => IommuEvent[][]): State {
  let s = initialState();
  for (const evs of fn(s)) s = evolveBatch(s, evs);
  return s;
}

const env = (s: State) => ({ state: s.ioasid, ops, meta: {} });

describe('ioasid.c (6.1) rules', () => {
  it('hands out the lowest free id at or above min, id 0 included, reusing freed ids first', () => {
    let s = initialState();
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ev = decideIoasidAlloc(env(s), 'S0', 0, 10, i);
      s = evolveBatch(s, ev);
      ids.push((ev[0] as Extract<IommuEvent, { type: 'IoasidAllocated' }>).id);
    }
    s = evolveBatch(s, decideIoasidFree(env(s), 1));
    const again = decideIoasidAlloc(env(s), 'S0', 0, 10, 9)[0] as Extract<IommuEvent, { type: 'IoasidAllocated' }>;
    expect(ids).toEqual([0, 1, 2]);
    expect(again.id).toBe(1);
  });

  it('reports the id 0xFFFFFFFF as failure but keeps its slot, which then blocks a custom allocator (-EAGAIN)', () => {
    const s = given((s0) => [decideIoasidAlloc(env(s0), null, 0xffffffff, 0xffffffff, 1)]);
    expect(s.ioasid.xarrays.default!.get(0xffffffff)?.stale).toBe(true);
    expect(decideRegister(env(s), F1)[0]).toMatchObject({ errno: 'EAGAIN', active: 'default' });
  });

  it('a custom allocator that hands out 0xFFFFFFFF keeps it: ioasid_alloc fails, the next call gets the id below (ioasid.c 6.1)', () => {
    let s = given((s0) => [decideRegister(env(s0), TOP)]);
    const alloc = () => {
      const ev = decideIoasidAlloc(env(s), 'S0', 0xfffffffe, 0xffffffff, 1);
      s = evolveBatch(s, ev);
      return (ev[ev.length - 1] as Extract<IommuEvent, { type: 'IoasidAllocated' }>).id;
    };
    expect([alloc(), alloc(), alloc()]).toEqual([INVALID_IOASID, 0xfffffffe, INVALID_IOASID]);
    expect(s.ioasid.pools.TOP).toEqual([0xfffffffe, 0xffffffff]);
    expect(activeIds(s.ioasid).keys()).toEqual([0xfffffffe]);
  });

  it('ioasid_find: -ENOENT for a free id, -EACCES from another set (even for an id allocated with a NULL set)', () => {
    const s = given((s0) => [decideIoasidAlloc(env(s0), null, 5, 5, 42)]);
    expect(ioasidFind(env(s), null, 6, 'none').result.errno).toBe('ENOENT');
    expect(ioasidFind(env(s), 'S1', 5, 'none').result.errno).toBe('EACCES');
    expect(ioasidFind(env(s), null, 5, 'reject').result).toEqual({ data: null, errno: null, getterCalls: 1 });
  });
});

describe('global PASID IDA (iommu.c 6.12)', () => {
  it('max_pasids 0 never allocates; 1 leaves an empty range; devices share one space', () => {
    let s = initialState();
    for (const [d, m] of [['a', 0], ['b', 1], ['c', 3], ['d', 8]] as const) s = evolveBatch(s, decidePasidDevice(d, m, {}));
    const got = (dev: string) => {
      const ev = decideGlobalPasidAlloc(s.ioasid, dev, {});
      s = evolveBatch(s, ev);
      return (ev[0] as Extract<IommuEvent, { type: 'PasidAllocated' }>).pasid;
    };
    expect([got('a'), got('b'), got('c'), got('c'), got('c'), got('d')]).toEqual([INVALID_IOASID, INVALID_IOASID, 1, 2, INVALID_IOASID, 3]);
  });

  it('freeing IOMMU_PASID_INVALID or an unallocated pasid WARNs; ids with the sign bit are ignored', () => {
    const s = initialState();
    expect(decideGlobalPasidFree(s.ioasid, 0xffffffff, {})[0]).toMatchObject({ warn: 1, found: false });
    expect(decideGlobalPasidFree(s.ioasid, 0, {})[0]).toMatchObject({ warn: 1 });
    expect(decideGlobalPasidFree(s.ioasid, 0x80000000, {})[0]).toMatchObject({ warn: 0 });
  });

  it('lowestFree is the lowest id not taken in [min, max] (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { maxLength: 150 }), fc.integer({ min: 0, max: 210 }), fc.integer({ min: 0, max: 210 }), (taken, min, max) => {
        const tx = new Tx();
        let p = PMap.empty<true>();
        for (const t of taken) p = p.set(t, true, tx);
        let want: number | null = null;
        for (let i = min; i <= max; i++)
          if (!taken.includes(i)) {
            want = i;
            break;
          }
        expect(lowestFree(p, min, max)).toBe(want);
      }),
      { seed: 4001, numRuns: 300 },
    );
  });
});
