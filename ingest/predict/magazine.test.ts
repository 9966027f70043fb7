// The linked magazine (magazine.ts) against the array iova.c and kernel/iova/rcache.ts use: the
// same pfns in the same slots after pushes, pops at the index magazinePopIndex picks and removals
// by value, and a magazine that was forked from is never changed by the fork's operations.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { magazinePopIndex } from '../../kernel/iova/index.js';
import { magAt, magFromArray, magIndexOf, magPopIndex, magPush, magRemoveAt, magSize, magToArray, magWithout, type Stack } from './magazine.js';

/** iova_magazine_pop on the array: the top element takes the popped slot */
function popArray(a: number[], i: number): void {
  const top = a.pop()!;
  if (i < a.length) a[i] = top;
}

type Op = [kind: number, value: number];

describe('magazine', () => {
  it('given random pushes, bounded pops and removals by value, every slot is as in the array (scan and top-only)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2), fc.integer({ min: 0, max: 40 })), { maxLength: 300 }), fc.boolean(), (ops: Op[], topOnly) => {
        const how = topOnly ? 'top-only' : 'scan';
        const a: number[] = [];
        let m: Stack = null;
        const seen: [Stack, number[]][] = [];
        for (const [kind, v] of ops) {
          seen.push([m, a.slice()]);
          if (kind === 0) {
            a.push(v);
            m = magPush(m, v);
          } else if (kind === 1) {
            // when: a pop under the bound v
            const i = magazinePopIndex(a, v, how);
            expect(magPopIndex(m, v, how)).toBe(i);
            if (i < 0) continue;
            expect(magAt(m!, i)).toBe(a[i]);
            popArray(a, i);
            m = magRemoveAt(m!, i);
          } else {
            // when: the pfn v leaves the magazine, found as Array.indexOf finds it
            const i = a.indexOf(v);
            expect(magIndexOf(m, v)).toBe(i);
            if (i < 0) continue;
            popArray(a, i);
            m = magRemoveAt(m!, i);
          }
          expect(magSize(m)).toBe(a.length);
          expect(magToArray(m)).toEqual(a);
        }
        // then: every earlier magazine still holds what it held
        for (const [old, was] of seen) expect(magToArray(old)).toEqual(was);
      }),
    );
  });

  it('given a magazine, when one pfn is taken out without a pop, then the others keep their order and the original is unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 130 }), fc.nat(), (a, k) => {
        const m = magFromArray(a)!;
        const i = k % a.length;
        const left = magWithout(m, i);
        expect(magToArray(left)).toEqual([...a.slice(0, i), ...a.slice(i + 1)]);
        expect(magSize(left)).toBe(a.length - 1);
        expect(magToArray(m)).toEqual(a);
      }),
    );
  });

  it('given an array, the magazine made from it gives it back bottom first', () => {
    expect(magToArray(magFromArray([5, 9, 2]))).toEqual([5, 9, 2]);
    expect(magFromArray([])).toBe(null);
  });
});
