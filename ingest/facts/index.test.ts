// Every bundled capture's trace (and trace-cmd report) given bare, through the whole decision:
// the facts the trace shows come out inferred and right, what it does not show is assumed or
// unknown and said, and a flag against what it shows is followed with a warning naming both.
// The truth is the capture folder's own files, which a bare file does not have.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../capture.js';
import { bareCapture as bare, bundledTraces, CAPTURES_ROOT as ROOT, traceShows } from '../test-support/bundled-traces.js';
import { factsFor } from './index.js';
import { type Arch, archFlag } from './types.js';

const TRACES = bundledTraces();

describe.each(TRACES)('%s: %s given bare', (name, trace) => {
  const truth = readCapture(join(ROOT, name));
  const fq = truth.passthrough ? null : truth.forcedStrict || truth.strict !== false ? 'strict' : 'lazy';

  // a trace.dat states its kernel and machine (its uname option)
  const dat = trace.endsWith('trace.dat');

  it('infers what it shows, assumes or leaves unknown the rest, and says so', async () => {
    const { dma, maps } = await traceShows(trace);
    const r = await factsFor(bare(trace), {});
    if (dat) {
      expect(r.facts.kernel).toMatchObject({ value: expect.stringMatching(new RegExp(`^${truth.kernel!.replace(/\./g, '\\.')}`)), how: 'read', source: 'the trace.dat uname' });
      expect(r.facts.arch).toMatchObject({ value: truth.arch, how: 'read' });
    }
    // else the kernel line where the trace shows it (dma:* events: 6.12), assumed otherwise
    else if (dma) expect(r.facts.kernel).toMatchObject({ value: /^(\d+\.\d+)/.exec(truth.kernel!)![1], how: 'inferred' });
    else expect(r.facts.kernel.how).toBe('assumed');
    if (!dat) expect(r.assumed.some((a) => a.startsWith(`${r.profile.name.split('+')[0]} (`))).toBe(true);
    // lazy or strict and the architecture where the trace has maps; said when not
    if (maps) {
      expect(r.facts.fq).toMatchObject({ value: fq, how: 'inferred' });
      expect(r.profile.name.endsWith(`+${fq}`)).toBe(true);
      expect(r.facts.arch).toMatchObject({ value: truth.arch, how: dat ? 'read' : 'inferred' });
      expect(r.capture.platformRegions.length).toBe(1);
    } else {
      expect(r.facts.fq.how).toBe('assumed');
      expect(r.facts.arch.how).toBe('unknown');
      expect(r.unknown.some((u) => u.startsWith('the architecture'))).toBe(true);
    }
    expect(r.facts.cpus).toMatchObject({ value: truth.cpus, how: 'read' });
    expect(r.facts.dmaEvents.value).toBe(dma);
    expect(r.warnings).toEqual([]);
  });

  it('follows flags against it, with a warning naming both', async () => {
    const { dma, maps } = await traceShows(trace);
    if (!maps) return;
    const other = (fq === 'lazy' ? 'strict' : 'lazy') as 'lazy' | 'strict';
    const arch: Arch = truth.arch === 'x86_64' ? 'arm64' : 'x86_64';
    const r = await factsFor(bare(trace), { fq: other, arch, ...(dma ? { kernel: '6.1' } : {}) });
    expect(r.profile.name).toMatch(new RegExp(`\\+${other}$`));
    expect(r.capture.arch).toBe(arch);
    expect(r.warnings.some((w) => w.startsWith(`--${other} contradicts the trace: `) && w.includes(`which shows ${fq}`))).toBe(true);
    const archAgainst = dat ? `--arch ${archFlag(arch)} contradicts the trace.dat uname (${archFlag(truth.arch!)}); following --arch` : null;
    expect(r.warnings.some((w) => (archAgainst ? w === archAgainst : w.startsWith(`--arch ${archFlag(arch)} contradicts the trace: `) && w.endsWith(`which shows ${archFlag(truth.arch!)}; following --arch`)))).toBe(true);
    if (dma && dat) expect(r.warnings.some((w) => w.startsWith(`--kernel 6.1 contradicts the trace.dat uname (${truth.kernel}`))).toBe(true);
    if (dma) expect(r.warnings.some((w) => /^--kernel 6\.1 contradicts the trace: it has dma:\* events \(line \d+\), which exist from Linux 6\.12; following --kernel$/.test(w))).toBe(true);
  });
});
