// Every bundled capture's trace given bare (no capture folder): what its start shows must agree
// with what the capture folder states (its command line, dmesg, uname), and so must every cut of
// it, however late it starts; where the trace does not show a fact, the answer is "not shown",
// never a wrong one. The truth comes from the capture's guest files, which the test reads and the
// facts under test do not.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../capture.js';
import { bundledTraces, CAPTURES_ROOT as ROOT, traceRecords, traceShows, traceText as text } from '../test-support/bundled-traces.js';
import { ArchEvidence } from './arch-evidence.js';
import { ReuseTest } from './fq-reuse.js';
import { observeTrace } from './observe.js';
import { scratchDir } from '../test-support/scratch.js';

const TRACES = bundledTraces();
const HEAVY = 'fixtures/tracedat/x86-q35-vtd-tcg-612-lazy-heavy.report-head.txt.gz';

async function truthOf(name: string, trace: string) {
  const c = readCapture(join(ROOT, name));
  const shows = await traceShows(trace);
  return {
    trace,
    fq: c.forcedStrict || c.strict !== false ? 'strict' : 'lazy',
    arch: c.arch,
    release: /^(\d+\.\d+)/.exec(c.kernel ?? '')?.[1] ?? null,
    dmaEvents: shows.dma,
    kernelChosenMaps: shows.maps,
    fromBoot: shows.groupLines,
    cpus: c.cpus,
  };
}

describe.each(TRACES)('%s: %s given bare', (name, trace) => {
  it('shows lazy or strict, the architecture and the kernel line as the capture states them', async () => {
    const t = await truthOf(name, trace);
    const o = await observeTrace(t.trace);
    // lazy or strict: every capture with maps shows it, and rightly
    if (t.kernelChosenMaps) expect(o.reuse.mode).toBe(t.fq);
    else expect(o.reuse.mode).toBeNull();
    // the architecture: shown by every capture traced from boot with maps (passthrough shows
    // nothing); one recorded mid-run may show nothing, never a wrong one
    if (t.kernelChosenMaps && t.fromBoot) expect(o.arch.arch).toBe(t.arch);
    else if (!t.kernelChosenMaps) expect(o.arch.arch).toBeNull();
    else expect([t.arch, null]).toContain(o.arch.arch);
    expect(o.arch.conflict).toBeNull();
    // the kernel: 6.12 names where the trace has dma:* events (6.12 kernels); nothing otherwise
    expect(o.kernel.dma).toBe(t.dmaEvents ? '6.12' : null);
    if (t.dmaEvents) expect(t.release).toBe('6.12');
    expect(o.header.cpus ?? o.cpusSeen).toBe(t.cpus);
  });

  it('never shows a wrong fact when cut to start late', async () => {
    const t = await truthOf(name, trace);
    const all = await traceRecords(t.trace);
    for (const at of [0.1, 0.25, 0.5, 0.75]) {
      const reuse = new ReuseTest();
      const arch = new ArchEvidence();
      for (const r of all.slice(Math.floor(all.length * at))) {
        reuse.push(r);
        arch.push(r);
      }
      const v = reuse.verdict();
      if (v.mode !== null) expect(v.mode).toBe(t.fq);
      // the disk workloads leave enough pairs in any cut to decide
      if (v.pairs >= 30) expect(v.mode).toBe(t.fq);
      const a = arch.verdict();
      if (a.arch !== null) expect(a.arch).toBe(t.arch);
    }
  });
});

describe('a trace-cmd report recorded mid-run (lazy, 2 CPUs, 6.12)', () => {
  it('shows lazy from its first pairs, and no architecture (nothing in it tells)', async () => {
    const o = await observeTrace(HEAVY);
    expect(o.reuse.mode).toBe('lazy');
    expect(o.reuse.pairs).toBeGreaterThanOrEqual(30);
    expect(o.header.cpus).toBe(2);
    expect(o.groupLines).toBe(false);
    expect(o.arch.arch).toBeNull();
    expect(o.kernel.dma).toBe(/ dma_map_page: /.test(text(HEAVY)) ? '6.12' : null);
  });
});

describe('a damaged trace', () => {
  it('shows what comes before the damage (the import then reads up to it and reports it)', async () => {
    const cut = join(scratchDir('ij-obs-'), 'cut.txt.gz');
    const gz = readFileSync(HEAVY);
    writeFileSync(cut, gz.subarray(0, gz.length >> 1));
    const o = await observeTrace(cut);
    expect(o.whole).toBe(false);
    expect(o.reuse.mode).toBe('lazy');
  });
});
