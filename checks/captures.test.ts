// The real captures (those with tracefs text) are clean kernels doing ordinary I/O: imported (maps attributed, the
// allocator's side read by the model), every check must stay silent on them but for the
// informational ones (README: what they report).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importTrace } from '../ingest/importer.js';
import { runChecks } from './index.js';

const ROOT = 'fixtures/traces';
// the heavy trace-cmd capture (2.56 M events, trace.dat only) is too long to import in the suite
const CAPTURES = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory() && (existsSync(join(ROOT, d.name, 'trace.txt')) || existsSync(join(ROOT, d.name, 'trace.txt.gz'))))
  .map((d) => d.name);

describe.each(CAPTURES)('checks on the real capture %s', (name) => {
  it('give no error and no warning', async () => {
    const r = await importTrace(join(ROOT, name), { output: null });
    const run = runChecks([r.events!]);
    expect(run.events).toBe(r.summary.events);
    const loud = run.findings.filter((f) => f.severity !== 'info').map((f) => `${f.line}: ${f.check}: ${f.message}`);
    expect(loud).toEqual([]);
    for (const f of run.findings.filter((x) => x.severity === 'info')) expect(f.check).toBe('iommu/phys-shared');
  });
});
