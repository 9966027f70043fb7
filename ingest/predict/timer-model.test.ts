import { describe, expect, it } from 'vitest';
import { seededUniform } from '../../kernel/workload/prng.js';
import { DelayModel, IOVA_FQ_TIMEOUT_NS } from './timer-model.js';

/** the estimate by brute force: every integer candidate, most bounds, then nearest the timeout, then smaller */
function reference(bounds: { lo: number; hi: number }[]): number {
  const count = (d: number) => bounds.filter((b) => d > b.lo && d <= b.hi).length;
  const cands = [IOVA_FQ_TIMEOUT_NS, ...bounds.map((b) => b.lo + 1), ...bounds.filter((b) => b.hi !== Infinity).map((b) => b.hi)];
  let best = IOVA_FQ_TIMEOUT_NS;
  for (const d of cands) {
    const c = count(d);
    const bc = count(best);
    const dd = Math.abs(d - IOVA_FQ_TIMEOUT_NS);
    const db = Math.abs(best - IOVA_FQ_TIMEOUT_NS);
    if (c > bc || (c === bc && (dd < db || (dd === db && d < best)))) best = d;
  }
  return best;
}

describe('flush-queue timer delay estimate', () => {
  it('is the delay inside the most observed bounds, nearest IOVA_FQ_TIMEOUT among equals (seeded, against brute force)', () => {
    const next = seededUniform(11);
    for (let run = 0; run < 200; run++) {
      const m = new DelayModel();
      const bounds: { lo: number; hi: number }[] = [];
      const n = 1 + Math.floor(next() * 60);
      for (let i = 0; i < n; i++) {
        const armed = Math.floor(next() * 1e8);
        const after = armed + Math.floor(next() * 3e7);
        if (next() < 0.3) {
          m.notFiredBy(armed, after);
          bounds.push({ lo: after - armed, hi: Infinity });
        } else {
          const before = after + Math.floor(next() * 2e7);
          m.firedBetween(armed, after, before);
          bounds.push({ lo: after - armed, hi: before - armed });
        }
      }
      expect(m.estimate).toBe(reference(bounds));
    }
  });
});
