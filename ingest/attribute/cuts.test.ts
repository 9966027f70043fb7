// Traces that start mid-run: a capture cut at several points (no add/attach lines before the
// traffic, mappings live from before the trace). Domains come from the guest files, an unmap of a
// mapping older than the trace is not an error, and blind placement is as good as on the whole
// trace once the first 1,000 events are past.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Finding } from '../../checks/finding.js';
import { runChecks } from '../../checks/index.js';
import { type ImportResult, importTrace } from '../importer.js';
import { cutCapture } from '../test-support/cut.js';
import { scratchDir } from '../test-support/scratch.js';

const ROOT = 'fixtures/traces';
const CUTS: [string, number][] = [
  ['x86-q35-vtd-strict-612', 0.3],
  ['x86-q35-vtd-strict-612', 0.75],
  ['arm64-virt-smmuv3-strict-612', 0.5],
  ['arm64-virt-smmuv3-strict-612', 0.8],
];

/**
 * The journal's allocator holds one allocation per kernel allocation: a map line on a range the
 * allocator does not hold would be reported by this check. A cut that starts in the middle of a
 * dma_map_sg list shows the list's last lines, each entered as found, and one unmap of the whole
 * list (ingest/predict/force.ts forceWhole makes them one allocation again).
 */
const PGTABLE_IOVA = 'iommu/pgtable-iova-inconsistent';

describe.each(CUTS)('%s cut at %f', (name, at) => {
  let r: ImportResult;
  let errors: Finding[];
  let sighted: readonly Finding[];
  beforeAll(async () => {
    const cut = cutCapture(join(ROOT, name), at);
    r = await importTrace(cut, { output: null, blind: true });
    errors = runChecks([r.events!]).findings.filter((f) => f.severity === 'error');
    sighted = runChecks([(await importTrace(cut, { output: null })).events!]).findings;
  });

  it('places the lines, reports no error, and places blind at >= 95 % after the first 1,000 events, calibrated', () => {
    const a = r.summary.attribution;
    expect(a.discoveredDomains).toBeGreaterThan(0);
    expect(a.unattributed / (a.mapLines + a.unmapLines)).toBeLessThanOrEqual(0.01);
    expect(a.conflicts).toBe(0);
    expect(errors.map((f) => `${f.line}: ${f.check}: ${f.message}`)).toEqual([]);
    const b = r.summary.blind!;
    expect(b.blindCorrectAfterWarmup / b.blindMapsAfterWarmup).toBeGreaterThanOrEqual(0.95);
    if (b.blindConfident > 0) expect(b.blindConfidentCorrect / b.blindConfident).toBeGreaterThanOrEqual(0.995);
  });

  it('imported with its dma:* events, keeps the allocator and the page tables in agreement', () => {
    expect(sighted.filter((f) => f.check === PGTABLE_IOVA).map((f) => `${f.line}: ${f.message}`)).toEqual([]);
  });
});

describe('a 6.1 capture cut mid-run', () => {
  it('finds its domains from the guest files and reports no error', async () => {
    const r = await importTrace(cutCapture(join(ROOT, 'arm64-virt-smmuv3-lazy'), 0.5), { output: null });
    const a = r.summary.attribution;
    expect(a.unattributed / (a.mapLines + a.unmapLines)).toBeLessThanOrEqual(0.01);
    expect(runChecks([r.events!]).findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('a bare trace file (no guest files) finds domains from the traffic and places every line', async () => {
    const r = await importTrace(cutCapture(join(ROOT, 'x86-q35-vtd-strict'), 0.5, false), { output: null });
    const a = r.summary.attribution;
    expect(a.discoveredDomains).toBeGreaterThan(0);
    expect(a.unattributed / (a.mapLines + a.unmapLines)).toBeLessThanOrEqual(0.01);
    expect(a.preTrace).toBeGreaterThanOrEqual(0);
  });
});

/**
 * The heavy capture (6.12 lazy, trace-cmd) cut where its concurrent phase begins: 12,000 lines of
 * its report.txt from the `RUN sync` marker before `H PHASE3` on, with a `cpus=2` header. Twelve
 * `dd` processes drive the virtio disk, the NVMe disk and the AHCI disk at once, no marker names a
 * disk, nothing before the cut tells which process drives which.
 */
const HEAVY = 'x86-q35-vtd-tcg-612-lazy-heavy';
const HEAVY_CONCURRENT = 'fixtures/tracedat/x86-q35-vtd-tcg-612-lazy-heavy.report-phase3.txt.gz';

describe('the heavy capture cut in its concurrent phase', () => {
  it('places blind at >= 80 % after the first 1,000 events (31.7 % before request shapes), calibrated', async () => {
    // given the cut beside the capture's guest files
    const dir = scratchDir('ij-heavy-phase3-');
    for (const d of ['guest', 'formats']) cpSync(join(ROOT, HEAVY, d), join(dir, d), { recursive: true });
    cpSync(HEAVY_CONCURRENT, join(dir, 'report.txt.gz'));
    // when it is placed without its dma:* events
    const r = await importTrace(dir, { output: null, keepEvents: false, blind: true });
    // then the virtio readers' requests (a header and a status from one page) and the NVMe and AHCI
    // ones (dma_map_sg lists, no such page) keep apart
    const b = r.summary.blind!;
    expect(b.blindMapsAfterWarmup).toBeGreaterThan(3000);
    expect(b.blindCorrectAfterWarmup / b.blindMapsAfterWarmup).toBeGreaterThanOrEqual(0.8);
    if (b.blindConfident > 0) expect(b.blindConfidentCorrect / b.blindConfident).toBeGreaterThanOrEqual(0.995);
  });
});
