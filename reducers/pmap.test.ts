import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PMap, Tx } from './pmap.js';

function model(ops: [number, number][]) {
  const m = new Map<number, number>();
  let p = PMap.empty<number>();
  const versions: { p: PMap<number>; snap: [number, number][] }[] = [];
  let tx = new Tx();
  ops.forEach(([op, k], i) => {
    if (i % 7 === 0) {
      versions.push({ p, snap: [...m.entries()].sort((a, b) => a[0] - b[0]) });
      tx = new Tx();
    }
    if (op % 3 === 0) {
      m.delete(k);
      p = p.delete(k, tx);
    } else {
      m.set(k, i);
      p = p.set(k, i, tx);
    }
  });
  return { m, p, versions };
}

describe('PMap (persistent B+tree with transient edits)', () => {
  it('agrees with a Map under random inserts and deletes, and old versions never change', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(5), fc.integer({ min: 0, max: 400 })), { maxLength: 3000 }), (ops) => {
        const { m, p, versions } = model(ops);
        const sorted = [...m.entries()].sort((a, b) => a[0] - b[0]);
        expect(p.entries()).toEqual(sorted);
        expect(p.size).toBe(m.size);
        for (const v of versions) {
          expect(v.p.entries()).toEqual(v.snap);
          expect(v.p.size).toBe(v.snap.length);
        }
      }),
      { seed: 42, numRuns: 60 },
    );
  });

  it('answers floor / ceil / lower / higher like a sorted array', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { maxLength: 600 }), fc.integer({ min: -1100, max: 1100 }), (keys, q) => {
        const tx = new Tx();
        let p = PMap.empty<number>();
        for (const k of keys) p = p.set(k, k, tx);
        const s = [...keys].sort((a, b) => a - b);
        const floor = s.filter((k) => k <= q).pop();
        const ceil = s.find((k) => k >= q);
        expect(p.floorKey(q)).toBe(floor);
        expect(p.ceilKey(q)).toBe(ceil);
        expect(p.lowerKey(q)).toBe(s.filter((k) => k < q).pop());
        expect(p.higherKey(q)).toBe(s.find((k) => k > q));
        expect(p.minKey()).toBe(s[0]);
        expect(p.maxKey()).toBe(s[s.length - 1]);
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('gives floor values and ranges of values like a sorted array, in one call or two', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(3), fc.integer({ min: 0, max: 3000 })), { maxLength: 2500, size: 'max' }),
        fc.integer({ min: -10, max: 3010 }),
        fc.integer({ min: -10, max: 400 }),
        (ops, k, span) => {
          // inserts and deletes under several Txs, so separators outlive the keys they came from
          let p = PMap.empty<number>();
          const m = new Map<number, number>();
          let tx = new Tx();
          ops.forEach(([op, key], i) => {
            if (i % 50 === 0) tx = new Tx();
            if (op === 0) {
              p = p.delete(key, tx);
              m.delete(key);
            } else {
              p = p.set(key, key * 10, tx);
              m.set(key, key * 10);
            }
          });
          const s = [...m.keys()].sort((a, b) => a - b);
          const hi = k + span;
          const floor = s.filter((x) => x <= k).pop();
          expect(p.floorValue(k)).toBe(floor === undefined ? undefined : floor * 10);
          const range = s.filter((x) => x > k && x <= hi).map((x) => x * 10);
          expect(p.valuesInRange(k + 1, hi, [])).toEqual(range);
          const withFloor = floor !== undefined && floor <= hi ? [floor * 10, ...range] : range;
          expect(p.valuesFromFloor(k, hi, [])).toEqual(withFloor);
        },
      ),
      { seed: 11, numRuns: 100 },
    );
  });

  it('alter sets, replaces and removes like get then set or delete, and leaves older versions alone', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(4), fc.integer({ min: 0, max: 2000 })), { maxLength: 3000, size: 'max' }), (ops) => {
        let p = PMap.empty<number>();
        const m = new Map<number, number>();
        let tx = new Tx();
        const versions: { p: PMap<number>; snap: [number, number][] }[] = [];
        ops.forEach(([op, key], i) => {
          if (i % 97 === 0) {
            versions.push({ p, snap: [...m.entries()].sort((a, b) => a[0] - b[0]) });
            tx = new Tx();
          }
          // 0: remove, 1: add one, else: set to the op (replace or insert)
          const fn = (old: number | undefined, x: number): number | undefined => (x === 0 ? undefined : x === 1 ? (old ?? 0) + 1 : x);
          p = p.alter(key, tx, fn, op);
          const next = fn(m.get(key), op);
          if (next === undefined) m.delete(key);
          else m.set(key, next);
        });
        expect(p.entries()).toEqual([...m.entries()].sort((a, b) => a[0] - b[0]));
        expect(p.size).toBe(m.size);
        for (const v of versions) expect(v.p.entries()).toEqual(v.snap);
      }),
      { seed: 12, numRuns: 60 },
    );
  });

  it('finds a floor in the left sibling when a leaf lost its first keys (its separator stays)', () => {
    const tx = new Tx();
    let p = PMap.empty<number>();
    for (let k = 0; k < 1000; k++) p = p.set(k, k, tx);
    for (let k = 30; k <= 40; k++) p = p.delete(k, tx);
    for (let k = 30; k <= 40; k++) {
      expect(p.floorKey(k)).toBe(29);
      expect(p.floorValue(k)).toBe(29);
      expect(p.valuesFromFloor(k, 43, [])).toEqual([29, 41, 42, 43]);
    }
  });

  it('walks ranges in both directions and stops when asked', () => {
    const tx = new Tx();
    let p = PMap.empty<string>();
    for (let k = 0; k < 5000; k += 5) p = p.set(k, `v${k}`, tx);
    const got: number[] = [];
    p.forEachInRange(101, 140, (k) => void got.push(k));
    expect(got).toEqual([105, 110, 115, 120, 125, 130, 135, 140]);
    const down: number[] = [];
    p.forEachDescending(23, (k) => (down.push(k), down.length < 3));
    expect(down).toEqual([20, 15, 10]);
  });

  it('bulk-loads sorted entries into a balanced tree that accepts further edits', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => i * 3);
    const p = PMap.fromSorted(keys, keys.map((k) => k + 1));
    expect(p.size).toBe(100_000);
    expect(p.get(2997)).toBe(2998);
    expect(p.depth()).toBeLessThanOrEqual(4);
    const tx = new Tx();
    let q = p;
    for (let k = 0; k < 300_000; k += 6) q = q.delete(k, tx);
    expect(q.size).toBe(50_000);
    expect(p.size).toBe(100_000);
    expect(q.entries().every(([k]) => k % 6 === 3)).toBe(true);
  });

  it('stays balanced when one Tx deletes most of a large map (a flush), and answers lowerKey', () => {
    const tx = new Tx();
    let p = PMap.empty<number>();
    for (let k = 0; k < 20_000; k++) p = p.set(k * 2, k, tx);
    for (let k = 0; k < 20_000; k++) if (k % 97 !== 0) p = p.delete(k * 2, tx);
    const keys = p.keys();
    expect(keys.length).toBe(p.size);
    for (let i = 1; i < keys.length; i++) expect(p.lowerKey(keys[i])).toBe(keys[i - 1]);
    expect(p.depth()).toBeLessThanOrEqual(3);
  });

  it('keeps a million sequential keys shallow', () => {
    const tx = new Tx();
    let p = PMap.empty<number>();
    for (let k = 0; k < 1_000_000; k++) p = p.set(k, k, tx);
    expect(p.depth()).toBeLessThanOrEqual(5);
    expect(p.size).toBe(1_000_000);
  });
});

describe('PMap.fromSortedLazy', () => {
  it('decodes the values of a leaf only when it is used, and then as fromSorted would', () => {
    // given 1,000 keys whose values are made on demand
    const keys = Array.from({ length: 1000 }, (_, i) => i * 2);
    const asked: [number, number][] = [];
    const lazy = PMap.fromSortedLazy(keys, (from, to) => {
      asked.push([from, to]);
      return keys.slice(from, to).map((k) => k + 1);
    });
    // when nothing is read, nothing is made
    expect(asked).toEqual([]);
    expect(lazy.size).toBe(1000);
    // when one key is read, only its leaf is made, once
    expect(lazy.get(1000)).toBe(1001);
    expect(lazy.get(1002)).toBe(1003);
    expect(asked).toHaveLength(1);
    expect(asked[0][0]).toBeLessThanOrEqual(500);
    expect(asked[0][1]).toBeGreaterThan(501);
    // then the whole map reads as the eager one
    expect(lazy.entries()).toEqual(PMap.fromSorted(keys, keys.map((k) => k + 1)).entries());
  });

  it('edits a lazy map as an eager one, at any size (seeded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 700 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 1500 })), { maxLength: 80 }), (n, ops) => {
        const keys = Array.from({ length: n }, (_, i) => i * 2);
        let eager = PMap.fromSorted(keys, keys.slice());
        let lazy = PMap.fromSortedLazy(keys, (from, to) => keys.slice(from, to));
        const leafSizes: number[] = [];
        lazy.forEachLeaf((k) => void leafSizes.push(k.length));
        if (leafSizes.length > 1) expect(Math.min(...leafSizes)).toBeGreaterThanOrEqual(16);
        const tx = new Tx();
        for (const [del, k] of ops) {
          eager = del ? eager.delete(k, tx) : eager.set(k, -k, tx);
          lazy = del ? lazy.delete(k, tx) : lazy.set(k, -k, tx);
        }
        expect(lazy.entries()).toEqual(eager.entries());
        expect(lazy.size).toBe(eager.size);
      }),
      { seed: 14, numRuns: 200 },
    );
  });
});
