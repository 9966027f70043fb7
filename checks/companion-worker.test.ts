// The checks in the journal writer's thread: importing a real capture with the fault checks
// gives the same journal, byte for byte, and the same finding totals as in one thread.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importTrace } from '../ingest/importer.js';
import { pinJournalDate } from '../replay/test-support/pinned-date.js';
import { checkCompanion } from './companion.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const dir = scratchDir('ij-cw-');
pinJournalDate();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checks companion in the writer thread', () => {
  // a capture whose checks find something: a planted fault
  for (const capture of ['fixtures/faults/x86-q35-vtd-strict-planted']) {
    it(`${capture}: same journal and totals in one thread and in two`, async () => {
      const runs = [];
      for (const threads of [false, true]) {
        const out = join(dir, `${capture.replace(/\W/g, '_')}-${threads}.journal`);
        const companion = checkCompanion();
        const r = await importTrace(capture, { output: out, checkpointEvery: 512, companion, threads });
        runs.push({ bytes: readFileSync(out), totals: { ...companion.totals }, events: r.summary.events });
      }
      expect(runs[0].totals.error).toBeGreaterThan(0);
      expect(runs[1].events).toBe(runs[0].events);
      expect(runs[1].totals).toEqual(runs[0].totals);
      expect(runs[1].bytes.equals(runs[0].bytes)).toBe(true);
    });
  }
});
