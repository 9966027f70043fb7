import { describe, expect, it } from 'vitest';
import { seededUniform } from '../../kernel/workload/prng.js';
import { IOVA_FQ_TIMEOUT_NS, TimerModel } from './timer-model.js';

const MS = 1_000_000;

describe('flush-queue timer delay model', () => {
  it('given no observation, the delay is about IOVA_FQ_TIMEOUT (mod_timer with 10 ms) and every delay stays possible', () => {
    const m = new TimerModel();
    expect(Math.abs(m.median - IOVA_FQ_TIMEOUT_NS)).toBeLessThan(0.2 * MS);
    expect(m.survival(0)).toBe(1);
    expect(m.survival(5 * MS)).toBeGreaterThan(0.9);
    expect(m.survival(15 * MS)).toBeLessThan(0.1);
    // a firing at 30 ms is unlikely, not impossible
    expect(m.hazard(0, 30 * MS, 31 * MS)).toBeGreaterThan(0);
  });

  it('given firings observed around 14 ms (a slow emulated timer softirq), the model moves there', () => {
    const m = new TimerModel();
    const next = seededUniform(7);
    for (let i = 0; i < 200; i++) {
      const armed = Math.floor(next() * 1e9);
      const at = armed + 14 * MS + Math.floor(next() * 0.3 * MS);
      m.firedBetween(armed, at - 0.1 * MS, at);
    }
    expect(Math.abs(m.median - 14.1 * MS)).toBeLessThan(0.3 * MS);
    // a timer armed at 0 has hardly fired by 12 ms, nearly surely by 15 ms
    expect(m.survival(12 * MS)).toBeGreaterThan(0.95);
    expect(m.hazard(0, 12 * MS, 15 * MS)).toBeGreaterThan(0.95);
  });

  it('given timers seen not fired by 11 ms, the mass moves beyond it; the hazard of a gap is conditional on not having fired before', () => {
    const m = new TimerModel();
    for (let i = 0; i < 50; i++) m.notFiredBy(i * 100 * MS, i * 100 * MS + 11 * MS);
    expect(m.median).toBeGreaterThan(11 * MS);
    const h = m.hazard(0, 11 * MS, 50 * MS);
    expect(h).toBeGreaterThan(0.5);
    expect(h).toBeLessThanOrEqual(1);
    expect(m.hazard(0, 5 * MS, 5 * MS)).toBe(0);
  });
});
