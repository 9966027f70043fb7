// Every check resumes at a checkpoint: a run started from the reducer state at a checkpoint and
// what the checks saved there (through msgpack, as a journal stores it) reports exactly what a
// run from the first event reports from there on. This is what bisect's checkpoint probes rest
// on; the inputs are chosen so that every check with a private index has findings after the
// checkpoints (the synthetic stream: shared pages and cachelines; the scenarios: every check;
// the histories: what only the saved part knows; the captures: the importer's allocator events,
// doorbells, lazy flush queues, planted faults).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticJournal } from '../bench/synthetic.js';
import { type IommuEvent } from '../domain-events/index.js';
import { importTrace } from '../ingest/importer.js';
import { readJsonl } from '../replay/index.js';
import { CHECKS } from './index.js';
import { HISTORIES, stampedHistory } from './test-support/histories.js';
import { fileName, SCENARIOS } from './test-support/scenarios.js';
import { type ResumePoint, resumeAtCheckpoints } from './test-support/resume.js';

function expectSame(points: readonly ResumePoint[], minFindings: number): void {
  expect(points.length).toBeGreaterThan(0);
  let compared = 0;
  for (const p of points) {
    // one assertion per checkpoint, so a failure names the checkpoint and the check
    expect({ at: p.at, findings: p.got }).toEqual({ at: p.at, findings: p.want });
    for (const fs of Object.values(p.want)) compared += fs.length;
  }
  // the comparison must have something to compare
  expect(compared).toBeGreaterThanOrEqual(minFindings);
}

describe('checks resume at a checkpoint and report what a run from the start reports', () => {
  it('the seeded synthetic stream (8 domains, shared pages and cachelines)', () => {
    const events = syntheticJournal(40_000, 3, 8);
    const points = resumeAtCheckpoints(CHECKS, events, 4_000);
    expectSame(points, 100);
    // the saved part stays small: what the state cannot give, not a copy of it
    for (const p of points) expect(p.bytes).toBeLessThan(16_384);
  });

  for (const s of SCENARIOS) {
    it(`scenario ${s.check}, at every event`, () => {
      const { events } = readJsonl(`fixtures/scenarios/${fileName(s.check)}.jsonl`);
      const points = resumeAtCheckpoints(CHECKS, events, 1);
      expectSame(points, 1);
      // the scenario's own check has a finding after the first checkpoint
      expect(points[0].want[s.check]?.length ?? 0).toBeGreaterThan(0);
    });
  }

  for (const h of HISTORIES) {
    it(`${h.check}: ${h.name}, at every event`, () => {
      const points = resumeAtCheckpoints(CHECKS, stampedHistory(h), 1);
      expectSame(points, h.findings);
      expect(points[0].want[h.check]?.length ?? 0).toBe(h.findings);
    });
  }

  const captures: [string, number, number][] = [
    // capture, checkpoint every, findings compared at least (summed over checkpoints)
    ['fixtures/faults/x86-q35-vtd-strict-planted', 2_500, 10],
    // a clean capture has nothing to find: what it compares is that nothing appears (its
    // findings were misplaced lines, fewer as attribution improves)
    ['fixtures/traces/arm64-virt-smmuv3-lazy', 2_500, 0],
    ['fixtures/traces/x86-q35-vtd-strict', 2_500, 0],
    ['fixtures/traces/arm64-virt-smmuv3-strict', 2_500, 0],
  ];
  for (const [capture, every, min] of captures) {
    it(`the imported capture ${capture.split('/').pop()}`, async () => {
      const r = await importTrace(join(capture), { output: null });
      const events = r.events as IommuEvent[];
      expectSame(resumeAtCheckpoints(CHECKS, events, every), min);
    });
  }
});
