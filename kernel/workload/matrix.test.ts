import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROFILES } from '../profiles/index.js';
import { listWorkloads } from './catalog.js';
import { runWorkload } from './run.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'workloads');

// A smoke run of every profile on every workload: the first 200 statements of each (the long
// bursts of nic run in full under linux-6.12 in workloads.test.ts and in the demonstrations).
describe('every bundled workload under every profile', () => {
  it.each(PROFILES.map((p) => p.name))('%s runs the first 200 statements of each without a model error', (name) => {
    const p = PROFILES.find((x) => x.name === name)!;
    for (const w of listWorkloads(DIR)) {
      const r = runWorkload(w, p, { stopAfter: 200 });
      expect(r.failures).toEqual([]);
      expect(r.events).toBeGreaterThan(10);
    }
  });

  it('stopAfter stops at a statement boundary', () => {
    const w = listWorkloads(DIR).find((x) => x.name === 'virtio-blk')!;
    const whole = runWorkload(w, PROFILES[0]);
    const part = runWorkload(w, PROFILES[0], { stopAfter: 10 });
    expect(part.events).toBeGreaterThan(0);
    expect(part.events).toBeLessThan(whole.events);
  });
});
