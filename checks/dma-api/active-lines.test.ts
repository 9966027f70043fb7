// ActiveLines against a plain model (a Map of line -> seqs): the same newest mapping per line
// on insert, across table growth, removals that shift probe runs, and lines of several mappings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActiveLines } from './active-lines.js';

describe('ActiveLines', () => {
  it('agrees with a Map of seq lists under random inserts and removes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 40 })), { maxLength: 3000, size: 'max' }), (ops) => {
        const a = new ActiveLines();
        const m = new Map<number, number[]>();
        const got: (number | undefined)[] = [];
        const want: (number | undefined)[] = [];
        for (const [insert, line, seq] of ops) {
          // lines past 2^32 as well, as physical addresses >> 6 reach there
          const l = line % 2 === 0 ? line : line * 2 ** 33;
          const list = m.get(l);
          if (insert) {
            got.push(a.insert(l, seq));
            want.push(list?.[list.length - 1]);
            m.set(l, [...(list ?? []), seq]);
          } else {
            a.remove(l, seq);
            const rest = (list ?? []).filter((x) => x !== seq);
            if (rest.length) m.set(l, rest);
            else m.delete(l);
          }
        }
        for (const l of m.keys()) {
          got.push(a.insert(l, -5));
          want.push(m.get(l)![m.get(l)!.length - 1]);
        }
        expect(got).toEqual(want);
      }),
      { seed: 9, numRuns: 60 },
    );
  });
});
