// trace verify --blind on every bundled capture whose dma:* events name the device: the placements
// made as for a 6.1 trace, scored against those events. One import per capture, shared by the
// checks; the heavy trace-cmd capture (2.56 M events) as its first 20,000 report lines beside its
// guest files (its full figures: `trace verify --blind`, docs/attribution.md).
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCapture } from '../capture.js';
import { type ImportResult, importTrace } from '../importer.js';
import { CAPTURES_ROOT as ROOT, bundledTraces, traceShows } from '../test-support/bundled-traces.js';
import { scratchDir } from '../test-support/scratch.js';

const HEAVY = 'x86-q35-vtd-tcg-612-lazy-heavy';
const HEAVY_HEAD = 'fixtures/tracedat/x86-q35-vtd-tcg-612-lazy-heavy.report-head.txt.gz';

/** the heavy capture's bounded prefix: its report head with the capture's guest files */
function heavyPrefix(): string {
  const dir = scratchDir('ij-heavy-head-');
  for (const d of ['guest', 'formats']) cpSync(join(ROOT, HEAVY, d), join(dir, d), { recursive: true });
  cpSync(HEAVY_HEAD, join(dir, 'report.txt.gz'));
  return dir;
}

// one trace per capture: the one the importer reads from its folder
const CAPTURES = [...new Set(bundledTraces().map(([name]) => name))].map((name) => [name, readCapture(join(ROOT, name)).trace] as const);
const WITH_DMA: string[] = [];
for (const [name, trace] of CAPTURES) if (name === HEAVY || (await traceShows(trace)).dma) WITH_DMA.push(name);

/** The share of map and unmap lines placed right: 98 % on every capture where one device is driven at a time (the VFIO captures too). */
const TARGET = 0.98;

describe.each(WITH_DMA)('blind attribution of %s', (name) => {
  let r: ImportResult;
  beforeAll(async () => {
    r = await importTrace(name === HEAVY ? heavyPrefix() : join(ROOT, name), { output: null, keepEvents: false, blind: true });
  });

  it('places every map and unmap line, none over live pages, none on a hole', () => {
    const a = r.summary.attribution;
    expect(a.mapLines).toBeGreaterThan(0);
    expect(a.mapsAttributed).toBe(a.mapLines);
    expect(a.unmapsAttributed).toBe(a.unmapLines);
    expect(a.conflicts).toBe(0);
  });

  it('puts the map lines in the domain of the device their dma:* event names (98 % where one device is driven at a time)', () => {
    const b = r.summary.blind!;
    expect(b.blindMaps).toBeGreaterThan(0);
    expect(b.blindCorrect / b.blindMaps).toBeGreaterThanOrEqual(TARGET);
    expect(b.blindUnmapsCorrect / b.blindUnmaps).toBeGreaterThanOrEqual(TARGET);
  });

  it('is calibrated: of the lines placed with confidence >= 0.9, at least 99.5 % are right; the rest are counted ambiguous', () => {
    const b = r.summary.blind!;
    if (b.blindConfident > 0) expect(b.blindConfidentCorrect / b.blindConfident).toBeGreaterThanOrEqual(0.995);
    expect(b.blindConfident + b.blindAmbiguous).toBe(b.blindMaps + b.blindUnmaps);
    // ambiguous counts every line below 0.9, scored or not (a VFIO program's maps have no dma:* event)
    expect(r.summary.attribution.ambiguous).toBeGreaterThanOrEqual(b.blindAmbiguous);
    let confident = 0;
    for (const c of Object.values(b.blindConfidentByHow)) confident += c.lines;
    expect(confident).toBe(b.blindConfident);
  });

  it('never names the dma:* events as the evidence, and counts no domain decided by the allocator alone as predicted', () => {
    expect(r.summary.attribution.byHow['dma-event']).toBeUndefined();
    expect(r.summary.score.exact).toBeLessThanOrEqual(r.summary.score.maps - r.summary.score.byAllocatorOnly);
  });
});
