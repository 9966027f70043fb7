// Traces that start mid-run: a capture cut at several points (no add/attach lines before the
// traffic, mappings live from before the trace). Domains come from the guest files, an unmap of a
// mapping older than the trace is not an error, and blind placement is as good as on the whole
// trace once the first 1,000 events are past.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../checks/index.js';
import { importTrace } from '../importer.js';
import { cutCapture } from '../test-support/cut.js';

const ROOT = 'fixtures/traces';
const CUTS: [string, number][] = [
  ['x86-q35-vtd-strict-612', 0.3],
  ['x86-q35-vtd-strict-612', 0.75],
  ['arm64-virt-smmuv3-strict-612', 0.5],
  ['arm64-virt-smmuv3-strict-612', 0.8],
];

describe.each(CUTS)('%s cut at %f', (name, at) => {
  it('places the lines, reports no error, and places blind at >= 95 % after the first 1,000 events, calibrated', async () => {
    const r = await importTrace(cutCapture(join(ROOT, name), at), { output: null, blind: true });
    const a = r.summary.attribution;
    expect(a.discoveredDomains).toBeGreaterThan(0);
    expect(a.unattributed / (a.mapLines + a.unmapLines)).toBeLessThanOrEqual(0.01);
    expect(a.conflicts).toBe(0);
    const errors = runChecks([r.events!]).findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => `${f.line}: ${f.check}: ${f.message}`)).toEqual([]);
    const b = r.summary.blind!;
    expect(b.blindCorrectAfterWarmup / b.blindMapsAfterWarmup).toBeGreaterThanOrEqual(0.95);
    if (b.blindConfident > 0) expect(b.blindConfidentCorrect / b.blindConfident).toBeGreaterThanOrEqual(0.995);
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
