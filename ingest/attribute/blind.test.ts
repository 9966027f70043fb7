// trace verify --blind on every capture whose dma:* events name the device: the placements made
// as for a 6.1 trace, scored against those events. One import per capture, shared by the checks.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ImportResult, importTrace } from '../importer.js';
import { CAPTURES_ROOT as ROOT, traceText } from '../test-support/bundled-traces.js';

// the captures with tracefs text and dma:* events; the heavy trace-cmd capture (2.56 M events,
// trace.dat only) is measured by `trace verify --blind` (docs/attribution.md), too long for the suite
const tracefs = (name: string) => ['trace.txt', 'trace.txt.gz'].map((f) => join(ROOT, name, f)).find((f) => existsSync(f));
const WITH_DMA = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory() && tracefs(d.name) !== undefined && /: +dma_map_(page|sg): /.test(traceText(tracefs(d.name)!)))
  .map((d) => d.name);

/**
 * The share of map lines placed right, per capture: 98 % where the workload drives one disk at a
 * time behind phase markers (workload A); the VFIO captures (workload V) are mostly driver setup
 * and a user program, with no marker naming a disk: what is measured there (most of their lines
 * are placed without an anchor and said to be ambiguous).
 */
const TARGET: Record<string, { maps: number; unmaps: number }> = {
  'x86-q35-vtd-vfio-612': { maps: 0.9, unmaps: 0.75 },
  'arm64-virt-smmuv3-vfio-612': { maps: 0.8, unmaps: 0.5 },
};

describe.each(WITH_DMA)('blind attribution of %s', (name) => {
  let r: ImportResult;
  beforeAll(async () => {
    r = await importTrace(join(ROOT, name), { output: null, keepEvents: false, blind: true });
  });

  it('places every map and unmap line, none over live pages, none on a hole', () => {
    const a = r.summary.attribution;
    expect(a.mapsAttributed).toBe(a.mapLines);
    expect(a.unmapsAttributed).toBe(a.unmapLines);
    expect(a.conflicts).toBe(0);
  });

  it('puts the map lines in the domain of the device their dma:* event names (98 % where one device is driven at a time)', () => {
    const b = r.summary.blind!;
    const target = TARGET[name] ?? { maps: 0.98, unmaps: 0.98 };
    expect(b.blindMaps).toBeGreaterThan(0);
    expect(b.blindCorrect / b.blindMaps).toBeGreaterThanOrEqual(target.maps);
    expect(b.blindUnmapsCorrect / b.blindUnmaps).toBeGreaterThanOrEqual(target.unmaps);
  });

  it('is calibrated: of the lines placed with confidence >= 0.9, at least 99.5 % are right; the rest are counted ambiguous', () => {
    const b = r.summary.blind!;
    if (b.blindConfident > 0) expect(b.blindConfidentCorrect / b.blindConfident).toBeGreaterThanOrEqual(0.995);
    // lines said to be ambiguous are not all wrong, nor all right
    if (b.blindAmbiguous > 0) expect(b.blindAmbiguousCorrect).toBeLessThanOrEqual(b.blindAmbiguous);
    expect(b.blindConfident + b.blindAmbiguous).toBe(b.blindMaps + b.blindUnmaps);
    expect(r.summary.attribution.ambiguous).toBeGreaterThanOrEqual(b.blindAmbiguous);
  });

  it('never names the dma:* events as the evidence, and counts no domain decided by the allocator alone as predicted', () => {
    expect(r.summary.attribution.byHow['dma-event']).toBeUndefined();
    expect(r.summary.score.exact).toBeLessThanOrEqual(r.summary.score.maps - r.summary.score.byAllocatorOnly);
  });
});
