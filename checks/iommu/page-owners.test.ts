// PageOwners against a plain model (a Map per page of domain -> mappings, in insertion order):
// the same owners, the same first other domain, the same shared pages, across table growth and
// block removal.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageOwners } from './page-owners.js';

class Model {
  readonly pages = new Map<number, Map<number, number>>();

  add(ppfn: number, n: number, domain: number, by: number): void {
    for (let p = ppfn; p < ppfn + n; p++) {
      const m = this.pages.get(p);
      if (m === undefined) {
        if (by > 0) this.pages.set(p, new Map([[domain, by]]));
        continue;
      }
      if (!m.has(domain) && by <= 0) continue;
      const c = (m.get(domain) ?? 0) + by;
      if (c > 0) m.set(domain, c);
      else m.delete(domain);
      if (m.size === 0) this.pages.delete(p);
    }
  }

  other(ppfn: number, domain: number): number | null {
    for (const d of this.pages.get(ppfn)?.keys() ?? []) if (d !== domain) return d;
    return null;
  }
}

type Op = [kind: number, ppfn: number, n: number, domain: number];

describe('PageOwners', () => {
  it('agrees with a per-page model under random maps and unmaps', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 4 })), { maxLength: 400, size: 'max' }), (ops: Op[]) => {
        const o = new PageOwners();
        const m = new Model();
        for (const [kind, ppfn, n, domain] of ops) {
          if (kind === 0) {
            let want = -1;
            for (let p = ppfn; p < ppfn + n && want < 0; p++) if (m.other(p, domain) !== null) want = p;
            const wantOther = want < 0 ? null : m.other(want, domain);
            const hit = o.addPages(ppfn, n, domain);
            m.add(ppfn, n, domain, 1);
            expect(hit).toBe(want);
            if (hit >= 0) expect(o.sharedWith).toBe(wantOther);
          } else {
            const by = kind === 1 ? -1 : 1;
            o.add(ppfn, n, domain, by);
            m.add(ppfn, n, domain, by);
          }
        }
        const got: (number | null)[] = [];
        const owners: (number | null)[] = [];
        for (let p = 0; p < 3050; p++)
          for (let d = 1; d <= 4; d++) {
            got.push(o.other(p, d));
            owners.push(m.other(p, d));
          }
        expect(got).toEqual(owners);
        const shared = o.saveShared();
        const want: number[] = [];
        for (const [p, mm] of m.pages) if (mm.size > 1) want.push(p);
        const sharedPages: number[] = [];
        for (let i = 0; i < shared.length; i += 2 + 2 * shared[i + 1]) sharedPages.push(shared[i]);
        expect(sharedPages.sort((a, b) => a - b)).toEqual(want.sort((a, b) => a - b));
      }),
      { seed: 5, numRuns: 60 },
    );
  });

  it('keeps every owner while the table grows past its first size and blocks leave mid probe run', () => {
    // given 3000 blocks (the table starts with room for 512) scattered past 2^32, then every
    // other one removed and some mapped again
    const o = new PageOwners();
    const m = new Model();
    let x = 12345;
    const rand = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const pages = Array.from({ length: 3000 }, (_, k) => k * 16 * 104729 + Math.floor(rand() * 16) + (k % 3 === 0 ? 2 ** 36 : 0));
    const check = (): void => {
      for (const p of pages) for (let d = 1; d <= 3; d++) expect(o.other(p, d)).toBe(m.other(p, d));
    };
    pages.forEach((p, k) => {
      o.add(p, 2, 1 + (k % 3), 1);
      m.add(p, 2, 1 + (k % 3), 1);
    });
    check();
    // when every other block is unmapped and a quarter mapped again in another domain
    pages.forEach((p, k) => {
      if (k % 2 === 0) {
        o.add(p, 2, 1 + (k % 3), -1);
        m.add(p, 2, 1 + (k % 3), -1);
      }
      if (k % 4 === 1) {
        expect(o.addPages(p, 1, 3)).toBe(m.other(p, 3) === null ? -1 : p);
        m.add(p, 1, 3, 1);
      }
    });
    // then every page answers as the model does
    check();
  });
});
