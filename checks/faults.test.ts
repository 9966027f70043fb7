// The planted-fault copy of a real capture (fixtures/faults/README.md): check reports every
// planted fault at its line, bisect names the first one, and the unmodified capture gives no
// error finding.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IommuEvent } from '../domain-events/index.js';
import { importTrace } from '../ingest/importer.js';
import { bisectScan, bisectState } from '../replay/bisect.js';
import { parsePredicate } from '../replay/predicate.js';
import { Timeline } from '../replay/seek.js';
import { firstFinding, runChecks } from './index.js';
import { scratchDir } from '../ingest/test-support/scratch.js';

const dir = scratchDir('ij-faults-');
let planted: Timeline;
let clean: Timeline;

async function journalOf(trace: string, name: string): Promise<Timeline> {
  const out = join(dir, name);
  await importTrace(trace, { output: out });
  return Timeline.open(out);
}

function blocks(tl: Timeline): (readonly IommuEvent[])[] {
  return [[...tl.range(0, tl.lastSeq)]];
}

beforeAll(async () => {
  planted = await journalOf('fixtures/faults/x86-q35-vtd-strict-planted', 'planted.journal');
  clean = await journalOf('fixtures/traces/x86-q35-vtd-strict', 'clean.journal');
});

afterAll(() => {
  planted?.close();
  clean?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('planted faults in a real capture', () => {
  it('check reports each planted fault at its line, as an error', () => {
    const errors = runChecks(blocks(planted)).findings.filter((f) => f.severity === 'error');
    const at = (check: string) => errors.filter((f) => f.check === check).map((f) => f.line);
    expect(at('iommu/unmap-hole')).toEqual([4156]);
    expect(at('iommu/map-in-reserved-region')).toEqual([8158]);
    expect(at('iommu/unmap-short')).toEqual([15013]);
    // nothing else is an error but the short unmap's consequence: the 16 pages it left mapped
    // behind a freed IOVA meet the next use of that IOVA, reported naming the maps left behind, at
    // the confidence attribution has there (an error where the next map's domain is sure)
    const all = runChecks(blocks(planted)).findings;
    const consequence = all.filter((f) => f.line! > 15013 && f.related.some((r) => r.line === 14959));
    expect(consequence.length).toBeGreaterThan(0);
    const rest = errors.filter((f) => ![4156, 8158, 15013].includes(f.line!) && !consequence.some((c) => c.check === f.check && c.line === f.line));
    expect(rest).toEqual([]);
  });

  it('bisect finds the first planted fault, and each one by its check', () => {
    const first = bisectScan(planted, (b) => firstFinding(b)?.seq ?? null);
    expect(planted.eventAt(first.firstFailingSeq!).line).toBe(4156);
    for (const [check, line] of [
      ['iommu/unmap-short', 15013],
      ['iommu/map-in-reserved-region', 8158],
    ] as const) {
      const r = bisectScan(planted, (b) => firstFinding(b, { only: [check] })?.seq ?? null);
      expect(planted.eventAt(r.firstFailingSeq!).line).toBe(line);
    }
  });

  it('bisect on a state predicate lands on the planted map', () => {
    const r = bisectState(planted, parsePredicate('mapped 0xfee00000'));
    expect(planted.eventAt(r.firstFailingSeq!).line).toBe(8158);
  });

  it('the unmodified capture gives no error finding', () => {
    const run = runChecks(blocks(clean));
    expect(run.events).toBe(clean.total);
    expect(run.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
