// Every bundled capture's trace (and trace-cmd report) given bare, through the whole decision:
// the facts the trace shows come out inferred and right, what it does not show is assumed or
// unknown and said, and a flag against what it shows is followed with a warning naming both.
// The truth is the capture folder's own files, which a bare file does not have.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../capture.js';
import { bareCapture as bare, bundledTraces, CAPTURES_ROOT as ROOT, traceText as text } from '../test-support/bundled-traces.js';
import { factsFor } from './index.js';
import { type Arch, archFlag } from './types.js';

const TRACES = bundledTraces();

describe.each(TRACES)('%s: %s given bare', (name, trace) => {
  const truth = readCapture(join(ROOT, name));
  const fq = truth.passthrough ? null : truth.forcedStrict || truth.strict !== false ? 'strict' : 'lazy';
  const t = text(trace);
  const dma = /: +dma_map_page: /.test(t);
  const maps = /: map: +IOMMU: iova=0x0*[1-9a-f]/.test(t);

  it('infers what it shows, assumes or leaves unknown the rest, and says so', async () => {
    const r = await factsFor(bare(trace), {});
    // the kernel line where the trace shows it (dma:* events: 6.12), assumed otherwise
    if (dma) expect(r.facts.kernel).toMatchObject({ value: /^(\d+\.\d+)/.exec(truth.kernel!)![1], how: 'inferred' });
    else expect(r.facts.kernel.how).toBe('assumed');
    expect(r.assumed.some((a) => a.startsWith(`${r.profile.name.split('+')[0]} (`))).toBe(true);
    // lazy or strict and the architecture where the trace has maps; said when not
    if (maps) {
      expect(r.facts.fq).toMatchObject({ value: fq, how: 'inferred' });
      expect(r.profile.name.endsWith(`+${fq}`)).toBe(true);
      expect(r.facts.arch).toMatchObject({ value: truth.arch, how: 'inferred' });
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
    if (!maps) return;
    const other = (fq === 'lazy' ? 'strict' : 'lazy') as 'lazy' | 'strict';
    const arch: Arch = truth.arch === 'x86_64' ? 'arm64' : 'x86_64';
    const r = await factsFor(bare(trace), { fq: other, arch, ...(dma ? { kernel: '6.1' } : {}) });
    expect(r.profile.name).toMatch(new RegExp(`\\+${other}$`));
    expect(r.capture.arch).toBe(arch);
    expect(r.warnings.some((w) => w.startsWith(`--${other} contradicts the trace: `) && w.includes(`which shows ${fq}`))).toBe(true);
    expect(r.warnings.some((w) => w.startsWith(`--arch ${archFlag(arch)} contradicts the trace: `) && w.endsWith(`which shows ${archFlag(truth.arch!)}; following --arch`))).toBe(true);
    if (dma) expect(r.warnings.some((w) => /^--kernel 6\.1 contradicts the trace: it has dma:\* events \(line \d+\), which exist from Linux 6\.12; following --kernel$/.test(w))).toBe(true);
  });
});
