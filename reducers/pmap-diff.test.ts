import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter } from './bytes.js';
import { decodeMapDelta, diffPMap, encodeMapDelta } from './pmap-diff.js';
import { PMap, Tx } from './pmap.js';

/** A base map built in batches (one Tx each, as reducers do), then a version edited from it. */
function versions(keys: number[], edits: [number, number][]): { base: PMap<string>; cur: PMap<string> } {
  let base = PMap.empty<string>();
  for (let i = 0; i < keys.length; i += 50) {
    const tx = new Tx();
    for (const k of keys.slice(i, i + 50)) base = base.set(k, `b${k}`, tx);
  }
  let cur = base;
  const tx = new Tx();
  edits.forEach(([op, k], i) => {
    cur = op % 3 === 0 ? cur.delete(k, tx) : cur.set(k, `c${k}.${i}`, tx);
  });
  return { base, cur };
}

function expectedChanges(base: PMap<string>, cur: PMap<string>): { sets: [number, string][]; dels: number[] } {
  const a = new Map(base.entries());
  const b = new Map(cur.entries());
  const sets = [...b].filter(([k, v]) => a.get(k) !== v).sort((x, y) => x[0] - y[0]);
  const dels = [...a.keys()].filter((k) => !b.has(k)).sort((x, y) => x - y);
  return { sets, dels };
}

describe('diffPMap / encodeMapDelta (delta checkpoints)', () => {
  const arb = fc.tuple(fc.uniqueArray(fc.integer({ min: 0, max: 20_000 }), { maxLength: 3000 }), fc.array(fc.tuple(fc.nat(5), fc.integer({ min: 0, max: 20_000 })), { maxLength: 400 }));

  it('reports exactly the keys set, changed or deleted, in key order (seeded)', () => {
    fc.assert(
      fc.property(arb, ([keys, edits]) => {
        const { base, cur } = versions(keys, edits);
        const sets: [number, string][] = [];
        const dels: number[] = [];
        diffPMap(base, cur, (k, v) => void sets.push([k, v]), (k) => void dels.push(k));
        expect({ sets, dels }).toEqual(expectedChanges(base, cur));
      }),
      { seed: 3, numRuns: 150 },
    );
  });

  it('applied to the base, the written delta gives the edited version (seeded)', () => {
    fc.assert(
      fc.property(arb, ([keys, edits]) => {
        const { base, cur } = versions(keys, edits);
        const w = new ByteWriter();
        encodeMapDelta(base, cur, w, (_, v) => w.str(v));
        const r = new ByteReader(w.finish());
        const back = decodeMapDelta(base, r, new Tx(), () => r.str());
        expect(r.done).toBe(true);
        expect(back.entries()).toEqual(cur.entries());
        expect(base.entries()).toEqual(versions(keys, []).base.entries());
      }),
      { seed: 4, numRuns: 150 },
    );
  });

  it('skips the leaves two versions share: a one-key edit of a large map looks at one leaf', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => i * 3);
    const { base, cur } = versions(keys, [[1, 30_000]]);
    let seen = 0;
    diffPMap(base, cur, () => void seen++, () => void seen++);
    expect(seen).toBe(1);
    // every leaf but the edited one (and any its split made) is the very same arrays in both
    const leaves = (m: PMap<string>): (readonly number[])[] => {
      const out: (readonly number[])[] = [];
      m.forEachLeaf((k) => void out.push(k));
      return out;
    };
    const shared = new Set(leaves(base));
    expect(leaves(cur).filter((l) => !shared.has(l)).length).toBeLessThanOrEqual(2);
  });

  it('a delta applied to another base than its own is refused, not silently wrong', () => {
    const { base, cur } = versions([1, 2, 3, 4, 5], [[1, 9]]);
    const w = new ByteWriter();
    encodeMapDelta(base, cur, w, (_, v) => w.str(v));
    const other = versions([1, 2, 3], []).base;
    const r = new ByteReader(w.finish());
    expect(() => decodeMapDelta(other, r, new Tx(), () => r.str())).toThrow(/not the base it was written against/);
  });
});
