import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROFILES } from '../profiles/index.js';
import { listWorkloads } from './catalog.js';
import { runWorkload } from './run.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'workloads');

describe('every bundled workload under every profile', () => {
  it.each(PROFILES.map((p) => p.name))('%s runs them all without a model error', (name) => {
    const p = PROFILES.find((x) => x.name === name)!;
    for (const w of listWorkloads(DIR)) {
      const r = runWorkload(w, p);
      expect(r.failures).toEqual([]);
      expect(r.events).toBeGreaterThan(10);
    }
  });
});
